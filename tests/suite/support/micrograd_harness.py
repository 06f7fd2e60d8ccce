"""Runs gradviz test scripts with the real micrograd 0.1.0 and prints what draw_dot saw.

Reads a JSON list of script sources on stdin; prints a JSON list with, per script, either
{"snapshots": [...]} or {"error": "..."}. A snapshot lists the nodes reachable from the
draw_dot root in creation order, each as [serial, data bits, grad bits, op, label,
[operand serials]]; floats are sent as their IEEE-754 bits so nothing is lost.

micrograd is patched by micrograd_compat.py beside this file (labels, tanh, exp, log,
sigmoid, parameter labels, a creation counter).

With the argument --creation-order, backward() visits the nodes in reverse creation order
instead of micrograd's DFS over Python sets (whose order follows object addresses): the
same micrograd arithmetic in gradviz's order, so every grad must match to the bit.
"""
import contextlib
import io
import json
import struct
import sys

from micrograd_compat import COUNTER, NN, Value, reachable


def bits(x):
    return struct.unpack("<Q", struct.pack("<d", float(x)))[0]


def backward_in_creation_order(self):
    nodes = sorted(reachable(self), key=lambda v: v.serial)
    self.grad = 1
    for v in reversed(nodes):
        v._backward()


def run(source):
    COUNTER["next"] = 0
    NN.update(depth=0, layers=0, neurons=0)
    snapshots = []

    def draw_dot(root, **_options):
        nodes = sorted(reachable(root), key=lambda v: v.serial)
        snapshots.append(
            [
                [v.serial, bits(v.data), bits(v.grad), v._op, v.label, [c.serial for c in v.operands]]
                for v in nodes
            ]
        )

    with contextlib.redirect_stdout(io.StringIO()):
        exec(compile(source, "<script>", "exec"), {"Value": Value, "draw_dot": draw_dot})
    return snapshots


def main():
    if "--creation-order" in sys.argv[1:]:
        Value.backward = backward_in_creation_order
    results = []
    for source in json.load(sys.stdin):
        try:
            results.append({"snapshots": run(source)})
        except Exception as error:  # every failure is a result to compare, not a crash
            results.append({"error": f"{type(error).__name__}: {error}"})
    json.dump(results, sys.stdout)


if __name__ == "__main__":
    main()
