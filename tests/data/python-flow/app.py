"""Vulnerable/safe twins for the Python flow evaluator (modernizer's own fixtures, written for its tests).
Each marked line is a sink: a "vuln" mark must stay a candidate, a "safe" mark is provably safe."""
import os
import random
import sqlite3

from flask import Flask, make_response, request, session

app = Flask(__name__)


def constant(value):
    return "constant"


def passthrough(value):
    return value


@app.route("/ternary", methods=["POST"])
def ternary():
    param = request.args.get("name", "")
    num = 106
    bar = "safe" if 7 * 18 + num > 200 else param
    open(f"/srv/files/{bar}", "r")  # safe: path-traversal
    baz = "safe" if 7 * 42 - num > 200 else param
    open(f"/srv/files/{baz}", "r")  # vuln: path-traversal
    return "ok"


@app.route("/branches", methods=["POST"])
def branches():
    param = request.form.get("cmd", "")
    num = 86
    if 7 * 42 - num > 200:
        bar = "echo constant"
    else:
        bar = param
    os.system(bar)  # safe: command-injection
    if num < 0:
        baz = "echo constant"
    else:
        baz = param
    os.system(baz)  # vuln: command-injection
    return "ok"


@app.route("/lists", methods=["POST"])
def lists():
    param = request.cookies.get("c", "")
    lst = ["safe", param, "moresafe"]
    lst.pop(0)
    db = sqlite3.connect("app.db").cursor()
    db.execute("SELECT * FROM t WHERE a = '" + lst[1] + "'")  # safe: sql-injection
    db.execute("SELECT * FROM t WHERE a = '" + lst[0] + "'")  # vuln: sql-injection
    return "ok"


@app.route("/maps", methods=["POST"])
def maps():
    param = request.headers.get("X-Name", "")
    values = {"keyA": "a_Value", "keyB": param}
    session["a"] = values["keyA"]  # safe: trust-boundary
    session["b"] = values["keyB"]  # vuln: trust-boundary
    return "ok"


@app.route("/overwritten", methods=["POST"])
def overwritten():
    param = request.args.get("q", "")
    bar = param
    bar = "constant"
    os.system("ls " + bar)  # safe: command-injection
    return make_response(constant(param))  # safe: xss


@app.route("/helpers", methods=["POST"])
def helpers():
    param = request.args.get("q", "")
    return make_response(passthrough(param))  # vuln: xss


@app.route("/doubt", methods=["POST"])
def doubt():
    param = request.args.get("q", "")
    bar = param if random.random() > 0.5 else "constant"
    os.system(bar)  # vuln: command-injection
    return "ok"
