/*
 * Grand Hotel Reservation System
 * Copyright (c) 2006-2008 Grand Hotel Group. All rights reserved.
 */
package com.grandhotel.web.action;

import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;

import org.apache.struts.action.ActionForm;
import org.apache.struts.action.ActionForward;
import org.apache.struts.action.ActionMapping;

import com.grandhotel.service.BookingService;

/**
 * /cancel.do?code=GH-XXXXXX : the confirmation code is the only credential.
 */
public class CancelBookingAction extends BaseAction {

    private BookingService bookingService = new BookingService();

    public ActionForward execute(ActionMapping mapping, ActionForm form,
            HttpServletRequest request, HttpServletResponse response) throws Exception {
        String code = request.getParameter("code");
        try {
            bookingService.cancel(code);
        } catch (BookingService.BookingException e) {
            addError(request, e.getMessage());
            return mapping.findForward("failure");
        }
        request.setAttribute("cancelledCode", code);
        return mapping.findForward("success");
    }
}
