"""Runs gradviz test scripts with the real micrograd 0.1.0 and prints what draw_dot saw.

Reads a JSON list of script sources on stdin; prints a JSON list with, per script, either
{"snapshots": [...]} or {"error": "..."}. A snapshot lists the nodes reachable from the
draw_dot root in creation order, each as [serial, data bits, grad bits, op, label,
[operand serials]]; floats are sent as their IEEE-754 bits so nothing is lost.

micrograd 0.1.0 has no labels, tanh or exp: labels, a creation counter and the ordered
operands are added in __init__, tanh and exp are the lecture's definitions, and log and
sigmoid are the formulas gradviz documents for its two extensions.
"""
import contextlib
import io
import json
import math
import struct
import sys

from micrograd.engine import Value

COUNTER = {"next": 0}
_micrograd_init = Value.__init__


def _init(self, data, _children=(), _op="", label=""):
    _micrograd_init(self, data, _children, _op)
    self.label = label
    self.operands = tuple(_children)
    self.serial = COUNTER["next"]
    COUNTER["next"] += 1


def tanh(self):
    x = self.data
    t = (math.exp(2 * x) - 1) / (math.exp(2 * x) + 1)
    out = Value(t, (self,), "tanh")

    def _backward():
        self.grad += (1 - t**2) * out.grad

    out._backward = _backward
    return out


def exp(self):
    x = self.data
    out = Value(math.exp(x), (self,), "exp")

    def _backward():
        self.grad += out.data * out.grad

    out._backward = _backward
    return out


def log(self):
    out = Value(math.log(self.data), (self,), "log")

    def _backward():
        self.grad += (1 / self.data) * out.grad

    out._backward = _backward
    return out


def sigmoid(self):
    out = Value(1 / (1 + math.exp(-self.data)), (self,), "sigmoid")

    def _backward():
        self.grad += (out.data * (1 - out.data)) * out.grad

    out._backward = _backward
    return out


Value.__init__ = _init
Value.tanh = tanh
Value.exp = exp
Value.log = log
Value.sigmoid = sigmoid


def bits(x):
    return struct.unpack("<Q", struct.pack("<d", float(x)))[0]


def run(source):
    COUNTER["next"] = 0
    snapshots = []

    def draw_dot(root, **_options):
        seen = {}
        stack = [root]
        while stack:
            v = stack.pop()
            if id(v) not in seen:
                seen[id(v)] = v
                stack.extend(v.operands)
        nodes = sorted(seen.values(), key=lambda v: v.serial)
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
    results = []
    for source in json.load(sys.stdin):
        try:
            results.append({"snapshots": run(source)})
        except Exception as error:  # every failure is a result to compare, not a crash
            results.append({"error": f"{type(error).__name__}: {error}"})
    json.dump(results, sys.stdout)


if __name__ == "__main__":
    main()
