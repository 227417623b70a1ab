-- Test and initial data. Passwords are unsalted MD5 (see PasswordUtil).
INSERT INTO rooms (room_number, room_type, floor, capacity, base_rate, smoking, description) VALUES
  ('101', 'SINGLE', 1, 1,  79.00, 'N', 'Single room, courtyard'),
  ('102', 'SINGLE', 1, 1,  79.00, 'Y', 'Single room, courtyard, smoking'),
  ('201', 'DOUBLE', 2, 2, 119.00, 'N', 'Double room, street side'),
  ('202', 'DOUBLE', 2, 3, 129.00, 'N', 'Double room with extra bed'),
  ('203', 'DOUBLE', 2, 2, 139.00, 'N', 'Double room, park view'),
  ('301', 'SUITE',  3, 4, 289.00, 'N', 'Junior suite, balcony'),
  ('401', 'SUITE',  4, 4, 349.00, 'N', 'Tower suite, panorama');

INSERT INTO users (username, password_hash, role, email, locked) VALUES
  -- admin / admin
  ('admin',    '21232f297a57a5a743894a0e4a801fc3', 'ADMIN', 'it@grandhotel.example', 'N'),
  -- frontdesk / hotel123
  ('frontdesk', '331146468f3e703f4a6b99ffb35b4bb3', 'CLERK', 'desk@grandhotel.example', 'N'),
  ('mkoch',    '5f4dcc3b5aa765d61d8327deb882cf99', 'ADMIN', 'mkoch@grandhotel.example', 'N');

INSERT INTO guests (first_name, last_name, email, phone, country, vip) VALUES
  ('Anna', 'Meier', 'anna.meier@example.com', '+49 30 5550101', 'DE', 'N'),
  ('John', 'Doe', 'john.doe@example.com', '+1 555 0100', 'US', 'Y');

INSERT INTO bookings (confirmation_code, room_id, guest_id, check_in, check_out, adults, children,
                      status, total_amount, card_number, card_expiry, special_requests, created_at) VALUES
  ('GH-7KQ2PX', 3, 1, '2008-07-04 14:00:00', '2008-07-07 11:00:00', 2, 0, 'CONFIRMED', 446.25,
   '4111111111111111', '09/10', 'Late arrival, around 23:00', '2008-06-01 10:12:00'),
  ('GH-M3TR8B', 6, 2, '2008-12-30 14:00:00', '2009-01-02 11:00:00', 2, 1, 'CONFIRMED', 1203.00,
   '5500000000000004', '11/09', 'Champagne on arrival <b>please</b>', '2008-06-03 18:40:00');
