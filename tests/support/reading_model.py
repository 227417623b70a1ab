"""The schema-driven test model (schema_model.py) with a security agent that reads the code: it
reports every line of the repository that concatenates into SQL or a shell command, so what it
finds follows the code from one weekly run to the next as a model's findings would. Test data at
the engine's model seam, for tests/test_history.py and tests/test_ci_weekly_run.py; and the code of
three weeks of a small repository (a finding appears, stays, is fixed)."""

from __future__ import annotations

import json
from pathlib import Path

from support.schema_model import SchemaModel

__test__ = False

DB_WEEK1 = '''import sqlite3


def find_user(con, name):
    return con.execute("SELECT * FROM users WHERE name = '" + name + "'").fetchall()
'''
DB_WEEK2 = DB_WEEK1 + '''

def find_order(con, number):
    return con.execute("SELECT * FROM orders WHERE number = " + number).fetchall()
'''
TOOLS_WEEK1 = '''import os


def ping(host):
    return os.system("ping -c 1 " + host)
'''
TOOLS_WEEK3 = '''import subprocess


def ping(host):
    return subprocess.run(["ping", "-c", "1", host], check=False).returncode
'''
RULES = [("SELECT", "sql-injection", "CWE-89", "critical", "SQL built by concatenation"),
         ("os.system(", "command-injection", "CWE-78", "high", "Shell command built by concatenation")]


class ReadingModel(SchemaModel):
    """The schema model, whose security agent reports every line of ``repo`` that concatenates into
    SQL or a shell command (what a model would find in this code); every other answer is the schema's
    smallest valid one. ``during``: called once while the run is asking (to change the world mid-run)."""

    def __init__(self, repo: Path, during=None) -> None:  # noqa: ANN001
        super().__init__(items=0)
        self.repo, self.during = repo, during

    def findings(self) -> list[dict]:
        out = []
        for path in sorted(self.repo.rglob("*.py")):
            for n, line in enumerate(path.read_text().splitlines(), 1):
                for needle, category, cwe, severity, title in RULES:
                    if needle in line and "+" in line:
                        out.append({"id": f"S{len(out) + 1}", "title": title, "category": category, "cwe": cwe,
                                    "severity": severity, "file": path.relative_to(self.repo).as_posix(), "line_start": n,
                                    "line_end": n, "snippet": line.strip(), "reason": "user input reaches it unescaped"})
        return out

    async def chat(self, messages, *, schema_name: str = "answer", **kw):  # noqa: ANN001, ANN201
        done = await super().chat(messages, schema_name=schema_name, **kw)
        if self.during is not None:
            self.during, during = None, self.during
            during()
        if schema_name == "SecurityOutput":
            return done.model_copy(update={"text": json.dumps({"findings": self.findings()})})
        return done
