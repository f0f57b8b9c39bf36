"""The org stage in independent pieces: the lexicographic max-min totals of a network cut
along the arcs whose flow no feasible flow can change.

Every flow the progressive filling ever accepts is feasible for the *relaxation* in which
each principal's edge has bounds [T(0), D] (targets only rise from T(0) = min(D, F)). Take
one feasible flow of the relaxation and the strong components of its residual graph: an
arc whose ends lie in different components lies on no residual cycle, so its flow is the
same in every feasible flow of the relaxation (the difference of two feasible flows is a
sum of residual cycles of either), hence in every flow the filling considers. Fixing those
arcs at their flow turns each component into a network of its own, with the crossing flows
as fixed supplies at its nodes, and the feasible flows of the whole are exactly the
combinations of feasible flows of the pieces. The lexicographic max-min fair vector of such
a product is the product of the pieces' vectors (raising a principal can only be paid for
inside its own piece), so each piece is filled on its own: its levels count only its own
principals, and its max-flows run on its own nodes. A principal whose edge crosses
between components keeps the flow it has: no feasible flow gives it another.

The totals are those of the exact loop; the *levels* are not always (a piece whose
principals all reach their demand reports None where the whole would name the level at
which they froze, and a crossing principal has no level of its own), so this is only for
callers that want totals (``lexmaxmin(..., levels=False)``: the org stage, which uses its
levels nowhere). In the org stage the pieces are small: the group stage's tight sets
already fix most crossing flows (at 100 000 requests of ``ratio-mixed`` 30 %, 40 728 nodes
become 20 pieces of at most 3 402 nodes).

``PARITY_ENGINE_SPLIT=0`` fills the whole network instead (the tests compare both).
"""
from __future__ import annotations

import os

from fractions import Fraction

import numpy as np

from . import native

SPLIT = os.environ.get("PARITY_ENGINE_SPLIT", "1") != "0"


def fill(n: int, columns, principals, fill_piece):
    """Totals per principal index as ``lexmaxmin`` gives them, or None when this does not
    apply (compiled solvers off, numbers beyond int64, a piece ``fill_piece`` declines).

    ``fill_piece(n, columns, principals)`` fills one piece: (totals, levels) or None."""
    if not SPLIT or not native.ENABLED or not principals:
        return None
    tails, heads, _, _, flo, fhi, unbounded = columns
    if flo is None or any(p.demand.denominator != 1 or p.floor.denominator != 1 for p in principals):
        return None
    count = len(principals)
    D = native.ints([int(p.demand) for p in principals], count)
    F = native.ints([int(min(p.demand, p.floor)) for p in principals], count)
    if D is None or F is None:
        return None
    big = 1 + int(flo.sum()) + int(fhi.sum()) + int(D.sum())
    if big >= native.LIMIT:
        return None
    T = np.concatenate([np.asarray(tails, dtype=np.int64), np.array([p.tail for p in principals], dtype=np.int64)])
    H = np.concatenate([np.asarray(heads, dtype=np.int64), np.array([p.head for p in principals], dtype=np.int64)])
    lo = np.concatenate([flo, F])
    hi = np.concatenate([np.where(unbounded, big, fhi), D])
    out = native.feasible_arrays(n, T, H, lo, hi)
    if out is None or not out[0]:
        return None         # infeasible even relaxed: the exact loop says why
    return pieces(n, T, H, lo, hi, out[1], (flo, fhi, unbounded), principals, fill_piece)


def pieces(n: int, T, H, lo, hi, flows, fixed_cols, principals, fill_piece):
    """The totals from a feasible flow of the relaxation: arcs ``T``/``H`` with bounds
    ``lo``/``hi`` (unbounded ones as a large number), the principals' edges last, and
    ``fixed_cols`` = (lo, hi, unbounded) of the arcs before them, as the pieces get them.
    None when a piece is declined."""
    totals, jobs = _cut(n, T, H, lo, hi, flows, fixed_cols, principals)
    return _fill(totals, jobs, fill_piece)


def pieces_of(args: list, fill_piece):
    """``pieces`` of the arguments in ``args``, a list it empties: the whole network's
    arrays are freed once the pieces are cut out, before any is filled. (A filling that
    hands its rest over level after level nests one call in the other; each kept its whole
    network alive until then, 1.1 GiB at 100 000 requests of ``random-22``.)"""
    call = tuple(args)
    args.clear()
    totals, jobs = _cut(*call)
    del call
    return _fill(totals, jobs, fill_piece)


def _fill(totals, jobs, fill_piece):
    jobs.reverse()
    while jobs:
        n, cols, piece, members = jobs.pop()
        got = fill_piece(n, cols, piece)
        del cols
        if got is None:
            return None
        for k, i in enumerate(members):
            totals[i] = got[0][k]
    return totals


def _cut(n: int, T, H, lo, hi, flows, fixed_cols, principals):
    """The crossing principals' totals, and each piece as (nodes, columns, principals,
    their indices), in the order of the components' labels."""
    flo, fhi, unbounded = fixed_cols
    m, count = len(T) - len(principals), len(principals)
    comp = native.residual_components(n, T, H, lo, hi, flows)
    ct, ch = comp[T], comp[H]
    cross = ct != ch
    # the crossing flows, as supplies of the nodes they enter and leave
    supply = np.zeros(n, dtype=np.int64)
    np.add.at(supply, H[cross], flows[cross])
    np.subtract.at(supply, T[cross], flows[cross])
    totals: dict[int, Fraction] = {}
    inside: dict[int, list[int]] = {}
    for i in range(count):
        if cross[m + i]:
            totals[i] = Fraction(int(flows[m + i]))
        else:
            inside.setdefault(int(ct[m + i]), []).append(i)
    jobs = []
    if not inside:
        return totals, jobs
    # local numbering: node 0 of a piece is its supply node, its own nodes follow in order
    order = np.argsort(comp, kind="stable")
    starts = np.searchsorted(comp[order], np.arange(comp.max() + 2))
    local = np.empty(n, dtype=np.int64)
    local[order] = np.arange(n) - starts[comp[order]] + 1
    fixed_in = np.flatnonzero(~cross[:m])
    by_comp = fixed_in[np.argsort(ct[fixed_in], kind="stable")]
    arc_starts = np.searchsorted(ct[by_comp], np.arange(comp.max() + 2))
    for c, members in sorted(inside.items()):
        nodes = order[starts[c]:starts[c + 1]]
        arcs = by_comp[arc_starts[c]:arc_starts[c + 1]]
        sup = supply[nodes]
        has = np.flatnonzero(sup)
        s_local = has + 1
        s_val = sup[has]
        into = s_val > 0
        p_tails = np.concatenate([local[T[arcs]], np.where(into, 0, s_local)])
        p_heads = np.concatenate([local[H[arcs]], np.where(into, s_local, 0)])
        p_lo = np.concatenate([flo[arcs], np.abs(s_val)])
        p_hi = np.concatenate([fhi[arcs], np.abs(s_val)])
        p_unb = np.concatenate([unbounded[arcs], np.zeros(len(has), dtype=bool)])
        piece = [type(principals[i])(int(local[principals[i].tail]), int(local[principals[i].head]),
                                     principals[i].demand, principals[i].floor, principals[i].weight)
                 for i in members]
        jobs.append((len(nodes) + 1, (p_tails, p_heads, None, None, p_lo, p_hi, p_unb), piece, members))
    return totals, jobs
