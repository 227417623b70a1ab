"""Which folder a review works on: the one the report was made from, or ``--repo``.

A report names its repository by the path it had where the analysis ran: a CI runner's checkout
(``/home/runner/work/...``), a colleague's machine, or, for the shipped example report, a path
relative to the modernizer checkout. ``--repo`` says where the same code is here. The folder is
checked to hold the report's files, so a review never walks one repository's findings over
another's code.
"""

from __future__ import annotations

from pathlib import Path

from modernizer.errors import InputError
from modernizer.report import Report

HINT = "pass --repo with the folder the report was made from (a git copy of the same code works)"


def analysed_root(report: Report, repo: Path | None, saved: str | None = None) -> Path:
    """The folder to review: ``repo`` (checked), else the saved session's, else the report's own."""
    if repo is not None:
        root = Path(repo).expanduser().absolute()
        if saved is not None and Path(saved) != root:
            raise InputError(f"the saved review session works on {saved}, not {root}",
                             f"resume with --repo {saved} (or without --repo), or pass --restart to start over on {root}")
        if not root.is_dir():
            raise InputError(f"--repo {repo}: no such folder", HINT)
        files = {f.file for f in report.findings if f.grounding.status != "rejected"}
        if files and not any((root / f).is_file() for f in files):
            raise InputError(f"--repo {repo}: none of the report's {len(files)} files are in it; is it the repository the "
                             f"report was made from ({report.repo.name})?", HINT)
        return root
    if saved is not None:
        if not Path(saved).is_dir():
            raise InputError(f"the saved review session works on {saved}, which is not there any more",
                             "pass --repo with where that code is now and --restart, or review on the machine it is on")
        return Path(saved)
    root = Path(report.repo.root)
    if not root.is_absolute():
        raise InputError(f"the report names its repository by a relative path ({report.repo.root}), as the shipped example "
                         "does", HINT)
    if not root.is_dir():
        raise InputError(f"the analysed repository {root} is not there (the report was made on another machine, or it moved)", HINT)
    return root
