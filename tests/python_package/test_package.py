"""`import gradviz` as a notebook user has it: figures of the user's own values, the check
that catches the lecture notes' bugs, snapshots and compare, the JSON interchange, and
errors that are Python exceptions, never a crash."""

import json
import math
import warnings
import xml.etree.ElementTree as ET

import pytest

import gradviz
from buggy_value import Value as BuggyValue
from conftest import LectureValue, lecture_neuron

SVG = "{http://www.w3.org/2000/svg}"


def texts(svg):
    """Every text the SVG shows, in document order."""
    return [t.text for t in ET.fromstring(svg).iter(SVG + "text") if t.text]


def test_a_figure_displays_itself_as_svg_with_micrograd_records(neuron):
    o, _ = neuron
    figure = gradviz.draw_dot(o, engine="builtin")
    bundle = figure._repr_mimebundle_()
    assert set(bundle) == {"image/svg+xml", "text/plain"}
    shown = texts(bundle["image/svg+xml"])
    for expected in ["x1", "data 2.0000", "grad -1.5000", "w1", "grad 1.0000", "o",
                     "data 0.7071", "tanh"]:
        assert expected in shown
    assert bundle["text/plain"] == "<gradviz.Figure: 10 values, root 'o' data 0.7071067811865476 grad 1.0>"


def test_the_source_is_the_same_dot_the_command_line_writes(neuron):
    o, _ = neuron
    source = gradviz.draw_dot(o).source
    assert source.startswith("digraph gradviz {")
    assert source.count("shape=record") == 10
    assert "rankdir=LR" in source
    assert "rankdir=TB" in gradviz.draw_dot(o, rankdir="TB").source
    assert "grad -1.50" in gradviz.draw_dot(o, precision=2).source


def test_micrograd_values_draw_with_their_operands_in_order():
    from micrograd.engine import Value

    a = Value(3.0)
    b = a * a + a
    b.backward()
    graph = json.loads(gradviz.dumps(b))
    nodes = graph["nodes"]
    assert [n["op"] for n in nodes] == ["", "*", "+"]
    assert nodes[1]["children"] == [0, 0]
    assert nodes[0]["grad"] == 7.0
    assert gradviz.check(b).ok


def test_check_names_the_value_the_assignment_bug_hurts():
    a = BuggyValue(3.0, label="a")
    b = a + a
    b.label = "b"
    b.backward()
    report = gradviz.check(b)
    assert not report.ok and not report
    assert report.mismatches == [gradviz.Mismatch("a", "grad", 1.0, 2.0)]
    assert "<table>" in report._repr_html_() and "a" in repr(report)


def test_check_catches_the_tanh_bug_where_the_output_grad_is_not_one():
    x = BuggyValue(0.5, label="x")
    three = BuggyValue(3.0, label="three")
    y = x.tanh() * three
    y.backward()
    wrong = {(m.label, m.field) for m in gradviz.check(y).mismatches}
    assert wrong == {("x", "grad")}


def test_check_names_a_cell_run_twice_as_the_cause():
    o, _ = lecture_neuron(LectureValue)
    o.backward()
    o.backward()
    report = gradviz.check(o)
    assert not report.ok
    assert "cause: these grads are what 2 backward() calls from o leave" in report.table
    assert "<p>cause: these grads are what 2 backward() calls" in report._repr_html_()


def test_check_passes_a_right_value(neuron):
    o, _ = neuron
    report = gradviz.check(o)
    assert report.ok and bool(report) and report.mismatches == []


def test_compare_draws_before_and_after_backward():
    o, _ = lecture_neuron(LectureValue)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        before = gradviz.snapshot(o)
    o.backward()
    figure = gradviz.compare(before, o, engine="builtin")
    shown = texts(figure.pipe("svg"))
    assert "before backward" in shown and "after backward" in shown
    assert shown.count("grad -1.5000") == 1


def test_render_and_save_write_files_as_graphviz_does(neuron, tmp_path):
    o, _ = neuron
    figure = gradviz.draw_dot(o, engine="builtin")
    svg = figure.render(tmp_path / "n.svg")
    assert svg == str(tmp_path / "n.svg") and texts(open(svg, "rb").read())
    png = figure.render(tmp_path / "n", format="png")
    assert png == str(tmp_path / "n.png")
    assert open(png, "rb").read(8) == b"\x89PNG\r\n\x1a\n"
    dot = figure.save(tmp_path / "n.dot")
    assert open(dot).read() == figure.source


def test_dump_writes_the_json_interchange(neuron, tmp_path):
    o, _ = neuron
    gradviz.dump(tmp_path / "o.json", o)
    graph = json.load(open(tmp_path / "o.json"))
    assert graph["format"] == "gradviz" and len(graph["nodes"]) == 10
    assert graph["roots"] == [9]


def test_a_million_deep_chain_becomes_a_figure_and_exports():
    class V:
        __slots__ = ("data", "grad", "_prev", "_op", "label")

        def __init__(self, data, prev=(), op=""):
            self.data, self.grad, self._prev, self._op, self.label = data, 0.0, prev, op, ""

    x = V(0.0)
    for _ in range(1_000_000):
        x = V(x.data + 1.0, (x,), "exp")
    x.grad = 1.0
    figure = gradviz.draw_dot(x)
    assert figure.source.count("shape=record") == 1_000_001
    text = gradviz.dumps(x)
    assert text.count('"id"') == 1_000_001


def test_bad_roots_are_type_errors_naming_what_is_missing():
    with pytest.raises(TypeError, match="int has no attribute 'data', 'grad', '_prev'"):
        gradviz.draw_dot(3)

    class Half:
        data, grad = 1.0, 0.0

    with pytest.raises(TypeError, match="'_prev'"):
        gradviz.check(Half())

    class Broken:
        def __init__(self, data, prev=()):
            self.data, self.grad, self._prev, self._op = data, 0.0, prev, "+"

    with pytest.raises(TypeError, match="not a value"):
        gradviz.draw_dot(Broken(1.0, (object(),)))
    with pytest.raises(TypeError, match="not a number"):
        gradviz.draw_dot(Broken("one"))


def test_bad_options_are_value_errors_and_nothing_crashes(neuron):
    o, _ = neuron
    for options in [dict(rankdir="XX"), dict(engine="gv"), dict(color="red"),
                    dict(precision=10**9), dict(precision=-1), dict(fold=-2)]:
        with pytest.raises(ValueError):
            gradviz.draw_dot(o, **options)
    figure = gradviz.draw_dot(o, engine="builtin")
    with pytest.raises(ValueError, match="gif"):
        figure.pipe("gif")
    with pytest.raises(ValueError, match="PDF"):
        figure.pipe("pdf")


def test_non_finite_numbers_draw_as_python_writes_them():
    a = LectureValue(float("inf"), label="a")
    b = a * LectureValue(0.0, label="z")
    b.backward()
    shown = texts(gradviz.draw_dot(b, engine="builtin").pipe("svg"))
    assert "data inf" in shown and "data nan" in shown
    assert math.isnan(json.loads(gradviz.dumps(b).replace('"nan"', "NaN"))["nodes"][2]["data"])


def test_to_html_is_the_interactive_page_with_the_figure(neuron):
    o, _ = neuron
    page = gradviz.draw_dot(o, engine="builtin").to_html()
    root = ET.fromstring(page)
    shown = [t.text for t in root.iter(SVG + "text") if t.text]
    assert "grad -1.5000" in shown or any(t.startswith("grad -1.5") for t in shown)
    scripts = [s for s in root.iter() if s.tag.endswith("script")]
    assert scripts, "the page carries its script inline"
    assert not any(s.get("src") for s in scripts), "no external script"
