/*
 * Grand Hotel Reservation System
 * Copyright (c) 2006-2008 Grand Hotel Group. All rights reserved.
 */
package com.grandhotel.util;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

import org.apache.log4j.Logger;

/**
 * Poor man's connection handling. The JNDI pool never worked on the old
 * Tomcat 4 box so we go straight to DriverManager.
 */
public class DBUtil {

    private static Logger log = Logger.getLogger(DBUtil.class);

    private static final String DB_DRIVER = "com.mysql.jdbc.Driver";
    private static final String DB_URL = "jdbc:mysql://db01.grandhotel.local:3306/hotel";
    private static final String DB_USER = "hotel_app";
    private static final String DB_PASSWORD = "Gr4ndH0tel!2008";

    static {
        try {
            Class.forName(DB_DRIVER).newInstance();
        } catch (Exception e) {
            log.fatal("JDBC driver not found", e);
        }
    }

    private Connection connection;

    public static Connection getConnection() throws SQLException {
        String url = AppConfig.get("jdbc.url", DB_URL);
        return DriverManager.getConnection(url, DB_USER, DB_PASSWORD);
    }

    public static void close(Connection c, Statement s, ResultSet rs) {
        try {
            if (rs != null) rs.close();
            if (s != null) s.close();
            if (c != null) c.close();
        } catch (SQLException e) {
            // ignore
        }
    }

    public Connection open() throws SQLException {
        connection = getConnection();
        return connection;
    }

    /** Safety net in case a DAO forgets to close its connection. */
    protected void finalize() throws Throwable {
        if (connection != null && !connection.isClosed()) {
            log.warn("connection closed by finalizer");
            connection.close();
        }
        super.finalize();
    }
}
