//! What a new user tripped over (issue 12), end to end through the binary: views in
//! `compare` and `check`, honest finite differences, a table that hides nothing, friendly
//! errors and input sniffing, `print`, and the figures a person looks at.

use crate::support::{fixture, gradviz};

use crate::support::xml;

use xml::parse_xml;

/// Runs gradviz and returns (exit code, stdout, stderr).
fn run(args: &[&str], stdin: Option<&str>) -> (i32, String, String) {
    let mut cmd = gradviz();
    cmd.args(args);
    if let Some(text) = stdin {
        cmd.write_stdin(text);
    }
    let out = cmd.output().expect("runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// stdout of a successful run (exit 0, or 1 when `allow_mismatch`).
fn stdout_of(args: &[&str]) -> String {
    let (code, out, err) = run(args, None);
    assert_eq!(code, 0, "{args:?}: {err}");
    out
}

fn mlp() -> String {
    fixture("mlp.py").display().to_string()
}

// ---- compare and check honour --group, --fold and --color ----

#[test]
fn compare_honours_fold_group_and_color() {
    let mlp = mlp();
    let plain = stdout_of(&["compare", &mlp, "--format", "dot", "-o", "-"]);
    let folded = stdout_of(&["compare", &mlp, "--fold", "1", "--format", "dot", "-o", "-"]);
    assert!(folded.contains("l0.n0: ReLU"), "neurons folded");
    assert!(
        folded.matches("shape=record").count() * 5 < plain.matches("shape=record").count(),
        "the fold shrinks the figure"
    );
    assert!(
        !folded.contains("label=\"l0\""),
        "no group boxes without --group"
    );
    for state in ["before backward", "after backward"] {
        assert!(folded.contains(state), "{state}");
    }
    let grouped = stdout_of(&["compare", &mlp, "--group", "--format", "dot", "-o", "-"]);
    assert_eq!(
        grouped.matches("label=\"l0.n1\"").count(),
        2,
        "one neuron box in each state"
    );
    let colored = stdout_of(&[
        "compare", &mlp, "--color", "grad", "--format", "dot", "-o", "-",
    ]);
    assert!(colored.contains("#e31a1c"), "the darkest fill is used");
    assert!(!plain.contains("#e31a1c"));
}

/// The compare page draws the view asked for: each neuron folded into one node, in both
/// states, the folded values still found by their labels.
#[test]
fn the_compare_page_draws_the_folded_view() {
    let dir = tempfile::tempdir().expect("temp dir");
    let page = dir.path().join("p.html");
    let page_arg = page.display().to_string();
    let (code, _, err) = run(
        &[
            "compare",
            &mlp(),
            "--fold",
            "1",
            "--engine",
            "builtin",
            "-o",
            &page_arg,
        ],
        None,
    );
    assert_eq!(code, 0, "{err}");
    let html = std::fs::read_to_string(&page).expect("written");
    assert!(html.contains("l0.n1: ReLU(w·x+b)"), "a neuron's node");
    assert!(html.contains("l0.n1.w0"), "a folded value, for search");
}

#[test]
fn check_figure_honours_fold_and_color() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("c.dot");
    let out_arg = out.display().to_string();
    stdout_of(&[
        "check",
        &mlp(),
        "--fold",
        "1",
        "--color",
        "grad",
        "-o",
        &out_arg,
    ]);
    let dot = std::fs::read_to_string(&out).expect("figure written");
    assert!(dot.contains("l1.n2: ReLU"), "folded");
    assert!(dot.contains("fillcolor"), "coloured");
    let json = fixture("buggy_reuse.json").display().to_string();
    let (code, _, err) = run(&["check", &json, "--color", "grad", "-o", &out_arg], None);
    assert_eq!(code, 1, "{err}");
    let dot = std::fs::read_to_string(&out).expect("figure written");
    assert!(dot.contains("linear scale"), "the colour legend is drawn");
    assert!(dot.contains("expected grad"), "and the marks too");
}

// ---- honest finite differences ----

fn script_file(dir: &tempfile::TempDir, name: &str, text: &str) -> String {
    let path = dir.path().join(name);
    std::fs::write(&path, text).expect("write script");
    path.display().to_string()
}

#[test]
fn a_log_near_zero_is_differenced_inside_its_domain() {
    let dir = tempfile::tempdir().expect("temp dir");
    let script = script_file(
        &dir,
        "log.py",
        "x = Value(1e-9)\ny = x.log()\ny.backward()\n",
    );
    let (code, out, err) = run(&["check", &script], None);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("ok: every grad agrees"), "{out}");
    assert!(!out.contains("NaN") && !out.contains("ReLU"), "{out}");
}

#[test]
fn an_infinite_grad_agrees_with_an_infinite_difference_of_the_same_sign() {
    let dir = tempfile::tempdir().expect("temp dir");
    // y = x·c·c: dy/dx = c² overflows to +inf, and so does the difference.
    let script = script_file(
        &dir,
        "inf.py",
        "x = Value(1e-300, label='x')\nc = Value(1e300, label='c')\ny = x * c * c\ny.backward()\n",
    );
    let (code, out, err) = run(&["check", &script], None);
    assert_eq!(code, 0, "{out}{err}");
    let row = out.lines().find(|l| l.starts_with("x ")).expect("x's row");
    assert_eq!(
        row.split_whitespace().collect::<Vec<_>>(),
        ["x", "inf", "inf", "0.0e+00"]
    );
}

#[test]
fn the_relu_hint_is_given_only_where_a_relu_is() {
    let dir = tempfile::tempdir().expect("temp dir");
    let overflow = script_file(
        &dir,
        "inf.py",
        "x = Value(1e308)\ny = x * 10\ny.backward()\n",
    );
    let (code, out, _) = run(&["check", &overflow], None);
    assert_eq!(code, 1, "{out}");
    assert!(!out.contains("ReLU"), "{out}");
    assert!(out.contains("a NaN or infinite value on the way"), "{out}");
    let kink = script_file(
        &dir,
        "kink.py",
        "x = Value(0.0)\ny = x.relu()\ny.backward()\n",
    );
    let (code, out, _) = run(&["check", &kink], None);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("a ReLU at exactly 0 has no derivative"),
        "{out}"
    );
}

// ---- the check table hides nothing ----

#[test]
fn check_in_a_pipe_lists_every_leaf_named_as_the_figure_names_it() {
    let dir = tempfile::tempdir().expect("temp dir");
    let figure = dir.path().join("m.dot");
    let figure_arg = figure.display().to_string();
    let out = stdout_of(&["check", &mlp(), "-o", &figure_arg]);
    let rows: Vec<&str> = out
        .lines()
        .skip_while(|l| !l.starts_with("leaf "))
        .skip(1)
        .take_while(|l| !l.starts_with("ok:"))
        .collect();
    assert_eq!(rows.len(), 94, "{out}");
    assert!(!out.contains("more (--all)"), "{out}");
    let dot = std::fs::read_to_string(&figure).expect("figure written");
    let unlabelled: Vec<&str> = rows
        .iter()
        .filter_map(|r| r.split_whitespace().next())
        .filter(|name| name.starts_with('#'))
        .collect();
    assert!(
        !unlabelled.is_empty(),
        "the inputs are unlabelled constants"
    );
    for name in unlabelled {
        assert!(
            dot.contains(&format!("label=\"{{ {name} |")),
            "{name} is drawn under the same name"
        );
    }
    stdout_of(&["check", &mlp(), "--all"]);
}

// ---- unfriendly ----

#[test]
fn an_error_in_a_huge_line_shows_a_window_of_it() {
    let dir = tempfile::tempdir().expect("temp dir");
    let line = format!("x = [{}] +* 1\n", "1, ".repeat(3_000_000));
    let script = script_file(&dir, "big.py", &line);
    let (code, _, err) = run(
        &["render", "--interpreter", "builtin", &script, "-o", "-"],
        None,
    );
    assert_eq!(code, 2, "{err}");
    assert!(err.len() < 1_000, "{} bytes of stderr", err.len());
    assert!(err.contains('…') && err.contains("+* 1"), "{err}");
}

#[test]
fn stdin_is_told_apart_by_its_content() {
    let script = std::fs::read_to_string(fixture("neuron.py")).expect("fixture");
    let (code, dot, err) = run(
        &[
            "render",
            "-",
            "--snapshot",
            "2",
            "--format",
            "dot",
            "-o",
            "-",
        ],
        Some(&script),
    );
    assert_eq!(code, 0, "{err}");
    assert!(dot.contains("x1*w1"), "{dot}");
    let graph = std::fs::read_to_string(fixture("neuron.json")).expect("fixture");
    let (code, dot, err) = run(&["render", "-", "--format", "dot", "-o", "-"], Some(&graph));
    assert_eq!(code, 0, "{err}");
    assert!(dot.contains("digraph"), "{dot}");
    let notebook =
        "{\n \"cells\": [],\n \"metadata\": {},\n \"nbformat\": 4,\n \"nbformat_minor\": 5\n}\n";
    let (code, _, err) = run(&["render", "-", "-o", "-"], Some(notebook));
    assert_eq!(code, 2, "a notebook without cells draws nothing");
    assert!(
        err.contains("<stdin> is a notebook; running it in"),
        "{err}"
    );
}

#[test]
fn help_points_to_the_json_docs_not_the_spec() {
    let help = stdout_of(&["render", "--help"]);
    assert!(help.contains("docs/json.md"), "{help}");
    assert!(!help.contains("SPEC"), "{help}");
}

#[test]
fn a_closed_pipe_ends_the_program_quietly() {
    use std::io::Read;
    use std::process::Stdio;
    let dir = tempfile::tempdir().expect("temp dir");
    // About 2 MB of DOT, far more than a pipe buffers.
    let chain = script_file(
        &dir,
        "chain.py",
        "x = Value(1.0)\nfor i in range(20000): x = x * 1.0\n",
    );
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("gradviz"))
        .args(["render", "--full", "--format", "dot", "-o", "-", &chain])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("starts");
    let mut first = [0u8; 10];
    child
        .stdout
        .take()
        .expect("piped")
        .read_exact(&mut first)
        .expect("reads the start");
    // The pipe is closed here: the rest of the figure has nowhere to go.
    let out = child.wait_with_output().expect("ends");
    assert_eq!(&first, b"digraph gr");
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");
}

#[test]
fn a_write_error_names_the_output_asked_for() {
    // /sys refuses new files even to root, which the tests may run as.
    let neuron = fixture("neuron.py").display().to_string();
    let target = "/sys/gradviz-x.svg";
    let args = [
        "render",
        &neuron,
        "--engine",
        "builtin",
        "--snapshot",
        "1",
        "-o",
        target,
    ];
    let (code, _, err) = run(&args, None);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("/sys/gradviz-x.svg: Permission denied"),
        "{err}"
    );
    assert!(!err.contains(".tmp"), "{err}");
}

// ---- print, math and the hints ----

#[test]
fn print_writes_to_stderr_as_python_prints() {
    let dir = tempfile::tempdir().expect("temp dir");
    let script = script_file(
        &dir,
        "train.py",
        "x = Value(2.0, label='x')\nloss = x * x\nloss.backward()\n\
         for k in range(2): print(k, loss.data, 0.1 + 0.2)\n\
         print(loss, [x.grad, 'a'], sep=' | ')\nprint(1e16, 1e-5, end='!\\n')\n",
    );
    let (code, out, err) = run(&["render", &script, "--format", "dot", "-o", "-"], None);
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with("digraph"), "stdout stays the figure's");
    assert_eq!(
        err,
        "0 4.0 0.30000000000000004\n1 4.0 0.30000000000000004\n\
         Value(data=4.0, grad=1) | [4.0, 'a']\n1e+16 1e-05!\n"
    );
}

#[test]
fn a_print_with_an_f_string_prints_what_python_prints() {
    let dir = tempfile::tempdir().expect("temp dir");
    let script = script_file(
        &dir,
        "f.py",
        "x = Value(2.0, label=f'x{1}')\nfor k in range(3): print(f'{k} {x.data:.4f} {x.label!r:>6}')\n\
         print(f'{x}|{x.grad:+.1e}|{{x}}')\n",
    );
    let (code, _, err) = run(&["render", &script, "--format", "dot", "-o", "-"], None);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        err,
        "0 2.0000   'x1'\n1 2.0000   'x1'\n2 2.0000   'x1'\n\
         Value(data=2.0, grad=0)|+0.0e+00|{x}\n"
    );
}

#[test]
fn float_and_math_work_on_numbers() {
    let dir = tempfile::tempdir().expect("temp dir");
    let script = script_file(
        &dir,
        "m.py",
        "import math\na = Value(float('nan'), label='a')\nb = Value(float('-inf'), label='b')\n\
         c = Value(math.pi, label='c') * math.exp(1.0)\nd = Value(math.inf, label='d')\n\
         print(math.pi, math.exp(2), float('1e3'))\n",
    );
    let (code, out, err) = run(&["render", &script, "--format", "json", "-o", "-"], None);
    assert_eq!(code, 0, "{err}");
    assert_eq!(err, "3.141592653589793 7.38905609893065 1000.0\n");
    assert!(out.contains("\"data\": \"inf\""), "{out}");
    let huge = script_file(&dir, "h.py", "x = math.exp(1000)\n");
    let (code, _, err) = run(&["render", &huge], None);
    assert_eq!(code, 2);
    assert!(err.contains("math range error"), "{err}");
}

#[test]
fn torch_and_bare_nan_get_hints() {
    let dir = tempfile::tempdir().expect("temp dir");
    let script = script_file(&dir, "t.py", "import torch\nx = torch.tensor([1.0])\n");
    let (code, _, err) = run(&["render", "--interpreter", "builtin", &script], None);
    assert_eq!(code, 2);
    assert!(
        err.contains("PyTorch tensors are not micrograd Values"),
        "{err}"
    );
    assert!(err.contains("docs/json.md"), "{err}");
    let json = script_file(
        &dir,
        "n.json",
        "{\"format\": \"gradviz\", \"version\": 1, \"nodes\": [{\"id\": 0, \"label\": \"a\", \
         \"data\": NaN, \"grad\": 0.0, \"op\": \"\", \"children\": []}]}",
    );
    let (code, _, err) = run(&["render", &json], None);
    assert_eq!(code, 2);
    assert!(err.contains("\"nan\""), "{err}");
}

// ---- figures ----

#[test]
fn rebound_names_label_distinct_values_distinctly() {
    let readme = fixture("micrograd_readme.py").display().to_string();
    let dot = stdout_of(&["render", &readme, "--format", "dot", "-o", "-"]);
    let json = stdout_of(&["render", &readme, "--format", "json", "-o", "-"]);
    for label in ["c", "c#2", "c#3", "d", "d#2", "d#3", "g", "g#2"] {
        assert_eq!(
            dot.matches(&format!("label=\"{{ {label} |")).count(),
            1,
            "{label} drawn once"
        );
        assert!(
            json.contains(&format!("\"label\": \"{label}\"")),
            "{label} in JSON"
        );
    }
    let plain = stdout_of(&[
        "render",
        &readme,
        "--no-auto-label",
        "--format",
        "dot",
        "-o",
        "-",
    ]);
    assert!(!plain.contains('#'), "--no-auto-label labels nothing");
}

/// The `height` of an SVG in points.
fn svg_height(svg: &str) -> f64 {
    let doc = parse_xml(svg);
    let height = doc.root_element().attribute("height").expect("height");
    height.trim_end_matches("pt").parse().expect("a number")
}

#[test]
fn the_colour_legend_adds_at_most_a_line_to_the_figure() {
    let neuron = fixture("neuron.py").display().to_string();
    for engine in ["dot", "builtin"] {
        let args = [
            "render",
            &neuron,
            "--snapshot",
            "2",
            "--engine",
            engine,
            "-o",
            "-",
        ];
        let plain = svg_height(&stdout_of(&args));
        let mut colored_args = args.to_vec();
        colored_args.extend(["--color", "grad"]);
        let colored_svg = stdout_of(&colored_args);
        let colored = svg_height(&colored_svg);
        // A line: one row of 0.3-inch swatches (21.6 pt) and the space between rows.
        assert!(
            colored - plain <= 48.0,
            "{engine}: {plain} pt grew to {colored} pt"
        );
        let texts: Vec<String> = parse_xml(&colored_svg)
            .descendants()
            .filter(|n| n.has_tag_name("text"))
            .filter_map(|n| n.text().map(str::to_string))
            .collect();
        for bound in ["0–0.25", "1.25–1.5"] {
            assert!(
                texts.iter().any(|t| t == bound),
                "{engine}: round bounds {texts:?}"
            );
        }
    }
}

/// The x-range of each cluster titled like a top-level group (`l0`, `l1`, …), in the order
/// of their titles.
fn layer_x_ranges(svg: &str) -> Vec<(String, f64, f64)> {
    let doc = parse_xml(svg);
    let mut ranges: Vec<(String, f64, f64)> = doc
        .descendants()
        .filter(|n| n.has_tag_name("g") && n.attribute("class") == Some("cluster"))
        .filter_map(|g| {
            let title = g.descendants().find(|t| t.has_tag_name("text"))?.text()?;
            if title.contains('.') {
                return None;
            }
            let points = g.descendants().find(|p| p.has_tag_name("polygon"))?;
            let xs: Vec<f64> = points
                .attribute("points")?
                .split_whitespace()
                .filter_map(|pair| pair.split(',').next()?.parse().ok())
                .collect();
            let low = xs.iter().copied().fold(f64::INFINITY, f64::min);
            let high = xs.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            Some((title.to_string(), low, high))
        })
        .collect();
    ranges.sort_by(|a, b| a.0.cmp(&b.0));
    ranges
}

#[test]
fn a_grouped_network_reads_as_layers_from_left_to_right() {
    for fold in [None, Some("1")] {
        for engine in ["dot", "builtin"] {
            let mlp = mlp();
            let mut args = vec!["render", &mlp, "--group", "--engine", engine, "-o", "-"];
            if let Some(depth) = fold {
                args.extend(["--fold", depth]);
            }
            let ranges = layer_x_ranges(&stdout_of(&args));
            let titles: Vec<&str> = ranges.iter().map(|r| r.0.as_str()).collect();
            assert_eq!(titles, ["l0", "l1", "l2"], "{engine} {fold:?}");
            for pair in ranges.windows(2) {
                assert!(
                    pair[0].2 < pair[1].1,
                    "{engine} {fold:?}: {} ends at x {} but {} starts at {}",
                    pair[0].0,
                    pair[0].2,
                    pair[1].0,
                    pair[1].1
                );
            }
        }
    }
}

#[test]
fn a_folded_neuron_says_what_it_is_and_its_outputs() {
    let dot = stdout_of(&[
        "render",
        &mlp(),
        "--group",
        "--fold",
        "1",
        "--format",
        "dot",
        "-o",
        "-",
    ]);
    let line = dot
        .lines()
        .find(|l| l.contains("l0.n0: ReLU"))
        .expect("neuron l0.n0 folded");
    assert!(
        line.contains("4 outputs\\ndata 0.9389, grad 3.9812\\n"),
        "{line}"
    );
    assert!(line.contains("44 values inside"), "{line}");
    assert!(
        line.contains("largest \\|grad\\| 19.6976 (l0.n0.w0)"),
        "{line}"
    );
    assert!(!line.contains('…'), "{line}");
}

/// The width of the first field (the label) of the record drawn for a lone value: the x of
/// the first field divider minus the record's left edge.
fn label_field_width(svg: &str) -> f64 {
    let doc = parse_xml(svg);
    let node = doc
        .descendants()
        .find(|n| n.has_tag_name("g") && n.attribute("class") == Some("node"))
        .expect("a node");
    let xs = |tag: &str| -> Vec<f64> {
        let shape = node.descendants().find(|p| p.has_tag_name(tag)).expect(tag);
        shape
            .attribute("points")
            .expect("points")
            .split_whitespace()
            .filter_map(|pair| pair.split(',').next()?.parse().ok())
            .collect()
    };
    let left = xs("polygon").into_iter().fold(f64::INFINITY, f64::min);
    let divider = xs("polyline")[0];
    divider - left
}

#[test]
fn an_80_character_label_fits_its_box_with_dot() {
    let dir = tempfile::tempdir().expect("temp dir");
    let label = "The quick brown fox jumps over the lazy dog, and gradviz draws it in a record ok";
    assert_eq!(label.chars().count(), 80);
    let script = script_file(
        &dir,
        "long.py",
        &format!("x = Value(1.0, label='{label}')\n"),
    );
    let svg = |engine: &str| stdout_of(&["render", &script, "--engine", engine, "-o", "-"]);
    let builtin = svg("builtin");
    // graphviz-pure sizes text with Arial's own widths (those of Liberation Sans, which
    // viewers draw Arial with): its field is the text, 8 pt of margin on each side, and any
    // hard spaces gradviz pads the field with (0.278 em of 14 pt each), counted here.
    let shown = parse_xml(&builtin)
        .descendants()
        .filter(|n| n.has_tag_name("text"))
        .filter_map(|n| n.text().map(str::to_string))
        .find(|t| t.contains("quick brown"))
        .expect("the label is drawn");
    let spaces =
        shown.chars().filter(|&c| c == ' ' || c == '\u{a0}').count() - label.matches(' ').count();
    let drawn_text_and_margins = label_field_width(&builtin) - spaces as f64 * 0.278 * 14.0;
    let dot = label_field_width(&svg("dot"));
    assert!(
        dot >= drawn_text_and_margins - 0.5,
        "dot's field is {dot} pt, the text and its margins need {drawn_text_and_margins} pt"
    );
}
