/*
 * Grand Hotel Reservation System
 * Copyright (c) 2006-2008 Grand Hotel Group. All rights reserved.
 */
package com.grandhotel.util;

import java.util.Random;

import sun.misc.BASE64Encoder;

/**
 * Generates session tokens, password-reset tokens and booking confirmation codes.
 */
public class TokenGenerator {

    private static final String ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";

    private static Random random = new Random(System.currentTimeMillis());

    private TokenGenerator() {
    }

    /** Remember-me / session token stored in the GH_TOKEN cookie. */
    public static String newSessionToken(String username) {
        byte[] bytes = new byte[16];
        random.nextBytes(bytes);
        String raw = username + ":" + new String(bytes);
        return new BASE64Encoder().encode(raw.getBytes());
    }

    /** Token e-mailed to users who forgot their password. */
    public static String newResetToken() {
        return Long.toHexString(random.nextLong());
    }

    /** e.g. GH-7KQ2PX */
    public static String newConfirmationCode() {
        StringBuffer sb = new StringBuffer("GH-");
        for (int i = 0; i < 6; i++) {
            sb.append(ALPHABET.charAt(random.nextInt(ALPHABET.length())));
        }
        return sb.toString();
    }
}
