"""micrograd 0.1.0 made to compute what gradviz's subset computes, for the tests that run
the same script both ways (the micrograd harness, and the CPython runner against the
subset).

micrograd 0.1.0 has no labels, tanh or exp: labels, a creation counter and the ordered
operands are added in __init__, tanh and exp are the lecture's definitions, and log and
sigmoid are the formulas gradviz documents for its two extensions. micrograd.nn's
parameters get the labels gradviz gives them (l{i}.n{j}.w{k} and l{i}.n{j}.b in an MLP;
l{k} for the k-th Layer and n{k} for the k-th Neuron made on their own). Importing it
seeds `random` with 0, as the subset does for a script that sets no seed.

`from micrograd_compat import *` gives a script the subset's built-ins: Value, MLP, Layer,
Neuron and random.
"""
import math
import random

from micrograd import nn
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


NN = {"depth": 0, "layers": 0, "neurons": 0}


def label_neuron(neuron, prefix):
    for k, w in enumerate(neuron.w):
        w.label = f"{prefix}.w{k}"
    neuron.b.label = f"{prefix}.b"


def label_layer(layer, index):
    for j, neuron in enumerate(layer.neurons):
        label_neuron(neuron, f"l{index}.n{j}")


def labelled(init, label):
    def __init__(self, *args, **kwargs):
        NN["depth"] += 1
        try:
            init(self, *args, **kwargs)
        finally:
            NN["depth"] -= 1
        if NN["depth"] == 0:
            label(self)

    return __init__


def label_mlp(mlp):
    for i, layer in enumerate(mlp.layers):
        label_layer(layer, i)


def label_standalone_layer(layer):
    label_layer(layer, NN["layers"])
    NN["layers"] += 1


def label_standalone_neuron(neuron):
    label_neuron(neuron, f"n{NN['neurons']}")
    NN["neurons"] += 1


nn.MLP.__init__ = labelled(nn.MLP.__init__, label_mlp)
nn.Layer.__init__ = labelled(nn.Layer.__init__, label_standalone_layer)
nn.Neuron.__init__ = labelled(nn.Neuron.__init__, label_standalone_neuron)

Value.__init__ = _init
Value.tanh = tanh
Value.exp = exp
Value.log = log
Value.sigmoid = sigmoid


def reachable(root):
    seen = {}
    stack = [root]
    while stack:
        v = stack.pop()
        if id(v) not in seen:
            seen[id(v)] = v
            stack.extend(v.operands)
    return seen.values()


MLP, Layer, Neuron = nn.MLP, nn.Layer, nn.Neuron
random.seed(0)
__all__ = ["Value", "MLP", "Layer", "Neuron", "random"]
