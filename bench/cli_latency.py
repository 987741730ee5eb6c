"""CLI latency at 100,000 leads: `prospectr add` and `prospectr today`.

Prints the median wall time of each command beside the median of
`python -c "import typer, sqlmodel"` (the imports no run can avoid), measured in
the same run, and the ratios. Target: both ratios at most 1.2.

    python bench/cli_latency.py [--runs 15] [--leads 100000] [--db URL]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from dataset import NOW, build, sqlite_url
from timing import interleaved_medians, wall

TARGET = 1.2


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--leads", type=int, default=100_000)
    parser.add_argument("--db", help="an existing/empty server URL instead of a temp SQLite file")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        url = args.db or sqlite_url(Path(tmp) / "bench.db")
        print(f"building {args.leads} leads ...", flush=True)
        build(url, leads=args.leads)
        env = dict(os.environ, PROSPECTR_DB=url, PROSPECTR_NOW=NOW.isoformat())
        py = sys.executable
        base_cmd = [py, "-c", "import typer, sqlmodel"]
        app = [py, "-m", "prospectr"]
        wall([*app, "today"], env)  # warm the OS cache once
        medians = interleaved_medians(
            {
                "imports": base_cmd,
                "add": lambda i: [*app, "add", f"Bench Lead {i}", "-e", f"bench{i}@example.org"],
                "today": [*app, "today"],
            },
            env,
            args.runs,
        )
        base = medians["imports"]
        print(f"\nleads: {args.leads}   runs: {args.runs}   database: {url.split(':')[0]}")
        print(f"{'command':<34}{'median s':>10}{'ratio':>8}{'target':>8}")
        print(f"{'python -c import typer, sqlmodel':<34}{base:>10.3f}{1.0:>8.2f}")
        for name in ("add", "today"):
            med = medians[name]
            ratio = med / base
            verdict = "ok" if ratio <= TARGET else "over"
            print(f"{'prospectr ' + name:<34}{med:>10.3f}{ratio:>8.2f}{TARGET:>8.2f}  {verdict}")


if __name__ == "__main__":
    main()
