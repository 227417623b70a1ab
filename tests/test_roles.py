"""File roles: tokens go to the application's own code; the rest is listed, never sent."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from modernizer.cli import app
from modernizer.ingest import IngestOptions, load_snapshot
from modernizer.roles import ANALYSED, role_of

JQUERY = "/*! jQuery v1.4.2 | (c) 2010 John Resig | jquery.org/license */\n(function(a){a.fn.x=1})(window);\n"
DOJO = "/*\n\tCopyright (c) 2004-2009, The Dojo Foundation All Rights Reserved.\n\tDojo Toolkit 1.3.2\n*/\ndojo.provide('x');\n"
OWN_LICENSED = "/*\n * Licensed under the Apache License, Version 2.0 (the \"License\"); http://www.apache.org/licenses/LICENSE-2.0\n * (c) 2008 Grand Hotel Inc.\n */\npackage com.hotel;\nclass Booking {}\n"


@pytest.mark.parametrize("path, text, role", [
    ("src/main/java/com/hotel/Booking.java", OWN_LICENSED, "source"),  # a licence header is not a library
    ("app/models.py", "class Room: pass\n", "source"),
    ("WebContent/booking.jsp", "<%= x %>", "template"),
    ("templates/base.html", "{% block body %}{% endblock %}", "template"),
    ("src/main/resources/application.properties", "db.url=x\n", "config"),
    ("WEB-INF/struts-config.xml", "<struts-config/>", "config"),
    ("pom.xml", "<project/>", "build"),
    ("requirements.txt", "django==1.4\n", "build"),
    ("db/schema.sql", "create table t (id int);", "schema"),
    ("app/migrations/0001_initial.py", "from django.db import migrations\n", "schema"),
    ("src/test/java/com/hotel/BookingTest.java", "class BookingTest {}", "test"),
    ("tests/test_models.py", "def test_x(): pass\n", "test"),
    ("lib/Parser_test.go", "package lib\n", "test"),
    ("static/app.spec.js", "it('x')", "test"),
    ("tests/fixtures/rooms.json", "[]", "testdata"),
    ("src/test/resources/sample.xml", "<x/>", "testdata"),
    ("docs/install.rst", "Install\n=======\n", "docs"),
    ("README.fr.md", "# Bonjour\n", "docs"),
    ("CHANGES.txt", "1.0\n", "docs"),
    ("locale/fr/LC_MESSAGES/django.po", 'msgid "x"\nmsgstr "y"\n', "translation"),
    ("src/main/resources/messages_de.properties", "hello=Hallo\n", "translation"),
    ("lang/en.php", "<?php $lang['hi'] = 'Hi';\n", "translation"),
    ("i18n/strings.json", "{}", "translation"),
    ("library/jquery/jquery-1.4.2.js", JQUERY, "thirdparty"),
    ("scripts/dojo/dojo.js", DOJO, "thirdparty"),   # not in a folder named vendor: found by its banner
    ("web/js/thing.js", JQUERY, "thirdparty"),
    ("third_party/libfoo/foo.c", "int f(void);\n", "thirdparty"),
    ("api/service_pb2.py", "# generated\n", "generated"),
    ("Forms/Main.Designer.cs", "partial class Main {}", "generated"),
])
def test_roles_from_path_name_and_content(path, text, role):
    assert role_of(path, text) == role


def write(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    return root


TREE = {
    "src/app/views.py": "import app.models\n" * 40,
    "src/app/models.py": "class Room:\n    pass\n" * 40,
    "templates/room.html": "{% for r in rooms %}{{ r }}{% endfor %}\n" * 5,
    "config/settings.ini": "[db]\nhost=x\n",
    "locale/fr/LC_MESSAGES/app.po": 'msgid "Room"\nmsgstr "Chambre"\n' * 400,
    "locale/de/LC_MESSAGES/app.po": 'msgid "Room"\nmsgstr "Zimmer"\n' * 400,
    "README.de.md": "Eine Anwendung.\n" * 300,
    "docs/guide.rst": "Guide\n=====\n" * 200,
    "library/jquery/jquery-1.4.2.js": JQUERY * 50,
    "tests/test_views.py": "def test_index():\n    assert True\n" * 60,
    "tests/data/rooms.csv": "1,Suite\n" * 500,
}


def test_set_aside_roles_are_listed_not_analysed_and_the_application_is_what_is_sent(tmp_path):
    repo = write(tmp_path / "app", TREE)
    snap = load_snapshot(repo)
    assert {f.path for f in snap.files} == {"src/app/views.py", "src/app/models.py", "templates/room.html", "config/settings.ini"}
    assert {s.path: s.role for s in snap.set_aside} == {
        "locale/fr/LC_MESSAGES/app.po": "translation", "locale/de/LC_MESSAGES/app.po": "translation",
        "README.de.md": "docs", "docs/guide.rst": "docs", "library/jquery/jquery-1.4.2.js": "thirdparty",
        "tests/test_views.py": "test", "tests/data/rooms.csv": "testdata"}
    every = load_snapshot(repo, IngestOptions(roles=sorted(ANALYSED | {"test", "docs", "translation", "thirdparty", "testdata"})))
    sent = sum(len(f.text) for f in snap.files)
    assert sent / sum(len(f.text) for f in every.files) < 0.2  # most of this tree is not the application
    assert all(f.role in ANALYSED for f in snap.files)  # and everything sent is


def test_the_report_and_the_plan_show_roles_and_include_role_analyses_one_more(tmp_path):
    repo = write(tmp_path / "app", TREE)
    out = tmp_path / "out"
    res = CliRunner().invoke(app, ["analyze", str(repo), "--no-llm", "-o", str(out), "-f", "json", "-f", "html"])
    assert res.exit_code == 0, res.output
    report = json.loads(next(out.glob("*.json")).read_text())
    roles = {(r["role"], r["analysed"]): r for r in report["roles"]}
    assert roles[("translation", False)]["files"] == 2 and roles[("translation", False)]["lines"] == 1600
    assert roles[("source", True)]["files"] == 2 and ("test", False) in roles
    assert len(report["set_aside"]) == 7 and report["facts"]["files_set_aside"] == 7
    assert "files by role" in next(out.glob("*.html")).read_text()
    res = CliRunner().invoke(app, ["analyze", str(repo), "--no-llm", "--plan", "--window", "65536", "--include-role", "test"])
    assert res.exit_code == 0 and "translation" in res.output and "set aside" in res.output
    assert "tests" in res.output  # the test folder now counts in the token tree
