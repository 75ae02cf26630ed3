"""Customers that are probably the same one: same email, same phone (E.164), same registrable domain, or
names alike in the same country; each pair with a score and the reasons in words.

Records are compared only within blocks (customers sharing a key: an email, a phone, a domain, a name
word, the first letters of the name), never all pairs, so 10,000 customers scan in well under a second.
A name block larger than NAME_BLOCK_CAP (a word like "lighting" that half the customers carry) says
nothing and is skipped; names that fold to the same key still meet in their own block.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations
from typing import Any, Iterable, Mapping, NamedTuple

from tui.core.identity import NAME_KEY, identity_keys, name_key

LIKELY = 0.6  # the score from which a pair is reported (and `crm new` warns)
NAME_ALIKE = 0.88  # names at least this similar (0..1, once folded) count as alike
NAME_BLOCK_CAP = 60
BLOCK_CAP = 400
PREFIX = 4  # names starting with the same 4 letters meet, so typos late in one-word names are found
WEIGHTS = {"e": 0.95, "p": 0.9, "d": 0.8}
WORDS = {"e": "email", "p": "phone", "d": "domain"}


@dataclass(frozen=True)
class Match:
    """Two customers that are probably one; `other` is "" for a candidate not saved yet."""

    keep: str
    other: str
    score: float
    reasons: tuple[str, ...]


class Profile(NamedTuple):
    """What the matcher compares of one customer."""

    id: str
    name: str
    country: str
    key: str  # name_key of the name
    keys: frozenset[str]  # identity keys (identity.identity_keys)
    weight: int  # how much the record holds (orders, identity keys): the one with more is kept

    def name_blocks(self) -> set[str]:
        if not self.key:
            return set()
        words = {"w:" + w for w in self.key.split() if len(w) > 1}
        return words | {"k:" + self.key, "f:" + self.key.replace(" ", "")[:PREFIX]}


def profile(rid: str, data: Mapping, rules) -> Profile:
    """A record's profile, from its data (weighed as summary_profile weighs it: orders and keys)."""
    name = data.get("name") if isinstance(data.get("name"), str) else ""
    country = data.get("country") if isinstance(data.get("country"), str) else ""
    keys = frozenset(identity_keys(data, rules.free_mail_domains))
    orders = len(data["orders"]) if isinstance(data.get("orders"), list) else 0
    return Profile(rid, name, country, name_key(name, rules.legal_suffixes), keys, orders + len(keys))


def summary_profile(summary, rules) -> Profile:
    """A profile from the catalog's cached summary (no file is read, no name folded again)."""
    keys = [k for k in summary.identity if not k.startswith(NAME_KEY)]
    key = next((k[len(NAME_KEY):] for k in summary.identity if k.startswith(NAME_KEY)), None)
    if key is None:
        key = name_key(summary.name, rules.legal_suffixes)
    return Profile(summary.id, summary.name, summary.country, key, frozenset(keys), summary.order_count + len(keys))


def _similarity(a: str, b: str) -> float:
    from rapidfuzz import fuzz

    return fuzz.ratio(a, b) / 100.0


def compare(a: Profile, b: Profile, noise: frozenset[str] = frozenset()) -> tuple[float, tuple[str, ...]]:
    """The score of a pair (0..1: the chance that at least one reason is right) and the reasons. Keys in
    `noise` (a domain or phone that hundreds of customers share) are no reason."""
    reasons = []
    miss = 1.0
    for key in sorted((a.keys & b.keys) - noise):
        kind, _, value = key.partition(":")
        reasons.append(f"same {WORDS[kind]} {value}")
        miss *= 1.0 - WEIGHTS[kind]
    if a.key and b.key and (not a.country or not b.country or a.country == b.country) and a.name_blocks() & b.name_blocks():
        alike = 1.0 if a.key == b.key else _similarity(a.key, b.key)
        if alike >= NAME_ALIKE:
            where = a.country or b.country
            reasons.append(f"names alike: {a.name} ~ {b.name}" + (f" ({where})" if where else ""))
            miss *= 1.0 - (0.8 if alike == 1.0 else 0.5 + 0.3 * (alike - NAME_ALIKE) / (1.0 - NAME_ALIKE))
    return round(1.0 - miss, 2), tuple(reasons)


def _blocks(p: Profile) -> set[str]:
    return set(p.keys) | p.name_blocks()


def _capped(block: str, size: int) -> bool:
    return size > (BLOCK_CAP if block[1] == ":" and block[0] in WEIGHTS else NAME_BLOCK_CAP)


def _kept_first(a: Profile, b: Profile) -> tuple[Profile, Profile]:
    """The one to keep: the record that holds more, then the older-looking id (sorts first)."""
    return (a, b) if (-a.weight, a.id) <= (-b.weight, b.id) else (b, a)


class Matcher:
    """Customers indexed by their blocks, to find the likely duplicates of one more record quickly."""

    def __init__(self, rules, customers: Iterable[tuple[str, Mapping]] = ()):
        self.rules = rules
        self.profiles: dict[str, Profile] = {}
        self.index: dict[str, list[str]] = {}
        self._noise: set[str] = set()
        for rid, data in customers:
            self.add(rid, data)

    def add(self, rid: str, data: Mapping) -> None:
        """Index one more customer (an import adds its rows as it goes)."""
        self.add_profile(profile(rid, data, self.rules))

    def add_profile(self, p: Profile) -> None:
        if p.id in self.profiles:
            self.remove(p.id)
        self.profiles[p.id] = p
        for block in _blocks(p):
            members = self.index.setdefault(block, [])
            members.append(p.id)
            if block in p.keys and _capped(block, len(members)):
                self._noise.add(block)

    def remove(self, rid: str) -> None:
        p = self.profiles.pop(rid, None)
        for block in _blocks(p) if p else ():
            members = self.index.get(block, [])
            if rid in members:
                members.remove(rid)
                if not _capped(block, len(members)):
                    self._noise.discard(block)

    def candidates(self, data: Mapping, min_score: float = LIKELY, rid: str = "") -> list[Match]:
        """The known customers `data` is probably a duplicate of, best first (keep = the known one)."""
        return self.candidates_of(profile(rid, data, self.rules), min_score)

    def candidates_of(self, new: Profile, min_score: float = LIKELY) -> list[Match]:
        """`candidates` for a profile already built: an import builds each row's once, to match it and then
        to `add_profile` it (with its id), not twice."""
        rid = new.id
        noise = self.noise()
        seen: set[str] = set()
        out = []
        for block in _blocks(new):
            members = self.index.get(block, ())
            if _capped(block, len(members)):
                continue
            for other in members:
                if other in seen or other == rid:
                    continue
                seen.add(other)
                score, reasons = compare(self.profiles[other], new, noise)
                if reasons and score >= min_score:
                    out.append(Match(other, rid, score, reasons))
        return sorted(out, key=lambda m: (-m.score, m.keep))

    def noise(self) -> frozenset[str]:
        """Identity keys whose blocks are too big to say anything (see BLOCK_CAP)."""
        return frozenset(self._noise)

    def pairs(self, min_score: float = LIKELY) -> list[Match]:
        """Every likely pair among the indexed customers, best first."""
        seen: set[tuple[str, str]] = set()
        out = []
        noise = self.noise()
        for block, members in self.index.items():
            if len(members) < 2 or _capped(block, len(members)):
                continue
            for x, y in combinations(members, 2):
                pair = (x, y) if x < y else (y, x)
                if pair in seen:
                    continue
                seen.add(pair)
                match = _match(self.profiles[x], self.profiles[y], min_score, noise)
                if match:
                    out.append(match)
        return sorted(out, key=lambda m: (-m.score, m.keep, m.other))


def _match(a: Profile, b: Profile, min_score: float, noise: frozenset[str] = frozenset()) -> Match | None:
    keep, other = _kept_first(a, b)
    score, reasons = compare(keep, other, noise)
    if not reasons or score < min_score:
        return None
    return Match(keep.id, other.id, score, reasons)


def all_pairs(profiles: Iterable[Profile], min_score: float = LIKELY, noise: frozenset[str] = frozenset()) -> list[Match]:
    """Every pair compared (slow, quadratic): what blocking must agree with, for tests and checks."""
    out = [m for a, b in combinations(list(profiles), 2) if (m := _match(a, b, min_score, noise))]
    return sorted(out, key=lambda m: (-m.score, m.keep, m.other))


def summaries_matcher(summaries: Iterable, rules) -> Matcher:
    """A Matcher over catalog summaries (their cached identity keys; no file is read)."""
    matcher = Matcher(rules)
    for summary in summaries:
        if summary.valid or summary.name != summary.id:
            matcher.add_profile(summary_profile(summary, rules))
    return matcher


def scan(ws_or_catalog: Any, rules=None, min_score: float = LIKELY) -> list[Match]:
    """All likely pairs of a workspace (or of a loaded catalog, with its rules), blocked."""
    if rules is None:
        from tui.core.store import load_catalog

        rules = ws_or_catalog.rules
        ws_or_catalog = load_catalog(ws_or_catalog)
    return summaries_matcher(ws_or_catalog.summaries.values(), rules).pairs(min_score)
