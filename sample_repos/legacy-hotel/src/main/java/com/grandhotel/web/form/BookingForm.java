/*
 * Grand Hotel Reservation System
 * Copyright (c) 2006-2008 Grand Hotel Group. All rights reserved.
 */
package com.grandhotel.web.form;

import javax.servlet.http.HttpServletRequest;

import org.apache.struts.action.ActionError;
import org.apache.struts.action.ActionErrors;
import org.apache.struts.action.ActionForm;
import org.apache.struts.action.ActionMapping;

import com.grandhotel.util.DateUtil;
import com.grandhotel.web.action.BookRoomAction;

public class BookingForm extends ActionForm {

    private int roomId;
    private String checkIn;
    private String checkOut;
    private int adults = 1;
    private int children;
    private String firstName;
    private String lastName;
    private String email;
    private String phone;
    private String cardNumber;
    private String cardExpiry;
    private String specialRequests;

    public int getRoomId() { return roomId; }
    public void setRoomId(int roomId) { this.roomId = roomId; }
    public String getCheckIn() { return checkIn; }
    public void setCheckIn(String checkIn) { this.checkIn = checkIn; }
    public String getCheckOut() { return checkOut; }
    public void setCheckOut(String checkOut) { this.checkOut = checkOut; }
    public int getAdults() { return adults; }
    public void setAdults(int adults) { this.adults = adults; }
    public int getChildren() { return children; }
    public void setChildren(int children) { this.children = children; }
    public String getFirstName() { return firstName; }
    public void setFirstName(String firstName) { this.firstName = firstName; }
    public String getLastName() { return lastName; }
    public void setLastName(String lastName) { this.lastName = lastName; }
    public String getEmail() { return email; }
    public void setEmail(String email) { this.email = email; }
    public String getPhone() { return phone; }
    public void setPhone(String phone) { this.phone = phone; }
    public String getCardNumber() { return cardNumber; }
    public void setCardNumber(String cardNumber) { this.cardNumber = cardNumber; }
    public String getCardExpiry() { return cardExpiry; }
    public void setCardExpiry(String cardExpiry) { this.cardExpiry = cardExpiry; }
    public String getSpecialRequests() { return specialRequests; }
    public void setSpecialRequests(String specialRequests) { this.specialRequests = specialRequests; }

    public ActionErrors validate(ActionMapping mapping, HttpServletRequest request) {
        ActionErrors errors = new ActionErrors();
        int nights = DateUtil.daysBetween(DateUtil.parse(checkIn), DateUtil.parse(checkOut));
        if (nights < 1 || nights > BookRoomAction.MAX_NIGHTS) {
            errors.add("checkOut", new ActionError("error.booking.nights", String.valueOf(BookRoomAction.MAX_NIGHTS)));
        }
        if (lastName == null || lastName.trim().length() == 0) {
            errors.add("lastName", new ActionError("error.booking.lastname"));
        }
        if (email == null || email.indexOf('@') < 0) {
            errors.add("email", new ActionError("error.booking.email"));
        }
        if (cardNumber == null || cardNumber.length() < 13) {
            errors.add("cardNumber", new ActionError("error.booking.card"));
        }
        return errors;
    }
}
