"""Complete-link clustering: every two listings of a cluster must be the same event, so a chain of
look-alikes (A like B, B like C) never pulls unrelated events together.

The result depends only on the listings and the verdicts on their pairs, never on the order they came
in: merges go strongest link first, ties broken by the listings' stable keys.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass
from typing import TypeVar

K = TypeVar("K", bound=Hashable)

# The strength of a pair (higher binds first), or None when the two can never share a cluster.
Linkage = Callable[[int, int], float | None]
# What sorts listings the same way in every database: their stable keys.
Order = Callable[[int], tuple[str, ...]]


@dataclass
class _Cluster:
    members: list[int]
    order: tuple[str, ...]


class UnionFind:
    """Disjoint sets over hashable items."""

    def __init__(self) -> None:
        self.parent: dict[Hashable, Hashable] = {}

    def find(self, item: Hashable) -> Hashable:
        parent = self.parent.setdefault(item, item)
        if parent != item:
            parent = self.parent[item] = self.find(parent)
        return parent

    def union(self, a: Hashable, b: Hashable) -> None:
        root_a, root_b = self.find(a), self.find(b)
        if root_a != root_b:
            self.parent[root_b] = root_a

    def groups(self, items: Iterable[K]) -> list[list[K]]:
        by_root: dict[Hashable, list[K]] = {}
        for item in items:
            by_root.setdefault(self.find(item), []).append(item)
        return list(by_root.values())


def units_from_constraints(
    ids: Sequence[int],
    together: Iterable[Sequence[int]],
    apart: Callable[[int, int], bool],
    order: Order,
) -> list[list[int]]:
    """Groups that must stay whole: operators' "same event" and frozen past events.

    A join that would put two listings an operator declared different together is skipped.
    """
    finder = UnionFind()
    members: dict[Hashable, list[int]] = {i: [i] for i in ids}
    for group in together:
        for other in group[1:]:
            root_a, root_b = finder.find(group[0]), finder.find(other)
            if root_a == root_b:
                continue
            if any(apart(x, y) for x in members[root_a] for y in members[root_b]):
                continue
            finder.union(root_a, root_b)
            members[root_a] = members[root_a] + members.pop(root_b)
    return [sorted(g, key=order) for g in finder.groups(ids)]


def complete_link(
    units: Sequence[Sequence[int]],
    linkage: Linkage,
    order: Order,
    same: float,
    compatible: float,
    near: Iterable[tuple[int, int]],
) -> list[list[int]]:
    """Merge clusters while some cross pair scores ``same`` and every cross pair at least
    ``compatible``; the strongest tie first, ties to the smallest keys.

    Only clusters holding the two sides of a ``near`` pair (the pairs the lookups found the same
    event) are weighed: a group chained through look-alikes of a crowded day costs its pairs found,
    not the square of its size.
    """
    clusters = [_Cluster(sorted(u, key=order), min(order(i) for i in u)) for u in units if u]
    cluster_of = {member: n for n, cluster in enumerate(clusters) for member in cluster.members}
    neighbours: dict[int, set[int]] = {n: set() for n in range(len(clusters))}
    for x, y in near:
        i, j = cluster_of.get(x), cluster_of.get(y)
        if i is not None and j is not None and i != j:
            neighbours[i].add(j)
            neighbours[j].add(i)
    version = [0] * len(clusters)  # bumped when a cluster grows: its queued links are stale
    queue: list[tuple[float, list[tuple[str, ...]], int, int, int, int]] = []

    def consider(i: int, j: int) -> None:
        strength = _strength(clusters[i], clusters[j], linkage, compatible)
        if strength is not None and strength >= same:
            i, j = min(i, j), max(i, j)
            ties = sorted((clusters[i].order, clusters[j].order))
            heapq.heappush(queue, (-strength, ties, i, j, version[i], version[j]))

    for i in range(len(clusters)):
        for j in sorted(n for n in neighbours[i] if n > i):
            consider(i, j)
    alive = set(range(len(clusters)))
    while queue:
        _, _, i, j, version_i, version_j = heapq.heappop(queue)
        if i not in alive or j not in alive or (version[i], version[j]) != (version_i, version_j):
            continue
        clusters[i] = _Cluster(
            sorted(clusters[i].members + clusters[j].members, key=order),
            min(clusters[i].order, clusters[j].order),
        )
        alive.discard(j)
        version[i] += 1
        neighbours[i] = (neighbours[i] | neighbours.pop(j)) - {i, j}
        for other in sorted(neighbours[i]):
            neighbours[other].discard(j)
            neighbours[other].add(i)
            consider(i, other)
    return sorted((clusters[i].members for i in alive), key=lambda members: order(members[0]))


def _strength(a: _Cluster, b: _Cluster, linkage: Linkage, compatible: float) -> float | None:
    """The strongest cross pair, or None when some cross pair is not even compatible."""
    strongest: float | None = None
    for x in a.members:
        for y in b.members:
            score = linkage(x, y)
            if score is None or score < compatible:
                return None
            strongest = score if strongest is None else max(strongest, score)
    return strongest
