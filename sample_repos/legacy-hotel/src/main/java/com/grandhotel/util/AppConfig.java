/*
 * Grand Hotel Reservation System
 * Copyright (c) 2006-2008 Grand Hotel Group. All rights reserved.
 */
package com.grandhotel.util;

import java.io.InputStream;
import java.util.Enumeration;
import java.util.Hashtable;
import java.util.Properties;

import org.apache.log4j.Logger;

/**
 * Reads application.properties once and keeps the values in a static Hashtable.
 */
public class AppConfig {

    private static Logger log = Logger.getLogger(AppConfig.class);

    private static Hashtable values = new Hashtable();
    private static boolean loaded = false;

    private AppConfig() {
    }

    private static synchronized void load() {
        if (loaded) {
            return;
        }
        Properties p = new Properties();
        try {
            InputStream in = AppConfig.class.getClassLoader().getResourceAsStream("application.properties");
            p.load(in);
        } catch (Exception e) {
            log.error("could not load application.properties", e);
        }
        Enumeration keys = p.keys();
        while (keys.hasMoreElements()) {
            String key = (String) keys.nextElement();
            values.put(key, p.getProperty(key));
        }
        loaded = true;
    }

    public static String get(String key) {
        load();
        return (String) values.get(key);
    }

    public static String get(String key, String def) {
        String v = get(key);
        return v == null ? def : v;
    }

    public static int getInt(String key, int def) {
        try {
            return Integer.parseInt(get(key));
        } catch (Exception e) {
            return def;
        }
    }
}
