/*
 * Grand Hotel Reservation System
 * Copyright (c) 2006-2008 Grand Hotel Group. All rights reserved.
 */
package com.grandhotel.web.servlet;

import java.io.File;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.OutputStream;

import javax.servlet.ServletException;
import javax.servlet.http.HttpServlet;
import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;

import org.apache.log4j.Logger;

import com.grandhotel.util.AppConfig;

/**
 * /secure/download?file=INV-100042.pdf : sends a generated invoice PDF.
 */
public class FileDownloadServlet extends HttpServlet {

    private static Logger log = Logger.getLogger(FileDownloadServlet.class);

    private String baseDir;

    public void init() throws ServletException {
        baseDir = AppConfig.get("invoice.dir", "/var/grandhotel/invoices/");
    }

    protected void doGet(HttpServletRequest request, HttpServletResponse response)
            throws ServletException, IOException {
        String fileName = request.getParameter("file");
        if (fileName == null) {
            response.sendError(HttpServletResponse.SC_BAD_REQUEST);
            return;
        }
        File file = new File(baseDir + fileName);
        if (!file.exists()) {
            log.warn("download of missing file " + file.getAbsolutePath());
            response.sendError(HttpServletResponse.SC_NOT_FOUND);
            return;
        }
        response.setContentType(getServletContext().getMimeType(file.getName()));
        response.setHeader("Content-Disposition", "inline; filename=" + file.getName());
        response.setContentLength((int) file.length());
        FileInputStream in = new FileInputStream(file);
        OutputStream out = response.getOutputStream();
        byte[] buf = new byte[8192];
        int n;
        while ((n = in.read(buf)) != -1) {
            out.write(buf, 0, n);
        }
        in.close();
        out.flush();
    }
}
