"""Checks of round inputs against request receipts (issue 16). Pure: plain data in, findings out.

The transparency log holds, in order, every receipt commitment (``broker.tlog.receipts``)
and every round. A round takes the log's lock for its whole run, so the receipts logged
before a round's entry are exactly those its snapshot saw. Walking the log in order
(``walk``) therefore gives, for each round, the requests it had to account for:

- a request is followed as a **chain** of commitments (each receipt names the previous);
- it is **due** in a round when its latest receipt before the round leaves it open, it is
  not known to be fully served (the public follows what each round gave it), and — for a
  main round — it was submitted before the round's cutoff.

``completeness`` is the public check: every due request is in the input, under its latest
commitment, and the input has no request without one. ``weights_and_groups`` compares the
input's orgs with the public directory (a multiset: pseudonyms hide who is who).
``Developer`` is the developer's check of its own requests, from its receipts (with their
salts) and the pseudonyms Parity told it.
"""
from __future__ import annotations

import json
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from broker.tlog import receipts


def instant(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text.replace("Z", "+00:00"))


@dataclass
class Chain:
    """One request as the log shows it: its commitments, first to latest."""
    first: str
    latest: dict  # the latest manifest
    index: int  # log index of the latest receipt
    submitted_at: str
    remaining: int | None = None  # units still wanted after the last round it was in (None: unknown)
    allocated_since: int = 0  # units rounds gave it since its latest receipt

    @property
    def commitment(self) -> str:
        return self.latest["commitment"]

    @property
    def open(self) -> bool:
        return bool(self.latest.get("open"))


@dataclass
class Ledger:
    chains: dict[str, Chain] = field(default_factory=dict)  # first commitment -> chain
    of: dict[str, str] = field(default_factory=dict)  # any commitment -> its chain's first
    problems: list[str] = field(default_factory=list)
    started: bool = False  # a receipt has been logged: rounds from here on are checked

    def add(self, index: int, m: dict) -> None:
        commit, prev = m.get("commitment"), m.get("previous")
        if commit in self.of:
            self.problems.append(f"log entry {index}: receipt commitment {commit} is logged twice")
            return
        if prev is None:
            chain = self.chains[commit] = Chain(commit, m, index, m.get("submitted_at"))
        else:
            first = self.of.get(prev)
            chain = self.chains.get(first) if first else None
            if chain is None:
                self.problems.append(f"log entry {index}: receipt {commit} follows {prev}, which is not logged before it")
                return
            if chain.commitment != prev:
                self.problems.append(f"log entry {index}: receipt {commit} follows {prev}, but that request's "
                                     f"latest receipt is {chain.commitment}")
                return
            chain.latest, chain.index, chain.allocated_since = m, index, 0
            if m.get("event") in ("edited", "reopened"):
                chain.remaining = None  # its units may have changed (reopened: an order was declined)
        self.of[commit] = chain.first
        self.started = True

    def due(self, rnd_input: dict) -> dict[str, Chain]:
        """Latest commitment → chain, for every request the round had to account for."""
        meta = rnd_input.get("round") or {}
        cutoff = instant(meta.get("cutoff")) if meta.get("kind") == "main" else None
        out = {}
        for chain in self.chains.values():
            if not chain.open or chain.remaining == 0:
                continue
            if cutoff is not None and instant(chain.submitted_at) >= cutoff:
                continue
            out[chain.commitment] = chain
        return out

    def after(self, rnd: dict) -> None:
        """What the round gave each request it holds (public: its output)."""
        got = allocated(rnd["output"])
        for item in rnd["input"].get("requests", []):
            first = self.of.get(item.get("receipt"))
            if first is None:
                continue
            chain = self.chains[first]
            if chain.commitment != item["receipt"]:
                continue
            units = got.get(item["id"], 0)
            chain.remaining = int(item["units"]) - units
            chain.allocated_since += units


def allocated(output: dict) -> dict[str, int]:
    """Request id → units the round's output gives it."""
    got: dict[str, int] = defaultdict(int)
    for a in output.get("allocations", []):
        got[a["request"]] += int(a["units"])
    return got


def label(rnd: dict) -> str:
    meta = rnd["input"].get("round") or {}
    return f"round {rnd['id']} ({meta.get('run_key') or rnd.get('period')})"


def walk(entries: list[bytes], rounds: dict[int, dict]):
    """Yield (round, ledger) for each round of ``rounds`` ({id: {id, input, output}}) in log
    order, the ledger holding the receipts logged before it; rounds logged before the first
    receipt are skipped (there was nothing to check them against)."""
    ledger = Ledger()
    for i, body in enumerate(entries):
        m = receipts.parse_manifest(body)
        if m is not None:
            ledger.add(i, m)
            continue
        try:
            doc = json.loads(body)
        except ValueError:
            continue
        if doc.get("type") == "round" and doc.get("id") in rounds:
            rnd = rounds[doc["id"]]
            if ledger.started:
                yield rnd, ledger
            ledger.after(rnd)


# --- the public checks -----------------------------------------------------------------------

def completeness(ledger: Ledger, rnd: dict) -> list[str]:
    """Every due request is in the input under its latest commitment; nothing else is."""
    where = label(rnd)
    due = ledger.due(rnd["input"])
    problems, seen = [], Counter()
    for item in rnd["input"].get("requests", []):
        commit = item.get("receipt")
        if commit is None:
            problems.append(f"{where}: request {item['id']} carries no receipt commitment")
            continue
        seen[commit] += 1
        if commit in due:
            continue
        first = ledger.of.get(commit)
        if first is None:
            problems.append(f"{where}: request {item['id']} carries receipt {commit}, which is not in the log before the round")
            continue
        chain = ledger.chains[first]
        if chain.commitment != commit:
            problems.append(f"{where}: request {item['id']} entered with receipt {commit}, superseded before the "
                            f"round by {chain.commitment} ({chain.latest.get('event')})")
        elif not chain.open:
            problems.append(f"{where}: request {item['id']} entered though its receipt {commit} closed it "
                            f"({chain.latest.get('event')})")
        elif chain.remaining == 0:
            problems.append(f"{where}: request {item['id']} entered though earlier rounds served it in full")
        else:
            problems.append(f"{where}: request {item['id']} was submitted at {chain.submitted_at}, not before the "
                            f"round's cutoff")
    for commit, n in seen.items():
        if n > 1:
            problems.append(f"{where}: receipt {commit} appears {n} times in the input")
    for commit, chain in due.items():
        if commit not in seen:
            problems.append(f"{where}: the request of receipt {commit} (log entry {chain.index}, "
                            f"{chain.latest.get('event')}, submitted {chain.submitted_at}) is missing from the input")
    return problems


def _weight(value) -> Decimal:
    return Decimal(str(1 if value is None else value)).normalize()


def weights_and_groups(rnd: dict, public_orgs: list[dict]) -> list[str]:
    """The input's weights and groups are among the public ones, as multisets: each org in no
    group has the weight of some public org in no group, and each group of the input is some
    public group with the same number of members and the same weights."""
    where = label(rnd)
    pub_single = Counter(_weight(o["weight"]) for o in public_orgs if o.get("group_id") is None)
    pub_groups: Counter = Counter()
    members = defaultdict(list)
    for o in public_orgs:
        if o.get("group_id") is not None:
            members[o["group_id"]].append(_weight(o["weight"]))
    pub_groups.update(tuple(sorted(ws)) for ws in members.values())
    single, groups = Counter(), defaultdict(list)
    for o in rnd["input"].get("orgs", []):
        if o.get("group"):
            groups[o["group"]].append(_weight(o.get("weight")))
        else:
            single[_weight(o.get("weight"))] += 1
    problems = []
    for w, n in sorted(single.items()):
        if n > pub_single[w]:
            problems.append(f"{where}: {n} org(s) in no group with weight {w} in the input, but "
                            f"{pub_single[w]} in the public directory")
    wanted = Counter(tuple(sorted(ws)) for ws in groups.values())
    for shape, n in sorted(wanted.items()):
        if n > pub_groups[shape]:
            problems.append(f"{where}: {n} group(s) of {len(shape)} member(s) weighing {[str(w) for w in shape]} in "
                            f"the input, but {pub_groups[shape]} such group(s) in the public directory")
    return problems


# --- the developer's check -------------------------------------------------------------------

def offering_names(ids) -> list[str]:
    """Offering ids as the round input names them, in the order the input's lists are compared
    in (sorted texts: "off-100" sorts before "off-99", which sorted ids would not)."""
    return sorted(f"off-{o}" for o in ids)


def eligible_offerings(criteria: dict, max_price: dict, at: datetime, offerings: dict[int, dict],
                       approved_vendors: set[int], price_file: dict) -> list[int]:
    """The offerings that may serve a request at ``at``, from the public catalog (``offerings``:
    id → the public offering) and the day's price file, by the rule of
    ``broker.services.eligibility``."""
    prices: dict[int, dict] = {}
    for p in sorted(price_file.get("prices", []), key=lambda p: p["effective_from"]):
        if instant(p["effective_from"]) <= at and (p.get("effective_to") is None or instant(p["effective_to"]) > at):
            prices[p["offering_id"]] = p
    out = []
    for oid, o in offerings.items():
        if o.get("status") != "active" or o.get("vendor_org_id") not in approved_vendors:
            continue
        if o.get("task_type") != criteria["task_type"]:
            continue
        if any(criteria.get(k) and o.get(k) != criteria[k] for k in ("modality", "expertise")):
            continue
        if criteria.get("language") and criteria["language"] not in (o.get("languages") or []):
            continue
        if criteria.get("preferred_vendor_ids") and o["vendor_org_id"] not in criteria["preferred_vendor_ids"]:
            continue
        if o["vendor_org_id"] in (criteria.get("excluded_vendor_ids") or []):
            continue
        p = prices.get(oid)
        if p and p["currency"] == max_price["currency"] and p["amount_minor"] <= max_price["amount_minor"]:
            out.append(oid)
    return sorted(out)


@dataclass
class Mine:
    """What the developer knows: its receipts (documents with salts), its pseudonyms, its
    public weight and group (with the group's members' weights), and the public catalog."""
    receipts: list[dict]  # {"receipt": doc, "commitment", "criteria"}
    pseudonyms: dict[str, dict]  # period -> {"org", "group"}
    weight: Decimal
    group_weights: list[Decimal] | None  # public weights of its group's members, or None
    offerings: dict[int, dict] = field(default_factory=dict)
    approved_vendors: set[int] = field(default_factory=set)
    price_files: dict[str, dict] = field(default_factory=dict)  # UTC date -> price file


class Developer:
    """Round by round, each of the developer's requests entered as its latest receipt says."""

    def __init__(self, mine: Mine, replay=None):
        self.mine = mine
        self.replay = replay  # allocate(input) -> output, or None to trust the published output
        self.by_commit: dict[str, dict] = {}
        for r in mine.receipts:
            receipts.check(r["receipt"], r["commitment"])  # ValueError: a receipt that does not match
            self.by_commit[r["commitment"]] = r
        self.lines: list[str] = []
        self.problems: list[str] = []

    def check(self, rnd: dict, ledger: Ledger) -> None:
        inp, where = rnd["input"], label(rnd)
        meta = inp.get("round") or {}
        names = self.mine.pseudonyms.get(meta.get("period") or rnd.get("period")) or {}
        due = {c: ch for c, ch in ledger.due(inp).items() if c in self.by_commit}
        items = {i.get("receipt"): i for i in inp.get("requests", [])}
        mine_in = [i for i in inp.get("requests", []) if i.get("org") == names.get("org")]
        if due or mine_in:
            self._org(inp, names, where)
        out = self.replay(inp) if self.replay else rnd["output"]
        if out.get("schema_version", 1) != 1:
            # The reasons and levels below read result version 1's shape; version 2 states
            # each group's facts once, and the engine's reader spells them out again.
            from broker.fairness.reading import as_v1

            out = as_v1(out, inp)
        got = allocated(out)
        for commit, chain in sorted(due.items(), key=lambda kv: self.by_commit[kv[0]]["receipt"]["request"]):
            doc = self.by_commit[commit]["receipt"]
            name = f"request {doc['request']}"
            item = items.get(commit)
            if item is None:
                self.problems.append(f"{name}: missing from {where}, though its receipt {doc['seq']} ({doc['event']}) "
                                     f"was logged before the round and leaves it open")
                continue
            before = len(self.problems)
            self._entered(item, doc, chain, names, rnd, name, where)
            if len(self.problems) == before:
                self.lines.append(self._outcome(item, doc, out, got, name, where))
        for item in mine_in:
            if item.get("receipt") not in due:
                self.problems.append(f"{where}: request {item['id']} is under your pseudonym {names['org']} but is "
                                     f"none of your open requests (receipt {item.get('receipt')})")

    def _org(self, inp: dict, names: dict, where: str) -> None:
        orgs = {o["id"]: o for o in inp.get("orgs", [])}
        me = orgs.get(names.get("org"))
        if me is None:
            self.problems.append(f"{where}: your org ({names.get('org')}) is not among the input's orgs")
            return
        if _weight(me.get("weight")) != self.mine.weight:
            self.problems.append(f"{where}: your org's weight in the input is {_weight(me.get('weight'))}, "
                                 f"the public weight is {self.mine.weight}")
        group = me.get("group")
        if self.mine.group_weights is None:
            if group:
                self.problems.append(f"{where}: your org is in group {group} in the input, but in no group publicly")
            return
        if not group:
            self.problems.append(f"{where}: your org is in no group in the input, but publicly in a group of "
                                 f"{len(self.mine.group_weights)}")
            return
        if names.get("group") and group != names["group"]:
            self.problems.append(f"{where}: your org is in group {group} in the input, not your group {names['group']}")
        members = sorted(_weight(o.get("weight")) for o in orgs.values() if o.get("group") == group)
        if members != sorted(self.mine.group_weights):
            self.problems.append(f"{where}: your group has {len(members)} member(s) weighing "
                                 f"{[str(w) for w in members]} in the input, publicly {len(self.mine.group_weights)} "
                                 f"weighing {[str(w) for w in sorted(self.mine.group_weights)]}")

    def _entered(self, item: dict, doc: dict, chain: Chain, names: dict, rnd: dict, name: str, where: str) -> None:
        if item.get("org") != names.get("org"):
            self.problems.append(f"{name}: entered {where} under org {item.get('org')}, not your pseudonym "
                                 f"{names.get('org')}")
        want = doc["units"] - doc["units_allocated"] - chain.allocated_since
        if item["units"] != want:
            self.problems.append(f"{name}: entered {where} wanting {item['units']} units; its receipt {doc['seq']} "
                                 f"says {doc['units']}, {doc['units_allocated'] + chain.allocated_since} already "
                                 f"allocated, so {want}")
        if item.get("submitted_at") != doc["submitted_at"]:
            self.problems.append(f"{name}: entered {where} with submitted_at {item.get('submitted_at')}; its "
                                 f"receipt says {doc['submitted_at']}")
        hint = item.get("reason_hint")
        if hint in ("invalid", "deadline_unreachable", "awaiting_round"):
            return  # not served this round for a reason the catalog alone cannot re-derive
        meta = rnd["input"].get("round") or {}
        at = instant(meta.get("at"))
        pf = self.mine.price_files.get(at.date().isoformat()) if at else None
        if pf is None:
            self.problems.append(f"{name}: cannot re-derive its offerings in {where}: no price file for "
                                 f"{at.date() if at else '?'}")
            return
        criteria = self.by_commit[item["receipt"]]["criteria"]
        expected = offering_names(eligible_offerings(criteria, doc["max_unit_price"], at, self.mine.offerings,
                                                     self.mine.approved_vendors, pf))
        if hint and expected:
            self.problems.append(f"{name}: left out of {where} as {hint}, but the public catalog and price file "
                                 f"make it eligible at {expected}")
        elif not hint and sorted(item.get("offerings", [])) != expected:
            self.problems.append(f"{name}: entered {where} eligible at {sorted(item.get('offerings', []))}; the "
                                 f"public catalog and price file give {expected}")

    @staticmethod
    def _outcome(item: dict, doc: dict, out: dict, got: dict, name: str, where: str) -> str:
        units = got.get(item["id"], 0)
        how = "as submitted" if doc["event"] == "submitted" else f"as its receipt {doc['seq']} ({doc['event']}) says"
        text = f"{name} entered {where} {how}; got {units} of {item['units']} units"
        res = next((r for r in out.get("requests", []) if r.get("request") == item["id"]), {})
        reason = res.get("reason") or {}
        level = reason.get("level")
        if level is None:
            offs = [a["offering"] for a in out.get("allocations", []) if a["request"] == item["id"]]
            level = next((g.get("level") for g in out.get("groups", [])
                          if g.get("offering") in offs and item["org"] in (g.get("members") or [])), None)
        if isinstance(level, dict):
            level = level.get("exact") or level.get("approx")
        if reason.get("code") and reason["code"] != "fair_share_reached":
            text += f", {reason['code'].replace('_', ' ')}"
        if level is not None:
            text += f", the fair share at level {level}"
        return text
