"""Replay a test run's per-test durations through pytest-xdist's schedulers (issue 14).

    pytest -n auto --durations=0 ... > run.log          # a full run: each test's seconds
    pytest --collect-only -q > order.txt                # the order the suite runs in now
    python benchmarks/xdist_replay.py run.log order.txt [--workers 2]

Prints, for pytest-xdist's `load` and `worksteal` scheduling, the seconds of tests each
worker would run before it has nothing left: the larger is the run's length (start-up
and collection aside), the difference the time one worker waits for the other. A model:
a test costs what it cost in the log (setup + call + teardown; 5 ms when the log hid
it), whichever worker runs it, and sending tests costs nothing. It follows the two
schedulers of pytest-xdist 3.8 (xdist/scheduler/load.py, worksteal.py).
"""

from __future__ import annotations

import argparse
import re
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

HIDDEN = 0.005  # --durations=0 hides the tests under 5 ms: counted at 5 ms


def durations(log: Path) -> dict[str, float]:
    seconds: dict[str, float] = defaultdict(float)
    for line in log.read_text(errors="replace").splitlines():
        found = re.match(r"([\d.]+)s (?:setup|call|teardown)\s+(\S+)", line)
        if found:
            seconds[found[2]] += float(found[1])
    return seconds


def collection(order: Path) -> list[str]:
    return [line for line in order.read_text().splitlines() if "::" in line]


def load(costs: list[float], workers: int) -> list[float]:
    """`--dist load`: a first chunk of a quarter of each worker's share, in order; a worker
    whose queue falls below a quarter of its share of what is left is filled to half."""
    pending = list(range(len(costs)))
    chunk = max(min(len(costs) // workers // 4, len(costs)), 2)
    queues: list[list[int]] = []
    for _ in range(workers):
        queues.append(pending[:chunk])
        del pending[:chunk]
    clock = [0.0] * workers
    while any(queues):
        worker = min((w for w in range(workers) if queues[w]), key=lambda w: clock[w])
        cost = costs[queues[worker].pop(0)]
        clock[worker] += cost
        if pending:
            least = max(2, len(pending) // workers // 4)
            most = max(2, len(pending) // workers // 2)
            queue = queues[worker]
            if len(queue) < least and not (cost >= 0.1 and len(queue) >= 2):
                sent = pending[: most - len(queue)]
                queue += sent
                del pending[: len(sent)]
    return clock


def worksteal(costs: list[float], workers: int) -> list[float]:
    """`--dist worksteal`: each worker starts on its share, in order; one left with fewer
    than two takes the last half (keeping two) of the longest queue."""
    share = len(costs) // workers
    queues = [
        list(range(w * share, (w + 1) * share if w < workers - 1 else len(costs)))
        for w in range(workers)
    ]
    clock = [0.0] * workers
    while any(queues):
        worker = min((w for w in range(workers) if queues[w]), key=lambda w: clock[w])
        clock[worker] += costs[queues[worker].pop(0)]
        if len(queues[worker]) < 2:
            victim = max(range(workers), key=lambda w: len(queues[w]))
            take = min(len(queues[victim]) // 2, max(0, len(queues[victim]) - 2))
            if take and victim != worker:
                queues[worker] += queues[victim][-take:]
                del queues[victim][-take:]
    return clock


def main() -> None:
    usage = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    usage.add_argument("log", type=Path, help="a run's output with --durations=0")
    usage.add_argument("order", type=Path, help="pytest --collect-only -q, the run's order")
    usage.add_argument("--workers", type=int, default=2, help="pytest-xdist's -n")
    args = usage.parse_args()
    seconds = durations(args.log)
    order = collection(args.order)
    costs = [seconds.get(test, HIDDEN) for test in order]
    known = sum(1 for test in order if test in seconds)
    print(f"{len(order)} tests, {known} with a duration in the log, {sum(costs):,.1f} s in all")
    schedulers: dict[str, Callable[[list[float], int], list[float]]] = {
        "load": load,
        "worksteal": worksteal,
    }
    for name, replay in schedulers.items():
        clock = replay(costs, args.workers)
        each = ", ".join(f"{c:,.1f}" for c in clock)
        print(
            f"{name:9s}  each worker's tests end at {each} s; the run's tests {max(clock):,.1f} s"
        )


if __name__ == "__main__":
    main()
