# -*- coding: utf-8 -*-
"""Imports the supplier catalogue (YAML) uploaded on the admin page.

Example:
    - name: Darjeeling First Flush
      price: 12.50
      stock: 40
      category: tea
"""
import urllib2

import yaml

import db


def parse_catalogue(text):
    return yaml.load(text)


def import_catalogue(text):
    count = 0
    for item in parse_catalogue(text):
        db.query("INSERT INTO products (name, price, stock, category) VALUES ('%s', %s, %s, '%s')"
                 % (item["name"], item["price"], item["stock"], item["category"]))
        count += 1
    print "imported %d products" % count
    return count


def import_from_url(url):
    """Supplier feeds, e.g. http://supplier.example/feed.yaml"""
    data = urllib2.urlopen(url).read()
    return import_catalogue(data)
