"""The offline token estimate (no server): each file counted as the prompt would show it, from its
own text, without rendering it; large files on a sample. Checked against the exact count of the
rendered files, with the same tokenizer."""

from __future__ import annotations

from conftest import SAMPLES
from modernizer.run.context import render_file
from modernizer.repo.ingest import load_snapshot
from modernizer.repo.snapshot import SourceFile
from modernizer.repo.tokens import SAMPLE_ABOVE, TiktokenCounter


def test_the_estimate_of_each_file_is_close_to_counting_its_rendered_text():
    counter = TiktokenCounter()
    for repo in ("legacy-hotel", "legacy-pyshop"):
        files = sorted(load_snapshot(SAMPLES / repo).files, key=lambda f: f.path)
        exact = counter.count_many([render_file(f) for f in files])
        estimate = counter.count_files(files)
        assert abs(sum(estimate) / sum(exact) - 1) < 0.02, repo
        assert all(abs(e / x - 1) < 0.06 for e, x in zip(estimate, exact) if x > 300), repo


def test_a_large_file_is_counted_on_a_sample_within_a_few_percent():
    lines = [f"    total_{i} = compute(price_{i}, quantity={i % 17}, discount=0.{i % 9})  # line {i}" for i in range(3000)]
    text = "def invoice():\n" + "\n".join(lines) + "\n"
    assert len(text) > 10 * SAMPLE_ABOVE
    f = SourceFile(path="billing/invoice.py", language="python", text=text, sha256="x", lines=len(lines) + 1, size_bytes=len(text))
    counter = TiktokenCounter()
    (estimate,), (exact,) = counter.count_files([f]), counter.count_many([render_file(f)])
    assert abs(estimate / exact - 1) < 0.04
