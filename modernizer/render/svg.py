"""The directory graph as inline SVG, laid out here so the HTML needs no script library and no
network. An arc diagram: one row per directory with its whole path as the label (a circle layout
had to cut labels to fit around the ring and left half the canvas empty), and each dependency an
arc on the right from the directory to the one it uses. Rows are in path order, so neighbours in
the tree sit together; directories on a cycle are drawn in the warning colour.

The picture has a natural size (``width``/``height`` in user units = CSS px). In a box at least
``MIN_SCALE`` of that wide it is shrunk to fit (labels at least ``FONT * MIN_SCALE`` px); in a
narrower one it keeps its natural size and the box scrolls sideways, never something in between
(the HTML's ``.graph-wrap`` is a size container; the rule that switches is emitted here, beside
the picture, because the threshold is this picture's own width)."""

from __future__ import annotations

from markupsafe import escape

from modernizer.repo.graph import GraphView

MAX_NODES = 40
MAX_LABEL = 48  # characters; longer paths keep their end (the part that tells directories apart)
FONT = 14  # user units = CSS px at natural size
ROW = 28
MIN_SCALE = 0.75  # labels >= 10.5 px when shrunk to fit


def node_label(name: str) -> str:
    """The whole path, its start cut when very long; the root directory gets a name a person reads."""
    if name in (".", ""):
        return ". (root)"
    return name if len(name) <= MAX_LABEL else "…" + name[-(MAX_LABEL - 1):]


def chosen_nodes(view: GraphView) -> list[str]:
    """The most central directories first, then the ends of edges until MAX_NODES, in path order."""
    nodes = [n.name for n in view.central][:MAX_NODES]
    seen = set(nodes)
    for a, b in view.edge_list:
        for n in (a, b):
            if len(seen) < MAX_NODES and n not in seen:
                seen.add(n)
                nodes.append(n)
    return sorted(seen)


def graph_svg(view: GraphView) -> str:
    names = chosen_nodes(view)
    if not names:
        return '<p class="muted">No dependencies between directories were found.</p>'
    on_cycle = {n for comp in view.strongly_connected for n in comp}
    row = {n: i for i, n in enumerate(names)}
    label_w = max(len(node_label(n)) for n in names) * FONT * 0.6 + 12  # a monospace-ish upper bound
    x0 = label_w + 8  # the column of dots
    edges = [(a, b) for a, b in view.edge_list if a in row and b in row and a != b]
    span = max((abs(row[a] - row[b]) for a, b in edges), default=0)
    width = round(x0 + span * ROW / 2 * 1.4 + 24)
    height = len(names) * ROW + 8
    y = {n: 16 + i * ROW for i, n in enumerate(names)}
    fit_from = round(width * MIN_SCALE)
    parts = [f'<style>@container (width < {fit_from}px) {{ svg.graph {{ max-width: none; }} }}</style>',
             f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
             f'data-fit-from="{fit_from}" font-size="{FONT}" class="graph" role="img" '
             f'aria-label="directory dependency graph: {len(names)} directories, {len(edges)} dependencies">',
             '<defs><marker id="arr" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto">'
             '<path d="M 0 0 L 10 5 L 0 10 z" fill="#888"/></marker>'
             '<marker id="arrc" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto">'
             '<path d="M 0 0 L 10 5 L 0 10 z" fill="#d9480f"/></marker></defs>']
    for a, b in sorted(edges, key=lambda e: (e[0] in on_cycle and e[1] in on_cycle, e)):  # cycle arcs on top
        ya, yb = y[a], y[b]
        # downward arcs are round, upward ones flatter: both edges of a two-directory cycle show
        ry = abs(yb - ya) / 2
        down = yb > ya
        rx = ry * 1.4 if down else ry * 0.7
        cyc = a in on_cycle and b in on_cycle
        parts.append(f'<path d="M {x0:.1f} {ya} A {rx:.1f} {ry:.1f} 0 0 {1 if down else 0} {x0:.1f} {yb}" class="{"edge cyc" if cyc else "edge"}" '
                     f'fill="none" marker-end="url(#{"arrc" if cyc else "arr"})"><title>{escape(a)} → {escape(b)}</title></path>')
    for n in names:
        parts.append(f'<g class="{"node cyc" if n in on_cycle else "node"}"><title>{escape(n)}</title>'
                     f'<circle cx="{x0:.1f}" cy="{y[n]}" r="4.5"/>'
                     f'<text x="{x0 - 10:.1f}" y="{y[n] + FONT * 0.35:.1f}" text-anchor="end">{escape(node_label(n))}</text></g>')
    parts.append("</svg>")
    return "".join(parts)
