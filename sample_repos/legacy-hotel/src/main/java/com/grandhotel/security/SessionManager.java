/*
 * Grand Hotel Reservation System
 * Copyright (c) 2006-2008 Grand Hotel Group. All rights reserved.
 */
package com.grandhotel.security;

import java.util.Date;
import java.util.Enumeration;
import java.util.Hashtable;

import javax.servlet.http.Cookie;
import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;

import com.grandhotel.model.User;
import com.grandhotel.util.TokenGenerator;

/**
 * Keeps logged-in users by token so that "remember me" survives a Tomcat
 * session timeout. Tokens live in memory only.
 */
public class SessionManager {

    public static final String COOKIE_NAME = "GH_TOKEN";
    public static final String SESSION_USER = "currentUser";

    private static Hashtable tokens = new Hashtable();
    private static Hashtable created = new Hashtable();

    public static String register(User user, HttpServletResponse response) {
        String token = TokenGenerator.newSessionToken(user.getUsername());
        tokens.put(token, user);
        created.put(token, new Date());
        Cookie c = new Cookie(COOKIE_NAME, token);
        c.setMaxAge(60 * 60 * 24 * 30);
        c.setPath("/");
        response.addCookie(c);
        return token;
    }

    public static User lookup(HttpServletRequest request) {
        User u = (User) request.getSession().getAttribute(SESSION_USER);
        if (u != null) {
            return u;
        }
        Cookie[] cookies = request.getCookies();
        if (cookies == null) {
            return null;
        }
        for (int i = 0; i < cookies.length; i++) {
            if (COOKIE_NAME.equals(cookies[i].getName())) {
                u = (User) tokens.get(cookies[i].getValue());
                if (u != null) {
                    request.getSession().setAttribute(SESSION_USER, u);
                }
                return u;
            }
        }
        return null;
    }

    public static void invalidate(String token) {
        tokens.remove(token);
        created.remove(token);
    }

    /** Called by the nightly cleanup thread. */
    public static void purgeOlderThan(long maxAgeMillis) {
        long now = System.currentTimeMillis();
        Enumeration e = created.keys();
        while (e.hasMoreElements()) {
            String token = (String) e.nextElement();
            Date d = (Date) created.get(token);
            if (now - d.getTime() > maxAgeMillis) {
                invalidate(token);
            }
        }
    }
}
