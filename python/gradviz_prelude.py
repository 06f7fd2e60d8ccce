"""The names gradviz's built-in Python subset has without an import, for scripts that run in
CPython: `Value`, `Neuron`, `Layer`, `MLP`, `draw_dot`, `random` and `math`.

The runner (`gradviz_export.py`) puts them among Python's builtins before a script runs, so
a script's own `class Value` or `from micrograd.engine import Value` still wins; where
micrograd is not installed, `import micrograd.engine` / `micrograd.nn` get them too. They
compute exactly what the subset computes, so a program gives the same bits, prints and
labels in either interpreter:

- `Value` is micrograd 0.1.0's `engine.Value` (its ops, op texts, `repr`, an int grad until
  a float reaches it) with the lecture's `label`, `tanh` and `exp`, and gradviz's `log` and
  `sigmoid`. `backward()` visits the graph in reverse creation order, the subset's order
  (micrograd's follows object addresses, which can move the last bits of a sum), without
  recursion.
- `Neuron`, `Layer` and `MLP` are micrograd 0.1.0's `nn`, their parameters labelled as the
  subset labels them: `l{i}.n{j}.w{k}` and `l{i}.n{j}.b` in an MLP, `l{k}` for the k-th
  Layer and `n{k}` for the k-th Neuron made on their own.
- `random` is seeded with 0 before the script runs, as the subset is, so that a figure
  comes out the same on every run; `random.seed(n)` works as ever.

The file keeps to Python 3.6 syntax, as the runner does.
"""

import itertools
import math
import random

_created = itertools.count()


class Value(object):
    """micrograd's scalar value, with the lecture's label, tanh and exp."""

    def __init__(self, data, _children=(), _op="", label=""):
        self.data = data
        self.grad = 0
        self._backward = lambda: None
        self._prev = set(_children)
        self._op = _op
        self.label = label
        self._gradviz_created = next(_created)

    def __add__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data + other.data, (self, other), "+")

        def _backward():
            self.grad += out.grad
            other.grad += out.grad
        out._backward = _backward
        return out

    def __mul__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data * other.data, (self, other), "*")

        def _backward():
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad
        out._backward = _backward
        return out

    def __pow__(self, other):
        assert isinstance(other, (int, float)), "only supporting int/float powers for now"
        out = Value(self.data**other, (self,), "**%s" % (other,))

        def _backward():
            self.grad += (other * self.data**(other - 1)) * out.grad
        out._backward = _backward
        return out

    def relu(self):
        out = Value(0 if self.data < 0 else self.data, (self,), "ReLU")

        def _backward():
            self.grad += (out.data > 0) * out.grad
        out._backward = _backward
        return out

    def tanh(self):
        x = self.data
        t = (math.exp(2 * x) - 1) / (math.exp(2 * x) + 1)
        out = Value(t, (self,), "tanh")

        def _backward():
            self.grad += (1 - t**2) * out.grad
        out._backward = _backward
        return out

    def exp(self):
        out = Value(math.exp(self.data), (self,), "exp")

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

    def backward(self):
        """Sets this value's grad to 1 and adds each value's contribution into its operands'
        grads, results before operands: reverse creation order, walked with a stack."""
        reached, stack = {}, [self]
        while stack:
            value = stack.pop()
            if id(value) not in reached:
                reached[id(value)] = value
                stack.extend(value._prev)
        self.grad = 1
        for value in sorted(reached.values(), key=_creation, reverse=True):
            value._backward()

    def __neg__(self):
        return self * -1

    def __radd__(self, other):
        return self + other

    def __sub__(self, other):
        return self + (-other)

    def __rsub__(self, other):
        return other + (-self)

    def __rmul__(self, other):
        return self * other

    def __truediv__(self, other):
        return self * other**-1

    def __rtruediv__(self, other):
        return other * self**-1

    def __repr__(self):
        return "Value(data=%r, grad=%r)" % (self.data, self.grad)


def _creation(value):
    return value._gradviz_created


class Module(object):

    def zero_grad(self):
        for p in self.parameters():
            p.grad = 0

    def parameters(self):
        return []


# Constructors running now: only the outermost one labels its parameters.
_building = {"depth": 0, "layers": 0, "neurons": 0}


def _labelling(label):
    """Wraps an `__init__` so that the outermost constructor labels what it built."""
    def wrap(init):
        def __init__(self, *args, **kwargs):
            _building["depth"] += 1
            try:
                init(self, *args, **kwargs)
            finally:
                _building["depth"] -= 1
            if _building["depth"] == 0:
                label(self)
        return __init__
    return wrap


def _label_neuron(neuron, prefix):
    for k, w in enumerate(neuron.w):
        w.label = "%s.w%d" % (prefix, k)
    neuron.b.label = "%s.b" % prefix


def _label_layer(layer, index):
    for j, neuron in enumerate(layer.neurons):
        _label_neuron(neuron, "l%d.n%d" % (index, j))


def _label_standalone_neuron(neuron):
    _label_neuron(neuron, "n%d" % _building["neurons"])
    _building["neurons"] += 1


def _label_standalone_layer(layer):
    _label_layer(layer, _building["layers"])
    _building["layers"] += 1


def _label_mlp(mlp):
    for i, layer in enumerate(mlp.layers):
        _label_layer(layer, i)


class Neuron(Module):

    @_labelling(_label_standalone_neuron)
    def __init__(self, nin, nonlin=True):
        self.w = [Value(random.uniform(-1, 1)) for _ in range(nin)]
        self.b = Value(0)
        self.nonlin = nonlin

    def __call__(self, x):
        act = sum((wi * xi for wi, xi in zip(self.w, x)), self.b)
        return act.relu() if self.nonlin else act

    def parameters(self):
        return self.w + [self.b]

    def __repr__(self):
        return "%sNeuron(%d)" % ("ReLU" if self.nonlin else "Linear", len(self.w))


class Layer(Module):

    @_labelling(_label_standalone_layer)
    def __init__(self, nin, nout, **kwargs):
        self.neurons = [Neuron(nin, **kwargs) for _ in range(nout)]

    def __call__(self, x):
        out = [n(x) for n in self.neurons]
        return out[0] if len(out) == 1 else out

    def parameters(self):
        return [p for n in self.neurons for p in n.parameters()]

    def __repr__(self):
        return "Layer of [%s]" % ", ".join(str(n) for n in self.neurons)


class MLP(Module):

    @_labelling(_label_mlp)
    def __init__(self, nin, nouts):
        sz = [nin] + nouts
        self.layers = [Layer(sz[i], sz[i + 1], nonlin=i != len(nouts) - 1)
                       for i in range(len(nouts))]

    def __call__(self, x):
        for layer in self.layers:
            x = layer(x)
        return x

    def parameters(self):
        return [p for layer in self.layers for p in layer.parameters()]

    def __repr__(self):
        return "MLP of [%s]" % ", ".join(str(layer) for layer in self.layers)


def draw_dot(root, format=None, rankdir=None):
    """micrograd's `draw_dot(root, format='svg', rankdir='LR')`: under the runner, a
    snapshot of the graph (its calls are rewritten before they run; this serves a
    `draw_dot` passed around by name)."""
    import builtins

    keywords = {k: v for k, v in (("format", format), ("rankdir", rankdir)) if v is not None}
    return getattr(builtins, "__gradviz_snapshot__").snapshot(root, **keywords)


NAMES = {"Value": Value, "Neuron": Neuron, "Layer": Layer, "MLP": MLP, "draw_dot": draw_dot,
         "random": random, "math": math}
