"""Run every benchmark (`make bench`), each in its own process, then print a summary.

Each benchmark writes var/bench/<name>.json with its figures, its targets and whether each was
met. Exits non-zero only when a benchmark crashes; with --strict, also when a target is missed.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
OUT_DIR = BENCH_DIR.parent / "var" / "bench"
BENCHMARKS = (
    "patient_search",
    "chart_open",
    "clinic_finder",
    "scheduling",
    "monitoring",
    "audit_sealing",
)
TIMEOUT_SECONDS = 600


def _mark(met: bool) -> str:
    return "met" if met else "MISSED"


def _summary_search(r: dict[str, Any]) -> list[str]:
    t = r["targets"]
    lines = [
        f"ORM p95 {r['overall']['orm']['p95_ms']:.2f} ms overall (p50 "
        f"{r['overall']['orm']['p50_ms']:.2f}), target < {t['orm_p95_under_ms']['target']:.0f} ms:"
        f" {_mark(t['orm_p95_under_ms']['met'])}",
        f"p95 ORM / raw SQL {r['ratio_p95_orm_over_raw']} overall, target <= "
        f"{t['p95_ratio_orm_over_raw_at_most']['target']}: "
        f"{_mark(t['p95_ratio_orm_over_raw_at_most']['met'])} (worst kind "
        f"{t['p95_ratio_orm_over_raw_at_most']['worst_kind_ratio']})",
    ]
    for kind, k in r["kinds"].items():
        lines.append(
            f"  {kind:17} ORM p95 {k['orm']['p95_ms']:6.2f} ms, raw SQL p95 "
            f"{k['raw_sql']['p95_ms']:6.2f} ms, x{k['ratio_p95_orm_over_raw']}"
        )
    lines.append(
        f"name-prefix query uses its index: {'yes' if t['name_prefix_uses_index']['met'] else 'NO'}"
    )
    return lines


def _summary_chart(r: dict[str, Any]) -> list[str]:
    t = r["targets"]
    q = t["queries_at_most"]["measured"]
    v200, v20 = r["by_entries"]["200"]["view"], r["by_entries"]["20"]["view"]
    return [
        f"queries per chart open: {q['20_entries']} (20 entries), {q['200_entries']} (200 entries);"
        f" target <= {t['queries_at_most']['target']}: {_mark(t['queries_at_most']['met'])}, "
        f"constant: {_mark(t['query_count_constant']['met'])}",
        f"selectors (get_patient_for + patient_chart) p95 {r['selectors_200']['p95_ms']:.2f} ms vs"
        f" raw SQL p95 {r['raw_sql_200']['p95_ms']:.2f} ms = x{r['ratio_p95_selectors_over_raw']}"
        f" (fair comparison), target <= {t['selectors_p95_within_x_of_raw_sql']['target']}: "
        f"{_mark(t['selectors_p95_within_x_of_raw_sql']['met'])}",
        f"patient_chart alone p95 {r['patient_chart_only_200']['p95_ms']:.2f} ms vs its section"
        f" SQL p95 {r['raw_section_sql_200']['p95_ms']:.2f} ms = "
        f"x{r['ratio_p95_patient_chart_over_raw_sections']}",
        f"full view GET p95 {v200['p95_ms']:.2f} ms at 200 entries ({v20['p95_ms']:.2f} ms at 20)"
        f" = x{r['ratio_p95_view_over_raw_informational']} raw SQL (informational: the view also"
        " does session/auth, an audit write and HTML)",
    ]


SUMMARIES = {
    "patient_search": _summary_search,
    "chart_open": _summary_chart,
    "clinic_finder": lambda r: [
        f"selector p95 {r['selector_overall']['p95_ms']:.2f} ms (target < 30), page median "
        f"{r['finder_page']['p50_ms']:.2f} ms = x{r['ratio_median_page_over_healthz']} /healthz"
        " (target <= 2): " + ", ".join(f"{k} {_mark(t['met'])}" for k, t in r["targets"].items())
    ],
    "scheduling": lambda r: [
        f"series proposal p95 {r['proposal']['p95_ms']:.2f} ms (target < 200) = "
        f"x{r['ratio_p95_proposal_over_sql']} busy SQL; week p95 "
        f"{r['week']['view_500']['p95_ms']:.2f} ms at 500 (target < 150), queries "
        f"{r['week']['queries']}: "
        + ", ".join(f"{k} {_mark(t['met'])}" for k, t in r["targets"].items())
    ],
    "monitoring": lambda r: [
        f"single {(r['burst_single_wrk'] or r['burst_single'])['readings_per_s']} readings/s "
        f"(p99 {(r['burst_single_wrk'] or r['burst_single'])['latency']['p99_ms']} ms) = "
        f"x{r['ratio_single_over_plain_insert']} plain INSERT; batch "
        f"{r['burst_batch']['readings_per_s']} readings/s: "
        + ", ".join(f"{k} {_mark(t['met'])}" for k, t in r["targets"].items())
    ],
    "audit_sealing": lambda r: [
        f"{r['trail_events']:,} events: regular cycle {r['regular_idle_ms']} ms idle, "
        f"{r['regular_100_pending_ms']} ms with 100 pending; full sweep {r['full_sweep_ms']} ms"
        f" = x{r['ratio_regular_over_full']} (target <= 0.05): "
        + ", ".join(f"{k} {_mark(t['met'])}" for k, t in r["targets"].items())
    ],
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    parser.add_argument("only", nargs="*", choices=[*BENCHMARKS, []], help="benchmarks to run")
    args = parser.parse_args()
    names = args.only or list(BENCHMARKS)

    started = time.perf_counter()
    crashed: list[str] = []
    for name in names:
        print(f"\n=== {name} ===", flush=True)
        try:
            done = subprocess.run(  # noqa: S603 - our own interpreter and script
                [sys.executable, str(BENCH_DIR / f"{name}.py")],
                timeout=TIMEOUT_SECONDS,
                check=False,
            )
        except subprocess.TimeoutExpired:
            print(f"{name}: did not finish within {TIMEOUT_SECONDS} s")
            crashed.append(name)
            continue
        if done.returncode != 0:
            crashed.append(name)

    print("\n=== summary ===")
    missed = False
    for name in names:
        path = OUT_DIR / f"{name}.json"
        if name in crashed or not path.exists():
            print(f"{name}: FAILED (see its output above)")
            continue
        result = json.loads(path.read_text())
        if result.get("skipped"):
            print(f"{name}: skipped: {result.get('reason')}")
            continue
        missed = missed or not result["all_targets_met"]
        verdict = "all targets met" if result["all_targets_met"] else "TARGETS MISSED"
        load = result.get("machine", {})
        busy = f" (machine busy: load {load.get('loadavg_1m')} on {load.get('cpus')} CPUs)"
        print(f"{name}: {verdict}{busy if load.get('busy') else ''}")
        for line in SUMMARIES[name](result):
            print(f"  {line}")
    print(f"total {time.perf_counter() - started:.0f} s; figures in {OUT_DIR}")
    if crashed:
        return 1
    return 1 if args.strict and missed else 0


if __name__ == "__main__":
    sys.exit(main())
