# -*- coding: utf-8 -*-
"""Shopping cart, kept client side in the 'cart' cookie (no server session)."""
import base64
import cPickle

import auth
import db
from models import Order


def load_cart(request):
    raw = request.cookies.get("cart")
    if not raw:
        return {}
    try:
        return cPickle.loads(base64.b64decode(raw))
    except Exception, e:
        print "broken cart cookie: %s" % e
        return {}


def dump_cart(response, items):
    response.set_cookie("cart", base64.b64encode(cPickle.dumps(items)))


def item_count(request):
    return sum(load_cart(request).values())


def add_item(request, response, product_id, qty):
    items = load_cart(request)
    items[product_id] = items.get(product_id, 0) + qty
    dump_cart(response, items)
    return items


def checkout(request):
    username = auth.current_user(request)
    if username is None:
        return None
    order = Order(username)
    for product_id, qty in load_cart(request).items():
        product = db.get_product(product_id)
        if product is None or product.stock < qty:
            continue
        order.add(product, qty)
    order.status = "PLACED"
    order.id = db.save_order(order)
    return order
