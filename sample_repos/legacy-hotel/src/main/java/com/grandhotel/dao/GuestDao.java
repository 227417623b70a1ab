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
import java.util.Vector;

import com.grandhotel.model.Guest;
import com.grandhotel.util.DBUtil;

/**
 * Data access for GUESTS.
 */
public class GuestDao {

    public Guest findByEmail(String email) throws SQLException {
        Connection con = DBUtil.getConnection();
        PreparedStatement ps = con.prepareStatement("SELECT * FROM guests WHERE email = ?");
        ps.setString(1, email);
        ResultSet rs = ps.executeQuery();
        Guest g = rs.next() ? map(rs) : null;
        DBUtil.close(con, ps, rs);
        return g;
    }

    /**
     * Front-desk search. sortBy comes straight from the column header link.
     */
    public Vector search(String lastName, String sortBy) throws SQLException {
        Vector list = new Vector();
        Connection con = DBUtil.getConnection();
        Statement st = con.createStatement();
        String sql = "SELECT * FROM guests WHERE last_name LIKE '%" + lastName + "%' ORDER BY " + sortBy;
        ResultSet rs = st.executeQuery(sql);
        while (rs.next()) {
            list.addElement(map(rs));
        }
        DBUtil.close(con, st, rs);
        return list;
    }

    public int insert(Guest g) throws SQLException {
        Connection con = DBUtil.getConnection();
        PreparedStatement ps = con.prepareStatement(
            "INSERT INTO guests (first_name, last_name, email, phone, address, country, vip) VALUES (?,?,?,?,?,?,?)",
            Statement.RETURN_GENERATED_KEYS);
        ps.setString(1, g.getFirstName());
        ps.setString(2, g.getLastName());
        ps.setString(3, g.getEmail());
        ps.setString(4, g.getPhone());
        ps.setString(5, g.getAddress());
        ps.setString(6, g.getCountry());
        ps.setString(7, g.isVip() ? "Y" : "N");
        ps.executeUpdate();
        ResultSet keys = ps.getGeneratedKeys();
        if (keys.next()) {
            g.setId(keys.getInt(1));
        }
        DBUtil.close(con, ps, keys);
        return g.getId();
    }

    private Guest map(ResultSet rs) throws SQLException {
        Guest g = new Guest();
        g.setId(rs.getInt("id"));
        g.setFirstName(rs.getString("first_name"));
        g.setLastName(rs.getString("last_name"));
        g.setEmail(rs.getString("email"));
        g.setPhone(rs.getString("phone"));
        g.setAddress(rs.getString("address"));
        g.setCountry(rs.getString("country"));
        g.setVip("Y".equals(rs.getString("vip")));
        return g;
    }
}
