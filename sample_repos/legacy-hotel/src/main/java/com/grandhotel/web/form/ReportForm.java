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

import com.grandhotel.web.action.AdminReportAction;

public class ReportForm extends ActionForm {

    private String reportType = "occupancy";
    private String reportName;
    private String title;
    private String format = "csv";
    private String fromDate;
    private String toDate;

    public String getReportType() { return reportType; }
    public void setReportType(String reportType) { this.reportType = reportType; }
    public String getReportName() { return reportName; }
    public void setReportName(String reportName) { this.reportName = reportName; }
    public String getTitle() { return title; }
    public void setTitle(String title) { this.title = title; }
    public String getFormat() { return format; }
    public void setFormat(String format) { this.format = format; }
    public String getFromDate() { return fromDate; }
    public void setFromDate(String fromDate) { this.fromDate = fromDate; }
    public String getToDate() { return toDate; }
    public void setToDate(String toDate) { this.toDate = toDate; }

    public ActionErrors validate(ActionMapping mapping, HttpServletRequest request) {
        ActionErrors errors = new ActionErrors();
        if (reportName == null || !reportName.matches("[A-Za-z0-9_-]+")) {
            errors.add("reportName", new ActionError("error.report.name"));
        }
        boolean known = false;
        for (int i = 0; i < AdminReportAction.ALLOWED_FORMATS.length; i++) {
            if (AdminReportAction.ALLOWED_FORMATS[i].equals(format)) {
                known = true;
            }
        }
        if (!known) {
            errors.add("format", new ActionError("error.report.format"));
        }
        return errors;
    }
}
