"""Builds test graphs in Python and exports them with gradviz_export, for tests/suite/python_interop.rs.

    python interop_graphs.py ENGINE GRAPH OUT.json

ENGINE is `micrograd` (micrograd 0.1.0 from PyPI, with the lecture's `tanh` added, since
0.1.0 has none) or `buggy` (buggy_value.Value, the lecture notes' `Value` with its bugs).
GRAPH is one of the functions in GRAPHS; each calls backward() and returns its roots.
"""

import math
import os
import random
import sys

# The exporter users copy, from the repository's python/ folder.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "python"))
from gradviz_export import dump  # noqa: E402


def lecture_tanh(self):
    """The lecture's tanh, as micrograd users add it to 0.1.0."""
    x = self.data
    t = (math.exp(2 * x) - 1) / (math.exp(2 * x) + 1)
    out = type(self)(t, (self,), "tanh")

    def _backward():
        self.grad += (1 - t**2) * out.grad

    out._backward = _backward
    return out


def engine(name):
    if name == "buggy":
        from buggy_value import Value

        return Value
    from micrograd.engine import Value

    Value.tanh = lecture_tanh
    return Value


def labelled(value, label):
    value.label = label
    return value


def reuse(Value):
    """The lecture's `b = a + a`: a is used twice."""
    a = labelled(Value(3.0), "a")
    b = labelled(a + a, "b")
    b.backward()
    return [b]


def lecture_reuse(Value):
    """The lecture's second example of the accumulation bug: a and b each used twice."""
    a = labelled(Value(-2.0), "a")
    b = labelled(Value(3.0), "b")
    d = labelled(a * b, "d")
    e = labelled(a + b, "e")
    f = labelled(d * e, "f")
    f.backward()
    return [f]


def scaled_tanh(Value):
    """A tanh whose output's grad is 3, not 1: y = 3 * tanh(x)."""
    x = labelled(Value(0.5), "x")
    t = labelled(x.tanh(), "t")
    y = labelled(t * 3.0, "y")
    y.backward()
    return [y]


def neuron(Value):
    """The lecture's neuron: the tanh is the root, so its output grad is 1."""
    x1 = labelled(Value(2.0), "x1")
    x2 = labelled(Value(0.0), "x2")
    w1 = labelled(Value(-3.0), "w1")
    w2 = labelled(Value(1.0), "w2")
    b = labelled(Value(6.8813735870195432), "b")
    x1w1 = labelled(x1 * w1, "x1*w1")
    x2w2 = labelled(x2 * w2, "x2*w2")
    x1w1x2w2 = labelled(x1w1 + x2w2, "x1*w1 + x2*w2")
    n = labelled(x1w1x2w2 + b, "n")
    o = labelled(n.tanh(), "o")
    o.backward()
    return [o]


def mlp(Value):
    """micrograd's `nn.MLP(3, [4, 4, 1])`, seeded, on one input, loss (y - 1)**2."""
    from micrograd.nn import MLP

    random.seed(1337)
    model = MLP(3, [4, 4, 1])
    y = model([2.0, 3.0, -1.0])
    loss = labelled((y - 1.0) ** 2, "loss")
    loss.backward()
    return [loss]


def deep_chain(Value):
    """x -> tanh -> tanh -> ... 5,000 deep: too deep for micrograd's recursive backward, so
    backward runs micrograd's own steps over the exporter's iterative topological order."""
    from gradviz_export import _walk

    v = labelled(Value(0.3), "x")
    for _ in range(5000):
        v = v.tanh()
    v.grad = 1
    for node in reversed(_walk([v])[0]):
        node._backward()
    return [v]


GRAPHS = {
    "reuse": reuse,
    "lecture-reuse": lecture_reuse,
    "scaled-tanh": scaled_tanh,
    "neuron": neuron,
    "mlp": mlp,
    "deep-chain": deep_chain,
}

if __name__ == "__main__":
    engine_name, graph, path = sys.argv[1:]
    dump(path, *GRAPHS[graph](engine(engine_name)))
