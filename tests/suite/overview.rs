//! The overview `render` draws by default past `views::defaults::OVERVIEW_ABOVE` values: the
//! moons notebook (MLP(2, [16, 16, 1]) over 100 points, hinge loss plus L2; 65,818 values)
//! drawn by the real CLI, its SVG parsed (nodes, aspect ratio, text size, the note), `--full`
//! and `--depth` from the same graph's JSON, and a small graph drawn as it always was.

use crate::support::svg::groups;
use crate::support::xml::parse_xml;
use std::path::Path;

use crate::support::{fixture, gradviz, gradviz_in_user_python, python_fixture, svg};

/// The values of the moons notebook's last graph.
const MOONS_VALUES: usize = 65_818;

/// How many values a DOT figure draws: one record statement (`  v12[label=…`) each.
fn drawn_values(dot: &str) -> usize {
    dot.lines()
        .filter(|line| {
            let rest = line.strip_prefix("  v").unwrap_or("");
            let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
            digits > 0 && rest[digits..].starts_with('[')
        })
        .count()
}

/// The SVG's size in pt, from its `width` and `height`.
fn size_pt(doc: &roxmltree::Document) -> (f64, f64) {
    let pt = |name: &str| {
        let text = doc.root_element().attribute(name).expect("a size");
        text.trim_end_matches("pt").parse::<f64>().expect("pt")
    };
    (pt("width"), pt("height"))
}

#[test]
fn the_moons_notebook_is_drawn_as_an_overview_that_fits_a_screen() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("moons.svg");
    let assert = gradviz_in_user_python()
        .args(["render", "-o"])
        .arg(&out)
        .arg(python_fixture("moons.ipynb"))
        .assert()
        .success();
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).to_string();
    let notes: Vec<&str> = stderr
        .lines()
        .filter(|l| l.starts_with("note: 65,818 values drawn as an overview"))
        .collect();
    assert_eq!(notes.len(), 1, "one line says what was folded: {stderr}");
    assert!(notes[0].contains("--full draws every value, --depth N"));

    let text = std::fs::read_to_string(&out).unwrap();
    let doc = parse_xml(&text);
    let nodes = groups(&doc, "node");
    assert!(
        (5..=40).contains(&nodes.len()),
        "{} nodes for {MOONS_VALUES} values",
        nodes.len()
    );
    let (width, height) = size_pt(&doc);
    assert!(
        width.max(height) / width.min(height) <= 4.0,
        "{width} × {height} pt"
    );
    // Scaled to 1920 px wide (96 px per 72 pt), the smallest text is still 8 pt or more.
    let scale = 1920.0 / (width * 96.0 / 72.0);
    let smallest = doc
        .descendants()
        .filter_map(|n| n.attribute("font-size"))
        .map(|size| size.parse::<f64>().unwrap())
        .fold(f64::INFINITY, f64::min);
    assert!(
        smallest * scale >= 8.0,
        "{smallest} pt × {scale:.2} at 1920 px"
    );
    let all_text: Vec<String> = doc
        .descendants()
        .filter(|n| n.has_tag_name("text"))
        .map(|n| n.text().unwrap_or_default().replace('\u{a0}', " "))
        .collect();
    assert!(
        all_text
            .iter()
            .any(|t| t.starts_with("overview of 65,818 values in ")
                && t.ends_with(" nodes: repeated computations drawn once")),
        "the caption says what the figure stands for: {all_text:?}"
    );
    let texts_of = |prefix: &str| {
        nodes
            .iter()
            .find(|(_, texts)| texts.first().is_some_and(|t| t.starts_with(prefix)))
            .map(|(_, texts)| texts.join("\n"))
            .unwrap_or_else(|| panic!("a node titled {prefix}…: {nodes:?}"))
    };
    // The note's examples of what was drawn once are titles of this figure's nodes.
    let examples = notes[0]
        .split_once("drawn once (`")
        .and_then(|(_, rest)| rest.split_once("`)"))
        .map(|(examples, _)| examples.split("`, `").collect::<Vec<_>>())
        .expect("examples in the note");
    assert_eq!(examples.len(), 2, "{examples:?}");
    for example in examples {
        texts_of(example);
    }
    // The first layer: one node for its 16 neurons over the 100 examples, its outputs'
    // data and grad as ranges and their gradient norm.
    let layer = texts_of("l0: 16 × ReLU(w·x+b)");
    for line in ["× 100 calls", "1,648 outputs", "data ", "grad ", "‖grad‖ "] {
        assert!(layer.contains(line), "{line:?} in {layer}");
    }
    // The hinge loss term of each example, drawn once.
    let terms = texts_of("100 × ReLU");
    assert!(
        terms.contains("100 outputs") && terms.contains("‖grad‖"),
        "{terms}"
    );
    // The sum over the examples' terms, and the loss itself as one value with its numbers.
    texts_of("Σ of 101 terms");
    let loss = texts_of("total_loss");
    assert!(loss.contains("grad 1.0000"), "{loss}");
}

#[test]
fn full_draws_every_value_and_depth_opens_more() {
    let dir = tempfile::tempdir().unwrap();
    let json = moons_json(dir.path());
    let dot_with = |extra: &[&str]| {
        let args: Vec<&str> = ["--format", "dot"].iter().chain(extra).copied().collect();
        rendered(&json, &args).0
    };
    assert_eq!(drawn_values(&dot_with(&["--full"])), MOONS_VALUES);
    assert_eq!(
        drawn_values(&dot_with(&[])),
        MOONS_VALUES,
        "a DOT source, the graph for other tools, holds every value unless a depth is asked"
    );
    let layers = dot_with(&["--depth", "0"]);
    let neurons = dot_with(&["--depth", "1"]);
    assert!(drawn_values(&layers) <= 40);
    assert!(drawn_values(&neurons) > drawn_values(&layers));
    assert!(
        neurons.contains("l0.n3: ReLU(w&#183;x+b)"),
        "each neuron its node"
    );
    assert!(!layers.contains("l0.n3: "));
    let everything_open = drawn_values(&dot_with(&["--depth", "2"]));
    assert!(drawn_values(&neurons) < everything_open && everything_open < MOONS_VALUES);
}

#[test]
fn a_small_graph_is_drawn_as_it_always_was() {
    let dir = tempfile::tempdir().unwrap();
    let draw = |name: &str, extra: &[&str]| {
        let out = dir.path().join(name);
        gradviz_in_user_python()
            .args(["render", "--format", "dot", "--snapshot", "1", "-o"])
            .arg(&out)
            .args(extra)
            .arg(fixture("neuron.py"))
            .assert()
            .success();
        std::fs::read(out).unwrap()
    };
    let plain = draw("plain.dot", &[]);
    assert_eq!(plain, draw("full.dot", &["--full"]));
    assert!(!String::from_utf8_lossy(&plain).contains("overview"));
}

/// The moons notebook's last graph as gradviz's JSON, written in `dir`.
fn moons_json(dir: &Path) -> String {
    let json = dir.join("moons.json");
    gradviz_in_user_python()
        .arg("render")
        .arg(python_fixture("moons.ipynb"))
        .arg("-o")
        .arg(&json)
        .assert()
        .success();
    json.to_string_lossy().into_owned()
}

/// What `gradviz render <input> <args…> -o -` writes, and its notes.
fn rendered(input: &str, args: &[&str]) -> (String, String) {
    let out = gradviz()
        .args(["render", input, "-o", "-"])
        .args(args)
        .output()
        .expect("runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    (
        String::from_utf8(out.stdout).expect("utf-8"),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Every text of every node of an SVG figure.
fn node_texts(doc: &roxmltree::Document) -> Vec<String> {
    svg::groups(doc, "node")
        .into_iter()
        .flat_map(|(_, texts)| texts)
        .collect()
}

#[test]
fn a_graph_without_labels_still_shows_its_layers() {
    let dir = tempfile::tempdir().expect("temp dir");
    let json = moons_json(dir.path());
    let mut graph: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).expect("read")).expect("json");
    // Another engine's JSON: no labels, no scopes.
    for node in graph["nodes"].as_array_mut().expect("nodes") {
        node["label"] = "".into();
        node.as_object_mut().expect("a node").remove("scope");
    }
    graph.as_object_mut().expect("a graph").remove("scopes");
    let bare = dir.path().join("bare.json");
    std::fs::write(&bare, graph.to_string()).expect("write");
    let (figure, _) = rendered(&bare.to_string_lossy(), &["--format", "svg"]);
    let texts = node_texts(&parse_xml(&figure));
    // Layer 0: 16 neurons × 2 weights times 100 examples, each neuron w·x + b; layer 1's 16
    // weights per neuron; the output neuron's; one loss term per example.
    for expected in [
        "3,200 × *",
        "1,600 × Σ of 3 terms",
        "25,600 × *",
        "1,600 × Σ of 17 terms",
        "100 × Σ of 17 terms",
        "100 × ReLU",
    ] {
        assert!(
            texts.iter().any(|t| t == expected),
            "{expected:?} in {texts:?}"
        );
    }
}

#[test]
fn a_long_loop_is_one_chain_and_a_lecture_graph_stays_whole() {
    let dir = tempfile::tempdir().expect("temp dir");
    let script = dir.path().join("loop.py");
    std::fs::write(
        &script,
        "x = Value(1.0)\nfor i in range(20000): x = x * Value(0.9999, label='w')\nx.backward()\n",
    )
    .expect("write");
    let (figure, notes) = rendered(&script.to_string_lossy(), &["--format", "svg"]);
    assert!(
        notes.contains("40,001 values drawn as an overview of 3 nodes"),
        "{notes}"
    );
    let texts = node_texts(&parse_xml(&figure));
    assert!(
        texts.iter().any(|t| t == "x (Π of 20,001 factors)"),
        "{texts:?}"
    );
    assert!(texts.iter().any(|t| t == "20,000 × w"), "{texts:?}");

    let (lecture, notes) = rendered(
        &crate::support::fixture("mlp.py").to_string_lossy(),
        &["--format", "svg"],
    );
    assert_eq!(notes, "");
    assert!(!lecture.contains("overview"));
}

#[test]
fn a_loop_carrying_one_value_is_drawn_as_its_steps() {
    let dir = tempfile::tempdir().expect("temp dir");
    let script = dir.path().join("steps.py");
    std::fs::write(
        &script,
        "x = Value(1.0, label='x')\nfor i in range(3000):\n    \
         x = x * Value(0.999, label=f'w{i}') + Value(0.001, label=f'b{i}')\nx.backward()\n",
    )
    .expect("write");
    let (figure, notes) = rendered(&script.to_string_lossy(), &["--format", "svg"]);
    assert!(
        notes.contains("12,001 values drawn as an overview of 3 nodes"),
        "{notes}"
    );
    let nodes: Vec<Vec<String>> = svg::groups(&parse_xml(&figure), "node")
        .into_iter()
        .map(|(_, texts)| texts.iter().map(|t| t.trim().to_string()).collect())
        .collect();
    let steps = nodes
        .iter()
        .find(|texts| texts[0] == "x (3,000 steps of * then +)")
        .unwrap_or_else(|| panic!("the loop's node in {nodes:?}"));
    // The loop's result: 0.999^3000 + 0.001 (1 - 0.999^3000) / 0.001 = 1, its grad 1.
    for text in ["data 1.0000", "grad 1.0000", "11,999 values inside"] {
        assert!(steps.iter().any(|t| t == text), "{text:?} in {steps:?}");
    }
    // The loop's starting values stay in view.
    assert!(nodes.iter().any(|texts| texts[0] == "x"), "{nodes:?}");
    assert!(nodes.iter().any(|texts| texts[0] == "w0"), "{nodes:?}");
}

#[test]
fn compare_draws_both_states_of_a_large_graph_as_their_overviews_side_by_side() {
    let dir = tempfile::tempdir().unwrap();
    let json = moons_json(dir.path());
    for engine in ["dot", "layered"] {
        compared_overviews(&json, engine);
    }
}

/// `gradviz compare` of the moons graph, drawn by `engine`, checked.
fn compared_overviews(json: &str, engine: &str) {
    let out = gradviz()
        .args([
            "compare", json, "-o", "-", "--format", "svg", "--engine", engine,
        ])
        .output()
        .expect("runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let notes = String::from_utf8_lossy(&out.stderr);
    assert!(
        notes.contains("65,818 values drawn as an overview of 21 nodes"),
        "{notes}"
    );
    let figure = String::from_utf8(out.stdout).expect("utf-8");
    let doc = parse_xml(&figure);
    let nodes = svg::groups(&doc, "node");
    assert!(nodes.len() <= 2 * 40, "{} nodes", nodes.len());
    // Both states fold alike: every titled node is drawn in each (`100 × leaf` twice).
    let mut titles: Vec<String> = nodes
        .iter()
        .filter_map(|(_, texts)| texts.first())
        .map(|t| t.trim().to_string())
        .collect();
    titles.sort();
    assert!(
        titles.iter().any(|t| t == "l0: 16 × ReLU(w·x+b)"),
        "{titles:?}"
    );
    for title in titles.iter().filter(|t| t.contains('×') || t.contains('Σ')) {
        let drawn = titles.iter().filter(|t| *t == title).count();
        assert_eq!(drawn % 2, 0, "{title:?} in {titles:?}");
    }
    // "before" reads first, on the left of "after"; backward's changes are filled in "after".
    let title_x = |title: &str| {
        let cluster = doc
            .descendants()
            .find(|n| {
                n.attribute("class") == Some("cluster")
                    && n.descendants().any(|t| t.text() == Some(title))
            })
            .unwrap_or_else(|| panic!("a cluster {title:?}"));
        let text = cluster
            .descendants()
            .find(|t| t.has_tag_name("text"))
            .expect("its title");
        text.attribute("x")
            .and_then(|x| x.parse::<f64>().ok())
            .expect("its x")
    };
    assert!(
        title_x("before backward") < title_x("after backward"),
        "{engine}"
    );
    assert!(
        figure.contains("fill=\"#ffe08a\""),
        "changed grads are filled"
    );
}

#[test]
fn a_large_graph_where_little_repeats_shows_the_values_made_last_before_its_output() {
    // A random DAG of unlike values (another engine's graph): each value adds or multiplies
    // two of the 300 before it, under a label of its own.
    let mut seed: u64 = 7;
    let mut next = |below: usize| {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (seed >> 33) as usize % below
    };
    let nodes: Vec<serde_json::Value> = (0..5_000)
        .map(|i| {
            let (op, children) = match i {
                0..=99 => ("", vec![]),
                _ => {
                    let operand = |pick: usize| i - 1 - pick % 300.min(i);
                    (
                        ["+", "*"][next(2)],
                        vec![operand(next(300)), operand(next(300))],
                    )
                }
            };
            serde_json::json!({"id": i, "label": format!("u{i}"), "data": 0.5, "grad": 0.0,
                               "op": op, "children": children})
        })
        .collect();
    let graph =
        serde_json::json!({"format": "gradviz", "version": 1, "nodes": nodes, "roots": [4_999]});
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("random.json");
    std::fs::write(&input, graph.to_string()).unwrap();
    let (figure, notes) = rendered(&input.to_string_lossy(), &["--format", "svg"]);
    assert!(
        notes.contains("the values made last before the output"),
        "{notes}"
    );
    let records: Vec<Vec<String>> = svg::groups(&parse_xml(&figure), "node")
        .into_iter()
        .map(|(_, texts)| texts.iter().map(|t| t.trim().to_string()).collect())
        .filter(|texts: &Vec<String>| texts.len() > 1)
        .collect();
    assert!(records.len() <= 43, "{} records", records.len());
    let titled = |title: &str| records.iter().any(|texts| texts[0] == title);
    assert!(titled("u4999"), "the output in {records:?}");
    for operand in graph["nodes"][4_999]["children"].as_array().unwrap() {
        assert!(
            titled(&format!("u{operand}")),
            "the output's operand {operand}"
        );
    }
    assert!(
        records
            .iter()
            .any(|texts| texts[0].ends_with(" earlier values")),
        "{records:?}"
    );
}
