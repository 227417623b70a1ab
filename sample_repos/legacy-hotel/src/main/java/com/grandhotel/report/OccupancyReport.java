/*
 * Grand Hotel Reservation System
 * Copyright (c) 2006-2008 Grand Hotel Group. All rights reserved.
 */
package com.grandhotel.report;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Date;
import java.util.Hashtable;

import com.grandhotel.model.Room;
import com.grandhotel.util.DBUtil;
import com.grandhotel.util.DateUtil;

/**
 * Occupancy per room type for a date range, as a CSV string.
 */
public class OccupancyReport {

    private Hashtable nightsByType = new Hashtable();
    private Hashtable revenueByType = new Hashtable();

    public void load(Date from, Date to) throws SQLException {
        Connection con = DBUtil.getConnection();
        PreparedStatement ps = con.prepareStatement(
            "SELECT r.room_type, b.check_in, b.check_out, b.total_amount FROM bookings b"
            + " JOIN rooms r ON r.id = b.room_id WHERE b.status <> 'CANCELLED'"
            + " AND b.check_in >= ? AND b.check_out <= ?");
        ps.setDate(1, new java.sql.Date(from.getTime()));
        ps.setDate(2, new java.sql.Date(to.getTime()));
        ResultSet rs = ps.executeQuery();
        while (rs.next()) {
            String type = rs.getString(1);
            int nights = DateUtil.daysBetween(rs.getDate(2), rs.getDate(3));
            Integer n = (Integer) nightsByType.get(type);
            nightsByType.put(type, new Integer((n == null ? 0 : n.intValue()) + nights));
            Double rev = (Double) revenueByType.get(type);
            revenueByType.put(type, new Double((rev == null ? 0 : rev.doubleValue()) + rs.getDouble(4)));
        }
        DBUtil.close(con, ps, rs);
    }

    public String toCsv() {
        String[] types = { Room.TYPE_SINGLE, Room.TYPE_DOUBLE, Room.TYPE_SUITE };
        String csv = "room_type;nights;revenue\n";
        for (int i = 0; i < types.length; i++) {
            Integer n = (Integer) nightsByType.get(types[i]);
            Double rev = (Double) revenueByType.get(types[i]);
            csv += types[i] + ";" + (n == null ? 0 : n.intValue()) + ";" + (rev == null ? 0.0 : rev.doubleValue()) + "\n";
        }
        return csv;
    }
}
