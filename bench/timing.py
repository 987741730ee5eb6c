"""Timing helpers of the bench scripts: commands timed end to end in fresh processes."""

from __future__ import annotations

import statistics
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence

# A command line, or a function of the round number (0, 1, ...) that gives one.
Command = Sequence[str] | Callable[[int], Sequence[str]]


def wall(cmd: Sequence[str], env: dict[str, str]) -> float:
    """Seconds one command takes, end to end; it must succeed."""
    started = time.perf_counter()
    subprocess.run(cmd, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    return time.perf_counter() - started


def interleaved_samples(
    commands: Mapping[str, Command], env: dict[str, str], runs: int
) -> dict[str, list[float]]:
    """The seconds of each command in each of ``runs`` rounds.

    Each round runs every command once, in order, so machine noise hits them alike.
    """
    samples: dict[str, list[float]] = {name: [] for name in commands}
    for round_no in range(runs):
        for name, cmd in commands.items():
            samples[name].append(wall(cmd(round_no) if callable(cmd) else cmd, env))
    return samples


def interleaved_medians(
    commands: Mapping[str, Command], env: dict[str, str], runs: int
) -> dict[str, float]:
    """The median seconds of each command over ``runs`` interleaved rounds."""
    samples = interleaved_samples(commands, env, runs)
    return {name: statistics.median(times) for name, times in samples.items()}
