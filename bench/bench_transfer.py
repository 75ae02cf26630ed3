"""Import and export figures: `python bench/bench_transfer.py [--rows 1000,10000]`.

Figures are wall-clock seconds and, in brackets, the CPU seconds of this process and its git children:
on a shared machine the CPU figure is what an idle one would take.

Imports N synthetic spreadsheet rows (Chinese headers, CSV and XLSX) into an empty workspace, end to end
through `run_import` (read, map, parse, match, validate, write, one commit), then exports a workspace
of the largest N to each format. Prints seconds; asserts nothing.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tui.core.catalog import select, Filter  # noqa: E402
from tui.core.create import init_workspace  # noqa: E402
from tui.core.errors import NothingToChange  # noqa: E402
from tui.core.exporter import customers, export  # noqa: E402
from tui.core.importer import run_import  # noqa: E402
from tui.core.store import load_catalog  # noqa: E402
from tui.core.workspace import Workspace  # noqa: E402

HEADERS = ["编号", "客户名称", "联系人", "所在国家", "所属行业", "电话", "邮箱", "合作年限", "采购金额", "信用评级", "客户等级", "业务员", "备注"]
COUNTRIES = ["美国", "德国", "挪威", "Germany", "France", "英国", "日本", "巴西", "印度", "阿联酋"]
TODAY = dt.date(2026, 11, 23)


def rows(n: int, seed: int = 3) -> list[list]:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        out.append([f"{i:05d}", f"Kunde {rng.randrange(10**6)} Trading {i}", f"Contact {i}", rng.choice(COUNTRIES),
                    "lighting", f"+49 30 {1000000 + i}", f"buyer{i}@kunde{i}.example", f"{rng.randrange(1, 9)}年",
                    f"{rng.randrange(1, 90)},000美元", rng.choice(["AAA级", "AA级", "BBB级"]), rng.choice("ABCDE"),
                    "alice@example.com", "imported"])
    return out


def write_csv(path: Path, data: list[list]) -> None:
    import csv

    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(HEADERS)
        writer.writerows(data)


def write_xlsx(path: Path, data: list[list]) -> None:
    import xlsxwriter

    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = book.add_worksheet()
    sheet.write_row(0, 0, HEADERS)
    for r, row in enumerate(data, start=1):
        sheet.write_row(r, 0, row)
    book.close()


def cpu() -> float:
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def fresh(folder: Path) -> Workspace:
    subprocess.run(["git", "init", "-q", str(folder)], check=True)
    for key, value in (("user.name", "Bench"), ("user.email", "bench@example.com"), ("commit.gpgsign", "false")):
        subprocess.run(["git", "-C", str(folder), "config", key, value], check=True)
    return init_workspace(folder)[0]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", default="1000,10000")
    sizes = [int(x) for x in parser.parse_args().rows.split(",")]
    os.environ.setdefault("CRM_TODAY", TODAY.isoformat())
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        last = None
        for n in sizes:
            data = rows(n)
            for kind, writer in (("csv", write_csv), ("xlsx", write_xlsx)):
                sheet = base / f"customers-{n}.{kind}"
                writer(sheet, data)
                ws = fresh(base / f"ws-{kind}-{n}")
                start, used = time.perf_counter(), cpu()
                plan, change = run_import(ws, sheet, today=TODAY)
                took = time.perf_counter() - start
                print(f"import {n:>6,} rows {kind:<4}: {took:6.2f} s  (cpu {cpu() - used:5.2f} s)  {change.message}")
                last = ws
            start, used = time.perf_counter(), cpu()
            try:
                run_import(last, sheet, today=TODAY)
                said = "committed: a re-import should change nothing"
            except NothingToChange:
                said = "nothing to change"
            print(f"re-import {n:>6,} rows {kind:<4}: {time.perf_counter() - start:6.2f} s  (cpu {cpu() - used:5.2f} s)  {said}")
        if last is None:
            return
        catalog = load_catalog(last)
        chosen = select(catalog.summaries.values(), Filter(), TODAY)
        for fmt in ("csv", "xlsx", "vcf", "json"):
            buffer = io.BytesIO() if fmt == "xlsx" else io.StringIO()
            start, used = time.perf_counter(), cpu()
            count = export(fmt, buffer, customers(last, chosen), last.rules, TODAY)
            print(f"export {len(chosen):>6,} customers {fmt:<4}: {time.perf_counter() - start:6.2f} s  (cpu {cpu() - used:5.2f} s)  "
                  f"{count:,} rows")


if __name__ == "__main__":
    main()
