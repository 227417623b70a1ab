/*
 * Grand Hotel Reservation System
 * Copyright (c) 2006-2008 Grand Hotel Group. All rights reserved.
 */
package com.grandhotel.security;

import java.io.IOException;

import javax.servlet.Filter;
import javax.servlet.FilterChain;
import javax.servlet.FilterConfig;
import javax.servlet.ServletException;
import javax.servlet.ServletRequest;
import javax.servlet.ServletResponse;
import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;

import com.grandhotel.model.User;

/**
 * Redirects anonymous users to the login page. Mapped to /admin/* and
 * /secure/* in web.xml. Role checks are done in the actions themselves.
 */
public class AuthFilter implements Filter {

    private String loginPage = "/login.jsp";

    public void init(FilterConfig config) throws ServletException {
        if (config.getInitParameter("loginPage") != null) {
            loginPage = config.getInitParameter("loginPage");
        }
    }

    public void doFilter(ServletRequest req, ServletResponse res, FilterChain chain)
            throws IOException, ServletException {
        HttpServletRequest request = (HttpServletRequest) req;
        HttpServletResponse response = (HttpServletResponse) res;
        User user = SessionManager.lookup(request);
        if (user == null) {
            response.sendRedirect(request.getContextPath() + loginPage
                + "?returnUrl=" + request.getRequestURL());
            return;
        }
        chain.doFilter(req, res);
    }

    public void destroy() {
    }
}
