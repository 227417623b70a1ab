"""Where a device phase's results are (/tmp/results, or a folder given as the first argument, e.g. a
copy under bench/results/gpu/), and a JSON reader that takes a missing or torn file as nothing:
a phase cut off by the call's time limit leaves some files unwritten."""

from __future__ import annotations

import json
import sys

R = sys.argv[1] if len(sys.argv) > 1 else "/tmp/results"


def load(path: str):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None
