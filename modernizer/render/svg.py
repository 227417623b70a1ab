"""The module graph as inline SVG: a circular layout computed here, so the HTML needs no script
library and no network. Nodes on a cycle are drawn in the warning colour."""

from __future__ import annotations

import math

from markupsafe import escape

from modernizer.graph import GraphView

MAX_NODES = 40


def graph_svg(view: GraphView, size: int = 720) -> str:
    ranked = [n.name for n in view.central]
    nodes = set(ranked)
    for a, b in view.edge_list:
        if len(nodes) >= MAX_NODES:
            break
        nodes.update((a, b))
    names = sorted(nodes)[:MAX_NODES]
    if not names:
        return '<p class="muted">No dependencies between modules were found.</p>'
    on_cycle = {n for comp in view.strongly_connected for n in comp}
    cx = cy = size / 2
    r = size / 2 - 140
    pos = {n: (cx + r * math.cos(2 * math.pi * i / len(names)), cy + r * math.sin(2 * math.pi * i / len(names)))
           for i, n in enumerate(names)}
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {size}" class="graph" role="img" aria-label="module dependency graph">',
             '<defs><marker id="arr" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="6" markerHeight="6" orient="auto-start-reverse">'
             '<path d="M 0 0 L 10 5 L 0 10 z" fill="#888"/></marker></defs>']
    for a, b in view.edge_list:
        if a in pos and b in pos:
            (x1, y1), (x2, y2) = pos[a], pos[b]
            cyc = a in on_cycle and b in on_cycle
            parts.append(f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" class="{"edge cyc" if cyc else "edge"}" marker-end="url(#arr)"/>')
    for n, (x, y) in pos.items():
        label = n.rsplit("/", 2)
        short = "/".join(label[-2:]) if len(label) > 1 else n
        anchor = "start" if x >= cx else "end"
        dx = 8 if x >= cx else -8
        parts.append(f'<g class="{"node cyc" if n in on_cycle else "node"}"><title>{escape(n)}</title>'
                     f'<circle cx="{x:.1f}" cy="{y:.1f}" r="5"/>'
                     f'<text x="{x + dx:.1f}" y="{y + 4:.1f}" text-anchor="{anchor}">{escape(short)}</text></g>')
    parts.append("</svg>")
    return "".join(parts)
