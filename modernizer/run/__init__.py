"""The analyze job itself: ingest -> facts -> plan -> engine -> report (analysis), the agents and their
prompts, the context the model reads, the result cache, the progress a person watches, and the
one place model output becomes report data (assemble)."""
