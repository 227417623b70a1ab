"""Every language modernizer knows, in one table: the names and extensions that identify it, the
module whose ``extract`` finds its dependencies, and how the symbol scanner reads it. Ingest,
the dependency extractor and the symbol scanner all read this table; adding a language is one
entry here plus, for dependencies, one module in ``modernizer/repo/lang/``.

Deliberately light (no extractor is imported here): ``language_of`` runs for every file at ingest.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Literal

SymbolStyle = Literal["brace", "python", "sql", "ini"]


@dataclass(frozen=True)
class Language:
    name: str
    extensions: tuple[str, ...] = ()
    filenames: tuple[str, ...] = ()
    extract: str | None = field(default=None, metadata={"doc": "module:function of its dependency extractor"})
    symbols: SymbolStyle | None = None


_L = Language
LANGUAGES: dict[str, Language] = {lang.name: lang for lang in [
    _L("java", (".java",), extract="java:extract", symbols="brace"),
    _L("jsp", (".jsp", ".jspf", ".jspx", ".tag"), extract="jsp:extract"),
    _L("python", (".py", ".pyw"), extract="python:extract", symbols="python"),
    _L("javascript", (".js", ".jsx", ".mjs", ".cjs"), extract="js:extract", symbols="brace"),
    _L("typescript", (".ts", ".tsx"), extract="js:extract", symbols="brace"),
    _L("php", (".php", ".php3", ".php4", ".php5", ".phtml", ".inc"), extract="php:extract", symbols="brace"),
    _L("csharp", (".cs",), extract="csharp:extract", symbols="brace"),
    _L("vbnet", (".vb",)),
    _L("aspnet", (".aspx", ".ascx"), extract="csharp:extract_asp"),
    _L("asp", (".asp",), extract="csharp:extract_asp"),
    _L("clearsilver", ()),  # .cs templates: found by content, see detect()
    _L("sql", (".sql", ".ddl", ".pls", ".pks", ".pkb"), extract="native:extract_sql", symbols="sql"),
    _L("xml", (".xml", ".xsd", ".xsl", ".xslt", ".wsdl", ".tld"), ("build.xml", "pom.xml"), extract="xml_config:extract"),
    _L("html", (".html", ".htm"), extract="csharp:extract_asp"),  # server-side includes only
    _L("css", (".css",)),
    _L("properties", (".properties",), extract="xml_config:extract_config"),
    _L("ini", (".ini", ".cfg", ".conf"), symbols="ini"),
    _L("yaml", (".yaml", ".yml"), extract="xml_config:extract_config"),
    _L("json", (".json",)),
    _L("toml", (".toml",)),
    _L("shell", (".sh", ".bash", ".ksh")),
    _L("batch", (".bat", ".cmd")),
    _L("powershell", (".ps1",)),
    _L("c", (".c", ".h"), extract="native:extract_c", symbols="brace"),
    _L("cpp", (".cc", ".cpp", ".cxx", ".hpp", ".hh"), extract="native:extract_c", symbols="brace"),
    _L("go", (".go",), symbols="brace"),
    _L("ruby", (".rb", ".erb"), ("Rakefile", "Gemfile")),
    _L("perl", (".pl", ".pm")),
    _L("kotlin", (".kt", ".kts"), symbols="brace"),
    _L("scala", (".scala",), symbols="brace"),
    _L("groovy", (".groovy", ".gradle"), ("Jenkinsfile",), symbols="brace"),
    _L("rust", (".rs",), symbols="brace"),
    _L("swift", (".swift",), symbols="brace"),
    _L("objc", (".m",)),
    _L("cobol", (".cbl", ".cob", ".cpy")),
    _L("fortran", (".f", ".f90")),
    _L("markdown", (".md",)),
    _L("text", (".rst", ".txt")),
    _L("velocity", (".vm",)),
    _L("freemarker", (".ftl",)),
    _L("make", (), ("Makefile",)),
    _L("docker", (), ("Dockerfile",)),
]}

EXTENSIONS: dict[str, str] = {ext: lang.name for lang in LANGUAGES.values() for ext in lang.extensions}
FILENAMES: dict[str, str] = {name: lang.name for lang in LANGUAGES.values() for name in lang.filenames}

_PHP_OPEN = re.compile(r"\A(?:\ufeff)?\s*<\?php\b", re.I)
_CLEARSILVER = re.compile(r"<\?cs\s+(?:var|if|each|include|def|call|set|with|loop|alt|linclude|evar|lvar|name|else|elif|/)", re.I)


def language_of(path: str) -> str:
    """A file's language by its name alone."""
    p = PurePosixPath(path)
    if p.name in FILENAMES:
        return FILENAMES[p.name]
    return EXTENSIONS.get(p.suffix.lower(), "other")


def detect(path: str, text: str) -> str:
    """A file's language by its name, corrected by its content where names mislead legacy trees:
    PHP in files with other extensions (``lang/en.txt`` that opens with ``<?php``), and ClearSilver
    templates named ``.cs`` (not C#)."""
    lang = language_of(path)
    if lang in ("text", "other", "ini", "html") and _PHP_OPEN.match(text[:200]):
        return "php"
    if lang == "csharp" and _CLEARSILVER.search(text[:20_000]):
        return "clearsilver"
    return lang


def symbol_style(language: str) -> SymbolStyle | None:
    lang = LANGUAGES.get(language)
    return lang.symbols if lang else None
