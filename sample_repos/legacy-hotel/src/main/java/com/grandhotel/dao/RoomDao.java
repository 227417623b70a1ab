/*
 * Grand Hotel Reservation System
 * Copyright (c) 2006-2008 Grand Hotel Group. All rights reserved.
 */
package com.grandhotel.dao;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.text.SimpleDateFormat;
import java.util.Date;
import java.util.Vector;

import org.apache.log4j.Logger;

import com.grandhotel.model.Room;
import com.grandhotel.service.BookingService;
import com.grandhotel.util.DBUtil;

/**
 * Data access for ROOMS.
 */
public class RoomDao {

    private static Logger log = Logger.getLogger(RoomDao.class);

    private static final SimpleDateFormat SQL_DATE = new SimpleDateFormat("yyyy-MM-dd");

    /**
     * Rooms of the given type that have no overlapping, active booking.
     */
    public Vector findAvailable(String roomType, Date checkIn, Date checkOut, int guests) throws SQLException {
        Vector result = new Vector();
        Connection con = DBUtil.getConnection();
        Statement st = con.createStatement();
        String sql = "SELECT r.* FROM rooms r WHERE r.room_type = '" + roomType + "'"
            + " AND r.capacity >= " + guests
            + " AND r.id NOT IN (SELECT b.room_id FROM bookings b WHERE b.status IN ('"
            + BookingService.STATUS_CONFIRMED + "','" + BookingService.STATUS_CHECKED_IN + "')"
            + " AND b.check_in < '" + SQL_DATE.format(checkOut) + "'"
            + " AND b.check_out > '" + SQL_DATE.format(checkIn) + "')"
            + " ORDER BY r.base_rate";
        log.debug("findAvailable: " + sql);
        ResultSet rs = st.executeQuery(sql);
        while (rs.next()) {
            result.addElement(map(rs));
        }
        DBUtil.close(con, st, rs);
        return result;
    }

    public Room findById(int id) throws SQLException {
        Connection con = DBUtil.getConnection();
        PreparedStatement ps = con.prepareStatement("SELECT * FROM rooms WHERE id = ?");
        ps.setInt(1, id);
        ResultSet rs = ps.executeQuery();
        Room room = null;
        if (rs.next()) {
            room = map(rs);
        }
        DBUtil.close(con, ps, rs);
        return room;
    }

    public Vector findAll() throws SQLException {
        Vector result = new Vector();
        Connection con = DBUtil.getConnection();
        Statement st = con.createStatement();
        ResultSet rs = st.executeQuery("SELECT * FROM rooms ORDER BY room_number");
        while (rs.next()) {
            result.addElement(map(rs));
        }
        DBUtil.close(con, st, rs);
        return result;
    }

    public void updateRate(String roomType, double newRate) throws SQLException {
        Connection con = DBUtil.getConnection();
        PreparedStatement ps = con.prepareStatement("UPDATE rooms SET base_rate = ? WHERE room_type = ?");
        ps.setDouble(1, newRate);
        ps.setString(2, roomType);
        ps.executeUpdate();
        DBUtil.close(con, ps, null);
    }

    private Room map(ResultSet rs) throws SQLException {
        Room r = new Room();
        r.setId(rs.getInt("id"));
        r.setNumber(rs.getString("room_number"));
        r.setType(rs.getString("room_type"));
        r.setFloor(rs.getInt("floor"));
        r.setCapacity(rs.getInt("capacity"));
        r.setBaseRate(rs.getDouble("base_rate"));
        r.setSmoking("Y".equals(rs.getString("smoking")));
        r.setDescription(rs.getString("description"));
        return r;
    }
}
