"""A fixed table of the CWEs our agents and candidate rules name: MITRE's name, a short title, a
severity score and a one-line remediation. Data, not a model's opinion: a rule's severity must not
move from run to run or with which findings a run happens to hold.

Severity scores are CVSS-like (0-10), as GitHub code scanning reads ``security-severity`` (9.0 and
above critical, 7.0-8.9 high, 4.0-6.9 medium, below 4.0 low). Each row's ``basis`` says where
its score comes from, in one of three forms: ``CodeQL <query>``, that query's ``@security-severity``
as its source states it (CodeQL derives those from the CVSS scores of the CVEs filed under the
CWE); ``as CWE-n``, the score of a close row; ``ours: ...``, chosen by us from the typical NVD base
score of that kind of weakness, with the reasoning. Names are MITRE's (CWE 4.x). Nothing is
fetched: links are only written out. Changing a score changes code scanning's severity for every
alert of the rule (not its identity): do it here, with the basis.

A CWE missing from the table (the model may name any of ~900) still gets a rule: its severity is
that of the table's entry for its weakness family (``modernizer.findings.candidates.model.FAMILIES``, e.g.
CWE-80 scores as CWE-79), else ``DEFAULT_SEVERITY``, the middle of GitHub's "medium" band (a known
weakness, of unknown weight); its help is generic.

``cwe_for_category`` gives the CWE a category means when a finding names none (``xss-stored``,
``Cross Site Scripting`` -> CWE-79), so findings that mean the same thing share one rule.
"""

from __future__ import annotations

import re

from pydantic import BaseModel

from modernizer.findings.candidates.model import cwe_number, family_of

DEFAULT_SEVERITY = 5.5
GENERIC_REMEDIATION = "Read the finding's reason and MITRE's entry for this weakness; fix the cause at the lines shown."


class Weakness(BaseModel, frozen=True):
    cwe: str                     # "CWE-89"
    title: str                   # ours, short: what code scanning lists
    name: str                    # MITRE's name
    severity: float              # security-severity, 0-10
    remediation: str
    basis: str                   # where the score comes from
    known: bool = True           # False: not in the table, derived (see lookup)

    @property
    def number(self) -> int:
        return int(self.cwe.split("-")[1])

    @property
    def uri(self) -> str:
        return f"https://cwe.mitre.org/data/definitions/{self.number}.html"


def _w(n: int, title: str, name: str, severity: float, basis: str, remediation: str) -> Weakness:
    return Weakness(cwe=f"CWE-{n}", title=title, name=name, severity=severity, basis=basis, remediation=remediation)


_SECRET_FIX = "Move the secret out of the code into a secret store or the environment, rotate it, and refuse to start without it."
_HASH_FIX = "Use SHA-256 or better for integrity, and a password hash (Argon2id, bcrypt, scrypt, PBKDF2) for passwords."
_RANDOM_FIX = "Use a cryptographically secure generator (SecureRandom, secrets, crypto.randomBytes) for tokens, keys and ids."
_CODE_FIX = "Never evaluate input as code: replace eval/exec with a parser or a fixed dispatch table."
_AUTHZ_FIX = "Check the caller's permission on the server for every protected action and every object it touches."

TABLE: dict[int, Weakness] = {w.number: w for w in (
    _w(22, "Path traversal", "Improper Limitation of a Pathname to a Restricted Directory ('Path Traversal')", 7.5,
       "CodeQL java/path-injection", "Resolve the path against a fixed base directory and reject it unless it stays inside."),
    _w(77, "Command injection", "Improper Neutralization of Special Elements used in a Command ('Command Injection')", 9.8,
       "as CWE-78", "Do not build commands from input: run the program with an argument list (no shell) and allow-list the values."),
    _w(78, "OS command injection", "Improper Neutralization of Special Elements used in an OS Command ('OS Command Injection')", 9.8,
       "CodeQL java/command-line-injection", "Do not build commands from input: run the program with an argument list (no shell) and allow-list the values."),
    _w(79, "Cross-site scripting", "Improper Neutralization of Input During Web Page Generation ('Cross-site Scripting')", 6.1,
       "CodeQL java/xss, go/reflected-xss", "Encode output for its context (HTML, attribute, script, URL), with the template engine's auto-escaping on."),
    _w(81, "XSS in an error message", "Improper Neutralization of Script in an Error Message Web Page", 6.1,
       "ours: as reflected XSS (CodeQL js/reflected-xss)", "Encode an error's message for HTML before it reaches a page, or show a fixed text and log the detail."),
    _w(88, "Argument injection", "Improper Neutralization of Argument Delimiters in a Command ('Argument Injection')", 9.8,
       "CodeQL java/command-line-injection (tags CWE-88)", "Pass arguments as a list, end options with `--`, and allow-list the values."),
    _w(89, "SQL injection", "Improper Neutralization of Special Elements used in an SQL Command ('SQL Injection')", 8.8,
       "CodeQL java/sql-injection", "Use parameterised queries (bound parameters) for every value; never concatenate input into SQL."),
    _w(90, "LDAP injection", "Improper Neutralization of Special Elements used in an LDAP Query ('LDAP Injection')", 9.8,
       "ours: as OS command injection (typical NVD score)", "Build filters with the LDAP library's encoder or parameterised filters."),
    _w(94, "Code injection", "Improper Control of Generation of Code ('Code Injection')", 9.3,
       "CodeQL py/code-injection", _CODE_FIX),
    _w(95, "Eval injection", "Improper Neutralization of Directives in Dynamically Evaluated Code ('Eval Injection')", 9.3,
       "CodeQL py/code-injection", _CODE_FIX),
    _w(98, "PHP file inclusion", "Improper Control of Filename for Include/Require Statement in PHP Program ('PHP Remote File Inclusion')", 9.8,
       "ours: remote code execution (typical NVD score)", "Include files from a fixed allow-list only; never build an include path from input."),
    _w(117, "Log injection", "Improper Output Neutralization for Logs", 6.1,
       "CodeQL java/log-injection (its releases have said 7.8 and 6.1: the lower)", "Strip or encode newlines and control characters in input before logging it."),
    _w(200, "Information exposure", "Exposure of Sensitive Information to an Unauthorized Actor", 5.3,
       "ours: CVSS AV:N/AC:L/PR:N/UI:N/C:L", "Return only what the caller may see; keep internals and other users' data out of responses."),
    _w(209, "Sensitive error message", "Generation of Error Message Containing Sensitive Information", 5.4,
       "CodeQL java/stack-trace-exposure", "Show a generic error to the user and log the details on the server."),
    _w(215, "Sensitive debug information", "Insertion of Sensitive Information Into Debugging Code", 7.5,
       "CodeQL py/flask-debug", "Remove debugging output from production builds."),
    _w(250, "Unnecessary privileges", "Execution with Unnecessary Privileges", 7.8,
       "ours: local privilege escalation (typical NVD score)", "Run with the least privilege the task needs; drop privileges after start-up."),
    _w(259, "Hard-coded password", "Use of Hard-coded Password", 9.8,
       "as CWE-798", _SECRET_FIX),
    _w(287, "Improper authentication", "Improper Authentication", 9.8,
       "ours: authentication bypass (typical NVD score)", "Use the framework's authentication and check it on every request; never trust a client-supplied identity."),
    _w(295, "Certificate validation", "Improper Certificate Validation", 7.5,
       "ours: as cleartext transmission", "Keep certificate and host-name validation on; never install a trust-all manager."),
    _w(306, "Missing authentication", "Missing Authentication for Critical Function", 9.8,
       "ours: unauthenticated access (typical NVD score)", "Require authentication before every critical function (administration, changes to data)."),
    _w(311, "Missing encryption", "Missing Encryption of Sensitive Data", 7.5,
       "as CWE-312", "Encrypt sensitive data at rest and in transit, or do not keep it."),
    _w(312, "Cleartext storage", "Cleartext Storage of Sensitive Information", 7.5,
       "CodeQL py/clear-text-storage-sensitive-data", "Do not store secrets in clear: hash passwords with a password hash, encrypt other sensitive data."),
    _w(319, "Cleartext transmission", "Cleartext Transmission of Sensitive Information", 7.5,
       "ours: CVSS AV:N/AC:L/PR:N/UI:N/C:H", "Use TLS for every connection that carries sensitive data."),
    _w(321, "Hard-coded cryptographic key", "Use of Hard-coded Cryptographic Key", 9.8,
       "as CWE-798", _SECRET_FIX),
    _w(326, "Inadequate encryption strength", "Inadequate Encryption Strength", 7.5,
       "as CWE-327", "Use current key sizes (RSA 2048+ bits, AES-128+) from a maintained library."),
    _w(327, "Broken cryptography", "Use of a Broken or Risky Cryptographic Algorithm", 7.5,
       "CodeQL java/weak-cryptographic-algorithm", "Use a current algorithm from a maintained library (AES-GCM, ChaCha20-Poly1305, RSA-OAEP)."),
    _w(328, "Weak hash", "Use of Weak Hash", 7.5,
       "CodeQL java/weak-cryptographic-algorithm (tags CWE-328)", _HASH_FIX),
    _w(330, "Weak randomness", "Use of Insufficiently Random Values", 7.8,
       "CodeQL java/insecure-randomness", _RANDOM_FIX),
    _w(338, "Weak PRNG", "Use of Cryptographically Weak Pseudo-Random Number Generator (PRNG)", 7.8,
       "CodeQL java/insecure-randomness (tags CWE-338)", _RANDOM_FIX),
    _w(352, "Cross-site request forgery", "Cross-Site Request Forgery (CSRF)", 8.8,
       "CodeQL js/missing-token-validation", "Require an anti-CSRF token (or SameSite cookies and an origin check) on every state-changing request."),
    _w(384, "Session fixation", "Session Fixation", 8.1,
       "ours: CVSS AV:N/AC:L/PR:N/UI:R/C:H/I:H", "Issue a new session id at login and invalidate the old one."),
    _w(400, "Resource exhaustion", "Uncontrolled Resource Consumption", 7.5,
       "ours: CVSS AV:N/AC:L/PR:N/UI:N/A:H", "Bound sizes, counts and time per request."),
    _w(434, "Dangerous file upload", "Unrestricted Upload of File with Dangerous Type", 8.8,
       "ours: authenticated code execution (typical NVD score)", "Allow-list file types by content and store uploads outside the web root under generated names."),
    _w(470, "Unsafe reflection", "Use of Externally-Controlled Input to Select Classes or Code ('Unsafe Reflection')", 7.5,
       "ours: CodeQL's query has no score", "Map input to classes through a fixed allow-list; never pass it to Class.forName or the like."),
    _w(489, "Active debug code", "Active Debug Code", 7.5,
       "CodeQL py/flask-debug", "Turn debug modes off in production configuration and remove debug endpoints."),
    _w(501, "Trust boundary violation", "Trust Boundary Violation", 5.3,
       "ours: tampered session state (CVSS AV:N/AC:L/PR:N/UI:N/I:L)", "Validate request data before storing it in the session; keep trusted and untrusted data apart."),
    _w(502, "Unsafe deserialization", "Deserialization of Untrusted Data", 9.8,
       "CodeQL java/unsafe-deserialization", "Do not deserialise untrusted data with native serialisers; use a data-only format or a strict type allow-list."),
    _w(532, "Sensitive data in logs", "Insertion of Sensitive Information into Log File", 7.5,
       "CodeQL java/sensitive-log", "Do not log secrets or personal data; mask them before they reach a log."),
    _w(565, "Unvalidated cookie", "Reliance on Cookies without Validation and Integrity Checking", 8.8,
       "ours: authorisation bypass by a crafted cookie (typical NVD score)", "Keep security state on the server, or sign the cookie and verify it on every request."),
    _w(601, "Open redirect", "URL Redirection to Untrusted Site ('Open Redirect')", 6.1,
       "CodeQL py/url-redirection", "Redirect only to relative paths or to an allow-list of destinations."),
    _w(611, "XML external entities", "Improper Restriction of XML External Entity Reference", 9.1,
       "CodeQL java/xxe", "Disable DTDs and external entities in the XML parser."),
    _w(614, "Cookie without Secure", "Sensitive Cookie in HTTPS Session Without 'Secure' Attribute", 5.0,
       "CodeQL java/insecure-cookie", "Set the Secure flag on every cookie sent over HTTPS."),
    _w(643, "XPath injection", "Improper Neutralization of Data within XPath Expressions ('XPath Injection')", 9.8,
       "ours: as LDAP injection", "Use parameterised XPath (variable resolvers) or escape the input."),
    _w(798, "Hard-coded credentials", "Use of Hard-coded Credentials", 9.8,
       "CodeQL java/hardcoded-credential-api-call", _SECRET_FIX),
    _w(862, "Missing authorization", "Missing Authorization", 7.5,
       "ours: CVSS AV:N/AC:L/PR:N/UI:N/C:H", _AUTHZ_FIX),
    _w(863, "Incorrect authorization", "Incorrect Authorization", 7.5,
       "as CWE-862", _AUTHZ_FIX),
    _w(916, "Weak password hash", "Use of Password Hash With Insufficient Computational Effort", 7.5,
       "as CWE-328", "Hash passwords with Argon2id, bcrypt, scrypt or PBKDF2, with a per-user salt."),
    _w(917, "Expression language injection", "Improper Neutralization of Special Elements used in an Expression Language Statement ('Expression Language Injection')", 9.3,
       "as CWE-94", "Never evaluate input as an expression; pass it as data."),
    _w(918, "Server-side request forgery", "Server-Side Request Forgery (SSRF)", 9.1,
       "ours: as XXE (server-side fetch of an attacker's URL)", "Allow-list the schemes and hosts the server may fetch; refuse internal addresses."),
    _w(1004, "Cookie without HttpOnly", "Sensitive Cookie Without 'HttpOnly' Flag", 5.0,
       "as CWE-614", "Set the HttpOnly flag on session and other sensitive cookies."),
    _w(1336, "Template injection", "Improper Neutralization of Special Elements Used in a Template Engine", 9.3,
       "CodeQL java/server-side-template-injection", "Never build a template from input; pass input as template data, to a sandboxed engine."),
    _w(1392, "Default credentials", "Use of Default Credentials", 9.8,
       "as CWE-798", "Remove default accounts and passwords; require a unique credential at installation."),
)}

# The table's entry that stands for each weakness family (candidates.model.FAMILIES): the score of
# an unknown CWE of that family, and the CWE a category of that name means.
FAMILY_CWE: dict[str, int] = {
    "sql-injection": 89, "command-injection": 78, "path-traversal": 22, "xxe": 611, "deserialization": 502,
    "code-injection": 94, "xss": 79, "open-redirect": 601, "weak-crypto": 327, "weak-random": 330,
    "hardcoded-credentials": 798, "sensitive-logging": 532, "cleartext-storage": 312, "information-exposure": 200,
    "debug-enabled": 489, "insecure-cookie": 614, "broken-authentication": 287, "missing-authorization": 862,
}

# What a model writes for a category, normalised (see _words), matched as a whole-word run, first
# match wins: specific names before the general ones they contain ("template injection" before
# "injection" would be, "log injection" before "log").
_CATEGORY_ALIASES: tuple[tuple[str, int], ...] = (
    ("sql", 89), ("sqli", 89),
    ("ldap", 90), ("xpath", 643),
    ("template injection", 1336), ("ssti", 1336), ("expression language", 917),
    ("log injection", 117), ("log forging", 117),
    ("os command", 78), ("command injection", 78), ("shell injection", 78), ("command execution", 78), ("rce", 94),
    ("argument injection", 88),
    ("code injection", 94), ("eval", 95), ("unsafe reflection", 470), ("reflection", 470),
    ("file inclusion", 98), ("lfi", 98), ("rfi", 98),
    ("path traversal", 22), ("directory traversal", 22), ("path injection", 22), ("zip slip", 22),
    ("xss", 79), ("cross site scripting", 79),
    ("csrf", 352), ("xsrf", 352), ("cross site request forgery", 352),
    ("ssrf", 918), ("server side request forgery", 918),
    ("xxe", 611), ("xml external", 611),
    ("deserialization", 502), ("deserialisation", 502), ("unsafe deserialization", 502),
    ("open redirect", 601), ("redirect", 601),
    ("default credentials", 1392), ("default password", 1392),
    ("hardcoded", 798), ("hard coded", 798), ("embedded credentials", 798),
    ("weak password hash", 916), ("password hash", 916),
    ("weak hash", 328), ("insecure hash", 328), ("md5", 328), ("sha1", 328),
    ("weak random", 330), ("insecure random", 330), ("predictable random", 330), ("randomness", 330),
    ("weak crypto", 327), ("weak cryptography", 327), ("broken crypto", 327), ("weak cipher", 327), ("weak encryption", 327),
    ("sensitive logging", 532), ("sensitive log", 532), ("logging sensitive", 532), ("sensitive data in logs", 532),
    ("password in log", 532), ("credentials in log", 532),
    ("cleartext storage", 312), ("clear text storage", 312), ("plaintext password", 312), ("plaintext storage", 312),
    ("cleartext password", 312), ("cleartext transmission", 319), ("missing encryption", 311),
    ("stack trace", 209), ("error message", 209), ("verbose error", 209),
    ("information exposure", 200), ("information disclosure", 200), ("information leak", 200), ("sensitive data exposure", 200),
    ("debug", 489),
    ("insecure cookie", 614), ("cookie without secure", 614), ("secure flag", 614), ("httponly", 1004),
    ("session fixation", 384),
    ("missing authentication", 306), ("broken authentication", 287), ("authentication bypass", 287),
    ("improper authentication", 287), ("weak authentication", 287),
    ("missing authorization", 862), ("missing authorisation", 862), ("broken access control", 862),
    ("access control", 862), ("idor", 862), ("privilege escalation", 862), ("authorization", 862),
    ("file upload", 434), ("unrestricted upload", 434),
    ("certificate validation", 295), ("trust all", 295),
)


def _words(text: str) -> str:
    """'XSS_Reflected', 'cross-site scripting (stored)' -> 'xss reflected', 'cross site scripting stored'."""
    return " ".join(re.findall(r"[a-z0-9]+", text.casefold()))


def lookup(cwe: str) -> Weakness | None:
    """The table's entry for 'CWE-89' (or 'cwe-089', '89'); for a CWE not in the table, a derived
    entry (``known`` False) scored by its family or DEFAULT_SEVERITY; None when ``cwe`` names none."""
    n = cwe_number(cwe) if cwe else None
    if n is None or int(n) == 0:
        return None
    number = int(n)
    if number in TABLE:
        return TABLE[number]
    family = family_of(str(number))
    if family and family in FAMILY_CWE:
        kin = TABLE[FAMILY_CWE[family]]
        severity, basis = kin.severity, f"not in our table: scored as {kin.cwe} ({family})"
    else:
        severity, basis = DEFAULT_SEVERITY, "not in our table: the default"
    return Weakness(cwe=f"CWE-{number}", title=f"CWE-{number}", name=f"CWE-{number}", severity=severity,
                    remediation=GENERIC_REMEDIATION, basis=basis, known=False)


def cwe_for_category(category: str) -> Weakness | None:
    """The CWE a category's wording means, for a finding that names none; None when it means none
    we know (a design problem, a deprecated API)."""
    words = f" {_words(category)} "
    family = _words(category).replace(" ", "-")
    if family in FAMILY_CWE:
        return TABLE[FAMILY_CWE[family]]
    for alias, number in _CATEGORY_ALIASES:
        if f" {alias} " in words:
            return TABLE[number]
    return None
