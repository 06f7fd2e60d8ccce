"""The package and the command line share one model (issue 23): errors name the package's
keyword arguments, never the command line's flags; a graph handed over from Python is
checked and normalised as a JSON file's is (`a + a` with `_prev == {a}` is `a` twice); the
compare page is the command line's, with its marks and table of changed grads; and `check`
explains a wrong grad with the chain rule, as `gradviz check` does (issue 25)."""

import os
import subprocess
import xml.etree.ElementTree as ET

import pytest

import gradviz
from conftest import LectureValue, lecture_neuron

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.join(HERE, "..", "..")
XHTML = ""


def test_a_bad_tolerance_is_named_as_its_keyword(neuron):
    o, _ = neuron
    with pytest.raises(ValueError) as error:
        gradviz.check(o, rtol=-1)
    assert str(error.value) == "rtol must be a non-negative number, got -1.0"
    with pytest.raises(ValueError, match=r"^atol must be a non-negative number, got nan$"):
        gradviz.check(o, atol=float("nan"))


def test_an_oversized_figure_suggests_what_python_has():
    x = LectureValue(0.0)
    for _ in range(3_000):
        x = x + 1.0
    with pytest.raises(ValueError) as error:
        gradviz.draw_dot(x, engine="dot", full=True).pipe("svg")
    message = str(error.value)
    assert "fold=DEPTH" in message and "`.source`" in message, message
    assert "--" not in message and "max_nodes" not in message, message


def test_a_large_graph_is_drawn_as_its_overview_unless_full():
    x = LectureValue(0.0)
    for _ in range(3_000):
        x = x + 1.0
    x.label = "total"
    x.backward()
    overview = gradviz.draw_dot(x).pipe("svg").decode()
    assert "6,001 values" in overview, overview[:300]
    assert overview.count('class="node"') <= 3
    assert "rankdir=TB" in gradviz.draw_dot(x, depth=0).source
    assert "rankdir=LR" in gradviz.draw_dot(x, depth=0, rankdir="LR").source
    assert gradviz.draw_dot(x).source.count("shape=record") == 6_001, "the source is every value"
    with pytest.raises(ValueError, match=r"^depth=-1: expected None or a depth"):
        gradviz.draw_dot(x, depth=-1)


def test_refusals_suggest_the_engine_keyword_not_a_flag(neuron, monkeypatch):
    o, _ = neuron
    with pytest.raises(ValueError) as error:
        gradviz.draw_dot(o, engine="builtin").pipe("pdf")
    message = str(error.value)
    assert message == "the builtin engine draws svg and png; PDF needs Graphviz's `dot` " \
        "(engine='dot')", message
    monkeypatch.setenv("GRADVIZ_DOT", os.path.join(HERE, "no-such-dot"))
    with pytest.raises(RuntimeError) as error:
        gradviz.draw_dot(o, engine="dot").pipe("svg")
    message = str(error.value)
    assert message.endswith("or use the embedded renderer with `engine='builtin'`"), message
    assert "--" not in message, message


def test_a_value_added_to_itself_is_checked_as_its_operand_twice():
    """micrograd keeps `_prev` as a set, so `a + a` lists `a` once; the JSON reader reads
    such a `+` as `a` twice, and so does the package now: the `=` bug is caught."""
    a = LectureValue(3.0, label="a")
    b = a + a
    b.label = "b"
    b.backward()
    assert a.grad == 2.0 and gradviz.check(b).ok
    a.grad = 1.0  # what `self.grad = out.grad` (`=` where `+=` belongs) leaves
    report = gradviz.check(b)
    assert [tuple(m) for m in report.mismatches] == [("a", "grad", 1.0, 2.0)]
    assert report.unverified == []
    lines = [line.strip() for line in report.table.splitlines()]
    why = lines[lines.index("why a.grad should be 2.0, not 1.0:") + 1:]
    assert why == [
        "from b (+), operand 1:",
        "d(b)/d(a) = 1",
        "d(b)/d(a) × b.grad = 1.0 × 1.0 = 1.0",
        "a.grad += 1.0 → 1.0",
        "from b (+), operand 2:",
        "d(b)/d(a) = 1",
        "d(b)/d(a) × b.grad = 1.0 × 1.0 = 1.0",
        "a.grad += 1.0 → 1.0 + 1.0 = 2.0",
        "the stored grad 1.0 is the last term alone: `grad = …` where `grad += …` belongs "
        "keeps one contribution and drops the others",
    ]


def test_a_value_with_the_wrong_number_of_operands_is_refused_as_in_json():
    a, b = LectureValue(1.0, label="a"), LectureValue(2.0, label="b")
    t = LectureValue(0.5, (a, b), "tanh")
    with pytest.raises(ValueError, match=r'op "tanh" takes 1 operand, found 2'):
        gradviz.check(t)


def graph(ops, counts, children, roots):
    """The package's graph builder, handed values as its walk lists them."""
    n = len(ops)
    labels = ["v%d" % i for i in range(n)]
    return gradviz._gradviz.Graph(labels, [1.0] * n, [0.0] * n, ops, counts, children, roots)


@pytest.mark.parametrize("counts, children, roots, message", [
    ([0, 1], [1], [1], r"^the graph has a cycle of 1 value\(s\): 'v1' → 'v1' "),
    ([0, 1], [5], [1], r"^value 1: operand 0 is not a value of the graph$"),
    ([0, 1], [0], [7], r"^roots\[0\]: 7 is not a value of the graph$"),
    ([0, 1], [0], [1, 1], r"^roots\[1\]: value 1 is a root already$"),
    ([0, 2], [0], [1], r"^the operand counts add up to more operands than are listed$"),
])
def test_a_bad_graph_is_refused_by_the_json_readers_checks_naming_the_place(
        counts, children, roots, message):
    """The builder goes through the JSON reader's graph checks (`json::build`): every bad
    graph is a ValueError naming the value or root, never a crash."""
    with pytest.raises(ValueError, match=message):
        graph(["", "tanh"], counts, children, roots)


def test_a_graph_without_roots_is_rooted_at_its_sinks_as_in_json():
    built = graph(["", "", "+"], [0, 0, 2], [0, 1], [])
    assert len(built) == 3
    options = {"rankdir": "LR", "precision": 4, "group": False, "fold": None,
               "color": None, "engine": "builtin", "full": False, "depth": None,
               "keep_rankdir": False}
    assert "v2" in gradviz._gradviz.page("t", [("g", built)], options)


def changed_rows(page):
    """The cells after the id of the page's table of changed grads, and the ids the after
    state marks as changed (filled)."""
    root = ET.fromstring(page)
    table = next(t for t in root.iter(XHTML + "table") if t.get("id") == "changed")
    rows = sorted(tuple("".join(td.itertext()) for td in tr.findall(XHTML + "td"))[1:]
                  for tr in table.iter(XHTML + "tr") if tr.findall(XHTML + "td"))
    return rows, page.count('fill="#')


def test_the_compare_page_is_the_command_lines(tmp_path):
    o, _ = lecture_neuron(LectureValue)
    before = gradviz.snapshot(o)
    o.backward()
    page = gradviz.compare(before, o, engine="builtin").to_html()
    binary = os.path.join(os.environ.get("CARGO_TARGET_DIR", os.path.join(REPO, "target")),
                          "debug", "gradviz")
    out = tmp_path / "cli.html"
    subprocess.run([binary, "compare", "--engine", "builtin", "-o", str(out),
                    os.path.join(REPO, "fixtures", "neuron.py")], check=True)
    rows, fills = changed_rows(page)
    # w2's grad stays 0 (x2 is 0): nine of the ten values change.
    assert len(rows) == 9 and ("o", "0.7071", "0.0000", "1.0000") in rows
    assert (rows, fills) == changed_rows(out.read_text())
