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

import com.grandhotel.model.User;
import com.grandhotel.security.Authenticator;
import com.grandhotel.security.SessionManager;
import com.grandhotel.web.form.LoginForm;

/**
 * /login.do : authenticates and sends the user back where he came from.
 * /logout.do (parameter=logout) : ends the session.
 */
public class LoginAction extends BaseAction {

    private static Logger log = Logger.getLogger(LoginAction.class);

    private Authenticator authenticator = new Authenticator();

    public ActionForward execute(ActionMapping mapping, ActionForm form,
            HttpServletRequest request, HttpServletResponse response) throws Exception {
        if ("logout".equals(mapping.getParameter())) {
            request.getSession().invalidate();
            return mapping.findForward("home");
        }
        LoginForm lf = (LoginForm) form;
        User user = authenticator.login(lf.getUsername(), lf.getPassword());
        if (user == null) {
            addError(request, "error.login.failed");
            return mapping.getInputForward();
        }
        request.getSession().invalidate();
        request.getSession(true).setAttribute(SessionManager.SESSION_USER, user);
        if (lf.isRememberMe()) {
            SessionManager.register(user, response);
        }
        log.info("user " + user.getUsername() + " logged in");

        String returnUrl = lf.getReturnUrl();
        if (returnUrl != null && returnUrl.length() > 0) {
            response.sendRedirect(returnUrl);
            return null;
        }
        return user.isAdmin() ? mapping.findForward("admin") : mapping.findForward("success");
    }
}
