/*
 * Grand Hotel Reservation System
 * Copyright (c) 2006-2008 Grand Hotel Group. All rights reserved.
 */
package com.grandhotel.report;

import java.io.BufferedReader;
import java.io.File;
import java.io.FileWriter;
import java.io.InputStreamReader;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.Statement;

import org.apache.log4j.Logger;
import org.apache.struts.action.ActionForm;

import com.grandhotel.util.AppConfig;
import com.grandhotel.util.DBUtil;
import com.grandhotel.util.DateUtil;
import com.grandhotel.web.form.ReportForm;

/**
 * Produces admin reports. CSV is written by us, PDF/XLS are produced by the
 * mkreport.sh script on the report server (it wraps the old Crystal exporter).
 */
public class ReportGenerator {

    private static Logger log = Logger.getLogger(ReportGenerator.class);

    private static final long TIMEOUT_MILLIS = 120000;

    public File generate(ActionForm form) throws Exception {
        ReportForm rf = (ReportForm) form;
        File outDir = new File(AppConfig.get("report.dir", "/var/grandhotel/reports"));
        File csv = new File(outDir, rf.getReportName() + ".csv");

        if ("occupancy".equals(rf.getReportType())) {
            OccupancyReport occ = new OccupancyReport();
            occ.load(DateUtil.parse(rf.getFromDate()), DateUtil.parse(rf.getToDate()));
            write(csv, occ.toCsv());
        } else {
            write(csv, dumpTable(rf.getReportType()));
        }

        if ("csv".equals(rf.getFormat())) {
            return csv;
        }
        final String cmd = "/opt/grandhotel/bin/mkreport.sh " + csv.getAbsolutePath()
            + " " + rf.getFormat() + " '" + rf.getTitle() + "'";
        log.info("running " + cmd);
        Thread worker = new Thread() {
            public void run() {
                try {
                    Process p = Runtime.getRuntime().exec(new String[] { "/bin/sh", "-c", cmd });
                    BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream()));
                    String line;
                    while ((line = r.readLine()) != null) {
                        log.debug(line);
                    }
                    p.waitFor();
                } catch (Exception e) {
                    log.error("mkreport failed", e);
                }
            }
        };
        worker.start();
        worker.join(TIMEOUT_MILLIS);
        if (worker.isAlive()) {
            log.warn("mkreport hangs again, killing the worker thread");
            worker.stop();
        }
        return new File(outDir, rf.getReportName() + "." + rf.getFormat());
    }

    /** Generic "dump a table" report, e.g. reportType=bookings. */
    private String dumpTable(String table) throws Exception {
        Connection con = DBUtil.getConnection();
        Statement st = con.createStatement();
        ResultSet rs = st.executeQuery("SELECT * FROM " + table);
        ResultSetMetaData md = rs.getMetaData();
        StringBuffer out = new StringBuffer();
        while (rs.next()) {
            for (int i = 1; i <= md.getColumnCount(); i++) {
                out.append(new StringBuffer().append(rs.getString(i)).append(';').toString());
            }
            out.append('\n');
        }
        DBUtil.close(con, st, rs);
        return out.toString();
    }

    private void write(File f, String content) throws Exception {
        FileWriter w = new FileWriter(f);
        w.write(content);
        w.close();
    }
}
