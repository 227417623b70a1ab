"""Reading the analysed tree: its files, their roles and languages, symbols, the dependency graph and
token counts. Nothing here knows a model exists (tests/test_layout.py holds it to that)."""
