"""The micrograd lecture's notebook, on micrograd 0.1.0 from PyPI: the peer of gradviz's
script and figure benchmarks.

    python benches/lecture.py SCRIPT OUT.dot

runs SCRIPT as the lecture's notebook would (exec with `Value` and `draw_dot` in scope), then
writes `draw_dot(x).source` to OUT.dot, where `x` is the script's last `x`: the whole
process is what `gradviz render SCRIPT --format dot -o OUT.dot` does. benches/peer.py
imports it for the in-process phases.

micrograd 0.1.0's `Value` has no `label` and no `tanh`/`exp`: `install()` gives it the
lecture's `__init__` (micrograd's body plus `self.label = label`, so no extra call per
value) and the lecture's `tanh` and `exp`. `draw_dot` and `trace` are the lecture's, word
for word (the `graphviz` pip package's `Digraph`), including the recursive `build`: deep
graphs need the raised recursion limit and big thread stack that `run_deep` sets up.
"""

import json
import math
import sys
import threading

from graphviz import Digraph
from micrograd.engine import Value

STACK_BYTES = 1 << 30
RECURSION_LIMIT = 10_000_000


def _lecture_init(self, data, _children=(), _op="", label=""):
    self.data = data
    self.grad = 0
    self._backward = lambda: None
    self._prev = set(_children)
    self._op = _op
    self.label = label


def _tanh(self):
    x = self.data
    t = (math.exp(2 * x) - 1) / (math.exp(2 * x) + 1)
    out = Value(t, (self,), "tanh")

    def _backward():
        self.grad += (1 - t**2) * out.grad

    out._backward = _backward
    return out


def _exp(self):
    x = self.data
    out = Value(math.exp(x), (self,), "exp")

    def _backward():
        self.grad += out.data * out.grad

    out._backward = _backward
    return out


def install():
    """Gives micrograd's Value the lecture's labels, tanh and exp."""
    Value.__init__ = _lecture_init
    Value.tanh = _tanh
    Value.exp = _exp


def trace(root):
    # builds a set of all nodes and edges in a graph
    nodes, edges = set(), set()

    def build(v):
        if v not in nodes:
            nodes.add(v)
            for child in v._prev:
                edges.add((child, v))
                build(child)

    build(root)
    return nodes, edges


def draw_dot(root):
    dot = Digraph(format="svg", graph_attr={"rankdir": "LR"})  # LR = left to right

    nodes, edges = trace(root)
    for n in nodes:
        uid = str(id(n))
        # for any value in the graph, create a rectangular ('record') node for it
        dot.node(name=uid, label="{ %s | data %.4f | grad %.4f }" % (n.label, n.data, n.grad), shape="record")
        if n._op:
            # if this value is a result of some operation, create an op node for it
            dot.node(name=uid + n._op, label=n._op)
            # and connect this node to it
            dot.edge(uid + n._op, uid)

    for n1, n2 in edges:
        # connect n1 to the op node of n2
        dot.edge(str(id(n1)), str(id(n2)) + n2._op)

    return dot


def to_json(root):
    """A plain exporter of the gradviz JSON format (docs/json.md): the values reachable
    from root, operands first, found with an explicit stack (micrograd graphs are deep)."""
    ids, order, stack = {}, [], [(root, False)]
    while stack:
        v, expanded = stack.pop()
        if id(v) in ids:
            continue
        if expanded:
            ids[id(v)] = len(order)
            order.append(v)
            continue
        stack.append((v, True))
        stack.extend((c, False) for c in v._prev if id(c) not in ids)
    nodes = [
        {"id": ids[id(v)], "label": v.label, "data": v.data, "grad": v.grad, "op": v._op,
         "children": [ids[id(c)] for c in v._prev]}
        for v in order
    ]
    return json.dumps({"format": "gradviz", "version": 1, "nodes": nodes, "roots": [ids[id(root)]]})


def run_script(path):
    """Reads and runs a script as the notebook would; returns its variables."""
    with open(path) as file:
        source = file.read()
    scope = {"Value": Value, "draw_dot": draw_dot}
    exec(compile(source, path, "exec"), scope)
    return scope


def write_text(path, text):
    with open(path, "w") as file:
        file.write(text)


def run_deep(body):
    """Runs body() in a thread whose stack and recursion limit fit a million-deep graph;
    re-raises what it raised."""
    sys.setrecursionlimit(RECURSION_LIMIT)
    threading.stack_size(STACK_BYTES)
    outcome = {}

    def target():
        try:
            outcome["result"] = body()
        except BaseException as error:
            outcome["error"] = error

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome.get("result")


def main():
    script, out = sys.argv[1:]
    install()
    export = to_json if out.endswith(".json") else lambda x: draw_dot(x).source
    run_deep(lambda: write_text(out, export(run_script(script)["x"])))


if __name__ == "__main__":
    main()
