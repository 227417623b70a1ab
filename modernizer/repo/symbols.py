"""The symbol a line sits in ("RoomDao.findAvailable"), from the file text alone, by a regex scan.

Part of a finding's fingerprint: it keeps two identical lines in different methods apart, and it
does not change when code above the finding moves it down. It is a heuristic, not a parser, and
only needs to be *deterministic*: the same text gives the same answer on every run.

- Brace languages (Java, C#, JavaScript, TypeScript, PHP, Kotlin, Groovy, Scala, Go, C, C++, Rust,
  Swift): comments and string literals are blanked, then class/interface/enum/struct/function
  and method headers are matched and tied to the ``{`` that opens their body; ``}`` closes them.
- Python: ``class`` and ``def`` by indentation (lines inside brackets or triple-quoted strings
  do not close a block).
- SQL: the nearest ``CREATE PROCEDURE/FUNCTION/TRIGGER/VIEW/TABLE/PACKAGE`` above the line.
- INI: the nearest ``[section]`` above.
- Anything else (markup, JSP, properties, XML): no symbol, "".
"""

from __future__ import annotations

import re

from modernizer.repo.lang.registry import symbol_style  # which style reads a language: the registry says

_IDENT = r"[A-Za-z_$][\w$]*"
_TYPE = re.compile(rf"\b(?:class|interface|enum|record|struct|trait|object|impl)\s+({_IDENT})")
_FUNCTION = re.compile(rf"\b(?:function|func|fn|fun|def)\b\s*\*?\s*(?:\([^)]*\)\s*)?({_IDENT})\s*[(<]")
_ASSIGNED = re.compile(rf"({_IDENT})\s*[:=]\s*(?:async\s+)?(?:function\b|\([^()]*\)\s*(?::\s*[\w<>\[\]|, ]+)?\s*=>|{_IDENT}\s*=>)")
_METHOD = re.compile(rf"^\s*((?:[\w$<>\[\],.?@:]+\s+)*)({_IDENT})\s*\([^;]*$")
_NOT_NAMES = frozenset({
    "if", "for", "foreach", "while", "switch", "catch", "synchronized", "return", "new", "else", "do", "try",
    "using", "lock", "fixed", "typeof", "sizeof", "throw", "await", "yield", "case", "when", "match", "elif",
    "with", "assert", "delete", "void", "in", "of", "super", "this", "echo", "print", "require", "include",
    "require_once", "include_once", "array", "list", "isset", "unset", "empty", "function", "loop", "unsafe",
})
_STATEMENT_WORDS = frozenset({"return", "throw", "new", "else", "case", "await", "yield", "echo", "print", "goto", "import", "package"})

_PY_DEF = re.compile(r"^(\s*)(?:async\s+def|def|class)\s+([A-Za-z_]\w*)")
_SQL_DEF = re.compile(r"^\s*create\s+(?:or\s+replace\s+)?(?:definer\s*=\s*\S+\s+)?"
                      r"(?:procedure|function|trigger|view|table|package\s+body|package|type\s+body|type)\s+"
                      r"(?:if\s+not\s+exists\s+)?([\w$.\"`\[\]]+)", re.I)
_INI_SECTION = re.compile(r"^\s*\[([^\]\n]+)\]\s*$")


def enclosing_symbol(text: str, language: str, line: int) -> str:
    """The symbol around 1-based ``line`` (dotted, outermost first), or "" when there is none."""
    table = symbol_table(text, language)
    return table[line - 1] if 1 <= line <= len(table) else ""


def symbol_table(text: str, language: str) -> list[str]:
    """The enclosing symbol of every line, in one pass (index 0 is line 1)."""
    lines = text.splitlines()
    style = symbol_style(language)
    if style == "brace":
        return _brace_table(lines)
    if style == "python":
        return _python_table(lines)
    if style == "sql":
        return _nearest_above(lines, _SQL_DEF)
    if style == "ini":
        return _nearest_above(lines, _INI_SECTION)
    return [""] * len(lines)


def _nearest_above(lines: list[str], pattern: re.Pattern[str]) -> list[str]:
    out, current = [], ""
    for line in lines:
        m = pattern.match(line)
        if m:
            current = re.sub(r'["`\[\]]', "", m.group(1)).strip()  # "dbo"."proc", [dbo].[proc], `proc`
        out.append(current)
    return out


def _blank_code(line: str, in_comment: bool) -> tuple[str, bool]:
    """The line with comments removed and string/char literal contents blanked (braces inside
    them must not count); ``in_comment`` carries a /* block comment */ across lines."""
    out: list[str] = []
    i, n = 0, len(line)
    while i < n:
        if in_comment:
            end = line.find("*/", i)
            if end < 0:
                return "".join(out), True
            i, in_comment = end + 2, False
            continue
        c = line[i]
        if c == "/" and i + 1 < n and line[i + 1] == "/":
            break
        if c == "#" and (i == 0 or line[:i].strip() == ""):  # PHP/preprocessor line; harmless elsewhere
            break
        if c == "/" and i + 1 < n and line[i + 1] == "*":
            in_comment, i = True, i + 2
            continue
        if c in "\"'`":
            j = i + 1
            while j < n and line[j] != c:
                j += 2 if line[j] == "\\" else 1
            out.append(c + c)
            i = j + 1
            continue
        out.append(c)
        i += 1
    return "".join(out), in_comment


def _definition(code: str) -> str | None:
    for pattern in (_TYPE, _FUNCTION, _ASSIGNED):
        m = pattern.search(code)
        if m and m.group(1) not in _NOT_NAMES:
            return m.group(1)
    m = _METHOD.match(code)
    if m:
        name, prefix = m.group(2), m.group(1).split()
        if name not in _NOT_NAMES and not (prefix and prefix[0] in _STATEMENT_WORDS) and "=" not in m.group(1):
            return name
    return None


def _brace_table(lines: list[str]) -> list[str]:
    out: list[str] = []
    named: list[tuple[str, int]] = []  # (name, depth of the brace that opened it)
    depth = 0
    pending: str | None = None
    in_comment = False
    for raw in lines:
        code, in_comment = _blank_code(raw, in_comment)
        deepest = [n for n, _ in named]
        found = _definition(code) if code.strip() else None
        if found:
            pending = found
        for c in code:
            if c == "{":
                if pending:
                    named.append((pending, depth))
                    pending = None
                    if len(named) > len(deepest):
                        deepest = [n for n, _ in named]
                depth += 1
            elif c == "}":
                depth = max(0, depth - 1)
                while named and named[-1][1] >= depth:
                    named.pop()
            elif c == ";":
                pending = None
        if pending and found == pending:  # header whose "{" comes on a later line (Allman style)
            deepest = [n for n, _ in named] + [pending]
        out.append(".".join(deepest))
    return out


def _python_table(lines: list[str]) -> list[str]:
    out: list[str] = []
    stack: list[tuple[int, str]] = []
    brackets = 0
    triple: str | None = None
    for raw in lines:
        stripped = raw.strip()
        if triple is None and brackets == 0 and stripped and not stripped.startswith("#"):
            indent = len(raw) - len(raw.lstrip())
            while stack and stack[-1][0] >= indent:
                stack.pop()
            m = _PY_DEF.match(raw)
            if m:
                stack.append((indent, m.group(2)))
        out.append(".".join(n for _, n in stack))
        triple, brackets = _python_scan(raw, triple, brackets)
    return out


def _python_scan(line: str, triple: str | None, brackets: int) -> tuple[str | None, int]:
    """Tracks open triple-quoted strings and bracket depth to the end of ``line``."""
    i, n = 0, len(line)
    while i < n:
        if triple:
            end = line.find(triple, i)
            if end < 0:
                return triple, brackets
            i, triple = end + 3, None
            continue
        c = line[i]
        if c == "#":
            break
        if line.startswith(('"""', "'''"), i):
            triple, i = line[i:i + 3], i + 3
            continue
        if c in "\"'":
            j = i + 1
            while j < n and line[j] != c:
                j += 2 if line[j] == "\\" else 1
            i = j + 1
            continue
        if c in "([{":
            brackets += 1
        elif c in ")]}":
            brackets = max(0, brackets - 1)
        i += 1
    return triple, brackets
