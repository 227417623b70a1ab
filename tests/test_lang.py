"""Deterministic import/include/reference extraction: exact edges per language."""

from __future__ import annotations


import pytest

from modernizer.repo.lang import Edge, dependency_edges, language_of, directory_of
from modernizer.repo.snapshot import SourceFile


def sf(path: str, text: str, language: str | None = None) -> SourceFile:
    return SourceFile(
        path=path, language=language or language_of(path), text=text, sha256="x",
        lines=text.count("\n") + 1, size_bytes=len(text),
    )


def edges(*files: SourceFile) -> set[tuple[str, str, str]]:
    return {(e.source, e.target, e.kind) for e in dependency_edges(list(files))}


def pairs(*files: SourceFile) -> set[tuple[str, str]]:
    return {(e.source, e.target) for e in dependency_edges(list(files))}


J = "src/main/java/com/acme/"


# ----------------------------------------------------------------------------- API


def test_module_of():
    assert directory_of("src/main/java/com/x/dao/A.java") == "src/main/java/com/x/dao"
    assert directory_of("pkg/mod.py") == "pkg"
    assert directory_of("setup.py") == "."
    assert directory_of("") == "."


def test_output_sorted_deduplicated_without_self_loops():
    a = sf(J + "A.java", "package com.acme;\nimport com.acme.B;\nclass A { B b; A self; B again; }\n")
    b = sf(J + "B.java", "package com.acme;\npublic class B { A a; }\n")
    out = dependency_edges([b, a])
    assert all(isinstance(e, Edge) for e in out)
    assert out == sorted(out, key=lambda e: (e.source, e.target, e.kind))
    assert [(e.source, e.target, e.kind) for e in out] == [
        (J + "A.java", J + "B.java", "import"),  # import wins over the same-package reference
        (J + "B.java", J + "A.java", "reference"),
    ]


def test_empty_input():
    assert dependency_edges([]) == []


def test_result_does_not_depend_on_input_order():
    files = list(_jsp_fixture())
    assert dependency_edges(files) == dependency_edges(list(reversed(files)))


# ----------------------------------------------------------------------------- Java


def test_java_explicit_import_resolves_by_declared_package_not_directory():
    user = sf("core/src/com/acme/model/User.java", "package com.acme.model;\npublic class User {}\n")
    dao = sf("dao-module/java/UserDao.java", "package com.acme.dao;\n\nimport com.acme.model.User;\nimport java.util.List;\nimport org.hibernate.Session;\n\npublic class UserDao { List<User> all() { return null; } }\n")
    assert edges(user, dao) == {("dao-module/java/UserDao.java", "core/src/com/acme/model/User.java", "import")}


def test_java_wildcard_import_only_mentioned_classes():
    a = sf(J + "model/A.java", "package com.acme.model;\npublic class A {}\n")
    b = sf(J + "model/B.java", "package com.acme.model;\npublic class B {}\n")
    svc = sf(J + "svc/Svc.java", "package com.acme.svc;\nimport com.acme.model.*;\nimport java.util.*;\nclass Svc { A a = new A(); }\n")
    assert edges(a, b, svc) == {(J + "svc/Svc.java", J + "model/A.java", "import")}


def test_java_same_package_reference_ignores_comments_and_strings():
    order = sf(J + "Order.java", "package com.acme;\npublic class Order { Customer c; }\n")
    customer = sf(J + "Customer.java", "package com.acme;\npublic class Customer {}\n")
    invoice = sf(J + "Invoice.java", 'package com.acme;\n// Order is mentioned here only\n/* Customer too */\nclass Invoice { String s = "Order Customer"; }\n')
    assert edges(order, customer, invoice) == {(J + "Order.java", J + "Customer.java", "reference")}


def test_java_static_nested_and_qualified_and_reflective():
    util = sf(J + "util/Strings.java", "package com.acme.util;\npublic final class Strings { public static String trim(String s) { return s; } public static class Inner {} }\n")
    consts = sf(J + "util/Consts.java", "package com.acme.util;\npublic interface Consts { int MAX = 1; }\n")
    plugin = sf(J + "util/Plugin.java", "package com.acme.util;\npublic class Plugin {}\n")
    a = sf(J + "web/A.java", 'package com.acme.web;\nimport static com.acme.util.Strings.trim;\nclass A { int m = com.acme.util.Consts.MAX; Object p = Class.forName("com.acme.util.Plugin"); }\n')
    b = sf(J + "web/B.java", "package com.acme.web;\nimport com.acme.util.Strings.Inner;\nclass B { Inner i; }\n")
    assert edges(util, consts, plugin, a, b) == {
        (J + "web/A.java", J + "util/Strings.java", "import"),
        (J + "web/A.java", J + "util/Consts.java", "reference"),
        (J + "web/A.java", J + "util/Plugin.java", "reference"),
        (J + "web/B.java", J + "util/Strings.java", "import"),
    }


def test_java_three_file_import_cycle():
    a = sf(J + "a/A.java", "package com.acme.a;\nimport com.acme.b.B;\npublic class A { B b; }\n")
    b = sf(J + "b/B.java", "package com.acme.b;\nimport com.acme.c.C;\npublic class B { C c; }\n")
    c = sf(J + "c/C.java", "package com.acme.c;\nimport com.acme.a.A;\npublic class C { A a; }\n")
    import networkx as nx

    g = nx.DiGraph(list(pairs(a, b, c)))
    cycles = list(nx.simple_cycles(g))
    assert len(cycles) == 1 and set(cycles[0]) == {J + "a/A.java", J + "b/B.java", J + "c/C.java"}
    assert {k for _, _, k in edges(a, b, c)} == {"import"}


def test_java_commented_import_is_ignored():
    a = sf(J + "a/A.java", "package com.acme.a;\npublic class A {}\n")
    b = sf(J + "b/B.java", "package com.acme.b;\n// import com.acme.a.A;\n/*\nimport com.acme.a.A;\n*/\nclass B {}\n")
    assert edges(a, b) == set()


def test_java_nested_and_local_types_are_not_package_members():
    outer = sf(J + "Outer.java", "package com.acme;\npublic class Outer { static class Helper {} void f() { class Local {} } }\n")
    user = sf(J + "User.java", "package com.acme;\nclass User { Helper h; Local l; }\n")
    assert edges(outer, user) == set()


def test_java_top_level_types_after_stray_braces_and_nesting():
    """The brace counter that finds a Java file's top-level types agrees with the general stack
    scanner, a stray "}" (ignored at depth 0) and types after nested blocks included."""
    import re

    from modernizer.repo.lang.base import scan_types, top_level_types
    from modernizer.repo.lang.java import JAVA_TYPE

    decl = re.compile(r"(?P<br>[{}])|" + JAVA_TYPE.pattern)
    texts = [
        "class A { class B { } void f() { class C {} } }\ninterface D {}\n",
        "}} class A { } } } enum E { X; class F {} }\nrecord R(int x) { }\n",
        "class A { { { } } class B {} } } } class C {}",
        "{ class Hidden {} ",  # unclosed: nothing after it is top level
        "",
    ]
    for text in texts:
        assert top_level_types(text, JAVA_TYPE) == [n for _, n in scan_types(text, decl)], text
    assert top_level_types(texts[1], JAVA_TYPE) == ["A", "E", "R"]
    # and through the extractor: a type after a stray brace is still a member of its package
    a = sf(J + "A.java", "package com.acme;\n}\nclass A {}\nclass Extra { }\n")
    user = sf(J + "User.java", "package com.acme;\nclass User { Extra e; }\n")
    assert edges(a, user) == {(J + "User.java", J + "A.java", "reference")}


def test_java_duplicate_fqn_prefers_nearest_copy():
    a1 = sf("app1/src/com/acme/Util.java", "package com.acme;\npublic class Util {}\n")
    a2 = sf("app2/src/com/acme/Util.java", "package com.acme;\npublic class Util {}\n")
    m = sf("app2/src/com/acme/web/Main.java", "package com.acme.web;\nimport com.acme.Util;\nclass Main {}\n")
    assert edges(a1, a2, m) == {("app2/src/com/acme/web/Main.java", "app2/src/com/acme/Util.java", "import")}


# ----------------------------------------------------------------------------- JSP


W = "src/main/webapp/"


def _jsp_fixture():
    bean = sf(J + "web/UserBean.java", "package com.acme.web;\npublic class UserBean {}\n")
    dao = sf(J + "dao/UserDao.java", "package com.acme.dao;\npublic class UserDao {}\n")
    header = sf(W + "common/header.jsp", "<html><body>\n")
    footer = sf(W + "WEB-INF/jspf/footer.jspf", "</body></html>\n")
    error = sf(W + "error.jsp", "<%@ page isErrorPage=\"true\" %>")
    page = sf(W + "common/users.jsp", (
        '<%@ page import="com.acme.dao.UserDao, java.util.List" errorPage="/error.jsp" %>\n'
        '<%@ include file="header.jsp" %>\n'
        '<%@ include file="/WEB-INF/jspf/footer.jspf" %>\n'
        '<jsp:useBean id="u" class="com.acme.web.UserBean" scope="session"/>\n'
        '<jsp:include page="missing.jsp"/>\n'
        '<% UserDao d = new UserDao(); %>\n'
    ))
    return bean, dao, header, footer, error, page


def test_jsp_page_import_include_and_usebean():
    assert edges(*_jsp_fixture()) == {
        (W + "common/users.jsp", J + "dao/UserDao.java", "import"),
        (W + "common/users.jsp", W + "common/header.jsp", "include"),
        (W + "common/users.jsp", W + "WEB-INF/jspf/footer.jspf", "include"),
        (W + "common/users.jsp", J + "web/UserBean.java", "use"),
        (W + "common/users.jsp", W + "error.jsp", "reference"),
    }


def test_jsp_forward_include_action_wildcard_and_taglib():
    model = sf(J + "model/Room.java", "package com.acme.model;\npublic class Room {}\n")
    other = sf(J + "model/Unused.java", "package com.acme.model;\npublic class Unused {}\n")
    tld = sf(W + "WEB-INF/tlds/acme.tld", "<taglib><uri>http://acme.com/tags</uri><tag><tag-class>com.acme.model.Room</tag-class></tag></taglib>")
    tagfile = sf(W + "WEB-INF/tags/box.tag", "<%@ tag body-content=\"scriptless\" %><div/>")
    target = sf(W + "done.jsp", "ok")
    menu = sf(W + "menu.jsp", "menu")
    page = sf(W + "index.jsp", (
        '<%@ page import="com.acme.model.*" %>\n'
        '<%@ taglib uri="http://acme.com/tags" prefix="a" %>\n'
        '<%@ taglib tagdir="/WEB-INF/tags" prefix="t" %>\n'
        '<%@ taglib uri="http://java.sun.com/jsp/jstl/core" prefix="c" %>\n'
        '<t:box/>\n<jsp:include page="/menu.jsp" flush="true"/>\n'
        '<% Room r = null; if (r == null) { %><jsp:forward page="done.jsp?x=1"/><% } %>\n'
        '<jsp:include page="<%= dynamic %>"/>\n'
    ))
    assert edges(model, other, tld, tagfile, target, menu, page) == {
        (W + "index.jsp", J + "model/Room.java", "import"),
        (W + "index.jsp", W + "WEB-INF/tlds/acme.tld", "use"),
        (W + "index.jsp", W + "WEB-INF/tags/box.tag", "use"),
        (W + "index.jsp", W + "menu.jsp", "include"),
        (W + "index.jsp", W + "done.jsp", "include"),
        (W + "WEB-INF/tlds/acme.tld", J + "model/Room.java", "config"),
    }


def test_jsp_without_webapp_root_resolves_relative_to_its_directory():
    inc = sf("pages/inc/top.jsp", "top")
    page = sf("pages/a.jsp", '<%@ include file="/inc/top.jsp" %><%@ include file="inc/top.jsp" %>')
    assert edges(inc, page) == {("pages/a.jsp", "pages/inc/top.jsp", "include")}


# ----------------------------------------------------------------------------- XML


def test_struts_config_action_type_and_forward_path():
    action = sf(J + "web/LoginAction.java", "package com.acme.web;\npublic class LoginAction {}\n")
    form = sf(J + "web/LoginForm.java", "package com.acme.web;\npublic class LoginForm {}\n")
    jsp = sf(W + "pages/login.jsp", "<form/>")
    tiles = sf(W + "WEB-INF/tiles-defs.xml", "<tiles-definitions/>")
    struts = sf(W + "WEB-INF/struts-config.xml", (
        '<?xml version="1.0"?>\n'
        '<!DOCTYPE struts-config PUBLIC "-//Apache//DTD Struts 1.3//EN" "http://struts.apache.org/dtds/struts-config_1_3.dtd">\n'
        "<struts-config>\n"
        '  <form-beans><form-bean name="loginForm" type="com.acme.web.LoginForm"/></form-beans>\n'
        '  <action-mappings>\n'
        '    <action path="/login" type="com.acme.web.LoginAction" name="loginForm" input="/pages/login.jsp">\n'
        '      <forward name="success" path="/pages/missing.jsp"/>\n'
        "    </action>\n"
        "  </action-mappings>\n"
        '  <!-- <action path="/old" type="com.acme.web.OldAction"/> -->\n'
        '  <plug-in className="org.apache.struts.tiles.TilesPlugin"><set-property property="definitions-config" value="/WEB-INF/tiles-defs.xml"/></plug-in>\n'
        "</struts-config>\n"
    ))
    s = W + "WEB-INF/struts-config.xml"
    assert edges(action, form, jsp, tiles, struts) == {
        (s, J + "web/LoginAction.java", "config"),
        (s, J + "web/LoginForm.java", "config"),
        (s, W + "pages/login.jsp", "config"),
        (s, W + "WEB-INF/tiles-defs.xml", "config"),
    }


def test_web_xml_servlet_class_and_welcome_file():
    servlet = sf(J + "web/FrontServlet.java", "package com.acme.web;\npublic class FrontServlet {}\n")
    index = sf(W + "index.jsp", "hi")
    web = sf(W + "WEB-INF/web.xml", (
        "<web-app><servlet><servlet-name>f</servlet-name>\n"
        "<servlet-class>\n  com.acme.web.FrontServlet\n</servlet-class></servlet>\n"
        "<welcome-file-list><welcome-file>index.jsp</welcome-file></welcome-file-list></web-app>\n"
    ))
    assert edges(servlet, index, web) == {
        (W + "WEB-INF/web.xml", J + "web/FrontServlet.java", "config"),
        (W + "WEB-INF/web.xml", W + "index.jsp", "config"),
    }


def test_spring_classpath_import_and_bean_class():
    dao = sf("src/main/java/com/acme/dao/JdbcDao.java", "package com.acme.dao;\npublic class JdbcDao {}\n")
    other = sf("src/main/resources/spring/dao.xml", "<beans/>")
    ctx = sf("src/main/resources/applicationContext.xml", '<beans><import resource="classpath:spring/dao.xml"/><bean id="d" class="com.acme.dao.JdbcDao"/></beans>')
    assert edges(dao, other, ctx) == {
        ("src/main/resources/applicationContext.xml", "src/main/resources/spring/dao.xml", "config"),
        ("src/main/resources/applicationContext.xml", "src/main/java/com/acme/dao/JdbcDao.java", "config"),
    }


# ----------------------------------------------------------------------------- Python


def test_python_absolute_relative_and_package_init():
    files = [
        sf("src/shop/__init__.py", "from .models import Item\n"),
        sf("src/shop/models.py", "import os\nclass Item: ...\n"),
        sf("src/shop/db/__init__.py", ""),
        sf("src/shop/db/session.py", "from .. import models\nfrom ..models import Item\n"),
        sf("src/shop/api.py", (
            "import shop.db.session as s\n"
            "from shop import models, missing_name\n"
            "from shop.db import session\n"
            "import requests, numpy as np\n"
            "# import shop.models\n"
            '"""\nimport shop.db\n"""\n'
            "from . import (\n    db,  # the package\n)\n"
        )),
        sf("tests/test_api.py", "from shop.api import handler\nimport shop\n"),
    ]
    assert edges(*files) == {
        ("src/shop/__init__.py", "src/shop/models.py", "import"),
        ("src/shop/db/session.py", "src/shop/models.py", "import"),
        ("src/shop/api.py", "src/shop/db/session.py", "import"),
        ("src/shop/api.py", "src/shop/models.py", "import"),
        ("src/shop/api.py", "src/shop/db/__init__.py", "import"),
        ("tests/test_api.py", "src/shop/api.py", "import"),
        ("tests/test_api.py", "src/shop/__init__.py", "import"),
    }


def test_python_sibling_script_and_name_import_falls_back_to_module():
    files = [
        sf("scripts/helpers.py", "def f(): ...\n"),
        sf("scripts/run.py", "import helpers\nfrom helpers import f\n"),
        sf("app/core.py", "X = 1\n"),
        sf("app/main.py", "from app.core import X\n"),
    ]
    assert edges(*files) == {
        ("scripts/run.py", "scripts/helpers.py", "import"),
        ("app/main.py", "app/core.py", "import"),
    }


# ----------------------------------------------------------------------------- JavaScript / TypeScript


def test_js_relative_require_import_and_index_resolution():
    files = [
        sf("web/js/app.js", (
            "import React from 'react';\n"
            "import { a } from './lib/a';\n"
            "import './styles/init';\n"
            "const util = require('../shared/util');\n"
            "export * from './widgets';\n"
            "const lazy = () => import('./lazy.mjs');\n"
            "// import x from './commented';\n"
            "/* require('./also-commented') */\n"
            "const missing = require('./nope');\n"
        )),
        sf("web/js/lib/a.ts", "export const a = 1;\n"),
        sf("web/js/styles/init.jsx", ""),
        sf("web/shared/util.cjs", "module.exports = {};\n"),
        sf("web/js/widgets/index.tsx", "export {};\n"),
        sf("web/js/lazy.mjs", ""),
        sf("web/js/commented.js", ""),
        sf("web/js/also-commented.js", ""),
    ]
    assert edges(*files) == {
        ("web/js/app.js", "web/js/lib/a.ts", "import"),
        ("web/js/app.js", "web/js/styles/init.jsx", "import"),
        ("web/js/app.js", "web/shared/util.cjs", "import"),
        ("web/js/app.js", "web/js/widgets/index.tsx", "import"),
        ("web/js/app.js", "web/js/lazy.mjs", "import"),
    }


def test_ts_esm_js_extension_maps_to_ts_source():
    files = [sf("src/a.ts", "import { b } from './b.js';\nexport type { T } from \"./types\";\n"), sf("src/b.ts", ""), sf("src/types.ts", "")]
    assert edges(*files) == {("src/a.ts", "src/b.ts", "import"), ("src/a.ts", "src/types.ts", "import")}


# ----------------------------------------------------------------------------- PHP


def test_php_includes_in_all_spellings():
    files = [
        sf("site/index.php", (
            "<html><p>Don't stop</p>\n<?php\n"
            "include 'lib/a.php';\n"
            "require_once(\"lib/b.php\");\n"
            "require __DIR__ . '/lib/c.php';\n"
            "include_once dirname(__FILE__) . '/lib/d.php';\n"
            "require_once dirname(__DIR__) . '/config.php';\n"
            "require_once APP_ROOT . '/site/lib/e.php';\n"
            "// include 'lib/commented.php';\n"
            "# require 'lib/commented.php';\n"
            "$require = 'lib/commented.php';\n"
            "include 'vendor/autoload.php';\n"
            "?>\n</html>\n"
        )),
        sf("site/lib/a.php", "<?php include 'b.php'; ?>"),
        sf("site/lib/b.php", "<?php\n"),
        sf("site/lib/c.php", "<?php\n"),
        sf("site/lib/d.php", "<?php\n"),
        sf("site/lib/e.php", "<?php\n"),
        sf("site/lib/commented.php", "<?php\n"),
        sf("config.php", "<?php\n"),
    ]
    assert edges(*files) == {
        ("site/index.php", "site/lib/a.php", "include"),
        ("site/index.php", "site/lib/b.php", "include"),
        ("site/index.php", "site/lib/c.php", "include"),
        ("site/index.php", "site/lib/d.php", "include"),
        ("site/index.php", "config.php", "include"),
        ("site/index.php", "site/lib/e.php", "include"),
        ("site/lib/a.php", "site/lib/b.php", "include"),
    }


def test_php_namespace_use_group_use_and_same_namespace():
    files = [
        sf("src/Models/User.php", "<?php\nnamespace App\\Models;\n\nclass User { use HasName; }\n"),
        sf("src/Models/HasName.php", "<?php\nnamespace App\\Models;\ntrait HasName {}\n"),
        sf("src/Models/Order.php", "<?php\nnamespace App\\Models;\nclass Order { public function owner(): User {} }\n"),
        sf("src/Http/Controller.php", (
            "<?php\nnamespace App\\Http;\n\n"
            "use App\\Models\\User;\n"
            "use App\\Models\\{Order as O};\n"
            "use Symfony\\Component\\HttpFoundation\\Request;\n"
            "class Controller { function f() { return \\App\\Models\\HasName::class; } }\n"
        )),
    ]
    assert edges(*files) == {
        ("src/Models/User.php", "src/Models/HasName.php", "use"),
        ("src/Models/Order.php", "src/Models/User.php", "reference"),
        ("src/Http/Controller.php", "src/Models/User.php", "use"),
        ("src/Http/Controller.php", "src/Models/Order.php", "use"),
        ("src/Http/Controller.php", "src/Models/HasName.php", "reference"),
    }


# ----------------------------------------------------------------------------- C#


def test_csharp_using_namespace_and_file_scoped_namespace():
    files = [
        sf("Data/Repo.cs", "namespace Acme.Data\n{\n    public class Repo {}\n    public interface IUnit {}\n}\n"),
        sf("Data/Unused.cs", "namespace Acme.Data;\npublic record Unused(int X);\n"),
        sf("Core/Money.cs", "namespace Acme.Core;\npublic readonly struct Money {}\n"),
        sf("Core/Price.cs", "namespace Acme.Core.Pricing;\npublic class Price { Money m; }\n"),
        sf("Web/Controller.cs", (
            "using System;\nusing Acme.Data;\nusing static Acme.Core.Money;\n"
            "// using Acme.Secret;\n"
            "namespace Acme.Web {\n  class Controller {\n    Repo r;\n    string s = \"IUnit\";\n"
            "    void F() { using (var x = new Repo()) {} }\n  }\n}\n"
        )),
    ]
    assert edges(*files) == {
        ("Web/Controller.cs", "Data/Repo.cs", "use"),
        ("Web/Controller.cs", "Core/Money.cs", "use"),
        ("Core/Price.cs", "Core/Money.cs", "reference"),  # enclosing namespace needs no using
    }


def test_csharp_partial_class_files_do_not_reference_each_other():
    files = [
        sf("A.cs", "namespace N { public partial class Big { Helper h; } }\n"),
        sf("A.Designer.cs", "namespace N { partial class Big {} }\n"),
        sf("Helper.cs", "namespace N { class Helper {} }\n"),
    ]
    assert edges(*files) == {("A.cs", "Helper.cs", "reference")}


# ----------------------------------------------------------------------------- others


def test_sql_and_c_includes():
    files = [
        sf("db/install.sql", "@@tables.sql\n@views\n\\i procs/p.sql\nSELECT 1 FROM dual;\n"),
        sf("db/tables.sql", "create table t(x int);\n"),
        sf("db/views.sql", ""),
        sf("db/procs/p.sql", ""),
        sf("c/main.c", '#include <stdio.h>\n#include "util.h"\n// #include "gone.h"\n'),
        sf("c/util.h", ""),
        sf("c/gone.h", ""),
    ]
    assert edges(*files) == {
        ("db/install.sql", "db/tables.sql", "include"),
        ("db/install.sql", "db/views.sql", "include"),
        ("db/install.sql", "db/procs/p.sql", "include"),
        ("c/main.c", "c/util.h", "include"),
    }


def test_unresolvable_imports_are_dropped():
    files = [
        sf("A.java", "import java.util.List;\nimport javax.servlet.http.*;\nclass A {}\n"),
        sf("a.py", "import os, sys\nfrom django.db import models\nfrom . import nothing\n"),
        sf("a.js", "const x = require('express'); import y from './nope';\n"),
        sf("a.php", "<?php use Vendor\\Lib\\Thing; include 'nope.php';\n"),
        sf("A.cs", "using System.Linq;\nclass A {}\n"),
        sf("a.jsp", '<%@ page import="java.util.*" %><%@ include file="nope.jsp" %>'),
        sf("a.xml", "<bean class=\"org.springframework.Foo\"/>"),
    ]
    assert edges(*files) == set()


@pytest.mark.parametrize("language", ["java", "jsp", "xml", "python", "javascript", "typescript", "php", "csharp", "sql", "c", "aspnet", "properties", "other"])
def test_garbage_and_binary_text_is_total(language):
    junk = "".join(chr(i) for i in range(0, 0x2FF)) * 20
    weird = [
        junk,
        "\x00\x01\xff" * 1000,
        '/* unterminated "\'`' + "{" * 500 + "import a.b.C;",
        '"""' + "from . import x\n" * 10,
        "<?php include " + "'" * 1001,
        "<%@ page import=\"" + "a." * 5000,
        "package ;\nimport .;\nimport static ;\nclass {",
        "namespace { using ; class }}}}",
        "",
    ]
    files = [sf(f"x{i}.bin", t, language) for i, t in enumerate(weird)]
    assert dependency_edges(files) == []


def test_a_large_repo_gets_an_import_edge_per_file():
    """120K lines of Java in 2,000 files: every file's import of the next package is found. How long
    extraction takes is a bench figure (bench/bench_graph.py, bench/bench_ingest.py), not a test's:
    a timed test fails on a busy machine and says nothing about behaviour."""
    files = []
    n_pkgs, per_pkg = 40, 50
    for p in range(n_pkgs):
        for c in range(per_pkg):
            body = "\n".join(f"    int f{k}() {{ return C{p}_{(c + k) % per_pkg}.x + {k}; }} // C{(p + 1) % n_pkgs}_{k}" for k in range(60))
            text = (
                f"package com.big.p{p};\n\nimport com.big.p{(p + 1) % n_pkgs}.C{(p + 1) % n_pkgs}_{c};\nimport java.util.*;\n\n"
                f"public class C{p}_{c} {{\n    static int x;\n{body}\n}}\n"
            )
            files.append(sf(f"src/com/big/p{p}/C{p}_{c}.java", text))
    assert sum(f.lines for f in files) > 120_000
    out = dependency_edges(files)
    assert len(out) > n_pkgs * per_pkg
    targets = {(e.source, e.target) for e in out}
    assert ("src/com/big/p0/C0_7.java", "src/com/big/p1/C1_7.java") in targets
    assert ("src/com/big/p39/C39_0.java", "src/com/big/p0/C0_0.java") in targets


# ----------------------------------------------------------------------------- registry, and what legacy trees taught


def test_the_include_path_a_php_tree_sets_resolves_its_includes():
    boot = sf("www/bootstrap.php", "<?php\nset_include_path(get_include_path() . PATH_SEPARATOR . dirname(__FILE__) . '/lib');\n"
                                   "ini_set('include_path', '.:/usr/share/php:/var/www/shop/includes');\n"
                                   "// set_include_path('nowhere');\n")
    page = sf("www/pages/index.php", "<?php\nrequire_once 'Db.php';\ninclude 'config.inc.php';\nrequire 'User.class.php';\n"
                                     "include 'Missing.php';\n")
    ht = sf("www/.htaccess", 'php_value include_path ".:./classes"\n', language="other")
    db, conf, user = sf("www/lib/Db.php", "<?php class Db {}\n"), sf("shop/includes/config.inc.php", "<?php\n"), \
        sf("www/classes/User.class.php", "<?php class User {}\n")
    got = pairs(boot, page, ht, db, conf, user)
    assert {("www/pages/index.php", "www/lib/Db.php"), ("www/pages/index.php", "shop/includes/config.inc.php"),
            ("www/pages/index.php", "www/classes/User.class.php")} <= got


def test_php_in_files_with_other_extensions_and_clearsilver_templates_named_cs_are_told_by_content():
    from modernizer.repo.lang import detect

    assert detect("lang/en.txt", "<?php\n$lang['hello'] = 'Hello';\n") == "php"
    assert detect("lang/en.txt", "Hello\n") == "text"
    assert detect("templates/page.cs", "<html><?cs var:title ?><?cs each:item = items ?>x<?cs /each ?></html>") == "clearsilver"
    assert detect("src/Page.cs", "namespace Shop { class Page { } }\n") == "csharp"
    # and an included .txt PHP file becomes a dependency edge of the PHP that includes it
    main = sf("index.php", "<?php\ninclude 'lang/en.txt';\n")
    lang = sf("lang/en.txt", "<?php\n$x = 1;\n", language=detect("lang/en.txt", "<?php\n$x = 1;\n"))
    assert ("index.php", "lang/en.txt") in pairs(main, lang)


def test_imports_inside_a_function_are_deferred_and_make_no_import_time_cycle():
    from modernizer.repo.graph import build_graph_facts

    a = sf("pkg/a.py", "import pkg.b\n\ndef late():\n    import pkg.c\n    return pkg.c\n")
    b = sf("pkg/b.py", "x = 1\n")
    c = sf("pkg/c.py", "import pkg.a\n\nclass K:\n    def m(self):\n        from pkg import b\n")
    init = sf("pkg/__init__.py", "")
    assert edges(a, b, c, init) >= {("pkg/a.py", "pkg/b.py", "import"), ("pkg/a.py", "pkg/c.py", "deferred"),
                                    ("pkg/c.py", "pkg/a.py", "import"), ("pkg/c.py", "pkg/b.py", "deferred")}
    facts = build_graph_facts([a, b, c, init])
    assert facts.files.cycles == []  # a -> c is deferred: a and c do not import each other at load time
    assert facts.files.edges == 4  # but the dependency counts for fan-in and centrality
    eager = sf("pkg/a.py", "import pkg.b\nimport pkg.c\n")
    assert build_graph_facts([eager, b, c, init]).files.cycles == [["pkg/a.py", "pkg/c.py"]]
