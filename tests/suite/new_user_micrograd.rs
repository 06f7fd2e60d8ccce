//! What a new user tripped over with real micrograd and the lecture's code (issue 27), each
//! through the real binary and what it runs: CPython (the bare user Python, and the one with
//! micrograd 0.1.0 installed), Graphviz's `dot`, and messages in the order they matter.

use crate::support::{fixture, gradviz_in_user_python};

use std::path::{Path, PathBuf};

use crate::support::python;
use crate::support::user_python;
use crate::support::xml;

use assert_cmd::Command;
use python::python;
use user_python::user_python;
use xml::parse_xml;

/// A temporary folder holding a file of that name and text.
fn folder_with(name: &str, text: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join(name);
    std::fs::write(&path, text).expect("write the input");
    (dir, path)
}

/// Runs `cmd`; returns (exit code, stdout, stderr).
fn outcome(cmd: &mut Command) -> (i32, String, String) {
    let out = cmd.output().expect("gradviz runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The files in `dir`, by name.
fn files_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("readable folder")
        .map(|entry| {
            entry
                .expect("entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    names.sort();
    names
}

// ---- 3: views of a real micrograd network ----

/// The lecture's network and loss, with micrograd's own `nn`: run in CPython with
/// micrograd 0.1.0 installed, whose `MLP` labels nothing.
const MICROGRAD_MLP: &str = "\
import random
from micrograd.engine import Value
from micrograd.nn import MLP

random.seed(1337)
n = MLP(3, [4, 4, 1])
xs = [[2.0, 3.0, -1.0], [3.0, -1.0, 0.5], [0.5, 1.0, 1.0], [1.0, 1.0, -1.0]]
ys = [1.0, -1.0, -1.0, 1.0]
ypred = [n(x) for x in xs]
loss = sum((yout - ygt)**2 for ygt, yout in zip(ys, ypred))
loss.backward()
";

/// The DOT of `script` drawn with `args` in `interpreter`, run with micrograd installed;
/// (DOT, stderr).
fn micrograd_dot(script: &Path, interpreter: &str, args: &[&str]) -> (String, String) {
    let (code, dot, err) = outcome(
        gradviz_in_user_python()
            .env("GRADVIZ_PYTHON", python())
            .args(["render", "--format", "dot", "-o", "-", "--interpreter"])
            .arg(interpreter)
            .args(args)
            .arg(script),
    );
    assert_eq!(code, 0, "{interpreter} {args:?}: {err}");
    (dot, err)
}

/// micrograd's `MLP` labels nothing, but its parameters are named by the objects that
/// made them, as the subset's `MLP` labels its own: `--group --fold 1 --color grad` draws
/// one node per neuron, and every figure is the one the subset draws for the same script.
#[test]
fn a_real_micrograd_network_folds_into_its_neurons_as_the_subset_draws_it() {
    let (_dir, script) = folder_with("train.py", MICROGRAD_MLP);
    let view = ["--group", "--fold", "1", "--color", "grad"];
    let (real, err) = micrograd_dot(&script, "python", &view);
    assert!(
        !err.contains("micrograd is not installed"),
        "real micrograd: {err}"
    );
    assert!(!err.contains("changed nothing"), "{err}");
    assert_eq!(real.matches("shape=record").count(), 26, "{real}");
    for neuron in ["l0.n0: ReLU(w·x+b)", "l1.n3: ReLU(w·x+b)", "l2.n0: w·x+b"] {
        let written = neuron.replace('·', "&#183;");
        assert!(real.contains(&written), "{neuron} in {real}");
    }
    let (subset, _) = micrograd_dot(&script, "builtin", &view);
    assert_eq!(real, subset, "the subset draws the same view");
    let (real_plain, _) = micrograd_dot(&script, "python", &[]);
    let (subset_plain, _) = micrograd_dot(&script, "builtin", &[]);
    assert_eq!(real_plain, subset_plain, "and the same plain figure");
    assert!(real_plain.contains("{ l1.n2.w3 | data "), "{real_plain}");
}

/// micrograd's own `Value` has no `label=`, `tanh` or `exp`, the lecture's has: a script
/// that imports micrograd and uses one is answered as CPython answers it, with micrograd
/// installed (its error, in the same words) and without (the lecture's `Value`, which
/// gradviz serves then, draws it, and so does the subset).
#[test]
fn the_lectures_extras_on_micrograds_value_give_what_cpython_gives() {
    let text = "from micrograd.engine import Value\na = Value(0.5, label='a')\n\
                b = a.tanh()\nb.backward()\nprint(a.grad)\n";
    let (_dir, script) = folder_with("extras.py", text);
    let run = |python: &Path, interpreter: &str| {
        outcome(
            gradviz_in_user_python()
                .env("GRADVIZ_PYTHON", python)
                .args(["render", "--format", "dot", "-o", "-", "--interpreter"])
                .arg(interpreter)
                .arg(&script),
        )
    };
    let without_notes = |err: &str| -> String {
        err.lines()
            .filter(|l| !l.starts_with("note:"))
            .map(|l| format!("{l}\n"))
            .collect()
    };
    let (code, dot, err) = run(&python(), "auto");
    assert_eq!(code, 2, "{err}");
    assert!(dot.is_empty());
    assert!(
        err.contains("TypeError: Value.__init__() got an unexpected keyword argument 'label'"),
        "{err}"
    );
    assert!(
        err.contains("extras.py imports micrograd, which is installed"),
        "the note says why CPython runs it: {err}"
    );
    let (python_code, _, python_err) = run(&python(), "python");
    assert_eq!(
        (code, without_notes(&err)),
        (python_code, without_notes(&python_err))
    );
    let (code, dot, err) = run(&user_python(), "auto");
    assert_eq!(code, 0, "{err}");
    let (_, subset_dot, subset_err) = run(&user_python(), "builtin");
    assert_eq!(
        dot, subset_dot,
        "the lecture's Value draws what the subset draws"
    );
    assert_eq!(without_notes(&err), subset_err, "and prints the same");
}

/// micrograd sums a grad's contributions in an order that follows its objects' addresses:
/// a training script that imports it, where it is installed, gets micrograd's numbers to
/// the last bit, as `--interpreter python` gives them (the subset's differed in the last
/// bits of 19 of the 214 numbers of this script's JSON).
#[test]
fn a_training_script_importing_installed_micrograd_gets_its_numbers_to_the_bit() {
    let text = "from micrograd.nn import MLP\nimport random\nrandom.seed(5)\n\
                model = MLP(2, [3, 1])\nxs = [[1.0, -0.5], [0.2, 0.3], [-1.0, 0.8]]\n\
                ys = [1.0, -1.0, 1.0]\nfor step in range(3):\n\
                \x20   loss = sum((model(x) - y) ** 2 for x, y in zip(xs, ys))\n\
                \x20   for p in model.parameters():\n        p.grad = 0.0\n\
                \x20   loss.backward()\n    for p in model.parameters():\n\
                \x20       p.data -= 0.05 * p.grad\n    print(step, loss.data)\n";
    let (_dir, script) = folder_with("train.py", text);
    let run = |interpreter: &str| {
        outcome(
            gradviz_in_user_python()
                .env("GRADVIZ_PYTHON", python())
                .args(["render", "--format", "json", "-o", "-", "--interpreter"])
                .arg(interpreter)
                .arg(&script),
        )
    };
    let (code, json, err) = run("auto");
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("train.py imports micrograd, which is installed"),
        "{err}"
    );
    let (_, from_python, _) = run("python");
    assert_eq!(json, from_python);
}

/// The lecture's own `Neuron`, `Layer` and `MLP` classes are named by their shape too.
#[test]
fn the_lectures_own_network_classes_fold_into_their_neurons() {
    let lecture = fixture("python/lecture_mlp.py");
    let (code, dot, err) = outcome(
        gradviz_in_user_python()
            .args(["render", "--fold", "1", "--format", "dot", "-o", "-"])
            .arg(&lecture),
    );
    assert_eq!(code, 0, "{err}");
    assert!(!err.contains("changed nothing"), "{err}");
    assert_eq!(dot.matches("shape=record").count(), 26, "{dot}");
    assert!(dot.contains("l2.n0: tanh(w&#183;x+b)"), "{dot}");
}

/// A view that finds no groups, or a fold deeper than the groups nest, says so, naming the
/// view, the reason and what to do, in every command that draws one.
#[test]
fn a_view_that_changes_nothing_says_why_and_what_to_do() {
    let json = fixture("neuron.json");
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("out.dot");
    for (command, view) in [
        ("render", &["--group", "--fold", "1"][..]),
        ("compare", &["--fold", "1"][..]),
        ("check", &["--group"][..]),
    ] {
        let (code, _, err) = outcome(
            gradviz_in_user_python()
                .arg(command)
                .args(view)
                .arg("-o")
                .arg(&out)
                .arg(&json),
        );
        assert_eq!(code, 0, "{command}: {err}");
        let asked = view
            .join(" ")
            .replace("--group --fold", "--group and --fold");
        let note = format!("note: {asked} changed nothing: no value has a dotted label");
        assert_eq!(err.matches(&note).count(), 1, "{command}: {err}");
        assert!(err.contains("give values dotted labels"), "{err}");
    }
    let mlp = fixture("mlp.py");
    let (code, _, err) = outcome(
        gradviz_in_user_python()
            .args(["render", "--fold", "2", "-o"])
            .arg(&out)
            .arg(&mlp),
    );
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("note: --fold 2 folds nothing: the labels' groups nest 2 deep, so --fold 1"),
        "{err}"
    );
    let (code, _, err) = outcome(
        gradviz_in_user_python()
            .args(["render", "--group", "--fold", "1", "-o"])
            .arg(&out)
            .arg(&mlp),
    );
    assert_eq!(code, 0, "{err}");
    assert!(
        !err.contains("note:"),
        "a view that works says nothing: {err}"
    );
}

// ---- 4: the engine by what the layout costs ----

/// micrograd's demo network with its L2 term, on the lecture's four rows: folded to one node
/// per neuron it has 391 values, but each parameter's `p*p` joins a running sum hundreds of
/// ranks from its neuron, which `dot` does not lay out within its 60 s timeout.
const DEMO_WITH_L2: &str = "\
import random
random.seed(1337)
n = MLP(2, [16, 16, 1])
xs = [[2.0, 3.0], [3.0, -1.0], [0.5, 1.0], [1.0, 1.0]]
ys = [1.0, -1.0, -1.0, 1.0]
ypred = [n(x) for x in xs]
data_loss = sum((yout - ygt)**2 for ygt, yout in zip(ys, ypred))
reg_loss = 1e-4 * sum(p*p for p in n.parameters())
loss = data_loss + reg_loss
loss.backward()
";

/// `gradviz` with Graphviz's `dot` found on `PATH`, as a user has it.
fn with_dot() -> Command {
    let mut cmd = gradviz_in_user_python();
    cmd.env("PATH", std::env::var_os("PATH").unwrap_or_default());
    cmd
}

/// `auto` weighs the figure's layout (nodes plus the edges' length in ranks), not its
/// values alone: the folded demo goes to the layered engine, saying why, and draws in
/// seconds; the lecture neuron still goes to `dot`.
#[test]
fn a_folded_network_with_long_edges_is_drawn_by_the_layered_engine_and_says_why() {
    let (dir, script) = folder_with("demo.py", DEMO_WITH_L2);
    let svg = dir.path().join("demo.svg");
    let (code, _, err) = outcome(
        with_dot()
            .args(["render", "--fold", "1", "-o"])
            .arg(&svg)
            .arg(&script),
    );
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("note: 391 values, whose edges reach across 679 ranks"),
        "{err}"
    );
    assert!(
        err.contains(
            "past the 15,000 that `dot` lays out in about 2 s: drawn with the layered engine; \
             --engine dot draws with dot anyway"
        ),
        "{err}"
    );
    let drawn = std::fs::read_to_string(&svg).expect("the figure");
    assert!(
        drawn.contains("<g id=\"v0\" class=\"node\">") && !drawn.contains("graphviz"),
        "the layered engine's SVG"
    );
    let neuron = dir.path().join("neuron.svg");
    let (code, _, err) = outcome(
        with_dot()
            .args(["render", "--snapshot", "2", "-o"])
            .arg(&neuron)
            .arg(fixture("neuron.py")),
    );
    assert_eq!(code, 0, "{err}");
    assert!(!err.contains("layered"), "{err}");
    let drawn = std::fs::read_to_string(&neuron).expect("the figure");
    assert!(drawn.contains("Generated by graphviz"), "dot drew it");
}

/// When `dot` runs out of time all the same (asked for by name), the error says to draw
/// with the layered engine first.
#[test]
fn a_dot_timeout_suggests_the_layered_engine() {
    let (dir, script) = folder_with("demo.py", DEMO_WITH_L2);
    let svg = dir.path().join("demo.svg");
    let (code, _, err) = outcome(
        with_dot()
            .args([
                "render",
                "--fold",
                "1",
                "--engine",
                "dot",
                "--timeout",
                "1",
                "-o",
            ])
            .arg(&svg)
            .arg(&script),
    );
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("ran past the 1 s timeout and was stopped"),
        "{err}"
    );
    assert!(
        err.contains(
            "\n  draw it with --engine layered (gradviz's own layout, seconds at any size)"
        ),
        "{err}"
    );
    assert!(!svg.exists());
}

// ---- 17: a notebook's own draw_dot figures show the labels it drew ----

/// micrograd's `trace_graph.ipynb`: its own `trace` and `draw_dot` (records without a label
/// field), the simple example, then a 2D neuron from `micrograd.nn`, rebinding `x` and `y`.
fn trace_graph_notebook() -> String {
    let cells = [
        "from graphviz import Digraph",
        r#"def trace(root):
    nodes, edges = set(), set()
    def build(v):
        if v not in nodes:
            nodes.add(v)
            for child in v._prev:
                edges.add((child, v))
                build(child)
    build(root)
    return nodes, edges

def draw_dot(root):
    dot = Digraph(format='svg', graph_attr={'rankdir': 'LR'})
    nodes, edges = trace(root)
    for n in nodes:
        uid = str(id(n))
        dot.node(name=uid, label="{ data %.4f | grad %.4f }" % (n.data, n.grad), shape='record')
        if n._op:
            dot.node(name=uid + n._op, label=n._op)
            dot.edge(uid + n._op, uid)
    for n1, n2 in edges:
        dot.edge(str(id(n1)), str(id(n2)) + n2._op)
    return dot"#,
        r#"from micrograd.engine import Value
x = Value(1.0)
y = (x * 2 + 1).relu()
y.backward()
draw_dot(y)"#,
        r#"import random
from micrograd import nn
random.seed(1337)
n = nn.Neuron(2)
x = [Value(1.0), Value(-2.0)]
y = n(x)
y.backward()
dot = draw_dot(y)
dot"#,
    ];
    let cells: Vec<serde_json::Value> = cells
        .iter()
        .map(|source| {
            serde_json::json!({"cell_type": "code", "metadata": {}, "outputs": [],
                               "execution_count": null, "source": source})
        })
        .collect();
    serde_json::json!({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 4})
        .to_string()
}

/// Runs gradviz with micrograd installed and `args` (ending in `-o OUT`) on `input`.
fn with_micrograd(args: &[&str], input: &Path) -> String {
    let (code, _, err) = outcome(
        gradviz_in_user_python()
            .env("GRADVIZ_PYTHON", python())
            .args(args)
            .arg(input),
    );
    assert_eq!(code, 0, "{args:?}: {err}");
    err
}

/// Every record's label field in a DOT text (`{ label | data … }`).
fn record_labels(dot: &str) -> Vec<String> {
    dot.lines()
        .filter(|line| line.contains("shape=record"))
        .filter_map(|line| {
            let field = line.split("label=\"{ ").nth(1)?.split(" | ").next()?;
            Some(field.trim().to_string())
        })
        .collect()
}

/// The notebook's own `draw_dot` draws no names, so its figures have none, not `x`, `y#2`
/// or the neuron's `n0.w0`; the JSON and the page keep every name, and a view, gradviz's
/// own figure, groups by them.
#[test]
fn a_notebooks_own_draw_dot_figures_show_only_the_labels_it_drew() {
    let (dir, notebook) = folder_with("trace_graph.ipynb", &trace_graph_notebook());
    let out = |name: &str| dir.path().join(name).display().to_string();
    with_micrograd(
        &["render", "--format", "dot", "-o", &out("f.dot")],
        &notebook,
    );
    for k in [1, 2] {
        let dot = std::fs::read_to_string(out(&format!("f-{k}.dot"))).expect("figure");
        let labels = record_labels(&dot);
        assert!(!labels.is_empty());
        assert!(
            labels.iter().all(String::is_empty),
            "figure {k}: {labels:?}"
        );
    }
    with_micrograd(&["render", "-o", &out("f.json")], &notebook);
    let json = std::fs::read_to_string(out("f-2.json")).expect("JSON");
    for name in ["\"y#2\"", "\"n0.w0\"", "\"n0.b\""] {
        assert!(json.contains(name), "{name} in {json}");
    }
    with_micrograd(&["render", "-o", &out("f.html")], &notebook);
    let page = std::fs::read_to_string(out("f.html")).expect("page");
    assert!(page.contains("y#2"), "the page keeps the names");
    with_micrograd(
        &[
            "render",
            "--snapshot",
            "2",
            "--group",
            "--format",
            "dot",
            "-o",
            &out("g.dot"),
        ],
        &notebook,
    );
    let grouped = std::fs::read_to_string(out("g.dot")).expect("figure");
    assert!(
        grouped.contains("label=\"n0\""),
        "the neuron's group: {grouped}"
    );
    assert!(record_labels(&grouped).contains(&"y#2".to_string()));
}

/// The same script names its values alike in the subset and in CPython, where both draw
/// with gradviz's `draw_dot`; with a `draw_dot` of its own, CPython's figure drops the
/// names that `draw_dot` would not show, and its JSON is still the subset's.
#[test]
fn the_subset_and_cpython_name_values_alike_and_only_the_scripts_own_draw_dot_drops_them() {
    let body = "x = Value(1.0)\ny = (x * 2 + 1).relu()\ny.backward()\ndraw_dot(y)\n\
                y = y * x\ny.backward()\ndraw_dot(y)\n";
    let (dir, script) = folder_with("names.py", body);
    let own = dir.path().join("own.py");
    std::fs::write(
        &own,
        format!("def draw_dot(root):\n    return None\n\n{body}"),
    )
    .expect("write");
    let run = |interpreter: &str, input: &Path, format: &str| -> String {
        let (code, text, err) = outcome(
            gradviz_in_user_python()
                .args(["render", "--snapshot", "2", "-o", "-", "--format", format])
                .args(["--interpreter", interpreter])
                .arg(input),
        );
        assert_eq!(code, 0, "{interpreter} {format}: {err}");
        text
    };
    let subset = run("builtin", &script, "dot");
    assert_eq!(
        record_labels(&subset),
        ["x", "", "", "", "", "y", "y#2"],
        "{subset}"
    );
    assert_eq!(run("python", &script, "dot"), subset);
    let own_figure = run("python", &own, "dot");
    assert!(
        record_labels(&own_figure).iter().all(String::is_empty),
        "{own_figure}"
    );
    assert_eq!(run("python", &own, "json"), run("builtin", &script, "json"));
}

// ---- 14: compare lists each column in the same order in both states ----

/// Each value record's box in a Graphviz SVG, by id: (centre across the ranks, centre
/// along them), that is (x, y) for LR.
fn record_centres(svg: &str) -> std::collections::BTreeMap<u64, (f64, f64)> {
    let doc = parse_xml(svg);
    let mut centres = std::collections::BTreeMap::new();
    for g in doc
        .descendants()
        .filter(|n| n.has_tag_name("g") && n.attribute("class") == Some("node"))
    {
        let title = g.children().find(|c| c.has_tag_name("title"));
        let Some(id) = title
            .and_then(|t| t.text())
            .and_then(|t| t.strip_prefix('v'))
            .and_then(|t| t.parse::<u64>().ok())
        else {
            continue; // op nodes (`v3_op`) and the legend
        };
        let points: Vec<(f64, f64)> = g
            .descendants()
            .filter(|n| n.has_tag_name("polygon"))
            .flat_map(|n| n.attribute("points").unwrap_or_default().split_whitespace())
            .filter_map(|p| p.split_once(','))
            .map(|(x, y)| (x.parse().expect("x"), y.parse().expect("y")))
            .collect();
        let (xs, ys): (Vec<f64>, Vec<f64>) = points.into_iter().unzip();
        let middle = |v: &[f64]| {
            let (low, high) = v
                .iter()
                .fold((f64::MAX, f64::MIN), |(l, h), &x| (l.min(x), h.max(x)));
            (low + high) / 2.0
        };
        centres.insert(id, (middle(&xs), middle(&ys)));
    }
    centres
}

/// For `compare`'s figure drawn by the real `dot` (LR): every value's two copies sit in
/// the same column, and every column lists its values top to bottom in the same order in
/// "before" as in "after". Returns how many pairs of values shared a column.
fn assert_states_aligned(svg: &str, offset: u64) -> usize {
    let centres = record_centres(svg);
    let before: Vec<u64> = centres
        .keys()
        .copied()
        .filter(|&id| id < offset && centres.contains_key(&(id + offset)))
        .collect();
    assert!(!before.is_empty());
    for &id in &before {
        let (x, x_after) = (centres[&id].0, centres[&(id + offset)].0);
        assert!(
            (x - x_after).abs() < 1.0,
            "v{id} in two columns: {x} and {x_after}"
        );
    }
    let mut pairs = 0;
    for &a in &before {
        for &b in before.iter().filter(|&&b| b > a) {
            if (centres[&a].0 - centres[&b].0).abs() >= 1.0 {
                continue;
            }
            pairs += 1;
            let above = centres[&a].1 < centres[&b].1;
            let above_after = centres[&(a + offset)].1 < centres[&(b + offset)].1;
            assert_eq!(
                above, above_after,
                "v{a} and v{b} swap places between the states"
            );
        }
    }
    pairs
}

#[test]
fn compare_lists_every_column_in_the_same_order_in_both_states() {
    let dir = tempfile::tempdir().expect("temp dir");
    let svg = dir.path().join("compare.svg");
    let mlp = fixture("mlp.py");
    for view in [
        &[][..],
        &["--group"][..],
        &["--group", "--fold", "1", "--color", "grad"][..],
    ] {
        let (code, _, err) = outcome(
            with_dot()
                .args(["compare", "--engine", "dot", "-o"])
                .arg(&svg)
                .args(view)
                .arg(&mlp),
        );
        assert_eq!(code, 0, "{view:?}: {err}");
        let drawn = std::fs::read_to_string(&svg).expect("the figure");
        assert!(drawn.contains("Generated by graphviz"), "dot drew it");
        // The network's 394 values are "before" ids 0..394, "after" 394 and up.
        let pairs = assert_states_aligned(&drawn, 394);
        assert!(pairs > 20, "{view:?}: {pairs} pairs share a column");
    }
}

// ---- 15: messages in the order that helps ----

/// A file named `.ipynb` that is not a notebook is refused as such, before gradviz says it
/// is running it anywhere: no "running it in python3" for a file that never runs.
#[test]
fn a_file_that_is_not_a_notebook_is_refused_before_any_note_of_running_it() {
    for (text, says) in [
        (
            "{\"foo\": 1}",
            "bad.ipynb: not a Jupyter notebook (nbformat 4): no \"cells\" list",
        ),
        ("print(1)\n", "bad.ipynb: not a notebook: Expecting value"),
    ] {
        let (dir, notebook) = folder_with("bad.ipynb", text);
        let (code, _, err) = outcome(
            gradviz_in_user_python()
                .arg("render")
                .arg(&notebook)
                .current_dir(&dir),
        );
        assert_eq!(code, 2, "{err}");
        assert!(err.contains(says), "{err}");
        assert!(!err.contains("running it in"), "{err}");
        assert_eq!(files_in(dir.path()), ["bad.ipynb"], "no output");
    }
}

/// A directory given as the input is called a directory, whatever its name looks like.
#[test]
fn a_directory_as_the_input_is_called_a_directory() {
    let dir = tempfile::tempdir().expect("temp dir");
    for name in ["figures", "scripts.py"] {
        let folder = dir.path().join(name);
        std::fs::create_dir(&folder).expect("make the folder");
        for command in ["render", "compare", "check"] {
            let (code, _, err) = outcome(gradviz_in_user_python().arg(command).arg(&folder));
            assert_eq!(code, 2, "{err}");
            assert!(
                err.contains(&format!("{} is a directory", folder.display())),
                "{command} {name}: {err}"
            );
            assert!(!err.contains("extension"), "{err}");
        }
    }
}

/// `-o` naming the input itself is refused as an overwrite, before its extension (`.py`,
/// which is no output format) is complained about; the script is left as it was.
#[test]
fn the_input_as_the_output_is_refused_before_its_extension_is_read() {
    let script = std::fs::read_to_string(fixture("neuron.py")).expect("the fixture");
    let (dir, input) = folder_with("neuron.py", &script);
    for command in ["render", "compare", "check"] {
        for output in ["neuron.py", "./neuron.py"] {
            let (code, _, err) = outcome(
                gradviz_in_user_python()
                    .args([command, "neuron.py", "-o", output])
                    .current_dir(&dir),
            );
            assert_eq!(code, 2, "{command} -o {output}: {err}");
            assert!(err.contains("would overwrite the input"), "{err}");
            assert!(!err.contains("output format"), "{err}");
        }
    }
    assert_eq!(std::fs::read_to_string(&input).unwrap(), script);
    assert_eq!(files_in(dir.path()), ["neuron.py"]);
}

/// `compare` of a script that never calls `backward()` runs it itself to have an "after",
/// and says so; the subset and CPython draw the same comparison and say the same.
#[test]
fn compare_says_when_it_ran_backward_itself_in_either_interpreter() {
    let (_dir, script) = folder_with(
        "nobackward.py",
        "a = Value(2.0, label='a')\nb = a * 3\nc = b.tanh()\n",
    );
    let mut figures = Vec::new();
    for interpreter in ["builtin", "python"] {
        let (code, dot, err) = outcome(
            gradviz_in_user_python()
                .args(["compare", "--format", "dot", "-o", "-", "--interpreter"])
                .arg(interpreter)
                .arg(&script),
        );
        assert_eq!(code, 0, "{interpreter}: {err}");
        assert!(
            err.contains(
                "nobackward.py calls backward() on no value: compare ran it from the value drawn"
            ),
            "{interpreter}: {err}"
        );
        figures.push(dot);
    }
    assert_eq!(figures[0], figures[1], "the same comparison");
    let (code, _, err) = outcome(
        gradviz_in_user_python()
            .args(["compare", "--format", "dot", "-o", "-"])
            .arg(fixture("neuron.py")),
    );
    assert_eq!(code, 0, "{err}");
    assert!(!err.contains("backward() on no value"), "{err}");
}

/// A script that imports a module the interpreter lacks hears which interpreter ran it and
/// how to name another, below the error's place.
#[test]
fn a_missing_module_names_the_interpreter_and_how_to_pick_another() {
    let (_dir, script) = folder_with(
        "train.py",
        "import random\nimport gradviz_no_such_module\nx = Value(1.0)\n",
    );
    let (code, _, err) = outcome(gradviz_in_user_python().arg("render").arg(&script));
    assert_eq!(code, 2, "{err}");
    let python = user_python();
    assert!(
        err.contains("ModuleNotFoundError: No module named 'gradviz_no_such_module'"),
        "{err}"
    );
    let help = err
        .lines()
        .find(|line| line.starts_with("  = help: "))
        .unwrap_or_else(|| panic!("a help line: {err}"));
    assert!(
        help.contains(&format!(
            "the script ran in {} (Python 3.",
            python.display()
        )),
        "{help}"
    );
    assert!(help.contains("--python PATH or GRADVIZ_PYTHON"), "{help}");
    // Any other error is left as it was.
    let (_dir, failing) = folder_with("div.py", "import random\nx = 1 / 0\n");
    let (code, _, err) = outcome(gradviz_in_user_python().arg("render").arg(&failing));
    assert_eq!(code, 2, "{err}");
    assert!(!err.contains("= help"), "{err}");
}
