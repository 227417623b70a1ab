/*
 * Grand Hotel Reservation System
 * Copyright (c) 2006-2008 Grand Hotel Group. All rights reserved.
 */
package com.grandhotel.web.form;

import java.util.Date;

import javax.servlet.http.HttpServletRequest;

import org.apache.struts.action.ActionError;
import org.apache.struts.action.ActionErrors;
import org.apache.struts.action.ActionForm;
import org.apache.struts.action.ActionMapping;

import com.grandhotel.util.DateUtil;

public class SearchForm extends ActionForm {

    private String checkIn;
    private String checkOut;
    private String roomType = "DOUBLE";
    private int guests = 2;

    public String getCheckIn() { return checkIn; }
    public void setCheckIn(String checkIn) { this.checkIn = checkIn; }

    public String getCheckOut() { return checkOut; }
    public void setCheckOut(String checkOut) { this.checkOut = checkOut; }

    public String getRoomType() { return roomType; }
    public void setRoomType(String roomType) { this.roomType = roomType; }

    public int getGuests() { return guests; }
    public void setGuests(int guests) { this.guests = guests; }

    public Date getCheckInDate() { return DateUtil.parse(checkIn); }
    public Date getCheckOutDate() { return DateUtil.parse(checkOut); }

    public ActionErrors validate(ActionMapping mapping, HttpServletRequest request) {
        ActionErrors errors = new ActionErrors();
        Date in = getCheckInDate();
        Date out = getCheckOutDate();
        if (in == null || out == null) {
            errors.add("checkIn", new ActionError("error.search.dates"));
        } else if (!out.after(in)) {
            errors.add("checkOut", new ActionError("error.search.order"));
        } else if (DateUtil.yearOf(in) > DateUtil.yearOf(new Date()) + 1) {
            errors.add("checkIn", new ActionError("error.search.toofar"));
        }
        if (guests < 1 || guests > 6) {
            errors.add("guests", new ActionError("error.search.guests"));
        }
        return errors;
    }
}
