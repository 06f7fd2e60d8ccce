"""What a new user tripped over (issue 27): figures written into folders that do not exist
yet, a figure drawn before backward on purpose, a graph with a cycle, and values named
after the variables that hold them, as the command line names them."""

import json
import warnings
import xml.etree.ElementTree as ET

import pytest

import gradviz
from conftest import LectureValue, lecture_neuron

SVG = "{http://www.w3.org/2000/svg}"


def texts(svg):
    return [t.text for t in ET.fromstring(svg).iter(SVG + "text") if t.text]


def test_render_save_and_dump_make_missing_folders(neuron, tmp_path):
    o, _ = neuron
    figure = gradviz.draw_dot(o, engine="builtin")
    svg = figure.render(str(tmp_path / "out" / "fig"))
    assert svg == str(tmp_path / "out" / "fig.svg")
    assert "grad -1.5000" in texts(open(svg, "rb").read())
    png = figure.render(tmp_path / "a" / "b" / "fig.png")
    assert open(png, "rb").read(8) == b"\x89PNG\r\n\x1a\n"
    dot = figure.save(tmp_path / "dot" / "fig.dot")
    assert open(dot, encoding="utf-8").read() == figure.source
    gradviz.dump(tmp_path / "json" / "o.json", o)
    assert len(json.load(open(tmp_path / "json" / "o.json"))["nodes"]) == 10


def test_render_in_the_working_folder_needs_no_folder(neuron, tmp_path, monkeypatch):
    o, _ = neuron
    monkeypatch.chdir(tmp_path)
    assert gradviz.draw_dot(o, engine="builtin").render("fig") == "fig.svg"
    assert (tmp_path / "fig.svg").exists()


def test_a_figure_before_backward_does_not_warn():
    o, _ = lecture_neuron(LectureValue)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        shown = texts(gradviz.draw_dot(o, engine="builtin").pipe("svg"))
        gradviz.snapshot(o)
    assert "grad 0.0000" in shown


def test_compare_warns_when_backward_changed_nothing():
    o, _ = lecture_neuron(LectureValue)
    before = gradviz.snapshot(o)
    with pytest.warns(UserWarning, match=r"no grad differs .* call backward\(\)"):
        gradviz.compare(before, o)
    o.backward()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        gradviz.compare(before, o)


def cycle(labels):
    """Values each holding the next in `_prev`, the last holding the first."""
    values = [LectureValue(float(i), label=label) for i, label in enumerate(labels)]
    for value, operand in zip(values, values[1:] + values[:1]):
        value._prev, value._op = {operand}, "tanh"
    return values


def test_a_cycle_is_named_by_its_labels():
    a, b = cycle(["a", "b"])
    message = r"a cycle of 2 value\(s\): '[ab]' → '[ab]' → '[ab]' \(each has the next in its _prev\)"
    for call in (gradviz.draw_dot, gradviz.check, gradviz.snapshot):
        with pytest.raises(ValueError, match=message):
            call(a)
    with pytest.raises(ValueError, match=r"'a' → 'b' → 'a'|'b' → 'a' → 'b'"):
        gradviz.draw_dot(a)


def test_a_value_in_its_own_prev_and_unlabelled_values_are_named_by_data():
    (alone,) = cycle(["x"])
    with pytest.raises(ValueError, match=r"a cycle of 1 value\(s\): 'x' → 'x'"):
        gradviz.draw_dot(alone)
    first, _ = cycle(["", ""])
    with pytest.raises(ValueError, match=r"\(unlabelled, data [01]\.0\) → \(unlabelled"):
        gradviz.draw_dot(first)


def test_a_cycle_a_million_values_long_is_named_without_recursion():
    class V:
        __slots__ = ("data", "grad", "_prev", "_op", "label")

        def __init__(self, data, prev=()):
            self.data, self.grad, self._prev, self._op, self.label = data, 0.0, prev, "exp", ""

    first = x = V(0.0)
    for i in range(1, 1_000_000):
        x = V(float(i), (x,))
    first._prev = (x,)
    with pytest.raises(ValueError, match=r"a cycle of 1000000 value\(s\): (.* → ){12}… → "):
        gradviz.draw_dot(x)


def test_an_acyclic_graph_listed_out_of_order_still_draws():
    """A `_prev` pointed at a value made later is no cycle: the graph draws."""
    late = LectureValue(2.0, label="late")
    early = LectureValue(1.0, label="early")
    early._prev, early._op = {late}, "tanh"
    assert gradviz.draw_dot(early).source.count("shape=record") == 2


def run(code, **names):
    """Runs `code` as a notebook cell or a script does: module level, its own globals."""
    namespace = dict(dict(gradviz=gradviz, Value=LectureValue), **names)
    exec(compile(code, "<cell>", "exec"), namespace)
    return namespace


def labels(figure):
    return {n["label"] for n in json.loads(figure.pipe("json"))["nodes"]}


def test_unlabelled_values_are_named_after_the_callers_variables():
    # IPython binds `_` before the user's names, and `_7` to a value a cell showed.
    cell = run("_ = None\n_7 = None\n"
               "a = Value(2.0)\nb = Value(-3.0, label='weight')\nc = Value(0.5)\n"
               "alias = a\nloss = a * b + c\nloss.backward()\n_ = loss\n_7 = loss\n"
               "figure = gradviz.draw_dot(loss)\n"
               "plain = gradviz.draw_dot(loss, auto_label=False)\n")
    assert labels(cell["figure"]) == {"a", "weight", "c", "loss", ""}
    assert labels(cell["plain"]) == {"weight", ""}
    assert repr(cell["figure"]).startswith("<gradviz.Figure: 5 values, root 'loss' ")


def test_names_reach_check_snapshots_compare_and_json():
    from buggy_value import Value as BuggyValue

    cell = run("a = Value(3.0)\nb = a + a\nbefore = gradviz.snapshot(b)\nb.backward()\n"
               "report = gradviz.check(b)\ntext = gradviz.dumps(b)\n"
               "figure = gradviz.compare(before, b)\n", Value=BuggyValue)
    assert cell["report"].mismatches == [gradviz.Mismatch("a", "grad", 1.0, 2.0)]
    assert [n["label"] for n in json.loads(cell["text"])["nodes"]] == ["a", "b"]
    assert "b" in repr(cell["before"]) and {"a", "b"} <= labels(cell["figure"])


def test_a_function_in_the_notebook_names_after_the_notebook_globals():
    cell = run("def show(v):\n    return gradviz.draw_dot(v)\n"
               "x = Value(1.0)\ny = x * x\nfigure = show(y)\n")
    assert labels(cell["figure"]) == {"x", "y"}


def test_naming_a_big_graph_is_one_pass_over_the_variables():
    """100,000 values, two of them bound to variables (`x` and `last` to the same one):
    those two named, after the first of their names, and the rest left alone."""
    cell = run("first = Value(0.0)\nx = first\n"
               "for i in range(100000):\n    x = x + 1.0\n"
               "last = x\nfigure = gradviz.draw_dot(last)\n")
    nodes = json.loads(cell["figure"].pipe("json"))["nodes"]
    named = [n["label"] for n in nodes if n["label"]]
    assert sorted(named) == ["first", "x"]
