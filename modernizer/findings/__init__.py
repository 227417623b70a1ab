"""What a run finds and how far it is trusted: the agents' answer schemas, grounding in the snapshot,
identity across runs, kinds and CWEs, redaction, suppressions, the baseline, the CI gate and
scoring against labels."""
