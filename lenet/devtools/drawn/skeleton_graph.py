"""The skeleton's pixels as a graph, turned into the chains of points a pen would follow.

`trace` finds the branches (`Edge`) between free ends and junctions and the rings without
any junction; `simplify_graph` merges close junctions and drops spurs and crumbs; `chain`
joins branches that continue each other straightly through a junction into one stroke.
Points are (x, y) MNIST px.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from lenet.devtools.drawn.polylines import direction
from lenet.devtools.drawn.skeleton import UPSAMPLE

JOIN_LENGTH = 1.6
"""Two junctions of the skeleton closer than this (MNIST px) are one junction (the middle
of an "8" thins to two forks joined by a short piece)."""
SPUR_LENGTH = 2.6
"""Branches from a junction to a free end shorter than this (MNIST px) are thinning
artefacts (corners of thick strokes), not strokes: they are dropped."""
MIN_PIECE = 2.0
"""A lone piece of stroke shorter than this (MNIST px) is dropped."""
STRAIGHT_ENOUGH = math.cos(math.radians(55.0))
"""Two branches at a junction are drawn as one stroke when the path through it turns by
less than 55 degrees (the bar of a "T", the strokes crossing in a "4" or "8")."""


_N8 = ((-1, -1), (-1, 0), (-1, 1), (0, -1), (0, 1), (1, -1), (1, 0), (1, 1))


def _skeleton_graph(skel: np.ndarray) -> dict[tuple[int, int], list[tuple[int, int]]]:
    """Adjacency of skeleton pixels: 8-neighbours, except that a diagonal step is left out
    when the two pixels also meet through a common 4-neighbour (staircases would otherwise
    look like junctions)."""
    h, w = skel.shape
    pix = [(int(y), int(x)) for y, x in zip(*np.nonzero(skel), strict=True)]
    on = skel
    adj: dict[tuple[int, int], list[tuple[int, int]]] = {p: [] for p in pix}
    for y, x in pix:
        for dy, dx in _N8:
            yy, xx = y + dy, x + dx
            if not (0 <= yy < h and 0 <= xx < w) or not on[yy, xx]:
                continue
            if dy and dx and (on[y, xx] or on[yy, x]):
                continue
            adj[(y, x)].append((yy, xx))
    return adj


@dataclass
class Edge:
    """A branch of the skeleton between nodes a and b (a == b: a loop through one node);
    pts: (K, 2) float (x, y) in MNIST px, from a to b."""

    a: int
    b: int
    pts: np.ndarray

    def length(self) -> float:
        return float(np.hypot(*np.diff(self.pts, axis=0).T).sum()) if len(self.pts) > 1 else 0.0


def _to_xy(path: Sequence[tuple[int, int]]) -> np.ndarray:
    """Skeleton pixels (row, col) → (x, y) MNIST px (pixel centres)."""
    p = np.asarray(path, dtype=np.float64).reshape(-1, 2)
    return (p[:, ::-1] + 0.5) / UPSAMPLE


def trace(skel: np.ndarray) -> tuple[list[Edge], dict[int, np.ndarray], list[np.ndarray]]:
    """The skeleton as a graph: edges between nodes (free ends and junctions; neighbouring
    junction pixels form one node at their centroid), node positions, and closed loops
    without any node (a "0"), each a closed (K, 2) polyline."""
    adj = _skeleton_graph(skel)
    deg = {p: len(n) for p, n in adj.items()}
    node_of: dict[tuple[int, int], int] = {}
    pos: dict[int, np.ndarray] = {}
    nid = 0
    for p in adj:  # junction clusters
        if deg[p] < 3 or p in node_of:
            continue
        stack, members = [p], []
        node_of[p] = nid
        while stack:
            q = stack.pop()
            members.append(q)
            for r in adj[q]:
                if deg[r] >= 3 and r not in node_of:
                    node_of[r] = nid
                    stack.append(r)
        pos[nid] = _to_xy(members).mean(axis=0)
        nid += 1
    for p in adj:  # free ends
        if deg[p] == 1:
            node_of[p] = nid
            pos[nid] = _to_xy([p])[0]
            nid += 1
    seen: set[frozenset] = set()
    edges: list[Edge] = []
    for p in list(node_of):
        for q in adj[p]:
            key = frozenset((p, q))
            if key in seen:
                continue
            seen.add(key)
            if q in node_of and node_of[q] == node_of[p]:
                continue  # inside a junction cluster
            path = [p, q]
            prev, cur = p, q
            while cur not in node_of:
                nxt = [r for r in adj[cur] if r != prev]
                if not nxt:
                    break
                r = nxt[0]
                k = frozenset((cur, r))
                if k in seen:
                    break
                seen.add(k)
                path.append(r)
                prev, cur = cur, r
            if cur not in node_of:
                continue
            pts = _to_xy(path)
            pts[0] = pos[node_of[p]]
            pts[-1] = pos[node_of[cur]]
            edges.append(Edge(node_of[p], node_of[cur], pts))
    loops: list[np.ndarray] = []
    for p in adj:  # what is left: rings of degree-2 pixels
        if p in node_of or deg[p] != 2:
            continue
        if all(frozenset((p, q)) in seen for q in adj[p]):
            continue
        path = [p]
        prev, cur = p, adj[p][0]
        seen.add(frozenset((p, cur)))
        while cur != p:
            path.append(cur)
            nxt = [r for r in adj[cur] if r != prev and frozenset((cur, r)) not in seen]
            if not nxt:
                break
            seen.add(frozenset((cur, nxt[0])))
            prev, cur = cur, nxt[0]
        path.append(p)
        if len(path) > 3:
            loops.append(_to_xy(path))
    return edges, pos, loops


def degrees(edges: list[Edge]) -> dict[int, int]:
    d: dict[int, int] = {}
    for e in edges:
        d[e.a] = d.get(e.a, 0) + 1
        d[e.b] = d.get(e.b, 0) + 1
    return d


def simplify_graph(edges: list[Edge], pos: dict[int, np.ndarray]) -> list[Edge]:
    """Merge close junctions (JOIN_LENGTH) and drop spurs (SPUR_LENGTH) and crumbs
    (MIN_PIECE), until nothing changes."""
    changed = True
    while changed:
        changed = False
        deg = degrees(edges)
        # 1. contract short junction-junction edges
        for i, e in enumerate(edges):
            if e.a != e.b and deg[e.a] >= 3 and deg[e.b] >= 3 and e.length() < JOIN_LENGTH:
                keep, gone = e.a, e.b
                pos[keep] = 0.5 * (pos[keep] + pos[gone])
                del edges[i]
                for f in edges:
                    if f.a == gone:
                        f.a = keep
                    if f.b == gone:
                        f.b = keep
                    if f.a == keep:
                        f.pts[0] = pos[keep]
                    if f.b == keep:
                        f.pts[-1] = pos[keep]
                changed = True
                break
        if changed:
            continue
        # 2. drop the shortest spur (a free end hanging off a junction) or crumb
        worst, worst_len = -1, math.inf
        for i, e in enumerate(edges):
            length = e.length()
            free_a, free_b = deg[e.a] == 1, deg[e.b] == 1
            if e.a == e.b:
                bad = length < 3.0 * MIN_PIECE  # a tiny loop: a pin hole
            elif free_a and free_b:
                bad = length < MIN_PIECE
            elif free_a or free_b:
                bad = length < SPUR_LENGTH
            else:
                bad = False
            if bad and length < worst_len:
                worst, worst_len = i, length
        if worst >= 0:
            del edges[worst]
            changed = True
    return edges


def chain(edges: list[Edge], deg: dict[int, int]) -> list[tuple[np.ndarray, bool, bool, bool]]:
    """Join edges into pen strokes: at each node, pair the branch ends that continue each
    other most straightly (turn < acos(STRAIGHT_ENOUGH)); a node of degree 2 always joins.
    Returns (points, closed, start is a free end, end is a free end) per stroke."""
    ends: dict[int, list[tuple[int, int]]] = {}
    for i, e in enumerate(edges):
        ends.setdefault(e.a, []).append((i, 0))
        ends.setdefault(e.b, []).append((i, 1))
    partner: dict[tuple[int, int], tuple[int, int]] = {}
    for _node, es in ends.items():
        if len(es) < 2:
            continue
        dirs = {}
        for i, side in es:
            p = edges[i].pts if side == 0 else edges[i].pts[::-1]
            dirs[(i, side)] = direction(p)
        if len(es) == 2:
            partner[es[0]] = es[1]
            partner[es[1]] = es[0]
            continue
        pairs = []
        for j in range(len(es)):
            for k in range(j + 1, len(es)):
                straight = -float(dirs[es[j]] @ dirs[es[k]])
                if es[j][0] != es[k][0] and straight >= STRAIGHT_ENOUGH:
                    pairs.append((straight, es[j], es[k]))
        pairs.sort(key=lambda t: -t[0])
        for _, u, v in pairs:
            if u not in partner and v not in partner:
                partner[u] = v
                partner[v] = u
    used = [False] * len(edges)
    out: list[tuple[np.ndarray, bool, bool, bool]] = []

    def follow(i: int, side: int) -> tuple[np.ndarray, tuple[int, int], bool]:
        """Walk from edge i entered at `side` to an unpaired end (or back to the start):
        the points, the last edge end, and whether the chain closed on itself."""
        parts: list[np.ndarray] = []
        start = (i, side)
        while True:
            used[i] = True
            p = edges[i].pts if side == 0 else edges[i].pts[::-1]
            parts.append(p if not parts else p[1:])
            far = (i, 1 - side)
            nxt = partner.get(far)
            if nxt == start:
                return np.concatenate(parts), far, True
            if nxt is None or used[nxt[0]]:
                return np.concatenate(parts), far, False
            i, side = nxt

    def node_at(end: tuple[int, int]) -> int:
        return edges[end[0]].a if end[1] == 0 else edges[end[0]].b

    # strokes that start at an unpaired end first, then what is left (closed chains)
    for i in range(len(edges)):
        for side in (0, 1):
            if used[i] or (i, side) in partner:
                continue
            pts, last, _ = follow(i, side)
            free0 = deg.get(node_at((i, side)), 0) == 1
            out.append((pts, False, free0, deg.get(node_at(last), 0) == 1))
    for i in range(len(edges)):
        if not used[i]:
            pts, _, closed = follow(i, 0)
            out.append((pts, closed, False, False))
    return out
