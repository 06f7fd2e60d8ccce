"""The Python side of `make bench-peer`: gradviz's benchmark workloads in CPython micrograd.

benches/engine.rs runs this once per workload, in a fresh process, and reads one JSON line:

    python benches/peer.py WORKLOAD ARG [--runs N] [--no-gc]

    {"values": node count, "phases": {"forward": [s, ...], "backward": [s, ...]},
     "peak_rss_bytes": ..., "checks": {"result": ..., "grad": ...}}

Workloads (ARG in brackets):
- chain [steps], mlp [batch rows]: the engine's graphs, forward and backward;
- script [path]: a gradviz benchmark script run as the lecture's notebook would, then the
  lecture's `draw_dot(x).source` written to a file (benches/lecture.py);
- script-process [path]: the same as one whole `python benches/lecture.py` process, timed
  from here (interpreter start and imports included);
- script-json-process [path]: one whole `python benches/lecture.py SCRIPT OUT.json` process:
  the script in micrograd, then the graph written by a plain JSON exporter;
- mlp-dot [batch rows]: the lecture's `draw_dot(loss).source` of the mlp graph after
  backward (building the graph and backward are not timed).

Each workload builds exactly the nodes the Rust side builds, in the same order, so node
counts match and results agree. Times are wall clock (time.perf_counter) per run; the
Rust side takes the median. Memory: the growth of peak RSS (VmHWM after minus before)
over the first run, in this fresh process (for script-process, the child's own peak RSS).
Not tracemalloc: on CPython 3.11 it walks the
whole stack at every allocation, and micrograd's deep recursion made one traced 1M chain
run take over 15 minutes. RSS is page- and arena-granular, so below ~100k values it is
noisy. Tearing a graph down is not timed (the Rust side does not time dropping its graph
either). Python's cyclic GC stays on, as micrograd users run it, unless --no-gc.

micrograd's backward builds its topological order recursively, one Python frame per level
of depth (the lecture's draw_dot too); a chain of 1M values is 500k levels deep. So the
recursion limit is raised and the workload runs in a thread with a 1 GiB stack. If Python
still dies, the Rust side reports the crash as the result.

To add a workload: write a function (arg) -> {"phases": {name: seconds}, "root": a Value,
"checks": {name: number}} (or "values" and "peak_rss_bytes" instead of "root" when the
graph lives in another process), register it in WORKLOADS, and pass its name from the Rust
side.
"""
import argparse
import gc
import json
import os
import subprocess
import sys
import threading
import time

from micrograd.engine import Value
from micrograd.nn import MLP

import lecture

STACK_BYTES = 1 << 30
RECURSION_LIMIT = 10_000_000
# The exit status for "the workload died in Python", a result rather than a broken set-up.
CRASHED = 3


def count_values(root):
    """The values reachable from root, counted iteratively (micrograd's own walk recurses)."""
    seen = {id(root)}
    stack = [root]
    while stack:
        v = stack.pop()
        for child in v._prev:
            if id(child) not in seen:
                seen.add(id(child))
                stack.append(child)
    return len(seen)


def chain(arg):
    """x = x * Value(0.999) + Value(0.001), steps times, from x = Value(1.0)."""
    steps = int(arg)
    start = time.perf_counter()
    x0 = Value(1.0)
    x = x0
    for _ in range(steps):
        x = x * Value(0.999) + Value(0.001)
    built = time.perf_counter()
    x.backward()
    done = time.perf_counter()
    return {
        "phases": {"forward": built - start, "backward": done - built},
        "root": x,
        "checks": {"result": x.data, "grad": x0.grad},
    }


def mlp_inputs(batch):
    """Row i is [(i % 97) / 48.5 - 1, (i % 89) / 44.5 - 1]: exact in both languages."""
    return [[(i % 97) / 48.5 - 1.0, (i % 89) / 44.5 - 1.0] for i in range(batch)]


def mlp_graph(xs):
    """random.seed(1337); MLP(2, [4, 4, 1]) over the rows xs; loss = sum(outputs)."""
    import random

    random.seed(1337)
    model = MLP(2, [4, 4, 1])
    outs = [model(x) for x in xs]
    return model, sum(outs)


def mlp(arg):
    """The mlp graph, forward (the network included) and backward timed."""
    xs = mlp_inputs(int(arg))
    start = time.perf_counter()
    model, loss = mlp_graph(xs)
    built = time.perf_counter()
    loss.backward()
    done = time.perf_counter()
    return {
        "phases": {"forward": built - start, "backward": done - built},
        "root": loss,
        "checks": {"result": loss.data, "grad": model.parameters()[0].grad},
    }


def mlp_dot(arg):
    """The lecture's draw_dot(loss).source of the mlp graph after backward."""
    lecture.install()
    model, loss = mlp_graph(mlp_inputs(int(arg)))
    loss.backward()
    start = time.perf_counter()
    source = lecture.draw_dot(loss).source
    done = time.perf_counter()
    return {
        "phases": {"draw_dot": done - start},
        "root": loss,
        "checks": {"result": loss.data, "grad": model.parameters()[0].grad},
    }


def first_leaf_labelled(root, label):
    """The leaf with this label, found iteratively: the script's first `x`."""
    seen = {id(root)}
    stack = [root]
    while stack:
        v = stack.pop()
        if not v._prev and v.label == label:
            return v
        for child in v._prev:
            if id(child) not in seen:
                seen.add(id(child))
                stack.append(child)
    raise LookupError(f"no leaf labelled {label!r}")


def script(path):
    """Runs the script (parse included), then writes the lecture's draw_dot(x).source."""
    lecture.install()
    out = path + ".micrograd.dot"
    start = time.perf_counter()
    x = lecture.run_script(path)["x"]
    evaluated = time.perf_counter()
    source = lecture.draw_dot(x).source
    drawn = time.perf_counter()
    lecture.write_text(out, source)
    written = time.perf_counter()
    return {
        "phases": {"evaluate": evaluated - start, "draw_dot": drawn - evaluated, "write": written - drawn},
        "root": x,
        "checks": {"result": x.data, "grad": first_leaf_labelled(x, "x").grad},
    }


def script_process(path):
    """`python benches/lecture.py SCRIPT OUT`, timed from here; the values are the records
    in the DOT file it wrote."""
    out = path + ".micrograd-process.dot"
    command = [sys.executable, lecture.__file__, path, out]
    start = time.perf_counter()
    child = subprocess.Popen(command)
    _, status, usage = os.wait4(child.pid, 0)
    done = time.perf_counter()
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"{' '.join(command)} failed with status {status}")
    with open(out) as dot:
        records = sum(line.count("shape=record") for line in dot)
    return {
        "phases": {"process": done - start},
        "values": records,
        "peak_rss_bytes": usage.ru_maxrss * 1024,
        "checks": {},
    }


def script_json_process(path):
    """`python benches/lecture.py SCRIPT OUT.json` (micrograd, then a plain exporter),
    timed from here; the values are the nodes in the JSON file it wrote."""
    out = path + ".micrograd-process.json"
    command = [sys.executable, lecture.__file__, path, out]
    start = time.perf_counter()
    child = subprocess.Popen(command)
    _, status, usage = os.wait4(child.pid, 0)
    done = time.perf_counter()
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"{' '.join(command)} failed with status {status}")
    with open(out) as file:
        values = len(json.load(file)["nodes"])
    return {
        "phases": {"process": done - start},
        "values": values,
        "peak_rss_bytes": usage.ru_maxrss * 1024,
        "checks": {},
    }


WORKLOADS = {
    "chain": chain,
    "mlp": mlp,
    "mlp-dot": mlp_dot,
    "script": script,
    "script-process": script_process,
    "script-json-process": script_json_process,
}


def peak_rss_bytes():
    """This process's peak RSS so far (VmHWM). Not ru_maxrss: Linux carries the parent's
    peak across fork and exec into it, so a child of the big bench process would start
    with the bench's high-water mark and small workloads would show no growth at all."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("no VmHWM in /proc/self/status")


def measure(workload, arg, runs):
    """Every run is timed; the first also gives the peak RSS growth (a fresh process)."""
    report = None
    for _ in range(runs):
        before = peak_rss_bytes()
        run = workload(arg)
        peak_growth = peak_rss_bytes() - before
        if report is None:
            report = {
                "values": run["values"] if "values" in run else count_values(run["root"]),
                "checks": run["checks"],
                "peak_rss_bytes": run.get("peak_rss_bytes", peak_growth),
                "phases": {name: [] for name in run["phases"]},
            }
        for name, seconds in run["phases"].items():
            report["phases"][name].append(seconds)
        # micrograd's nodes sit in reference cycles (out -> _backward closure -> out), so
        # only the cyclic collector frees a graph; collect between runs, untimed.
        del run
        gc.collect()
    return report


def parse_args():
    parser = argparse.ArgumentParser(description="gradviz benchmark workloads in micrograd")
    parser.add_argument("workload", choices=sorted(WORKLOADS))
    parser.add_argument("arg", help="chain steps, MLP batch rows or a script's path")
    parser.add_argument("--runs", type=int, default=3, help="timed runs (default 3)")
    parser.add_argument("--no-gc", action="store_true", help="disable the cyclic GC")
    return parser.parse_args()


def main():
    args = parse_args()
    if args.no_gc:
        gc.disable()
    sys.setrecursionlimit(RECURSION_LIMIT)
    threading.stack_size(STACK_BYTES)
    outcome = {}

    def body():
        try:
            outcome["report"] = measure(WORKLOADS[args.workload], args.arg, args.runs)
        except BaseException as error:  # reported, not swallowed: the Rust side prints it
            outcome["error"] = f"{type(error).__name__}: {error}"

    thread = threading.Thread(target=body)
    thread.start()
    thread.join()
    if "error" in outcome:
        print(outcome["error"], file=sys.stderr)
        sys.exit(CRASHED)
    print(json.dumps(outcome["report"]))


if __name__ == "__main__":
    main()
