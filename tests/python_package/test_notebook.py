"""In a real notebook kernel (ipykernel, run by nbclient): `from gradviz import draw_dot`
in a cell displays the figure as SVG, with no Graphviz needed."""

import inspect
import xml.etree.ElementTree as ET

import nbformat
from nbclient import NotebookClient

import conftest


def test_draw_dot_displays_svg_in_a_notebook_cell():
    cells = [
        nbformat.v4.new_markdown_cell("# The lecture's neuron"),
        nbformat.v4.new_code_cell("import math\n" + inspect.getsource(conftest.LectureValue)),
        nbformat.v4.new_code_cell(inspect.getsource(conftest.lecture_neuron)
                                  + "\no, _ = lecture_neuron(Value)\no.backward()"),
        nbformat.v4.new_code_cell("from gradviz import draw_dot\ndraw_dot(o, engine='builtin')"),
        nbformat.v4.new_code_cell("import gradviz\ngradviz.check(o)"),
        nbformat.v4.new_code_cell("x = Value(0.0)\nfor _ in range(3_000):\n    x = x + 1.0\n"
                                  "x.backward()\ndraw_dot(x, engine='builtin')"),
    ]
    notebook = nbformat.v4.new_notebook(cells=cells)
    NotebookClient(notebook, kernel_name="python3", timeout=120).execute()
    figure = notebook.cells[3].outputs
    assert [o["output_type"] for o in figure] == ["execute_result"]
    svg = figure[0]["data"]["image/svg+xml"]
    shown = [t.text for t in ET.fromstring(svg).iter("{http://www.w3.org/2000/svg}text")]
    assert "grad -1.5000" in shown and "data 0.7071" in shown
    report = notebook.cells[4].outputs[0]["data"]
    assert "no mismatches in 10" in report["text/html"]
    overview = notebook.cells[5].outputs
    assert [o["output_type"] for o in overview] == ["stream", "execute_result"], overview
    note = overview[0]["text"]
    assert note.startswith("note: 6,001 values drawn as an overview"), note
    assert "full=True draws every value, depth=N keeps N levels of groups open" in note, note
    assert "--" not in note, "the note names keyword arguments, not the command line's flags"


def test_a_notebook_draws_before_backward_quietly_naming_values_after_its_variables():
    """Issue 27: the lecture draws before backward on purpose, and its values are named
    after the notebook's variables, as `gradviz render lecture.ipynb` names them."""
    cells = [
        nbformat.v4.new_code_cell("import math\n" + inspect.getsource(conftest.LectureValue)),
        nbformat.v4.new_code_cell("a = Value(2.0)\nb = Value(-3.0)\nc = Value(10.0, label='c')\n"
                                  "e = a * b\nd = e + c\nd"),
        nbformat.v4.new_code_cell("import gradviz\nfrom gradviz import draw_dot\n"
                                  "draw_dot(d, engine='builtin')"),
        nbformat.v4.new_code_cell("before = gradviz.snapshot(d)\ngradviz.compare(before, d)"),
        nbformat.v4.new_code_cell("d.backward()\ngradviz.compare(before, d)"),
    ]
    notebook = nbformat.v4.new_notebook(cells=cells)
    NotebookClient(notebook, kernel_name="python3", timeout=120).execute()
    figure = notebook.cells[2].outputs
    assert [o["output_type"] for o in figure] == ["execute_result"], "no warning shown"
    svg = figure[0]["data"]["image/svg+xml"]
    shown = [t.text for t in ET.fromstring(svg).iter("{http://www.w3.org/2000/svg}text")]
    assert {"a", "b", "c", "d", "e", "grad 0.0000"} <= set(shown)
    warned = [o for o in notebook.cells[3].outputs if o["output_type"] == "stream"]
    assert len(warned) == 1 and "no grad differs" in warned[0]["text"]
    assert [o["output_type"] for o in notebook.cells[4].outputs] == ["execute_result"]
