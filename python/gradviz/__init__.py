"""gradviz in a notebook: draw and check your own micrograd-style values, no Graphviz needed.

    from gradviz import draw_dot      # instead of the lecture's draw_dot
    draw_dot(o)                       # displays itself in the cell, as SVG

    gradviz.check(loss)               # every data and grad recomputed; the wrong ones named
    before = gradviz.snapshot(loss); loss.backward(); gradviz.compare(before, loss)
    gradviz.dumps(loss)               # the JSON interchange format (docs/json.md)
    gradviz.replay(loss)              # backward step by step, inline (draw_dot(replay=True))

A value is any object with `data`, `grad` and `_prev` (and optionally `_op`, `label`):
micrograd's, the lecture's, yours. The graph is walked in Python without recursion by the
same code the `gradviz` command line runs scripts with, handed to Rust once, and drawn and
checked there by the gradviz library, as `gradviz render` and `gradviz check` do.

An unlabelled value is named after the caller's global variable bound to it (`loss`), as
the command line names values after the variables of a script; `auto_label=False` turns
that off, and a value's own label always wins.
"""

import html as _html
import linecache as _linecache
import os as _os
import sys as _sys
import types as _types
import warnings as _warnings
from collections import namedtuple as _namedtuple

from . import _gradviz

__all__ = ["draw_dot", "replay", "Figure", "check", "Report", "Mismatch", "snapshot",
           "compare", "dumps", "dump"]


def _load_walk():
    """The graph walk: python/gradviz_export.py, embedded in the extension."""
    source = _gradviz.walk_source()
    name = "<gradviz_export.py>"
    _linecache.cache[name] = (len(source), None, source.splitlines(True), name)
    module = _types.ModuleType("gradviz._walk")
    exec(compile(source, name, "exec"), module.__dict__)
    return module


_walk = _load_walk()


def _require_value(root, what):
    if not _walk.is_value(root):
        missing = [a for a in ("data", "grad", "_prev") if not hasattr(root, a)]
        raise TypeError("%s() takes a value with data, grad and _prev; %s has no attribute %s"
                        % (what, type(root).__name__, ", ".join(repr(m) for m in missing)))


def _graph(root, what, names):
    """The Rust graph of the values reachable from `root`, the unlabelled ones named by
    `names` (id -> name)."""
    _require_value(root, what)
    try:
        arrays = _walk.arrays(root, names=names)
    except AttributeError as error:
        raise TypeError("%s(): a value in the graph is not a value: %s" % (what, error))
    return _gradviz.Graph(*arrays)


def _caller_names(auto_label):
    """The names for unlabelled values: the global variables of the code that called the
    public function calling this one (a notebook's, a script's), or none."""
    if not auto_label:
        return {}
    return _variable_names(_sys._getframe(2).f_globals)


def _variable_names(namespace):
    """`id(object)` -> the first name in `namespace` bound to it, in the namespace's order
    (the order the names were first assigned). One pass over the variables, none over the
    graph: the walk looks each unlabelled value up as it goes."""
    names = {}
    for name, value in list(namespace.items()):
        if isinstance(name, str) and not _output_history(name):
            names.setdefault(id(value), name)
    return names


def _output_history(name):
    """IPython's names for recent outputs (`_`, `__`, `___`, `_7`): a value a cell showed
    is bound there too, but that is not the user's name for it."""
    return name in ("_", "__", "___") or (name[:1] == "_" and name[1:].isdigit())


def _options(rankdir, precision, group, fold, color, engine, full=False, depth=None):
    if not isinstance(precision, int) or isinstance(precision, bool) or precision < 0:
        raise ValueError("precision=%r: expected a whole number of digits" % (precision,))
    for name, value in (("fold", fold), ("depth", depth)):
        if value is not None and (not isinstance(value, int) or isinstance(value, bool)
                                  or value < 0):
            raise ValueError("%s=%r: expected None or a depth (0, 1, ...)" % (name, value))
    if full and depth is not None:
        raise ValueError("full=True draws every value; depth=%r asks for the overview" % depth)
    options = {"rankdir": "LR" if rankdir is None else str(rankdir), "precision": precision,
               "group": bool(group), "fold": fold, "color": None if color is None else str(color),
               "engine": str(engine), "full": bool(full), "depth": depth,
               "keep_rankdir": rankdir is not None}
    _gradviz.validate(options)
    return options


class Figure(object):
    """A figure that displays itself in a notebook: micrograd's records `{ label | data |
    grad }` and op nodes, left to right, as SVG drawn by gradviz's own layered layout
    where `dot` is missing. Like graphviz's `Digraph`: `.source`, `.pipe()`, `.render()`, `.save()`."""

    def __init__(self, draw, page, summary, replay=False):
        self._draw = draw
        self._page = page
        self._summary = summary
        self._replay = replay
        self._svg = None

    @property
    def source(self):
        """The DOT source."""
        return self._draw("dot").decode("utf-8")

    def pipe(self, format="svg"):
        """The figure's bytes: 'svg', 'png', 'pdf' (needs Graphviz's `dot`), 'dot', 'json'."""
        return self._draw(str(format))

    def render(self, filename, format=None):
        """Writes the figure to `filename` and returns its path. `format` None takes it from
        the extension (else SVG, added to the name); a format the name lacks is appended.
        Missing folders on the way are made, as graphviz's `render` makes them."""
        filename = _os.fspath(filename)
        root, extension = _os.path.splitext(filename)
        if format is None:
            format = extension[1:].lower() or "svg"
        if extension[1:].lower() != format:
            filename = "%s.%s" % (filename, format)
        _write(filename, self.pipe(format))
        return filename

    def save(self, filename):
        """Writes the DOT source to `filename` (as `Digraph.save` does) and returns it."""
        filename = _os.fspath(filename)
        _write(filename, self.source.encode("utf-8"))
        return filename

    def to_html(self):
        """The interactive page, as `gradviz render -o x.html` writes it: pan, zoom, search,
        select, and backward replayed step by step. One self-contained HTML document."""
        return self._page()

    def _repr_mimebundle_(self, include=None, exclude=None):
        if self._svg is None:
            self._svg = self.pipe("svg").decode("utf-8")
        bundle = {"image/svg+xml": self._svg, "text/plain": self._summary}
        if self._replay:
            bundle["text/html"] = _inline_replay(self._svg, self.to_html())
        return bundle

    def __repr__(self):
        return self._summary


def _inline_replay(svg, page):
    """The page inline in a notebook's output: the still figure, and over it the page in an
    `<iframe srcdoc>` sized to the cell. Where a frontend runs no script or strips the
    iframe (a sanitiser, GitHub's preview), the figure under it still shows; the page needs
    no network, so an exported HTML file (`jupyter nbconvert --to html`) replays too."""
    # As wide as the cell at most, its height following (the figure has a viewBox).
    figure = '<svg style="max-width:100%;height:auto"' + svg[svg.find("<svg") + 4:]
    height = max(_REPLAY_MIN, min(_REPLAY_MAX, int(_svg_height_px(figure)) + _REPLAY_CHROME))
    return ('<div class="gradviz-replay" style="position:relative;width:100%%;height:%dpx;'
            'overflow:auto">\n<div class="gradviz-still">%s</div>\n<iframe class="gradviz-page" '
            'title="gradviz: backward, step by step" style="position:absolute;top:0;left:0;'
            'width:100%%;height:100%%;border:0;background:white" srcdoc="%s"></iframe>\n</div>'
            % (height, figure, _html.escape(page, quote=True)))


# The inline page's height in CSS pixels: the figure's, plus the page's bar and step
# controls, within bounds that keep a notebook scrollable.
_REPLAY_MIN = 420
_REPLAY_MAX = 720
_REPLAY_CHROME = 170


def _svg_height_px(svg):
    """The figure's height in CSS pixels, from its root's `height` (points, as engines
    write it)."""
    start = svg.find('height="') + len('height="')
    text = svg[start:svg.find('"', start)]
    scale = 4.0 / 3.0 if text.endswith("pt") else 1.0
    try:
        return float(text.rstrip("ptx")) * scale
    except ValueError:
        return 0.0


def _write(path, data):
    """Writes the bytes `data` to `path`, making the folders it needs."""
    folder = _os.path.dirname(path)
    if folder:
        _os.makedirs(folder, exist_ok=True)
    with open(path, "wb") as out:
        out.write(data)


def draw_dot(root, *, rankdir=None, precision=4, group=False, fold=None, color=None,
             engine="auto", auto_label=True, replay=False, full=False, depth=None):
    """The figure of the graph reachable from `root`, left to right unless `rankdir` says
    otherwise. `engine` is 'auto' (Graphviz's `dot` where installed, else gradviz's own
    layered layout, which also draws where `dot` would be slow), 'dot', 'builtin' or
    'layered'; `group`, `fold` and `color='grad'` are the command line's big-graph views.
    A graph of more than 1,500 values is drawn as its overview, top to bottom (groups
    folded, repeated computations drawn once): `full=True` draws every value, `depth=N`
    the overview with N levels of groups open. Unlabelled values are named after your
    global variables (`auto_label=False`: not). Drawing before `backward()` is fine: every
    grad is then 0, as in the lecture's first figure. `replay=True` shows the interactive
    page in the cell (see `replay`), drawn in the same view: backward through a folded
    group is one step."""
    options = _options(rankdir, precision, group, fold, color, engine, full, depth)
    return _draw_dot(root, _caller_names(auto_label), options, replay)


def replay(root, *, rankdir="LR", precision=4, engine="auto", auto_label=True):
    """Backward from `root`, step by step, in the cell: the interactive page (each step's
    chain-rule line, pan and zoom, search) over the still figure, which is what shows
    where no script runs (GitHub's preview, an untrusted notebook). It needs no network
    and keeps working in `jupyter nbconvert --to html`'s export. `draw_dot(root,
    replay=True)` is the same figure."""
    options = _options(rankdir, precision, False, None, None, engine)
    return _draw_dot(root, _caller_names(auto_label), options, True)


def _draw_dot(root, names, options, replay):
    graph = _graph(root, "replay" if replay else "draw_dot", names)
    summary = "<gradviz.Figure: %d values, root %s>" % (len(graph), _describe(root, names))
    return Figure(lambda format: _gradviz.render(graph, format, options),
                  lambda: _gradviz.page("gradviz", [("graph", graph)], options), summary,
                  replay=bool(replay))


def _describe(value, names):
    label = getattr(value, "label", "") or names.get(id(value), "")
    return "%s data %r grad %r" % (repr(label) if label else "(unlabelled)",
                                   value.data, value.grad)


Mismatch = _namedtuple("Mismatch", "label field stored expected")
Mismatch.__doc__ = "A stored number that differs from gradviz's: label, field, stored, expected."


class Report(object):
    """What `check` found: `.ok`, `.mismatches` (label, field, stored, expected), the
    values it could not verify (`.unverified`, ops gradviz does not know), and a table."""

    def __init__(self, mismatches, unverified, table):
        self.mismatches = mismatches
        self.unverified = unverified
        self.table = table

    @property
    def ok(self):
        return not self.mismatches

    def __bool__(self):
        return self.ok

    def __repr__(self):
        return self.table

    def _repr_html_(self):
        if self.ok:
            return "<p>%s</p>" % _html.escape(self.table.strip())
        rows = "".join(
            "<tr><td>%s</td><td>%s</td><td>%r</td><td>%r</td></tr>"
            % (_html.escape(m.label or "(unlabelled)"), m.field, m.stored, m.expected)
            for m in self.mismatches)
        causes = "".join("<p>%s</p>" % _html.escape(line)
                         for line in self.table.splitlines() if line.startswith("cause: "))
        return ("<table><thead><tr><th>label</th><th>field</th><th>stored</th>"
                "<th>expected</th></tr></thead><tbody>%s</tbody></table>%s" % (rows, causes))


def check(root, *, rtol=1e-9, atol=1e-12, auto_label=True):
    """Recomputes every value's data from its operands and every grad by backward from
    `root`, and reports the stored numbers that differ: a `self.grad = ...` where `+=`
    belongs, the lecture notes' `1 - t**2 * out.grad`, a wrong forward."""
    graph = _graph(root, "check", _caller_names(auto_label))
    wrong, unverified, table = _gradviz.verify(graph, float(rtol), float(atol))
    mismatches = [Mismatch(label, field, stored, expected)
                  for label, field, stored, expected, _ in wrong]
    return Report(mismatches, list(unverified), table)


class _Snapshot(object):
    """The graph of a value as it was when `snapshot` was called."""

    def __init__(self, graph, summary):
        self.graph = graph
        self.summary = summary

    def __repr__(self):
        return "<gradviz snapshot: %d values, root %s>" % (len(self.graph), self.summary)


def snapshot(root, *, auto_label=True):
    """The graph reachable from `root` as it is now, for `compare` after backward."""
    return _snapshot(root, _caller_names(auto_label))


def _snapshot(root, names):
    """`snapshot` with the names already taken from its caller's variables."""
    return _Snapshot(_graph(root, "snapshot", names), _describe(root, names))


def compare(before, after, *, rankdir="LR", precision=4, group=False, fold=None,
            color=None, engine="auto", auto_label=True):
    """One figure of the graph before and after backward: `before` a `snapshot`, `after`
    the value (or another snapshot). Grads that changed are highlighted; where none did,
    a warning says so (backward was not called in between)."""
    if not isinstance(before, _Snapshot):
        raise TypeError("compare() takes a gradviz.snapshot(...) first, not %s"
                        % type(before).__name__)
    options = _options(rankdir, precision, group, fold, color, engine)
    if isinstance(after, _Snapshot):
        later = after
    else:
        later = _snapshot(after, _caller_names(auto_label))
    if not _gradviz.changed(before.graph, later.graph):
        _warnings.warn("compare(): no grad differs between the two states; call backward() "
                       "after snapshot() and before compare()", stacklevel=2)
    summary = "<gradviz.Figure: before and after backward, %d values>" % len(later.graph)
    return Figure(
        lambda format: _gradviz.compare(before.graph, later.graph, format, options),
        lambda: _gradviz.compare_page(before.graph, later.graph, options), summary)


def dumps(*roots, auto_label=True):
    """The graph reachable from `roots` as gradviz JSON (docs/json.md)."""
    return _dumps(roots, _caller_names(auto_label))


def dump(path, *roots, auto_label=True):
    """Writes `dumps(*roots)` to `path`, making the folders it needs."""
    _write(_os.fspath(path), _dumps(roots, _caller_names(auto_label)).encode("utf-8"))


def _dumps(roots, names):
    for root in roots:
        _require_value(root, "dumps")
    return _walk.dumps(*roots, names=names)
