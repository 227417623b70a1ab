"""Talking to the model server: where it is and whether code may go there, requests and their retries,
tokenization and admission, the stream and its clocks, the server's metrics. Nothing here knows
about findings (tests/test_layout.py holds it to that)."""
