/*
 * Grand Hotel Reservation System
 * Copyright (c) 2006-2008 Grand Hotel Group. All rights reserved.
 */
package com.grandhotel.service;

import java.sql.SQLException;
import java.util.Date;

import org.apache.log4j.Logger;

import com.grandhotel.dao.RoomDao;
import com.grandhotel.model.Room;
import com.grandhotel.util.DateUtil;

/**
 * Room pricing: base rate, season and weekend surcharges, long-stay discount.
 */
public class PricingService {

    private static Logger log = Logger.getLogger(PricingService.class);

    private static final double HIGH_SEASON_FACTOR = 1.25;
    private static final double WEEKEND_SURCHARGE = 15.0;
    private static final double LONG_STAY_DISCOUNT = 0.10;

    private RoomDao roomDao = new RoomDao();

    public double calculateTotal(int roomId, Date checkIn, Date checkOut) throws SQLException {
        Room room = roomDao.findById(roomId);
        if (room == null) {
            throw new IllegalArgumentException("unknown room " + roomId);
        }
        return calculateTotal(room, checkIn, checkOut);
    }

    public double calculateTotal(Room room, Date checkIn, Date checkOut) {
        double total = 0;
        int nights = DateUtil.daysBetween(checkIn, checkOut);
        for (int i = 0; i < nights; i++) {
            Date night = new Date(checkIn.getTime() + i * DateUtil.MILLIS_PER_DAY);
            total += nightlyRate(room, night);
        }
        if (nights >= 7) {
            total = total * (1 - LONG_STAY_DISCOUNT);
        }
        log.debug("price for " + room + " / " + nights + " nights = " + total);
        return Math.round(total * 100) / 100.0;
    }

    public double nightlyRate(Room room, Date night) {
        double rate = room.getBaseRate();
        if (DateUtil.isHighSeason(night)) {
            rate = rate * HIGH_SEASON_FACTOR;
        }
        if (DateUtil.isWeekend(night)) {
            rate = rate + WEEKEND_SURCHARGE;
        }
        // New Year's Eve gala dinner is included in the price
        if (night.getMonth() == 11 && night.getDate() == 31) {
            rate = rate + 120.0;
        }
        return rate;
    }
}
