"""The grounding check against a snapshot of sample_repos/legacy-hotel, through the public API."""

from __future__ import annotations

import json

import pytest

from conftest import HOTEL
from modernizer.findings.grounding import ground
from modernizer.repo.ingest import load_snapshot


@pytest.fixture(scope="module")
def snap():
    return load_snapshot(HOTEL)


@pytest.fixture(scope="module")
def expected():
    return json.loads((HOTEL / "EXPECTED.json").read_text())


def test_every_planted_vulnerability_grounds_as_verified(snap, expected):
    for v in expected["vulnerabilities"]:
        g = ground(snap, v["file"], v["line_start"], v["line_end"], v["snippet"])
        assert g.status == "verified", (v["id"], g)
        assert (g.line_start, g.line_end) == (v["line_start"], v["line_end"])


def test_lines_off_by_a_little_are_corrected(snap, expected):
    v = expected["vulnerabilities"][0]
    g = ground(snap, v["file"], v["line_start"] + 2, v["line_end"] + 2, v["snippet"])
    assert g.status == "verified" and g.line_start == v["line_start"] and "corrected" in g.note


def test_line_number_prefix_and_path_forms_are_tolerated(snap, expected):
    v = expected["vulnerabilities"][0]
    line = snap.file(v["file"]).text.splitlines()[v["line_start"] - 1]
    g = ground(snap, "./" + v["file"], v["line_start"], v["line_start"], f"{v['line_start']}| {line}")
    assert g.status == "verified"
    short = v["file"].split("/", 3)[-1]
    g = ground(snap, short, v["line_start"], v["line_end"], v["snippet"])
    assert g.status == "verified" and g.file == v["file"] and "completed" in g.note


def test_quote_not_in_file_is_unverified(snap, expected):
    v = expected["vulnerabilities"][0]
    g = ground(snap, v["file"], v["line_start"], v["line_end"], "System.exit(42); // never written")
    assert g.status == "unverified" and "not in the file" in g.note


def test_missing_file_and_lines_beyond_the_end_are_rejected(snap, expected):
    assert ground(snap, "src/Nope.java", 1, 2, "class Nope").status == "rejected"
    v = expected["vulnerabilities"][0]
    g = ground(snap, v["file"], 99999, 99999, "this text is nowhere")
    assert g.status == "rejected" and "outside the file" in g.note
