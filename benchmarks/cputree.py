"""CPU seconds of this process tree, by process kind and by Python thread, read from /proc.

`snapshot()` reads user + system time of every process below this one (Chromium's processes
by their `--type`, Playwright's driver, this interpreter by thread). A child that exits is
counted in its parent's `cutime`/`cstime` once reaped, so the difference of two snapshots
holds the renderers that came and went between them (under Chromium's zygote). The news
site's process stands in for the web: it is shown, never counted in the total. The TSA's
`openssl` runs are this interpreter's reaped children, shown apart. A thread that ended
between two snapshots is counted in "python threads ended" (the caller moves the memory
sampler's own seconds, one thread per batch, out of it: `SAMPLER`).
"""

import os
import re
import threading
from collections import Counter
from dataclasses import dataclass, field

TICK = os.sysconf("SC_CLK_TCK")
STAND_IN = "stand-in web server (not counted)"
"""The news site's process: the web's cost, shown beside the product's, never in its total."""
SAMPLER = "benchmark's memory sampler (not counted)"
"""The benchmark's own thread reading memory use: shown, never in a mode's total."""
ENDED = "python threads ended"
NOT_COUNTED = frozenset({STAND_IN, SAMPLER})


def _stat(path: str) -> tuple[str, list[str]] | None:
    """The comm and the fields after it of a /proc stat file (None when gone)."""
    try:
        with open(path) as handle:
            text = handle.read()
    except OSError:
        return None
    close = text.rindex(")")
    return text[text.index("(") + 1 : close], text[close + 2 :].split()


def _cmdline(pid: int) -> list[str]:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as handle:
            return [part.decode(errors="replace") for part in handle.read().split(b"\0") if part]
    except OSError:
        return []


def child_pids(pid: int) -> list[int]:
    """The process ids whose parent is `pid` (from /proc, every thread's list)."""
    found: list[int] = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as handle:
                found.extend(int(child) for child in handle.read().split())
    except OSError:
        pass
    return found


def _kind(pid: int, comm: str) -> str:
    """What a descendant process is. Chromium rewrites its command line into one string, so
    flags are looked for in the whole of it."""
    joined = " ".join(_cmdline(pid))
    if "tests.world" in joined:
        return STAND_IN
    kind = re.search(r"--type=(\S+)", joined)
    if kind is not None:
        sub = re.search(r"--utility-sub-type=(\S+)", joined)
        name = kind.group(1) + (f" ({sub.group(1).rsplit('.', 1)[-1]})" if sub else "")
        return f"chromium {name}"
    if "chrom" in comm or "headless" in comm:
        return "chromium browser"
    if comm.startswith("node") or "playwright" in joined:
        return "playwright driver"
    return f"other ({comm})"


@dataclass
class Snapshot:
    """CPU seconds by kind at one moment."""

    seconds: Counter[str] = field(default_factory=Counter)

    def __sub__(self, other: "Snapshot") -> "Snapshot":
        diff = Snapshot()
        for key in self.seconds.keys() | other.seconds.keys():
            diff.seconds[key] = self.seconds[key] - other.seconds[key]
        return diff

    def total(self) -> float:
        """Every kind's seconds together, the stand-in server's and the sampler's left out."""
        return sum(v for k, v in self.seconds.items() if k not in NOT_COUNTED)


def _threads() -> dict[int, str]:
    names: dict[int, str] = {}
    for thread in threading.enumerate():
        if thread.native_id is not None:
            base = thread.name.rsplit("_", 1)[0] if "_" in thread.name else thread.name
            names[thread.native_id] = f"python thread {base}"
    return names


def children() -> set[int]:
    """The pids of this interpreter's child processes now."""
    return set(child_pids(os.getpid()))


def snapshot(leave_out: frozenset[int] = frozenset()) -> Snapshot:
    """CPU seconds of this interpreter (by thread) and of every descendant (by kind), but for
    the children in `leave_out` and all below them (another browser, idle meanwhile, whose
    renderers of its last batch are reaped during this one)."""
    shot = Snapshot()
    me = os.getpid()
    names = _threads()
    own = 0.0
    for task in os.listdir(f"/proc/{me}/task"):
        read = _stat(f"/proc/{me}/task/{task}/stat")
        if read is None:
            continue
        used = (int(read[1][11]) + int(read[1][12])) / TICK
        own += used
        shot.seconds[names.get(int(task), f"python thread ({read[0]})")] += used
    read = _stat(f"/proc/{me}/stat")
    if read is not None:  # threads that ended count in the process's total only
        whole = (int(read[1][11]) + int(read[1][12])) / TICK
        shot.seconds[ENDED] += max(0.0, whole - own)
        shot.seconds["python reaped children (TSA openssl)"] += (
            int(read[1][13]) + int(read[1][14])
        ) / TICK
    mine = [child for child in child_pids(me) if child not in leave_out]
    frontier = [(child, _stat(f"/proc/{child}/stat")) for child in mine]
    while frontier:
        pid, read = frontier.pop()
        if read is None:
            continue
        kind = _kind(pid, read[0])
        fields = read[1]
        shot.seconds[kind] += (int(fields[11]) + int(fields[12])) / TICK
        reaped = (int(fields[13]) + int(fields[14])) / TICK
        if reaped:
            label = "chromium renderers ended" if kind == "chromium zygote" else kind
            shot.seconds[label] += reaped
        frontier.extend((child, _stat(f"/proc/{child}/stat")) for child in child_pids(pid))
    return shot


def report(diff: Snapshot, pages: int, title: str) -> list[str]:
    """Lines of CPU seconds per page by kind, largest first."""
    lines = [f"{title}: {diff.total() / pages:.3f} s CPU per page ({pages} pages)"]
    for kind, seconds in diff.seconds.most_common():
        if abs(seconds) >= 0.0005 * pages:
            lines.append(f"    {kind:<44}{seconds / pages:>8.3f}")
    return lines
