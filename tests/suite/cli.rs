//! The `gradviz` binary end to end: every command, the options that shape output, and every
//! error path (exit codes, messages, no file left behind).

use crate::support::{fixture, gradviz};

use std::path::{Path, PathBuf};

use crate::support::python;
use crate::support::xml;

use predicates::prelude::*;
use python::python;
use xml::parse_xml;

/// A temporary directory holding a copy of a fixture.
fn workdir_with(name: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join(name);
    std::fs::copy(fixture(name), &path).expect("copy fixture");
    (dir, path)
}

/// The `<text>` contents of an SVG, in document order.
fn svg_texts(svg: &str) -> Vec<String> {
    parse_xml(svg)
        .descendants()
        .filter(|n| n.has_tag_name("text"))
        .map(|n| n.text().unwrap_or_default().to_string())
        .collect()
}

/// Runs `gradviz ARGS -o OUT INPUT`, the shape of most command lines here.
fn run_to(args: &[&str], out: &Path, input: &Path) -> assert_cmd::assert::Assert {
    gradviz().args(args).arg("-o").arg(out).arg(input).assert()
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn render_writes_one_figure_per_snapshot_beside_the_script() {
    let (dir, script) = workdir_with("neuron.py");
    gradviz()
        .arg("render")
        .arg(&script)
        .arg("--engine")
        .arg("builtin")
        .assert()
        .success();
    let before = svg_texts(&read(&dir.path().join("neuron-1.svg")));
    let after = svg_texts(&read(&dir.path().join("neuron-2.svg")));
    assert!(before.contains(&"grad 0.0000".to_string()), "{before:?}");
    assert!(after.contains(&"grad -1.5000".to_string()), "{after:?}");
    assert!(after.contains(&"tanh".to_string()));
    assert!(!dir.path().join("neuron.svg").exists());
}

#[test]
fn render_one_snapshot_to_a_named_file_with_the_dot_binary() {
    let (dir, script) = workdir_with("neuron.py");
    let out = dir.path().join("after.svg");
    run_to(
        &["render", "--snapshot", "2", "--engine", "dot"],
        &out,
        &script,
    )
    .success();
    let texts = svg_texts(&read(&out));
    assert!(texts.contains(&"data 0.7071".to_string()), "{texts:?}");
    assert!(texts.contains(&"grad 0.5000".to_string()));
}

#[test]
fn render_dot_to_stdout_is_deterministic() {
    let run = || {
        gradviz()
            .args(["render", "--snapshot", "2", "--format", "dot", "-o", "-"])
            .arg(fixture("neuron.py"))
            .output()
            .expect("runs")
    };
    let first = run();
    assert!(first.status.success());
    let text = String::from_utf8(first.stdout.clone()).expect("utf-8");
    assert!(text.starts_with("digraph"), "{text}");
    assert!(text.contains("rankdir=LR"));
    assert_eq!(first.stdout, run().stdout);
}

#[test]
fn rankdir_and_precision_reach_the_figure() {
    gradviz()
        .args([
            "render",
            "--snapshot",
            "2",
            "--format",
            "dot",
            "-o",
            "-",
            "--rankdir",
            "TB",
            "--precision",
            "2",
        ])
        .arg(fixture("neuron.py"))
        .assert()
        .success()
        .stdout(
            predicate::str::contains("rankdir=TB").and(predicate::str::contains("grad -1.50 ")),
        );
}

#[test]
fn no_auto_label_leaves_intermediates_blank() {
    let source = "a = Value(2.0)\nb = a * a\n";
    let with = gradviz()
        .args([
            "render",
            "-",
            "--input-format",
            "py",
            "--format",
            "json",
            "-o",
            "-",
        ])
        .write_stdin(source)
        .output()
        .expect("runs");
    let without = gradviz()
        .args([
            "render",
            "-",
            "--input-format",
            "py",
            "--format",
            "json",
            "-o",
            "-",
            "--no-auto-label",
        ])
        .write_stdin(source)
        .output()
        .expect("runs");
    let labels = |out: &[u8]| -> Vec<String> {
        let json: serde_json::Value = serde_json::from_slice(out).expect("json");
        json["nodes"]
            .as_array()
            .expect("nodes")
            .iter()
            .map(|n| n["label"].as_str().unwrap_or("").to_string())
            .collect()
    };
    assert_eq!(labels(&with.stdout), ["a", "b"]);
    assert_eq!(labels(&without.stdout), ["", ""]);
}

#[test]
fn script_to_json_to_dot_equals_script_to_dot() {
    let (dir, script) = workdir_with("neuron.py");
    let json = dir.path().join("neuron.json");
    run_to(&["render", "--snapshot", "2"], &json, &script).success();
    let direct = gradviz()
        .args(["render", "--snapshot", "2", "--format", "dot", "-o", "-"])
        .arg(&script)
        .output()
        .expect("runs");
    let via_json = gradviz()
        .args(["render", "--format", "dot", "-o", "-"])
        .arg(&json)
        .output()
        .expect("runs");
    assert!(
        via_json.status.success(),
        "{}",
        String::from_utf8_lossy(&via_json.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&direct.stdout),
        String::from_utf8_lossy(&via_json.stdout)
    );
}

#[test]
fn png_and_pdf_come_out_of_the_engines() {
    let (dir, script) = workdir_with("neuron.py");
    let png = dir.path().join("n.png");
    run_to(
        &["render", "--snapshot", "1", "--engine", "builtin"],
        &png,
        &script,
    )
    .success();
    assert!(std::fs::read(&png).expect("png").starts_with(b"\x89PNG"));
    let pdf = dir.path().join("n.pdf");
    run_to(
        &["render", "--snapshot", "1", "--engine", "dot"],
        &pdf,
        &script,
    )
    .success();
    assert!(std::fs::read(&pdf).expect("pdf").starts_with(b"%PDF"));
}

#[test]
fn out_dir_collects_several_inputs() {
    let (dir, script) = workdir_with("neuron.py");
    let readme = dir.path().join("micrograd_readme.py");
    std::fs::copy(fixture("micrograd_readme.py"), &readme).expect("copy");
    let out = dir.path().join("figures");
    gradviz()
        .args(["render", "--format", "dot", "--out-dir"])
        .arg(&out)
        .arg(&script)
        .arg(&readme)
        .assert()
        .success();
    assert!(out.join("neuron-1.dot").exists());
    assert!(out.join("neuron-2.dot").exists());
    assert!(out.join("micrograd_readme.dot").exists());
}

#[test]
fn a_bad_script_exits_2_with_its_place_and_writes_nothing() {
    let dir = tempfile::tempdir().expect("temp dir");
    let script = dir.path().join("bad.py");
    std::fs::write(&script, "a = Value(1.0)\nb = a + c\n").expect("write");
    gradviz()
        .args(["render", "--interpreter", "builtin"])
        .arg(&script)
        .assert()
        .code(2)
        .stderr(predicate::str::starts_with("error: ").and(predicate::str::contains("bad.py:2:9")))
        .stderr(predicate::str::contains("unknown name 'c'"));
    gradviz()
        .arg("render")
        .arg(&script)
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "bad.py:2:9: NameError: name 'c' is not defined",
        ));
    assert_eq!(
        std::fs::read_dir(dir.path()).expect("dir").count(),
        1,
        "only the script is there"
    );
}

#[test]
fn a_failure_keeps_the_previous_output() {
    let dir = tempfile::tempdir().expect("temp dir");
    let script = dir.path().join("s.py");
    let out = dir.path().join("s.svg");
    std::fs::write(&script, "x = Value(1.0) +\n").expect("write");
    std::fs::write(&out, "previous").expect("write");
    gradviz()
        .arg("render")
        .arg(&script)
        .arg("-o")
        .arg(&out)
        .assert()
        .code(2);
    assert_eq!(read(&out), "previous");
}

#[test]
fn the_input_is_never_the_output() {
    let (_dir, script) = workdir_with("neuron.py");
    let before = read(&script);
    run_to(
        &["render", "--format", "dot", "--snapshot", "1"],
        &script,
        &script,
    )
    .code(2)
    .stderr(predicate::str::contains("overwrite the input"));
    assert_eq!(read(&script), before);
}

#[test]
fn usage_errors_exit_2() {
    gradviz()
        .args(["render", "a.py", "b.py", "-o", "x.svg"])
        .assert()
        .code(2);
    gradviz()
        .args(["render", "-", "-o", "x.svg"])
        .write_stdin("")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--input-format"));
    gradviz()
        .args(["render", "missing.py"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("missing.py"));
    gradviz().args(["render", "x.txt"]).assert().code(2);
    gradviz()
        .args(["render", "--snapshot", "9", "--format", "dot", "-o", "-"])
        .arg(fixture("neuron.py"))
        .assert()
        .code(2);
    gradviz()
        .args(["render", "--snapshot", "0"])
        .arg(fixture("neuron.py"))
        .assert()
        .code(2);
    gradviz()
        .args(["render", "--format", "dot", "-o", "-"])
        .arg(fixture("neuron.py"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--snapshot"));
    gradviz()
        .args(["render", "-o", "x.weird"])
        .arg(fixture("neuron.py"))
        .assert()
        .code(2);
    gradviz().arg("frobnicate").assert().code(2);
}

#[test]
fn a_missing_dot_explains_how_to_install_graphviz() {
    gradviz()
        .args([
            "render",
            "--engine",
            "dot",
            "--dot",
            "/nonexistent/dot",
            "--snapshot",
            "1",
            "-o",
            "-",
        ])
        .arg(fixture("neuron.py"))
        .assert()
        .code(1)
        .stderr(predicate::str::contains("apt-get install graphviz"));
}

#[test]
fn a_slow_dot_is_killed_at_the_timeout() {
    let dir = tempfile::tempdir().expect("temp dir");
    let fake = dir.path().join("slow-dot");
    std::fs::write(&fake, "#!/bin/sh\nsleep 30\n").expect("write");
    std::fs::set_permissions(&fake, std::os::unix::fs::PermissionsExt::from_mode(0o755))
        .expect("chmod");
    let out = dir.path().join("x.svg");
    let started = std::time::Instant::now();
    gradviz()
        .args([
            "render",
            "--engine",
            "dot",
            "--timeout",
            "1",
            "--snapshot",
            "1",
            "--dot",
        ])
        .arg(&fake)
        .arg("-o")
        .arg(&out)
        .arg(fixture("neuron.py"))
        .assert()
        .code(1)
        .stderr(predicate::str::contains("timeout").or(predicate::str::contains("timed out")));
    assert!(started.elapsed().as_secs() < 20, "the child was not killed");
    assert!(!out.exists());
}

#[test]
fn compare_draws_both_states_in_one_figure() {
    let (dir, script) = workdir_with("neuron.py");
    gradviz()
        .args(["compare", "--engine", "builtin"])
        .arg(&script)
        .assert()
        .success();
    let svg = read(&dir.path().join("neuron-compare.svg"));
    let texts = svg_texts(&svg);
    assert!(texts.contains(&"before backward".to_string()), "{texts:?}");
    assert!(texts.contains(&"after backward".to_string()));
    assert!(texts.contains(&"grad 0.0000".to_string()));
    assert!(texts.contains(&"grad -1.5000".to_string()));
}

#[test]
fn compare_page_holds_both_figures_and_the_table() {
    let (dir, script) = workdir_with("neuron.py");
    let page = dir.path().join("neuron.html");
    run_to(&["compare", "--engine", "builtin"], &page, &script).success();
    let html = read(&page);
    let doc = parse_xml(&html);
    let svgs = doc.descendants().filter(|n| n.has_tag_name("svg")).count();
    assert_eq!(svgs, 2);
    let rows: Vec<Vec<String>> = doc
        .descendants()
        .filter(|n| n.has_tag_name("tbody"))
        .flat_map(|b| b.children().filter(|r| r.has_tag_name("tr")))
        .map(|r| {
            r.children()
                .filter(|c| c.has_tag_name("td"))
                .map(|c| c.text().unwrap_or("").to_string())
                .collect()
        })
        .collect();
    assert!(
        rows.iter()
            .any(|r| r[1] == "x1" && r[3] == "0.0000" && r[4] == "-1.5000"),
        "{rows:?}"
    );
    assert!(
        rows.iter().all(|r| r[1] != "w2"),
        "w2's grad stays 0: {rows:?}"
    );
}

#[test]
fn check_passes_a_correct_script_and_prints_a_table() {
    gradviz()
        .arg("check")
        .arg(fixture("neuron.py"))
        .assert()
        .success()
        .stdout(predicate::str::contains("finite differences").and(predicate::str::contains("x1")));
}

#[test]
fn completions_version_and_help() {
    gradviz()
        .args(["completions", "bash"])
        .assert()
        .success()
        .stdout(predicate::str::contains("gradviz"));
    gradviz()
        .arg("--version")
        .assert()
        .success()
        .stdout(predicate::str::contains(env!("CARGO_PKG_VERSION")));
    for command in ["render", "compare", "check"] {
        gradviz()
            .args([command, "--help"])
            .assert()
            .success()
            .stdout(predicate::str::contains("Examples:"));
    }
}

#[test]
fn check_flags_a_json_graph_from_a_buggy_engine() {
    gradviz()
        .arg("check")
        .arg(fixture("buggy_reuse.json"))
        .assert()
        .code(1)
        .stdout(predicate::str::contains("2 mismatch(es)").and(predicate::str::contains("-8.0")));
    gradviz()
        .arg("check")
        .arg(fixture("neuron.json"))
        .assert()
        .success()
        .stdout(predicate::str::contains("ok"));
}

#[test]
fn check_draws_the_wrong_nodes_marked() {
    let dir = tempfile::tempdir().expect("temp dir");
    let marked = dir.path().join("marked.svg");
    run_to(
        &["check", "--engine", "builtin"],
        &marked,
        &fixture("buggy_reuse.json"),
    )
    .code(1);
    let texts = svg_texts(&read(&marked));
    assert!(
        texts.iter().any(|t| t == "expected grad -8.0000"),
        "{texts:?}"
    );
    assert!(
        texts.iter().any(|t| t.contains("disagrees")),
        "the legend says what the mark means"
    );
}

/// A wrong grad is explained with the chain rule in numbers, term by term: where the stored
/// grad is the last term alone, the `=` where `+=` belongs shows.
#[test]
fn check_explains_a_wrong_grad_with_the_chain_rule() {
    let assert = gradviz()
        .arg("check")
        .arg(fixture("buggy_reuse.json"))
        .assert()
        .code(1);
    let out = String::from_utf8_lossy(&assert.get_output().stdout).into_owned();
    let why = out
        .split("why b.grad should be -8.0, not -2.0:\n")
        .nth(1)
        .unwrap_or_else(|| panic!("no explanation of b: {out}"));
    let lines: Vec<&str> = why.lines().map(str::trim).collect();
    assert_eq!(
        lines,
        [
            "from e (+), operand 2:",
            "d(e)/d(b) = 1",
            "d(e)/d(b) × e.grad = 1.0 × -6.0 = -6.0",
            "b.grad += -6.0 → -6.0",
            "from d (*), operand 2:",
            "d(d)/d(b) = a.data = -2.0",
            "d(d)/d(b) × d.grad = -2.0 × 1.0 = -2.0",
            "b.grad += -2.0 → -6.0 + (-2.0) = -8.0",
            "the stored grad -2.0 is the last term alone: `grad = …` where `grad += …` belongs \
             keeps one contribution and drops the others",
        ],
        "{out}"
    );
}

#[test]
fn check_options_are_validated() {
    gradviz()
        .args(["check", "--rtol=-1"])
        .arg(fixture("neuron.json"))
        .assert()
        .code(2)
        .stderr("error: --rtol must be a non-negative number, got -1.0\n");
    gradviz()
        .args(["check", "--atol", "10"])
        .arg(fixture("buggy_reuse.json"))
        .assert()
        .success();
}

#[test]
fn a_bad_json_graph_exits_2_with_its_path() {
    let dir = tempfile::tempdir().expect("temp dir");
    let graph = dir.path().join("g.json");
    std::fs::write(
        &graph,
        r#"{"format":"gradviz","version":1,"nodes":[{"id":0,"data":1.0,"grad":0.0,"op":"+","children":[0,7]}]}"#,
    )
    .expect("write");
    gradviz()
        .arg("render")
        .arg(&graph)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("nodes[0].children[1]"));
    assert!(!dir.path().join("g.svg").exists());
}

/// A graph built and exported in CPython with micrograd 0.1.0 (PyPI) renders and checks.
#[test]
fn graphs_exported_from_micrograd_render_and_check() {
    let dir = tempfile::tempdir().expect("temp dir");
    for graph in ["neuron", "mlp"] {
        let json = dir.path().join(format!("{graph}.json"));
        let status = std::process::Command::new(python())
            .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/python/interop_graphs.py"))
            .args(["micrograd", graph])
            .arg(&json)
            .status()
            .expect("python runs");
        assert!(status.success());
        gradviz()
            .args(["render", "--engine", "dot"])
            .arg(&json)
            .assert()
            .success();
        assert!(read(&dir.path().join(format!("{graph}.svg"))).contains("<svg"));
        gradviz().arg("check").arg(&json).assert().success();
    }
}

#[test]
fn a_network_draws_grouped_and_folded() {
    let dot = gradviz()
        .args([
            "render", "--group", "--fold", "1", "--color", "grad", "--format", "dot", "-o", "-",
        ])
        .arg(fixture("mlp.py"))
        .output()
        .expect("runs");
    assert!(
        dot.status.success(),
        "{}",
        String::from_utf8_lossy(&dot.stderr)
    );
    let text = String::from_utf8(dot.stdout).expect("utf-8");
    assert!(text.contains("subgraph cluster"), "clusters drawn");
    assert!(
        text.contains("l0.n0: ReLU(w&#183;x+b)"),
        "neurons folded into summaries"
    );
    assert!(
        text.contains("linear scale") || text.contains("log scale"),
        "a legend says the scale"
    );
    let plain = gradviz()
        .args(["render", "--format", "dot", "-o", "-"])
        .arg(fixture("mlp.py"))
        .output()
        .expect("runs");
    let plain = String::from_utf8(plain.stdout).expect("utf-8");
    let records = |dot: &str| dot.matches("shape=record").count();
    assert!(
        records(&plain) > 5 * records(&text),
        "folding shrinks the figure"
    );
    assert!(
        !plain.contains("cluster"),
        "the default look stays micrograd's"
    );
}

#[test]
fn the_node_guard_refuses_big_figures_and_says_what_to_do() {
    let dir = tempfile::tempdir().expect("temp dir");
    let script = dir.path().join("chain.py");
    let mut source = String::from("x = Value(1.0)\n");
    source.push_str(&"x = x + 1\n".repeat(3_000));
    std::fs::write(&script, source).expect("write");
    // By default it is drawn as its overview (one chain); every value is asked for here.
    gradviz()
        .args(["render", "--full", "--engine", "dot"])
        .arg(&script)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("6,001").and(predicate::str::contains("--max-nodes")));
    assert!(!dir.path().join("chain.svg").exists());
    // `auto` draws it with the layered engine instead, and says so.
    gradviz()
        .args(["render", "--full"])
        .arg(&script)
        .assert()
        .success()
        .stderr(predicate::str::contains("layered engine"));
    assert!(dir.path().join("chain.svg").exists());
    gradviz()
        .args(["render", "--format", "dot"])
        .arg(&script)
        .assert()
        .success();
    gradviz()
        .args([
            "render",
            "--snapshot",
            "2",
            "--max-nodes",
            "5",
            "--engine",
            "builtin",
            "-o",
            "-",
        ])
        .arg(fixture("neuron.py"))
        .assert()
        .code(2);
    gradviz()
        .args([
            "compare",
            "--max-nodes",
            "5",
            "--engine",
            "builtin",
            "-o",
            "-",
        ])
        .arg(fixture("neuron.py"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--max-nodes"));
}

/// A second `backward()` doubles the grads: the static figure says so in its legend, as
/// the report does, since a figure may travel without the report.
#[test]
fn check_names_a_second_backward_in_the_figures_legend() {
    let dir = tempfile::tempdir().expect("temp dir");
    let script = dir.path().join("twice.py");
    let text = "a = Value(2.0, label='a')\nb = a * a\nb.backward()\nb.backward()\n";
    std::fs::write(&script, text).expect("write");
    let marked = dir.path().join("twice.svg");
    gradviz()
        .args(["check", "--engine", "builtin", "-o"])
        .arg(&marked)
        .arg(&script)
        .assert()
        .code(1);
    let texts = svg_texts(&read(&marked));
    assert!(
        texts
            .iter()
            .any(|t| t == "cause: backward() called 2 times from b"),
        "{texts:?}"
    );
    assert!(
        texts.iter().any(|t| t == "expected grad 4.0000"),
        "{texts:?}"
    );
}

/// ReLU at exactly 0 has no derivative: backward says 0, the central difference 0.5, and
/// check must say so, exit 1, and mark the leaf in the figure.
#[test]
fn check_exits_1_when_a_script_grad_disagrees_with_its_finite_difference() {
    let dir = tempfile::tempdir().expect("temp dir");
    let script = dir.path().join("kink.py");
    std::fs::write(
        &script,
        "a = Value(0.0, label='a')\nb = a.relu()\nb.backward()\n",
    )
    .expect("write");
    let marked = dir.path().join("kink.svg");
    gradviz()
        .args(["check", "--engine", "builtin", "-o"])
        .arg(&marked)
        .arg(&script)
        .assert()
        .code(1)
        .stdout(predicate::str::contains("MISMATCH").and(predicate::str::contains("a ")));
    let texts = svg_texts(&read(&marked));
    assert!(
        texts.iter().any(|t| t == "finite difference 0.5000"),
        "{texts:?}"
    );
    let legend = "grad disagrees with its finite difference, shown below it";
    assert!(texts.iter().any(|t| t == legend), "{texts:?}");
    assert!(
        !texts.iter().any(|t| t.contains("stored value")),
        "{texts:?}"
    );
}

/// Issue 24, item 4: the layered engine, held to `dot`'s crossings, area and proportions
/// (layout_quality.rs), stands in for a missing `dot` at every size.
#[test]
fn without_dot_auto_draws_with_the_layered_engine_and_says_so_once() {
    let (dir, script) = workdir_with("neuron.py");
    let output = gradviz()
        .env("PATH", dir.path())
        .arg("render")
        .arg(&script)
        .output()
        .expect("runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stderr = String::from_utf8(output.stderr).expect("utf-8");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.starts_with("note: Graphviz `dot` not found")
            && stderr.contains("drawn with the layered engine")
            && stderr.contains("--engine builtin draws with graphviz-pure"),
        "{stderr}"
    );
    let drawn = read(&dir.path().join("neuron-2.svg"));
    assert!(
        drawn.contains("<g id=\"v0\" class=\"node\">") && !drawn.contains("graphviz"),
        "the layered engine's SVG"
    );
    let builtin = gradviz()
        .env("PATH", dir.path())
        .args(["render", "--engine", "builtin", "-o"])
        .arg(dir.path().join("builtin.svg"))
        .arg(&script)
        .output()
        .expect("runs");
    assert!(builtin.status.success());
    assert!(read(&dir.path().join("builtin-2.svg")).contains("graphviz-pure"));
}

/// Which way an SVG figure reads, from where its label `from` sits against its label `to`:
/// `LR`, `RL`, `TB` or `BT` along the axis they are furthest apart on.
fn reading_direction(svg: &roxmltree::Node, from: &str, to: &str) -> &'static str {
    let place = |label: &str| -> (f64, f64) {
        let text = svg
            .descendants()
            .find(|n| n.has_tag_name("text") && n.text() == Some(label))
            .unwrap_or_else(|| panic!("no label {label}"));
        let at = |name: &str| text.attribute(name).and_then(|v| v.parse().ok());
        (at("x").expect("x"), at("y").expect("y"))
    };
    let ((x0, y0), (x1, y1)) = (place(from), place(to));
    let (dx, dy) = (x1 - x0, y1 - y0);
    match (dx.abs() > dy.abs(), dx > 0.0, dy > 0.0) {
        (true, true, _) => "LR",
        (true, false, _) => "RL",
        (false, _, true) => "TB",
        (false, _, false) => "BT",
    }
}

fn svg_direction(path: &Path) -> &'static str {
    let text = read(path);
    reading_direction(&parse_xml(&text).root_element(), "a", "b")
}

/// Two snapshots: the first asks for top to bottom (and PNG), the second asks nothing.
const ASKING_SCRIPT: &str = "a = Value(2.0)\nb = a.tanh()\n\
                             draw_dot(b, format='png', rankdir='TB')\n\
                             b.backward()\ndraw_dot(b)\n";

#[test]
fn a_draw_dot_rankdir_turns_its_own_snapshot_and_the_command_line_overrides_it() {
    let dir = tempfile::tempdir().expect("temp dir");
    let script = dir.path().join("asks.py");
    std::fs::write(&script, ASKING_SCRIPT).expect("write");
    let out = dir.path().join("f.svg");
    run_to(&["render", "--engine", "builtin"], &out, &script).success();
    assert_eq!(svg_direction(&dir.path().join("f-1.svg")), "TB");
    assert_eq!(svg_direction(&dir.path().join("f-2.svg")), "LR");

    run_to(
        &["render", "--engine", "builtin", "--rankdir", "RL"],
        &out,
        &script,
    )
    .success();
    assert_eq!(svg_direction(&dir.path().join("f-1.svg")), "RL");
    assert_eq!(svg_direction(&dir.path().join("f-2.svg")), "RL");

    let compared = dir.path().join("c.svg");
    run_to(&["compare", "--engine", "builtin"], &compared, &script).success();
    assert_eq!(
        svg_direction(&compared),
        "TB",
        "the snapshots compared asked for it"
    );
}

#[test]
fn a_draw_dot_rankdir_reaches_the_page() {
    let dir = tempfile::tempdir().expect("temp dir");
    let script = dir.path().join("asks.py");
    std::fs::write(&script, ASKING_SCRIPT).expect("write");
    let page = dir.path().join("asks.html");
    run_to(&["render", "--engine", "builtin"], &page, &script).success();
    let html = read(&page);
    let document = parse_xml(&html);
    let figures: Vec<_> = document
        .descendants()
        .filter(|n| n.has_tag_name("svg"))
        .collect();
    assert_eq!(figures.len(), 2);
    assert_eq!(reading_direction(&figures[0], "a", "b"), "TB");
    assert_eq!(reading_direction(&figures[1], "a", "b"), "LR");
}

#[test]
fn a_draw_dot_format_other_than_the_output_is_noted_once() {
    let dir = tempfile::tempdir().expect("temp dir");
    let script = dir.path().join("asks.py");
    std::fs::write(
        &script,
        ASKING_SCRIPT.replace("draw_dot(b)", "draw_dot(b, format='jpg')"),
    )
    .expect("write");
    let output = gradviz()
        .args(["render", "--format", "dot", "-o"])
        .arg(dir.path().join("f.dot"))
        .arg(&script)
        .output()
        .expect("runs");
    assert!(output.status.success());
    let stderr = String::from_utf8(output.stderr).expect("utf-8");
    assert_eq!(
        stderr,
        "note: draw_dot(format=\"png\") is ignored: the output's extension or --format decides, \
         and this run writes dot\n"
    );

    let same = dir.path().join("same.py");
    std::fs::write(&same, "a = Value(1.0)\ndraw_dot(a, format='SVG')\n").expect("write");
    run_to(
        &["render", "--engine", "builtin"],
        &dir.path().join("s.svg"),
        &same,
    )
    .success()
    .stderr("");
}

#[test]
fn a_rankdir_graphviz_does_not_read_is_an_error_at_its_place_and_writes_nothing() {
    let dir = tempfile::tempdir().expect("temp dir");
    let script = dir.path().join("lower.py");
    std::fs::write(
        &script,
        "a = Value(2.0)\ndraw_dot(a)\ndraw_dot(a, rankdir='lr')\n",
    )
    .expect("write");
    let out = dir.path().join("f.svg");
    run_to(&["render", "--interpreter", "builtin"], &out, &script)
        .code(2)
        .stderr(predicate::str::contains(
            "lower.py:3:21: rankdir must be 'LR', 'TB', 'RL' or 'BT'",
        ));
    run_to(&["render"], &out, &script)
        .code(2)
        .stderr(predicate::str::contains(
            "lower.py:3:1: ValueError: draw_dot(): rankdir must be 'LR', 'TB', 'RL' or 'BT'",
        ));
    let written: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert_eq!(written.len(), 1, "only the script: {written:?}");
}

#[test]
fn a_page_says_each_kind_of_note_its_figures_earned() {
    let dir = tempfile::tempdir().expect("temp dir");
    let script = dir.path().join("two.py");
    let source = "draw_dot(Value(1.0))\nx = Value(1.0)\n\
                  for i in range(2600): x = x * 1.0001\ndraw_dot(x)\n";
    std::fs::write(&script, source).expect("write");
    let output = gradviz()
        .env("PATH", dir.path())
        .args(["render", "--full", "-o"])
        .arg(dir.path().join("two.html"))
        .arg(&script)
        .output()
        .expect("runs");
    assert!(output.status.success());
    let stderr = String::from_utf8(output.stderr).expect("utf-8");
    let notes: Vec<&str> = stderr.lines().collect();
    assert_eq!(notes.len(), 2, "{stderr}");
    assert!(
        notes[0].starts_with("note: Graphviz `dot` not found"),
        "{stderr}"
    );
    assert!(
        notes[1].contains("drawn with the layered engine"),
        "{stderr}"
    );
}

/// Every file in `dir`, at any depth, as paths relative to it.
fn everything_in(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(folder) = pending.pop() {
        for entry in std::fs::read_dir(&folder).expect("readable") {
            let path = entry.expect("an entry").path();
            found.push(path.strip_prefix(dir).expect("inside").to_path_buf());
            if path.is_dir() {
                pending.push(path);
            }
        }
    }
    found.sort();
    found
}

#[test]
fn a_bad_input_after_good_ones_leaves_no_file_and_no_folder_behind() {
    let (dir, good) = workdir_with("neuron.py");
    let bad = dir.path().join("bad.py");
    std::fs::write(&bad, "a = Value(1.0)\nb = a +\n").expect("write");
    let before = everything_in(dir.path());
    for format in ["dot", "svg"] {
        gradviz()
            .args([
                "render",
                "--engine",
                "builtin",
                "--format",
                format,
                "--out-dir",
            ])
            .arg(dir.path().join("new/figures"))
            .arg(&good)
            .arg(&bad)
            .assert()
            .code(2)
            .stderr(predicate::str::contains("bad.py:2:"));
        assert_eq!(everything_in(dir.path()), before, "{format}");
    }
}

#[cfg(unix)]
#[test]
fn a_script_with_more_snapshots_than_open_files_allowed_writes_them_all() {
    use std::os::unix::process::CommandExt;
    let dir = tempfile::tempdir().expect("temp dir");
    let script = dir.path().join("many.py");
    std::fs::write(
        &script,
        "a = Value(1.0)\nfor i in range(300): draw_dot(a)\n",
    )
    .expect("write");
    let mut command = std::process::Command::new(assert_cmd::cargo::cargo_bin("gradviz"));
    command
        .args(["render", "--format", "dot", "--out-dir"])
        .arg(dir.path().join("out"))
        .arg(&script);
    // SAFETY: setrlimit(2) is async-signal-safe, as pre_exec requires.
    unsafe {
        command.pre_exec(|| {
            let limit = libc::rlimit {
                rlim_cur: 64,
                rlim_max: 64,
            };
            if libc::setrlimit(libc::RLIMIT_NOFILE, &limit) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let output = command.output().expect("runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(everything_in(&dir.path().join("out")).len(), 300);
}
