"""TUI benchmark: time to first screen, peak RSS, and search keystroke latency.

Builds two deterministic databases with bench/dataset.py (1,000 and 100,000
leads, with a fifth as many notes and contacts), then measures, each in a fresh
subprocess so memory figures do not mix:

- time from process start to the first screen showing rows, and the child's
  peak RSS (``ru_maxrss``);
- at 100,000 leads, the time from a keystroke in the search box to the list
  showing the new matches (median and worst over several keystrokes).

Run: python bench/tui_startup.py [--keep DIR]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

TODAY = datetime(2026, 11, 24, 10, 0, 0)
TARGET_FIRST_SCREEN_S = 1.0
TARGET_KEYSTROKE_MS = 100.0
TARGET_RSS_MIB = 150.0
SIZES = (1_000, 100_000)


def build(db: Path, n: int) -> None:
    """Fill ``db`` with bench/dataset.py in a child process.

    A child's ``ru_maxrss`` starts from its parent's, so the parent never holds
    the rows itself.
    """
    dataset = Path(__file__).with_name("dataset.py")
    cmd = [sys.executable, str(dataset), str(db), "--leads", str(n), "--interactions", str(n // 5)]
    subprocess.run(cmd, check=True, capture_output=True)


# --- measurements (each in a child process) ---------------------------------------------

KEYS = ("m", "a", "r", "i", "a", "backspace", "backspace", "space", "s", "z", "q")


async def _measure(url: str, started: float, keystrokes: bool) -> dict[str, object]:
    from textual import events

    from prospectr.db import open_database
    from prospectr.tui.app import ProspectrApp
    from prospectr.tui.screens.leads import LeadsScreen
    from prospectr.tui.screens.today import TodayScreen
    from prospectr.tui.widgets.lead_table import LeadTable

    app = ProspectrApp(engine=open_database(url), db_label=url, clock=lambda: TODAY, blink=False)
    out: dict[str, object] = {}
    async with app.run_test(size=(120, 36)) as pilot:
        while True:
            screen = app.screen
            if isinstance(screen, TodayScreen) and screen.agenda is not None:
                break
            if isinstance(screen, LeadsScreen) and screen.shown is not None:
                break
            await asyncio.sleep(0.001)
        await pilot.pause()
        out["first_screen_s"] = time.time() - started
        out["first_screen_cpu_s"] = time.process_time()
        out["first_screen"] = type(app.screen).__name__
        if keystrokes:
            await pilot.press("2")
            leads = app.screen
            assert isinstance(leads, LeadsScreen)
            while leads.shown is None:
                await asyncio.sleep(0.001)
            await app.workers.wait_for_complete()
            await pilot.press("slash")
            search = leads.query_one("#search")
            table = leads.query_one(LeadTable)
            latencies = []
            cpu = []
            expected = ""
            for key in KEYS:
                # Send the key as the terminal driver would; Pilot.press would also wait
                # for the count query that follows the list, which the person never waits for.
                char = " " if key == "space" else (key if len(key) == 1 else None)
                expected = expected[:-1] if key == "backspace" else expected + (char or "")
                event = events.Key(key, char)
                event.set_sender(app)
                t0 = time.perf_counter()
                c0 = time.process_time()
                app._driver.send_message(event)  # type: ignore[union-attr]
                while True:
                    await asyncio.sleep(0.0005)
                    shown = leads.shown
                    if (
                        search.value == expected  # type: ignore[attr-defined]
                        and shown is not None
                        and shown.text == expected
                        and table.painted == table._generation
                    ):
                        break
                latencies.append((time.perf_counter() - t0) * 1000)
                cpu.append((time.process_time() - c0) * 1000)
                await app.workers.wait_for_complete()  # the counts, before the next key
                await pilot.pause()
            out["keystroke_ms"] = latencies
            out["keystroke_cpu_ms"] = cpu
            out["final_query"] = search.value  # type: ignore[attr-defined]
    out["peak_rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return out


def child(url: str, started: float, keystrokes: bool) -> None:
    """Run in a subprocess: print the measurements as JSON."""
    print(json.dumps(asyncio.run(_measure(url, started, keystrokes))))


def run_child(db: Path, keystrokes: bool) -> dict[str, object]:
    started = time.time()
    cmd = [sys.executable, __file__, "--child", str(db), str(started)]
    if keystrokes:
        cmd.append("--keys")
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise SystemExit(f"child failed:\n{proc.stderr}")
    result: dict[str, object] = json.loads(proc.stdout.strip().splitlines()[-1])
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    result["children_max_rss_mib"] = children
    return result


def verdict(value: float, target: float) -> str:
    return f"{value / target:5.2f}x target ({'ok' if value <= target else 'OVER'})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", type=Path, help="build (or reuse) the databases in this folder")
    parser.add_argument("--analyze", action="store_true", help="run ANALYZE on the built databases")
    parser.add_argument("--runs", type=int, default=3, help="start-up runs per size (best is kept)")
    parser.add_argument("--child", nargs=2, metavar=("DB", "STARTED"), help=argparse.SUPPRESS)
    parser.add_argument("--keys", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(f"sqlite:///{args.child[0]}", float(args.child[1]), args.keys)
        return

    folder = args.keep or Path(tempfile.mkdtemp(prefix="prospectr-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    print(f"prospectr TUI benchmark  (python {sys.version.split()[0]}, databases in {folder})")
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"load average at the start: {load} ({os.cpu_count()} CPUs; timings stretch with load)")
    for n in SIZES:
        db = folder / f"leads-{n}.db"
        if not db.exists():
            t0 = time.perf_counter()
            build(db, n)
            print(f"built {n:>7,} leads in {time.perf_counter() - t0:5.1f} s")
            if args.analyze:
                import sqlite3

                with sqlite3.connect(db) as conn:
                    conn.execute("ANALYZE")

    print()
    print(f"{'leads':>8}  {'first screen':>12}  {'(CPU)':>7}  {'peak RSS':>9}  screen")
    firsts: dict[int, float] = {}
    rss_all: list[float] = []
    for n in SIZES:
        db = folder / f"leads-{n}.db"
        runs = [run_child(db, keystrokes=False) for _ in range(args.runs)]
        best = min(runs, key=lambda r: num(r, "first_screen_s"))
        firsts[n] = num(best, "first_screen_s")
        rss = max(num(r, "peak_rss_mib") for r in runs)
        rss_all.append(rss)
        every = ", ".join(f"{num(r, 'first_screen_s'):.3f}" for r in runs)
        print(
            f"{n:>8,}  {firsts[n]:>10.3f} s  {num(best, 'first_screen_cpu_s'):>5.2f} s  "
            f"{rss:>5.1f} MiB  {best['first_screen']}  (best of {len(runs)}: {every})"
        )

    big = folder / f"leads-{SIZES[-1]}.db"
    keyed = run_child(big, keystrokes=True)
    lat = nums(keyed, "keystroke_ms")
    cpu = nums(keyed, "keystroke_cpu_ms")
    rss_all.append(num(keyed, "peak_rss_mib"))
    print()
    print(f"search keystrokes at {SIZES[-1]:,} leads (typing {' '.join(KEYS)}):")
    print("  wall per key (ms): " + ", ".join(f"{x:.0f}" for x in lat))
    print("  CPU per key (ms):  " + ", ".join(f"{x:.0f}" for x in cpu))
    print(f"  median {statistics.median(lat):.0f} ms, worst {max(lat):.0f} ms")

    first_big, median, worst, rss_big = (
        firsts[SIZES[-1]],
        statistics.median(lat),
        max(lat),
        max(rss_all),
    )
    print()
    print(f"targets at {SIZES[-1]:,} leads:")
    print(
        f"  first screen  {first_big:7.3f} s    <= 1.0 s    "
        + verdict(first_big, TARGET_FIRST_SCREEN_S)
    )
    print(
        f"  keystroke     {median:7.0f} ms   <= 100 ms   "
        + verdict(median, TARGET_KEYSTROKE_MS)
        + "  median"
    )
    print(
        f"  keystroke     {worst:7.0f} ms   <= 100 ms   "
        + verdict(worst, TARGET_KEYSTROKE_MS)
        + "  worst"
    )
    print(f"  peak RSS      {rss_big:7.1f} MiB  <= 150 MiB  " + verdict(rss_big, TARGET_RSS_MIB))
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"load average at the end: {load} ({os.cpu_count()} CPUs)")


def num(result: dict[str, object], key: str) -> float:
    """One figure of a child's result."""
    value = result[key]
    assert isinstance(value, int | float)
    return float(value)


def nums(result: dict[str, object], key: str) -> list[float]:
    """A list of figures of a child's result."""
    value = result[key]
    assert isinstance(value, list)
    return [float(x) for x in value]


if __name__ == "__main__":
    main()
