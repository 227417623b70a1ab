"""Languages as plug-ins: the registry (``registry.py``) says what each language is; one module per
language family finds its file-to-file dependencies (imports, includes, references), each with an
optional ``index(repo)`` built once over all files and an ``extract(repo, file)`` per file.

    base.py        the shared file index, lexers and path helpers
    java.py jsp.py xml_config.py python.py js.py php.py csharp.py (+ ASP) native.py (C, C++, SQL)

Everything is regular expressions over text whose comments (and, where harmless, strings) are
blanked, resolved against indexes of the files present: anything that does not resolve to a file
in the set (the JDK, third-party libraries) is dropped. Total: any text gives a list, never an
exception. Why not tree-sitter: see bench/results/lang.md.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from importlib import import_module

from modernizer.repo.lang.base import Edge, RepoIndex, directory_of
from modernizer.repo.lang.registry import LANGUAGES, Language, detect, language_of
from modernizer.repo.snapshot import SourceFile

__all__ = ["Edge", "LANGUAGES", "Language", "RepoIndex", "dependency_edges", "detect", "language_of", "directory_of"]

# indexes every extractor may read (JSP reads Java's, XML reads Java's and C#'s), built in this order
INDEXES = ("java", "csharp", "php", "python", "xml_config")


def _extractors() -> dict[str, Callable[[RepoIndex, SourceFile], None]]:
    out = {}
    for lang in LANGUAGES.values():
        if lang.extract:
            module, name = lang.extract.split(":")
            out[lang.name] = getattr(import_module(f"modernizer.repo.lang.{module}"), name)
    return out


def dependency_edges(files: Sequence[SourceFile]) -> list[Edge]:
    """All resolved file->file edges, one per (source, target), sorted, no self-loops."""
    try:
        repo = RepoIndex(files)
        for name in INDEXES:
            import_module(f"modernizer.repo.lang.{name}").index(repo)
    except Exception:  # noqa: BLE001 - the contract is totality; a broken index means no edges
        return []
    extract = _extractors()
    for f in repo.files:
        handler = extract.get(f.language)
        if handler is None:
            continue
        try:
            handler(repo, f)
        except Exception:  # noqa: BLE001 - one unreadable file must not cost the others their edges
            continue
    return [Edge(source=s, target=t, kind=k) for (s, t), k in sorted(repo.edges.items())]
