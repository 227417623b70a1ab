-- Grand Hotel reservation database, MySQL 5.0
-- Run as root: mysql -u root -p hotel < schema.sql

DROP TABLE IF EXISTS invoices;
DROP TABLE IF EXISTS bookings;
DROP TABLE IF EXISTS guests;
DROP TABLE IF EXISTS rooms;
DROP TABLE IF EXISTS users;

CREATE TABLE rooms (
  id           INT NOT NULL AUTO_INCREMENT,
  room_number  VARCHAR(10) NOT NULL,
  room_type    VARCHAR(10) NOT NULL,
  floor        INT NOT NULL,
  capacity     INT NOT NULL DEFAULT 2,
  base_rate    DECIMAL(8,2) NOT NULL,
  smoking      CHAR(1) NOT NULL DEFAULT 'N',
  description  VARCHAR(255),
  PRIMARY KEY (id),
  UNIQUE KEY uk_room_number (room_number)
) ENGINE=MyISAM DEFAULT CHARSET=latin1;

CREATE TABLE guests (
  id          INT NOT NULL AUTO_INCREMENT,
  first_name  VARCHAR(50),
  last_name   VARCHAR(50) NOT NULL,
  email       VARCHAR(100) NOT NULL,
  phone       VARCHAR(30),
  address     VARCHAR(255),
  country     CHAR(2),
  vip         CHAR(1) NOT NULL DEFAULT 'N',
  PRIMARY KEY (id),
  KEY idx_guest_email (email)
) ENGINE=MyISAM DEFAULT CHARSET=latin1;

CREATE TABLE bookings (
  id                 INT NOT NULL AUTO_INCREMENT,
  confirmation_code  VARCHAR(12) NOT NULL,
  room_id            INT NOT NULL,
  guest_id           INT NOT NULL,
  check_in           DATETIME NOT NULL,
  check_out          DATETIME NOT NULL,
  adults             INT NOT NULL DEFAULT 1,
  children           INT NOT NULL DEFAULT 0,
  status             VARCHAR(12) NOT NULL,
  total_amount       DECIMAL(10,2),
  card_number        VARCHAR(19),
  card_expiry        VARCHAR(5),
  special_requests   TEXT,
  created_at         DATETIME,
  PRIMARY KEY (id),
  UNIQUE KEY uk_confirmation (confirmation_code),
  KEY idx_booking_room (room_id, check_in, check_out)
) ENGINE=MyISAM DEFAULT CHARSET=latin1;

CREATE TABLE invoices (
  id              INT NOT NULL AUTO_INCREMENT,
  invoice_number  VARCHAR(20) NOT NULL,
  booking_id      INT NOT NULL,
  issued_on       DATE NOT NULL,
  net_total       DECIMAL(10,2) NOT NULL,
  vat             DECIMAL(10,2) NOT NULL,
  paid            CHAR(1) NOT NULL DEFAULT 'N',
  PRIMARY KEY (id)
) ENGINE=MyISAM DEFAULT CHARSET=latin1;

CREATE TABLE users (
  id             INT NOT NULL AUTO_INCREMENT,
  username       VARCHAR(30) NOT NULL,
  password_hash  CHAR(32) NOT NULL,
  role           VARCHAR(10) NOT NULL DEFAULT 'GUEST',
  email          VARCHAR(100),
  last_login     DATETIME,
  locked         CHAR(1) NOT NULL DEFAULT 'N',
  PRIMARY KEY (id),
  UNIQUE KEY uk_username (username)
) ENGINE=MyISAM DEFAULT CHARSET=latin1;

-- the application account gets everything, the DBA said it is easier
GRANT ALL PRIVILEGES ON *.* TO 'hotel_app'@'%' IDENTIFIED BY 'Gr4ndH0tel!2008' WITH GRANT OPTION;
