"""Roles that only the whole tree can tell: bundled libraries, fonts, icon sets, word lists, and
the helpers of a test folder.

``roles.role_of`` sees one file. A library copied into ``library/`` or ``include/pear/`` is mostly
files that say nothing about where they came from; what gives it away is the folder: a
``README.libs`` listing the libraries and their upstream versions, a licence and a package
manifest of its own (a project inside the project), a known library's layout (``dojo/``,
``tinymce/``, ``jquery-ui/``), or most of its files opening with a library's banner. Fonts and icon
sets (an SVG font, a folder of flag SVGs) and word lists (a spell checker's dictionary) are
another project's data. None of this is decided by size.

Tests, the other way round: ``role_of`` makes a file a test only when its content reads as one.
A helper in a test folder (``tests/utils.py``, a fixture factory) imports no framework itself; it
is a test when the test folder it sits in holds tests. A folder named ``test`` whose files hold no
test at all (a JSP page that sends mail under ``webapp/test/``) is application code.

Pure: file records in, ``{path: (role, why)}`` out for the files whose role changes.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from typing import Protocol

from modernizer.repo.roles import ANALYSED, TEST_DIRS, is_test_code


class FileLike(Protocol):
    path: str
    role: str
    text: str
    language: str


# a file in a folder that lists the libraries bundled there (MantisBT-style README.libs, a
# THIRD-PARTY file): the folder is the libraries
_LISTING = re.compile(r"^(?:README[._-](?:libs?|libraries|third[_-]?party|vendor(?:ed)?|external)|"
                      r"(?:third[_-]party|vendor(?:ed)?)[_-](?:libs?|libraries))(?:\.\w+)?$", re.I)
_LICENCE = re.compile(r"^(?:LICEN[CS]E|COPYING|COPYRIGHT|MIT-LICEN[CS]E|GPL|LGPL|UNLICEN[CS]E)(?:[._-]\w+)*$", re.I)
_MANIFEST = frozenset({"composer.json", "package.json", "bower.json", ".bower.json", "component.json", "setup.py",
                       "pyproject.toml", "package.xml", "build.xml", "pom.xml", "gemfile", "cargo.toml"})
_LICENCE_TEXT = re.compile(r"copyright|permission is hereby granted|licensed under|general public licen[cs]e|redistribution and use", re.I)
_DOC_DIRS = frozenset({"doc", "docs", "documentation", "manual", "man", "site", "wiki"})
_PROJECT_FILE = re.compile(r"^(?:README|CHANGELOG|CHANGES|HISTORY|NEWS|AUTHORS|VERSION)(?:[._-]\w+)*$", re.I)
# folder names that are a known library wherever they sit (not generic words: no "lib", "angular", "bootstrap")
_LIBRARY_DIR = re.compile(
    r"^(?:dojo|dijit|dojox|dojo(?:-release)?-\d[\w.-]*|yui\d?|yui-[\w.-]+|tinymce|tiny_mce|ckeditor\d?|fckeditor|jquery(?:[-_.][\w.-]+)?|"
    r"jqueryui|mootools(?:[-_][\w.-]+)?|scriptaculous|prototype-[\d.]+|extjs|ext-[\d.]+|codemirror|ace-builds|"
    r"pear|phpmailer|smarty(?:-[\d.]+)?|adodb\d*|htmlpurifier|simplepie|tcpdf|fpdf|mpdf|swiftmailer|jpgraph|pchart|geshi|"
    r"nusoap|magpierss|phpseclib|font-?awesome[\w.-]*|select2|datatables|highcharts|raphael|modernizr|"
    r"flag-icons?(?:-css)?|glyphicons|openlayers|leaflet|mathjax|pdfjs|pdf\.js|swfupload|plupload|jscalendar|"
    r"overlib|wz_tooltip|xinha|htmlarea|jsmin|markitup)$", re.I)
# the known libraries are web assets (JavaScript, CSS, fonts) or PHP: a folder of these languages
# named like one is the application's own code about it
_NOT_LIBRARY_LANGUAGES = frozenset({"java", "jsp", "xml", "csharp", "python", "kotlin", "scala", "groovy", "c", "cpp",
                                    "go", "ruby", "properties", "vbnet", "aspnet"})
_PLUGIN_HEADER = re.compile(r"\A\s*(?:/\*|//)[\s\S]*?(?:copyright|\(c\)|licen[cs]e|version|\bv\d|@author|\bby:|https?://)", re.I)
_JQUERY_FILE = re.compile(r"^jquery(?:[-.][\w.-]+)?\.js$", re.I)
# SVG fonts and icon sprites, and the folders such sets live in
_SVG_FONT = re.compile(r"<font[\s>]|<font-face[\s>]")
_ICON_DIRS = frozenset({"fonts", "font", "webfonts", "webfont", "icons", "icon", "iconset", "iconsets", "flags", "flag",
                        "glyphicons", "emoji", "emojis", "emoticons", "smileys", "smilies"})
# a word list: one word (optionally a hunspell /FLAGS) per line, many lines
# a folder of at least this many SVG images (nine in ten of its files) is an icon set, whatever
# its name: TeXstudio's symbols-ng/fontawesome5 (1,564 Font Awesome icons) and its LaTeX symbols
ICON_FOLDER_MIN = 20
_WORDLIST_EXT = (".dic", ".aff", ".dict", ".wordlist", ".words")
_WORD_LINE = re.compile(r"^[^\W\d_][\w'’-]*(?:/[\w,]+)?$")


def settle(files: Sequence[FileLike]) -> dict[str, tuple[str, str]]:
    """The files whose role the tree decides: ``{path: (role, why)}``."""
    out: dict[str, tuple[str, str]] = {}
    libs = library_folders(files)
    icons = icon_folders(files)
    for f in files:
        if f.role == "generated":
            continue
        why = _thirdparty_why(f, libs, icons)
        if why:  # also for a file role_of already called third party: the folder says why
            out[f.path] = ("thirdparty", why)
    out.update({p: v for p, v in test_helpers(files).items() if p not in out})
    return out


def library_folders(files: Sequence[FileLike]) -> dict[str, str]:
    """Folders (never the root) that are another project: ``{folder: why}``."""
    by_dir: dict[str, list[FileLike]] = defaultdict(list)
    for f in files:
        by_dir[f.path.rpartition("/")[0]].append(f)
    root_licence = next((_norm(f.text) for f in by_dir.get("", []) if _LICENCE.match(f.path)), None)
    # the same licence text in three folders or more is the project's own (a monorepo's packages)
    texts = Counter(_norm(f.text) for f in files if "/" in f.path and _LICENCE.match(f.path.rpartition("/")[2]))
    own = {t for t, n in texts.items() if n >= 3} | {root_licence}
    # the project's name where its root files say it twice (texstudio.qrc, texstudio.ico): a folder
    # that ships texstudio.desktop is the project's own packaging, whatever licence copy it holds
    root_stems = Counter(s for f in by_dir.get("", []) for s in _stems([f]))
    project_names = {s for s, n in root_stems.items() if n >= 2}
    found: dict[str, str] = {}
    for d, here in by_dir.items():
        if not d:
            continue
        names = {f.path.rpartition("/")[2]: f for f in here}
        listing = next((n for n in names if _LISTING.match(n)), None)
        if listing:
            found[d] = f"{d}/{listing} lists the libraries bundled there"
            continue
        licence = next((n for n in names if _LICENCE.match(n) and _LICENCE_TEXT.search(names[n].text[:3000])), None)
        if licence and _norm(names[licence].text) not in own and not set(d.lower().split("/")) & _DOC_DIRS:
            # a module of a multi-module build (a Maven or Ant module under the same licence) is the project's own
            marks = [n for n in names if n.lower() in _MANIFEST or _PROJECT_FILE.match(n)]
            if marks and not _stems(here) & project_names:
                found[d] = f"{d} is a project of its own: its own {licence} and {marks[0]}"
                continue
        # most of a folder's files open with a library's banner: the rest of it is that library too
        banners = sum(1 for f in here if f.role == "thirdparty")
        code = sum(1 for f in here if f.role in ANALYSED or f.role == "thirdparty")
        if banners >= 2 and banners * 2 >= code:
            found[d] = f"{banners} of the {code} files in {d} carry a library's banner"
    named = {d for f in files for d in _ancestors(f.path) if _LIBRARY_DIR.match(d.rpartition("/")[2])} - found.keys()
    foreign: Counter[str] = Counter()
    held: Counter[str] = Counter()
    for f in files:
        for d in _ancestors(f.path):
            if d in named:
                held[d] += 1
                foreign[d] += f.language in _NOT_LIBRARY_LANGUAGES
    for d in named:
        # a folder named like a library that holds mostly Java (or XML docs) is the application's own
        # package about that library: Tapestry's org/apache/tapestry/dojo/ (its Dojo widgets in Java)
        if foreign[d] * 2 < held[d]:
            found[d] = f"{d} is the layout of a known library ({d.rpartition('/')[2]})"
    # a folder inside a library folder is that library; keep the outermost
    return {d: why for d, why in found.items() if not any(a in found for a in _ancestors(d + "/x") if a != d)}


def icon_folders(files: Sequence[FileLike]) -> set[str]:
    """Folders of SVG images, at least ``ICON_FOLDER_MIN`` of them and nine in ten of the files read
    there (a licence or an index may sit beside them): a set of icons or symbols, images and never
    code, whatever the folder is called."""
    svgs: Counter[str] = Counter()
    others: Counter[str] = Counter()
    for f in files:
        folder, _, name = f.path.rpartition("/")
        (svgs if name.lower().endswith(".svg") else others)[folder] += 1
    return {d for d, n in svgs.items() if n >= ICON_FOLDER_MIN and others[d] * 9 <= n}


def _thirdparty_why(f: FileLike, libs: dict[str, str], icons: set[str] = frozenset()) -> str | None:
    for d in _ancestors(f.path):
        if d in libs:
            return libs[d]
    name = f.path.rpartition("/")[2]
    low = name.lower()
    dirs = {d.lower() for d in f.path.split("/")[:-1]}
    if _JQUERY_FILE.match(name) and _PLUGIN_HEADER.search(f.text[:800]):
        # a jquery*.js that opens with an author, a licence or a version; one with none (an
        # application's own little plugin) stays the application's
        return "a jQuery plugin or build with its own header (jquery*.js)"
    if low.endswith(".svg"):
        head = f.text[:4096]
        if _SVG_FONT.search(head) or head.count("<glyph") >= 10:
            return "an SVG font"
        if dirs & _ICON_DIRS or f.text.count("<symbol") >= 10:
            return "an icon set"
        if f.path.rpartition("/")[0] in icons:
            return "an icon set: a folder of SVG images"
    if low.endswith(_WORDLIST_EXT) or _is_word_list(f.text):
        return "a word list"
    return None


def _is_word_list(text: str) -> bool:
    """At least 500 lines, nearly all of them a single word: a dictionary, not code or prose."""
    if text.count("\n") < 500:
        return False
    first = [ln.strip() for ln in text[:3000].splitlines()[1:41] if ln.strip()]
    if sum(1 for ln in first if _WORD_LINE.match(ln)) < 0.9 * len(first):
        return False  # most files are rejected here, on their first lines
    lines = [ln.strip() for ln in text[:60_000].splitlines()[1:2001] if ln.strip()]
    return len(lines) >= 400 and sum(1 for ln in lines if _WORD_LINE.match(ln)) >= 0.95 * len(lines)


def test_helpers(files: Sequence[FileLike]) -> dict[str, tuple[str, str]]:
    """Code in a test folder that holds tests is test support, though it imports no framework."""
    with_tests: set[str] = set()
    for f in files:
        if f.role == "test":
            top = _test_folder(f.path)
            if top:
                with_tests.add(top)
    out: dict[str, tuple[str, str]] = {}
    for f in files:
        if f.role not in ANALYSED:
            continue
        top = _test_folder(f.path)
        if top and top in with_tests:
            out[f.path] = ("test", f"test support in {top}/, which holds tests")
    return out


def _test_folder(path: str) -> str | None:
    parts = path.split("/")[:-1]
    for i, d in enumerate(parts):
        if d.lower() in TEST_DIRS:
            return "/".join(parts[:i + 1])
    return None


# names too common to tell one project from another
_GENERIC_STEMS = frozenset({"readme", "license", "licence", "copying", "copyright", "authors", "changelog", "changes",
                            "history", "news", "install", "makefile", "cmakelists", "setup", "index", "main", "config",
                            "build", "package", "version", "todo", "contributing", "notice", "composer", "default",
                            "style", "styles", "favicon", "logo", "icon", "test", "tests", "docs"})


def _stems(here: Sequence[FileLike]) -> set[str]:
    """The distinctive names of a folder's files (``texstudio`` of texstudio.desktop): TeXstudio's
    ``utilities/`` holds an older licence (GPL 2 against the root's GPL 3) and AUTHORS, but its
    texstudio.desktop, texstudio.nsi and texstudio.spec make it the project's packaging."""
    out = set()
    for f in here:
        stem = f.path.rpartition("/")[2].split(".", 1)[0].lower()
        if len(stem) >= 4 and stem not in _GENERIC_STEMS:
            out.add(stem)
    return out


def _ancestors(path: str) -> list[str]:
    parts = path.split("/")[:-1]
    return ["/".join(parts[:i]) for i in range(1, len(parts) + 1)]


def _norm(text: str) -> str:
    """A licence's opening, to tell the project's own licence (a module's copy of it, perhaps with
    other notices appended) from another one."""
    return " ".join(text[:3000].split()).lower()[:600]


__all__ = ["settle", "library_folders", "icon_folders", "test_helpers", "is_test_code"]
