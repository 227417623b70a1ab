"""`modernize eval`: score a report against labels (precision, recall, F1 per CWE and overall)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from modernizer.cli.common import fail, out

EVAL_EPILOG = "Exit codes: 0 done; 2 bad input (report or labels file)."


def eval_(
    json_report: Annotated[Path, typer.Argument(help="A report written by `modernize analyze` (.json).")],
    labels: Annotated[Path, typer.Option("--labels", "-l", help="EXPECTED.json (the samples), an OWASP Benchmark expectedresults-*.csv, or a CSV file,line,cwe,vulnerable.")],
    slack: Annotated[int, typer.Option(min=0, help="Line level: a finding matches a label whose lines are within this many lines of its own.")] = 5,
    as_json: Annotated[bool, typer.Option("--json", help="Print the scores as JSON instead of a table.")] = False,
) -> None:
    """Score a report against labelled vulnerabilities: precision, recall and F1 at file and line
    level, per CWE and overall, and how many findings were unverified, rejected or unlabelled.

    A finding counts when it has a CWE and is grounded; it matches a label of the same file and
    CWE (and, at line level, lines within --slack). With EXPECTED.json, which lists every
    vulnerability, a finding matching none is a false positive; with the CSV formats, a finding on a
    file labelled not vulnerable is.

    Where the labels include safe cases (the OWASP CSV's 'false' rows, a plain CSV row with
    vulnerable=false), each case is also counted the benchmark way, per CWE, for the findings and for
    the static pass's candidates: true-positive rate, false-positive rate (safe cases flagged) and the
    score TPR - FPR. Candidates per 1,000 analysed lines say what the candidates cost the model.
    """
    from rich.table import Table

    from modernizer.errors import ModernizerError
    from modernizer.findings.evaluate import evaluate, load_labels
    from modernizer.report.files import load_report

    try:
        result = evaluate(load_report(json_report)[0], load_labels(labels), slack)
    except ModernizerError as exc:
        raise fail(exc) from None
    if as_json:
        out.print(result.model_dump_json(indent=2), markup=False, highlight=False, soft_wrap=True)
        return
    table = Table(title=f"{json_report.name} against {result.labels} ({'complete labels' if result.complete else 'labelled files'}, "
                        f"line slack {result.slack})")
    for col in ("scope", "TP", "FP", "FN", "precision", "recall", "F1"):
        table.add_column(col, justify="left" if col == "scope" else "right")

    def row(name: str, s: dict) -> None:
        fmt = lambda v: "-" if v is None else (f"{v:.2f}" if isinstance(v, float) else str(v))  # noqa: E731
        table.add_row(name, *(fmt(s[k]) for k in ("tp", "fp", "fn", "precision", "recall", "f1")))

    row("all, file level", result.file_level)
    row("all, line level", result.line_level)
    for cwe, s in result.by_cwe.items():
        row(f"{cwe}, line level", s)
    out.print(table)
    out.print(f"findings scored {result.findings_scored}; without a CWE {result.findings_without_cwe}; "
              f"unverified {result.findings_unverified}; rejected {result.findings_rejected}; "
              f"matching no label {result.findings_unlabelled}", markup=False)
    if any(r["fpr"] is not None for r in [*result.rates_by_cwe.values(), *result.candidate_rates_by_cwe.values()]):
        out.print(_rates_table(result), markup=False)
    if result.candidates_per_kloc is not None:
        out.print(f"candidates per 1,000 analysed lines {result.candidates_per_kloc:.2f} "
                  f"({result.candidates} candidates, {result.lines_analysed} lines)", markup=False)
    if result.candidate_recall is None:
        out.print("candidate recall: - (the report has no candidates: run analyze with the candidates pass on)", markup=False)
    else:
        out.print(f"candidate recall {result.candidate_recall:.2f} ({result.candidates} candidates"
                  + (f"; no candidate for: {', '.join(result.candidate_misses[:10])}" if result.candidate_misses else "") + ")",
                  markup=False)


def _rates_table(result):
    """Per CWE, per labelled case: TPR, FPR and score for the findings and (when present) the candidates."""
    from rich.table import Table

    table = Table(title="per labelled case (vulnerable and safe): TPR, FPR, score = TPR - FPR")
    cols = ["CWE", "cases", "findings TPR", "FPR", "score"]
    if result.candidate_rates_by_cwe:
        cols += ["candidates TPR", "FPR", "score"]
    for col in cols:
        table.add_column(col, justify="left" if col == "CWE" else "right")
    fmt = lambda v: "-" if v is None else f"{v:+.2f}" if isinstance(v, float) and v < 0 else f"{v:.2f}"  # noqa: E731
    for cwe, r in result.rates_by_cwe.items():
        cells = [cwe, str(r["tp"] + r["fn"] + r["fp"] + r["tn"]), fmt(r["tpr"]), fmt(r["fpr"]), fmt(r["score"])]
        c = result.candidate_rates_by_cwe.get(cwe)
        if result.candidate_rates_by_cwe:
            cells += [fmt(c["tpr"]), fmt(c["fpr"]), fmt(c["score"])] if c else ["-"] * 3
        table.add_row(*cells)
    return table
