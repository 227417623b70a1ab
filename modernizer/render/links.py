"""Links from a report to the analysed source, shared by the renderers that make them (Markdown,
HTML) so that a line range is written the same way everywhere: ``path#L5-L7`` under a base such as
``https://github.com/OWNER/REPO/blob/SHA``, which GitHub, GitLab and Gitea all understand."""

from __future__ import annotations

from urllib.parse import quote, urlsplit


def in_repository(prefix: str, path: str) -> str:
    """A report path (relative to the analysed folder) as a path from the git work tree's top
    level, given the folder's ``prefix`` there (``Report.repo.git.prefix``): what GitHub resolves
    SARIF locations and ``/blob/SHA/`` links against when a subfolder (a monorepo's part) was analysed."""
    return f"{prefix.strip('/')}/{path}" if prefix.strip("/") else path


def line_label(path: str, start: int | None = None, end: int | None = None) -> str:
    """``path:5-7`` as a person reads it."""
    if start is None:
        return path
    return f"{path}:{start}" + (f"-{end}" if end is not None and end > start else "")


def source_target(path: str, start: int | None = None, end: int | None = None, link_base: str = "") -> str:
    """The link to a file (and its lines): under ``link_base``, or relative to the repository root
    when it is empty (right in a Markdown file read inside the repository). Each path segment is
    percent-encoded, so a hostile file name cannot add a query, a fragment or a scheme."""
    base = link_base.rstrip("/") + "/" if link_base else ""
    target = base + "/".join(quote(p, safe="-._~") for p in path.split("/"))
    if start is not None:
        target += f"#L{start}" + (f"-L{end}" if end is not None and end > start else "")
    return target


def web_base(link_base: str) -> str:
    """``link_base`` if it is an http(s) URL with a host, else "": a page opened from disk must not
    turn a relative or ``javascript:`` base into a link (the first breaks, the second runs)."""
    try:
        parts = urlsplit(link_base.strip())
    except ValueError:
        return ""
    return link_base.strip() if parts.scheme in ("http", "https") and parts.netloc else ""
