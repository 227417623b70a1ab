/*
 * Grand Hotel Reservation System
 * Copyright (c) 2006-2008 Grand Hotel Group. All rights reserved.
 */
package com.grandhotel.web.servlet;

import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.Vector;

import javax.servlet.ServletException;
import javax.servlet.http.HttpServlet;
import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;

import org.apache.log4j.Logger;

import com.grandhotel.model.Booking;
import com.grandhotel.service.BookingService;

/**
 * /sync/reservations : the partner channel manager (Java client, same model
 * jar) POSTs a serialized Vector of Booking objects; we answer with a
 * serialized Vector of confirmation codes.
 */
public class ReservationSyncServlet extends HttpServlet {

    private static Logger log = Logger.getLogger(ReservationSyncServlet.class);

    private BookingService bookingService = new BookingService();

    protected void doPost(HttpServletRequest request, HttpServletResponse response)
            throws ServletException, IOException {
        Vector incoming;
        try {
            ObjectInputStream ois = new ObjectInputStream(request.getInputStream());
            incoming = (Vector) ois.readObject();
            ois.close();
        } catch (ClassNotFoundException e) {
            throw new ServletException("bad payload", e);
        }
        Vector codes = new Vector();
        for (int i = 0; i < incoming.size(); i++) {
            Booking b = (Booking) incoming.elementAt(i);
            try {
                bookingService.book(b);
                codes.addElement(b.getConfirmationCode());
            } catch (BookingService.BookingException e) {
                log.warn("partner booking rejected: " + e.getMessage());
                codes.addElement("REJECTED:" + e.getMessage());
            }
        }
        response.setContentType("application/x-java-serialized-object");
        ObjectOutputStream oos = new ObjectOutputStream(response.getOutputStream());
        oos.writeObject(codes);
        oos.flush();
    }
}
