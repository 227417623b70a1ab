"""What each file is to the application: its role. Tokens are for the application's own code.

On real legacy trees a quarter to two thirds of the tokens a run sent were not the application:
gettext catalogs and translation tables, README translations, third-party libraries in folders
not named ``vendor``, test data, generated docs. So every file gets one role, from its path, its
name and (for third-party code) its content:

    source, template, config, build, schema          analysed by default
    test, testdata, docs, translation, thirdparty,   set aside: listed in the report with their
    generated                                        files, lines and tokens, never sent

``--include-role`` analyses a set-aside role too. Pure functions of a path and a text; the order
of the checks below is the order of precedence (a test's fixture is test data, not a schema).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Literal

Role = Literal["source", "template", "config", "build", "schema", "test", "testdata", "docs", "translation",
               "thirdparty", "generated"]
ROLES: tuple[str, ...] = ("source", "template", "config", "build", "schema", "test", "testdata", "docs", "translation",
                          "thirdparty", "generated")
ANALYSED: frozenset[str] = frozenset({"source", "template", "config", "build", "schema"})

# -- third-party code under any folder name ---------------------------------------------------
_THIRDPARTY_DIRS = frozenset({"vendor", "vendors", "third_party", "thirdparty", "third-party", "external", "externals",
                              "bower_components", "node_modules", "jspm_packages", "extlib", "ext-lib", "contrib-libs"})
_LIB_DIRS = frozenset({"lib", "libs", "library", "libraries", "js/lib", "scripts/lib", "static/lib", "assets/lib", "plugins"})
_KNOWN_LIBS = re.compile(
    r"(?:^|[/_.-])(?:jquery|dojo|dijit|dojox|prototype|scriptaculous|yui|ext-all|extjs|mootools|bootstrap|angular|"
    r"backbone|underscore|lodash|moment|tinymce|ckeditor|fckeditor|codemirror|ace|d3|highcharts|chart|raphael|"
    r"modernizr|require|handlebars|mustache|knockout|select2|datatables|swfobject|html5shiv|respond|json2|sizzle|"
    r"phpmailer|smarty|adodb|pear|zend|ezcomponents|fpdf|tcpdf|htmlpurifier|simplepie|geshi|log4j|commons-)"
    r"(?:[/_.-]|$)", re.I)
# banners of libraries: a file that opens by naming a known library and its version is that library.
# (Not licence headers in general: an Apache project's own files, or a company's, all carry one.)
# (Two steps, not one pattern: a single regex that let "the opening comment, up to eight lines,
# then a name" backtrack over every file's head cost more than half of a cold ingest of Tomcat.)
_BANNER_OPEN = re.compile(r"\A(?:\ufeff)?\s*(?:/\*|//|#|<\?php\s*/\*)")
_LIB_NAME_VERSION = re.compile(
    r"\b(?:jQuery(?: UI)?|Dojo Toolkit|Prototype JavaScript framework|script\.aculo\.us|YUI|Ext JS|MooTools|Bootstrap|"
    r"AngularJS|Backbone\.js|Underscore\.js|Lodash|Moment\.js|TinyMCE|CKEditor|FCKeditor|CodeMirror|Modernizr|"
    r"RequireJS|Handlebars|Knockout|Select2|DataTables|SWFObject|PHPMailer|Smarty|ADOdb|HTML Purifier|FPDF|TCPDF|"
    r"SimplePie|GeSHi)\b[^\n]{0,40}?\b[vV]?\d+\.\d+", re.I)


_LIB_NAMES = ("jquery", "dojo", "prototype", "script.aculo", "yui", "ext js", "mootools", "bootstrap", "angularjs", "backbone",
              "underscore", "lodash", "moment", "tinymce", "ckeditor", "fckeditor", "codemirror", "modernizr", "requirejs",
              "handlebars", "knockout", "select2", "datatables", "swfobject", "phpmailer", "smarty", "adodb", "html purifier",
              "fpdf", "tcpdf", "simplepie", "geshi")


def has_library_banner(head: str) -> bool:
    """Whether a file opens with a comment that, within its first ten lines, names a known library
    and a version (``/*! jQuery v1.4.2``, ``Dojo Toolkit 1.3.2``)."""
    m = _BANNER_OPEN.match(head)
    if m is None:
        return False
    block = "\n".join(head[m.start():m.start() + 1500].split("\n", 10)[:10])
    low = block.lower()
    if not any(name in low for name in _LIB_NAMES):  # plain substring tests first: most heads name no library
        return False
    return _LIB_NAME_VERSION.search(block) is not None


# minified-library licence comments (/*! ... @license ... */) only count in JavaScript and CSS
_JS_LICENSE = re.compile(r"\A(?:\ufeff)?\s*/\*[!*][\s\S]{0,400}?@(?:license|preserve)\b")


# -- translations --------------------------------------------------------------------------------
_LOCALE_DIRS = frozenset({"locale", "locales", "i18n", "l10n", "lang", "langs", "languages", "translations", "nls"})
_TRANSLATION_EXT = (".po", ".pot", ".mo", ".xlf", ".xliff", ".resx", ".resw", ".ts", ".qm", ".strings", ".arb")
_LOCALE_NAME = re.compile(r"[_.-](?:[a-z]{2}(?:[_-][A-Z]{2})?|[a-z]{2}[_-][a-z]{2})\.(?:properties|json|ya?ml|xml|js|php|ini|resx)$")
_LOCALE_DIR_NAME = re.compile(r"^(?:[a-z]{2}(?:[_-][A-Za-z]{2,4})?)$")

# -- tests ----------------------------------------------------------------------------------------
TEST_DIRS = frozenset({"test", "tests", "testing", "__tests__", "spec", "specs", "testsuite", "unittest", "unittests",
                        "integration-tests", "it", "e2e", "cypress", "selenium"})
_TEST_NAME = re.compile(r"(?:^test_.*\.py$|_tests?\.py$|^tests?\.py$|(?:Test|Tests|IT|TestCase)\.(?:java|cs|kt|scala|groovy)$|"
                        r"^Test[A-Z]\w*\.(?:java|cs)$|\.(?:spec|test)\.[jt]sx?$|_spec\.rb$|_test\.(?:go|rb|php)$|Test\.php$)")
_TESTDATA_DIRS = frozenset({"fixtures", "fixture", "testdata", "test_data", "test-data", "__fixtures__", "__snapshots__",
                            "snapshots", "resources", "data", "samples", "golden", "expected", "mocks", "stubs"})
_DATA_EXT = (".json", ".xml", ".csv", ".tsv", ".txt", ".yaml", ".yml", ".sql", ".html", ".dat", ".log", ".eml", ".ldif")

# -- documentation --------------------------------------------------------------------------------
_DOC_DIRS = frozenset({"doc", "docs", "documentation", "manual", "man", "javadoc", "apidocs", "api-docs", "site", "wiki"})
_DOC_EXT = (".md", ".markdown", ".rst", ".txt", ".adoc", ".asciidoc", ".textile", ".rtf", ".tex", ".org", ".pod")
_DOC_NAME = re.compile(r"^(?:README|CHANGELOG|CHANGES|HISTORY|NEWS|AUTHORS|CONTRIBUTORS|CONTRIBUTING|LICEN[CS]E|COPYING|"
                       r"NOTICE|INSTALL|UPGRADE|TODO|FAQ|CODE_OF_CONDUCT|SECURITY)(?:[._-].*)?$", re.I)

# -- generated ----------------------------------------------------------------------------------
_GENERATED_NAME = re.compile(r"(?:_pb2(?:_grpc)?\.py$|\.pb\.go$|\.g\.cs$|\.designer\.cs$|\.generated\.\w+$|^R\.java$|"
                             r"\.min\.(?:js|css)$|-min\.js$|\.bundle\.js$|\.map$)", re.I)
_GENERATED_DIRS = frozenset({"generated", "gen", "generated-sources", "generated-src", "autogen", "_build", "htmlcov"})

# -- build, schema, config, templates -----------------------------------------------------------
_BUILD_NAMES = frozenset({"pom.xml", "build.xml", "build.gradle", "build.gradle.kts", "settings.gradle", "gradle.properties",
                          "makefile", "gnumakefile", "cmakelists.txt", "configure.ac", "package.json", "setup.py", "setup.cfg",
                          "pyproject.toml", "requirements.txt", "pipfile", "composer.json", "gemfile", "rakefile", "dockerfile",
                          "docker-compose.yml", "docker-compose.yaml", "jenkinsfile", "build.sbt", "ivy.xml", "project.clj",
                          "gruntfile.js", "gulpfile.js", "webpack.config.js", "tsconfig.json", "babel.config.js", ".travis.yml",
                          "tox.ini", "noxfile.py", "manage.py", "build.properties", "cargo.toml", "go.mod", "mix.exs"})
_BUILD_EXT = (".csproj", ".vbproj", ".sln", ".gradle", ".mk", ".cmake", ".bazel", ".bzl", ".nuspec", ".podspec", ".gemspec")
_SCHEMA_DIRS = frozenset({"migrations", "migration", "migrate", "db", "database", "schema", "schemas", "sql", "ddl",
                          "flyway", "liquibase", "changelog", "changelogs", "alembic", "evolutions"})
_SCHEMA_EXT = (".sql", ".ddl", ".pls", ".pks", ".pkb", ".prc", ".fnc", ".trg", ".vw", ".tab")
_CONFIG_EXT = (".properties", ".yml", ".yaml", ".ini", ".cfg", ".conf", ".config", ".toml", ".env", ".htaccess", ".xml")
_CONFIG_NAMES = frozenset({"web.xml", "struts-config.xml", "struts.xml", "applicationcontext.xml", "faces-config.xml",
                           "persistence.xml", "hibernate.cfg.xml", "log4j.xml", "logback.xml", "web.config", "app.config",
                           ".htaccess", "php.ini", "nginx.conf", "httpd.conf", "tiles-defs.xml", "validation.xml",
                           "context.xml", "server.xml", "settings.xml", "beans.xml"})
_TEMPLATE_EXT = (".jsp", ".jspf", ".jspx", ".tag", ".tagx", ".vm", ".ftl", ".erb", ".twig", ".tpl", ".cshtml", ".vbhtml",
                 ".aspx", ".ascx", ".master", ".mustache", ".hbs", ".handlebars", ".jinja", ".jinja2", ".j2", ".phtml",
                 ".haml", ".slim", ".ejs", ".pug", ".jade", ".xhtml", ".html", ".htm", ".xsl", ".xslt", ".gsp", ".cfm")
_TEMPLATE_DIRS = frozenset({"templates", "template", "views", "view", "layouts", "pages", "partials", "webapp", "webcontent", "web-inf"})


def role_of(path: str, text: str = "", language: str = "") -> str:
    """The role of the file at ``path`` (repository-relative, POSIX), from its path, name and text."""
    parts = path.split("/")
    dirs = [d.lower() for d in parts[:-1]]
    name = parts[-1]
    low = name.lower()
    ext = "." + low.rsplit(".", 1)[-1] if "." in low else ""
    dirset = set(dirs)

    if dirset & _GENERATED_DIRS or _GENERATED_NAME.search(name):
        return "generated"
    if _is_thirdparty(path, dirs, text):
        return "thirdparty"
    if ext in _TRANSLATION_EXT and (ext != ".ts" or "<TS" in text[:300]) or _is_translation(dirs, low):
        return "translation"
    # "test" is decided from content: a path only makes a file a suspect. src/test/ (Maven and
    # Gradle compile it for tests only) and Go's _test.go are runners' conventions, so they count;
    # a TestInstallUtil.java, a JSP under webapp/test/ or a login_cookie_test.php that imports no
    # test framework and asserts nothing is application code. (treeroles.py adds the helpers of a
    # test folder whose other files are tests.) src/testcases/ is not a test tree either.
    by_runner = re.search(r"(?:^|/)src/test/", path.lower()) is not None or low.endswith("_test.go")
    in_tests = bool(dirset & TEST_DIRS) or by_runner
    if in_tests and (dirset & _TESTDATA_DIRS or (ext in _DATA_EXT and language not in ("python", "java", "javascript", "typescript", "php", "csharp"))):
        return "testdata"
    if (in_tests or _TEST_NAME.search(name)) and (by_runner or is_test_code(text, language, ext)):
        return "test"
    if dirset & {"fixtures", "fixture", "testdata", "test_data", "__fixtures__"}:
        return "testdata"
    if _DOC_NAME.match(name) and ext in ("", *_DOC_EXT) or (dirset & _DOC_DIRS and ext not in (".py", ".java", ".php", ".js")):
        return "docs"
    if ext in _DOC_EXT and low not in ("requirements.txt", "cmakelists.txt", "robots.txt"):
        return "docs"
    if low in _BUILD_NAMES or ext in _BUILD_EXT or low.startswith("requirements") and ext == ".txt" or (".github" in dirset and ext in (".yml", ".yaml")):
        return "build"
    if ext in _SCHEMA_EXT or (dirset & _SCHEMA_DIRS and ext in (".sql", ".xml", ".yml", ".yaml", ".py", ".rb", ".php", ".java")
                              and any(d in ("migrations", "migration", "migrate", "flyway", "liquibase", "changelog", "alembic", "evolutions") for d in dirs)):
        return "schema"
    if language == "clearsilver" or ext in _TEMPLATE_EXT and (ext not in (".html", ".htm", ".xhtml", ".xsl", ".xslt")
                                                               or dirset & _TEMPLATE_DIRS or "<%" in text or "{%" in text or "${" in text):
        return "template"
    if low in _CONFIG_NAMES or ext in _CONFIG_EXT or name.startswith(".env"):
        return "config"
    return "source"


# what test code says about itself: a framework's import, its base class or annotation, its
# assertions, a runner's functions (describe/it). Per language family, on the file's first 8 KB.
_TEST_EVIDENCE = {
    "jvm": re.compile(r"^\s*import\s+(?:static\s+)?(?:org\.junit|junit\.|org\.testng|org\.mockito|org\.assertj|org\.hamcrest|"
                      r"org\.spockframework|org\.easymock|org\.jmock|org\.springframework\.test|io\.restassured)|"
                      r"@(?:Test|ParameterizedTest|RunWith|ExtendWith)\b|\bextends\s+(?:\w+\.)*(?:TestCase|Specification)\b", re.M),
    "python": re.compile(r"^\s*(?:import|from)\s+(?:unittest|pytest|nose2?|doctest|mock|hypothesis|twisted\.trial)\b|"
                         r"\bunittest\.TestCase\b|\(\s*(?:\w+\.)*\w*TestCase\s*\)|^\s*def\s+test\w*\s*\(|^\s*assert\b", re.M),
    "php": re.compile(r"PHPUnit|\bextends\s+\\?(?:\w+\\)*\w*(?:TestCase|UnitTestCase|WebTestCase)\b|\bSimpleTest\b|"
                      r"->assert[A-Z]\w*\s*\(|\bfunction\s+test[A-Z_]\w*\s*\(|\$I\s*=\s*new\s+\w+Tester\b"),
    "js": re.compile(r"^\s*(?:describe|it|test|suite|QUnit\.(?:test|module))\s*\(\s*['\"`]|"
                     r"(?:require\(|from\s+)['\"](?:chai|mocha|jest|vitest|sinon|assert|should|tape|ava|qunit|jasmine|"
                     r"@testing-library/[\w-]+|node:test|node:assert)['\"]|\bexpect\s*\([^)]*\)\s*\.\s*to(?:Be|Equal|Have|\.)", re.M),
    "ruby": re.compile(r"require\s+['\"](?:rspec|minitest|test/unit|spec_helper|rails_helper|test_helper)|"
                       r"\bRSpec\.describe\b|<\s*(?:Minitest::Test|Test::Unit::TestCase|ActiveSupport::TestCase)"),
    "dotnet": re.compile(r"^\s*using\s+(?:NUnit|Xunit|Microsoft\.VisualStudio\.TestTools|MSTest)|\[(?:TestMethod|Test|Fact|Theory|TestFixture)\]", re.M),
    "go": re.compile(r"\*testing\.[TBM]\b"),
}
_FAMILY = {"java": "jvm", "kotlin": "jvm", "groovy": "jvm", "scala": "jvm", "python": "python", "php": "php",
           "javascript": "js", "typescript": "js", "ruby": "ruby", "csharp": "dotnet", "vb": "dotnet", "go": "go"}
_FAMILY_EXT = {".java": "jvm", ".kt": "jvm", ".groovy": "jvm", ".scala": "jvm", ".py": "python", ".php": "php",
               ".js": "js", ".jsx": "js", ".ts": "js", ".tsx": "js", ".mjs": "js", ".cjs": "js", ".rb": "ruby",
               ".cs": "dotnet", ".vb": "dotnet", ".go": "go"}


def is_test_code(text: str, language: str = "", ext: str = "") -> bool:
    """Whether ``text`` reads as a test: a test framework's import, base class or annotation, its
    assertions or a runner's functions, in the file's language. A page or helper that merely has
    "test" in its path shows none of these."""
    family = _FAMILY.get(language) or _FAMILY_EXT.get(ext)
    if family is None or not text:
        return False
    return _TEST_EVIDENCE[family].search(text[:8192]) is not None


def _is_translation(dirs: list[str], low: str) -> bool:
    if _LOCALE_NAME.search(low) and not low.endswith(".js") or low.startswith(("messages_", "applicationresources_", "strings_")) and "_" in low:
        return True
    for i, d in enumerate(dirs):
        if d in _LOCALE_DIRS:
            rest = dirs[i + 1:]
            # locale/fr/..., lang/en.php, i18n/messages.json: what sits under a locale folder is text to translate
            if not rest or _LOCALE_DIR_NAME.match(rest[0]) or rest[0] in ("lc_messages",):
                return True
    return False


def _is_thirdparty(path: str, dirs: list[str], text: str) -> bool:
    if set(dirs) & _THIRDPARTY_DIRS:
        return True
    joined = "/".join(dirs)
    in_lib = any(d in _LIB_DIRS for d in dirs) or any(joined.endswith(x) or f"{x}/" in joined for x in _LIB_DIRS if "/" in x)
    if in_lib and _KNOWN_LIBS.search(path):
        return True
    if not text:
        return False
    head = text[:2000]
    return has_library_banner(head) or (path.lower().endswith((".js", ".css")) and bool(_JS_LICENSE.search(head)))


def summarise(files: Iterable) -> dict[str, tuple[int, int]]:  # SourceFiles with .role
    """role -> (files, lines)."""
    out: dict[str, list[int]] = {}
    for f in files:
        acc = out.setdefault(f.role, [0, 0])
        acc[0] += 1
        acc[1] += f.lines
    return {r: (v[0], v[1]) for r, v in out.items()}
