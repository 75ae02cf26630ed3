"""Loading every record of a workspace into a Catalog of summaries, fast.

A derived cache (in .git/crm/) keeps each file's summary keyed by the file's content digest, with its
size, mtime and inode as a shortcut: an unchanged file is neither read nor parsed again. A file whose
stat changed is read and hashed; only when its content changed is it parsed and validated again, on all
cores when there are many. The cache is dropped whole when schema.yaml or this program changes.
"""

from __future__ import annotations

import marshal
import multiprocessing
import os
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from itertools import repeat
from pathlib import Path
from typing import Callable, Iterator

import tui
from tui.core.catalog import Summary, summarize
from tui.core.errors import Problem
from tui.core.record import decode, digest_of, read_raw
from tui.core.record import check_text
from tui.core.schema import Schema
from tui.core.workspace import Workspace

CACHE_FORMAT = 4  # 3: the pool facts and Summary.identity; 4: both at once
CACHE_NAME = "catalog.marshal"
RACY_NS = 2_000_000_000  # a file touched this close to the last save is re-hashed, not trusted by stat
PARALLEL_FROM = 400  # below this, starting worker processes costs more than it saves
BATCH = 200

Progress = Callable[[int, int], None]


@dataclass
class Catalog:
    """Every customer's summary, by id, and how the load went."""

    summaries: dict[str, Summary] = field(default_factory=dict)
    from_cache: int = 0
    parsed: int = 0
    seconds: float = 0.0

    def __len__(self) -> int:
        return len(self.summaries)

    def invalid(self) -> list[Summary]:
        return sorted((s for s in self.summaries.values() if s.problems), key=lambda s: s.id)


def summarize_bytes(schema: Schema, rid: str, relpath: str, raw: bytes | None, problem: Problem | None) -> Summary:
    if raw is None:
        return summarize(rid, None, [problem], schema.rules)
    text, problem = decode(raw, relpath)
    if text is None:
        return summarize(rid, None, [problem], schema.rules)
    data, problems = check_text(schema, relpath, text)
    return summarize(rid, data, problems, schema.rules)


_worker_schema: Schema | None = None


def _init_worker(path: str, text: str) -> None:
    global _worker_schema
    _worker_schema = Schema(Path(path), text)


def _summarize_batch(batch: list[tuple[str, str, bytes | None, Problem | None]]) -> list[Summary]:
    return [summarize_bytes(_worker_schema, *item) for item in batch]


def _cache_path(ws: Workspace) -> Path:
    return ws.state_dir / CACHE_NAME


def _read_blob(ws: Workspace, schema: Schema):
    """The saved cache as columns, or None when it is missing, unreadable or for another schema.

    Stored by column with marshal: at 100,000 records that loads about twice as fast as pickling
    one tuple a record, since the file holds a few long lists rather than a million small objects."""
    try:
        blob = marshal.loads(_cache_path(ws).read_bytes())
        key, saved_ns, names, sizes, mtimes, inodes, digests, columns = blob
    except (OSError, EOFError, ValueError, TypeError):
        return None  # a missing or unreadable cache only costs a cold load
    if tuple(key) != (CACHE_FORMAT, tui.__version__, schema.digest) or len(columns) != len(Summary._fields):
        return None
    return saved_ns, names, sizes, mtimes, inodes, digests, columns


def _rows(columns: list) -> Iterator[Summary]:
    return map(tuple.__new__, repeat(Summary), zip(*columns)) if columns[0] else iter(())


def _read_cache(ws: Workspace, schema: Schema) -> tuple[dict, int]:
    """{file name: (stat key, digest, Summary)} and when it was saved; ({}, 0) when unusable."""
    blob = _read_blob(ws, schema)
    if blob is None:
        return {}, 0
    saved_ns, names, sizes, mtimes, inodes, digests, columns = blob
    return dict(zip(names, zip(zip(sizes, mtimes, inodes), digests, _rows(columns)))), saved_ns


def _write_cache(ws: Workspace, schema: Schema, entries: dict) -> None:
    path = _cache_path(ws)
    names = list(entries)
    values = entries.values()
    stats = list(zip(*(v[0] for v in values))) or [(), (), ()]
    columns = [list(c) for c in zip(*(v[2] for v in values))] or [[] for _ in Summary._fields]
    blob = (
        (CACHE_FORMAT, tui.__version__, schema.digest), time.time_ns(), names,
        list(stats[0]), list(stats[1]), list(stats[2]), [v[1] for v in values], columns,
    )
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}")
        tmp.write_bytes(marshal.dumps(blob))
        os.replace(tmp, path)
    except (OSError, ValueError):
        pass  # the cache is derived: failing to save it (read-only checkout, full disk) loses nothing


def load_cached(ws: Workspace) -> Catalog | None:
    """The catalog as last saved, without looking at the records (None when there is no usable cache).

    For a first paint at 100,000 records: it skips a stat of every file, so it may be stale until
    `load_catalog` (in a worker) confirms or corrects it."""
    started = time.perf_counter()
    blob = _read_blob(ws, ws.schema)
    if blob is None:
        return None
    columns = blob[-1]
    summaries = dict(zip(columns[0], _rows(columns)))
    return Catalog(summaries, len(summaries), 0, time.perf_counter() - started)


def load_catalog(ws: Workspace, progress: Progress | None = None, jobs: int | None = None) -> Catalog:
    """Every record's summary. Broken records are included, with their problems."""
    started = time.perf_counter()
    schema = ws.schema
    cached, saved_ns = _read_cache(ws, schema)
    entries: dict = {}
    summaries: dict[str, Summary] = {}
    suspects = []
    for entry in ws.record_files():
        try:
            st = entry.stat(follow_symlinks=False)
        except FileNotFoundError:
            continue  # deleted while we looked
        stat_key = (st.st_size, st.st_mtime_ns, st.st_ino)
        hit = cached.get(entry.name)
        if hit is not None and hit[0] == stat_key and st.st_mtime_ns < saved_ns - RACY_NS:
            entries[entry.name] = hit
            summaries[hit[2].id] = hit[2]
        else:
            suspects.append((entry, stat_key, hit))
    from_cache = len(summaries)
    todo = []
    for entry, stat_key, hit in suspects:
        rid = entry.name[:-5]
        relpath = f"records/{entry.name}"
        try:
            raw, problem = read_raw(Path(entry.path), relpath)
        except FileNotFoundError:
            continue
        digest = digest_of(raw) if raw is not None else ""
        if hit is not None and raw is not None and hit[1] == digest:
            entries[entry.name] = (stat_key, digest, hit[2])
            summaries[rid] = hit[2]
            from_cache += 1
        else:
            todo.append((entry.name, stat_key, digest, (rid, relpath, raw, problem)))
    total = len(todo)
    if progress:
        progress(0, total)
    for (name, stat_key, digest, _), summary in zip(todo, _summarize_all(schema, [t[3] for t in todo], progress, jobs)):
        entries[name] = (stat_key, digest, summary)
        summaries[summary.id] = summary
    if todo or len(entries) != len(cached) or not saved_ns:
        _write_cache(ws, schema, entries)
    return Catalog(summaries, from_cache, total, time.perf_counter() - started)


def _summarize_all(schema: Schema, items: list, progress: Progress | None, jobs: int | None) -> list[Summary]:
    total = len(items)
    jobs = jobs or os.cpu_count() or 1
    if total < PARALLEL_FROM or jobs == 1:
        out = []
        for i, item in enumerate(items, 1):
            out.append(summarize_bytes(schema, *item))
            if progress and (i % BATCH == 0 or i == total):
                progress(i, total)
        return out
    batches = [items[i : i + BATCH] for i in range(0, total, BATCH)]
    results: list = [None] * len(batches)
    done = 0
    # spawn, not fork: the UI calls this from a worker thread, and forking a threaded process is unsafe
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(jobs, mp_context=context, initializer=_init_worker, initargs=(str(schema.path), schema.text)) as pool:
        futures = {pool.submit(_summarize_batch, batch): i for i, batch in enumerate(batches)}
        for future in as_completed(futures):
            results[futures[future]] = future.result()
            done += len(results[futures[future]])
            if progress:
                progress(done, total)
    return [s for batch in results for s in batch]


def refresh(ws: Workspace, catalog: Catalog, rid: str) -> Summary | None:
    """Re-read one record into the catalog (after a change); None when its file is gone."""
    path = ws.record_path(rid)
    if not ws.exists(rid):
        catalog.summaries.pop(rid, None)
        return None
    relpath = f"records/{rid}.yaml"
    try:
        raw, problem = read_raw(path, relpath)
    except FileNotFoundError:
        catalog.summaries.pop(rid, None)
        return None
    summary = summarize_bytes(ws.schema, rid, relpath, raw, problem)
    catalog.summaries[rid] = summary
    return summary
