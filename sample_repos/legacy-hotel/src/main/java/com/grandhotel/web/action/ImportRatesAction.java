/*
 * Grand Hotel Reservation System
 * Copyright (c) 2006-2008 Grand Hotel Group. All rights reserved.
 */
package com.grandhotel.web.action;

import java.io.InputStream;

import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;

import org.apache.log4j.Logger;
import org.apache.struts.action.ActionForm;
import org.apache.struts.action.ActionForward;
import org.apache.struts.action.ActionMapping;
import org.apache.struts.action.DynaActionForm;
import org.apache.struts.upload.FormFile;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

import com.grandhotel.dao.RoomDao;

/**
 * /admin/importRates.do : the revenue manager uploads the season rate sheet
 * exported from the channel manager, e.g.
 * &lt;rates&gt;&lt;rate type="SUITE" amount="310.00"/&gt;...&lt;/rates&gt;
 */
public class ImportRatesAction extends BaseAction {

    private static Logger log = Logger.getLogger(ImportRatesAction.class);

    private RoomDao roomDao = new RoomDao();

    public ActionForward execute(ActionMapping mapping, ActionForm form,
            HttpServletRequest request, HttpServletResponse response) throws Exception {
        if (!isAdmin(request)) {
            return mapping.findForward("denied");
        }
        FormFile upload = (FormFile) ((DynaActionForm) form).get("ratesFile");
        InputStream in = upload.getInputStream();

        DocumentBuilderFactory dbf = DocumentBuilderFactory.newInstance();
        dbf.setNamespaceAware(false);
        DocumentBuilder builder = dbf.newDocumentBuilder();
        Document doc = builder.parse(in);

        NodeList rates = doc.getElementsByTagName("rate");
        int updated = 0;
        for (int i = 0; i < rates.getLength(); i++) {
            Element rate = (Element) rates.item(i);
            String type = rate.getAttribute("type");
            double amount = Double.parseDouble(rate.getAttribute("amount"));
            roomDao.updateRate(type, amount);
            updated++;
        }
        log.info("imported " + updated + " rates from " + upload.getFileName()
            + " (" + doc.getDocumentElement().getAttribute("source") + ")");
        request.setAttribute("updated", new Integer(updated));
        request.setAttribute("source", doc.getDocumentElement().getAttribute("source"));
        return mapping.findForward("success");
    }
}
