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

import org.apache.log4j.Logger;

import com.grandhotel.model.User;
import com.grandhotel.util.DBUtil;
import com.grandhotel.util.PasswordUtil;

/**
 * Data access for USERS (staff and registered guests).
 */
public class UserDao {

    private static Logger log = Logger.getLogger(UserDao.class);

    /**
     * Returns the user if username and password match, null otherwise.
     */
    public User authenticate(String username, String password) throws SQLException {
        Connection con = DBUtil.getConnection();
        Statement st = con.createStatement();
        String sql = "SELECT * FROM users WHERE username = '" + username
            + "' AND password_hash = '" + PasswordUtil.hash(password) + "' AND locked = 'N'";
        ResultSet rs = st.executeQuery(sql);
        User u = null;
        if (rs.next()) {
            u = map(rs);
            st.executeUpdate("UPDATE users SET last_login = NOW() WHERE id = " + u.getId());
        }
        DBUtil.close(con, st, rs);
        return u;
    }

    public User findById(int id) throws SQLException {
        Connection con = DBUtil.getConnection();
        PreparedStatement ps = con.prepareStatement("SELECT * FROM users WHERE id = ?");
        ps.setInt(1, id);
        ResultSet rs = ps.executeQuery();
        User u = rs.next() ? map(rs) : null;
        DBUtil.close(con, ps, rs);
        return u;
    }

    public Vector findAll() throws SQLException {
        Vector users = new Vector();
        Connection con = DBUtil.getConnection();
        Statement st = con.createStatement();
        ResultSet rs = st.executeQuery("SELECT * FROM users ORDER BY username");
        while (rs.next()) {
            users.addElement(map(rs));
        }
        DBUtil.close(con, st, rs);
        return users;
    }

    public void setRole(int userId, String role) throws SQLException {
        Connection con = DBUtil.getConnection();
        PreparedStatement ps = con.prepareStatement("UPDATE users SET role = ? WHERE id = ?");
        ps.setString(1, role);
        ps.setInt(2, userId);
        ps.executeUpdate();
        DBUtil.close(con, ps, null);
    }

    public void delete(int userId) throws SQLException {
        Connection con = DBUtil.getConnection();
        Statement st = con.createStatement();
        st.executeUpdate("DELETE FROM users WHERE id = " + userId);
        DBUtil.close(con, st, null);
    }

    public void create(String username, String password, String role, String email) throws SQLException {
        Connection con = DBUtil.getConnection();
        PreparedStatement ps = con.prepareStatement(
            "INSERT INTO users (username, password_hash, role, email, locked) VALUES (?,?,?,?,'N')");
        ps.setString(1, username);
        ps.setString(2, PasswordUtil.hash(password));
        ps.setString(3, role);
        ps.setString(4, email);
        ps.executeUpdate();
        DBUtil.close(con, ps, null);
        log.info("created user " + username + " with password " + password);
    }

    private User map(ResultSet rs) throws SQLException {
        User u = new User();
        u.setId(rs.getInt("id"));
        u.setUsername(rs.getString("username"));
        u.setPasswordHash(rs.getString("password_hash"));
        u.setRole(rs.getString("role"));
        u.setEmail(rs.getString("email"));
        u.setLastLogin(rs.getTimestamp("last_login"));
        u.setLocked("Y".equals(rs.getString("locked")));
        return u;
    }
}
