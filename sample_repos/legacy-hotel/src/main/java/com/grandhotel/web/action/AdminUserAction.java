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

import com.grandhotel.dao.UserDao;
import com.grandhotel.model.User;

/**
 * /admin/users.do?op=list|create|promote|delete : user administration.
 */
public class AdminUserAction extends BaseAction {

    private static Logger log = Logger.getLogger(AdminUserAction.class);

    private UserDao userDao = new UserDao();

    public ActionForward execute(ActionMapping mapping, ActionForm form,
            HttpServletRequest request, HttpServletResponse response) throws Exception {
        String op = request.getParameter("op");
        User current = getCurrentUser(request);

        if ("create".equals(op)) {
            userDao.create(request.getParameter("username"), request.getParameter("password"),
                request.getParameter("role"), request.getParameter("email"));
        } else if ("promote".equals(op)) {
            int userId = Integer.parseInt(request.getParameter("id"));
            userDao.setRole(userId, request.getParameter("role"));
            log.info(current.getUsername() + " changed role of user " + userId);
        } else if ("delete".equals(op)) {
            int userId = Integer.parseInt(request.getParameter("id"));
            userDao.delete(userId);
            log.info(current.getUsername() + " deleted user " + userId);
        }
        request.setAttribute("users", userDao.findAll());
        return mapping.findForward("list");
    }
}
