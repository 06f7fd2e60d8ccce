"""Dump a micrograd `Value` graph to gradviz's JSON interchange format (docs/json.md).

Copy this file next to your code, or put its folder on `sys.path`, then:

    from gradviz_export import dump
    loss.backward()
    dump("loss.json", loss)          # then: gradviz render loss.json -o loss.svg
                                     #       gradviz check loss.json

Pass every value you called `backward()` on, in the order you called it. The graph is
walked with an explicit stack, so graphs of any depth export (micrograd's own recursive
`build_topo` stops near 1,000). Works with micrograd 0.1.0, the lecture's `Value` and
look-alikes: anything with `data`, `grad`, `_prev`, `_op` and, optionally, `label`.
"""

import json
import math


def dump(path, *roots):
    """Write the graph reachable from `roots` to the file `path`."""
    with open(path, "w", encoding="utf-8") as out:
        out.write(dumps(*roots))


def dumps(*roots):
    """The graph reachable from `roots` as a JSON document, one node per line."""
    nodes, root_ids = export(*roots)
    lines = ",\n    ".join(json.dumps(node, ensure_ascii=False) for node in nodes)
    return (
        '{\n  "format": "gradviz",\n  "version": 1,\n  "nodes": [\n    ' + lines
        + '\n  ],\n  "roots": ' + json.dumps(root_ids) + "\n}\n"
    )


def export(*roots):
    """The nodes (dicts, operands before results) and the root ids."""
    order = _topological_order(roots)
    ids = {id(v): i for i, v in enumerate(order)}
    nodes = [
        {
            "id": ids[id(v)],
            "label": str(getattr(v, "label", "")),
            "data": _number(v.data),
            "grad": _number(v.grad),
            "op": v._op,
            "children": [ids[id(c)] for c in _operands(v)],
        }
        for v in order
    ]
    return nodes, [ids[id(r)] for r in roots]


def _topological_order(roots):
    """Every value reachable from `roots`, each after its operands, without recursion."""
    order, seen = [], set()
    stack = [(root, False) for root in reversed(roots)]
    while stack:
        value, expanded = stack.pop()
        if expanded:
            order.append(value)
        elif id(value) not in seen:
            seen.add(id(value))
            stack.append((value, True))
            stack.extend((c, False) for c in reversed(_operands(value)) if id(c) not in seen)
    return order


def _operands(value):
    """The operands in order, a repeated one twice.

    micrograd keeps only the set `_prev`, which loses the order and collapses `a * a` to
    one child; the `_backward` closure still holds `self` and `other`, so read them there.
    Failing that, fall back on `_prev`, doubling the child of a `+` or `*`.
    """
    backward = value._backward
    cells = getattr(backward, "__closure__", None) or ()
    captured = dict(zip(backward.__code__.co_freevars, (c.cell_contents for c in cells)))
    operands = [captured[name] for name in ("self", "other") if hasattr(captured.get(name), "_prev")]
    if operands and {id(o) for o in operands} == {id(c) for c in value._prev}:
        return operands
    children = list(value._prev)
    return children * 2 if value._op in ("+", "*") and len(children) == 1 else children


def _number(x):
    """A float as JSON allows it: non-finite numbers become "nan", "inf", "-inf"."""
    x = float(x)
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    return x
