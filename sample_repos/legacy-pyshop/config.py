# -*- coding: utf-8 -*-
# PyShop configuration. Copy to config_local.py on the server... (nobody ever did)

DEBUG = True

SECRET_KEY = "pyshop-s3cr3t-key-2009"

DB_HOST = "localhost"
DB_NAME = "pyshop"
DB_USER = "shop"
DB_PASSWORD = "sh0pAdm1n!"

ADMIN_USERS = ["admin", "bob"]

# payment provider (test account)
PAYMENT_API_KEY = "sk_test_FAKE51HfUa2eZvKYlo2C0aPyShop"

UPLOAD_DIR = "/var/www/pyshop/uploads"
BACKUP_DIR = "/var/backups/pyshop"
THUMB_SIZE = "120x120"

CURRENCY = "EUR"
VAT = 0.19
