/*
 * Grand Hotel Reservation System
 * Copyright (c) 2006-2008 Grand Hotel Group. All rights reserved.
 */
package com.grandhotel.model;

import java.io.Serializable;

/**
 * A bookable room. Mapped by hand from the ROOMS table (see RoomDao).
 *
 * @author jsmith
 * @version $Revision: 1.14 $
 */
public class Room implements Serializable {

    public static final String TYPE_SINGLE = "SINGLE";
    public static final String TYPE_DOUBLE = "DOUBLE";
    public static final String TYPE_SUITE = "SUITE";

    private int id;
    private String number;
    private String type;
    private int floor;
    private int capacity;
    private double baseRate;
    private boolean smoking;
    private String description;

    public Room() {
    }

    public Room(int id, String number, String type, double baseRate) {
        this.id = id;
        this.number = number;
        this.type = type;
        this.baseRate = baseRate;
    }

    public int getId() { return id; }
    public void setId(int id) { this.id = id; }

    public String getNumber() { return number; }
    public void setNumber(String number) { this.number = number; }

    public String getType() { return type; }
    public void setType(String type) { this.type = type; }

    public int getFloor() { return floor; }
    public void setFloor(int floor) { this.floor = floor; }

    public int getCapacity() { return capacity; }
    public void setCapacity(int capacity) { this.capacity = capacity; }

    public double getBaseRate() { return baseRate; }
    public void setBaseRate(double baseRate) { this.baseRate = baseRate; }

    public boolean isSmoking() { return smoking; }
    public void setSmoking(boolean smoking) { this.smoking = smoking; }

    public String getDescription() { return description; }
    public void setDescription(String description) { this.description = description; }

    public boolean isSuite() {
        return TYPE_SUITE.equals(type);
    }

    public String toString() {
        return "Room[" + number + "," + type + "," + baseRate + "]";
    }
}
