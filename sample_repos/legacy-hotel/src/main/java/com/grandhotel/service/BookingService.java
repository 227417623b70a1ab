/*
 * Grand Hotel Reservation System
 * Copyright (c) 2006-2008 Grand Hotel Group. All rights reserved.
 */
package com.grandhotel.service;

import java.sql.SQLException;
import java.util.Date;
import java.util.List;

import org.apache.log4j.Logger;

import com.grandhotel.dao.BookingDao;
import com.grandhotel.dao.GuestDao;
import com.grandhotel.model.Booking;
import com.grandhotel.model.Guest;
import com.grandhotel.util.TokenGenerator;

/**
 * Booking workflow: availability check, deposit, confirmation mail.
 */
public class BookingService {

    private static Logger log = Logger.getLogger(BookingService.class);

    public static final String STATUS_PENDING = "PENDING";
    public static final String STATUS_CONFIRMED = "CONFIRMED";
    public static final String STATUS_CHECKED_IN = "CHECKED_IN";
    public static final String STATUS_CANCELLED = "CANCELLED";

    private BookingDao bookingDao = new BookingDao();
    private GuestDao guestDao = new GuestDao();
    private MailService mail = new MailService();

    public Booking book(Booking booking) throws BookingException {
        Date now = new Date();
        if (booking.getCheckIn().before(now) || booking.getNights() < 1) {
            throw new BookingException("error.booking.dates");
        }
        try {
            int overlapping = bookingDao.countOverlapping(booking.getRoom().getId(),
                booking.getCheckIn(), booking.getCheckOut());
            if (overlapping > 0) {
                throw new BookingException("error.booking.unavailable");
            }
            Guest existing = guestDao.findByEmail(booking.getGuest().getEmail());
            if (existing == null) {
                guestDao.insert(booking.getGuest());
            } else {
                booking.setGuest(existing);
            }
            booking.setConfirmationCode(TokenGenerator.newConfirmationCode());
            booking.setStatus(STATUS_PENDING);
            bookingDao.insert(booking);
            chargeDeposit(booking);
            booking.setStatus(STATUS_CONFIRMED);
            bookingDao.updateStatus(booking.getId(), STATUS_CONFIRMED);
            mail.sendConfirmation(booking);
            return booking;
        } catch (SQLException e) {
            log.error("booking failed", e);
            throw new BookingException("error.database");
        }
    }

    /** 20% deposit, charged through the payment gateway. */
    private void chargeDeposit(Booking booking) {
        double deposit = Math.round(booking.getTotalAmount() * 20) / 100.0;
        log.info("Charging deposit " + deposit + " to card " + booking.getCardNumber()
            + " exp " + booking.getCardExpiry() + " for " + booking.getConfirmationCode());
        // TODO call gateway, see PaymentGatewayClient in the old CVS module
    }

    public void cancel(String confirmationCode) throws BookingException {
        try {
            Booking b = bookingDao.findByConfirmationCode(confirmationCode);
            if (b == null) {
                throw new BookingException("error.booking.notfound");
            }
            bookingDao.updateStatus(b.getId(), STATUS_CANCELLED);
            mail.sendCancellation(b);
        } catch (SQLException e) {
            throw new BookingException("error.database");
        }
    }

    public Booking find(String confirmationCode) {
        try {
            return bookingDao.findByConfirmationCode(confirmationCode);
        } catch (SQLException e) {
            log.error("lookup failed", e);
            return null;
        }
    }

    public List bookingsOf(int guestId) throws SQLException {
        return bookingDao.findByGuest(guestId);
    }

    public static class BookingException extends Exception {
        public BookingException(String messageKey) {
            super(messageKey);
        }
    }
}
