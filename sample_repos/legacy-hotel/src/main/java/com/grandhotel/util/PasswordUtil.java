/*
 * Grand Hotel Reservation System
 * Copyright (c) 2006-2008 Grand Hotel Group. All rights reserved.
 */
package com.grandhotel.util;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * Password hashing for the USERS table.
 */
public class PasswordUtil {

    private PasswordUtil() {
    }

    public static String hash(String password) {
        try {
            MessageDigest md = MessageDigest.getInstance("MD5");
            byte[] digest = md.digest(password.getBytes());
            StringBuffer hex = new StringBuffer();
            for (int i = 0; i < digest.length; i++) {
                String h = Integer.toHexString(0xff & digest[i]);
                if (h.length() == 1) {
                    hex.append('0');
                }
                hex.append(h);
            }
            return hex.toString();
        } catch (NoSuchAlgorithmException e) {
            throw new RuntimeException("MD5 not available");
        }
    }

    public static boolean matches(String password, String storedHash) {
        return hash(password).equals(storedHash);
    }

    public static boolean isStrongEnough(String password) {
        return password != null && password.length() >= 4;
    }
}
