/*
 * Grand Hotel Reservation System
 * Copyright (c) 2006-2008 Grand Hotel Group. All rights reserved.
 */
package com.grandhotel.web.action;

import java.util.Hashtable;
import java.util.Vector;

import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;

import org.apache.struts.action.ActionForm;
import org.apache.struts.action.ActionForward;
import org.apache.struts.action.ActionMapping;

import com.grandhotel.dao.RoomDao;
import com.grandhotel.model.Room;
import com.grandhotel.service.PricingService;
import com.grandhotel.web.form.SearchForm;

/**
 * /search.do : lists free rooms with the price for the whole stay.
 */
public class SearchRoomsAction extends BaseAction {

    private RoomDao roomDao = new RoomDao();
    private PricingService pricing = new PricingService();

    public ActionForward execute(ActionMapping mapping, ActionForm form,
            HttpServletRequest request, HttpServletResponse response) throws Exception {
        SearchForm sf = (SearchForm) form;
        Vector rooms = roomDao.findAvailable(sf.getRoomType(), sf.getCheckInDate(),
            sf.getCheckOutDate(), sf.getGuests());
        Hashtable prices = new Hashtable();
        for (int i = 0; i < rooms.size(); i++) {
            Room r = (Room) rooms.elementAt(i);
            double total = pricing.calculateTotal(r, sf.getCheckInDate(), sf.getCheckOutDate());
            prices.put(new Integer(r.getId()), new Double(total));
        }
        request.setAttribute("rooms", rooms);
        request.setAttribute("prices", prices);
        request.getSession().setAttribute("lastSearch", sf);
        return mapping.findForward(rooms.isEmpty() ? "none" : "success");
    }
}
