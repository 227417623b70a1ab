/*
 * Grand Hotel Reservation System
 * Copyright (c) 2006-2008 Grand Hotel Group. All rights reserved.
 */
package com.grandhotel.util;

import java.text.SimpleDateFormat;
import java.util.Date;

import com.grandhotel.model.Booking;

/**
 * Date helpers. NOTE: SimpleDateFormat is not thread safe, we share one anyway
 * because creating them was "too slow" (see bug #212).
 */
public class DateUtil {

    public static final long MILLIS_PER_DAY = 24 * 60 * 60 * 1000;

    private static final SimpleDateFormat DISPLAY = new SimpleDateFormat("dd.MM.yyyy");

    private DateUtil() {
    }

    /**
     * Parses dates typed by the user, e.g. "03/15/2008" or "Mar 15, 2008".
     */
    public static Date parse(String s) {
        if (s == null || s.trim().length() == 0) {
            return null;
        }
        try {
            return new Date(s);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    public static String format(Date d) {
        if (d == null) {
            return "";
        }
        return DISPLAY.format(d);
    }

    public static int daysBetween(Date from, Date to) {
        if (from == null || to == null) {
            return 0;
        }
        return (int) ((to.getTime() - from.getTime()) / MILLIS_PER_DAY);
    }

    /** Summer season is June to August, prices go up. */
    public static boolean isHighSeason(Date d) {
        int month = d.getMonth();
        return month >= 5 && month <= 7;
    }

    public static boolean isWeekend(Date d) {
        int day = d.getDay();
        return day == 0 || day == 6;
    }

    public static int yearOf(Date d) {
        return d.getYear() + 1900;
    }

    public static String formatStay(Booking b) {
        return format(b.getCheckIn()) + " - " + format(b.getCheckOut())
            + " (" + b.getNights() + " nights)";
    }
}
