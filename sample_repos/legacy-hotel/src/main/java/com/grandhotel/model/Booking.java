/*
 * Grand Hotel Reservation System
 * Copyright (c) 2006-2008 Grand Hotel Group. All rights reserved.
 */
package com.grandhotel.model;

import java.io.Serializable;
import java.util.Date;

import com.grandhotel.util.DateUtil;

/**
 * A reservation of one room for one guest.
 * Also sent over the wire to the partner channel manager (ReservationSyncServlet),
 * hence Serializable.
 */
public class Booking implements Serializable {

    private static final long serialVersionUID = 20080312L;

    private int id;
    private String confirmationCode;
    private Room room;
    private Guest guest;
    private Date checkIn;
    private Date checkOut;
    private int adults;
    private int children;
    private String status;
    private double totalAmount;
    private String cardNumber;
    private String cardExpiry;
    private String specialRequests;
    private Date createdAt;

    public int getId() { return id; }
    public void setId(int id) { this.id = id; }

    public String getConfirmationCode() { return confirmationCode; }
    public void setConfirmationCode(String code) { this.confirmationCode = code; }

    public Room getRoom() { return room; }
    public void setRoom(Room room) { this.room = room; }

    public Guest getGuest() { return guest; }
    public void setGuest(Guest guest) { this.guest = guest; }

    public Date getCheckIn() { return checkIn; }
    public void setCheckIn(Date checkIn) { this.checkIn = checkIn; }

    public Date getCheckOut() { return checkOut; }
    public void setCheckOut(Date checkOut) { this.checkOut = checkOut; }

    public int getAdults() { return adults; }
    public void setAdults(int adults) { this.adults = adults; }

    public int getChildren() { return children; }
    public void setChildren(int children) { this.children = children; }

    public String getStatus() { return status; }
    public void setStatus(String status) { this.status = status; }

    public double getTotalAmount() { return totalAmount; }
    public void setTotalAmount(double totalAmount) { this.totalAmount = totalAmount; }

    public String getCardNumber() { return cardNumber; }
    public void setCardNumber(String cardNumber) { this.cardNumber = cardNumber; }

    public String getCardExpiry() { return cardExpiry; }
    public void setCardExpiry(String cardExpiry) { this.cardExpiry = cardExpiry; }

    public String getSpecialRequests() { return specialRequests; }
    public void setSpecialRequests(String s) { this.specialRequests = s; }

    public Date getCreatedAt() { return createdAt; }
    public void setCreatedAt(Date createdAt) { this.createdAt = createdAt; }

    /** Number of nights, used all over the place (pricing, invoices, reports). */
    public int getNights() {
        return DateUtil.daysBetween(checkIn, checkOut);
    }

    public String getStayLabel() {
        return DateUtil.formatStay(this);
    }
}
