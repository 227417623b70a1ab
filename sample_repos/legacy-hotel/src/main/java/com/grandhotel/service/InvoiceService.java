/*
 * Grand Hotel Reservation System
 * Copyright (c) 2006-2008 Grand Hotel Group. All rights reserved.
 */
package com.grandhotel.service;

import java.sql.SQLException;
import java.util.Date;

import org.apache.log4j.Logger;

import com.grandhotel.dao.BookingDao;
import com.grandhotel.dao.InvoiceDao;
import com.grandhotel.model.Booking;
import com.grandhotel.model.Invoice;
import com.grandhotel.util.DateUtil;

/**
 * Builds the check-out invoice from a booking.
 */
public class InvoiceService {

    private static Logger log = Logger.getLogger(InvoiceService.class);

    private static final double CITY_TAX_PER_NIGHT = 2.50;

    private BookingDao bookingDao = new BookingDao();
    private InvoiceDao invoiceDao = new InvoiceDao();
    private PricingService pricing = new PricingService();

    public Invoice createInvoice(String confirmationCode, double minibar, double restaurant) throws SQLException {
        Booking b = bookingDao.findByConfirmationCode(confirmationCode);
        if (b == null) {
            return null;
        }
        Invoice inv = new Invoice();
        inv.setInvoiceNumber(invoiceDao.nextInvoiceNumber());
        inv.setBooking(b);
        inv.setIssuedOn(new Date());

        double lodging = pricing.calculateTotal(b.getRoom().getId(), b.getCheckIn(), b.getCheckOut());
        inv.addLine("Lodging " + DateUtil.formatStay(b), lodging);
        int persons = b.getAdults() + b.getChildren();
        inv.addLine("City tax", CITY_TAX_PER_NIGHT * b.getNights() * persons);
        if (minibar > 0) {
            inv.addLine("Minibar", minibar);
        }
        if (restaurant > 0) {
            inv.addLine("Restaurant", restaurant);
        }
        double deposit = Math.round(b.getTotalAmount() * 20) / 100.0;
        inv.addLine("Deposit paid", -deposit);

        invoiceDao.insert(inv);
        log.info("invoice " + inv.getInvoiceNumber() + " for " + confirmationCode + ": " + inv.getGrossTotal());
        return inv;
    }

    public void markPaid(String invoiceNumber) throws SQLException {
        invoiceDao.markPaid(invoiceNumber);
    }
}
