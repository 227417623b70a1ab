# -*- coding: utf-8 -*-
"""Plain objects. Product.restock() talks to the database directly (sorry)."""
import db
import config


class Product:
    def __init__(self, id, name, price, stock, category):
        self.id = id
        self.name = name
        self.price = float(price)
        self.stock = int(stock)
        self.category = category

    def gross_price(self):
        return round(self.price * (1 + config.VAT), 2)

    def in_stock(self):
        return self.stock > 0

    def restock(self, qty):
        db.query("UPDATE products SET stock = stock + %d WHERE id = %d" % (qty, self.id))
        self.stock = self.stock + qty

    def __repr__(self):
        return "<Product %s %r>" % (self.id, self.name)


class Order:
    def __init__(self, username):
        self.id = None
        self.username = username
        self.items = {}
        self.status = "NEW"
        self.prices = {}

    def add(self, product, qty=1):
        if self.items.has_key(product.id):
            self.items[product.id] = self.items[product.id] + qty
        else:
            self.items[product.id] = qty
        self.prices[product.id] = product.gross_price()

    def total(self):
        t = 0.0
        for pid in self.items.keys():
            t = t + self.items[pid] * self.prices.get(pid, 0)
        return round(t, 2)
