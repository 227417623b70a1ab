"""No secret reaches a report, whichever field the model wrote it in.

The repository plants secrets of many kinds (cloud keys, tokens, a PEM body, connection strings,
passwords in properties, YAML, XML and code). A scripted model (a real one cannot be made to echo
them on demand) writes them back into every text field of every agent: titles, reasons, snippets,
the summary, component roles, plan rationales, plan details (steps, code example, tests), plan
risks, validator notes, the head of a failed answer kept in ``attempts``, and ``password=VALUE``
in the middle of a sentence. Every output format and the suppressions file are then grepped.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from modernizer.run.analysis import AnalyzeOptions, analyze
from modernizer.cli import render
from modernizer.llm.client import Endpoint, LLMClient
from modernizer.render import RENDERERS
from modernizer.review.falsepos import suppress
from modernizer.findings.suppressions import FILENAME, Suppression
from support.scripted import ScriptedServer, sse

AWS_ID = "AKIAZQ3DEXAMPLE7K2PB"
AWS_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLE1k"
DB_PW = "Tr0ub4dor&3xyz"
DJANGO = "django-insecure-9x!k2@pq#zz77"
GH = "ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789"
SLACK = "xoxb-1234567890-abcdefghijkl"
SQL_PW = "Sh0p!Adm1n#42"
STRIPE = "sk_live_51HfakeFAKEfake123456"
GOOGLE = "AIzaSyA1234567890abcdefghijklmnopqrstu"
PG_PW = "pgS3cretValue9"
URL_PW = "Pg_p4ssw0rd77"
JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhZG1pbjEyMyJ9.dBjftJeZ4CVPmB92K27uhbUJU1p1rwW1gFWFOEjXk"
PEM_LINE = "MIIEowIBAAKCAQEA0Zq8fakeFAKEfakeKEYbodyLINEaaaa1234567890"
XML_PW = "Xml!Secret99"
PROSE_ONLY = "Hunter2Prose!77"  # never in the code: only a pattern can catch it

CODE_SECRETS = [AWS_ID, AWS_SECRET, DB_PW, DJANGO, GH, SLACK, SQL_PW, STRIPE, GOOGLE, PG_PW, URL_PW, JWT, PEM_LINE, XML_PW]
ALL = CODE_SECRETS + [PROSE_ONLY]

FILES = {
    "src/main/resources/app.properties": f"db.user=shop\ndb.password={DB_PW}\naws.accessKeyId={AWS_ID}\naws.secretKey={AWS_SECRET}\n",
    "shop/settings.py": f'DEBUG = False\nSECRET_KEY = "{DJANGO}"\nGITHUB_TOKEN = "{GH}"\nSLACK_BOT = "{SLACK}"\n',
    "web.config": f'<configuration>\n  <connectionStrings>\n    <add name="Main" connectionString="Server=db01;Database=shop;User Id=sa;Password={SQL_PW};" />\n'
                  f'  </connectionStrings>\n  <mail>\n    <password>{XML_PW}</password>\n  </mail>\n</configuration>\n',
    "config/payments.yml": f"stripe:\n  key: {STRIPE}\ngoogle:\n  api_key: {GOOGLE}\n",
    "docker-compose.yml": f"services:\n  db:\n    environment:\n      POSTGRES_PASSWORD: {PG_PW}\n      DATABASE_URL: postgres://app:{URL_PW}@db:5432/app\n",
    "src/main/java/shop/Tokens.java": f'package shop;\n\nclass Tokens {{\n    static final String ADMIN_JWT = "{JWT}";\n}}\n',
    "deploy/server_key.pem": f"-----BEGIN RSA PRIVATE KEY-----\n{PEM_LINE}\nAAAAbbbbCCCCddddEEEEffff0000111122223333\n-----END RSA PRIVATE KEY-----\n",
}


def finding(i: int, file: str, line: int, snippet: str, secret: str) -> dict:
    return {"id": f"S{i}", "title": f"key {secret}"[:90], "category": "hardcoded-secret", "cwe": "CWE-798", "severity": "critical",
            "file": file, "line_start": line, "line_end": line, "snippet": snippet[:160],
            "reason": f"it leaks {secret} and password={PROSE_ONLY} here"[:200]}


def answers() -> dict[str, dict]:
    findings = [
        finding(1, "src/main/resources/app.properties", 2, f"db.password={DB_PW}", AWS_SECRET),
        finding(2, "shop/settings.py", 2, f'SECRET_KEY = "{DJANGO}"', GH),
        finding(3, "web.config", 3, f"Password={SQL_PW};", SLACK),
        finding(4, "src/main/java/shop/Tokens.java", 4, f'ADMIN_JWT = "{JWT}"', STRIPE),
        finding(5, "deploy/server_key.pem", 2, PEM_LINE, GOOGLE),
    ]
    return {
        "AnalyzerOutput": {"summary": f"A shop. The db password is {DB_PW}; keys {AWS_ID} {AWS_SECRET}; token={PROSE_ONLY} in prose.",
                           "tech_stack": [GH[:40], "java"],
                           "components": [{"name": f"db {PG_PW}", "paths": ["shop"], "role": f"holds {URL_PW} and {JWT}"[:160]}],
                           "findings": [{**finding(9, "docker-compose.yml", 4, f"POSTGRES_PASSWORD: {PG_PW}", XML_PW), "id": "A1"}]},
        "SecurityOutput": {"findings": findings},
        "ModernizationOutput": {"items": [{"id": "P1", "title": f"rotate {SQL_PW}", "phase": "quick-win", "effort": "S", "addresses": ["S1"],
                                           "files": ["web.config"], "rationale": f"the secret {PEM_LINE} is public; so is {GOOGLE}"}]},
        "ValidatorOutput": {"verdicts": [{"finding_id": "S1", "verdict": "confirmed", "note": f"really {DB_PW} and {STRIPE}"}],
                            "plan_risks": [{"plan_id": "P1", "level": "high", "risk": f"clients use {SLACK} and {DJANGO}"}]},
        "PlanDetail": {"steps": [f"replace {AWS_ID}", f"set password={PROSE_ONLY} in vault"], "code_example": f'String pw = "{XML_PW}"; // {JWT}',
                       "tests": [f"assert no {GH}"]},
    }


def test_planted_secrets_reach_no_output_format_and_no_suppressions_file(tmp_path: Path):
    repo = tmp_path / "shop"
    for rel, text in FILES.items():
        (repo / rel).parent.mkdir(parents=True, exist_ok=True)
        (repo / rel).write_text(text)
    assert len(AWS_SECRET) == 40
    valid = answers()
    seen: dict[str, int] = {}

    def chat(body, n):
        name = body["response_format"]["json_schema"]["name"]
        seen[name] = seen.get(name, 0) + 1
        if name == "SecurityOutput" and seen[name] == 1:
            # a failed answer: its head is kept in the report's attempts
            return sse('{"findings": [{"id": "S1", "title": "' + DB_PW + " " + STRIPE + " password=" + PROSE_ONLY + '", "cat')
        return sse(json.dumps(valid[name]))

    server = ScriptedServer(chat)
    opts = AnalyzeOptions(endpoint=Endpoint(base_url="http://127.0.0.1:9/v1", retries=1), use_cache=False)
    report = asyncio.run(analyze(repo, opts, client_factory=lambda ep: LLMClient(ep, transport=server.transport())))

    sec = next(a for a in report.agents if a.agent == "security")
    assert sec.status == "ok" and len(sec.attempts) == 1  # the failed head is in the report, redacted
    assert {f.grounding.status for f in report.findings} == {"verified"}  # grounded on the raw code first
    assert report.plan and report.plan[0].detail is not None and report.plan[0].risks
    outputs = {fmt: render(report, fmt) for fmt in RENDERERS}
    for fmt, text in outputs.items():
        leaked = [s for s in ALL if s in text or json.dumps(s)[1:-1] in text]
        assert not leaked, f"{fmt} leaks {leaked}"
    assert "«redacted»" in outputs["json"] and "«redacted»" in outputs["html"]

    # the review's suppressions file: a model's title (raw, as if unredacted) and a person's reason
    f = next(f for f in report.findings if f.file == "src/main/resources/app.properties")
    suppress(repo, Suppression(fingerprint=f.fingerprint, reason=f"ok, password={PROSE_ONLY} rotated", owner="me",
                               title=f"hard-coded {DB_PW}", file=f.file))
    text = (repo / FILENAME).read_text()
    assert not [s for s in ALL if s in text] and text.count("«redacted»") == 2
