"""Dump a micrograd `Value` graph to gradviz's JSON interchange format (docs/json.md), and
run a user's script or notebook for the `gradviz` command line.

Copy this file next to your code, or put its folder on `sys.path`, then:

    from gradviz_export import dump
    loss.backward()
    dump("loss.json", loss)          # then: gradviz render loss.json -o loss.svg
                                     #       gradviz check loss.json

Pass every value you called `backward()` on, in the order you called it. The graph is
walked with an explicit stack, so graphs of any depth export (micrograd's own recursive
`build_topo` stops near 1,000). Works with micrograd 0.1.0, the lecture's `Value` and
look-alikes: anything with `data`, `grad`, `_prev` and, optionally, `_op` and `label`.

The `gradviz` binary embeds this same file and runs it as `python3 gradviz_export.py
--gradviz-run …` (see `_run`): the user's file runs as `__main__`, every `draw_dot(v)` call
in it becomes a snapshot of the graph at that moment, every `.backward()` call is
observed, and the graphs travel back as JSON files, never through the user's stdout.
The file keeps to Python 3.6 syntax so that an old interpreter gets a clear message
instead of a syntax error.
"""

import gc
import itertools
import json
import math
import sys
import weakref


def dump(path, *roots):
    """Write the graph reachable from `roots` to the file `path`."""
    with open(path, "w", encoding="utf-8") as out:
        out.write(dumps(*roots))


def dumps(*roots, names=None):
    """The graph reachable from `roots` as a JSON document, one node per line. `names`
    maps `id(value)` to a label for values whose own `label` is empty."""
    columns = _columns(roots, names)
    return (
        '{\n  "format": "gradviz",\n  "version": 1,\n  "nodes": [\n    '
        + _nodes_text(columns, ",\n    ")
        + '\n  ],\n  "roots": ' + json.dumps(columns[5]) + "\n}\n"
    )


def _document_text(roots, names, auto_labelled=None):
    """The graph reachable from `roots` as one compact JSON document (the runner's). Its
    ids are the values' creation numbers where the runner stamped them, as the built-in
    subset numbers its values, so a script draws the same figure in either. A list passed
    as `auto_labelled` receives the ids of the values labelled from `names`."""
    return _columns_text(_document_columns(roots, names, auto_labelled))


def _document_columns(roots, names, auto_labelled=None):
    """The graph as `_document_text` writes it, taken now and written later: what each
    value holds, with its operands still as values (see `_operand_ids`)."""
    with _GarbageCollectionPaused():
        return _taken(roots, names, True, auto_labelled)


def _columns_text(taken):
    """The runner's compact JSON document of the graph `_document_columns` took, with the
    module scopes its values were made in where they are known."""
    with _GarbageCollectionPaused():
        columns = _operand_ids(taken)
        node_scopes, table = _scopes_of(columns[6] if taken[7] is None else None)
        return ('{"format":"gradviz","version":1,"nodes":['
                + _nodes_text(columns, ",", node_scopes)
                + '],"roots":' + json.dumps(columns[5])
                + (',"scopes":' + json.dumps(table) if table else "") + "}")


def _scopes_of(stamps):
    """For values numbered `stamps` (ascending creation numbers; None where the graph is
    not numbered so), each one's `"scope"` text and the `"scopes"` table those need: the
    scopes `gradviz_prelude.SCOPES` recorded, numbered in the order they first appear,
    each after its parent."""
    if not stamps:
        return None, []
    try:
        import gradviz_prelude
    except ImportError:  # `dumps` outside the runner
        return None, []
    recorded = gradviz_prelude.SCOPES
    if not recorded.starts:
        return None, []
    import bisect

    starts, run_scopes, entries = recorded.starts, recorded.run_scopes, recorded.entries
    objects, names = recorded.objects, recorded.names()
    ids, table = {}, []

    def scope_id(scope):
        chain = []
        while scope is not None and scope not in ids:
            chain.append(scope)
            scope = entries[scope][0]
        for scope in reversed(chain):
            parent, number, call = entries[scope]
            ids[scope] = len(table)
            table.append({"id": len(table), "kind": type(objects[number]).__name__,
                          "name": names[number], "object": number, "call": call,
                          "parent": None if parent is None else ids[parent]})
        return ids[chain[0]] if chain else ids[scope]

    texts, run, last = [], -1, None
    for stamp in stamps:  # ascending, so the run only moves forward
        if run + 1 < len(starts) and starts[run + 1] <= stamp:
            run = bisect.bisect_right(starts, stamp) - 1
            scope = run_scopes[run]
            last = "" if scope is None else ',"scope":%d' % scope_id(scope)
        texts.append(last or "")
    return texts, table


class _GarbageCollectionPaused(object):
    """Turns CPython's cyclic garbage collector off for a while. The export allocates
    several objects per value (lists, tuples) and frees them all itself; with the
    collector on, those allocations set off full passes over every object the script
    holds, as much as a fifth of the export of a 100,000-value graph."""

    def __enter__(self):
        self.enabled = gc.isenabled()
        gc.disable()

    def __exit__(self, *exception):
        if self.enabled:
            gc.enable()


def _nodes_text(columns, separator, scopes=None):
    """The nodes as JSON objects with `separator` between them, written column by column
    without a Python call per node (`repr` of a list of ints is its JSON text;
    `encode_basestring` is `json.dumps(text, ensure_ascii=False)` for a string). `scopes`
    holds each node's `,"scope":k` text, or "" (see `_scopes_of`)."""
    labels, data, grads, ops, operands, _, ids = columns
    quote = json.encoder.encode_basestring
    repeat = itertools.repeat
    text = "".join(itertools.chain.from_iterable(zip(
        repeat('{"id": '), map(str, ids),
        repeat(', "label": '), map(quote, labels),
        repeat(', "data": '), _number_texts(data),
        repeat(', "grad": '), _number_texts(grads),
        repeat(', "op": '), map(quote, ops),
        repeat(', "children": '), map(repr, operands),
        repeat("") if scopes is None else scopes,
        repeat("}" + separator))))
    return text[:len(text) - len(separator)] if text else text


def _number_texts(numbers):
    """Floats as JSON: each one's shortest repr, or "nan", "inf", "-inf" (strings)."""
    total = sum(numbers)
    if total - total == 0.0:  # all finite (or an overflowing sum: the careful way below)
        return map(float.__repr__, numbers)
    return [_number_text(x) for x in numbers]


def _number_text(x):
    """A float as JSON: its shortest repr, or "nan", "inf", "-inf" (strings)."""
    if x - x == 0.0:
        return repr(x)
    return json.dumps(_json_number(x))


def export(*roots, names=None):
    """The nodes (dicts, operands before results) and the root ids.

    `names` maps `id(value)` to a label for values whose own `label` is empty (the
    runner's auto-labels).
    """
    labels, data, grads, ops, operands, root_ids, _ = _columns(roots, names)
    return [{
        "id": i,
        "label": labels[i],
        "data": _json_number(data[i]),
        "grad": _json_number(grads[i]),
        "op": ops[i],
        "children": operands[i],
    } for i in range(len(labels))], root_ids


def arrays(*roots, names=None):
    """The graph reachable from `roots` as flat lists, operands before results: labels,
    data, grads, ops, each node's operand count, every node's operand indices one after
    another, and the roots' indices. The gradviz package hands these to Rust at once."""
    labels, data, grads, ops, operands, root_ids, _ = _columns(roots, names)
    return (labels, data, grads, ops, list(map(len, operands)),
            list(itertools.chain.from_iterable(operands)), root_ids)


def _columns(roots, names, numbered=False, auto_labelled=None):
    """The graph reachable from `roots`, operands before results, as lists: labels, data,
    grads, ops, each node's operand ids, the roots' ids, and each node's id. Ids are
    positions in these lists, or with `numbered` the creation numbers the runner stamped
    (where every value has its own). Built by comprehensions and C-level maps, without a
    Python call per value in the common case (string labels and ops, float data and
    grads)."""
    with _GarbageCollectionPaused():
        return _operand_ids(_taken(roots, names, numbered, auto_labelled))


def _taken(roots, names, numbered, auto_labelled):
    """The columns of `_columns` with each node's operands as the values themselves, and
    the ids of the values by `id` (None where the ids are the stamps): what the values
    hold now, their operands' ids worked out later by `_operand_ids`."""
    order, operands, stamps = _walk(roots)
    if numbered and stamps is not None:
        ids, index = stamps, None
        root_ids = [getattr(r, _STAMP) for r in roots]
    else:
        ids = range(len(order))
        index = dict(zip(map(id, order), ids))
        root_ids = [index[id(r)] for r in roots]
    labels, data, grads, ops = _values_of(order, names, ids, auto_labelled)
    lists = list(map(operands.__getitem__, map(id, order)))
    return labels, data, grads, ops, lists, root_ids, ids, index


def _operand_ids(taken):
    """The columns of `_columns` from `_taken`'s: each node's operands by their ids. A
    stamped value's id is its stamp, read straight from each operand."""
    labels, data, grads, ops, lists, root_ids, ids, index = taken
    if index is None:
        children = [[c._gradviz_created for c in these] for these in lists]
    else:
        position = index.__getitem__
        children = [list(map(position, map(id, these))) if these else [] for these in lists]
    return labels, data, grads, ops, children, root_ids, ids


def _values_of(order, names, ids, auto_labelled):
    """Each value's label, data, grad and op, as they are now."""
    names = names or {}
    get_name = names.get
    own = [getattr(v, "label", "") for v in order]
    labels = [(label or get_name(id(v), "")) if type(label) is str else _label(v, names)
              for v, label in zip(order, own)]
    if auto_labelled is not None:
        auto_labelled.extend(i for i, v, label in zip(ids, order, own)
                             if not label and id(v) in names)
    if not all(map(str.isascii, labels)):
        labels = list(map(_utf8_text, labels))
    data = [getattr(v, "data", None) for v in order]
    if set(map(type, data)) != {float}:
        data = [x if type(x) is float else _float(v, "data") for v, x in zip(order, data)]
    grads = [getattr(v, "grad", None) for v in order]
    if set(map(type, grads)) != {float}:
        grads = [x if type(x) is float else _float(v, "grad") for v, x in zip(order, grads)]
    ops = [op if type(op) is str else str(op or "")
           for op in [getattr(v, "_op", "") for v in order]]
    return labels, data, grads, ops


def is_value(x):
    """Whether `x` looks like a micrograd value: `data`, `grad` and `_prev`."""
    return hasattr(x, "_prev") and hasattr(x, "data") and hasattr(x, "grad")


def _walk(roots):
    """Every value reachable from `roots`, each after its operands, without recursion;
    each value's operands by `id`; and, where every value has a stamp of its own, their
    stamps in that order (else None).

    The order is creation order where the runner stamped it (see `_stamp_values`), so a
    script draws the same figure in CPython as in gradviz's own subset; else operands
    first in the order they were written.
    """
    operands, stamps = {}, {}
    stack = list(roots)
    pop, extend = stack.pop, stack.extend
    cells_of = _OPERAND_CELLS
    while stack:
        value = pop()
        key = id(value)
        if key in operands:
            continue
        # `_operands(value)`, its common case inline: a `_backward` closure whose code is
        # known to hold `self` and `other`, holding just the members of `_prev`.
        prev = getattr(value, "_prev", ())
        if not prev:
            children = []
        else:
            children = None
            backward = getattr(value, "_backward", None)
            cells = cells_of.get(getattr(backward, "__code__", None))
            closure = getattr(backward, "__closure__", None) if cells is not None else None
            if closure and len(cells) == 2:
                try:
                    first = closure[cells[0]].cell_contents
                    second = closure[cells[1]].cell_contents
                    x, y = prev  # two members: compared by identity, as `_operands` does
                    if (x is first and y is second) or (x is second and y is first):
                        children = [first, second]
                except (ValueError, TypeError):  # a cell not filled, not two members
                    pass
            if children is None:
                children = _operands(value)
            extend(children)
        operands[key] = children
        stamp = getattr(value, _STAMP, None)
        if type(stamp) is int:
            stamps[stamp] = value
    if len(stamps) == len(operands):
        numbers = sorted(stamps)
        return list(map(stamps.__getitem__, numbers)), operands, numbers
    return _operands_first(roots, operands), operands, None


def _operands_first(roots, operands):
    """A depth-first postorder of the walked graph: operands in the order written."""
    order, placed = [], set()
    stack = [(root, False) for root in reversed(roots)]
    while stack:
        value, expanded = stack.pop()
        if expanded:
            order.append(value)
        elif id(value) not in placed:
            placed.add(id(value))
            stack.append((value, True))
            stack.extend((c, False) for c in reversed(operands[id(value)])
                         if id(c) not in placed)
    return order


# Per `_backward` code object: the positions of its free variables `self` and `other`.
_OPERAND_CELLS = {}


def _operands(value):
    """The operands in order, a repeated one twice.

    micrograd keeps only the set `_prev`, which loses the order and collapses `a * a` to
    one child; the `_backward` closure still holds the operands (`self`, `other`), so read
    them there. Failing that, fall back on `_prev`, doubling the child of a `+` or `*`.
    """
    prev = getattr(value, "_prev", ())
    if not prev:
        return []
    backward = getattr(value, "_backward", None)
    code = getattr(backward, "__code__", None)
    if code is not None:
        cells = _OPERAND_CELLS.get(code)
        if cells is None:
            names = code.co_freevars
            cells = _OPERAND_CELLS[code] = tuple(
                names.index(n) for n in ("self", "other") if n in names)
        closure = backward.__closure__
        if cells and closure:
            try:
                named = [closure[i].cell_contents for i in cells]
            except ValueError:  # a cell not yet filled
                named = ()
            if named and set(map(id, named)) == set(map(id, prev)):
                return named
    return _operands_from_prev(value, prev)


def _same_members(operands, prev):
    """Whether the operands are exactly the members of `prev` (by identity)."""
    return set(map(id, operands)) == set(map(id, prev))


def _operands_from_prev(value, prev):
    """The operands from `_prev` alone: a set's in creation order (by what they hold where
    they have no creation number), not in its own order, which follows memory addresses
    and differs from run to run; a list's or tuple's as listed. A `+` or `*` with one
    child uses it twice."""
    if isinstance(prev, (set, frozenset, dict)):
        prev = sorted(prev, key=_set_order)
    elif isinstance(prev, (list, tuple)):
        prev = list(prev)
    else:
        raise TypeError("%s: _prev is a %s, not a set or tuple of values"
                        % (_describe(value), type(prev).__name__))
    for child in prev:
        if not is_value(child):
            raise TypeError("%s: _prev holds a %s, not a value with data, grad and _prev"
                            % (_describe(value), type(child).__name__))
    others = [c for c in _closure(getattr(value, "_backward", None)).values()
              if is_value(c) and c is not value]
    if others and _same_members(others, prev) and len(others) >= len(prev):
        return others
    op = getattr(value, "_op", "")
    return prev * 2 if op in ("+", "*") and len(prev) == 1 else prev


def _set_order(value):
    """Where a value stands among the members of a set `_prev`: by its creation number,
    else by its label, op, data and grad (members alike in all four keep the set's order)."""
    stamp = getattr(value, _STAMP, None)
    if type(stamp) is int:
        return (0, stamp)
    return (1, str(getattr(value, "label", "")), str(getattr(value, "_op", "")),
            _sortable(getattr(value, "data", None)), _sortable(getattr(value, "grad", None)))


def _sortable(number):
    """A number as a sort key that any two compare by (NaN and non-numbers last)."""
    try:
        x = float(number)
    except (TypeError, ValueError, OverflowError):
        return (2, 0.0)
    return (1, 0.0) if x != x else (0, x)


def _closure(function):
    """The variables a closure captured, by name; empty for anything else."""
    code = getattr(function, "__code__", None)
    cells = getattr(function, "__closure__", None) or ()
    if code is None:
        return {}
    captured = {}
    for name, cell in zip(code.co_freevars, cells):
        try:
            captured[name] = cell.cell_contents
        except ValueError:  # a cell not yet filled
            pass
    return captured


def _label(value, names):
    label = getattr(value, "label", "")
    text = label if isinstance(label, str) else str(label)
    if not text:
        text = names.get(id(value), "")
    return _utf8_text(text)


def _utf8_text(text):
    """`text`, with a lone surrogate (which JSON readers refuse) replaced."""
    if text.isascii():
        return text
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate: JSON readers refuse it
        text = text.encode("utf-8", "replace").decode("utf-8")
    return text


def _float(value, field):
    """`value.data` or `value.grad` as a float."""
    x = getattr(value, field, None)
    if type(x) is float:
        return x
    try:
        return float(x)
    except OverflowError:
        return math.inf if x > 0 else -math.inf
    except (TypeError, ValueError):
        raise TypeError("%s: %s is %r, not a number" % (_describe(value), field, x))


def _json_number(x):
    """A float as JSON allows it: "nan", "inf", "-inf" for the non-finite ones."""
    if x - x == 0.0:
        return x
    if math.isnan(x):
        return "nan"
    return "inf" if x > 0 else "-inf"


def _describe(value):
    label = getattr(value, "label", "")
    return "the value labelled %r" % label if label else "a %s" % type(value).__name__


# ---------------------------------------------------------------------------------------
# The runner behind `gradviz render/compare/check` for scripts beyond gradviz's subset.

_STAMP = "_gradviz_created"
_SNAPSHOT = "__gradviz_snapshot__"
# What a script may call its figure function: the lecture's `draw_dot`.
_DRAW_CALL = "draw_dot"
_RANKDIRS = ("LR", "TB", "RL", "BT")  # what Graphviz reads as rankdir
# Cell magics whose body is Python that runs once.
_PYTHON_CELL_MAGICS = ("time", "timeit", "capture", "prun")


class _Anything(object):
    """What a rewritten `draw_dot(...)` returns: every attribute and call is a no-op, so
    `dot = draw_dot(o); dot.render('x')` still runs."""

    def __getattr__(self, name):
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)
        return self

    def __call__(self, *args, **kwargs):
        return self

    def __iter__(self):
        return iter(())

    def __repr__(self):
        return "<gradviz figure>"


class _Watch(weakref.ref):
    """A weak reference to a named value that knows the value's id: one object per value,
    where `weakref.finalize` makes several (in a script building 100,000 values, every
    extra object brings the garbage collector's full passes over them sooner)."""

    __slots__ = ("key",)


class _Capture(object):
    """What the running script draws: snapshots, the last `backward()` root, the last
    value bound at module level, and the auto-labels."""

    def __init__(self, out_dir, want, auto_label):
        self.out_dir = out_dir
        self.want = want
        self.auto_label = auto_label
        self.snapshots = 0
        self.asked = []  # per snapshot: the format= and rankdir= its draw_dot call passed
        self.names = {}  # id(value) -> auto-label, dropped when the value dies
        self.held = []  # values that cannot be weakly referenced, kept so ids stay theirs
        self.watched = {}  # id(value) -> the weak reference that forgets its auto-label
        self.forget = self._forget  # one bound method for every watch
        self.bindings = {}  # variable name -> how many values took it as their label
        self.last_value = None
        self.first_root = None  # the value of the first draw_dot call
        self.backward_root = None
        self.ran_backward = False  # compare called backward() for a script that does not
        self.before = None
        self.after = None
        self.namespace = {}  # the script's globals, where its own draw_dot would be

    def prelude_draw_dot(self):
        """Whether `draw_dot` in the script is the prelude's, not one of its own."""
        import builtins

        own = self.namespace.get(_DRAW_CALL, getattr(builtins, _DRAW_CALL, None))
        return getattr(own, "__module__", None) == "gradviz_prelude"

    def snapshot(self, root=None, *args, **kwargs):
        """The rewritten `draw_dot(root, ...)` call of a bare name: the prelude's, unless
        the script has its own (see `_snapshot`)."""
        return self._snapshot(self.prelude_draw_dot(), root, args, kwargs)

    def own_snapshot(self, root=None, *args, **kwargs):
        """The rewritten `something.draw_dot(root, ...)`: never the prelude's."""
        return self._snapshot(False, root, args, kwargs)

    def _snapshot(self, prelude, root, args, kwargs):
        """A `draw_dot` call: the graph as it is now, with the `format=` and `rankdir=`
        keywords of micrograd's `draw_dot(root, format='svg', rankdir='LR')` (by name only
        for a draw_dot of the user's own, which may take other arguments in order; the
        prelude's also reads them in order, as the subset does)."""
        if not is_value(root):
            kind = type(root).__name__
            hint = ("; PyTorch tensors are not micrograd values: export such a graph as JSON "
                    "(docs/json.md)" if kind == "Tensor" else "")
            raise TypeError("draw_dot() takes a value (an object with data, grad and _prev), "
                            "not %s%s" % (kind, hint))
        if prelude:
            kwargs.update(zip(("format", "rankdir"), args))
        rankdir = kwargs.get("rankdir")
        known = isinstance(rankdir, str) and rankdir in _RANKDIRS
        if rankdir is not None and not known:
            raise ValueError("draw_dot(): rankdir must be 'LR', 'TB', 'RL' or 'BT' (as Graphviz "
                             "reads it), not %r" % (rankdir,))
        format = kwargs.get("format")
        if format is not None and not isinstance(format, str):
            raise TypeError("draw_dot(): format must be a string, not %s"
                            % type(format).__name__)
        if self.snapshots == 0 and self.want == "compare":
            self.first_root = root
        self.snapshots += 1
        # A draw_dot of the script's own draws the labels the values carry: which values
        # are named by gradviz alone, for its figures to leave blank (pages and JSON keep
        # the names). The prelude's draw_dot is the subset's, which names them.
        auto_labelled = None if prelude or not self.names else []
        document = _document_text([root], self.names, auto_labelled)
        self.asked.append({"rankdir": rankdir, "format": format,
                           "auto_labelled": auto_labelled or []})
        self._write("snapshot-%d.json" % self.snapshots, document)
        return _Anything()

    def backward(self, target, *args, **kwargs):
        """The rewritten `target.backward(...)`, observed around the call."""
        method = target.backward
        if not is_value(target):
            return method(*args, **kwargs)
        before = self._state(target) if self.want == "compare" else None
        result = method(*args, **kwargs)
        self.backward_root = target
        if self.want in ("compare", "check"):
            self.before, self.after = before, self._state(target)
        return result

    def backward_if_never_called(self):
        """`compare` of a script that calls backward() on no value and draws fewer than two
        snapshots has no "after" to draw: backward() runs here, as the subset runs it, from
        the first snapshot's value, else the last value bound."""
        if self.want != "compare" or self.backward_root is not None or self.snapshots >= 2:
            return
        root = self.first_root if self.first_root is not None else self.last_value
        if root is not None:
            self.ran_backward = True
            self.backward(root)

    def bind(self, name, value):
        """A module-level `name = value`: the value's auto-label, and the last value."""
        if not is_value(value):
            return value
        self.last_value = value
        if self.auto_label and self._unnamed(value):
            count = self.bindings.get(name, 0) + 1
            self.bindings[name] = count
            self._name(value, name if count == 1 else "%s#%d" % (name, count))
        return value

    def built(self, module):
        """A network module just built (see `_name_parameters`): its parameters take the
        names the subset gives them, `l0.n1.w0`, so that `--group` and `--fold` find its
        neurons and layers in CPython too (micrograd's `nn` labels nothing)."""
        import gradviz_prelude

        for value, name in gradviz_prelude.parameter_names(module):
            if is_value(value) and self._unnamed(value):
                self._name(value, name)

    def _unnamed(self, value):
        """Whether `value` has neither a label of its own nor an auto-label yet."""
        return not getattr(value, "label", "") and id(value) not in self.names

    def _name(self, value, name):
        """Gives `value` the auto-label `name`, forgotten when the value dies."""
        key = id(value)
        self.names[key] = name
        try:  # a dead value's id may be reused: its name must go with it
            watch = self.watched[key] = _Watch(value, self.forget)
            watch.key = key
        except TypeError:
            self.held.append(value)

    def _forget(self, watch):
        """A watched value died: its id may be reused, so its auto-label goes."""
        self.names.pop(watch.key, None)
        self.watched.pop(watch.key, None)

    def finish(self):
        """What is drawn when the script took no snapshot; and the files of `compare` and
        `check`. Returns the summary `run.json` holds."""
        final = self.backward_root if self.backward_root is not None else self.last_value
        if self.snapshots == 0 and final is not None:
            self._write("final.json", self._document(final))
        for name, state in (("before.json", self.before), ("after.json", self.after)):
            if state is not None:
                self._write(name, _columns_text(state))
        return {
            "snapshots": self.snapshots,
            "asked": self.asked,
            "final": self.snapshots == 0 and final is not None,
            "before": self.before is not None,
            "after": self.after is not None,
            "ran_backward": self.ran_backward,
        }

    def _document(self, root):
        return _document_text([root], self.names)

    def _state(self, root):
        """The graph of `root` as it is now, as lists: a training loop calls backward()
        at every step and only the last call's graphs are written, so the JSON text waits
        for `finish`."""
        return _document_columns([root], self.names)

    def _write(self, name, text):
        import os

        with open(os.path.join(self.out_dir, name), "w", encoding="utf-8") as out:
            out.write(text)


def _stamp_values():
    """Numbers each value as it is created, so graphs list nodes in creation order.

    A class defined from now on whose body has `backward` and `__add__` or `__mul__` (the
    lecture's `Value`, micrograd's) gets a `__new__` that sets a counter as the new
    instance's attribute `_gradviz_created` (`__new__`, because tests and users patch
    `__init__`). Nothing else changes; instances without a `__dict__` go unstamped and
    export in operand order. The attribute is set with `object.__setattr__`, not through
    `instance.__dict__`: reading `__dict__` would give every value a dict of its own, which
    makes its attributes slower all through the script (CPython 3.11 keeps them inline).
    """
    import builtins

    import gradviz_prelude

    stamp = gradviz_prelude.creation_number  # one sequence with the prelude's values
    set_attribute = object.__setattr__
    new_object = object.__new__
    build_class = builtins.__build_class__
    object_hash = object.__hash__

    def creation_hash(value):
        try:
            return value._gradviz_created
        except AttributeError:
            return object_hash(value)

    def stamped(instance):
        try:
            set_attribute(instance, _STAMP, stamp())
        except (AttributeError, TypeError):  # no room for the attribute: left unstamped
            pass
        return instance

    def stamping(cls):
        inherited = cls.__new__
        if (inherited is new_object and cls.__setattr__ is set_attribute
                and cls.__dictoffset__ != 0):
            # The common case, at the least cost per value: the class's own instances
            # have a `__dict__` and the plain `__setattr__`; a subclass's may not.
            def __new__(klass, *args, **kwargs):
                if klass is not cls:
                    return stamped(new_object(klass))
                instance = new_object(klass)
                instance._gradviz_created = stamp()
                return instance
        elif inherited is new_object:
            # object.__new__ refuses the constructor's arguments once __new__ is overridden.
            def __new__(klass, *args, **kwargs):
                return stamped(new_object(klass))
        else:
            def __new__(klass, *args, **kwargs):
                return stamped(inherited(klass, *args, **kwargs))

        return staticmethod(__new__)

    def build_class_stamped(*args, **kwargs):
        cls = build_class(*args, **kwargs)
        body = getattr(cls, "__dict__", {})
        if (isinstance(cls, type) and "backward" in body
                and ("__add__" in body or "__mul__" in body)):
            try:
                cls.__new__ = stamping(cls)
                if cls.__hash__ is object_hash:
                    cls.__hash__ = creation_hash
            except (TypeError, AttributeError):
                pass
        return cls

    builtins.__build_class__ = build_class_stamped


def _name_parameters(capture):
    """Names the parameters of networks as the subset labels them, and records the scopes
    of module objects (see `gradviz_prelude.Scopes`). A class defined from now on whose
    body has `parameters` (micrograd's `nn.Neuron`, `Layer` and `MLP`, the lecture's own)
    gets the prelude's wrappers: its `__init__` hands the outermost constructor's instance
    to `capture.built` and, like its `__call__`, opens the object's scope while it runs.
    The values themselves are not touched: the names are auto-labels."""
    import builtins

    import gradviz_prelude

    build_class = builtins.__build_class__
    naming = gradviz_prelude.built_by(capture.built)
    scoped_call = gradviz_prelude.scoped_call

    def build_class_naming(*args, **kwargs):
        cls = build_class(*args, **kwargs)
        body = getattr(cls, "__dict__", {})
        if isinstance(cls, type) and "parameters" in body:
            try:
                if callable(body.get("__init__")):
                    cls.__init__ = naming(body["__init__"])
                if callable(body.get("__call__")):
                    cls.__call__ = scoped_call(body["__call__"])
            except (TypeError, AttributeError):
                pass
        return cls

    builtins.__build_class__ = build_class_naming


def _rewrite(tree):
    """Turns `draw_dot(...)` calls (at any depth) into snapshots, `x.backward(...)` calls
    into observed ones, and module-level `name = value` into bindings that name values.
    Walks with `ast.walk` (a queue), not recursion."""
    import ast

    def call(name, args, keywords, like):
        func = ast.Attribute(value=ast.Name(id=_SNAPSHOT, ctx=ast.Load()), attr=name,
                             ctx=ast.Load())
        return ast.copy_location(ast.Call(func=func, args=args, keywords=keywords), like)

    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
        if name == _DRAW_CALL:
            method = "snapshot" if isinstance(func, ast.Name) else "own_snapshot"
            node.func = ast.copy_location(ast.Attribute(
                value=ast.Name(id=_SNAPSHOT, ctx=ast.Load()), attr=method,
                ctx=ast.Load()), func)
        elif name == "backward" and isinstance(func, ast.Attribute):
            node.func = ast.copy_location(ast.Attribute(
                value=ast.Name(id=_SNAPSHOT, ctx=ast.Load()), attr="backward",
                ctx=ast.Load()), func)
            node.args = [func.value] + node.args
    blocks = [tree.body]
    while blocks:
        body = blocks.pop()
        index = 0
        while index < len(body):
            statement = body[index]
            index += 1
            for field in ("body", "orelse", "finalbody"):
                inner = getattr(statement, field, None)
                if isinstance(inner, list) and not isinstance(
                        statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                    blocks.append(inner)
            for handler in getattr(statement, "handlers", ()):
                blocks.append(handler.body)
            for name in _bound_names(statement):
                bind = ast.Expr(value=call("bind", [ast.Constant(value=name),
                                                    ast.Name(id=name, ctx=ast.Load())], [],
                                           statement))
                body.insert(index, ast.copy_location(bind, statement))
                index += 1
    ast.fix_missing_locations(tree)
    return tree


def _bound_names(statement):
    """The plain names a module-level assignment binds: `a = b = v`, `a, b = …`, `a += v`,
    `a: T = v`."""
    import ast

    if isinstance(statement, ast.Assign):
        targets = statement.targets
    elif isinstance(statement, (ast.AugAssign, ast.AnnAssign)) and statement.value is not None:
        targets = [statement.target]
    else:
        return []
    names, pending = [], list(targets)
    while pending:
        target = pending.pop(0)
        if isinstance(target, ast.Name):
            names.append(target.id)
        elif isinstance(target, (ast.Tuple, ast.List)):
            pending = list(target.elts) + pending
    return names


class _Cell(object):
    """A code cell of a notebook, or the whole of a script: its source and where it sits."""

    def __init__(self, source, filename, number):
        self.source = source  # a script's bytes (see `_script_cell`), a cell's text
        self.filename = filename
        self.number = number  # the cell's number in the notebook, from 1; None for a script


def _notebook(path, name):
    """The notebook's list of cells; a file that is not a Jupyter notebook is a _Failure,
    found before anything is said about running it."""
    with open(path, encoding="utf-8") as f:
        try:
            notebook = json.load(f)
        except ValueError as error:
            raise _Failure("%s: not a notebook: %s" % (name, error))
    cells = notebook.get("cells") if isinstance(notebook, dict) else None
    if not isinstance(cells, list):
        version = notebook.get("nbformat") if isinstance(notebook, dict) else None
        raise _Failure("%s: not a Jupyter notebook (nbformat 4): no \"cells\" list%s"
                       % (name, "" if version is None else " (nbformat %s)" % version))
    return cells


def _notebook_cells(cells, name):
    """The notebook's code cells, with IPython magics and shell lines turned into `pass`
    (so indentation and line numbers hold), and a note on what was skipped."""
    code, skipped = [], []
    for number, cell in enumerate(cells, start=1):
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        source = cell.get("source", "")
        if isinstance(source, list):
            source = "".join(str(line) for line in source)
        lines = str(source).split("\n")
        first = lines[0].strip()
        if first.startswith("%%"):
            magic = first[2:].split()[0] if first[2:].split() else ""
            skipped.append((number, first))
            if magic not in _PYTHON_CELL_MAGICS:
                continue
            lines[0] = "pass"
        for i, line in enumerate(lines):
            stripped = line.lstrip()
            if stripped.startswith(("%", "!")):
                skipped.append((number, stripped))
                lines[i] = line[: len(line) - len(stripped)] + "pass"
        code.append(_Cell("\n".join(lines), "<%s: cell %d>" % (name, number), number))
    if skipped:
        shown = "; ".join("cell %d: %s" % (n, _shorten(text)) for n, text in skipped[:3])
        more = " …" if len(skipped) > 3 else ""
        _note("%s: skipped %d IPython magic and shell line%s (%s%s)"
              % (name, len(skipped), "" if len(skipped) == 1 else "s", shown, more))
    return code


def _shorten(text, width=40):
    return text if len(text) <= width else text[: width - 1] + "…"


def _note(message):
    sys.stderr.write("note: %s\n" % message)
    sys.stderr.flush()


class _Failure(Exception):
    """A problem with the input itself, reported as it is."""


def _install_prelude(name):
    """The built-in subset's names (`gradviz_prelude.py`, written beside this file) among
    Python's builtins, where a script's own definitions and imports shadow them; `random`
    seeded as the subset seeds it; and, where micrograd is not installed, the same classes
    as `micrograd.engine` and `micrograd.nn`."""
    import builtins
    import importlib.util

    import gradviz_prelude

    for key, value in gradviz_prelude.NAMES.items():
        setattr(builtins, key, value)
    gradviz_prelude.random.seed(0)
    if importlib.util.find_spec("micrograd") is None:
        sys.meta_path.append(_MicrogradStandIn(name))


class _MicrogradStandIn(object):
    """An import finder, last on `sys.meta_path`, that serves `micrograd`, `micrograd.engine`
    and `micrograd.nn` from the prelude, and says so once."""

    MODULES = {"micrograd": (), "micrograd.engine": ("Value",),
               "micrograd.nn": ("Value", "Module", "Neuron", "Layer", "MLP", "random")}

    def __init__(self, name):
        self.name = name
        self.noted = False

    def find_spec(self, fullname, path=None, target=None):
        import importlib.machinery

        if fullname not in self.MODULES:
            return None
        return importlib.machinery.ModuleSpec(fullname, self,
                                              is_package=fullname == "micrograd")

    def create_module(self, spec):
        return None

    def exec_module(self, module):
        import gradviz_prelude

        if not self.noted:
            self.noted = True
            _note("%s: micrograd is not installed in %s; its Value and nn come from gradviz "
                  "(micrograd's, with the lecture's label, tanh and exp)"
                  % (self.name, sys.executable))
        for attribute in self.MODULES[module.__name__]:
            setattr(module, attribute, getattr(gradviz_prelude, attribute))


def _install_stand_ins():
    """A `graphviz` module for notebooks that import it but whose `draw_dot` is never
    called: where the package is missing, any name imported from it is a no-op."""
    import importlib.util
    import types

    if importlib.util.find_spec("graphviz") is None:
        module = types.ModuleType("graphviz")
        module.__getattr__ = lambda name: _Anything()
        sys.modules["graphviz"] = module


def _error_location(filename, line_number, column, end_column, cells, name, text=""):
    """Where an error is, in the terms the user knows: the file and line, or the cell.
    `line_number` is None where it is not known (the column then too); `text` stands in
    for a line that cannot be read (a script that is not UTF-8). A null byte is shown as
    `␀`, not written to the terminal."""
    if line_number is not None:
        text = _source_line(filename, line_number) or text
    cell = cells.get(filename)
    return {
        "file": name,
        "cell": cell.number if cell is not None else None,
        "line": line_number,
        "column": column if line_number is not None else None,
        "end_column": end_column if line_number is not None else None,
        "text": text.rstrip("\r\n").replace("\0", "\u2400"),
    }


def _source_line(filename, line_number):
    """Line `line_number` of a script or cell, or "" where it cannot be read: `linecache`
    before Python 3.10 raises for a file that is not UTF-8."""
    import linecache

    try:
        return linecache.getline(filename, line_number)
    except (SyntaxError, ValueError):
        return ""


def _positive(number):
    """`number` if it is a place CPython knows, a whole number from 1; else None. CPython
    says it does not know with None, 0 or -1 (an IndentationError's `end_offset`)."""
    return number if type(number) is int and number > 0 else None


def _syntax_error_location(error, cells, name):
    """Where a SyntaxError is, with only the positions CPython knows: the column with the
    line, the end with the column when it is on the same line and past it."""
    line = _positive(error.lineno)
    column = _positive(error.offset) if line else None
    end = _positive(getattr(error, "end_offset", None)) if column else None
    if end is not None and (end <= column or getattr(error, "end_lineno", line) != line):
        end = None
    text = (error.text or "").split("\n")[0]
    return _error_location(error.filename, line, column, end, cells, name, text)


def _char_column(text, byte_offset):
    """A 1-based character column from a 0-based UTF-8 byte offset into `text`."""
    if byte_offset is None:
        return None
    return len(text.encode("utf-8")[:byte_offset].decode("utf-8", "replace")) + 1


def _exception_report(error, cells, script, name):
    """An exception in user code: its type and message, the innermost user frame and the
    user frames of the traceback (outermost first). A SyntaxError in the user's file is
    placed where CPython says, as far as it knows."""
    import traceback

    report = {"type": type(error).__name__, "message": str(error), "location": None,
              "frames": []}
    if isinstance(error, SyntaxError) and (error.filename == script
                                           or error.filename in cells):
        report["message"] = str(error.msg or "")
        report["location"] = _syntax_error_location(error, cells, name)
        return report
    frames = [f for f in traceback.extract_tb(error.__traceback__)
              if f.filename == script or f.filename in cells]
    for frame in frames:
        cell = cells.get(frame.filename)
        report["frames"].append({"file": name, "cell": cell.number if cell else None,
                                 "line": frame.lineno, "function": frame.name})
    if frames:
        inner = frames[-1]
        line = _positive(inner.lineno)  # CPython 3.11 may not know a frame's line
        text = _source_line(inner.filename, line).rstrip("\r\n") if line else ""
        column = _char_column(text, getattr(inner, "colno", None))
        end = None
        if getattr(inner, "end_lineno", None) == line:
            end = _char_column(text, getattr(inner, "end_colno", None))
        if column is None:
            column = len(text) - len(text.lstrip()) + 1
        report["location"] = _error_location(inner.filename, line, column, end, cells, name)
    return report


def _execute(cells, namespace, script):
    """Compiles and runs each cell in turn, as Jupyter's Run All does (a script is one
    cell); the first exception stops the run."""
    import linecache

    for cell in cells:
        if cell.filename != script:
            lines = cell.source.splitlines(True)
            linecache.cache[cell.filename] = (len(cell.source), None, lines, cell.filename)
        tree = _rewrite(_parse(cell))
        exec(compile(tree, cell.filename, "exec"), namespace)


def _parse(cell):
    """The cell's syntax tree. CPython refuses a null byte without saying where (a
    ValueError before 3.11, a SyntaxError without a line since): that error is raised
    again as a SyntaxError at the first null byte, so that it names the file or cell."""
    import ast
    import re

    try:
        return ast.parse(cell.source, filename=cell.filename)
    except (SyntaxError, ValueError) as error:
        source = cell.source
        if isinstance(source, bytes):
            source = source.decode("utf-8", "replace")
        if "\0" not in source or getattr(error, "lineno", None):
            raise
        lines = re.split("\r\n?|\n", source)
        before = re.split("\r\n?|\n", source[:source.index("\0")])
        message = getattr(error, "msg", None) or str(error)
        raise SyntaxError(message, (cell.filename, len(before), len(before[-1]) + 1,
                                    lines[len(before) - 1]))


def _script_cell(script):
    """The script as one cell of bytes, which CPython decodes as it does a file it runs
    (a coding cookie, a BOM, else UTF-8): a byte it cannot decode is a SyntaxError at its
    line, not a UnicodeDecodeError without a place."""
    with open(script, "rb") as f:
        return _Cell(f.read(), script, None)


def _run(argv):
    """`--gradviz-run FILE --name NAME --out DIR --want render|compare|check
    [--notebook] [--no-auto-label] [--note TEXT]`: runs FILE as `__main__` and writes
    DIR/run.json (and the graphs it names)."""
    import os
    import types

    options = {"--notebook": False, "--no-auto-label": False}
    values = {}
    index = 0
    while index < len(argv):
        flag = argv[index]
        if flag in options:
            options[flag] = True
            index += 1
        else:
            values[flag] = argv[index + 1]
            index += 2
    script = os.path.abspath(values["--gradviz-run"])
    name, out_dir, want = values["--name"], values["--out"], values["--want"]
    # Tells gradviz that this Python runs the runner, should the script end the process
    # (os._exit, a crash in an extension) before run.json is written.
    open(os.path.join(out_dir, "started"), "w").close()
    summary = {"python": "%d.%d.%d" % sys.version_info[:3], "executable": sys.executable,
               "error": None}
    if sys.version_info < (3, 8):
        summary["error"] = {"message": "gradviz runs scripts in Python 3.8 or newer; %s is "
                                       "Python %s" % (sys.executable, summary["python"])}
        _write_summary(out_dir, summary)
        return
    try:
        notebook = _notebook(script, name) if options["--notebook"] else None
    except _Failure as failure:
        summary["error"] = {"message": str(failure)}
        _write_summary(out_dir, summary)
        return
    if "--note" in values:
        _note("%s %s" % (values["--note"], summary["python"]))
    _install_prelude(name)
    capture = _Capture(out_dir, want, not options["--no-auto-label"])
    import builtins

    setattr(builtins, _SNAPSHOT, capture)
    _stamp_values()
    _name_parameters(capture)
    _install_stand_ins()
    main = types.ModuleType("__main__")
    main.__file__ = script
    main.__builtins__ = builtins
    sys.modules["__main__"] = main
    capture.namespace = main.__dict__
    sys.argv = [script]
    sys.path[0] = os.path.dirname(script)
    cells = {}
    try:
        if notebook is not None:
            code_cells = _notebook_cells(notebook, name)
            main.__dict__.setdefault("display", lambda *args, **kwargs: None)
        else:
            code_cells = [_script_cell(script)]
        cells = {c.filename: c for c in code_cells if c.number is not None}
        _execute(code_cells, main.__dict__, script)
        capture.backward_if_never_called()
    except SystemExit as exit:
        if exit.code not in (None, 0):  # reported where it was raised, as Jupyter shows it
            summary["error"] = _exception_report(exit, cells, script, name)
    except KeyboardInterrupt:
        summary["error"] = {"message": "%s: interrupted" % name}
    except BaseException as error:  # the user's exception, reported with its place
        summary["error"] = _exception_report(error, cells, script, name)
    if summary["error"] is None:
        try:
            summary.update(capture.finish())
        except (TypeError, ValueError) as error:
            summary["error"] = {"message": "%s: %s" % (name, error)}
    _write_summary(out_dir, summary)


def _write_summary(out_dir, summary):
    import os

    sys.stdout.flush()
    with open(os.path.join(out_dir, "run.json"), "w", encoding="utf-8") as out:
        json.dump(summary, out)


if __name__ == "__main__" and len(sys.argv) > 1 and sys.argv[1] == "--gradviz-run":
    _run(sys.argv[1:])
