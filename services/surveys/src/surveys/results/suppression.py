"""Small-cell suppression: which counts of a published table are withheld, and why that is enough.

A published table is a set of counts (cells) tied by additive *relations*: "these members add up
to that total" (the cells of a row add up to the row's respondents, the rows of a column add up
to the column total, …). Withholding a count is not enough when the relations and the other
published counts give it back: a single withheld cell in a row whose total is published is
recomputed by subtraction. This module decides which cells to withhold so that **no withheld
count can be recomputed exactly** from everything published.

Primary suppression (``primary_cells``): every count from 1 to ``k - 1`` respondents, and every
figure about a *population* (a cut such as "the science centres of département 09") of fewer than
``k`` respondents, zeros included — "nobody in this cut chose B" would say what all of them chose.
Zeros elsewhere are published: they describe no one.

Secondary suppression (``suppress``): the attacker knows every published value, every relation,
that counts are whole numbers, and (to be safe) which withheld counts are non-zero. A withheld
count is *protected* when another table exists that agrees with all of that but differs in this
count. (In a population under ``k``, withheld whole, zeros cannot be told apart: there the
attacker only knows counts are not negative.) Such a table is found by walking a closed,
sign-alternating path through withheld cells (each relation stays balanced: what one member
gains, another member loses or the total gains); moving along the path by one keeps every
published value and changes every cell on it. The algorithm adds, for each unprotected primary
cell, the cheapest short cycle of complementary cells (a 2-by-2 rectangle in a two-way table, a
pair in a one-way one) through it, then checks every withheld cell again and widens the
suppression until each one is protected.

The functions are pure and deterministic: the same table gives the same withheld cells.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Hashable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

Cell = Hashable
FREE = -1  # the "node" of a cell that belongs to one relation only: nothing constrains it there

MIN_K = 3
DEFAULT_K = 5


@dataclass(frozen=True)
class Relation:
    """A published identity: ``sum(members) == total``."""

    members: tuple[Cell, ...]
    total: Cell


@dataclass(frozen=True)
class CountTable:
    """The counts to publish and the relations between them (each cell in at most two).

    ``populations`` maps a count of respondents (a cut's size) to the cells that describe those
    respondents: when the count is under ``k``, all of them are withheld, zeros included.
    """

    values: Mapping[Cell, int]
    relations: Sequence[Relation] = ()
    populations: Mapping[Cell, tuple[Cell, ...]] = field(default_factory=dict)
    _incidence: dict[Cell, list[tuple[int, int]]] = field(
        init=False, repr=False, compare=False, default_factory=dict
    )
    #: Each cell's position, the deterministic order of every walk (cheaper than repr()).
    _order: dict[Cell, int] = field(init=False, repr=False, compare=False, default_factory=dict)
    _every: dict[str, Any] = field(init=False, repr=False, compare=False, default_factory=dict)

    def __post_init__(self) -> None:
        self._order.update({cell: i for i, cell in enumerate(self.values)})
        for index, relation in enumerate(self.relations):
            for member in relation.members:
                self._incidence.setdefault(member, []).append((index, 1))
            self._incidence.setdefault(relation.total, []).append((index, -1))
        for cell, memberships in self._incidence.items():
            if cell not in self.values:
                raise ValueError(f"relation names an unknown cell {cell!r}")
            if len(memberships) > 2:
                raise ValueError(f"cell {cell!r} is in more than two relations")
        for relation in self.relations:
            total = sum(self.values[m] for m in relation.members)
            if total != self.values[relation.total]:
                raise ValueError(f"members of {relation.total!r} add up to {total}")

    def ends(self, cell: Cell) -> tuple[tuple[int, int], tuple[int, int]] | None:
        """The two (relation, coefficient) ends of a cell; FREE with 0 when it has one relation."""
        memberships = self._incidence.get(cell, [])
        if not memberships:
            return None
        if len(memberships) == 1:
            return memberships[0], (FREE, 0)
        return memberships[0], memberships[1]

    def memberships(self, cell: Cell) -> list[tuple[int, int]]:
        """The relations a cell is in, with its coefficient (1 member, -1 total)."""
        return self._incidence.get(cell, [])

    def cells_of(self, relation_index: int) -> Iterator[Cell]:
        relation = self.relations[relation_index]
        yield from relation.members
        yield relation.total


TOTAL = "Σ"  # the row or column key of totals in a grid


def grid_table(
    counts: Mapping[Any, int],
    rows: Sequence[Hashable],
    columns: Sequence[Hashable],
    *,
    row_sizes: Mapping[Any, int] | None = None,
    column_totals: Mapping[Any, int] | None = None,
    grand_size: int | None = None,
    rows_add_up: bool = True,
    columns_add_up: bool = True,
) -> CountTable:
    """A table of counts by row (a cut of respondents) and column (an answer), with its totals.

    Cells are ``(row, column)``; ``(row, TOTAL)`` is a row's respondents, ``(TOTAL, column)`` a
    column's total and ``(TOTAL, TOTAL)`` all respondents. ``rows_add_up`` says each respondent
    gives one answer (a row's cells add up to its respondents: single choice);
    ``columns_add_up`` says each respondent is in one row (the cuts are a partition: circle, not
    theme). Without ``row_sizes`` the rows' respondents are the sums of their cells, without
    ``column_totals`` a column's total is the sum of its rows, without ``grand_size`` all
    respondents are the sum of the rows' (give them when respondents answer several choices or
    sit in several rows).
    """
    values: dict[Cell, int] = {}
    for row in rows:
        for column in columns:
            values[(row, column)] = counts.get((row, column), 0)
        size = sum(values[(row, c)] for c in columns)
        values[(row, TOTAL)] = size if row_sizes is None else row_sizes[row]
    for column in columns:
        values[(TOTAL, column)] = (
            sum(values[(r, column)] for r in rows)
            if column_totals is None
            else column_totals[column]
        )
    grand = sum(values[(r, TOTAL)] for r in rows)
    values[(TOTAL, TOTAL)] = grand if grand_size is None else grand_size
    relations: list[Relation] = []
    if rows_add_up:
        relations.extend(
            Relation(tuple((row, c) for c in columns), (row, TOTAL)) for row in (*rows, TOTAL)
        )
    if columns_add_up:
        relations.extend(
            Relation(tuple((r, column) for r in rows), (TOTAL, column))
            for column in (*columns, TOTAL)
        )
    populations: dict[Cell, tuple[Cell, ...]] = {
        (row, TOTAL): tuple((row, c) for c in columns) for row in rows
    }
    populations[(TOTAL, TOTAL)] = tuple(values)
    return CountTable(values, relations, populations)


def one_way_table(
    counts: Mapping[Any, int], *, size: int | None = None, adds_up: bool = True
) -> CountTable:
    """Counts of one population by answer, with ``TOTAL`` its respondents.

    ``adds_up`` says each respondent gives one answer (without it, give ``size``).
    """
    values: dict[Cell, int] = dict(counts)
    values[TOTAL] = sum(counts.values()) if size is None else size
    relations = [Relation(tuple(counts), TOTAL)] if adds_up else []
    return CountTable(values, relations, {TOTAL: tuple(counts)})


def check_k(k: int) -> int:
    """``k`` as the rule allows it: never below 3 (a pair of respondents would see each other)."""
    if k < MIN_K:
        raise ValueError(f"k must be at least {MIN_K}")
    return k


def primary_cells(table: CountTable, k: int) -> set[Cell]:
    """Counts withheld for themselves: 1..k-1, and every cell of a population under ``k``."""
    check_k(k)
    withheld = {cell for cell, value in table.values.items() if 0 < value < k}
    for size, described in table.populations.items():
        if 0 < table.values[size] < k:
            withheld.add(size)
            withheld.update(described)
    return withheld


def suppress(
    table: CountTable,
    k: int,
    *,
    published: Iterable[Cell] = (),
    withheld_elsewhere: Iterable[Cell] = (),
) -> frozenset[Cell]:
    """Primary and secondary suppression: the cells to withhold, none of them recomputable.

    ``published`` and ``withheld_elsewhere`` tie this table to another publication of some of
    its cells (a crosstab's totals are the question's results): those published there are
    never chosen as complements here, those withheld there stay withheld here.
    """
    fixed = frozenset(published)
    withheld = (primary_cells(table, k) | set(withheld_elsewhere)) - fixed
    # Smallest first: the most sensitive cells choose their complements while all are free.
    for cell in sorted(withheld, key=lambda c: (table.values[c], repr(c))):
        if alternative(table, withheld, cell, k=k) is None:
            withheld.update(_cheapest_cycle(table, withheld, cell, fixed, k))
    return frozenset(_widen_until_protected(table, withheld, fixed, k))


def alternative(
    table: CountTable, withheld: Iterable[Cell], cell: Cell, *, k: int
) -> dict[Cell, int] | None:
    """A change to the withheld counts, invisible in everything published, that moves ``cell``.

    Returns the change (cell → +/- amount), or ``None`` when this search finds none, in which
    case ``cell`` must be treated as recomputable. The change is verified before it is returned.
    """
    hidden = set(withheld)
    if cell not in hidden:
        return None
    ends = table.ends(cell)
    if ends is None:
        return {cell: 1}  # tied to nothing: any value fits
    adjacency = _adjacency(table, hidden)
    floors = _floors(table, hidden, k)
    for delta in (1, -1):
        if not _may_move(table, cell, delta, floors):
            continue
        change = _closing_walk(table, adjacency, cell, delta, ends, floors)
        if change is not None and _is_invisible(table, hidden, change, floors):
            return change
    return None


def unprotected(table: CountTable, withheld: Iterable[Cell], *, k: int) -> list[Cell]:
    """The withheld cells this module cannot show to be safe (empty for a good suppression)."""
    hidden = set(withheld)
    return [c for c in sorted(hidden, key=repr) if alternative(table, hidden, c, k=k) is None]


def _floors(table: CountTable, hidden: set[Cell], k: int) -> dict[Cell, int]:
    """What the attacker knows each withheld count to be at least.

    To be safe it knows which withheld counts are not zero (published zeros hint at it),
    except in a population under ``k``, withheld whole: zeros and others look alike there.
    """
    blurred: set[Cell] = set()
    for size, described in table.populations.items():
        if table.values[size] < k:
            blurred.update(described)
    return {c: 1 if table.values[c] > 0 and c not in blurred else 0 for c in hidden}


def _may_move(table: CountTable, cell: Cell, delta: int, floors: Mapping[Cell, int]) -> bool:
    # Lowering a count of 1 would make it 0, and published zeros tell the attacker that
    # withheld counts are not zero; lowering 0 is impossible.
    return delta > 0 or table.values[cell] - 1 >= floors.get(cell, 0)


Edge = tuple[Cell, int, int, int]  # cell, coefficient here, other end, coefficient there


def _adjacency(table: CountTable, cells: Iterable[Cell]) -> dict[int, list[Edge]]:
    adjacency: dict[int, list[Edge]] = {}
    for cell in sorted(cells, key=table._order.__getitem__):
        ends = table.ends(cell)
        if ends is None:
            continue
        (a, ca), (b, cb) = ends
        adjacency.setdefault(a, []).append((cell, ca, b, cb))
        adjacency.setdefault(b, []).append((cell, cb, a, ca))
    return adjacency


def _closing_walk(
    table: CountTable,
    adjacency: dict[int, list[Edge]],
    cell: Cell,
    delta: int,
    ends: tuple[tuple[int, int], tuple[int, int]],
    floors: Mapping[Cell, int],
) -> dict[Cell, int] | None:
    """Breadth-first search of a sign-alternating walk from one end of ``cell`` back to the other.

    A state is (node, what the next cell must contribute there); at FREE anything goes (0).
    """
    (goal, goal_coef), (start, start_coef) = ends
    first = (start, 0 if start == FREE else -start_coef * delta)
    parents: dict[tuple[int, int], tuple[tuple[int, int], Cell, int] | None] = {first: None}
    queue = deque([first])
    while queue:
        state = queue.popleft()
        node, required = state
        for other, coef_here, far, coef_far in adjacency.get(node, []):
            if other == cell:
                continue
            moves = (1, -1) if node == FREE else (required * coef_here,)
            for move in moves:
                if not _may_move(table, other, move, floors):
                    continue
                arriving = 0 if far == FREE else coef_far * move
                if far == goal and (goal == FREE or arriving == -goal_coef * delta):
                    return _walk_change(parents, state, cell, delta, other, move)
                following = (far, 0 if far == FREE else -arriving)
                if following not in parents:
                    parents[following] = (state, other, move)
                    queue.append(following)
    return None


def _walk_change(
    parents: Mapping[tuple[int, int], tuple[tuple[int, int], Cell, int] | None],
    state: tuple[int, int],
    cell: Cell,
    delta: int,
    last: Cell,
    last_move: int,
) -> dict[Cell, int]:
    change: dict[Cell, int] = {cell: delta}
    change[last] = change.get(last, 0) + last_move
    step = parents[state]
    while step is not None:
        state, other, move = step
        change[other] = change.get(other, 0) + move
        step = parents[state]
    return {c: d for c, d in change.items() if d}


def _is_invisible(
    table: CountTable, hidden: set[Cell], change: Mapping[Cell, int], floors: Mapping[Cell, int]
) -> bool:
    """Every relation still holds, only withheld cells move, and none goes below what is known."""
    if any(c not in hidden for c in change):
        return False
    balance: dict[int, int] = {}
    for moved, amount in change.items():
        for index, coefficient in table.memberships(moved):
            balance[index] = balance.get(index, 0) + coefficient * amount
    if any(balance.values()):
        return False
    return all(table.values[moved] + amount >= floors[moved] for moved, amount in change.items())


def _cheapest_cycle(
    table: CountTable, withheld: set[Cell], cell: Cell, fixed: frozenset[Cell], k: int
) -> set[Cell]:
    """The published cells to add so that a short cycle protects ``cell`` (cheapest first).

    A cycle is judged on its own cells (enough, since withholding more only adds freedom);
    pairs are tried before rectangles, which withhold more.
    """
    for length in (1, 3):
        candidates = []
        for cycle in _short_cycles(table, cell, length):
            if fixed.intersection(cycle):
                continue
            added = [c for c in cycle if c not in withheld]
            # A withheld zero can only go up, so it protects less: non-zero partners first,
            # then the least information withheld.
            zeros = sum(table.values[c] == 0 for c in added)
            values = sum(table.values[c] for c in added)
            order = tuple(sorted(table._order[c] for c in added))
            candidates.append(((zeros, values, len(added), order), cycle, added))
        # Cheapest first; the first that protects the cell is the one (its own cells suffice,
        # since withholding more only adds freedom).
        for _, cycle, added in sorted(candidates, key=lambda item: item[0]):
            if alternative(table, {cell, *cycle}, cell, k=k) is not None:
                return set(added)
    return set()


def _whole_graph(
    table: CountTable,
) -> tuple[dict[int, list[Edge]], dict[frozenset[int], list[Cell]]]:
    """The graph of every cell, and the cells between each pair of nodes (built once)."""
    if "graph" not in table._every:
        adjacency = _adjacency(table, table.values.keys())
        between: dict[frozenset[int], list[Cell]] = {}
        for node, edges in adjacency.items():
            for other, _, far, _ in edges:
                if node <= far:
                    between.setdefault(frozenset((node, far)), []).append(other)
        table._every["graph"] = (adjacency, between)
    graph: tuple[dict[int, list[Edge]], dict[frozenset[int], list[Cell]]] = table._every["graph"]
    return graph


def _short_cycles(table: CountTable, cell: Cell, others: int) -> Iterator[tuple[Cell, ...]]:
    """Cycles through ``cell`` with ``others`` more cells (1: a pair, 3: a rectangle)."""
    ends = table.ends(cell)
    if ends is None:
        return
    adjacency, between = _whole_graph(table)
    (u, _), (v, _) = ends
    if others == 1:
        yield from ((c,) for c in between.get(frozenset((u, v)), []) if c != cell)
        return
    for second, _, w, _ in adjacency.get(v, []):
        if w in (u, v):
            continue
        for third, _, x, _ in adjacency.get(w, []):
            if x in (u, v, w):
                continue
            for fourth in between.get(frozenset((x, u)), []):
                yield (second, third, fourth)


def _widen_until_protected(
    table: CountTable, withheld: set[Cell], fixed: frozenset[Cell], k: int
) -> set[Cell]:
    """Last resort: withhold every cell related to an unprotected one until none is left,
    and then everything not published elsewhere."""
    while True:
        exposed = unprotected(table, withheld, k=k)
        if not exposed:
            return withheld
        before = len(withheld)
        for cell in exposed:
            for relation_index, _ in table.memberships(cell):
                withheld.update(set(table.cells_of(relation_index)) - fixed)
        if len(withheld) == before:
            every = set(table.values) - fixed
            if withheld >= every:
                return withheld  # nothing more can be withheld here
            withheld |= every
