# -*- coding: utf-8 -*-
"""Little helpers used everywhere."""
import random
import smtplib
import string
import time

import config
import cart

random.seed(time.time())


def make_token():
    return "%08x" % random.randint(0, 0xffffffff)


def format_money(amount):
    return "%.2f %s" % (amount, config.CURRENCY)


def slugify(name):
    return string.join(string.split(string.lower(name)), "-")


def page_header(request, title):
    items = cart.item_count(request)
    return ("<html><head><title>PyShop - %s</title></head><body>"
            "<div class='top'><a href='/'>PyShop</a> | <a href='/cart'>Cart (%d)</a></div>"
            "<h1>%s</h1>" % (title, items, title))


def page_footer():
    return "<hr><small>PyShop 0.9 &copy; 2009</small></body></html>"


def send_mail(to, subject, body):
    try:
        server = smtplib.SMTP("localhost")
        server.sendmail("shop@pyshop.example", [to], "Subject: %s\n\n%s" % (subject, body))
        server.quit()
    except Exception, e:
        print "mail to %s failed: %s" % (to, e)
