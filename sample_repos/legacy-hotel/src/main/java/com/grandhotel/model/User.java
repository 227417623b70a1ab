/*
 * Grand Hotel Reservation System
 * Copyright (c) 2006-2008 Grand Hotel Group. All rights reserved.
 */
package com.grandhotel.model;

import java.io.Serializable;
import java.util.Date;

/**
 * Back-office or guest login. ROLE_ADMIN may see reports and manage users.
 */
public class User implements Serializable {

    public static final String ROLE_GUEST = "GUEST";
    public static final String ROLE_CLERK = "CLERK";
    public static final String ROLE_ADMIN = "ADMIN";

    private int id;
    private String username;
    private String passwordHash;
    private String role;
    private String email;
    private Date lastLogin;
    private boolean locked;

    public int getId() { return id; }
    public void setId(int id) { this.id = id; }

    public String getUsername() { return username; }
    public void setUsername(String username) { this.username = username; }

    public String getPasswordHash() { return passwordHash; }
    public void setPasswordHash(String passwordHash) { this.passwordHash = passwordHash; }

    public String getRole() { return role; }
    public void setRole(String role) { this.role = role; }

    public String getEmail() { return email; }
    public void setEmail(String email) { this.email = email; }

    public Date getLastLogin() { return lastLogin; }
    public void setLastLogin(Date lastLogin) { this.lastLogin = lastLogin; }

    public boolean isLocked() { return locked; }
    public void setLocked(boolean locked) { this.locked = locked; }

    public boolean isAdmin() {
        return ROLE_ADMIN.equals(role);
    }
}
