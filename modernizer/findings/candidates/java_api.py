"""What the Java flow evaluator knows of the JDK and common libraries: where request data comes from,
which encoders make it safe for which family, which calls give no text back, and how maps and lists
store and hand back their elements (by constant key or index; anything else joins them)."""

from __future__ import annotations

import re

from modernizer.findings.candidates.java_values import CLEAN_V, CONST, NULL, UNK, ListV, MapV, V, Value, flat, join

SOURCES = frozenset({
    "getParameter", "getParameterValues", "getParameterMap", "getParameterNames", "getHeader", "getHeaders",
    "getHeaderNames", "getCookies", "getQueryString", "getPathInfo", "getPathTranslated", "getRequestURI",
    "getRequestURL", "getServletPath", "getInputStream", "getReader", "getRemoteUser", "getSubmittedFileName",
    "getOriginalFilename", "getPart", "getParts", "getenv"})
WRAPPER_SOURCE = re.compile(r"(?i)^get(?!init)\w*(param|parameter|header|cookie|querystring)\w*$")
SOURCE_ANNOTATIONS = frozenset({"RequestParam", "PathVariable", "RequestHeader", "CookieValue", "RequestBody",
                                "QueryParam", "PathParam", "FormParam", "HeaderParam", "CookieParam"})
# Encoders and what they make a value safe for (a family of modernizer.findings.candidates.model.FAMILIES).
SANITIZERS: dict[str, frozenset[str]] = {
    "encodeForHTML": frozenset({"xss"}), "encodeForHTMLAttribute": frozenset({"xss"}),
    "encodeForJavaScript": frozenset({"xss"}), "encodeForXML": frozenset({"xss", "xpath-injection"}),
    "escapeHtml": frozenset({"xss"}), "escapeHtml4": frozenset({"xss"}), "escapeXml": frozenset({"xss"}),
    "escapeXml10": frozenset({"xss"}), "escapeXml11": frozenset({"xss"}), "htmlEscape": frozenset({"xss"}),
    "forHtml": frozenset({"xss"}), "forHtmlContent": frozenset({"xss"}), "forHtmlAttribute": frozenset({"xss"}),
    "escapeEcmaScript": frozenset({"xss"}), "encodeForSQL": frozenset({"sql-injection"}),
    "escapeSql": frozenset({"sql-injection"}), "encodeForLDAP": frozenset({"ldap-injection"}),
    "encodeForDN": frozenset({"ldap-injection"}), "encodeForXPath": frozenset({"xpath-injection"}),
    "encodeForOS": frozenset({"command-injection"}), "getValidFileName": frozenset({"path-traversal"}),
    "getName": frozenset({"path-traversal"}), "getFileName": frozenset({"path-traversal"})}
URL_ENCODED = frozenset({"path-traversal", "open-redirect", "command-injection", "ldap-injection"})
# Calls whose result carries no request text whatever their input (numbers, booleans, hashes of it).
CLEAN_RESULTS = frozenset({
    "parseInt", "parseLong", "parseDouble", "parseFloat", "parseBoolean", "length", "size", "hashCode", "equals",
    "equalsIgnoreCase", "isEmpty", "contains", "containsKey", "startsWith", "endsWith", "matches", "indexOf",
    "lastIndexOf", "compareTo", "nextInt", "nextLong", "nextBoolean", "nextDouble", "currentTimeMillis", "nanoTime"})
APPENDERS = frozenset({"append", "insert", "write", "print", "println", "concat"})
MAP_TYPES = re.compile(r"^(java\.util\.)?(HashMap|TreeMap|LinkedHashMap|Hashtable|Properties|ConcurrentHashMap|WeakHashMap|EnumMap)\b")
LIST_TYPES = re.compile(r"^(java\.util\.)?(ArrayList|LinkedList|Vector|Stack|ArrayDeque|CopyOnWriteArrayList)\b")
FILE_READERS = re.compile(r"^(java\.io\.)?(FileInputStream|FileReader|RandomAccessFile)$|^(java\.util\.)?zip\.ZipFile$")
STRINGISH = re.compile(r"^(java\.lang\.)?(StringBuilder|StringBuffer|String)$")


def container_call(env: dict, var: str, name: str, args: list[Value]) -> Value:
    """``var.name(args)`` on a local map or list: entries by constant key or index, else joined."""
    c = env[var]
    fa = [flat(a) for a in args]
    if isinstance(c, MapV):
        if name in ("put", "setProperty", "putIfAbsent") and len(args) == 2:
            if fa[0].is_const:
                old = c.entries.get(fa[0].value, c.rest)
                c.entries[fa[0].value] = args[1] if name != "putIfAbsent" else join(old, args[1])
                return old
            c.rest = join(c.rest, args[1])
            c.entries = {k: join(v, args[1]) for k, v in c.entries.items()}
            return UNK
        if name in ("get", "getProperty", "getOrDefault", "remove") and args:
            if fa[0].is_const:
                got = c.entries.get(fa[0].value, join(c.rest, fa[1]) if name != "get" and len(fa) > 1 else c.rest)
                if name == "remove":
                    c.entries.pop(fa[0].value, None)
                return got
            return c.flat()
        if name == "putAll" and args:
            c.rest = join(c.rest, flat(args[0]))
            c.entries = {k: join(v, flat(args[0])) for k, v in c.entries.items()}
            return NULL
        if name == "clear":
            env[var] = MapV()
            return NULL
        if name in ("load", "loadFromXML", "putAll", "merge", "compute", "computeIfAbsent", "replaceAll"):
            c.rest, c.entries = UNK, {k: join(v, UNK) for k, v in c.entries.items()}
            return NULL
        return CLEAN_V if name in CLEAN_RESULTS else c.flat()
    if name in ("add", "addLast", "offer", "addElement", "offerLast") and len(args) == 1:
        c.items.append(args[0])
        return V(CONST, True)
    if name in ("add", "insertElementAt") and len(args) == 2:
        i, x = (fa[0], args[1]) if name == "add" else (fa[1], args[0])
        if i.is_const and isinstance(i.value, int) and 0 <= i.value <= len(c.items):
            c.items.insert(i.value, x)
        else:
            c.items = [join(y, x) for y in c.items] + [x]
        return NULL
    if name in ("addFirst", "offerFirst") and len(args) == 1:
        c.items.insert(0, args[0])
        return NULL
    if name in ("get", "elementAt", "remove", "set") and args:
        i = fa[0]
        if i.is_const and isinstance(i.value, int) and not isinstance(i.value, bool) and 0 <= i.value < len(c.items):
            got = c.items[i.value]
            if name == "remove":
                c.items.pop(i.value)
            elif name == "set" and len(args) == 2:
                c.items[i.value] = args[1]
            return got
        if name == "remove":
            got = c.flat()
            if i.is_const and isinstance(i.value, int):  # an index past the end: the code throws
                return got
            env[var] = ListV([got] * max(len(c.items) - 1, 0)) if c.items else ListV()
            return V(CONST, True) if not isinstance(i.value, int) else got
        if name == "set" and len(args) == 2:
            c.items = [join(y, args[1]) for y in c.items]
        return c.flat()
    if name in ("getLast", "peekLast", "pollLast", "removeLast", "lastElement") and c.items:
        got = c.items[-1]
        if name in ("pollLast", "removeLast"):
            c.items.pop()
        return got
    if name in ("getFirst", "peekFirst", "pollFirst", "removeFirst", "poll", "firstElement", "element") and c.items:
        got = c.items[0]
        if name in ("pollFirst", "removeFirst", "poll"):
            c.items.pop(0)
        return got
    if name in ("addAll", "set") and args:
        c.items = [join(y, flat(args[-1])) for y in c.items] + [flat(args[-1])]
        return NULL
    if name == "clear":
        env[var] = ListV()
        return NULL
    if name in ("push", "addAll", "replaceAll", "sort", "removeIf", "retainAll", "removeAll"):
        env[var] = ListV([join(c.flat(), flat(args[0]) if args else UNK)])  # order or content no longer known
        return NULL
    return CLEAN_V if name in CLEAN_RESULTS else c.flat()
