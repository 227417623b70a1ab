"""modernizer: local-first, multi-agent analysis of legacy codebases on a locally served model."""

__version__ = "0.1.0"
