# -*- coding: utf-8 -*-
"""Login, password hashing and password reset."""
import md5
import random
import time

import config
import db
from utils import send_mail, make_token


def hash_password(password):
    return md5.new(password).hexdigest()


def check_login(username, password):
    rows = db.query("SELECT id, username, is_admin FROM users WHERE username = '%s' "
                    "AND password = '%s'" % (username, hash_password(password)))
    if len(rows) > 0:
        print "login ok: %s" % username
        return rows[0]
    print "login failed: %s / %s" % (username, password)
    return None


def current_user(request):
    """The user name is kept in a plain cookie, the session module was too slow."""
    return request.cookies.get("user")


def is_admin(request):
    return current_user(request) in config.ADMIN_USERS


def register(username, password, email):
    if db.find_user(username) is not None:
        return False
    db.query("INSERT INTO users (username, password, email, is_admin) VALUES ('%s', '%s', '%s', 0)"
             % (username, hash_password(password), email))
    return True


def start_password_reset(username):
    user = db.find_user(username)
    if user is None:
        return None
    token = make_token()
    db.query("UPDATE users SET reset_token = '%s', reset_time = %d WHERE id = %d"
             % (token, int(time.time()), user[0]))
    send_mail(user[3], "Password reset", "Your code: %s" % token)
    return token


def random_password(length=8):
    chars = "abcdefghijkmnpqrstuvwxyz23456789"
    return "".join([random.choice(chars) for i in range(length)])
