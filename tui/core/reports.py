"""Reports: the questions the classification table exists to answer, as of any day.

Each report is computed from the timeline index (tui/core/timeline.py): the customers as they stood
at the chosen commit, and each one's versions before it. A report is a title, a few headline figures
and Tables; the CLI, the UI and the workbook all draw the same Tables. Every table of customers adds
up to the customer count under the filter (a customer with two tags is in two `tag` rows: those are
marked `overlap`).
"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable, Iterable

from tui.core.catalog import Filter
from tui.core.cadence import followup_state
from tui.core.schema import Rules
from tui.core.workspace import Workspace

if TYPE_CHECKING:
    from tui.core.timeline import Card, Version

NONE = "(none)"
POOL = "(pool)"
REPORTS = ("summary", "by", "funnel", "activity", "orders", "changes")
DIMENSIONS = ("region", "country", "industry", "grade", "stage", "owner", "credit", "tier", "frequency",
              "source", "tag", "product")
MULTI = ("tag", "product")  # a customer can be in several rows
PERIODS = ("week", "month", "quarter", "year")
SUMMARY_DIMS = ("grade", "stage", "owner", "tier", "frequency", "credit")


@dataclass
class Table:
    """Rows of figures. The first column is the row's label; `ids` holds each row's customers (for
    drill-down); `bar` names the column drawn as bars; `series` holds a row's figures per period."""

    name: str
    title: str
    columns: list[str]
    rows: list[list] = field(default_factory=list)
    total: list | None = None
    bar: str | None = None
    chart: str = "bar"  # bar, line or funnel: what the workbook draws
    ids: list[tuple[str, ...]] = field(default_factory=list)
    periods: list[str] = field(default_factory=list)
    series: list[list[float]] = field(default_factory=list)
    overlap: bool = False

    def add(self, row: list, ids: Iterable[str] = (), series: list[float] | None = None) -> None:
        self.rows.append(row)
        self.ids.append(tuple(sorted(ids)))
        if series is not None:
            self.series.append(series)

    def as_dict(self) -> dict:
        out = {"name": self.name, "title": self.title, "columns": self.columns,
               "rows": [dict(zip(self.columns, r)) for r in self.rows]}
        if self.total is not None:
            out["total"] = dict(zip(self.columns, self.total))
        if self.periods:
            out["periods"] = self.periods
        if self.overlap:
            out["overlap"] = True
        return out


@dataclass
class Report:
    kind: str
    title: str
    as_of: dt.date
    customers: int
    currency: str
    headline: list[tuple[str, object]] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"report": self.kind, "title": self.title, "as_of": self.as_of.isoformat(),
                "customers": self.customers, "currency": self.currency,
                "headline": {k: v for k, v in self.headline}, "tables": [t.as_dict() for t in self.tables],
                "notes": self.notes}


@dataclass
class Options:
    """What a report is asked for; `None` fields take the report's default."""

    dim: str = "region"
    by: str | None = None
    period: str | None = None
    since: dt.date | None = None


@dataclass
class Population:
    """The customers a report counts: rid -> (Card, versions oldest first), as of `today`."""

    rules: Rules
    today: dt.date
    members: dict[str, tuple[Card, list[Version]]]

    def __len__(self) -> int:
        return len(self.members)


def population(ws: Workspace, flt: Filter, today: dt.date, as_of: dt.date | None = None,
               progress=None) -> Population:
    """The customers matching `flt` as of the end of `as_of` (None: now, work tree included)."""
    from tui.core.timeline import start_status, state_at, timeline_for  # here: `crm` starts without them

    status = start_status(ws) if as_of is None else None
    try:
        line = timeline_for(ws, progress)
        commit = None
        if as_of is not None:
            from tui.core.asof import commit_as_of

            commit = commit_as_of(ws, as_of)
        state = state_at(ws, line, commit, today, status)
    finally:
        if status is not None and status.poll() is None:
            status.kill()
            status.wait()
    kept = {rid: cv for rid, cv in state.items() if flt.matches(cv[0].summary, today)}
    return Population(ws.rules, today, kept)


# ------------------------------------------------------------------ dimensions


def labels(card: Card, dim: str) -> tuple[str, ...]:
    """The row(s) a customer falls in for `dim`."""
    s = card.summary
    if dim == "tag":
        return s.tags or (NONE,)
    if dim == "product":
        return card.products or (NONE,)
    if dim == "owner":
        return (s.owner or POOL,)
    value = card.source if dim == "source" else getattr(s, FIELDS.get(dim, dim))
    return (value or NONE,)


FIELDS = {"tier": "value_tier"}  # a dimension's Summary field, where the names differ


def order_of(dim: str, rules: Rules, found: Iterable[str], weight: dict[str, float]) -> list[str]:
    """Rows in the schema's order where it has one (grades, stages, credit), else largest first."""
    fixed = {"grade": list(rules.grades), "stage": [*rules.stages, *rules.exits], "credit": list(rules.credit),
             "tier": [t for t, _ in rules.value_tiers], "frequency": ["new", "regular", "loyal"]}.get(dim)
    found = set(found)
    if fixed:
        return [v for v in fixed if v in found] + sorted(v for v in found if v not in fixed)
    return sorted(found, key=lambda v: (v in (NONE, POOL), -weight.get(v, 0), v.casefold()))


def _pct(part: float, whole: float) -> float:
    return round(100.0 * part / whole, 1) if whole else 0.0


def _money(value: float) -> float:
    return round(value, 2)


def _groups(pop: Population, dim: str) -> dict[str, list[str]]:
    out: dict[str, list[str]] = defaultdict(list)
    for rid, (card, _) in pop.members.items():
        for label in dict.fromkeys(labels(card, dim)):
            out[label].append(rid)
    return out


def distribution(pop: Population, dim: str, with_orders: bool = True) -> Table:
    """Customers (and their order total) per value of `dim`."""
    groups = _groups(pop, dim)
    n = len(pop)
    value = {g: sum(pop.members[r][0].summary.order_total for r in rids) for g, rids in groups.items()}
    grand = sum(card.summary.order_total for card, _ in pop.members.values())
    cols = [dim, "customers", "share %"] + (["orders " + pop.rules.base_currency, "order share %"] if with_orders else [])
    table = Table(dim, f"Customers by {dim}", cols, bar="customers", overlap=dim in MULTI)
    for g in order_of(dim, pop.rules, groups, {k: len(v) for k, v in groups.items()}):
        row = [g, len(groups[g]), _pct(len(groups[g]), n)]
        if with_orders:
            row += [_money(value[g]), _pct(value[g], grand)]
        table.add(row, groups[g])
    table.total = ["total", n, 100.0 if n else 0.0] + ([_money(grand), 100.0 if grand else 0.0] if with_orders else [])
    return table


def crosstab(pop: Population, dim: str, by: str) -> Table:
    """Customers per (dim, by) pair: rows x columns, with row and column totals."""
    rows, cols = _groups(pop, dim), _groups(pop, by)
    col_order = order_of(by, pop.rules, cols, {k: len(v) for k, v in cols.items()})
    table = Table(f"{dim}-by-{by}", f"Customers by {dim} and {by}", [dim, *col_order, "total"], bar="total",
                  overlap=dim in MULTI or by in MULTI)
    col_sets = {c: set(cols[c]) for c in col_order}
    for g in order_of(dim, pop.rules, rows, {k: len(v) for k, v in rows.items()}):
        members = set(rows[g])
        table.add([g, *(len(members & col_sets[c]) for c in col_order), len(members)], members)
    table.total = ["total", *(len(cols[c]) for c in col_order), len(pop)]
    return table


# ------------------------------------------------------------------ summary and by


def summary_report(pop: Population, opts: Options) -> Report:
    rep = _report(pop, "summary", "Summary")
    cards = [card for card, _ in pop.members.values()]
    overdue = sum(1 for c in cards if followup_state(c.summary.next_followup, pop.today) == "overdue")
    rep.headline += [("customers", len(pop)), (f"order value {pop.rules.base_currency}", _money(sum(c.summary.order_total for c in cards))),
                     ("orders", sum(c.summary.order_count for c in cards)), ("overdue follow-ups", overdue)]
    rep.tables = [distribution(pop, dim, with_orders=False) for dim in SUMMARY_DIMS]
    return rep


def by_report(pop: Population, opts: Options) -> Report:
    rep = _report(pop, "by", f"By {opts.dim}" + (f" and {opts.by}" if opts.by else ""))
    rep.tables = [distribution(pop, opts.dim)]
    if opts.by:
        rep.tables.append(crosstab(pop, opts.dim, opts.by))
    if opts.dim in MULTI:
        rep.notes.append(f"a customer with several {opts.dim}s is counted in each of their rows")
    return rep


def _report(pop: Population, kind: str, title: str) -> Report:
    return Report(kind, title, pop.today, len(pop), pop.rules.base_currency)


# ------------------------------------------------------------------ funnel


def stage_runs(versions: list[Version]) -> list[tuple[str, str]]:
    """(day entered, stage) for each stage a customer was in, oldest first: the commits that set it."""
    runs: list[tuple[str, str]] = []
    for v in versions:
        stage = v.stage
        if not runs or runs[-1][1] != stage:
            runs.append((v.day, stage))
    return runs


def median(values: list[int]) -> float | None:
    """The middle value (the mean of the two middle ones for an even count); None for no values."""
    if not values:
        return None
    ordered, half = sorted(values), len(values) // 2
    return float(ordered[half]) if len(ordered) % 2 else (ordered[half - 1] + ordered[half]) / 2


def percentile(values: list[int], q: float) -> float | None:
    """The nearest-rank percentile (q in 0..100): the smallest value with q% of them at or below it."""
    if not values:
        return None
    ordered = sorted(values)
    return float(ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)])


def _days(a: str, b: str) -> int:
    return (dt.date.fromisoformat(b) - dt.date.fromisoformat(a)).days


def funnel_counts(pop: Population, rids: Iterable[str]) -> tuple[Counter, Counter, dict[str, list[int]], Counter]:
    """(reached per stage, now per stage, completed stays in days per stage, exits per last funnel stage).
    Reaching a stage counts every stage before it in funnel order as reached too."""
    stages = pop.rules.stages
    reached, now, exits_from = Counter(), Counter(), Counter()
    stays: dict[str, list[int]] = defaultdict(list)
    for rid in rids:
        card, versions = pop.members[rid]
        runs = stage_runs(versions)
        now[card.summary.stage or NONE] += 1
        top = max((stages.index(s) for _, s in runs if s in stages), default=-1)
        for i in range(top + 1):
            reached[stages[i]] += 1
        for (start, stage), (end, _) in zip(runs, runs[1:]):
            stays[stage].append(_days(start, end))
        if card.summary.stage in pop.rules.exits:
            last = next((s for _, s in reversed(runs) if s in stages), NONE)
            exits_from[last] += 1
    return reached, now, stays, exits_from


def funnel_report(pop: Population, opts: Options) -> Report:
    if opts.since:
        first = {rid: cv[1][0].day for rid, cv in pop.members.items()}
        pop = Population(pop.rules, pop.today, {r: cv for r, cv in pop.members.items() if first[r] >= opts.since.isoformat()})
    rep = _report(pop, "funnel", "Funnel" + (f" of customers added since {opts.since}" if opts.since else ""))
    rules = pop.rules
    reached, now, stays, exits_from = funnel_counts(pop, pop.members)
    table = Table("funnel", "Customers reaching each stage", ["stage", "reached", "to next %", "now", "median days", "p90 days"],
                  bar="reached", chart="funnel")
    groups = _groups(pop, "stage")
    for i, stage in enumerate(rules.stages):
        nxt = rules.stages[i + 1] if i + 1 < len(rules.stages) else None
        conv = _pct(reached[nxt], reached[stage]) if nxt else None
        med = median(stays[stage])
        table.add([stage, reached[stage], conv, now[stage], med, percentile(stays[stage], 90)], groups.get(stage, ()))
    others = [s for s in now if s not in rules.stages]
    exits = Table("exits", "Exits from the funnel (and customers with no funnel stage)", ["stage", "now", "share %", "median days", "p90 days"], bar="now")
    for stage in [*rules.exits, *sorted(s for s in others if s not in rules.exits)]:
        med = median(stays[stage])
        exits.add([stage, now[stage], _pct(now[stage], len(pop)), med, percentile(stays[stage], 90)], groups.get(stage, ()))
    exits.total = ["total now", sum(now.values()), 100.0 if len(pop) else 0.0, None, None]
    lost_from = Table("exit-from", "Last funnel stage before an exit", ["stage", "exits"], bar="exits")
    for stage in [*rules.stages, NONE]:
        if exits_from[stage]:
            lost_from.add([stage, exits_from[stage]])
    rep.tables = [table, exits, lost_from]
    if opts.by:
        cross = Table(f"funnel-by-{opts.by}", f"Reached each stage, by {opts.by}", [opts.by, *rules.stages], bar=rules.stages[0] if rules.stages else None)
        by_groups = _groups(pop, opts.by)
        for g in order_of(opts.by, rules, by_groups, {k: len(v) for k, v in by_groups.items()}):
            r, *_ = funnel_counts(pop, by_groups[g])
            cross.add([g, *(r[s] for s in rules.stages)], by_groups[g])
        cross.overlap = opts.by in MULTI
        rep.tables.append(cross)
    rep.headline = [("customers", len(pop)), ("won or repeat", sum(now[s] for s in ("won", "repeat"))),
                    *((f"now {e}", now[e]) for e in rules.exits)]
    return rep


# ------------------------------------------------------------------ periods


def period_of(day: str, period: str) -> str:
    d = dt.date.fromisoformat(day)
    if period == "week":
        y, w, _ = d.isocalendar()
        return f"{y}-W{w:02d}"
    if period == "quarter":
        return f"{d.year}-Q{(d.month - 1) // 3 + 1}"
    if period == "year":
        return str(d.year)
    return day[:7]


def period_start(day: dt.date, period: str) -> dt.date:
    if period == "week":
        return day - dt.timedelta(days=day.weekday())
    if period == "quarter":
        return dt.date(day.year, (day.month - 1) // 3 * 3 + 1, 1)
    if period == "year":
        return dt.date(day.year, 1, 1)
    return day.replace(day=1)


def periods_between(first: dt.date, last: dt.date, period: str) -> list[str]:
    """Every period from the one holding `first` to the one holding `last`, gaps included."""
    out, day = [], period_start(first, period)
    while day <= last:
        out.append(period_of(day.isoformat(), period))
        day = day + dt.timedelta(days=7) if period == "week" else (
            dt.date(day.year + (day.month + {"month": 1, "quarter": 3}.get(period, 12) - 1) // 12,
                    (day.month + {"month": 1, "quarter": 3}.get(period, 12) - 1) % 12 + 1, 1))
    return out


def default_since(today: dt.date, period: str) -> dt.date:
    """Twelve periods back, the current one included."""
    start = period_start(today, period)
    for _ in range(11):
        start = period_start(start - dt.timedelta(days=1), period)
    return start


# ------------------------------------------------------------------ activity


def promises(card: Card, versions: list[Version]) -> list[tuple[str, str, str]]:
    """(on, by, due) for each touch in the log that was given a due date in any version: the last one
    it was given. Practice clears the due of a touch once it is done (one "next follow-up" a customer),
    so git history, not the current file, says which were met."""
    kept = {(on, by) for on, by, _via, _due in card.log}
    given = {}
    for v in versions:
        for on, by, due in v.dues:
            if (on, by) in kept:
                given[(on, by)] = due
    return sorted((on, by, due) for (on, by), due in given.items())


def followups(card: Card, versions: list[Version], since: str, today: str) -> list[tuple[str, str, str]]:
    """(who promised, due day, "on time" or "late") for each due date in [since, today] set in the log:
    on time when the next touch came on or before it, late when after it or not yet (and it has passed).
    A due date still ahead with no touch since is neither."""
    touches = sorted(card.log, key=lambda t: t[0])
    place: dict[tuple[str, str], int] = {}
    for i, (on, by, _via, _due) in enumerate(touches):
        place.setdefault((on, by), i)
    out = []
    for on, by, due in promises(card, versions):
        if not since <= due <= today:
            continue
        i = place[(on, by)]
        nxt = touches[i + 1][0] if i + 1 < len(touches) else None
        if nxt is not None and nxt <= today:
            out.append((by or card.summary.owner or POOL, due, "on time" if nxt <= due else "late"))
        elif due < today:
            out.append((by or card.summary.owner or POOL, due, "late"))
    return out


def grade_changes(pop: Population, versions: list[Version], since: str, today: str) -> list[tuple[str, str, str, str, str]]:
    """(day, who, from, to, "up" or "down") for each change between two grades of the schema."""
    order = list(pop.rules.grades)
    out = []
    for a, b in zip(versions, versions[1:]):
        old, new = a.grade, b.grade
        if old != new and old in order and new in order and since <= b.day <= today:
            out.append((b.day, b.email or POOL, old, new, "up" if order.index(new) < order.index(old) else "down"))
    return out


def activity_report(pop: Population, opts: Options) -> Report:
    period = opts.period or "month"
    since = (opts.since or default_since(pop.today, period)).isoformat()
    today = pop.today.isoformat()
    periods = periods_between(dt.date.fromisoformat(since), pop.today, period)
    kinds_seen: Counter = Counter()
    per: dict[str, Counter] = defaultdict(Counter)
    series: dict[str, Counter] = defaultdict(Counter)
    kpi: dict[str, Counter] = defaultdict(Counter)
    touched: dict[str, set] = defaultdict(set)
    for rid, (card, versions) in pop.members.items():
        for on, by, via, _due in card.log:
            if since <= on <= today:
                who = by or card.summary.owner or POOL
                per[who][via or NONE] += 1
                kinds_seen[via or NONE] += 1
                series[who][period_of(on, period)] += 1
                touched[who].add(rid)
        for who, _due, verdict in followups(card, versions, since, today):
            kpi[who][verdict] += 1
            touched[who].add(rid)
        if followup_state(card.summary.next_followup, pop.today) == "overdue":
            kpi[card.summary.owner or POOL]["overdue now"] += 1
        for _day, who, _old, _new, way in grade_changes(pop, versions, since, today):
            kpi[who][f"grade {way}"] += 1
    kinds = [k for k in pop.rules.touch_kinds if k in kinds_seen] + sorted(k for k in kinds_seen if k not in pop.rules.touch_kinds)
    people = sorted(set(per) | set(kpi), key=lambda p: (p == POOL, -sum(per[p].values()), p))
    rep = _report(pop, "activity", f"Activity per {period} since {since}")
    touches = Table("touches", "Touches logged, by person and kind", ["person", "touches", *kinds], bar="touches", periods=periods)
    for p in people:
        touches.add([p, sum(per[p].values()), *(per[p][k] for k in kinds)], touched[p], [series[p][x] for x in periods])
    touches.total = ["total", sum(kinds_seen.values()), *(kinds_seen[k] for k in kinds)]
    kpis = Table("follow-ups", "Follow-ups: due dates met, missed; overdue now; grade changes",
                 ["person", "on time", "late", "on time %", "overdue now", "grade up", "grade down"], bar="on time %")
    for p in people:
        k = kpi[p]
        kpis.add([p, k["on time"], k["late"], _pct(k["on time"], k["on time"] + k["late"]) if k["on time"] + k["late"] else None,
                  k["overdue now"], k["grade up"], k["grade down"]], touched[p])
    sums = {c: sum(kpi[p][c] for p in people) for c in ("on time", "late", "overdue now", "grade up", "grade down")}
    kpis.total = ["total", sums["on time"], sums["late"], _pct(sums["on time"], sums["on time"] + sums["late"]) if sums["on time"] + sums["late"] else None,
                  sums["overdue now"], sums["grade up"], sums["grade down"]]
    timeline = Table("touches-per-period", f"Touches per {period}", [period, "touches"], bar="touches", chart="line")
    totals = Counter()
    for p in people:
        totals.update(series[p])
    for x in periods:
        timeline.add([x, totals[x]])
    rep.tables = [touches, kpis, timeline]
    rep.headline = [("customers", len(pop)), ("touches", sum(kinds_seen.values())), ("due dates met", sums["on time"]),
                    ("due dates missed", sums["late"]), ("overdue now", sums["overdue now"])]
    return rep


# ------------------------------------------------------------------ orders


def _order_labels(card: Card, dim: str | None, products: tuple[str, ...]) -> tuple[str, ...]:
    if dim == "product":
        return products or card.products or (NONE,)
    return labels(card, dim) if dim else ("all",)


def orders_report(pop: Population, opts: Options) -> Report:
    period = opts.period or "month"
    today = pop.today.isoformat()
    since = opts.since.isoformat() if opts.since else ""
    rows = []  # (period, group labels, base amount or None, rid)
    for rid, (card, _) in pop.members.items():
        for day, base, _cur, products in card.orders:
            if since <= day <= today:
                rows.append((day, _order_labels(card, opts.by, products), base, rid))
    base = pop.rules.base_currency
    rep = _report(pop, "orders", f"Orders per {period}" + (f" by {opts.by}" if opts.by else ""))
    periods = periods_between(dt.date.fromisoformat(min(r[0] for r in rows)), pop.today, period) if rows else []
    value, count, ids = Counter(), Counter(), defaultdict(set)
    for day, _, amount, rid in rows:
        key = period_of(day, period)
        value[key] += amount or 0.0
        count[key] += 1
        ids[key].add(rid)
    table = Table("orders-per-period", f"Order value per {period}, {base}", [period, "orders", f"value {base}"],
                  bar=f"value {base}", chart="line")
    for x in periods:
        table.add([x, count[x], _money(value[x])], ids[x])
    table.total = ["total", sum(count.values()), _money(sum(value.values()))]
    rep.tables = [table]
    if opts.by:
        gv, gc, gids, gs = Counter(), Counter(), defaultdict(set), defaultdict(Counter)
        for day, groups, amount, rid in rows:
            for g in dict.fromkeys(groups):
                gv[g] += amount or 0.0
                gc[g] += 1
                gids[g].add(rid)
                gs[g][period_of(day, period)] += amount or 0.0
        grand = sum(value.values())
        by = Table(f"orders-by-{opts.by}", f"Orders by {opts.by}, {base}", [opts.by, "orders", f"value {base}", "share %"],
                   bar=f"value {base}", periods=periods, overlap=opts.by == "product")
        for g in order_of(opts.by, pop.rules, gv, gv):
            by.add([g, gc[g], _money(gv[g]), _pct(gv[g], grand)], gids[g], [round(gs[g][x], 2) for x in periods])
        rep.tables.append(by)
    unpriced = sum(1 for r in rows if r[2] is None)
    if unpriced:
        rep.notes.append(f"{unpriced} orders are in a currency with no rate under x-crm.rates and count as 0 {base}")
    rep.headline = [("customers", len(pop)), ("orders", len(rows)), (f"value {base}", _money(sum(value.values())))]
    return rep


# ------------------------------------------------------------------ changes


def changes_report(pop: Population, opts: Options) -> Report:
    since = (opts.since or pop.today - dt.timedelta(days=30)).isoformat()
    today = pop.today.isoformat()
    rep = _report(pop, "changes", f"Changes from {since} to {today}")
    added = Table("added", "Customers added", ["customer", "day", "by", "stage", "grade"], bar=None, chart="")
    grades = Table("grades", "Grades raised and lowered", ["customer", "day", "by", "from", "to", "way"], bar=None, chart="")
    moves = Counter()
    move_ids = defaultdict(set)
    lost = Table("lost", "Customers lost", ["customer", "day", "from stage"], bar=None, chart="")
    gone = "lost" if "lost" in pop.rules.exits else (pop.rules.exits[-1] if pop.rules.exits else None)
    for rid, (card, versions) in sorted(pop.members.items(), key=lambda kv: kv[1][0].summary.name.casefold()):
        first = versions[0]
        name = card.summary.name
        if since <= first.day <= today:
            added.add([name, first.day, first.email, first.stage or NONE, first.grade or NONE], [rid])
        for day, who, old, new, way in grade_changes(pop, versions, since, today):
            grades.add([name, day, who, old, new, way], [rid])
        runs = stage_runs(versions)
        for (_, old), (day, new) in zip(runs, runs[1:]):
            if since <= day <= today:
                moves[old or NONE, new or NONE] += 1
                move_ids[old or NONE, new or NONE].add(rid)
                if new == gone:
                    lost.add([name, day, old or NONE], [rid])
    stage_moves = Table("stage-moves", "Stage moves", ["from", "to", "customers"], bar="customers")
    for (old, new), n in sorted(moves.items(), key=lambda kv: (-kv[1], kv[0])):
        stage_moves.add([old, new, n], move_ids[old, new])
    rep.tables = [added, grades, stage_moves, lost]
    up = sum(1 for r in grades.rows if r[5] == "up")
    rep.headline = [("customers", len(pop)), ("added", len(added.rows)), ("grades raised", up),
                    ("grades lowered", len(grades.rows) - up), ("stage moves", sum(moves.values())), ("lost", len(lost.rows))]
    return rep


BUILDERS: dict[str, Callable[[Population, Options], Report]] = {
    "summary": summary_report, "by": by_report, "funnel": funnel_report, "activity": activity_report,
    "orders": orders_report, "changes": changes_report,
}


def build(kind: str, pop: Population, opts: Options) -> Report:
    return BUILDERS[kind](pop, opts)
