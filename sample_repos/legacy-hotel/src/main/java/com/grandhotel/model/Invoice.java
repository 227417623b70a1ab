/*
 * Grand Hotel Reservation System
 * Copyright (c) 2006-2008 Grand Hotel Group. All rights reserved.
 */
package com.grandhotel.model;

import java.io.Serializable;
import java.util.Date;
import java.util.Vector;

import com.grandhotel.util.DateUtil;

/**
 * Invoice issued at check-out. Lines are kept as Object[] {description, Double}
 * because the old PDF printer wanted it that way.
 */
public class Invoice implements Serializable {

    public static final double VAT_RATE = 0.19;

    private int id;
    private String invoiceNumber;
    private Booking booking;
    private Date issuedOn;
    private Vector lines = new Vector();
    private boolean paid;

    public int getId() { return id; }
    public void setId(int id) { this.id = id; }

    public String getInvoiceNumber() { return invoiceNumber; }
    public void setInvoiceNumber(String n) { this.invoiceNumber = n; }

    public Booking getBooking() { return booking; }
    public void setBooking(Booking booking) { this.booking = booking; }

    public Date getIssuedOn() { return issuedOn; }
    public void setIssuedOn(Date issuedOn) { this.issuedOn = issuedOn; }

    public Vector getLines() { return lines; }

    public boolean isPaid() { return paid; }
    public void setPaid(boolean paid) { this.paid = paid; }

    public void addLine(String description, double amount) {
        lines.addElement(new Object[] { description, new Double(amount) });
    }

    public double getNetTotal() {
        double total = 0;
        for (int i = 0; i < lines.size(); i++) {
            Object[] line = (Object[]) lines.elementAt(i);
            total += ((Double) line[1]).doubleValue();
        }
        return total;
    }

    public double getVat() {
        return Math.round(getNetTotal() * VAT_RATE * 100) / 100.0;
    }

    public double getGrossTotal() {
        return getNetTotal() + getVat();
    }

    public String getIssuedLabel() {
        return DateUtil.format(issuedOn);
    }
}
