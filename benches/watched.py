"""What a training notebook pays for being run by gradviz (issue 24, item 5).

`fixtures/python/moons.ipynb` (micrograd's demo.ipynb in the same shape: MLP(2, [16, 16, 1])
on 100 two-moons points, hinge loss plus L2, SGD) runs as its code cells joined into a plain
script in CPython, and under `gradviz render NOTEBOOK --format json` with the same
interpreter (GRADVIZ_PYTHON). The difference is the cost of being watched: the runner's
observation (creation stamps, bindings, backward hooks), the export of the graph as JSON,
and gradviz reading, building and writing it. Target: at most 20% of the plain run.

The gradviz time is broken down by a third run of the runner in this interpreter, with
timers around its export (the walk and the JSON text), and by gradviz alone on the graph
the runner wrote (reading, building and writing the JSON output).

Times are CPU seconds (user + system of the child processes, gradviz's Python included),
which a machine busy with other work disturbs less than the wall clock; the wall time is
shown beside them. Each command runs `--runs` times, the kinds taking turns, and the
minimum and median are reported.

    python benches/watched.py                      # the notebook's 5 steps, 3 runs each
    python benches/watched.py --steps 100          # the demo's 100 steps (minutes per run)
    python benches/watched.py --commands render compare check

`make bench-watched` runs it with the peer venv's Python, which has micrograd 0.1.0; in a
Python without micrograd the notebook gets gradviz's stand-in, and the plain run, which
cannot import micrograd, gets the same stand-in from the prelude.
"""

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NOTEBOOK = os.path.join(ROOT, "fixtures", "python", "moons.ipynb")
STEPS_LINE = "steps = 5\n"
TARGET = 0.20

# Runs the runner in this interpreter with timers around its export; prints them as JSON.
DRIVER = r"""
import json, sys, time
sys.path.insert(0, sys.argv[1])
import gradviz_export as g
spent = {"walk": 0.0, "text": 0.0, "write": 0.0}
def timed(key, function):
    def wrapper(*args, **kwargs):
        start = time.process_time()
        try:
            return function(*args, **kwargs)
        finally:
            spent[key] += time.process_time() - start
    return wrapper
g._document_columns = timed("walk", g._document_columns)
g._columns_text = timed("text", g._columns_text)
g._Capture._write = timed("write", g._Capture._write)
start = time.process_time()
g._run(sys.argv[2:])
spent["total"] = time.process_time() - start
sys.stderr.write("\nspent " + json.dumps(spent) + "\n")
"""

# The plain run without micrograd installed: the prelude's classes as micrograd.
STAND_IN = """
import sys, types
sys.path.insert(0, %r)
import gradviz_prelude
for name, attributes in (("micrograd", ()), ("micrograd.engine", ("Value",)),
                         ("micrograd.nn", ("Value", "Module", "Neuron", "Layer", "MLP"))):
    module = types.ModuleType(name)
    for attribute in attributes:
        setattr(module, attribute, getattr(gradviz_prelude, attribute))
    sys.modules[name] = module
"""


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--python", default=os.environ.get("GRADVIZ_PYTHON", sys.executable))
    parser.add_argument("--gradviz", default=os.path.join(ROOT, "target", "release", "gradviz"))
    parser.add_argument("--steps", type=int, default=5, help="training steps (the demo: 100)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--commands", nargs="+", default=["render"],
                        choices=["render", "compare", "check"])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="gradviz-watched-") as folder:
        notebook, script = inputs(folder, args.steps, args.python)
        print("%s, %d steps; %s; gradviz %s" % (os.path.relpath(NOTEBOOK, ROOT), args.steps,
                                                 args.python, args.gradviz))
        kinds = {"plain": [args.python, script]}
        for command in args.commands:
            kinds["gradviz " + command] = gradviz_command(args.gradviz, command, notebook,
                                                          folder)
        env = dict(os.environ, GRADVIZ_PYTHON=args.python)
        times = {kind: [] for kind in kinds}
        for _ in range(args.runs):
            for kind, command in kinds.items():
                times[kind].append(measure(command, env))
        plain = min(cpu for cpu, _ in times["plain"])
        print("%-16s %9s %9s %9s %9s" % ("", "cpu min", "cpu med", "wall min", "overhead"))
        for kind, samples in times.items():
            cpus = [cpu for cpu, _ in samples]
            overhead = min(cpus) / plain - 1
            verdict = "" if kind == "plain" else "%+8.1f%%%s" % (
                100 * overhead, "  target met" if overhead <= TARGET else "  TARGET MISSED")
            print("%-16s %8.2fs %8.2fs %8.2fs %s" % (kind, min(cpus), statistics.median(cpus),
                                                     min(w for _, w in samples), verdict))
        for command in args.commands:
            breakdown(args, command, notebook, folder, env)


def inputs(folder, steps, python):
    """The notebook with `steps` steps, and its code cells as a plain script."""
    with open(NOTEBOOK, encoding="utf-8") as f:
        document = json.load(f)
    for cell in document["cells"]:
        if cell["cell_type"] == "code" and STEPS_LINE in cell["source"]:
            cell["source"][cell["source"].index(STEPS_LINE)] = "steps = %d\n" % steps
    notebook = os.path.join(folder, "moons.ipynb")
    with open(notebook, "w", encoding="utf-8") as f:
        json.dump(document, f)
    code = "\n\n".join("".join(c["source"]) for c in document["cells"]
                       if c["cell_type"] == "code")
    has_micrograd = subprocess.run([python, "-c", "import micrograd"],
                                   stderr=subprocess.DEVNULL).returncode == 0
    if not has_micrograd:
        code = STAND_IN % os.path.join(ROOT, "python") + code
    script = os.path.join(folder, "moons.py")
    with open(script, "w", encoding="utf-8") as f:
        f.write(code + "\n")
    return notebook, script


def gradviz_command(gradviz, command, notebook, folder):
    if command == "check":
        return [gradviz, "check", notebook]
    return [gradviz, command, notebook, "--format", "json", "-o",
            os.path.join(folder, command + ".json")]


def measure(command, env):
    """CPU seconds (user + system of the process and its children) and wall seconds."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return cpu, wall


def breakdown(args, command, notebook, folder, env):
    """One run of the runner with timers around its export, and gradviz alone on its graph."""
    out = os.path.join(folder, "runner-" + command)
    os.makedirs(out, exist_ok=True)
    driver = os.path.join(folder, "driver.py")
    with open(driver, "w", encoding="utf-8") as f:
        f.write(DRIVER)
    run = subprocess.run([args.python, driver, os.path.join(ROOT, "python"), "--gradviz-run",
                          notebook, "--name", "moons.ipynb", "--out", out, "--want",
                          "check" if command == "check" else command, "--notebook"],
                         env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                         universal_newlines=True)
    spent = json.loads(run.stderr.rsplit("\nspent ", 1)[1])
    graph = os.path.join(out, "final.json")
    rust = min(measure([args.gradviz, "render", graph, "--format", "json", "-o",
                        os.path.join(folder, "again.json")], env)[0] for _ in range(3))
    with open(graph, encoding="utf-8") as f:
        values = len(json.load(f)["nodes"])
    observed = spent["total"] - spent["walk"] - spent["text"] - spent["write"]
    print("\ngradviz %s, broken down (one run, CPU seconds; the graph: %d values):"
          % (command, values))
    for name, seconds in (
            ("the notebook run, observed (stamps, bindings, backward hooks)", observed),
            ("  the walk: the graph's values as lists, at each capture", spent["walk"]),
            ("  the JSON text of the graphs written", spent["text"]),
            ("  writing the files", spent["write"]),
            ("gradviz reading the last graph, building it, writing JSON", rust)):
        print("  %-64s %6.2fs" % (name, seconds))


if __name__ == "__main__":
    main()
