/*
 * Grand Hotel Reservation System
 * Copyright (c) 2006-2008 Grand Hotel Group. All rights reserved.
 */
package com.grandhotel.web.action;

import javax.servlet.http.HttpServletRequest;

import org.apache.struts.action.Action;
import org.apache.struts.action.ActionError;
import org.apache.struts.action.ActionErrors;

import com.grandhotel.model.User;
import com.grandhotel.security.SessionManager;

/**
 * Common helpers for all Grand Hotel actions.
 */
public abstract class BaseAction extends Action {

    protected User getCurrentUser(HttpServletRequest request) {
        return SessionManager.lookup(request);
    }

    protected boolean isAdmin(HttpServletRequest request) {
        User u = getCurrentUser(request);
        return u != null && u.isAdmin();
    }

    protected void addError(HttpServletRequest request, String key) {
        ActionErrors errors = new ActionErrors();
        errors.add(ActionErrors.GLOBAL_ERROR, new ActionError(key));
        saveErrors(request, errors);
    }
}
