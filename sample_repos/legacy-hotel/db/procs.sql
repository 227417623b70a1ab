-- Grand Hotel stored procedures, MySQL 5.0
DELIMITER //

DROP PROCEDURE IF EXISTS sp_count_overlapping //
CREATE PROCEDURE sp_count_overlapping(IN p_room INT, IN p_from DATETIME, IN p_to DATETIME, OUT p_count INT)
BEGIN
  SELECT COUNT(*) INTO p_count
    FROM bookings
   WHERE room_id = p_room
     AND status IN ('CONFIRMED', 'CHECKED_IN')
     AND check_in < p_to
     AND check_out > p_from;
END //

-- Front-desk arrivals list; p_where is built by the old Delphi client,
-- e.g. "g.last_name LIKE 'Mei%'".
DROP PROCEDURE IF EXISTS sp_search_bookings //
CREATE PROCEDURE sp_search_bookings(IN p_where VARCHAR(1000), IN p_order VARCHAR(50))
BEGIN
  SET @sql = CONCAT('SELECT b.confirmation_code, g.last_name, b.check_in, b.check_out, b.status ',
                    'FROM bookings b JOIN guests g ON g.id = b.guest_id WHERE ', p_where,
                    ' ORDER BY ', p_order);
  PREPARE stmt FROM @sql;
  EXECUTE stmt;
  DEALLOCATE PREPARE stmt;
END //

-- Nightly job: bookings older than two years go to the archive table.
DROP PROCEDURE IF EXISTS sp_archive_bookings //
CREATE PROCEDURE sp_archive_bookings(IN p_cutoff DATE)
BEGIN
  DECLARE done INT DEFAULT 0;
  DECLARE v_id INT;
  DECLARE cur CURSOR FOR SELECT id FROM bookings WHERE check_out < p_cutoff;
  DECLARE CONTINUE HANDLER FOR NOT FOUND SET done = 1;
  OPEN cur;
  archive_loop: LOOP
    FETCH cur INTO v_id;
    IF done = 1 THEN
      LEAVE archive_loop;
    END IF;
    INSERT INTO bookings_archive SELECT * FROM bookings WHERE id = v_id;
    DELETE FROM bookings WHERE id = v_id;
  END LOOP;
  CLOSE cur;
END //

-- Revenue per month for the owner's Excel sheet.
DROP PROCEDURE IF EXISTS sp_monthly_revenue //
CREATE PROCEDURE sp_monthly_revenue(IN p_year INT)
BEGIN
  SELECT MONTH(check_in) AS month, SUM(total_amount) AS revenue, COUNT(*) AS bookings
    FROM bookings
   WHERE YEAR(check_in) = p_year AND status <> 'CANCELLED'
   GROUP BY MONTH(check_in)
   ORDER BY 1;
END //

DELIMITER ;
