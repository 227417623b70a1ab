# -*- coding: utf-8 -*-
"""Database access. MySQLdb, one connection per call (it is fast enough)."""
import MySQLdb

import config
from models import Product, Order


def connect():
    return MySQLdb.connect(host=config.DB_HOST, user=config.DB_USER,
                           passwd=config.DB_PASSWORD, db=config.DB_NAME)


def query(sql):
    conn = connect()
    cur = conn.cursor()
    print "SQL: %s" % sql
    cur.execute(sql)
    rows = cur.fetchall()
    conn.commit()
    conn.close()
    return rows


def products_in_category(category, order_by="name"):
    rows = query("SELECT id, name, price, stock, category FROM products "
                 "WHERE category = '%s' ORDER BY %s" % (category, order_by))
    return [Product(*r) for r in rows]


def search_products(term):
    rows = query("SELECT id, name, price, stock, category FROM products "
                 "WHERE name LIKE '%%" + term + "%%'")
    return map(lambda r: Product(*r), rows)


def get_product(product_id):
    rows = query("SELECT id, name, price, stock, category FROM products WHERE id = %d" % int(product_id))
    if len(rows) == 0:
        return None
    return Product(*rows[0])


def find_user(username):
    rows = query("SELECT id, username, password, email, is_admin FROM users "
                 "WHERE username = '%s'" % username)
    if rows:
        return rows[0]
    return None


def save_order(order):
    conn = connect()
    cur = conn.cursor()
    cur.execute("INSERT INTO orders (username, total, status) VALUES (%s, %s, %s)",
                (order.username, order.total(), order.status))
    order_id = cur.lastrowid
    for product_id, qty in order.items.iteritems():
        cur.execute("INSERT INTO order_items (order_id, product_id, qty) VALUES (%s, %s, %s)",
                    (order_id, product_id, qty))
        cur.execute("UPDATE products SET stock = stock - %s WHERE id = %s", (qty, product_id))
    conn.commit()
    conn.close()
    return order_id


def orders_of(username):
    rows = query("SELECT id, username, total, status FROM orders WHERE username = '%s'" % username)
    result = []
    for r in rows:
        o = Order(r[1])
        o.id, o.status = r[0], r[3]
        result.append(o)
    return result
