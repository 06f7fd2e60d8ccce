"""Issue 25: `gradviz.replay(loss)` in a real notebook kernel (nbclient), exported by
nbconvert, and the export opened in a real headless Chromium with no kernel: the replay
steps backward there; the still figure in the same output shows alone where no script runs.
Screenshots go to target/tmp/replay-screenshots/ for a person to look at."""

import html
import inspect
import json
import os
import re
import xml.etree.ElementTree as ET

import nbformat
import pytest
from nbclient import NotebookClient
from nbconvert import HTMLExporter

import conftest
import gradviz
from browser import Browser
from conftest import LectureValue

SVG = "{http://www.w3.org/2000/svg}"
SCREENSHOTS = os.path.join(os.path.dirname(__file__), "..", "..", "target", "tmp",
                           "replay-screenshots")


def texts(svg):
    return [t.text for t in ET.fromstring(svg).iter(SVG + "text")]


def test_replay_gives_the_still_figure_and_the_page_in_one_bundle(neuron):
    o, _ = neuron
    bundle = gradviz.replay(o, engine="builtin")._repr_mimebundle_()
    assert "grad -1.5000" in texts(bundle["image/svg+xml"])
    shown = bundle["text/html"]
    page = html.unescape(re.search(r'srcdoc="([^"]*)"', shown).group(1))
    assert page.startswith("<!DOCTYPE html>") and 'id="gv-data"' in page
    # The still figure sits under the frame, for a frontend that strips it.
    still = re.search(r'<div class="gradviz-still">(.*?)</div>', shown, re.S).group(1)
    assert "grad -1.5000" in texts(still)
    # No network: nothing in the page loads from elsewhere.
    assert not re.search(r'(src|href)="(https?:)?//', page)
    plain = gradviz.draw_dot(o, engine="builtin")._repr_mimebundle_()
    assert "text/html" not in plain
    assert "text/html" in gradviz.draw_dot(o, engine="builtin", replay=True)._repr_mimebundle_()


def test_replay_draws_the_view_asked_for():
    """The page folds as the still figure does: layer `l0` is one node in both, and the
    page still holds every value for its replay, the layer's as one group."""
    w = LectureValue(-3.0, label="l0.n0.w0")
    x = LectureValue(2.0, label="x0")
    b = LectureValue(1.0, label="l0.n0.b")
    act = w * x + b
    act.label = "l0.n0.act"
    o = act.tanh()
    o.label = "o"
    o.backward()
    figure = gradviz.draw_dot(o, fold=0, replay=True, engine="builtin")
    still = texts(figure._repr_mimebundle_()["image/svg+xml"])
    assert "l0: 1 × w·x+b" in still and "l0.n0.w0" not in still, still
    data = json.loads(re.search(r'id="gv-data">(.*?)</script>', figure.to_html(), re.S).group(1))
    [snapshot] = data["snapshots"]
    [group] = snapshot["groups"]
    assert group["title"] == "l0: 1 × w·x+b" and len(group["members"]) == 4, group


def notebook_with_replay():
    cells = [
        nbformat.v4.new_code_cell("import math\n" + inspect.getsource(conftest.LectureValue)),
        nbformat.v4.new_code_cell(inspect.getsource(conftest.lecture_neuron)
                                  + "\no, _ = lecture_neuron(Value)\no.backward()"),
        nbformat.v4.new_code_cell("import gradviz\ngradviz.replay(o, engine='builtin')"),
    ]
    notebook = nbformat.v4.new_notebook(cells=cells)
    NotebookClient(notebook, kernel_name="python3", timeout=120).execute()
    return notebook


@pytest.fixture(scope="module")
def browser():
    browser = Browser()
    yield browser
    browser.close()


def test_the_nbconvert_export_replays_backward_in_chromium(tmp_path, browser):
    notebook = notebook_with_replay()
    output = notebook.cells[2].outputs
    assert [o["output_type"] for o in output] == ["execute_result"]
    assert {"image/svg+xml", "text/html", "text/plain"} <= set(output[0]["data"])
    exported, _ = HTMLExporter().from_notebook_node(notebook)
    path = tmp_path / "replay.html"
    path.write_text(exported, encoding="utf-8")
    os.makedirs(SCREENSHOTS, exist_ok=True)

    browser.navigate(path.as_uri())
    frame = browser.eval("const f = document.querySelector('iframe.gradviz-page');"
                         "const r = f.getBoundingClientRect(); return [r.width, r.height];")
    assert frame[0] > 400 and frame[1] >= 420, "the replay fills the cell: %r" % (frame,)
    browser.eval("document.querySelector('.gradviz-replay').scrollIntoView();")
    browser.enter_frame("iframe.gradviz-page")
    browser.wait_for("return document.documentElement.dataset.ready === 'true'")
    grad = ("return [...document.querySelectorAll('text[id$=\"-g\"]')]"
            ".map(t => t.textContent);")
    assert "grad -1.5000" in browser.eval(grad), "opens at backward's result"
    browser.click("#gv-first")
    assert set(browser.eval(grad)) == {"grad 0.0000"}
    assert browser.eval("return document.getElementById('gv-step-count').textContent") \
        == "step 0 of 6"
    browser.click("#gv-next")
    browser.click("#gv-next")
    lines = browser.eval("return document.getElementById('gv-step-lines').innerText")
    assert "d(o)/d(n) = 1 − o.data² = 1 − 0.7071² = 0.5000" in lines, lines
    assert "n.grad += 0.5000 → 0.5000" in lines, lines
    assert "grad 0.5000" in browser.eval(grad)
    browser.leave_frame()
    browser.screenshot(os.path.join(SCREENSHOTS, "export-step-2.png"))
    browser.enter_frame("iframe.gradviz-page")
    browser.click("#gv-last")
    assert "grad -1.5000" in browser.eval(grad)
    browser.leave_frame()
    # nbconvert's own template asks a CDN for require.js and MathJax; nothing else may fail.
    errors = [e for e in browser.console_errors() if "cdnjs.cloudflare.com" not in e]
    assert errors == []


def test_the_still_figure_alone_shows_the_graph(tmp_path, browser):
    """What GitHub's preview or an untrusted notebook shows: the image/svg+xml output, and
    the HTML output with its frame stripped by a sanitiser."""
    notebook = notebook_with_replay()
    data = notebook.cells[2].outputs[0]["data"]
    stripped = re.sub(r"<iframe.*?</iframe>", "", data["text/html"], flags=re.S)
    (tmp_path / "still.svg").write_text(data["image/svg+xml"], encoding="utf-8")
    page = tmp_path / "still.html"
    page.write_text('<!DOCTYPE html><html><body style="margin:0">'
                    '<img id="image" src="still.svg"><hr>%s</body></html>' % stripped,
                    encoding="utf-8")
    browser.navigate(page.as_uri())
    image = browser.eval("const i = document.getElementById('image');"
                         "return [i.naturalWidth, i.naturalHeight];")
    assert image[0] > 500 and image[1] > 100, image
    inline = browser.eval("const s = document.querySelector('.gradviz-still svg')"
                          ".getBoundingClientRect(); return [s.width, s.height];")
    assert 500 < inline[0] <= browser.eval("return document.body.clientWidth"), inline
    assert inline[1] > 100, inline
    shown = browser.eval("return [...document.querySelectorAll('.gradviz-still text')]"
                         ".map(t => t.textContent)")
    assert "grad -1.5000" in shown
    os.makedirs(SCREENSHOTS, exist_ok=True)
    browser.screenshot(os.path.join(SCREENSHOTS, "still-alone.png"))
