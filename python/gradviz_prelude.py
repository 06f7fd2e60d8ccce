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

import functools
import itertools
import math
import operator
import random

# Every value's creation number, in the attribute the runner's graph walk orders by. The
# runner stamps the values of a script's own classes from this same sequence.
_created = itertools.count()
creation_number = _created.__next__


def _next_creation_number():
    """The number the next value will get, without taking it (`count` shows it only in
    its repr)."""
    return int(repr(_created)[6:-1])


class Value(object):
    """micrograd's scalar value, with the lecture's label, tanh and exp."""

    def __init__(self, data, _children=(), _op="", label=""):
        self.data = data
        self.grad = 0
        self._backward = lambda: None
        self._prev = set(_children)
        self._op = _op
        self.label = label
        self._gradviz_created = creation_number()

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


_creation = operator.attrgetter("_gradviz_created")


class Module(object):

    def zero_grad(self):
        for p in self.parameters():
            p.grad = 0

    def parameters(self):
        return []


# Network constructors running now, and the layers and neurons built on their own so far,
# which number their parameters' names. Shared with the runner's naming of a script's own
# network classes, so that the two never hand out the same name.
_building = {"depth": 0, "layers": 0, "neurons": 0}


def built_by(on_built):
    """Wraps an `__init__` so that when the outermost network constructor returns, the
    instance goes to `on_built`."""
    def wrap(init):
        @functools.wraps(init)
        def __init__(self, *args, **kwargs):
            _building["depth"] += 1
            previous = SCOPES.enter(self, False)
            try:
                init(self, *args, **kwargs)
            finally:
                SCOPES.leave(previous)
                _building["depth"] -= 1
            if _building["depth"] == 0:
                on_built(self)
        return __init__
    return wrap


def scoped_call(call):
    """Wraps a module's `__call__` so that what it makes is in that call's scope."""
    @functools.wraps(call)
    def __call__(self, *args, **kwargs):
        previous = SCOPES.enter(self, True)
        try:
            return call(self, *args, **kwargs)
        finally:
            SCOPES.leave(previous)
    return __call__


_NOT_ENTERED = object()


class Scopes(object):
    """Which module object made each value, as the engine records it: values are numbered
    in creation order, so a change of scope is noted once, as the number the next value
    will get and the scope open from there on (a run), and no value is touched. A scope is
    a module object (numbered in the order the objects were made) in its constructor or in
    its k-th call, inside the scope that was open when it began."""

    def __init__(self):
        self.objects = []  # by number; kept alive so that their ids stay theirs
        self.number = {}  # id(object) -> its number
        self.parent = []  # by number: the object whose scope was open when it was made
        self.calls = []  # by number: calls begun
        self.entries = []  # by scope: (enclosing scope, object number, call or None)
        self.starts = []  # runs: the first creation number of each
        self.run_scopes = []  # runs: the scope of each (None: outside every module)
        self.current = None

    def enter(self, module, calling):
        """Opens `module`'s constructor scope, or with `calling` its next call's; returns
        what `leave` restores. A module already at work (a `super()` call) opens none."""
        current = self.current
        number = self.number.get(id(module))
        if number is None:
            number = len(self.objects)
            self.number[id(module)] = number
            self.objects.append(module)
            self.parent.append(None if current is None else self.entries[current][1])
            self.calls.append(0)
        elif current is not None and self.entries[current][1] == number:
            return _NOT_ENTERED
        call = None
        if calling:
            call = self.calls[number]
            self.calls[number] = call + 1
        self.entries.append((current, number, call))
        self._switch(len(self.entries) - 1)
        return current

    def leave(self, previous):
        """Closes the scope `enter` opened, back to `previous`."""
        if previous is not _NOT_ENTERED:
            self._switch(previous)

    def _switch(self, scope):
        start = _next_creation_number()
        self.current = scope
        starts, scopes = self.starts, self.run_scopes
        if starts and starts[-1] == start:  # the last run made nothing: replaced
            scopes[-1] = scope
            if len(scopes) >= 2 and scopes[-2] == scope:
                starts.pop()
                scopes.pop()
            return
        if (scopes[-1] if scopes else None) != scope:
            starts.append(start)
            scopes.append(scope)

    def names(self):
        """Each object's name: its place in the object that made it (an attribute, or a
        list's first letter and index: `layers[1]` is `l1`, `neurons[3]` `n3`); for an
        object made outside every module, its class name and how many of its class were
        made so before it (`MLP0`), as the engine names them."""
        names = [None] * len(self.objects)
        top, children = {}, {}
        for number, parent in enumerate(self.parent):
            if parent is None:
                kind = type(self.objects[number]).__name__
                count = top.get(kind, 0)
                top[kind] = count + 1
                names[number] = "%s%d" % (kind, count)
            else:
                children.setdefault(parent, []).append(number)
        for parent, numbers in children.items():
            wanted = {id(self.objects[n]): n for n in numbers}
            for attribute, value in list(getattr(self.objects[parent], "__dict__", {}).items()):
                items = enumerate(value) if isinstance(value, (list, tuple)) else [(None, value)]
                for index, item in items:
                    number = wanted.get(id(item))
                    if number is not None and names[number] is None:
                        names[number] = (attribute if index is None
                                         else "%s%d" % (attribute[:1], index))
            for position, number in enumerate(numbers):
                if names[number] is None:
                    names[number] = "%s%d" % (type(self.objects[number]).__name__, position)
        return names


SCOPES = Scopes()


def parameter_names(module):
    """(parameter, name) pairs of a network module, found by its shape as micrograd's `nn`
    has it: an MLP's `layers` of `neurons` name theirs `l{i}.n{j}.w{k}` and `l{i}.n{j}.b`,
    a Layer built on its own `l{k}.…`, a Neuron `n{k}.…`. Nothing for any other shape."""
    layers = getattr(module, "layers", None)
    if _all_have(layers, "neurons"):
        return [pair for i, layer in enumerate(layers) for pair in _layer_names(layer, i)]
    if _all_have(getattr(module, "neurons", None), "w"):
        _building["layers"] += 1
        return _layer_names(module, _building["layers"] - 1)
    if isinstance(getattr(module, "w", None), list) and hasattr(module, "b"):
        _building["neurons"] += 1
        return _neuron_names(module, "n%d" % (_building["neurons"] - 1))
    return []


def _all_have(items, attribute):
    """Whether `items` is a list whose every item has `attribute`."""
    return isinstance(items, list) and all(hasattr(item, attribute) for item in items)


def _layer_names(layer, index):
    neurons = getattr(layer, "neurons", [])
    return [pair for j, neuron in enumerate(neurons)
            for pair in _neuron_names(neuron, "l%d.n%d" % (index, j))]


def _neuron_names(neuron, prefix):
    weights = getattr(neuron, "w", None)
    pairs = [(w, "%s.w%d" % (prefix, k)) for k, w in enumerate(weights)
             ] if isinstance(weights, list) else []
    if hasattr(neuron, "b"):
        pairs.append((neuron.b, "%s.b" % prefix))
    return pairs


def _label_parameters(module):
    """The subset's parameters carry their names as labels of their own."""
    for value, name in parameter_names(module):
        value.label = name


class Neuron(Module):

    @built_by(_label_parameters)
    def __init__(self, nin, nonlin=True):
        self.w = [Value(random.uniform(-1, 1)) for _ in range(nin)]
        self.b = Value(0)
        self.nonlin = nonlin

    @scoped_call
    def __call__(self, x):
        act = sum((wi * xi for wi, xi in zip(self.w, x)), self.b)
        return act.relu() if self.nonlin else act

    def parameters(self):
        return self.w + [self.b]

    def __repr__(self):
        return "%sNeuron(%d)" % ("ReLU" if self.nonlin else "Linear", len(self.w))


class Layer(Module):

    @built_by(_label_parameters)
    def __init__(self, nin, nout, **kwargs):
        self.neurons = [Neuron(nin, **kwargs) for _ in range(nout)]

    @scoped_call
    def __call__(self, x):
        out = [n(x) for n in self.neurons]
        return out[0] if len(out) == 1 else out

    def parameters(self):
        return [p for n in self.neurons for p in n.parameters()]

    def __repr__(self):
        return "Layer of [%s]" % ", ".join(str(n) for n in self.neurons)


class MLP(Module):

    @built_by(_label_parameters)
    def __init__(self, nin, nouts):
        sz = [nin] + nouts
        self.layers = [Layer(sz[i], sz[i + 1], nonlin=i != len(nouts) - 1)
                       for i in range(len(nouts))]

    @scoped_call
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
