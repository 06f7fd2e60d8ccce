//! The renderer: escaping checked by parsing our DOT back and by reading the SVG both engines
//! draw, the figure's structure, the engines' errors and timeout, and atomic output.
//!
//! Tests through Graphviz's `dot` fail (they do not skip) when `dot` is missing: CI installs it.

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::support::graphs;
use crate::support::python;
use crate::support::svg;
use crate::support::xml;

use gradviz::engine::Graph;
use gradviz::error::Refusal;
use gradviz::figure::{
    escape_record_field, format_number, to_dot, Decorations, DotOptions, NodeDecoration, Rankdir,
};
use gradviz::graph::{to_petgraph, ExportGraph, NodeInfo, NodeOp};
use gradviz::render::{render_dot, EngineChoice, EngineOptions, Format};
use gradviz::Error;
use graphviz_rust::dot_structures::{Attribute, Graph as DotGraph, Id, Stmt};
use proptest::prelude::*;
use python::python;
use svg::groups;
use xml::parse_xml;

const HOSTILE: &[&str] = &[
    "\"]; evil [label=\"x",
    "{ } | < > \" \\ &",
    "a\\",
    "\\N \\G \\n \\l \\r \\\\",
    "<port> x",
    "&amp; &#952; &lt;",
    "  two leading",
    "two trailing  ",
    "a   b    c",
    " ",
    "   ",
    "line1\nline2",
    "crlf\r\nline\rlone cr",
    "tab\there",
    "θ₁ → ∂L",
    "emoji 😀 x 🎉",
    "",
    "ctl \u{1}\u{1f}\u{7f} end",
    "nonchar \u{fffe}\u{ffff}",
    "é ∑ \u{a0}nbsp",
    "x1*w1 + x2*w2",
];

/// The `dot` binary: tests that need it fail with this message when it is missing.
fn dot_binary() -> PathBuf {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .map(|dir| dir.join("dot"))
        .find(|candidate| candidate.is_file())
        .expect("Graphviz `dot` is not on PATH: install Graphviz (CI does) to run these tests")
}

fn engines() -> Vec<(EngineChoice, EngineOptions)> {
    vec![
        (
            EngineChoice::Dot,
            EngineOptions::default()
                .with_engine(EngineChoice::Dot)
                .with_dot_binary(dot_binary()),
        ),
        (
            EngineChoice::Builtin,
            EngineOptions::default().with_engine(EngineChoice::Builtin),
        ),
    ]
}

fn leaf(id: u64, label: &str, data: f64, grad: f64) -> NodeInfo {
    NodeInfo {
        id,
        label: label.into(),
        data,
        grad,
        op: NodeOp::default(),
        scope: None,
    }
}

/// One unconnected leaf per label, ids 0, 1, ….
fn labels_graph(labels: &[&str]) -> ExportGraph {
    let mut graph = ExportGraph::new();
    for (i, label) in labels.iter().enumerate() {
        graph.add_node(leaf(i as u64, label, i as f64, -(i as f64) / 4.0));
    }
    graph
}

/// The lecture's neuron, after backward.
fn neuron() -> ExportGraph {
    let g = Graph::new();
    let [.., o] = graphs::lecture_neuron(&g, ["x1", "w1", "x2", "w2", "b"]);
    to_petgraph(&g, &[o.id()])
}

fn parse(dot: &str) -> DotGraph {
    graphviz_rust::parse(dot).unwrap_or_else(|e| panic!("our DOT does not parse: {e}\n{dot}"))
}

fn statements(graph: &DotGraph) -> &[Stmt] {
    match graph {
        DotGraph::DiGraph { stmts, .. } | DotGraph::Graph { stmts, .. } => stmts,
    }
}

fn id_text(id: &Id) -> String {
    match id {
        Id::Html(s) | Id::Escaped(s) | Id::Plain(s) | Id::Anonymous(s) => s.clone(),
    }
}

/// `(node id, label attribute as written)` for every node statement.
fn node_labels(graph: &DotGraph) -> Vec<(String, String)> {
    statements(graph)
        .iter()
        .filter_map(|s| match s {
            Stmt::Node(node) => {
                let label = node
                    .attributes
                    .iter()
                    .find(|Attribute(k, _)| id_text(k) == "label")
                    .map(|Attribute(_, v)| id_text(v))
                    .unwrap_or_default();
                Some((id_text(&node.id.0), label))
            }
            _ => None,
        })
        .collect()
}

fn edge_count(graph: &DotGraph) -> usize {
    statements(graph)
        .iter()
        .filter(|s| matches!(s, Stmt::Edge(_)))
        .count()
}

/// Node title → its `<text>` contents in order (non-breaking spaces read as spaces, which is
/// how Graphviz writes runs of spaces), and the number of edges.
fn read_svg(svg: &[u8]) -> (Vec<(String, Vec<String>)>, usize) {
    let doc = parse_xml(std::str::from_utf8(svg).expect("the SVG is UTF-8"));
    (groups(&doc, "node"), groups(&doc, "edge").len())
}

/// The lines a label should show: split at line breaks, control characters as their
/// pictures, empty lines left out (Graphviz draws no `<text>` for them). A line of one space
/// is left out too: Graphviz draws an empty field as `<text> </text>`, so the SVG cannot tell
/// the two apart (nor can a reader); the tests drop `" "` texts on both sides.
fn expected_lines(label: &str) -> Vec<String> {
    let shown: String = label
        .replace("\r\n", "\n")
        .replace('\r', "\n")
        .chars()
        .map(|c| match c {
            '\u{0}'..='\u{8}' | '\u{b}'..='\u{1f}' => char::from_u32(0x2400 + c as u32).unwrap(),
            '\u{7f}' => '\u{2421}',
            '\u{fffe}' | '\u{ffff}' => '\u{fffd}',
            '\u{a0}' => ' ',
            c => c,
        })
        .collect();
    // Long fields are padded with hard spaces so that `dot`'s narrower text widths still fit
    // (`gradviz::figure::PAD_EVERY`); the lines show them.
    let longest = shown
        .split('\n')
        .map(|l| l.chars().count())
        .max()
        .unwrap_or(0);
    let pad = " ".repeat(longest / gradviz::figure::PAD_EVERY);
    shown
        .split('\n')
        .filter(|line| !line.is_empty() && *line != " ")
        .map(|line| match line.trim_matches(' ') {
            "" => line.to_string(),
            _ => format!("{pad}{line}{pad}"),
        })
        .collect()
}

/// The texts a record should show: its label lines, then data and grad.
fn expected_record(info: &NodeInfo) -> Vec<String> {
    let mut texts = expected_lines(&info.label);
    texts.push(format!("data {}", format_number(info.data, 4)));
    texts.push(format!("grad {}", format_number(info.grad, 4)));
    texts
}

/// Renders `graph` through both engines and checks every record's texts.
fn assert_labels_verbatim(graph: &ExportGraph) {
    let dot = to_dot(graph, &DotOptions::default(), &Decorations::default());
    for (engine, options) in engines() {
        let rendered = render_dot(&dot, Format::Svg, &options)
            .unwrap_or_else(|e| panic!("{engine:?} failed: {e}\n{dot}"));
        let (nodes, _) = read_svg(&rendered.bytes);
        assert_eq!(nodes.len(), graph.node_count(), "{engine:?}: {dot}");
        for index in graph.node_indices() {
            let info = &graph[index];
            let title = format!("v{}", info.id);
            let (_, texts) = nodes
                .iter()
                .find(|(t, _)| *t == title)
                .unwrap_or_else(|| panic!("{engine:?}: no node {title}"));
            let texts: Vec<String> = texts.iter().filter(|t| *t != " ").cloned().collect();
            assert_eq!(
                texts,
                expected_record(info),
                "{engine:?}: label {:?} escaped as {:?}",
                info.label,
                escape_record_field(&info.label)
            );
        }
    }
}

#[test]
fn escaping_rules() {
    let cases = [
        ("x1", "x1"),
        ("a b", "a b"),
        (" a", "&#32;a"),
        ("a ", "a&#32;"),
        ("a  b", "a&#32;&#32;b"),
        ("{x}|<p>", "\\{x\\}\\|\\<p\\>"),
        ("\\\"", "\\\\\\\""),
        ("a\nb", "a\\nb"),
        ("a\r\nb\rc", "a\\nb\\nc"),
        ("a\tb", "a&#9;b"),
        ("&", "&amp;"),
        ("θ₁ → ∂L", "&#952;&#8321;&#32;&#8594;&#32;&#8706;L"),
        ("😀", "😀"),
        ("\u{0}\u{7f}", "&#9216;&#9249;"),
        ("\u{ffff}", "&#65533;"),
        ("", ""),
    ];
    for (text, escaped) in cases {
        assert_eq!(escape_record_field(text), escaped, "{text:?}");
    }
}

#[test]
fn hostile_labels_parse_back_to_the_same_nodes() {
    let graph = labels_graph(HOSTILE);
    let dot = to_dot(&graph, &DotOptions::default(), &Decorations::default());
    let parsed = parse(&dot);
    let labels = node_labels(&parsed);
    assert_eq!(labels.len(), HOSTILE.len(), "{dot}");
    for (i, (id, label)) in labels.iter().enumerate() {
        assert_eq!(id, &format!("v{i}"));
        let expected = format!(
            "\"{{ {} | data {} | grad {} }}\"",
            escape_record_field(HOSTILE[i]),
            format_number(i as f64, 4),
            format_number(-(i as f64) / 4.0, 4)
        );
        assert_eq!(label, &expected);
    }
}

#[test]
fn hostile_labels_render_verbatim_in_both_engines() {
    assert_labels_verbatim(&labels_graph(HOSTILE));
}

#[test]
fn hostile_op_text_and_extra_rows_render_verbatim() {
    let mut graph = labels_graph(&["a"]);
    let op = "}\"; x [y=\"|<\\ &θ";
    let result = graph.add_node(NodeInfo {
        id: 1,
        label: "r".into(),
        data: 1.0,
        grad: 0.0,
        op: op.into(),
        scope: None,
    });
    graph.add_edge(0.into(), result, 0);
    let mut decorations = Decorations::default();
    decorations.nodes.insert(
        1,
        NodeDecoration {
            fill: Some("#ffcccc".to_string()),
            outline: Some("red".to_string()),
            extra_rows: vec!["expected grad 1.0000".to_string(), " {odd} ".to_string()],
        },
    );
    let dot = to_dot(&graph, &DotOptions::default(), &decorations);
    assert_eq!(node_labels(&parse(&dot)).len(), 3, "{dot}");
    for (engine, options) in engines() {
        let rendered = render_dot(&dot, Format::Svg, &options).unwrap();
        let (nodes, edges) = read_svg(&rendered.bytes);
        let texts = |title: &str| nodes.iter().find(|(t, _)| t == title).unwrap().1.clone();
        assert_eq!(texts("v1_op"), vec![op.to_string()], "{engine:?}");
        assert_eq!(
            texts("v1"),
            vec![
                "r",
                "data 1.0000",
                "grad 0.0000",
                "expected grad 1.0000",
                " {odd} "
            ],
            "{engine:?}"
        );
        assert_eq!(edges, 2, "{engine:?}");
    }
}

fn label_strategy() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just(" ".to_string()),
        Just("\n".to_string()),
        Just("\r".to_string()),
        Just("\t".to_string()),
        Just("\\".to_string()),
        Just("\"".to_string()),
        Just("&".to_string()),
        Just("&#952;".to_string()),
        Just("\\N".to_string()),
        "[{}|<>]",
        "[a-z0-9.*+-]{1,3}",
        "[θ₁→∂é😀]",
        any::<char>().prop_map(String::from),
    ];
    proptest::collection::vec(piece, 0..12).prop_map(|pieces| pieces.concat())
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 128,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn random_labels_parse_back_and_render_verbatim_in_both_engines(labels in proptest::collection::vec(label_strategy(), 1..4)) {
        let labels: Vec<&str> = labels.iter().map(String::as_str).collect();
        let graph = labels_graph(&labels);
        let dot = to_dot(&graph, &DotOptions::default(), &Decorations::default());
        let parsed = node_labels(&parse(&dot));
        prop_assert_eq!(parsed.len(), labels.len());
        assert_labels_verbatim(&graph);
    }
}

#[test]
fn neuron_figure_has_micrographs_structure() {
    let graph = neuron();
    let dot = to_dot(&graph, &DotOptions::default(), &Decorations::default());
    let parsed = parse(&dot);
    let labels = node_labels(&parsed);
    // 10 values, 5 of them computed: 10 records and 5 op nodes.
    assert_eq!(labels.len(), 15);
    assert_eq!(
        labels[0],
        (
            "v0".to_string(),
            "\"{ x1 | data 2.0000 | grad -1.5000 }\"".to_string()
        )
    );
    assert!(labels.contains(&("v9_op".to_string(), "\"tanh\"".to_string())));
    // Each computed value: one edge per distinct operand and one from its op node.
    assert_eq!(edge_count(&parsed), 2 + 2 + 2 + 2 + 1 + 5);
    assert!(dot.contains("rankdir=LR"));
    assert!(dot.contains("v8 -> v9_op\n  v9_op -> v9\n"));
}

#[test]
fn a_value_used_twice_draws_one_edge() {
    let g = Graph::new();
    let a = g.leaf(3.0).with_label("a");
    let b = (a * a).with_label("b");
    let graph = to_petgraph(&g, &[b.id()]);
    let dot = to_dot(&graph, &DotOptions::default(), &Decorations::default());
    assert_eq!(edge_count(&parse(&dot)), 2, "{dot}");
    assert_eq!(dot.matches("v0 -> v1_op").count(), 1);
}

#[test]
fn dot_text_is_deterministic() {
    let first = to_dot(&neuron(), &DotOptions::default(), &Decorations::default());
    for _ in 0..3 {
        assert_eq!(
            to_dot(&neuron(), &DotOptions::default(), &Decorations::default()),
            first
        );
    }
}

#[test]
fn options_set_rankdir_and_precision() {
    let options = DotOptions::default()
        .with_rankdir(Rankdir::TB)
        .with_precision(2);
    let dot = to_dot(&neuron(), &options, &Decorations::default());
    assert!(dot.contains("rankdir=TB"), "{dot}");
    assert!(dot.contains("\"{ b | data 6.88 | grad 0.50 }\""), "{dot}");
}

#[test]
fn non_finite_numbers_print_as_python_does() {
    let graph = {
        let mut g = ExportGraph::new();
        g.add_node(leaf(0, "n", f64::NAN, f64::INFINITY));
        g.add_node(leaf(1, "m", f64::NEG_INFINITY, -0.0));
        g
    };
    let dot = to_dot(&graph, &DotOptions::default(), &Decorations::default());
    assert!(dot.contains("{ n | data nan | grad inf }"), "{dot}");
    assert!(dot.contains("{ m | data -inf | grad -0.0000 }"), "{dot}");
    assert_labels_verbatim(&graph);
}

/// Python's `%.{p}f` on the same doubles, passed as hex so both sides read the same bits.
#[test]
fn numbers_format_exactly_like_python() {
    let mut values = vec![
        0.125,
        0.375,
        2.5,
        0.5,
        1.5,
        5e-5,
        1.5e-4,
        2.00005,
        1.00005,
        -1e-5,
        -0.0,
        0.0,
        1e20,
        1e300,
        5e-324,
        123_456_789.123_456_79,
        0.1 + 0.2,
        -2.675,
        2.675,
    ];
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    for _ in 0..300 {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let scale = 10f64.powi((state % 12) as i32 - 6);
        values.push(((state >> 11) as f64 / (1u64 << 53) as f64 - 0.5) * scale);
    }
    let hex: Vec<String> = values.iter().map(|v| hex_float(*v)).collect();
    let script = "import sys\nfor h in sys.argv[1:]:\n    x = float.fromhex(h)\n    print(' '.join('%.*f' % (p, x) for p in range(9)))\n";
    let output = std::process::Command::new(python())
        .arg("-c")
        .arg(script)
        .args(&hex)
        .output()
        .expect("GRADVIZ_TEST_PYTHON runs");
    assert!(output.status.success());
    let stdout = String::from_utf8(output.stdout).unwrap();
    for (value, line) in values.iter().zip(stdout.lines()) {
        let ours: Vec<String> = (0..9).map(|p| format_number(*value, p)).collect();
        assert_eq!(ours.join(" "), line, "{value:e}");
    }
    assert_eq!(stdout.lines().count(), values.len());
}

/// `x` in Python's `float.hex` form, exact.
fn hex_float(x: f64) -> String {
    if x == 0.0 {
        return if x.is_sign_negative() {
            "-0x0p+0"
        } else {
            "0x0p+0"
        }
        .to_string();
    }
    let bits = x.to_bits();
    let sign = if x < 0.0 { "-" } else { "" };
    let exponent = ((bits >> 52) & 0x7ff) as i64;
    let mantissa = bits & ((1 << 52) - 1);
    if exponent == 0 {
        format!("{sign}0x0.{mantissa:013x}p-1022")
    } else {
        format!("{sign}0x1.{mantissa:013x}p{}", exponent - 1023)
    }
}

#[test]
fn both_engines_draw_every_record_op_and_edge_of_the_neuron() {
    let graph = neuron();
    let dot = to_dot(&graph, &DotOptions::default(), &Decorations::default());
    for (engine, options) in engines() {
        let rendered = render_dot(&dot, Format::Svg, &options).unwrap();
        assert_eq!(rendered.engine, engine);
        assert_eq!(rendered.note, None);
        let (nodes, edges) = read_svg(&rendered.bytes);
        assert_eq!(nodes.len(), 15, "{engine:?}");
        assert_eq!(edges, 14, "{engine:?}");
        for info in graph.node_weights() {
            let record = nodes.iter().find(|(t, _)| *t == format!("v{}", info.id));
            assert_eq!(record.unwrap().1, expected_record(info), "{engine:?}");
            if !info.op.is_leaf() {
                let op = nodes.iter().find(|(t, _)| *t == format!("v{}_op", info.id));
                assert_eq!(op.unwrap().1, vec![info.op.to_string()], "{engine:?}");
            }
        }
    }
}

#[test]
fn png_through_both_engines_and_pdf_through_dot() {
    let dot = to_dot(&neuron(), &DotOptions::default(), &Decorations::default());
    for (engine, options) in engines() {
        let png = render_dot(&dot, Format::Png, &options).unwrap();
        assert_eq!(&png.bytes[..8], b"\x89PNG\r\n\x1a\n", "{engine:?}");
    }
    let dot_options = engines().remove(0).1;
    let pdf = render_dot(&dot, Format::Pdf, &dot_options).unwrap();
    assert_eq!(&pdf.bytes[..5], b"%PDF-");
}

#[test]
fn the_builtin_engine_refuses_pdf_with_a_clear_message() {
    let options = EngineOptions::default().with_engine(EngineChoice::Builtin);
    let error = render_dot("digraph { a }", Format::Pdf, &options).unwrap_err();
    assert!(
        matches!(error, Error::Refused(Refusal::PdfNeedsDot { .. })),
        "{error:?}"
    );
    assert_eq!(error.exit_code(), 2, "a setting asks for what cannot be");
    assert!(error.to_string().contains("PDF needs Graphviz"), "{error}");
}

#[test]
fn dot_and_json_are_not_drawn_by_an_engine() {
    for format in [Format::Dot, Format::Json] {
        let error = render_dot("digraph {}", format, &EngineOptions::default()).unwrap_err();
        assert!(matches!(error, Error::Usage(_)), "{error:?}");
    }
}

#[test]
fn a_missing_dot_binary_says_how_to_install_graphviz() {
    for engine in [EngineChoice::Dot, EngineChoice::Auto] {
        let options = EngineOptions::default()
            .with_engine(engine)
            .with_dot_binary("/nonexistent/dot");
        let error = render_dot("digraph { a }", Format::Svg, &options).unwrap_err();
        assert!(matches!(error, Error::DotMissing { .. }), "{error:?}");
        let message = error.to_string();
        assert!(message.contains("/nonexistent/dot"), "{message}");
        assert!(message.contains("apt-get install graphviz"), "{message}");
        assert_eq!(error.exit_code(), 1);
    }
}

#[test]
fn a_failing_dot_reports_its_stderr() {
    let options = EngineOptions::default()
        .with_engine(EngineChoice::Dot)
        .with_dot_binary(dot_binary());
    let error = render_dot("digraph { a -> }", Format::Svg, &options).unwrap_err();
    let Error::Render(message) = &error else {
        panic!("{error:?}")
    };
    assert!(message.contains("syntax error"), "{message}");
    assert!(message.contains("-Tsvg` failed"), "{message}");
}

#[test]
fn the_builtin_engine_reports_bad_dot() {
    let options = EngineOptions::default().with_engine(EngineChoice::Builtin);
    let error = render_dot("digraph { a -> }", Format::Svg, &options).unwrap_err();
    assert!(matches!(error, Error::Render(_)), "{error:?}");
    assert!(error.to_string().contains("syntax error"), "{error}");
}

/// A stand-in `dot` that never answers: the runner must kill it at the timeout.
#[cfg(unix)]
#[test]
fn a_dot_that_hangs_is_killed_at_the_timeout() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("dot");
    let pid_file = dir.path().join("pid");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\necho $$ > '{}'\nexec sleep 30\n",
            pid_file.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    let options = EngineOptions::default()
        .with_engine(EngineChoice::Dot)
        .with_dot_binary(&script)
        .with_timeout(Duration::from_millis(1000));
    // Another test thread forking while this one wrote the script can hold it open for a
    // moment: exec then fails with "Text file busy" (ETXTBSY), which is not what is tested.
    let mut error = render_dot("digraph { a }", Format::Svg, &options).unwrap_err();
    for _ in 0..20 {
        if !error.to_string().contains("Text file busy") {
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
        error = render_dot("digraph { a }", Format::Svg, &options).unwrap_err();
    }
    assert!(error.to_string().contains("timeout"), "{error}");
    // On a loaded machine the shell may be killed before it writes its pid, or between
    // creating the file and writing it: then the runner has killed and reaped it already (it
    // waits after the kill), so nothing can still run.
    let written = std::fs::read_to_string(&pid_file).unwrap_or_default();
    let Ok(pid) = written.trim().parse::<u32>() else {
        return;
    };
    let alive = Path::new("/proc").join(pid.to_string());
    let state = std::fs::read_to_string(alive.join("stat")).unwrap_or_default();
    assert!(
        state.is_empty() || state.contains(") Z"),
        "the child still runs: {state}"
    );
}

/// With no `dot` on PATH, `auto` draws with the builtin engine and says so. PATH is
/// process-wide, so this runs in a child process of this test binary.
#[test]
fn auto_falls_back_to_builtin_with_a_note() {
    let output = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "render::auto_fallback_child",
            "--exact",
            "--ignored",
            "--nocapture",
        ])
        .env("PATH", "/nonexistent")
        .env_remove("GRADVIZ_DOT")
        .env("GRADVIZ_AUTO_CHILD", "1")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}");
    assert!(stdout.contains("1 passed"), "{stdout}");
}

#[test]
#[ignore = "run by auto_falls_back_to_builtin_with_a_note with PATH emptied"]
fn auto_fallback_child() {
    assert_eq!(std::env::var("GRADVIZ_AUTO_CHILD").as_deref(), Ok("1"));
    let rendered = render_dot("digraph { a }", Format::Svg, &EngineOptions::default()).unwrap();
    assert_eq!(rendered.engine, EngineChoice::Builtin);
    let note = rendered.note.expect("a note");
    assert!(!note.contains('\n') && note.contains("builtin"), "{note}");
    let error = render_dot("digraph { a }", Format::Pdf, &EngineOptions::default()).unwrap_err();
    assert!(
        error.to_string().contains("apt-get install graphviz"),
        "{error}"
    );
}

#[test]
fn auto_prefers_dot_when_it_is_found() {
    let options = EngineOptions::default().with_dot_binary(dot_binary());
    let rendered = render_dot("digraph { a }", Format::Svg, &options).unwrap();
    assert_eq!(rendered.engine, EngineChoice::Dot);
    assert_eq!(rendered.note, None);
}

#[test]
fn format_follows_the_extension() {
    let cases = [
        ("x.svg", Some(Format::Svg)),
        ("x.PNG", Some(Format::Png)),
        ("dir/x.pdf", Some(Format::Pdf)),
        ("x.gv", Some(Format::Dot)),
        ("x.dot", Some(Format::Dot)),
        ("x.json", Some(Format::Json)),
        ("x.txt", None),
        ("x", None),
    ];
    for (path, format) in cases {
        assert_eq!(Format::from_extension(Path::new(path)), format, "{path}");
    }
    assert_eq!(Format::Svg.extension(), "svg");
}

#[test]
fn write_atomic_writes_and_replaces() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("out.svg");
    gradviz::output::write_atomic(&path, b"first").unwrap();
    assert_eq!(std::fs::read(&path).unwrap(), b"first");
    gradviz::output::write_atomic(&path, b"second").unwrap();
    assert_eq!(std::fs::read(&path).unwrap(), b"second");
    let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert_eq!(names.len(), 1, "a temporary file was left behind");
}

#[cfg(unix)]
#[test]
fn write_atomic_keeps_the_mode_of_the_file_it_replaces() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("out.svg");
    std::fs::write(&path, b"old").unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).unwrap();
    gradviz::output::write_atomic(&path, b"new").unwrap();
    let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o640);
}

#[test]
fn write_atomic_failure_leaves_the_old_file_and_no_partial_file() {
    let dir = tempfile::tempdir().unwrap();
    // The target is a non-empty directory: the final rename fails.
    let target = dir.path().join("taken");
    std::fs::create_dir(&target).unwrap();
    std::fs::write(target.join("keep"), b"old").unwrap();
    let error = gradviz::output::write_atomic(&target, b"new").unwrap_err();
    assert!(matches!(error, Error::Io { .. }), "{error:?}");
    assert!(error.to_string().contains("taken"), "{error}");
    assert_eq!(std::fs::read(target.join("keep")).unwrap(), b"old");
    let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert_eq!(names.len(), 1, "a temporary file was left behind");

    let missing = dir.path().join("no/such/dir/out.svg");
    let error = gradviz::output::write_atomic(&missing, b"x").unwrap_err();
    assert!(error.to_string().contains("no/such/dir/out.svg"), "{error}");
}
