/*
 * Grand Hotel Reservation System
 * Copyright (c) 2006-2008 Grand Hotel Group. All rights reserved.
 */
package com.grandhotel.service;

import java.util.Properties;

import javax.mail.Message;
import javax.mail.Session;
import javax.mail.Transport;
import javax.mail.internet.InternetAddress;
import javax.mail.internet.MimeMessage;

import org.apache.log4j.Logger;

import com.grandhotel.model.Booking;
import com.grandhotel.util.AppConfig;

/**
 * Sends guest e-mails through the hotel SMTP relay.
 */
public class MailService {

    private static Logger log = Logger.getLogger(MailService.class);

    public void sendConfirmation(Booking b) {
        send(b.getGuest().getEmail(), "Your reservation " + b.getConfirmationCode(),
            "Dear " + b.getGuest().getFullName() + ",\n\nwe are pleased to confirm your stay "
            + b.getStayLabel() + ".\nTotal: EUR " + b.getTotalAmount() + "\n\nGrand Hotel");
    }

    public void sendCancellation(Booking b) {
        send(b.getGuest().getEmail(), "Cancellation " + b.getConfirmationCode(),
            "Your reservation " + b.getConfirmationCode() + " has been cancelled.");
    }

    public void send(String to, String subject, String body) {
        try {
            Properties props = new Properties();
            props.put("mail.smtp.host", AppConfig.get("smtp.host", "mail.grandhotel.local"));
            props.put("mail.smtp.auth", "true");
            Session session = Session.getInstance(props);
            Message msg = new MimeMessage(session);
            msg.setFrom(new InternetAddress("reservations@grandhotel.example"));
            msg.setRecipient(Message.RecipientType.TO, new InternetAddress(to));
            msg.setSubject(subject);
            msg.setText(body);
            Transport.send(msg, AppConfig.get("smtp.user"), AppConfig.get("smtp.password"));
        } catch (Exception e) {
            log.error("mail to " + to + " failed", e);
        }
    }
}
