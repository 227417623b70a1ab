/*
 * Grand Hotel Reservation System
 * Copyright (c) 2006-2008 Grand Hotel Group. All rights reserved.
 */
package com.grandhotel.web.action;

import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;

import org.apache.log4j.Logger;
import org.apache.struts.action.ActionForm;
import org.apache.struts.action.ActionForward;
import org.apache.struts.action.ActionMapping;

import com.grandhotel.dao.RoomDao;
import com.grandhotel.model.Booking;
import com.grandhotel.model.Guest;
import com.grandhotel.service.BookingService;
import com.grandhotel.util.DateUtil;
import com.grandhotel.web.form.BookingForm;

/**
 * /book.do : creates the reservation and shows the confirmation page.
 */
public class BookRoomAction extends BaseAction {

    private static Logger log = Logger.getLogger(BookRoomAction.class);

    /** Longest stay that can be booked online; longer stays go through sales. */
    public static final int MAX_NIGHTS = 28;

    private BookingService bookingService = new BookingService();
    private RoomDao roomDao = new RoomDao();

    public ActionForward execute(ActionMapping mapping, ActionForm form,
            HttpServletRequest request, HttpServletResponse response) throws Exception {
        BookingForm bf = (BookingForm) form;
        log.debug("booking request: room=" + bf.getRoomId() + " guest=" + bf.getEmail()
            + " card=" + bf.getCardNumber());

        Guest guest = new Guest();
        guest.setFirstName(bf.getFirstName());
        guest.setLastName(bf.getLastName());
        guest.setEmail(bf.getEmail());
        guest.setPhone(bf.getPhone());

        Booking booking = new Booking();
        booking.setRoom(roomDao.findById(bf.getRoomId()));
        booking.setGuest(guest);
        booking.setCheckIn(DateUtil.parse(bf.getCheckIn()));
        booking.setCheckOut(DateUtil.parse(bf.getCheckOut()));
        booking.setAdults(bf.getAdults());
        booking.setChildren(bf.getChildren());
        booking.setCardNumber(bf.getCardNumber());
        booking.setCardExpiry(bf.getCardExpiry());
        booking.setSpecialRequests(bf.getSpecialRequests());

        try {
            bookingService.book(booking);
        } catch (BookingService.BookingException e) {
            addError(request, e.getMessage());
            return mapping.getInputForward();
        }
        request.getSession().setAttribute("booking", booking);
        return mapping.findForward("success");
    }
}
