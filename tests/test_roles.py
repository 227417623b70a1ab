"""File roles: tokens go to the application's own code; the rest is listed, never sent."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from modernizer.cli import app
from modernizer.repo.ingest import IngestOptions, load_snapshot
from modernizer.repo.roles import ANALYSED, role_of

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


# -- issue 20: "test" from content, third-party code from the tree's own signals ------------------

@pytest.mark.parametrize("path, text, role", [
    # named like tests, but application code: no test framework, no assertion
    ("src/main/java/org/app/install/TestInstallUtil.java",
     "package org.app.install;\npublic class TestInstallUtil {\n  public static boolean canConnect(String url) { return true; }\n}\n", "source"),
    ("src/main/webapp/test/sendmail.jsp", "<%@ page import=\"javax.mail.*\" %>\n<% Transport.send(msg); %>\n", "template"),
    ("login_cookie_test.php", "<?php\nrequire_once('core.php');\nif (auth_is_cookie_valid($c)) { print_header_redirect('main.php'); }\n", "source"),
    ("tools/test_connection.py", "import socket\n\ndef main():\n    socket.create_connection(('db', 5432))\n", "source"),
    # tests by what they say
    ("test/org/app/UserTest.java", "package org.app;\nimport org.junit.Test;\npublic class UserTest { @Test public void x() {} }\n", "test"),
    ("src/main/java/org/app/TestHelperTest.java", "import static org.junit.Assert.*;\nclass TestHelperTest {}\n", "test"),
    ("tests/test_views.py", "import unittest\nclass V(unittest.TestCase):\n    pass\n", "test"),
    ("user_test.php", "<?php\nclass UserTest extends PHPUnit_Framework_TestCase { function testName() {} }\n", "test"),
    ("src/api.test.js", "const { expect } = require('chai');\ndescribe('api', () => {});\n", "test"),
    ("src/test/java/org/app/Fixtures.java", "class Fixtures {}\n", "test"),  # Maven's test tree: the runner's convention
])
def test_a_test_is_decided_by_its_content(path, text, role):
    assert role_of(path, text) == role


LIB = "<?php\n// +--------+\n// | Copyright (c) 1997-2015 Jon Parise |\n// | PHP license 3.01 |\nclass Net_SMTP {}\n"
APP_LICENCE = "GNU GENERAL PUBLIC LICENSE\nVersion 2, June 1991\nCopyright (C) 1989, 1991 Free Software Foundation, Inc.\n"
MIT = "The MIT License\n\nCopyright (c) 2012 Zend Technologies\n\nPermission is hereby granted, free of charge, to any person\n"
SVG_FONT = '<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"><defs><font id="fa" horiz-adv-x="1536">\n' + \
    '<glyph unicode="a" d="M0 0z"/>\n' * 40 + "</font></defs></svg>\n"
WORDS = "5000\n" + "".join(f"{w}{i}\n" for i in range(600) for w in ["apple"])
THIRDPARTY_TREE = {
    "LICENSE.txt": APP_LICENCE,
    "index.php": "<?php require 'core.php'; echo page();\n",
    "core.php": "<?php function page() { return 'x'; }\n",
    # a folder that lists its libraries (README.libs), files silent about their origin
    "library/README.libs": "adodb        5.10    http://adodb.sf.net\nphpmailer    5.1     http://phpmailer.sf.net\n",
    "library/adodb/adodb.inc.php": "<?php class ADOConnection {}\n",
    "library/phpmailer/class.phpmailer.php": "<?php class PHPMailer {}\n",
    # a project inside the project: its own licence and manifest
    "include/mail-lib/LICENSE.md": MIT,
    "include/mail-lib/composer.json": '{"name": "zend/mail"}\n',
    "include/mail-lib/src/Message.php": "<?php namespace Zend\\Mail; class Message {}\n",
    # a known library's layout, anywhere
    "web/js/dojo/dojo.js": "dojo.provide('dojo');\n",
    "web/js/dojo/dijit/form/Button.js": "dojo.provide('dijit.form.Button');\n",
    "include/pear/Net/SMTP.php": LIB,
    # fonts, icon sets, word lists
    "assets/font/fontawesome-webfont.svg": SVG_FONT,
    "images/flags/de.svg": '<svg xmlns="http://www.w3.org/2000/svg"><path fill="#000" d="M0 0h5v1H0z"/></svg>\n',
    "js/spell/en_US.dic": WORDS,
    "data/words.js": WORDS,
    # the application's own module under the same licence is not third party
    "modules/report/LICENSE.txt": APP_LICENCE,
    "modules/report/build.xml": "<project/>\n",
    "modules/report/Report.php": "<?php class Report {}\n",
    "images/logo.svg": '<svg xmlns="http://www.w3.org/2000/svg"><circle r="4"/></svg>\n',
    # a folder named test without tests is the application; a test folder's helpers are tests
    "webapp/test/sendmail.php": "<?php mail($to, 'hi', $body);\n",
    "tests/UserTest.php": "<?php class UserTest extends PHPUnit\\Framework\\TestCase { function testA() { $this->assertTrue(true); } }\n",
    "tests/helpers.php": "<?php function make_user() { return new User(); }\n",
}


def test_third_party_code_fonts_and_word_lists_are_set_aside_by_the_tree_s_own_signals(tmp_path):
    snap = load_snapshot(write(tmp_path / "app", THIRDPARTY_TREE))
    aside = {s.path: s for s in snap.set_aside}
    sent = {f.path for f in snap.files}
    for path in ("library/adodb/adodb.inc.php", "library/phpmailer/class.phpmailer.php", "include/mail-lib/src/Message.php",
                 "web/js/dojo/dojo.js", "web/js/dojo/dijit/form/Button.js", "include/pear/Net/SMTP.php",
                 "assets/font/fontawesome-webfont.svg", "images/flags/de.svg", "js/spell/en_US.dic", "data/words.js"):
        assert path in aside and aside[path].role == "thirdparty", path
    assert "README.libs" in aside["library/adodb/adodb.inc.php"].why
    assert "LICENSE.md" in aside["include/mail-lib/src/Message.php"].why
    assert "dojo" in aside["web/js/dojo/dijit/form/Button.js"].why
    assert aside["assets/font/fontawesome-webfont.svg"].why == "an SVG font"
    assert aside["js/spell/en_US.dic"].why == "a word list" and aside["data/words.js"].why == "a word list"
    assert {"index.php", "core.php", "modules/report/Report.php", "images/logo.svg", "webapp/test/sendmail.php"} <= sent
    assert aside["tests/UserTest.php"].role == "test"
    assert aside["tests/helpers.php"].role == "test" and "holds tests" in aside["tests/helpers.php"].why


def test_icon_folders_and_versioned_library_folders_are_set_aside_as_real_trees_ship_them(tmp_path):
    """Shaped like TeXstudio (symbols-ng/fontawesome5: 1,564 Font Awesome SVGs; images-ng/colibre:
    408 SVGs and a CSV index) and Tapestry 4 (src/js/dojo-0.4.3-custom-4.1.6/, and its own Java package
    org/apache/tapestry/dojo/, which is not Dojo): bench/results/roles.md."""
    icon = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><path d="M{0} 0h1v1H{0}z"/></svg>\n'
    tree = {
        "src/main.cpp": "#include \"editor.h\"\nint main() { return run(); }\n",
        "src/editor.h": "int run();\n",
        "symbols-ng/fontawesome5/" + "a.svg": icon.format(0),  # the library's own name, with its major version
        "images-ng/colibre/index.csv": "name,file\n",
        "js/dojo-0.4.3-custom-4.1.6/src/io.js": "dojo.provide('dojo.io');\n",
        "js/app/widget.js": "function widget() { return 1; }\n",
        # the application's own Java package about Dojo (Tapestry's org/apache/tapestry/dojo/) is not Dojo
        "src/java/org/apache/tapestry/dojo/AbstractWidget.java": "package org.apache.tapestry.dojo;\npublic abstract class AbstractWidget {}\n",
        "src/java/org/apache/tapestry/dojo/DojoUtils.java": "package org.apache.tapestry.dojo;\nclass DojoUtils {}\n",
        "src/java/org/apache/tapestry/dojo/Widget.properties": "title=Widget\n",
        "images/logo.svg": icon.format(9),  # one image of the application's own stays
        "images/few/" + "b.svg": icon.format(1),
    }
    tree.update({f"images-ng/colibre/i{i}.svg": icon.format(i) for i in range(25)})
    tree.update({f"images/few/s{i}.svg": icon.format(i) for i in range(5)})  # too few to be a set
    tree.update({f"symbols-ng/fontawesome5/f{i}.svg": icon.format(i) for i in range(3)})
    snap = load_snapshot(write(tmp_path / "app", tree))
    aside = {s.path: s for s in snap.set_aside}
    sent = {f.path for f in snap.files}
    assert aside["images-ng/colibre/i3.svg"].role == "thirdparty" and "icon set" in aside["images-ng/colibre/i3.svg"].why
    assert "fontawesome5" in aside["symbols-ng/fontawesome5/f1.svg"].why
    assert "dojo-0.4.3-custom-4.1.6" in aside["js/dojo-0.4.3-custom-4.1.6/src/io.js"].why
    assert {"src/main.cpp", "js/app/widget.js", "images/logo.svg", "images/few/s1.svg", "images-ng/colibre/index.csv",
            "src/java/org/apache/tapestry/dojo/AbstractWidget.java", "src/java/org/apache/tapestry/dojo/DojoUtils.java"} <= sent


def test_a_folder_with_an_older_licence_copy_that_ships_the_project_s_own_files_stays_the_project_s(tmp_path):
    """TeXstudio's utilities/: GPL 2 and AUTHORS beside texstudio.desktop and texstudio.nsi, under a
    GPL 3 root; its src/quazip/ (COPYING, NEWS.txt, Doxyfile like the root's) is another project."""
    gpl2 = "GNU GENERAL PUBLIC LICENSE\nVersion 2, June 1991\nCopyright (C) 1989, 1991 Free Software Foundation, Inc.\n"
    lgpl = "GNU LESSER GENERAL PUBLIC LICENSE\nVersion 2.1, February 1999\nCopyright (C) 1991, 1999 Free Software Foundation\n"
    snap = load_snapshot(write(tmp_path / "texstudio", {
        "COPYING": "GNU GENERAL PUBLIC LICENSE\nVersion 3, 29 June 2007\nCopyright (C) 2007 Free Software Foundation, Inc.\n",
        "texstudio.qrc": "<RCC/>\n", "texstudio.pro": "SOURCES = src/main.cpp\n", "Doxyfile": "PROJECT_NAME = texstudio\n",
        "src/main.cpp": "int main() { return 0; }\n",
        "utilities/COPYING": gpl2, "utilities/AUTHORS": "Benito van der Zander\n",
        "utilities/texstudio.nsi": "Name \"TeXstudio\"\n", "utilities/generateDB.py": "import sys\nprint(sys.argv)\n",
        "src/quazip/COPYING": lgpl, "src/quazip/NEWS.txt": "QuaZip 1.4\n", "src/quazip/Doxyfile": "PROJECT_NAME = QuaZip\n",
        "src/quazip/quazip.cpp": "#include \"quazip.h\"\nint open() { return 1; }\n",
    }))
    sent = {f.path for f in snap.files}
    aside = {s.path: s for s in snap.set_aside}
    assert {"utilities/generateDB.py", "utilities/texstudio.nsi", "src/main.cpp"} <= sent
    assert aside["src/quazip/quazip.cpp"].role == "thirdparty" and "COPYING" in aside["src/quazip/quazip.cpp"].why


def test_the_json_report_says_why_a_folder_was_set_aside(tmp_path):
    repo = write(tmp_path / "app", THIRDPARTY_TREE)
    out = tmp_path / "out"
    res = CliRunner().invoke(app, ["analyze", str(repo), "--no-llm", "--no-candidates", "-o", str(out), "-f", "json"])
    assert res.exit_code == 0, res.output
    report = json.loads(next(out.glob("*.json")).read_text())
    why = {s["path"]: s["why"] for s in report["set_aside"]}
    assert "README.libs" in why["library/adodb/adodb.inc.php"]


def test_a_jquery_named_file_without_a_header_of_its_own_stays_the_application_s(tmp_path):
    snap = load_snapshot(write(tmp_path / "app", {
        "index.php": "<?php echo 1;\n",
        "js/jquery.translatable.js": "!function($){ $.fn.translatable = function(){ return this; }; }(window.jQuery);\n",
        "js/jquery.pjax.js": "/*!\n * Copyright 2012, Chris Wanstrath\n * Released under the MIT License\n */\n(function($){})(jQuery);\n",
    }))
    aside = {s.path: s for s in snap.set_aside}
    assert "js/jquery.translatable.js" in {f.path for f in snap.files}
    assert aside["js/jquery.pjax.js"].role == "thirdparty"


def test_a_monorepo_s_packages_with_the_same_licence_and_a_module_s_third_party_notice_stay_the_application_s(tmp_path):
    mit = "MIT License\n\nCopyright (c) 2020 Hotel Inc.\n\nPermission is hereby granted, free of charge, to any person\n"
    files = {f"packages/{p}/{n}": t for p in ("core", "web", "cli") for n, t in
             (("LICENSE", mit), ("package.json", '{"name": "@hotel/%s"}' % p), ("index.js", "module.exports = 1;\n"))}
    files["service/THIRD-PARTY.txt"] = "Lists of 3 third-party dependencies.\n  (Apache 2) commons-lang3\n"
    files["service/Main.java"] = "class Main {}\n"
    snap = load_snapshot(write(tmp_path / "mono", files))
    sent = {f.path for f in snap.files}
    assert {"packages/core/index.js", "packages/web/index.js", "packages/cli/index.js", "service/Main.java"} <= sent
