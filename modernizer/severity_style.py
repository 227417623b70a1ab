"""How a severity looks in a terminal (rich styles): one table for the end-of-run summary and the
review screen, so critical reads the same in both."""

SEVERITY_STYLE = {"critical": "bold white on red", "high": "bold red", "medium": "yellow", "low": "cyan", "info": "dim"}
