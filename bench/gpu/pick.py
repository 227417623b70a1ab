"""Prints the name of the best flag set (or of NAME, if given) measured so far on this machine (highest 1-stream decode
speed at the long context), or its serve args (--args) / CC JSON (--cc). Used by later calls."""
import glob
import json
import os
import sys

best, rate = None, -1.0
for f in glob.glob("/tmp/results/decode_*.json"):
    d = json.load(open(f))
    r = (d.get("long_b1") or {}).get("decode_tok_s") or -1
    if r > rate:
        best, rate = d["label"], r
names = [a for a in sys.argv[1:] if not a.startswith("--")]
if names:
    best = names[0]
if "--args" in sys.argv:
    p = f"/tmp/results/args_{best}.txt"
    args = [l.strip() for l in open(p) if l.strip()] if best and os.path.exists(p) else []
    if "--profiler-config" in args:  # measurement only, not a serving flag
        i = args.index("--profiler-config")
        del args[i:i + 2]
    print(" ".join(args))
elif "--cc" in sys.argv:
    p = f"/tmp/results/cc_{best}.txt"
    print(open(p).read().strip() if best and os.path.exists(p) else "")
else:
    print(best, rate, file=sys.stderr)
    print(best or "")
