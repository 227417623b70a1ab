"""One line per flag set measured on this machine (from /tmp/results/decode_*.json)."""
import glob
import json

print(f"{'flag set':<16} {'short b1':>8} {'short b4':>8} {'cold s':>7} {'warm s':>6} {'cached':>8} {'long b1':>8} {'(wall)':>7} {'long b2':>8} {'mid b1':>7} {'(wall)':>7} {'skipdef':>7}")
for f in sorted(glob.glob("/tmp/results/decode_*.json")):
    d = json.load(open(f))
    g = lambda k, f2="decode_tok_s": (d.get(k) or {}).get(f2)
    print(f"{d['label']:<16} {g('short_b1')!s:>8} {(d.get('short_b4') or {}).get('sum_tok_s')!s:>8} {g('cold','ttft_s')!s:>7} "
          f"{g('warm','ttft_s')!s:>6} {g('warm','cached_tokens')!s:>8} {g('long_b1')!s:>8} {g('long_b1','decode_tok_s_wall')!s:>7} {(d.get('long_b2') or {}).get('sum_tok_s')!s:>8} "
          f"{g('mid_b1')!s:>7} {g('mid_b1','decode_tok_s_wall')!s:>7} {g('long_skipdefault','decode_tok_s_wall')!s:>7}  prompt={g('cold','prompt_tokens')} {'FAILED' if d.get('failed') else ''}")
