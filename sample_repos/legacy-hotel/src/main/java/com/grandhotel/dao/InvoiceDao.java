/*
 * Grand Hotel Reservation System
 * Copyright (c) 2006-2008 Grand Hotel Group. All rights reserved.
 */
package com.grandhotel.dao;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

import com.grandhotel.model.Invoice;
import com.grandhotel.util.DBUtil;

/**
 * Data access for INVOICES. Invoice lines are not stored, they are rebuilt
 * from the booking every time (InvoiceService).
 */
public class InvoiceDao {

    public String nextInvoiceNumber() throws SQLException {
        Connection con = DBUtil.getConnection();
        Statement st = con.createStatement();
        ResultSet rs = st.executeQuery("SELECT MAX(id) FROM invoices");
        int next = 1;
        if (rs.next()) {
            next = rs.getInt(1) + 1;
        }
        DBUtil.close(con, st, rs);
        return "INV-" + new Integer(next + 100000).toString();
    }

    public void insert(Invoice inv) throws SQLException {
        Connection con = DBUtil.getConnection();
        PreparedStatement ps = con.prepareStatement(
            "INSERT INTO invoices (invoice_number, booking_id, issued_on, net_total, vat, paid) VALUES (?,?,?,?,?,?)");
        ps.setString(1, inv.getInvoiceNumber());
        ps.setInt(2, inv.getBooking().getId());
        ps.setDate(3, new java.sql.Date(inv.getIssuedOn().getTime()));
        ps.setDouble(4, inv.getNetTotal());
        ps.setDouble(5, inv.getVat());
        ps.setString(6, inv.isPaid() ? "Y" : "N");
        ps.executeUpdate();
        DBUtil.close(con, ps, null);
    }

    public void markPaid(String invoiceNumber) throws SQLException {
        Connection con = DBUtil.getConnection();
        PreparedStatement ps = con.prepareStatement("UPDATE invoices SET paid = 'Y' WHERE invoice_number = ?");
        ps.setString(1, invoiceNumber);
        ps.executeUpdate();
        DBUtil.close(con, ps, null);
    }
}
