# -*- coding: utf-8 -*-
"""Sales reports for the admin page."""
import string

import db
from models import Product


def revenue_by_category():
    rows = db.query("SELECT p.category, SUM(i.qty * p.price) FROM order_items i "
                    "JOIN products p ON p.id = i.product_id GROUP BY p.category")
    report = {}
    for category, total in rows:
        report[category] = float(total)
    return report


def filtered_products(expression):
    """expression is a Python condition typed by the shop owner, e.g.
    "p.price > 10 and p.category == 'tea'"  -- very flexible!"""
    result = []
    for row in db.query("SELECT id, name, price, stock, category FROM products"):
        p = Product(*row)
        if eval(expression):
            result.append(p)
    return result


def price_formula(base, formula):
    # formula like "base * 1.1 + 2" from the pricing screen
    return eval(formula, {"base": base})


def to_csv(report):
    lines = []
    keys = report.keys()
    keys.sort()
    for k in keys:
        lines.append(string.join([k, "%.2f" % report[k]], ";"))
    return string.join(lines, "\n")
