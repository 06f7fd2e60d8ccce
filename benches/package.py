"""`make bench-package`: the Python package against the lecture's own draw_dot.

- the lecture neuron to SVG: `gradviz.draw_dot(o)._repr_mimebundle_()` (builtin engine,
  and `dot`) against the lecture's `draw_dot(o)._repr_mimebundle_()` through the graphviz
  package and Graphviz's `dot` (what a notebook cell does to display it);
- a 100,001-value graph (x = x * w + b, 25,000 times, micrograd 0.1.0) to a `Figure` and
  its DOT source (50,000 deep, so micrograd's recursive backward is not called).

Times are the median of runs, in the same process; target: neuron < 20 ms, 100k < 2 s.
"""

import statistics
import sys
import time

import gradviz
from micrograd.engine import Value

sys.path.insert(0, __file__.rsplit("/", 1)[0])
from lecture import draw_dot as lecture_draw_dot, install  # noqa: E402

install()


def median_ms(run, repeat):
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def neuron():
    x1, x2 = Value(2.0), Value(0.0)
    w1, w2 = Value(-3.0), Value(1.0)
    b = Value(6.8813735870195432)
    for v, name in [(x1, "x1"), (x2, "x2"), (w1, "w1"), (w2, "w2"), (b, "b")]:
        v.label = name
    n = x1 * w1 + x2 * w2 + b
    n.label = "n"
    o = n.tanh()
    o.label = "o"
    o.backward()
    return o


def chain(links):
    """A chain 2 × `links` deep: micrograd's own recursive backward cannot run on it."""
    x = Value(1.0)
    for _ in range(links):
        x = x * Value(0.999) + Value(0.001)
    x.grad = 1.0
    return x


def main():
    o = neuron()
    rows = [
        ("neuron → SVG, gradviz builtin", median_ms(
            lambda: gradviz.draw_dot(o, engine="builtin")._repr_mimebundle_(), 50), 20),
        ("neuron → SVG, gradviz with dot", median_ms(
            lambda: gradviz.draw_dot(o, engine="dot")._repr_mimebundle_(), 20), None),
        ("neuron → SVG, lecture draw_dot + graphviz", median_ms(
            lambda: lecture_draw_dot(o)._repr_mimebundle_(), 20), None),
    ]
    x = chain(25_000)
    rows.append(("100k values → Figure + DOT", median_ms(
        lambda: gradviz.draw_dot(x).source, 3), 2000))
    width = max(len(name) for name, _, _ in rows)
    for name, ms, target in rows:
        verdict = "" if target is None else ("  target < %d ms: %s" % (
            target, "met" if ms < target else "MISSED"))
        print("%-*s  %9.2f ms%s" % (width, name, ms, verdict))


if __name__ == "__main__":
    main()
