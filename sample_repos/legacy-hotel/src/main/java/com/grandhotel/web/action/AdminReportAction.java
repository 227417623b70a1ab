/*
 * Grand Hotel Reservation System
 * Copyright (c) 2006-2008 Grand Hotel Group. All rights reserved.
 */
package com.grandhotel.web.action;

import java.io.File;
import java.io.FileInputStream;
import java.io.OutputStream;

import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;

import org.apache.struts.action.ActionForm;
import org.apache.struts.action.ActionForward;
import org.apache.struts.action.ActionMapping;

import com.grandhotel.report.ReportGenerator;

/**
 * /admin/report.do : runs a report and streams the result.
 */
public class AdminReportAction extends BaseAction {

    public static final String[] ALLOWED_FORMATS = { "csv", "pdf", "xls" };

    private ReportGenerator generator = new ReportGenerator();

    public ActionForward execute(ActionMapping mapping, ActionForm form,
            HttpServletRequest request, HttpServletResponse response) throws Exception {
        if (!isAdmin(request)) {
            return mapping.findForward("denied");
        }
        File f = generator.generate(form);
        response.setContentType("application/octet-stream");
        response.setHeader("Content-Disposition", "attachment; filename=\"" + f.getName() + "\"");
        FileInputStream in = new FileInputStream(f);
        OutputStream out = response.getOutputStream();
        byte[] buf = new byte[4096];
        int n;
        while ((n = in.read(buf)) > 0) {
            out.write(buf, 0, n);
        }
        in.close();
        return null;
    }
}
