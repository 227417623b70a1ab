-- PyShop schema (MySQL 5.0)
CREATE TABLE users (
  id INT AUTO_INCREMENT PRIMARY KEY,
  username VARCHAR(30) NOT NULL UNIQUE,
  password CHAR(32) NOT NULL,          -- md5 hex
  email VARCHAR(100),
  is_admin TINYINT NOT NULL DEFAULT 0,
  reset_token VARCHAR(16),
  reset_time INT
);
CREATE TABLE products (
  id INT AUTO_INCREMENT PRIMARY KEY,
  name VARCHAR(100) NOT NULL,
  price DECIMAL(8,2) NOT NULL,
  stock INT NOT NULL DEFAULT 0,
  category VARCHAR(30) NOT NULL
);
CREATE TABLE orders (
  id INT AUTO_INCREMENT PRIMARY KEY,
  username VARCHAR(30) NOT NULL,
  total DECIMAL(10,2) NOT NULL,
  status VARCHAR(10) NOT NULL
);
CREATE TABLE order_items (
  order_id INT NOT NULL,
  product_id INT NOT NULL,
  qty INT NOT NULL
);
INSERT INTO users (username, password, email, is_admin) VALUES
  ('admin', '21232f297a57a5a743894a0e4a801fc3', 'admin@pyshop.example', 1);
