"""What the groups got at each offering, and why: the rows both rules fill (``engine`` for
one offering, ``linked`` for linked offerings) and the result document reads."""
from __future__ import annotations


class Rows:
    """What the groups got at one offering, and why: one column per field, one entry per
    group in id order (a round may hold 100 000 such rows, so no object per row).

    ``desc[i]`` (shared by the rows of one level and weight) holds the level, the effective
    weight and their renderings. ``why[i]`` is how the exact share compares (None when the
    level is None): "floor" (its guaranteed floor, above the weighted fair share), "demand"
    (all it asked, within its fair share) or "fair"; ``rounded[i]``: the share was not whole.
    ``group_demand``/``group_units`` are over the linked offerings (= demand/units alone);
    ``group_why`` (linked offerings only) is the case of the group's share over them all,
    which a row's ``why`` differs from only when that share equals the row's floor.
    """
    __slots__ = ("offering", "linked", "clamp", "groups", "members", "demand", "guarantee", "floor",
                 "set_aside", "desc", "base_weight", "units", "group_demand", "group_units", "why",
                 "rounded", "index", "group_why")

    def __init__(self, offering, linked, clamp, groups, members, demand, guarantee, floor, set_aside,
                 desc, base_weight, units, group_demand, group_units, why, rounded, group_why=None):
        self.offering, self.linked, self.clamp, self.groups = offering, linked, clamp, groups
        self.members, self.demand, self.guarantee, self.floor = members, demand, guarantee, floor
        self.set_aside, self.desc, self.base_weight, self.units = set_aside, desc, base_weight, units
        self.group_demand, self.group_units, self.why, self.rounded = group_demand, group_units, why, rounded
        self.index = dict(zip(groups, range(len(groups))))      # group -> row
        self.group_why = group_why


def why_of(share, floor: int, demand: int, fair) -> str:
    """The explanation's case for an exact share (any rational type)."""
    if share == floor and floor > fair:
        return "floor"
    return "demand" if share == demand else "fair"
