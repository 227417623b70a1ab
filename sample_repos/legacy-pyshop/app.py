# -*- coding: utf-8 -*-
"""PyShop - a tiny web shop (Flask 0.6, Python 2.5).

Run: python app.py
"""
import os

from flask import Flask, request, redirect, make_response, render_template, render_template_string, send_file

import config
import db
import auth
import cart
import admin
import reports
import importer
from utils import page_header, page_footer, format_money

app = Flask(__name__)
app.secret_key = config.SECRET_KEY


@app.route("/")
def index():
    category = request.args.get("category", "tea")
    order = request.args.get("order", "name")
    products = db.products_in_category(category, order)
    return render_template("products.html", products=products, category=category)


@app.route("/search")
def search():
    q = request.args.get("q", "")
    products = db.search_products(q)
    html = page_header(request, "Search") + "<p>Results for <b>%s</b>:</p><ul>" % q
    for p in products:
        html += "<li><a href='/product/%d'>%s</a> %s</li>" % (p.id, p.name, format_money(p.gross_price()))
    return render_template_string(html + "</ul>" + page_footer())


@app.route("/product/<int:pid>")
def product(pid):
    p = db.get_product(pid)
    if p is None:
        return "not found", 404
    return render_template("products.html", products=[p], category=p.category)


@app.route("/cart/add", methods=["POST"])
def add_to_cart():
    response = make_response(redirect("/cart"))
    cart.add_item(request, response, int(request.form["product_id"]), int(request.form.get("qty", 1)))
    return response


@app.route("/checkout", methods=["POST"])
def checkout():
    order = cart.checkout(request)
    if order is None:
        return redirect("/login?next=/cart")
    response = make_response("Thank you! Order %d, total %s" % (order.id, format_money(order.total())))
    response.set_cookie("cart", "", expires=0)
    return response


@app.route("/login", methods=["GET", "POST"])
def login():
    if request.method == "POST":
        user = auth.check_login(request.form["username"], request.form["password"])
        if user:
            response = make_response(redirect(request.args.get("next", "/")))
            response.set_cookie("user", user[1])
            return response
    return render_template("products.html", products=[], category="login")


@app.route("/uploads/<path:name>")
def uploads(name):
    return send_file(os.path.join(config.UPLOAD_DIR, name))


@app.route("/admin/backup", methods=["POST"])
def admin_backup():
    if not auth.is_admin(request):
        return "forbidden", 403
    return "backup written to %s" % admin.backup_database(request.form["label"])


@app.route("/admin/thumbnail", methods=["POST"])
def admin_thumbnail():
    f = request.files["image"]
    f.save(os.path.join(config.UPLOAD_DIR, f.filename))
    admin.make_thumbnail(f.filename)
    return redirect("/admin")


@app.route("/admin/report")
def admin_report():
    if not auth.is_admin(request):
        return "forbidden", 403
    expr = request.args.get("filter", "True")
    products = reports.filtered_products(expr)
    return "<br>".join(["%s %s" % (p.name, p.stock) for p in products])


@app.route("/admin/import", methods=["POST"])
def admin_import():
    if not auth.is_admin(request):
        return "forbidden", 403
    n = importer.import_catalogue(request.files["catalogue"].read())
    return "%d products imported" % n


if __name__ == "__main__":
    app.run(host="0.0.0.0", port=8080, debug=config.DEBUG)
