# -*- coding: utf-8 -*-
"""Back-office helpers: backups, thumbnails, log viewer."""
import os
import subprocess
import commands

import config
import db


def backup_database(label):
    """label comes from the admin form, e.g. 'before-xmas-sale'."""
    target = "%s/%s.sql.gz" % (config.BACKUP_DIR, label)
    cmd = "mysqldump -u %s -p%s %s | gzip > %s" % (config.DB_USER, config.DB_PASSWORD,
                                                     config.DB_NAME, target)
    subprocess.call(cmd, shell=True)
    return target


def make_thumbnail(filename):
    src = os.path.join(config.UPLOAD_DIR, filename)
    dst = os.path.join(config.UPLOAD_DIR, "thumb_" + filename)
    os.system("convert %s -resize %s %s" % (src, config.THUMB_SIZE, dst))
    return dst


def tail_log(name, lines=50):
    return commands.getoutput("tail -n %d /var/log/pyshop/%s" % (int(lines), name))


def low_stock(limit=5):
    return db.query("SELECT id, name, stock FROM products WHERE stock < %d ORDER BY stock" % int(limit))


def disk_usage():
    out = os.popen("df -h %s" % config.UPLOAD_DIR).read()
    return out
