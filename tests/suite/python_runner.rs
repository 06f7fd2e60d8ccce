//! Users' own Python, run as written in CPython: the lecture notes with their own `Value`,
//! `trace` and `draw_dot`, the same as a notebook, the lecture's tanh MLP with its training
//! loop, a learner's buggy `Value` under `check`, and every way a run can fail.
//!
//! Scripts run in a bare Python without the graphviz package (`GRADVIZ_TEST_USER_PYTHON`),
//! so the stand-in for `from graphviz import Digraph` is exercised, through the real
//! binary.

use crate::support::{gradviz_in_user_python, python_fixture};

use std::path::{Path, PathBuf};

use crate::support::user_python;
use crate::support::xml;

use assert_cmd::Command;
use predicates::prelude::*;
use user_python::user_python;
use xml::parse_xml;

/// A temporary folder holding a file of that name and text.
fn folder_with(name: &str, text: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join(name);
    std::fs::write(&path, text).expect("write the script");
    (dir, path)
}

fn stdout_of(assert: &assert_cmd::assert::Assert) -> String {
    String::from_utf8(assert.get_output().stdout.clone()).expect("UTF-8 stdout")
}

fn stderr_of(assert: &assert_cmd::assert::Assert) -> String {
    String::from_utf8(assert.get_output().stderr.clone()).expect("UTF-8 stderr")
}

/// The DOT source of snapshot `n` of `input`.
fn dot_of(input: &Path, n: usize, extra: &[&str]) -> String {
    let assert = gradviz_in_user_python()
        .args(["render", "--format", "dot", "-o", "-", "--snapshot"])
        .arg(n.to_string())
        .args(extra)
        .arg(input)
        .assert()
        .success();
    stdout_of(&assert)
}

/// The JSON document gradviz writes for `input`.
fn json_of(input: &Path, extra: &[&str]) -> (serde_json::Value, String) {
    let assert = gradviz_in_user_python()
        .args(["render", "--format", "json", "-o", "-"])
        .args(extra)
        .arg(input)
        .assert()
        .success();
    let document = serde_json::from_str(&stdout_of(&assert)).expect("JSON on stdout");
    (document, stderr_of(&assert))
}

/// A learner's own `Value` (right gradients), pasted above the scripts here.
const VALUE_CLASS: &str = include_str!("../../fixtures/python/learner_value.py");

#[test]
fn the_lecture_notes_render_as_written_with_their_own_value_trace_and_draw_dot() {
    let (dir, script) = folder_with(
        "lecture.py",
        &std::fs::read_to_string(python_fixture("lecture.py")).unwrap(),
    );
    let assert = gradviz_in_user_python()
        .args(["render", "--engine", "builtin"])
        .arg(&script)
        .assert()
        .success();
    let stderr = stderr_of(&assert);
    assert!(
        stderr.contains("lecture.py defines functions; running it in"),
        "{stderr}"
    );
    for k in 1..=4 {
        assert!(
            dir.path().join(format!("lecture-{k}.svg")).exists(),
            "snapshot {k}"
        );
    }
    let svg = std::fs::read_to_string(dir.path().join("lecture-4.svg")).unwrap();
    let texts: Vec<String> = parse_xml(&svg)
        .descendants()
        .filter(|n| n.has_tag_name("text"))
        .filter_map(|n| n.text().map(str::to_string))
        .collect();
    for expected in [
        "x1",
        "grad -1.5000",
        "w1",
        "grad 1.0000",
        "o",
        "data 0.7071",
    ] {
        assert!(
            texts.iter().any(|t| t == expected),
            "{expected} in {texts:?}"
        );
    }
}

/// The notes end on the lecture's neuron after `o.backward()`: node for node, label for
/// label and number for number the figure the built-in subset draws from fixtures/neuron.py.
#[test]
fn the_lecture_notes_draw_the_same_neuron_as_the_subset() {
    let ours = dot_of(&python_fixture("lecture.py"), 4, &[]);
    let subset = dot_of(
        &python_fixture("../neuron.py"),
        2,
        &["--interpreter", "builtin"],
    );
    assert_eq!(ours, subset);
}

#[test]
fn a_notebook_runs_its_code_cells_in_order_and_skips_magics_with_a_note() {
    let assert = gradviz_in_user_python()
        .args(["render", "--format", "dot", "-o", "-", "--snapshot", "4"])
        .arg(python_fixture("lecture.ipynb"))
        .assert()
        .success();
    let stderr = stderr_of(&assert);
    assert!(stderr.contains("lecture.ipynb is a notebook"), "{stderr}");
    assert!(
        stderr.contains("skipped 2 IPython magic and shell lines (cell 2: !pip install graphviz; cell 2: %matplotlib inline)"),
        "{stderr}"
    );
    assert_eq!(
        stdout_of(&assert),
        dot_of(&python_fixture("lecture.py"), 4, &[])
    );
}

/// micrograd's `backward()` visits `_prev` sets, whose order follows memory addresses, so
/// the last bits of a loss trained for 20 steps differ between two `python3` runs of the
/// same file (seen here: ...157665 and ...15766). The figure must show exactly the loss
/// the same run printed, and the loss a separate run prints to within those last bits.
#[test]
fn the_lecture_mlp_trains_and_its_figure_shows_the_loss_it_printed_last() {
    let (document, stderr) = json_of(&python_fixture("lecture_mlp.py"), &[]);
    let printed: Vec<&str> = stderr.lines().filter(|l| l.starts_with("19 ")).collect();
    assert_eq!(printed.len(), 1, "{stderr}");
    assert!(
        stderr.contains("\n0 6.0"),
        "losses are printed as they happen: {stderr}"
    );
    let printed: f64 = printed[0][3..].parse().unwrap();
    let root = &document["roots"][0];
    let nodes = document["nodes"].as_array().unwrap();
    let loss = nodes.iter().find(|n| &n["id"] == root).expect("the root");
    assert_eq!(loss["label"], "loss#20", "the 20th value bound to `loss`");
    assert_eq!(loss["data"].as_f64().unwrap(), printed);

    let direct = std::process::Command::new(user_python())
        .arg(python_fixture("lecture_mlp.py"))
        .output()
        .expect("python runs");
    let text = String::from_utf8(direct.stdout).unwrap();
    let last: f64 = text.lines().last().unwrap()[3..].parse().unwrap();
    assert!(
        (last - printed).abs() <= 1e-12 * last.abs(),
        "{last} vs {printed}"
    );
    assert!(nodes.iter().any(|n| n["op"] == "tanh"));
    assert!(nodes.iter().any(|n| n["op"] == "**2"));
}

#[test]
fn check_names_the_values_a_learners_assignment_and_tanh_bugs_hurt() {
    let assert = gradviz_in_user_python()
        .arg("check")
        .arg(python_fixture("buggy_value.py"))
        .assert()
        .code(1);
    let table = stdout_of(&assert);
    let wrong: Vec<(String, String)> = table
        .lines()
        .skip(1)
        .take_while(|l| !l.starts_with("cause:"))
        .filter_map(|l| {
            let fields: Vec<&str> = l.split_whitespace().collect();
            (fields.len() == 5).then(|| (fields[1].to_string(), fields[2].to_string()))
        })
        .collect();
    assert_eq!(
        wrong,
        [("a".into(), "grad".into()), ("x".into(), "grad".into())],
        "{table}"
    );
}

/// The wrong grads are downstream of two bugs: `check` names the ops whose local backward
/// is wrong (its own grad right, an operand's wrong), outlines them in the figure, and its
/// page is titled by the file, with one table of what only the check knows.
#[test]
fn check_names_the_ops_whose_local_backward_is_wrong_and_marks_them() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (svg, page) = (dir.path().join("c.svg"), dir.path().join("c.html"));
    let assert = gradviz_in_user_python()
        .args(["check", "--engine", "dot", "-o"])
        .arg(&svg)
        .arg(python_fixture("buggy_value.py"))
        .assert()
        .code(1);
    let table = stdout_of(&assert);
    let causes: Vec<&str> = table.lines().filter(|l| l.starts_with("cause: ")).collect();
    assert_eq!(
        causes,
        [
            "cause: the local backward of 'tanh' at #4 gives a wrong grad to x (its own grad agrees)",
            "cause: the local backward of '+' at b gives a wrong grad to a (its own grad agrees)",
        ],
        "{table}"
    );
    let svg = std::fs::read_to_string(&svg).expect("the figure");
    let document = parse_xml(&svg);
    let outlined: Vec<String> = document
        .descendants()
        .filter(|n| n.attribute("class") == Some("node"))
        .filter(|n| {
            n.descendants()
                .any(|d| d.attribute("stroke") == Some("#d9480f"))
        })
        .filter_map(|n| n.descendants().find(|d| d.has_tag_name("title")))
        .filter_map(|t| t.text().map(str::to_string))
        .collect();
    assert_eq!(outlined, ["v1", "v4", "legend_1"], "{svg}");
    gradviz_in_user_python()
        .args(["check", "-o"])
        .arg(&page)
        .arg(python_fixture("buggy_value.py"))
        .assert()
        .code(1);
    let html = std::fs::read_to_string(&page).expect("the page");
    assert!(html.contains("buggy_value.py — gradviz check"), "the title");
    assert_eq!(html.matches("Where the check finds the cause").count(), 1);
    assert!(!html.contains("Wrong numbers"));
}

#[test]
fn check_passes_the_lecture_mlp_after_its_last_backward_before_the_update() {
    gradviz_in_user_python()
        .arg("check")
        .arg(python_fixture("lecture_mlp.py"))
        .assert()
        .success()
        .stdout(predicate::str::contains("ok: no mismatches in 398 node(s)"));
}

#[test]
fn compare_draws_the_graph_before_and_after_the_last_backward() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("c.svg");
    gradviz_in_user_python()
        .args(["compare", "--engine", "builtin", "-o"])
        .arg(&out)
        .arg(python_fixture("lecture_mlp.py"))
        .assert()
        .success();
    let svg = std::fs::read_to_string(&out).unwrap();
    let doc = parse_xml(&svg);
    let texts: Vec<&str> = doc
        .descendants()
        .filter(|n| n.has_tag_name("text"))
        .filter_map(|n| n.text())
        .collect();
    assert!(texts.contains(&"before backward") && texts.contains(&"after backward"));
    assert!(texts.contains(&"grad 1.0000"), "the loss after backward");
}

#[test]
fn an_exception_in_user_code_names_its_place_and_the_user_frames() {
    let text = "def f(x):\n    return 1 / x\n\ny = f(2)\nz = f(0)\n";
    let (dir, script) = folder_with("s.py", text);
    let out = dir.path().join("s.svg");
    let assert = gradviz_in_user_python()
        .args(["render", "-o"])
        .arg(&out)
        .arg(&script)
        .assert()
        .code(2);
    let stderr = stderr_of(&assert);
    let name = script.display().to_string();
    let expected = format!(
        "error: {name}:2:12: ZeroDivisionError: division by zero\n  |\n2 |     return 1 / x\n  |            ^^^^^\n  = traceback, most recent call last:\n      {name}:5 in <module>\n      {name}:2 in f\n"
    );
    assert!(stderr.ends_with(&expected), "{stderr}");
    assert!(!out.exists());
}

#[test]
fn a_syntax_error_is_reported_at_its_place() {
    let (_dir, script) = folder_with("s.py", "x = 1\ndef f(:\n    pass\n");
    let assert = gradviz_in_user_python()
        .arg("render")
        .arg(&script)
        .assert()
        .code(2);
    let stderr = stderr_of(&assert);
    assert!(
        stderr.contains(&format!("error: {}:2:7: SyntaxError: ", script.display())),
        "{stderr}"
    );
    assert!(stderr.contains("2 | def f(:\n"), "{stderr}");
}

#[test]
fn an_error_in_a_notebook_names_its_cell_counting_markdown_cells() {
    let notebook = serde_json::json!({
        "nbformat": 4, "nbformat_minor": 5, "metadata": {},
        "cells": [
            {"cell_type": "markdown", "metadata": {}, "source": ["# title"]},
            {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": null,
             "source": ["%matplotlib inline\n", "a = 1\n"]},
            {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": null,
             "source": ["b = 2\n", "c = b / (a - 1)\n"]},
        ]
    });
    let (_dir, path) = folder_with("nb.ipynb", &notebook.to_string());
    let assert = gradviz_in_user_python()
        .arg("render")
        .arg(&path)
        .assert()
        .code(2);
    let stderr = stderr_of(&assert);
    let expected = format!(
        "error: {}: cell 3, line 2:5: ZeroDivisionError: division by zero\n",
        path.display()
    );
    assert!(stderr.contains(&expected), "{stderr}");
    assert!(stderr.contains("2 | c = b / (a - 1)\n"), "{stderr}");
}

#[test]
fn a_file_that_is_not_a_notebook_is_refused_with_the_reason() {
    let (_dir, path) = folder_with("nb.ipynb", "{\"cells\": ");
    gradviz_in_user_python()
        .arg("render")
        .arg(&path)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("nb.ipynb: not a notebook:"));
}

#[test]
fn a_missing_interpreter_exits_2_and_says_how_to_choose_one() {
    let (dir, script) = folder_with("s.py", "def f():\n    pass\n");
    gradviz_in_user_python()
        .args(["render", "--python", "/nonexistent/python3"])
        .arg(&script)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("cannot be run"))
        .stderr(predicate::str::contains("--python PATH or GRADVIZ_PYTHON"));
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
}

#[test]
fn an_interpreter_that_stops_before_the_script_ends_is_reported() {
    let (dir, script) = folder_with("s.py", "def f():\n    pass\n");
    let fake = dir.path().join("python-fake");
    std::fs::write(&fake, "#!/bin/sh\necho 'Python 2.7' >&2\nexit 3\n").unwrap();
    make_executable(&fake);
    gradviz_in_user_python()
        .arg("render")
        .arg("--python")
        .arg(&fake)
        .arg(&script)
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "stopped before the script finished",
        ))
        .stderr(predicate::str::contains("Python 3.8 or newer"));
}

#[test]
fn a_script_that_ends_python_itself_is_told_so_without_a_version_hint() {
    let (dir, script) = folder_with("s.py", "import os\nx = 1\nos._exit(0)\n");
    let out = dir.path().join("s.svg");
    gradviz_in_user_python()
        .arg("render")
        .arg(&script)
        .arg("-o")
        .arg(&out)
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "before it finished (exit status: 0), as os._exit()",
        ))
        .stderr(predicate::str::contains("3.8").not());
    assert!(!out.exists());
}

#[test]
fn sys_exit_in_a_notebook_cell_is_reported_in_that_cell() {
    let notebook = notebook_with("x = 1\nimport sys; sys.exit(3)\n");
    let (dir, input) = folder_with("nb.ipynb", &notebook);
    gradviz_in_user_python()
        .arg("render")
        .arg(&input)
        .arg("-o")
        .arg(dir.path().join("nb.svg"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "nb.ipynb: cell 2, line 2:13: SystemExit: 3",
        ))
        .stderr(predicate::str::contains("2 | import sys; sys.exit(3)"));
}

fn make_executable(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

#[test]
fn prints_go_to_stderr_as_they_happen_and_stdout_holds_only_the_figure() {
    let text = format!("{VALUE_CLASS}\nprint('hello from the script')\na = Value(2.0)\nb = a * a\nb.backward()\nprint(b.data)\n");
    let (_dir, script) = folder_with("s.py", &text);
    let assert = gradviz_in_user_python()
        .args(["render", "--format", "dot", "-o", "-"])
        .arg(&script)
        .assert()
        .success();
    assert!(stdout_of(&assert).starts_with("digraph gradviz {"));
    let stderr = stderr_of(&assert);
    assert!(stderr.contains("hello from the script\n4.0\n"), "{stderr}");
}

#[test]
fn draw_dot_anywhere_is_a_snapshot_and_what_it_returns_accepts_anything() {
    let text = format!(
        "{VALUE_CLASS}\ndef show(v):\n    dot = draw_dot(v)\n    dot.render('figure', view=True)\n    return dot\n\
         a = Value(1.0)\nfor i in range(3):\n    a = a + 1\n    show(a)\n"
    );
    let (dir, script) = folder_with("s.py", &text);
    gradviz_in_user_python()
        .args(["render", "--format", "dot"])
        .arg(&script)
        .assert()
        .success();
    for k in 1..=3 {
        assert!(
            dir.path().join(format!("s-{k}.dot")).exists(),
            "snapshot {k}"
        );
    }
    assert!(!dir.path().join("figure").exists());
}

#[test]
fn unlabelled_values_take_their_first_module_level_name_and_rebound_names_count_up() {
    let text = format!(
        "{VALUE_CLASS}\na = Value(1.0)\nb = Value(2.0, label='bee')\nc = a + b\nc = c * a\nc.backward()\n"
    );
    let (_dir, script) = folder_with("s.py", &text);
    let labels = |extra: &[&str]| -> Vec<String> {
        let (document, _) = json_of(&script, extra);
        document["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n["label"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(labels(&[]), ["a", "bee", "c", "c#2"]);
    assert_eq!(labels(&["--no-auto-label"]), ["", "bee", "", ""]);
}

#[test]
fn auto_runs_a_script_the_subset_reads_in_the_subset_without_python() {
    let assert = gradviz_in_user_python()
        .args([
            "render",
            "--format",
            "dot",
            "-o",
            "-",
            "--python",
            "/nonexistent",
        ])
        .arg(python_fixture("../neuron.py"))
        .args(["--snapshot", "2"])
        .assert()
        .success();
    assert!(!stderr_of(&assert).contains("note:"));
}

/// `compare` draws the graph just before and just after the last `backward()`, as the
/// script left it: a second `backward()` that doubles the grads, and the optimizer step
/// after it, are drawn alike by the subset and by CPython.
#[test]
fn compare_draws_the_last_backward_as_the_script_ran_it_in_both_interpreters() {
    let (_dir, script) = folder_with(
        "s.py",
        "a = Value(3.0, label='a')\nb = a * a\nb.backward()\nb.backward()\n\
         a.data -= 0.1 * a.grad\n",
    );
    let dot = |interpreter: &str| {
        let assert = gradviz_in_user_python()
            .args(["compare", "--format", "dot", "-o", "-", "--interpreter"])
            .arg(interpreter)
            .arg(&script)
            .assert()
            .success();
        String::from_utf8(assert.get_output().stdout.clone()).expect("UTF-8 DOT")
    };
    let subset = dot("builtin");
    assert!(
        subset.contains("{ a | data 3.0000 | grad 6.0000 }"),
        "before: {subset}"
    );
    assert!(
        subset.contains("{ a | data 3.0000 | grad 12.0000 }"),
        "after: {subset}"
    );
    assert_eq!(subset, dot("python"));
}

/// A script with no value to draw or compare is told so in the same words, and prints the
/// same, whichever interpreter ran it.
#[test]
fn nothing_to_draw_reads_the_same_from_the_subset_and_cpython() {
    let (_dir, script) = folder_with("s.py", "import math\nprint(math.pi)\n");
    for (command, action) in [
        ("render", "draw"),
        ("compare", "compare"),
        ("check", "check"),
    ] {
        let run = |interpreter: &str| {
            let assert = gradviz_in_user_python()
                .args([command, "--interpreter", interpreter])
                .arg(&script)
                .assert()
                .code(2);
            stderr_of(&assert)
                .lines()
                .filter(|l| !l.starts_with("note:"))
                .collect::<Vec<_>>()
                .join("\n")
        };
        let subset = run("builtin");
        assert!(
            subset.starts_with("3.14159") && subset.contains(&format!("nothing to {action}: ")),
            "{subset}"
        );
        assert_eq!(subset, run("python"), "{command}");
    }
}

#[test]
fn a_script_of_comments_alone_is_empty_in_both_interpreters() {
    let (_dir, script) = folder_with("s.py", "# nothing yet\n\n    # indented\n");
    for interpreter in ["builtin", "python"] {
        gradviz_in_user_python()
            .args(["render", "--interpreter", interpreter])
            .arg(&script)
            .assert()
            .code(2)
            .stderr(predicate::str::contains("s.py: the script is empty"));
    }
}

/// `check` verifies the graph a script left just after its last `backward()`, and says the
/// same whichever interpreter ran it: backward run twice or thrice, never run, and right.
#[test]
fn check_reads_the_same_from_the_subset_and_cpython() {
    let neuron =
        "a = Value(2.0, label='a')\nw = Value(-3.0, label='w')\nb = (a * w).tanh() + a**2\n";
    for (script, code, says) in [
        (
            "a = Value(2.0, label='a')\nb = a * a\nb.backward()\nb.backward()\n".to_string(),
            1,
            "cause: these grads are what 2 backward() calls from b leave",
        ),
        (
            format!("{neuron}b.label = 'b'\nfor _ in range(3):\n    b.backward()\n"),
            1,
            "cause: these grads are what 3 backward() calls from b leave",
        ),
        (
            format!("{neuron}print(b)\n"),
            1,
            "cause: every grad is 0: backward() has not run from b",
        ),
        (
            format!("{neuron}b.backward()\n"),
            0,
            "ok: every grad agrees with its finite difference",
        ),
    ] {
        let (_dir, path) = folder_with("s.py", &script);
        let run = |interpreter: &str| {
            let assert = gradviz_in_user_python()
                .args(["check", "--interpreter", interpreter])
                .arg(&path)
                .assert()
                .code(code);
            let stderr = stderr_of(&assert);
            let stderr: Vec<&str> = stderr.lines().filter(|l| !l.starts_with("note:")).collect();
            (stdout_of(&assert), stderr.join("\n"))
        };
        let subset = run("builtin");
        assert!(subset.0.contains(says), "{script}\n{}", subset.0);
        assert_eq!(subset, run("python"), "{script}");
    }
}

#[test]
fn interpreter_builtin_refuses_what_the_subset_cannot_read() {
    let (_dir, script) = folder_with("s.py", "def f(x):\n    return x\n");
    gradviz_in_user_python()
        .args(["render", "--interpreter", "builtin"])
        .arg(&script)
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "function definitions are not supported",
        ));
}

#[test]
fn a_script_on_stdin_runs_in_cpython_too() {
    let text = std::fs::read_to_string(python_fixture("lecture.py")).unwrap();
    let assert = gradviz_in_user_python()
        .args([
            "render",
            "-",
            "--input-format",
            "py",
            "--format",
            "dot",
            "-o",
            "-",
            "--snapshot",
            "4",
        ])
        .write_stdin(text)
        .assert()
        .success();
    assert_eq!(
        stdout_of(&assert),
        dot_of(&python_fixture("lecture.py"), 4, &[])
    );
}

/// Far past Python's recursion limit of 1,000: the walk that exports the graph uses a stack.
#[test]
fn a_graph_200_000_deep_exports_from_cpython() {
    let text = format!(
        "{VALUE_CLASS}\nx = Value(0.0)\nfor i in range(200000):\n    x = x + 1.0\nx.backward()\n"
    );
    let (_dir, script) = folder_with("deep.py", &text);
    let (document, _) = json_of(&script, &[]);
    let nodes = document["nodes"].as_array().unwrap();
    assert_eq!(nodes.len(), 400_001);
    assert_eq!(nodes[0]["grad"].as_f64(), Some(1.0));
}

/// Ctrl-C reaches the terminal's whole foreground process group: gradviz, the Python it
/// runs and whatever that started. All of them end, and no output is written.
#[test]
fn ctrl_c_ends_the_script_and_its_children_and_writes_nothing() {
    use std::os::unix::process::CommandExt;

    let dir = tempfile::tempdir().unwrap();
    let pid_file = dir.path().join("sleep.pid");
    let text = format!(
        "import subprocess, sys, time\nchild = subprocess.Popen(['sleep', '60'])\n\
         open({:?}, 'w').write(str(child.pid))\nprint('ready', flush=True)\n\
         while True:\n    time.sleep(0.05)\n",
        pid_file.display().to_string()
    );
    let script = dir.path().join("forever.py");
    std::fs::write(&script, text).unwrap();
    let out = dir.path().join("forever.svg");
    let mut gradviz = std::process::Command::new(assert_cmd::cargo::cargo_bin("gradviz"));
    gradviz
        .args(["render", "-o"])
        .arg(&out)
        .arg(&script)
        .env("GRADVIZ_PYTHON", user_python())
        .stderr(std::process::Stdio::null())
        .process_group(0);
    // A terminal's Ctrl-C reaches processes that take SIGINT's default action; a test
    // harness started in the background (`cmd &` in a script) ignores it, and the ignoring
    // would be inherited by gradviz and Python.
    // SAFETY: signal(2) is async-signal-safe, as pre_exec requires.
    unsafe {
        gradviz.pre_exec(|| {
            libc::signal(libc::SIGINT, libc::SIG_DFL);
            Ok(())
        });
    }
    let mut child = gradviz.spawn().expect("gradviz starts");
    let started = std::time::Instant::now();
    while !pid_file.exists() || std::fs::read_to_string(&pid_file).unwrap().is_empty() {
        assert!(started.elapsed().as_secs() < 60, "the script never started");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let sleep_pid: i32 = std::fs::read_to_string(&pid_file).unwrap().parse().unwrap();
    let group = child.id() as i32;
    // SAFETY: kill(2) on a process group this test created.
    assert_eq!(unsafe { libc::kill(-group, libc::SIGINT) }, 0);
    let status = child.wait().expect("gradviz ends");
    assert!(!status.success());
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    // SAFETY: signal 0 only asks whether the process exists.
    while unsafe { libc::kill(sleep_pid, 0) } == 0 && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let alive = unsafe { libc::kill(sleep_pid, 0) } == 0;
    assert!(
        !alive || is_zombie(sleep_pid),
        "the script's child outlived Ctrl-C"
    );
    assert!(!out.exists());
}

/// A child that ended but was not yet reaped (its parent died first) shows state Z.
fn is_zombie(pid: i32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .map(|stat| {
            stat.rsplit(')')
                .next()
                .unwrap_or("")
                .trim_start()
                .starts_with('Z')
        })
        .unwrap_or(true)
}

#[test]
fn micrograd_draw_dot_keywords_turn_that_snapshot_and_a_bad_rankdir_fails_at_its_line() {
    let script = format!(
        "{VALUE_CLASS}\ndef draw_dot(root, format='svg', rankdir='LR'):\n    pass\n\
         a = Value(2.0)\nb = a * a\ndraw_dot(b, rankdir='BT')\ndraw_dot(b, format='svg')\n"
    );
    let (_dir, path) = folder_with("asks.py", &script);
    let rankdir = |dot: &str| {
        ["LR", "TB", "RL", "BT"]
            .into_iter()
            .find(|r| dot.contains(&format!("rankdir={r} ")))
            .expect("a rankdir")
    };
    assert_eq!(rankdir(&dot_of(&path, 1, &[])), "BT");
    assert_eq!(rankdir(&dot_of(&path, 2, &[])), "LR");
    assert_eq!(rankdir(&dot_of(&path, 1, &["--rankdir", "TB"])), "TB");

    let bad = script.replace("rankdir='BT'", "rankdir='bt'");
    let line = bad
        .lines()
        .position(|l| l.contains("'bt'"))
        .expect("the call")
        + 1;
    let (dir, path) = folder_with("bad.py", &bad);
    let out = dir.path().join("bad.svg");
    gradviz_in_user_python()
        .args(["render", "-o"])
        .arg(&out)
        .arg(&path)
        .assert()
        .code(2)
        .stderr(predicate::str::contains(format!(
            "bad.py:{line}:1: ValueError: draw_dot(): rankdir must be 'LR', 'TB', 'RL' or 'BT'"
        )));
    assert!(!out.exists());
}

#[test]
fn a_script_the_subset_starts_but_cannot_finish_prints_once_from_cpython() {
    // The subset runs the first lines while it parses, then meets the class: the script
    // goes to CPython, and only CPython's prints are shown.
    let text =
        format!("print('from the top')\nx = 2.0\n{VALUE_CLASS}\nv = Value(x)\nprint(v.data)\n");
    let (_dir, script) = folder_with("s.py", &text);
    let assert = gradviz_in_user_python()
        .args(["render", "--format", "dot", "-o", "-"])
        .arg(&script)
        .assert()
        .success();
    let stderr = stderr_of(&assert);
    assert_eq!(stderr.matches("from the top").count(), 1, "{stderr}");
    assert!(stderr.contains("s.py defines classes"), "{stderr}");
    assert!(stderr.contains("from the top\n2.0\n"), "{stderr}");
}

#[test]
fn a_subset_script_prints_in_order_before_its_error() {
    let text = "print('first')\nx = 1 / 0\nprint('never')\n";
    let (_dir, script) = folder_with("s.py", text);
    let assert = gradviz_in_user_python()
        .args(["render", "-o", "-", "--interpreter", "builtin"])
        .arg(&script)
        .assert()
        .code(2);
    let stderr = stderr_of(&assert);
    assert!(stderr.starts_with("first\nerror: "), "{stderr}");
    assert!(stderr.contains("s.py:2:7: division by zero"), "{stderr}");
    assert!(!stderr.contains("never"), "{stderr}");
}

/// `print('first')`, then the lecture's chain for well over the 64 KB from which the
/// subset parses on a second thread while it runs, then `tail`.
fn long_script(tail: &str) -> String {
    let mut text = String::from("print('first')\nx = Value(1.0, label='x')\n");
    for i in 0..2000 {
        text.push_str(&format!(
            "x = x * Value(0.999, label='w{i}') + Value(0.001, label='b{i}')\n"
        ));
    }
    text + tail
}

/// Python compiles the whole file first: a syntax error on the last line of a long script
/// is its error, and the lines before it, which the subset ran while it parsed, print
/// nothing, in the subset and in CPython alike.
#[test]
fn a_syntax_error_at_the_end_of_a_long_script_is_the_error_and_nothing_prints() {
    let (_dir, script) = folder_with("s.py", &long_script("x.backward()\nc = (\n"));
    for (interpreter, error) in [
        ("builtin", "s.py:2004:5: '(' was never closed"),
        ("auto", "SyntaxError"),
    ] {
        let assert = gradviz_in_user_python()
            .args(["render", "--format", "json", "-o", "-", "--interpreter"])
            .arg(interpreter)
            .arg(&script)
            .assert()
            .code(2);
        let stderr = stderr_of(&assert);
        assert!(stderr.contains(error), "{interpreter}: {stderr}");
        assert!(!stderr.contains("first"), "{interpreter}: {stderr}");
        assert!(stdout_of(&assert).is_empty(), "{interpreter}");
    }
}

/// A long script the fit check hands to CPython at its last line has run in the subset
/// while it was parsed: its prints are CPython's alone, once.
#[test]
fn a_long_script_handed_to_cpython_at_its_end_prints_once() {
    let text = long_script("x.backward()\ndef f():\n    return 1\nprint(f())\n");
    let (_dir, script) = folder_with("s.py", &text);
    let (document, stderr) = json_of(&script, &[]);
    assert!(stderr.contains("s.py defines functions"), "{stderr}");
    assert_eq!(stderr.matches("first\n").count(), 1, "{stderr}");
    assert!(stderr.contains("first\n1\n"), "{stderr}");
    assert_eq!(document["nodes"].as_array().map(Vec::len), Some(8001));
}

/// A long script that fits prints once, from the subset, and draws the graph that a
/// short run of the same lines draws.
#[test]
fn a_long_script_in_the_subset_prints_once_and_draws_its_whole_chain() {
    let text = long_script("x.backward()\nprint(x.grad)\n");
    let (_dir, script) = folder_with("s.py", &text);
    let (document, stderr) = json_of(&script, &[]);
    assert_eq!(stderr, "first\n1\n");
    let nodes = document["nodes"].as_array().expect("nodes");
    assert_eq!(nodes.len(), 8001);
    assert_eq!(nodes[8000]["label"], "x#2000");
    assert_eq!(nodes[3]["label"], "b0");
}

/// Under `--interpreter auto` a runtime error in the subset is answered by CPython: the
/// script prints once (from CPython) and the error is Python's own.
#[test]
fn a_runtime_error_in_the_subset_is_pythons_own_error_with_the_prints_once() {
    let text = "print('first')\nx = Value(1.0) / 0\nprint('never')\n";
    let (_dir, script) = folder_with("s.py", text);
    let assert = gradviz_in_user_python()
        .args(["render", "-o", "-"])
        .arg(&script)
        .assert()
        .code(2);
    let stderr = stderr_of(&assert);
    assert!(
        stderr.contains("stops the built-in subset at 2:16"),
        "{stderr}"
    );
    assert_eq!(stderr.matches("first\n").count(), 1, "{stderr}");
    assert!(stderr.contains("s.py:2:5: ZeroDivisionError"), "{stderr}");
    assert!(!stderr.contains("never"), "{stderr}");
}

/// The IndentationErrors and TabError for which CPython gives `end_offset = -1` or `0`,
/// once "the runner's summary is unreadable": each placed, with the line and a caret, as
/// CPython 3.9 and later place them (3.8 puts the TabError at column 7).
#[test]
fn indentation_errors_cpython_gives_no_end_for_are_placed_with_a_caret() {
    let cases = [
        (
            "a = Value(1.0)\n   b = a * 2\n",
            ":2:3: IndentationError: unexpected indent\n  |\n2 |    b = a * 2\n  |   ^\n",
        ),
        (
            "if True:\n        x = 1\n\ty = 2\n",
            ":3:1: TabError: inconsistent use of tabs and spaces in indentation\n  |\n\
             3 | \ty = 2\n  | ^\n",
        ),
        (
            "if True:\n        x = 1\n    y = 2\n",
            ":3:10: IndentationError: unindent does not match any outer indentation level\n  \
             |\n3 |     y = 2\n  |          ^\n",
        ),
    ];
    for (text, expected) in cases {
        let (dir, script) = folder_with("bad_indent.py", text);
        let out = dir.path().join("out.svg");
        let assert = gradviz_in_user_python()
            .args(["render", "-o"])
            .arg(&out)
            .arg(&script)
            .assert()
            .code(2);
        let stderr = stderr_of(&assert);
        let expected = format!("error: {}{expected}", script.display());
        assert!(stderr.ends_with(&expected), "{stderr}");
        assert!(!out.exists());
    }
}

/// The lecture's `class Value` continued in a second cell: its indented `def` is an
/// IndentationError at that cell's first line.
#[test]
fn a_class_split_over_two_notebook_cells_is_an_indentation_error_in_the_second() {
    let notebook = serde_json::json!({
        "nbformat": 4, "nbformat_minor": 5, "metadata": {},
        "cells": [
            {"cell_type": "markdown", "metadata": {}, "source": ["# Value"]},
            {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": null,
             "source": ["class Value:\n", "    def __init__(self, data):\n",
                        "        self.data = data\n"]},
            {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": null,
             "source": ["    def __add__(self, other):\n",
                        "        return Value(self.data + other.data)\n"]},
        ]
    });
    let (dir, path) = folder_with("split.ipynb", &notebook.to_string());
    let out = dir.path().join("out.svg");
    let assert = gradviz_in_user_python()
        .args(["render", "-o"])
        .arg(&out)
        .arg(&path)
        .assert()
        .code(2);
    let stderr = stderr_of(&assert);
    let expected = format!(
        "error: {}: cell 3, line 1:4: IndentationError: unexpected indent\n  |\n\
         1 |     def __add__(self, other):\n  |    ^\n",
        path.display()
    );
    assert!(stderr.ends_with(&expected), "{stderr}");
    assert!(!out.exists());
}

/// Every kind of syntax error CPython 3.8–3.13 raises: a name for failures, the source, and
/// whether it is also tried as a notebook cell.
fn syntax_errors() -> Vec<(&'static str, Vec<u8>, bool)> {
    let nested_ifs: String = (0..101)
        .map(|depth| format!("{}if x:\n", " ".repeat(depth)))
        .chain([format!("{}pass\n", " ".repeat(101))])
        .collect();
    let nested_fors: String = (0..50)
        .map(|depth| format!("{}for x{depth} in y:\n", " ".repeat(depth)))
        .chain([format!("{}pass\n", " ".repeat(50))])
        .collect();
    let parentheses = format!("x = {}1{}\n", "(".repeat(201), ")".repeat(201));
    let cases: Vec<(&str, Vec<u8>, bool)> = vec![
        ("invalid syntax", b"x = 1\ny = = 2\n".into(), true),
        ("invalid syntax, keyword", b"class = 1\n".into(), false),
        (
            "invalid syntax, CRLF",
            b"x = 1\r\ny = = 2\r\n".into(),
            false,
        ),
        (
            "invalid syntax after a BOM",
            b"\xef\xbb\xbfx = 1\ny = = 2\n".into(),
            false,
        ),
        (
            "unexpected indent",
            b"a = Value(1.0)\n   b = a * 2\n".into(),
            true,
        ),
        (
            "unexpected indent, tab",
            b"a = Value(1.0)\n\tb = 2\n".into(),
            false,
        ),
        (
            "expected a block after 'if'",
            b"if True:\nx = 1\n".into(),
            true,
        ),
        (
            "expected a block after 'for'",
            b"for i in range(3):\nx = 1\n".into(),
            false,
        ),
        (
            "expected a block after 'while'",
            b"while True:\nx = 1\n".into(),
            false,
        ),
        (
            "expected a block after def",
            b"def f():\nreturn 1\n".into(),
            false,
        ),
        (
            "expected a block after class",
            b"class Value:\nx = 1\n".into(),
            false,
        ),
        (
            "expected a block at the end",
            b"class Value:\n".into(),
            true,
        ),
        (
            "expected a block after 'else'",
            b"for x in y:\n    pass\nelse:\npass\n".into(),
            false,
        ),
        (
            "unindent does not match",
            b"if True:\n        x = 1\n    y = 2\n".into(),
            true,
        ),
        (
            "TabError",
            b"if True:\n        x = 1\n\ty = 2\n".into(),
            true,
        ),
        ("too many levels of indentation", nested_ifs.into(), false),
        (
            "too many statically nested blocks",
            nested_fors.into(),
            false,
        ),
        ("unterminated string literal", b"x = 'abc\n".into(), true),
        (
            "unterminated triple-quoted string",
            b"x = 1\ny = '''abc\n\nz = 2\n".into(),
            true,
        ),
        ("'(' was never closed", b"x = (1,\ny = 2\n".into(), true),
        (
            "'[' was never closed at the end",
            b"x = [1, 2\n".into(),
            false,
        ),
        ("unmatched ')'", b"x = 1)\n".into(), false),
        ("closing ']' does not match '('", b"x = (1]\n".into(), false),
        ("invalid character", "x = 1 \u{20ac} 2\n".into(), true),
        ("smart quote", "x = \u{2018}a\u{2019}\n".into(), false),
        ("invalid decimal literal", b"x = 1abc\n".into(), false),
        ("invalid decimal literal, __", b"x = 1__0\n".into(), false),
        ("leading zeros", b"x = 012\n".into(), false),
        ("invalid digit in octal", b"x = 0o8\n".into(), false),
        ("cannot assign to literal", b"1 = x\n".into(), false),
        ("cannot assign to function call", b"f() = 1\n".into(), false),
        ("cannot assign to expression", b"a + b = 1\n".into(), false),
        ("cannot assign to None", b"None = 1\n".into(), false),
        (
            "cannot assign to __debug__",
            b"__debug__ = 1\n".into(),
            false,
        ),
        (
            "cannot assign in a for target",
            b"for 1 in x:\n    pass\n".into(),
            false,
        ),
        (
            "'return' outside function",
            b"x = 1\nreturn x\n".into(),
            true,
        ),
        ("'break' outside loop", b"break\n".into(), false),
        ("'continue' not in loop", b"continue\n".into(), false),
        ("'await' outside function", b"await x\n".into(), false),
        ("'yield' outside function", b"yield 1\n".into(), false),
        (
            "'return' with value in async generator",
            b"async def f():\n    yield 1\n    return 2\n".into(),
            false,
        ),
        (
            "positional argument follows keyword",
            b"f(a=1, 2)\n".into(),
            false,
        ),
        ("keyword argument repeated", b"f(a=1, a=2)\n".into(), false),
        (
            "generator expression must be parenthesized",
            b"f(x for x in y, 1)\n".into(),
            false,
        ),
        (
            "f-string: expecting '}'",
            b"print(f'{x.data')\n".into(),
            true,
        ),
        ("f-string: empty expression", b"x = f'{}'\n".into(), false),
        ("f-string: single '}'", b"x = f'}'\n".into(), false),
        (
            "bytes with a non-ASCII character",
            "x = b'\u{e9}'\n".into(),
            false,
        ),
        (
            "bytes with an invalid \\x escape",
            b"x = b'\\x4'\n".into(),
            false,
        ),
        ("unknown \\N{} name", b"x = '\\N{nope}'\n".into(), false),
        (
            "Missing parentheses in call to 'print'",
            b"print \"x\"\n".into(),
            true,
        ),
        ("too many nested parentheses", parentheses.into(), false),
        ("null byte", b"x = 1\ny = 2\0\n".into(), true),
        (
            "non-UTF-8 byte in a string",
            b"x = 1\ny = '\xff'\n".into(),
            false,
        ),
        ("non-UTF-8 byte in code", b"x = 1\n\xff = 2\n".into(), false),
        (
            "unknown encoding",
            b"# coding: nonsense\nx = 1\n".into(),
            false,
        ),
        ("nonlocal at module level", b"nonlocal x\n".into(), false),
        (
            "parameter and nonlocal",
            b"def f(x):\n    nonlocal x\n".into(),
            false,
        ),
        (
            "duplicate argument",
            b"def f(a, a):\n    pass\n".into(),
            true,
        ),
        (
            "non-default argument follows default",
            b"def f(a=1, b):\n    pass\n".into(),
            false,
        ),
        (
            "named arguments must follow bare *",
            b"def f(*):\n    pass\n".into(),
            false,
        ),
        ("can't use starred expression", b"*a\n".into(), false),
        ("starred assignment target", b"*a = 1\n".into(), false),
        (
            "multiple starred expressions",
            b"*a, *b = c\n".into(),
            false,
        ),
        (
            "assignment expression with attribute",
            b"(a.b := 1)\n".into(),
            false,
        ),
        (
            "assignment expression as a statement",
            b"x := 1\n".into(),
            false,
        ),
        ("cannot delete literal", b"del 1\n".into(), false),
        ("cannot delete function call", b"del f()\n".into(), false),
        ("lone else", b"x = 1\nelse:\n    pass\n".into(), true),
        ("lone elif", b"elif x:\n    pass\n".into(), false),
        ("forgot a comma", b"x = [1 2]\n".into(), false),
        ("expected ':'", b"if x\n    pass\n".into(), false),
        (
            "expected 'else' in a conditional",
            b"x = 1 if y\n".into(),
            false,
        ),
        (
            "expected 'except' or 'finally'",
            b"try:\n    pass\nx = 1\n".into(),
            false,
        ),
        (
            "default 'except:' must be last",
            b"try:\n    pass\nexcept:\n    pass\nexcept ValueError:\n    pass\n".into(),
            false,
        ),
        ("illegal augmented assignment", b"a, b += 1\n".into(), false),
        (
            "import * in a function",
            b"def f():\n    from os import *\n".into(),
            false,
        ),
        (
            "assigned before global declaration",
            b"def f():\n    x = 1\n    global x\n".into(),
            false,
        ),
        (
            "from __future__ import braces",
            b"from __future__ import braces\n".into(),
            false,
        ),
        (
            "__future__ import not first",
            b"x = 1\nfrom __future__ import division\n".into(),
            false,
        ),
        (
            "unexpected character after \\",
            b"x = 1 \\ 2\n".into(),
            false,
        ),
        ("unexpected EOF after \\", b"x = 1 + \\".into(), false),
    ];
    cases
}

/// CPython's answer for each source, compiled as bytes (a script) and as text (a cell):
/// `[type, msg, lineno, offset]`, or null where it compiles or is not UTF-8.
const COMPILE_EACH: &str = r#"
import json, sys

def refusal(source):
    try:
        compile(source, "case", "exec")
    except (SyntaxError, ValueError, MemoryError) as error:  # 3.8: too many parentheses
        return [type(error).__name__, getattr(error, "msg", None) or str(error),
                getattr(error, "lineno", None), getattr(error, "offset", None)]
    return None

out = []
for numbers in json.load(sys.stdin):
    source = bytes(numbers)
    try:
        text = source.decode("utf-8")
    except UnicodeDecodeError:
        text = None
    out.append([refusal(source), None if text is None else refusal(text)])
json.dump(out, sys.stdout)
"#;

/// A syntax error as gradviz must report it, from CPython's own answer.
struct Refusal {
    kind: String,
    message: String,
    line: Option<i64>,
    column: Option<i64>,
}

impl Refusal {
    /// From `[type, msg, lineno, offset]`, or null where CPython compiles the source.
    /// CPython says nothing of where a null byte is (and before 3.11 calls it a
    /// ValueError): gradviz places the SyntaxError at the first.
    fn new(answer: &serde_json::Value, source: &[u8]) -> Option<Refusal> {
        let positive = |n: &serde_json::Value| n.as_i64().filter(|&n| n > 0);
        let (line, column) = match positive(&answer[2]) {
            Some(line) => (Some(line), positive(&answer[3])),
            None => match first_null_byte(source) {
                Some((line, column)) => (Some(line), Some(column)),
                None => (None, None),
            },
        };
        let kind = match answer[0].as_str()? {
            "ValueError" => "SyntaxError",
            kind => kind,
        };
        Some(Refusal {
            kind: kind.to_owned(),
            message: answer[1].as_str().expect("a message").to_owned(),
            line,
            column,
        })
    }

    /// `error: FILE:LINE:COL: KIND: message`, or `FILE: cell N, line L:C` in a notebook,
    /// with as much of the place as is known.
    fn first_line(&self, file: &str, cell: Option<usize>) -> String {
        let mut place = match (cell, self.line) {
            (Some(cell), Some(line)) => format!("{file}: cell {cell}, line {line}"),
            (Some(cell), None) => format!("{file}: cell {cell}"),
            (None, Some(line)) => format!("{file}:{line}"),
            (None, None) => file.to_owned(),
        };
        if let (Some(_), Some(column)) = (self.line, self.column) {
            place.push_str(&format!(":{column}"));
        }
        match self.message.as_str() {
            "" => format!("error: {place}: {}", self.kind),
            message => format!("error: {place}: {}: {message}", self.kind),
        }
    }
}

/// The line and character column (from 1) of the first null byte.
fn first_null_byte(source: &[u8]) -> Option<(i64, i64)> {
    let before = String::from_utf8_lossy(&source[..source.iter().position(|&b| b == 0)?]);
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().unwrap_or("").chars().count() + 1;
    Some((line as i64, column as i64))
}

/// What CPython (the one gradviz runs) says of each source: as a script, as a cell.
fn cpython_refusals(sources: &[&[u8]]) -> Vec<(Option<Refusal>, Option<Refusal>)> {
    let input = serde_json::to_string(sources).expect("sources serialize");
    let assert = Command::new(user_python())
        .args(["-c", COMPILE_EACH])
        .write_stdin(input)
        .assert()
        .success();
    let answers: Vec<serde_json::Value> =
        serde_json::from_str(&stdout_of(&assert)).expect("JSON answers");
    answers
        .iter()
        .zip(sources)
        .map(|(answer, source)| {
            (
                Refusal::new(&answer[0], source),
                Refusal::new(&answer[1], source),
            )
        })
        .collect()
}

/// A notebook: a markdown cell, then `code` as cell 2.
fn notebook_with(code: &str) -> String {
    serde_json::json!({
        "nbformat": 4, "nbformat_minor": 5, "metadata": {},
        "cells": [
            {"cell_type": "markdown", "metadata": {}, "source": ["# Syntax errors"]},
            {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": null,
             "source": code},
        ]
    })
    .to_string()
}

/// What is wrong with gradviz's answer for `input` (`refusal` expected, in `cell` of a
/// notebook), run with `--interpreter interpreter`; nothing when it is right.
fn refusal_problems(
    input: &Path,
    interpreter: &str,
    refusal: &Refusal,
    cell: Option<usize>,
) -> Vec<String> {
    let out = input.with_file_name("out.svg");
    let output = gradviz_in_user_python()
        .args(["render", "--interpreter", interpreter, "-o"])
        .arg(&out)
        .arg(input)
        .output()
        .expect("gradviz runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    let first = refusal.first_line(&input.display().to_string(), cell);
    let mut problems = Vec::new();
    if output.status.code() != Some(2) {
        problems.push(format!("exit {:?}", output.status.code()));
    }
    if !stderr.lines().any(|line| line == first) {
        problems.push(format!("no line {first:?}"));
    }
    let caret = |line: &str| {
        line.trim_start().strip_prefix("| ").is_some_and(|rest| {
            let marks = rest.trim_start_matches([' ', '\t']);
            !marks.is_empty() && marks.chars().all(|c| c == '^')
        })
    };
    if let (Some(line), Some(_)) = (refusal.line, refusal.column) {
        if !stderr.lines().any(|l| l.starts_with(&format!("{line} | ")))
            || !stderr.lines().any(caret)
        {
            problems.push("no source line and caret".to_owned());
        }
    }
    for word in ["unreadable", "panicked"] {
        if stderr.contains(word) {
            problems.push(format!("says {word:?}"));
        }
    }
    if out.exists() {
        problems.push("wrote out.svg".to_owned());
    }
    if problems.is_empty() {
        return problems;
    }
    vec![format!(
        "{}: {}\n{stderr}",
        problems.join("; "),
        interpreter
    )]
}

/// Each syntax error, in a script and (some) in a notebook cell, with `--interpreter
/// python` and `auto`: `error: PLACE: KIND: message` as CPython places and names it, the
/// line and a caret where it knows the column, exit 2 and no figure.
#[test]
fn every_kind_of_syntax_error_is_placed_and_named_as_cpython_says() {
    let cases = syntax_errors();
    let sources: Vec<&[u8]> = cases
        .iter()
        .map(|(_, source, _)| source.as_slice())
        .collect();
    let refusals = cpython_refusals(&sources);
    let mut failures = Vec::new();
    for ((name, source, in_cell), (as_script, as_cell)) in cases.iter().zip(&refusals) {
        let as_script = as_script
            .as_ref()
            .unwrap_or_else(|| panic!("{name}: CPython compiles it"));
        let dir = tempfile::tempdir().expect("temp dir");
        let script = dir.path().join("s.py");
        std::fs::write(&script, source).expect("write the script");
        let notebook = dir.path().join("nb.ipynb");
        let cell = as_cell.as_ref().filter(|_| *in_cell);
        if cell.is_some() {
            let text = std::str::from_utf8(source).expect("a cell is text");
            std::fs::write(&notebook, notebook_with(text)).expect("write the notebook");
        }
        for interpreter in ["python", "auto"] {
            let mut problems = refusal_problems(&script, interpreter, as_script, None);
            if let Some(refusal) = cell {
                problems.extend(refusal_problems(&notebook, interpreter, refusal, Some(2)));
            }
            failures.extend(problems.into_iter().map(|p| format!("{name}: {p}")));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// CPython reads a script by its coding line: a Latin-1 file, and a UTF-8 file that says
/// it is Latin-1, run there (the subset reads UTF-8 only) and get their labels as CPython
/// decodes them.
#[test]
fn a_script_with_another_encoding_runs_in_cpython_as_it_decodes_it() {
    let cases: [(&[u8], &str, &str); 2] = [
        (
            b"# -*- coding: latin-1 -*-\na = Value(2.0, label='caf\xe9')\nb = a * a\n",
            "caf\u{e9}",
            "s.py is not UTF-8; running it in",
        ),
        (
            "# coding: latin-1\na = Value(2.0, label='caf\u{e9}')\nb = a * a\n".as_bytes(),
            "caf\u{c3}\u{a9}",
            "s.py declares the encoding latin-1; running it in",
        ),
    ];
    for (text, label, note) in cases {
        let dir = tempfile::tempdir().expect("temp dir");
        let script = dir.path().join("s.py");
        std::fs::write(&script, text).expect("write the script");
        let (document, stderr) = json_of(&script, &[]);
        assert_eq!(document["nodes"][0]["label"], label, "{stderr}");
        assert!(stderr.contains(note), "{stderr}");
        gradviz_in_user_python()
            .args(["render", "--interpreter", "builtin"])
            .arg(&script)
            .assert()
            .code(2)
            .stderr(predicate::str::contains(
                "the built-in subset reads UTF-8 only: drop --interpreter builtin",
            ));
    }
}

/// `viz.draw_dot(root)` is an object's own method, whatever the script's globals hold:
/// its figure is labelled as that method would label it (no auto-label), where the
/// built-in `draw_dot` shows the subset's names.
#[test]
fn a_draw_dot_method_of_the_scripts_own_is_not_the_built_in_one() {
    let text = "class Viz:\n    def draw_dot(self, root):\n        pass\n\
                viz = Viz()\na = Value(2.0)\nviz.draw_dot(a)\ndraw_dot(a)\n";
    let (_dir, script) = folder_with("v.py", text);
    let own = dot_of(&script, 1, &[]);
    let built_in = dot_of(&script, 2, &[]);
    assert!(own.contains("v0[label=\"{  | data 2.0000"), "{own}");
    assert!(
        built_in.contains("v0[label=\"{ a | data 2.0000"),
        "{built_in}"
    );
}

/// Where no CPython can be started, a script the subset stops at a runtime error gets the
/// subset's own error, after what it printed; and a script declaring UTF-8 in another
/// spelling (`utf8`, `UTF_8`) is read by the subset.
#[test]
fn with_no_cpython_the_subsets_own_error_stands_and_utf8_cookies_stay_in_the_subset() {
    let (_dir, script) = folder_with("s.py", "print('first')\nx = Value(1.0) / 0\n");
    let assert = gradviz_in_user_python()
        .args(["render", "-o", "-", "--python", "/nonexistent/python3"])
        .arg(&script)
        .assert()
        .code(2);
    let stderr = stderr_of(&assert);
    assert!(stderr.starts_with("first\nerror: "), "{stderr}");
    assert!(stderr.contains("s.py:2:16:"), "{stderr}");
    for cookie in ["# -*- coding: utf8 -*-", "# coding: UTF_8"] {
        let text = format!("{cookie}\na = Value(2.0)\n");
        let (_dir, script) = folder_with("c.py", &text);
        gradviz_in_user_python()
            .args([
                "render",
                "--interpreter",
                "builtin",
                "--format",
                "dot",
                "-o",
                "-",
            ])
            .arg(&script)
            .assert()
            .success();
    }
}

/// A `Value` whose `_prev` is a set and that has no `backward` yet (the lecture's first
/// steps): its set's order follows memory addresses, which differ from run to run.
const FORWARD_ONLY: &str = "class Value:
    def __init__(self, data, _children=(), _op='', label=''):
        self.data = data
        self.grad = 0.0
        self._prev = set(_children)
        self._op = _op
        self.label = label

    def __add__(self, other):
        return Value(self.data + other.data, (self, other), '+')

    def __mul__(self, other):
        return Value(self.data * other.data, (self, other), '*')

a = Value(2.0, label='a')
b = Value(-3.0, label='b')
c = Value(10.0, label='c')
d = a * b + c
f = Value(-2.0, label='f')
L = d * f
draw_dot(L)
";

/// Runs `gradviz args…` in CPython under several hash seeds (and none), returning each
/// run's stdout and stderr.
fn runs_under_hash_seeds(python: &Path, args: &[&std::ffi::OsStr]) -> Vec<(Vec<u8>, Vec<u8>)> {
    [None, Some("0"), Some("1"), Some("12345"), None]
        .into_iter()
        .map(|seed| {
            let mut cmd = crate::support::gradviz();
            cmd.env("GRADVIZ_PYTHON", python).args(args);
            match seed {
                Some(seed) => cmd.env("PYTHONHASHSEED", seed),
                None => cmd.env_remove("PYTHONHASHSEED"),
            };
            let output = cmd.output().expect("gradviz runs");
            assert!(output.status.success(), "{output:?}");
            (output.stdout, output.stderr)
        })
        .collect()
}

/// Same input, same bytes, in CPython too: a script's own `Value` and real micrograd keep
/// `_prev` as a set, iterated in address order, which moved both the figure's operand
/// order and (through the script's own backward) the last bits of every grad and loss.
#[test]
fn scripts_with_set_prev_give_the_same_bytes_on_every_run_whatever_the_hash_seed() {
    let (_dir, forward_only) = folder_with("forward_only.py", FORWARD_ONLY);
    let lecture_mlp = python_fixture("lecture_mlp.py");
    let micrograd_mlp = crate::support::fixture("mlp.py");
    let cases: [(PathBuf, Vec<&std::ffi::OsStr>); 3] = [
        (
            user_python(),
            vec!["check".as_ref(), lecture_mlp.as_os_str()],
        ),
        (
            user_python(),
            vec![
                "render".as_ref(),
                "--format".as_ref(),
                "json".as_ref(),
                "-o".as_ref(),
                "-".as_ref(),
                forward_only.as_os_str(),
            ],
        ),
        (
            crate::support::python::python(),
            vec![
                "render".as_ref(),
                "--interpreter".as_ref(),
                "python".as_ref(),
                "--format".as_ref(),
                "json".as_ref(),
                "-o".as_ref(),
                "-".as_ref(),
                micrograd_mlp.as_os_str(),
            ],
        ),
    ];
    for (python, args) in cases {
        let runs = runs_under_hash_seeds(&python, &args);
        assert!(!runs[0].0.is_empty(), "{args:?} wrote nothing");
        for run in &runs[1..] {
            assert!(run == &runs[0], "{args:?}: the runs differ");
        }
    }
}
