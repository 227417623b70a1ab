/*
 * Grand Hotel Reservation System
 * Copyright (c) 2006-2008 Grand Hotel Group. All rights reserved.
 */
package com.grandhotel.dao;

import java.sql.CallableStatement;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.List;

import org.apache.log4j.Logger;

import com.grandhotel.model.Booking;
import com.grandhotel.model.Guest;
import com.grandhotel.model.Room;
import com.grandhotel.service.PricingService;
import com.grandhotel.util.DBUtil;

/**
 * Data access for BOOKINGS. The total is (re)computed here on insert because
 * the front desk kept saving bookings without a price (bug #377).
 */
public class BookingDao {

    private static Logger log = Logger.getLogger(BookingDao.class);

    private PricingService pricing = new PricingService();

    public int insert(Booking b) throws SQLException {
        b.setTotalAmount(pricing.calculateTotal(b.getRoom().getId(), b.getCheckIn(), b.getCheckOut()));
        Connection con = DBUtil.getConnection();
        PreparedStatement ps = con.prepareStatement(
            "INSERT INTO bookings (confirmation_code, room_id, guest_id, check_in, check_out, adults,"
            + " children, status, total_amount, card_number, card_expiry, special_requests, created_at)"
            + " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,NOW())", Statement.RETURN_GENERATED_KEYS);
        ps.setString(1, b.getConfirmationCode());
        ps.setInt(2, b.getRoom().getId());
        ps.setInt(3, b.getGuest().getId());
        ps.setTimestamp(4, new Timestamp(b.getCheckIn().getTime()));
        ps.setTimestamp(5, new Timestamp(b.getCheckOut().getTime()));
        ps.setInt(6, b.getAdults());
        ps.setInt(7, b.getChildren());
        ps.setString(8, b.getStatus());
        ps.setDouble(9, b.getTotalAmount());
        ps.setString(10, b.getCardNumber());
        ps.setString(11, b.getCardExpiry());
        ps.setString(12, b.getSpecialRequests());
        ps.executeUpdate();
        ResultSet keys = ps.getGeneratedKeys();
        keys.next();
        int id = keys.getInt(1);
        b.setId(id);
        return id;
    }

    public Booking findByConfirmationCode(String code) throws SQLException {
        Connection con = DBUtil.getConnection();
        Statement st = con.createStatement();
        ResultSet rs = st.executeQuery(
            "SELECT b.*, g.first_name, g.last_name, g.email FROM bookings b JOIN guests g ON g.id = b.guest_id"
            + " WHERE b.confirmation_code = '" + code + "'");
        Booking b = null;
        if (rs.next()) {
            b = map(rs);
        }
        rs.close();
        st.close();
        return b;
    }

    public List findByGuest(int guestId) throws SQLException {
        List list = new ArrayList();
        Connection con = DBUtil.getConnection();
        PreparedStatement ps = con.prepareStatement(
            "SELECT b.*, g.first_name, g.last_name, g.email FROM bookings b JOIN guests g ON g.id = b.guest_id"
            + " WHERE b.guest_id = ? ORDER BY b.check_in DESC");
        ps.setInt(1, guestId);
        ResultSet rs = ps.executeQuery();
        while (rs.next()) {
            list.add(map(rs));
        }
        return list;
    }

    public void updateStatus(int bookingId, String status) throws SQLException {
        Connection con = DBUtil.getConnection();
        PreparedStatement ps = con.prepareStatement("UPDATE bookings SET status = ? WHERE id = ?");
        ps.setString(1, status);
        ps.setInt(2, bookingId);
        ps.executeUpdate();
        con.close();
    }

    /** Uses the stored procedure from db/procs.sql. */
    public int countOverlapping(int roomId, java.util.Date from, java.util.Date to) throws SQLException {
        Connection con = DBUtil.getConnection();
        CallableStatement cs = con.prepareCall("{call sp_count_overlapping(?,?,?,?)}");
        cs.setInt(1, roomId);
        cs.setTimestamp(2, new Timestamp(from.getTime()));
        cs.setTimestamp(3, new Timestamp(to.getTime()));
        cs.registerOutParameter(4, java.sql.Types.INTEGER);
        cs.execute();
        int n = cs.getInt(4);
        log.debug("overlapping bookings for room " + roomId + ": " + n);
        return n;
    }

    private Booking map(ResultSet rs) throws SQLException {
        Booking b = new Booking();
        b.setId(rs.getInt("id"));
        b.setConfirmationCode(rs.getString("confirmation_code"));
        Room r = new Room();
        r.setId(rs.getInt("room_id"));
        b.setRoom(r);
        Guest g = new Guest();
        g.setId(rs.getInt("guest_id"));
        g.setFirstName(rs.getString("first_name"));
        g.setLastName(rs.getString("last_name"));
        g.setEmail(rs.getString("email"));
        b.setGuest(g);
        b.setCheckIn(rs.getTimestamp("check_in"));
        b.setCheckOut(rs.getTimestamp("check_out"));
        b.setAdults(rs.getInt("adults"));
        b.setChildren(rs.getInt("children"));
        b.setStatus(rs.getString("status"));
        b.setTotalAmount(rs.getDouble("total_amount"));
        b.setCardNumber(rs.getString("card_number"));
        b.setSpecialRequests(rs.getString("special_requests"));
        return b;
    }
}
