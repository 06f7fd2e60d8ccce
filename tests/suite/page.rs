//! The interactive page: the SVG contract on both engines, the CLI writing one page, and the
//! page itself in a real headless Chromium (WebDriver): the figure's grad texts at each step,
//! deep links, search, selection, snapshot switching, keys, and no console errors.
//! Screenshots go to `target/page-screenshots/` for a person to look at.

use crate::support::{fixture, gradviz};

use crate::support::browser;
use crate::support::graphs;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use browser::Browser;
use gradviz::engine::{python_float_repr, Graph};
use gradviz::figure::{format_number, ElementId};
use gradviz::graph::to_petgraph;
use gradviz::page::svg::{prepare, ValueText};
use gradviz::render::{EngineChoice, EngineOptions, Format};
use serde_json::{json, Value};

/// Writes the page of a fixture with `engine`, returning its directory (kept alive) and path.
fn page_of(name: &str, engine: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("temp dir");
    let page = dir.path().join("page.html");
    gradviz()
        .args(["render", "--engine", engine, "-o"])
        .arg(&page)
        .arg(fixture(name))
        .assert()
        .success();
    (dir, page)
}

fn url(page: &Path, fragment: &str) -> String {
    format!("file://{}{fragment}", page.display())
}

fn save_screenshot(browser: &Browser, name: &str) {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("page-screenshots");
    std::fs::create_dir_all(&dir).expect("screenshot dir");
    std::fs::write(dir.join(name), browser.screenshot()).expect("screenshot written");
}

/// The neuron's grads after backward, as the figure writes them, by value id.
fn neuron_final_grads() -> BTreeMap<u64, String> {
    let g = Graph::new();
    let [.., o] = graphs::lecture_neuron(&g, ["x1", "x2", "w1", "w2", "b"]);
    to_petgraph(&g, &[o.id()])
        .node_weights()
        .map(|n| (n.id, format!("grad {}", format_number(n.grad, 4))))
        .collect()
}

/// The grad text of every value in snapshot `prefix`'s figure, by value id.
fn figure_grads(browser: &Browser, prefix: &str) -> BTreeMap<u64, String> {
    let found = browser.eval(&format!(
        "return Array.from(document.querySelectorAll('#{prefix}-figure text[id$=\"-g\"]'))\
         .map(t => [t.id, t.textContent]);"
    ));
    found
        .as_array()
        .expect("a list")
        .iter()
        .map(|pair| {
            let id = pair[0].as_str().unwrap();
            let number = id
                .strip_prefix(&format!("{prefix}-v"))
                .and_then(|rest| rest.strip_suffix("-g"))
                .unwrap_or_else(|| panic!("odd id {id}"));
            (
                number.parse().unwrap(),
                pair[1].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn zero_except(pairs: &[(u64, &str)]) -> BTreeMap<u64, String> {
    let mut grads: BTreeMap<u64, String> = (0..10).map(|id| (id, "grad 0.0000".into())).collect();
    for &(id, text) in pairs {
        grads.insert(id, text.into());
    }
    grads
}

// ---- the SVG contract, on both engines ----

fn contract_holds(engine: EngineChoice) {
    let g = Graph::new();
    let [.., o] = graphs::lecture_neuron(&g, ["x1", "x2", "w1", "w2", "b"]);
    let graph = to_petgraph(&g, &[o.id()]);
    // Through the library's one drawing step, which sends the figure to the chosen engine
    // (the layered engine draws the figure's scene, not DOT).
    let mut options = gradviz::render::Options::default();
    options.engine = EngineOptions::default().with_engine(engine);
    let svg = String::from_utf8(
        gradviz::render::draw(&graph, Format::Svg, &options)
            .unwrap()
            .bytes,
    )
    .unwrap();
    let drawn: Vec<String> = graph
        .node_weights()
        .map(|n| format!("grad {}", format_number(n.grad, 4)))
        .collect();
    let values: BTreeMap<u64, ValueText> = graph
        .node_weights()
        .zip(&drawn)
        .map(|(n, text)| {
            let texts = ValueText {
                drawn: text.clone(),
                initial: "grad 7.0000".into(),
            };
            (n.id, texts)
        })
        .collect();
    let page_svg = prepare(&svg, "s3", &values).expect("the contract holds");
    let doc = roxmltree::Document::parse(&page_svg).expect("still SVG");
    for node in graph.node_weights() {
        let group = doc
            .descendants()
            .find(|n| n.attribute("id") == Some(&format!("s3-v{}", node.id)))
            .unwrap_or_else(|| panic!("no group for v{}", node.id));
        assert_eq!(group.attribute("class"), Some("node"));
        let grad: Vec<_> = group
            .descendants()
            .filter(|t| t.attribute("id") == Some(&format!("s3-v{}-g", node.id)))
            .collect();
        assert_eq!(grad.len(), 1);
        assert_eq!(grad[0].text(), Some("grad 7.0000"));
    }
    let ids: Vec<&str> = doc
        .descendants()
        .filter_map(|n| n.attribute("id"))
        .collect();
    assert!(ids.iter().all(|id| id.starts_with("s3-")), "{ids:?}");
    // Nodes, edges and grad texts are named as `ElementId` writes and reads them, which the
    // page's script builds from the same grammar.
    for element in doc
        .descendants()
        .filter(|n| matches!(n.attribute("class"), Some("node" | "edge")) || n.has_tag_name("text"))
    {
        let Some(id) = element.attribute("id") else {
            continue;
        };
        let name = id.strip_prefix("s3-").expect("prefixed");
        let parsed: ElementId = name
            .parse()
            .unwrap_or_else(|e| panic!("{e} (the group {id})"));
        assert_eq!(parsed.to_string(), name);
    }
    let distinct: std::collections::BTreeSet<_> = ids.iter().collect();
    assert_eq!(distinct.len(), ids.len());
    // A value the figure does not draw breaks the contract, and says which.
    let mut more = values;
    more.insert(
        99,
        ValueText {
            drawn: "grad 0.0000".into(),
            initial: "grad 0.0000".into(),
        },
    );
    let error = prepare(&svg, "s3", &more).unwrap_err().to_string();
    assert!(error.contains("v99"), "{error}");
}

#[test]
fn the_svg_contract_holds_on_dot() {
    contract_holds(EngineChoice::Dot);
}

#[test]
fn the_svg_contract_holds_on_the_layered_engine() {
    contract_holds(EngineChoice::Layered);
}

#[test]
fn the_svg_contract_holds_on_the_builtin_engine() {
    contract_holds(EngineChoice::Builtin);
}

// ---- the command line ----

#[test]
fn a_script_with_two_snapshots_is_one_page() {
    let (dir, page) = page_of("neuron.py", "builtin");
    let files: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert_eq!(files.len(), 1, "{files:?}");
    let html = std::fs::read_to_string(&page).unwrap();
    assert_eq!(html.matches("<svg").count(), 2);
    assert!(!html.contains("http://") || !html.contains("src=\"http"));
    assert!(!html.contains("<link"), "no external resources");
}

// ---- in the browser ----

#[test]
fn the_neuron_page_replays_backward_in_chromium() {
    for engine in ["dot", "builtin"] {
        let (_dir, page) = page_of("neuron.py", engine);
        let browser = Browser::start();
        let after = "#snapshot=2&step=";
        browser.open(&url(&page, &format!("{after}0")));
        assert_eq!(figure_grads(&browser, "s1"), zero_except(&[]), "{engine}");
        browser.open(&url(&page, &format!("{after}1")));
        assert_eq!(
            figure_grads(&browser, "s1"),
            zero_except(&[(9, "grad 1.0000")])
        );
        browser.open(&url(&page, &format!("{after}2")));
        assert_eq!(
            figure_grads(&browser, "s1"),
            zero_except(&[(9, "grad 1.0000"), (8, "grad 0.5000")])
        );
        // The chain rule in numbers, one line each: local derivative, times the upstream
        // grad, into the operand's sum.
        let lines = browser.eval("return document.getElementById('gv-step-lines').innerText;");
        let lines: Vec<&str> = lines.as_str().unwrap().lines().collect();
        assert_eq!(
            lines,
            [
                "d(o)/d(n) = 1 − o.data² = 1 − 0.7071² = 0.5000",
                "d(o)/d(n) × o.grad = 0.5000 × 1.0000 = 0.5000",
                "n.grad += 0.5000 → 0.5000 (n.grad: 0.0000 → 0.5000)",
            ],
            "{engine}"
        );
        browser.open(&url(&page, &format!("{after}end")));
        assert_eq!(figure_grads(&browser, "s1"), neuron_final_grads());
        save_screenshot(&browser, &format!("neuron-end-{engine}.png"));
        assert_eq!(browser.console_errors(), Vec::<String>::new());
    }
}

/// The height on screen of the figure's texts in snapshot `prefix` (CSS pixels; a text's
/// box is about 1.15 times its font), the smallest and the largest.
fn text_heights(browser: &Browser, prefix: &str) -> (f64, f64) {
    let heights = browser.eval(&format!(
        "return Array.from(document.querySelectorAll('#{prefix}-figure g.node text'))\
         .map(t => t.getBoundingClientRect().height);"
    ));
    let heights: Vec<f64> = heights
        .as_array()
        .expect("a list")
        .iter()
        .map(|h| h.as_f64().expect("a number"))
        .collect();
    assert!(!heights.is_empty());
    heights
        .iter()
        .fold((f64::MAX, f64::MIN), |(low, high), &h| {
            (low.min(h), high.max(h))
        })
}

/// Whether every node of snapshot `prefix` lies inside the figure's viewport.
fn all_in_view(browser: &Browser, prefix: &str) -> bool {
    browser.eval(&format!(
        "const port = document.getElementById('gv-viewport').getBoundingClientRect();\
         return Array.from(document.querySelectorAll('#{prefix}-figure g.node')).every(g => {{\
           const b = g.getBoundingClientRect();\
           return b.left >= port.left && b.right <= port.right && b.top >= port.top \
             && b.bottom <= port.bottom; }});"
    )) == json!(true)
}

/// The lecture neuron opens with its labels at a readable size (fitting it whole in the
/// window drew them at about 8 px), on every engine; the user can still zoom out, and `0`
/// fits it whole. A figure small enough opens whole, as before.
#[test]
fn the_first_view_draws_labels_at_a_readable_size() {
    for engine in ["dot", "builtin", "layered"] {
        let (_dir, page) = page_of("neuron.py", engine);
        let browser = Browser::start();
        browser.open(&url(&page, ""));
        let (smallest, _) = text_heights(&browser, "s0");
        // A 12 px font draws a text box of about 14 px.
        assert!(smallest >= 13.0, "{engine}: texts {smallest:.1} px high");
        assert!(
            smallest <= 16.0,
            "{engine}: no larger than needed: {smallest:.1} px"
        );
        save_screenshot(&browser, &format!("neuron-first-view-{engine}.png"));
        browser.type_into("#gv-viewport", "0");
        assert!(all_in_view(&browser, "s0"), "{engine}: 0 fits it whole");
        let (fitted, _) = text_heights(&browser, "s0");
        assert!(fitted < smallest, "{engine}: fitted {fitted:.1} px");
        browser.type_into("#gv-viewport", "--");
        let (zoomed_out, _) = text_heights(&browser, "s0");
        assert!(
            zoomed_out < fitted,
            "{engine}: zoomed out {zoomed_out:.1} px"
        );
        assert_eq!(browser.console_errors(), Vec::<String>::new());
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let script = dir.path().join("small.py");
    std::fs::write(
        &script,
        "a = Value(2.0, label='a')\nb = a.tanh()\nb.backward()\n",
    )
    .expect("write");
    let page = dir.path().join("small.html");
    gradviz()
        .args(["render", "--engine", "dot", "-o"])
        .arg(&page)
        .arg(&script)
        .assert()
        .success();
    let browser = Browser::start();
    browser.open(&url(&page, ""));
    assert!(all_in_view(&browser, "s0"), "a small figure opens whole");
    let (smallest, _) = text_heights(&browser, "s0");
    assert!(smallest >= 13.0, "and readable: {smallest:.1} px");
}

/// Every grad text of the figure lies inside its own field at every step: records are laid
/// out for the widest number each shows. The graph's stored grads are all 0 (a snapshot
/// before backward), while the replay reaches grads of five integer digits and a sign.
#[test]
fn every_step_fits_its_records() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("wide.json");
    let graph = json!({
        "format": "gradviz", "version": 1,
        "nodes": [
            {"id": 0, "label": "x", "data": -12345.0, "grad": 0.0, "op": "", "children": []},
            {"id": 1, "label": "w", "data": 54321.0, "grad": 0.0, "op": "", "children": []},
            {"id": 2, "label": "y", "data": -670592745.0, "grad": 0.0, "op": "*", "children": [0, 1]},
            {"id": 3, "label": "z", "data": -12345.0, "grad": 0.0, "op": "+", "children": [0, 0]}
        ],
        "roots": [2, 3]
    });
    std::fs::write(&input, graph.to_string()).unwrap();
    let page = dir.path().join("wide.html");
    run_to(&["render", "--engine", "builtin"], &page, &input).success();
    let browser = Browser::start();
    browser.open(&url(&page, "#step=0"));
    let outside = browser.eval(
        "const texts = Array.from(document.querySelectorAll('#s0-figure text[id$=\"-g\"]'));\
         const slider = document.getElementById('gv-slider');\
         const outside = [];\
         for (let k = 0; k <= Number(slider.max); k++) {\
           slider.value = String(k);\
           slider.dispatchEvent(new Event('input'));\
           for (const t of texts) {\
             const box = t.getBBox(), centre = box.x + box.width / 2;\
             const record = t.parentNode.querySelector('polygon').getBBox();\
             let left = record.x, right = record.x + record.width;\
             for (const line of t.parentNode.querySelectorAll('polyline')) {\
               const x = line.getBBox().x;\
               if (x < centre) left = Math.max(left, x); else right = Math.min(right, x);\
             }\
             if (box.x < left || box.x + box.width > right) outside.push(k + ' ' + t.textContent);\
           }\
         }\
         return [Number(slider.max), texts.map(t => t.textContent), outside];",
    );
    assert_eq!(
        outside,
        json!([
            4,
            [
                "grad 54323.0000",
                "grad -12345.0000",
                "grad 1.0000",
                "grad 1.0000"
            ],
            []
        ])
    );
}

#[test]
fn stepping_with_buttons_and_keys_keeps_the_fragment_in_sync() {
    let (_dir, page) = page_of("neuron.py", "builtin");
    let browser = Browser::start();
    browser.open(&url(&page, "#snapshot=2&step=0"));
    browser.click("#gv-next");
    browser.click("#gv-next");
    assert_eq!(
        figure_grads(&browser, "s1"),
        zero_except(&[(9, "grad 1.0000"), (8, "grad 0.5000")])
    );
    assert_eq!(
        browser.eval("return location.hash;"),
        json!("#snapshot=2&step=2")
    );
    browser.type_into("#gv-viewport", "\u{E014}\u{E014}\u{E012}");
    assert_eq!(
        browser.eval("return location.hash;"),
        json!("#snapshot=2&step=3")
    );
    // Tab in the figure selects the values in turn, and the fragment names the value.
    browser.type_into("#gv-viewport", "\u{E004}\u{E004}");
    assert_eq!(
        browser.eval("return location.hash;"),
        json!("#snapshot=2&step=3&node=1")
    );
    browser.click("#gv-last");
    assert_eq!(figure_grads(&browser, "s1"), neuron_final_grads());
    browser.click("#gv-first");
    assert_eq!(figure_grads(&browser, "s1"), zero_except(&[]));
    assert_eq!(browser.console_errors(), Vec::<String>::new());
}

#[test]
fn search_select_and_snapshots_in_chromium() {
    let (_dir, page) = page_of("neuron.py", "builtin");
    let browser = Browser::start();
    browser.open(&url(&page, "#snapshot=2&step=end"));
    // Search: every label with a `w` is highlighted; Enter centres and selects the first.
    browser.type_into("#gv-search", "w");
    let matched = browser.eval(
        "return Array.from(document.querySelectorAll('#s1-figure g.gv-match')).map(g => g.id);",
    );
    assert_eq!(
        matched,
        json!(["s1-v2", "s1-v3", "s1-v5", "s1-v6", "s1-v7"]),
        "w1, w2, x1*w1, x2*w2, x1*w1 + x2*w2"
    );
    browser.type_into("#gv-search", "\u{E007}");
    assert_eq!(
        browser.eval("return document.getElementById('gv-search-count').textContent;"),
        json!("1 of 5")
    );
    // Select x1 with a click: the panel shows it in full precision, the path from `o` lights.
    browser.click("#s1-v0 text");
    let field = |name: &str| {
        browser.eval(&format!(
            "return document.getElementById('gv-field-{name}').textContent;"
        ))
    };
    assert_eq!(field("label"), json!("x1"));
    assert_eq!(field("data"), json!("2.0"));
    let g = Graph::new();
    let [x1, ..] = graphs::lecture_neuron(&g, ["x1", "x2", "w1", "w2", "b"]);
    assert_eq!(field("grad"), json!(python_float_repr(x1.grad())));
    let g = Graph::new();
    assert_eq!(field("users"), json!("x1*w1"));
    let path = browser.eval(
        "return Array.from(document.querySelectorAll('#s1-figure g.node.gv-path'))\
         .map(g => g.id).sort();",
    );
    assert_eq!(
        path,
        json!([
            "s1-v0", "s1-v5", "s1-v5_op", "s1-v7", "s1-v7_op", "s1-v8", "s1-v8_op", "s1-v9",
            "s1-v9_op"
        ])
    );
    assert!(browser
        .eval("return location.hash;")
        .as_str()
        .unwrap()
        .ends_with("&node=0"));
    save_screenshot(&browser, "neuron-selected.png");
    // The snapshot selector shows the other figure, at its own start (before backward: 0).
    browser.click("#gv-snapshot option[value='0']");
    assert_eq!(
        browser.eval(
            "return [document.getElementById('s0-figure').hidden, \
             document.getElementById('s1-figure').hidden];"
        ),
        json!([false, true])
    );
    assert_eq!(
        browser.eval("return location.hash;"),
        json!("#snapshot=1&step=0")
    );
    // `#node=ID` selects by id; a deep link to another snapshot switches back.
    browser.open(&url(&page, "#snapshot=2&step=4&node=8"));
    assert_eq!(field("label"), json!("n"));
    let [.., n, _] = graphs::lecture_neuron(&g, ["x1", "x2", "w1", "w2", "b"]);
    assert_eq!(field("grad"), json!(python_float_repr(n.grad())));
    let ids = browser.eval(
        "const ids = Array.from(document.querySelectorAll('[id]')).map(e => e.id);\
         return [ids.length, new Set(ids).size];",
    );
    assert_eq!(ids[0], ids[1], "element ids are unique in the page");
    assert_eq!(browser.console_errors(), Vec::<String>::new());
}

#[test]
fn a_json_graph_with_wrong_grads_is_marked_with_both_numbers() {
    let (_dir, page) = page_of("buggy_reuse.json", "builtin");
    let browser = Browser::start();
    browser.open(&url(&page, ""));
    let rows: Value = browser.eval(
        "return Array.from(document.querySelectorAll('#gv-marks-table tbody tr'))\
         .map(r => Array.from(r.cells).map(c => c.textContent));",
    );
    // The numbers `gradviz check` finds (fixtures/buggy_reuse.check.txt).
    assert_eq!(rows, json!([["a", "3.0", "-3.0"], ["b", "-2.0", "-8.0"]]));
    // Steps: start, seed f, then the local backward of f, e and d.
    assert_eq!(
        browser.eval("return location.hash;"),
        json!("#step=4"),
        "a graph whose backward ran opens at its last step"
    );
    let stored_rows = browser.eval(
        "return Array.from(document.querySelectorAll('#s0-figure g.node[id^=s0-v] text'))\
         .filter(t => t.textContent.startsWith('stored grad')).length;",
    );
    assert_eq!(stored_rows, json!(2));
    save_screenshot(&browser, "buggy-reuse.png");
    assert_eq!(browser.console_errors(), Vec::<String>::new());
}

#[test]
fn a_page_after_an_optimizer_step_says_why_it_marks_no_grad() {
    // The lecture's training step: backward, then every parameter moves by its grad. The
    // graph drawn at the end holds the new data, from which backward gives other grads.
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("step.py");
    std::fs::write(
        &script,
        "w = Value(-3.0, label='w')\nx = Value(2.0, label='x')\nb = Value(1.0, label='b')\n\
         y = (w * x + b).tanh()\ny.label = 'y'\ny.backward()\n\
         for p in [w, b]:\n    p.data -= 0.1 * p.grad\n",
    )
    .unwrap();
    let page = dir.path().join("step.html");
    let assert = run_to(&["render"], &page, &script).success();
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).to_string();
    assert!(
        stderr.contains("note: the data of 2 values no longer follow from their operands"),
        "{stderr}"
    );
    let browser = Browser::start();
    browser.open(&url(&page, ""));
    let shown = browser.eval(
        "return [document.getElementById('gv-marks').hidden,\
         document.getElementById('gv-stale').hidden,\
         document.getElementById('gv-stale').textContent,\
         document.querySelectorAll('#s0-figure text').length];",
    );
    assert_eq!(shown[0], json!(true), "no table of wrong grads: {shown}");
    assert_eq!(shown[1], json!(false), "the panel says why: {shown}");
    assert!(
        shown[2]
            .as_str()
            .is_some_and(|t| t.starts_with("The data of 2 values no longer follow")),
        "{shown}"
    );
    let stored_rows = browser.eval(
        "return Array.from(document.querySelectorAll('#s0-figure text'))\
         .filter(t => t.textContent.startsWith('stored grad')).length;",
    );
    assert_eq!(stored_rows, json!(0), "no value is marked wrong");
    assert_eq!(browser.console_errors(), Vec::<String>::new());
}

// ---- compare and check pages ----

fn run_to(args: &[&str], page: &Path, input: &Path) -> assert_cmd::assert::Assert {
    gradviz().args(args).arg("-o").arg(page).arg(input).assert()
}

#[test]
fn the_compare_page_toggles_before_and_after_and_links_its_table() {
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("compare.html");
    run_to(
        &["compare", "--engine", "builtin"],
        &page,
        &fixture("neuron.py"),
    )
    .success();
    let browser = Browser::start();
    browser.open(&url(&page, ""));
    assert_eq!(
        figure_grads(&browser, "s0"),
        zero_except(&[]),
        "before: step 0"
    );
    browser.click("#gv-snapshot option[value='1']");
    assert_eq!(figure_grads(&browser, "s1"), neuron_final_grads());
    // The table of changed grads is kept, and its ids select their values.
    let rows = browser.eval("return document.querySelectorAll('#changed tbody tr').length;");
    assert_eq!(
        rows,
        json!(9),
        "every value but w2, whose grad stays 0 (x2 is 0)"
    );
    browser.click("#changed a[data-id='2']");
    assert_eq!(
        browser.eval("return document.getElementById('gv-field-label').textContent;"),
        json!("w1")
    );
    let ids = browser.eval(
        "const ids = Array.from(document.querySelectorAll('[id]')).map(e => e.id);\
         return [ids.length, new Set(ids).size];",
    );
    assert_eq!(ids[0], ids[1], "element ids are unique across both figures");
    // One layout for both states: every record sits where it sits in the other figure.
    let moved = browser.eval(
        "const shape = g => { const s = g.querySelector('polygon, ellipse');\
           return ['points', 'cx', 'cy'].map(a => s.getAttribute(a)).join('|'); };\
         const groups = Array.from(document.querySelectorAll('#s0-figure g.node[id^=s0-v]'));\
         return [groups.length, shape(groups[0]) !== shape(groups[1]),\
           groups.filter(g => { const other = document.getElementById('s1' + g.id.slice(2));\
             return !other || shape(other) !== shape(g); }).map(g => g.id)];",
    );
    assert_eq!(moved, json!([15, true, []]), "10 values and 5 op nodes");
    save_screenshot(&browser, "compare.png");
    assert_eq!(browser.console_errors(), Vec::<String>::new());
}

#[test]
fn the_check_page_marks_the_wrong_values_and_links_them() {
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("check.html");
    run_to(
        &["check", "--engine", "builtin"],
        &page,
        &fixture("buggy_reuse.json"),
    )
    .code(1);
    let browser = Browser::start();
    browser.open(&url(&page, ""));
    let rows = browser.eval(
        "return Array.from(document.querySelectorAll('#wrong tbody tr'))\
         .map(r => Array.from(r.cells).map(c => c.textContent));",
    );
    assert_eq!(
        rows,
        json!([["3", "e", "local backward of '+'", "wrong grad to a, b"]]),
        "one row per cause: the wrong grads are in the replay's own table"
    );
    let expected_rows = browser.eval(
        "return Array.from(document.querySelectorAll('#s0-figure g.node[id^=s0-v] text'))\
         .map(t => t.textContent).filter(t => t.startsWith('stored'));",
    );
    // The grad field shows backward's (expected) grad, the row below it the stored one.
    assert_eq!(
        expected_rows,
        json!(["stored grad 3.0000", "stored grad -2.0000"])
    );
    // Each wrong grad explained: its chain-rule ledger, the lines `gradviz check` prints.
    let why = browser.eval(
        "return Array.from(document.querySelectorAll('#why tbody tr'))\
         .map(r => Array.from(r.cells).map(c => c.innerText));",
    );
    let b = &why[1];
    assert_eq!(
        [&b[0], &b[1], &b[2]],
        [
            &json!("1"),
            &json!("b"),
            &json!("-2.0 stored, -8.0 expected")
        ]
    );
    let ledger: Vec<&str> = b[3].as_str().unwrap().lines().map(str::trim).collect();
    assert_eq!(
        ledger[4..8],
        [
            "from d (*), operand 2:",
            "d(d)/d(b) = a.data = -2.0",
            "d(d)/d(b) × d.grad = -2.0 × 1.0 = -2.0",
            "b.grad += -2.0 → -6.0 + (-2.0) = -8.0",
        ],
        "{why}"
    );
    assert!(ledger[8].starts_with("the stored grad -2.0 is the last term alone"));
    // The replay's step where d gives b its second term shows the same ledger.
    let lines = browser.eval(
        "for (let s = 0; s < 9; s++) { location.hash = '#step=' + s;\
           const text = document.getElementById('gv-step-lines').innerText;\
           if (text.includes('d(d)/d(b)')) return text; } return '';",
    );
    let lines = lines.as_str().unwrap();
    assert!(
        lines.contains("d(d)/d(b) × d.grad = -2.0000 × 1.0000 = -2.0000\nb.grad += -2.0000 → -6.0000 + (-2.0000) = -8.0000"),
        "{lines}"
    );
    browser.click("#wrong a[data-id='3']");
    let hash = browser.eval("return location.hash;");
    let hash = hash.as_str().unwrap_or_default();
    assert!(
        hash.starts_with("#step=") && hash.ends_with("&node=3"),
        "{hash}"
    );
    save_screenshot(&browser, "check.png");
    assert_eq!(browser.console_errors(), Vec::<String>::new());

    // A script's check (finite differences) writes its page too; the neuron is clean.
    let clean = dir.path().join("clean.html");
    run_to(
        &["check", "--engine", "builtin"],
        &clean,
        &fixture("neuron.py"),
    )
    .success();
    assert!(std::fs::read_to_string(&clean).unwrap().contains("gv-data"));

    // backward() called twice: the cause is named at the root, not at a local backward.
    let twice = dir.path().join("twice.py");
    let script = "a = Value(2.0, label='a')\nb = a * a\nb.backward()\nb.backward()\n";
    std::fs::write(&twice, script).unwrap();
    let twice_page = dir.path().join("twice.html");
    run_to(&["check", "--engine", "builtin"], &twice_page, &twice).code(1);
    browser.open(&url(&twice_page, ""));
    let rows = browser.eval(
        "return Array.from(document.querySelectorAll('#wrong tbody tr'))\
         .map(r => Array.from(r.cells).map(c => c.textContent));",
    );
    assert_eq!(
        rows,
        json!([[
            "1",
            "b",
            "backward() called 2 times",
            "each call added to the grads the last left"
        ]])
    );
    assert_eq!(browser.console_errors(), Vec::<String>::new());
}

#[test]
fn hostile_labels_several_roots_and_an_unknown_op_in_chromium() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("hostile.json");
    let hostile = "</script><b>&amp; \"q\" 'θ' {a|b} <!--";
    let graph = json!({
        "format": "gradviz", "version": 1,
        "nodes": [
            {"id": 10, "label": hostile, "data": 2.0, "grad": 0.0, "op": "", "children": []},
            {"id": 11, "label": "", "data": 3.0, "grad": 0.0, "op": "", "children": []},
            {"id": 12, "label": "p", "data": 6.0, "grad": 0.0, "op": "*", "children": [10, 11]},
            {"id": 13, "label": "q", "data": 4.0, "grad": 0.0, "op": "+", "children": [10, 10]},
            {"id": 14, "label": "r", "data": 1.0, "grad": 0.0, "op": "mystery", "children": [11]}
        ],
        "roots": [12, 13, 14]
    });
    std::fs::write(&input, graph.to_string()).unwrap();
    let page = dir.path().join("hostile.html");
    run_to(&["render", "--engine", "builtin"], &page, &input).success();
    let browser = Browser::start();
    browser.open(&url(&page, "#step=end&node=10"));
    assert_eq!(
        browser.eval("return document.getElementById('gv-field-label').textContent;"),
        json!(hostile)
    );
    // Roots 12 and 13 each seed and run their local backward; 14's op cannot be replayed.
    // x: 3 (from p) + 1 + 1 (q = x + x), so 5; the blank value: 2 (from p).
    assert_eq!(
        figure_grads(&browser, "s0"),
        BTreeMap::from([
            (10, "grad 5.0000".to_string()),
            (11, "grad 2.0000".to_string()),
            (12, "grad 1.0000".to_string()),
            (13, "grad 1.0000".to_string()),
            (14, "grad 1.0000".to_string()),
        ])
    );
    browser.open(&url(&page, "#step=4"));
    let lines = browser.eval("return document.getElementById('gv-step-lines').innerText;");
    let lines = lines.as_str().unwrap();
    assert_eq!(
        lines
            .matches(" × q.grad = 1.0000 × 1.0000 = 1.0000")
            .count(),
        2,
        "{lines}"
    );
    // The running sum shows every term x has received: 3 from p, then 1 and 1 from q.
    assert!(
        lines.contains("→ 3.0000 + 1.0000 = 4.0000"),
        "the second += collects: {lines}"
    );
    assert!(
        lines.contains("→ 3.0000 + 1.0000 + 1.0000 = 5.0000"),
        "{lines}"
    );
    assert!(lines.contains("4.0000 → 5.0000"), "{lines}");
    let unknown = browser.eval("return document.getElementById('gv-unknown').textContent;");
    assert!(unknown.as_str().unwrap().contains("mystery"), "{unknown}");
    assert_eq!(browser.console_errors(), Vec::<String>::new());
}

#[test]
fn format_html_writes_the_page_to_stdout() {
    for command in ["render", "compare", "check"] {
        let output = gradviz()
            .args([
                command, "--engine", "builtin", "--format", "html", "-o", "-",
            ])
            .arg(fixture("neuron.py"))
            .output()
            .unwrap();
        assert!(output.status.success(), "{command}: {output:?}");
        let page = String::from_utf8(output.stdout).unwrap();
        // check prints its report on stdout before the page.
        assert!(page.contains("<!DOCTYPE html>"), "{command}");
        let figures = if command == "check" { 1 } else { 2 };
        assert_eq!(page.matches("<svg").count(), figures, "{command}");
    }
}

/// Waits until the page's camera has stopped gliding (`data-camera` reads `still`).
fn camera_settles(browser: &Browser) {
    let start = std::time::Instant::now();
    while browser.eval("return document.documentElement.dataset.camera !== 'moving';")
        != json!(true)
    {
        assert!(start.elapsed().as_secs() < 10, "the camera never settles");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

/// The box on screen of the element `id`, and whether it lies inside the viewport, with
/// the height of its first text.
fn on_screen(browser: &Browser, id: &str) -> (bool, f64) {
    let found = browser.eval(&format!(
        "const el = document.getElementById('{id}');\
         const port = document.getElementById('gv-viewport').getBoundingClientRect();\
         const b = el.getBoundingClientRect();\
         const text = el.querySelector('text').getBoundingClientRect();\
         return [b.left >= port.left && b.right <= port.right && b.top >= port.top \
           && b.bottom <= port.bottom, text.height];"
    ));
    (
        found[0].as_bool().expect("a bool"),
        found[1].as_f64().expect("a number"),
    )
}

/// The replay's camera: stepping through a figure many screens wide, fitted whole (a speck),
/// brings each active op node into view at a readable size (a 12 px font draws a text box of about 14 px), and the
/// user's own zoom still works after it.
#[test]
fn the_camera_follows_the_replay() {
    let dir = tempfile::tempdir().expect("temp dir");
    let script = dir.path().join("chain.py");
    let mut text = String::from("x = Value(1.0, label='x0')\n");
    for i in 0..120 {
        text.push_str(&format!(
            "x = x * Value(0.99, label='w{i}') + Value(0.01, label='b{i}')\n"
        ));
    }
    text.push_str("x.label = 'out'\nx.backward()\n");
    std::fs::write(&script, text).expect("write");
    let page = dir.path().join("chain.html");
    gradviz()
        .args(["render", "--engine", "layered", "-o"])
        .arg(&page)
        .arg(&script)
        .assert()
        .success();
    let browser = Browser::start();
    browser.open(&url(&page, "#step=0"));
    let steps = browser.eval("return Number(document.getElementById('gv-slider').max);");
    let steps = steps.as_u64().expect("a step count");
    assert!(steps > 200, "{steps} steps");
    // Fitted whole, the figure is a speck: its labels are too small to read.
    browser.type_into("#gv-viewport", "0");
    let (_, fitted) = on_screen(&browser, "s0-v1");
    assert!(fitted < 6.0, "fitted, texts are {fitted:.1} px");
    // Steps across the figure: the root's end first, then the leaves' end.
    for step in [2, 3, steps / 2, steps - 1, steps] {
        browser.eval(&format!(
            "document.getElementById('gv-slider').value = '{step}';\
             document.getElementById('gv-slider').dispatchEvent(new Event('input'));"
        ));
        camera_settles(&browser);
        let active =
            browser.eval("return document.querySelector('#s0-figure g.gv-active.node').id;");
        let active = active.as_str().expect("an active op node");
        let (inside, height) = on_screen(&browser, active);
        assert!(inside, "step {step}: {active} is off screen");
        assert!(
            height >= 13.0,
            "step {step}: {active}'s text is {height:.1} px"
        );
    }
    save_screenshot(&browser, "chain-followed.png");
    browser.type_into("#gv-viewport", "--");
    camera_settles(&browser);
    let active = browser.eval("return document.querySelector('#s0-figure g.gv-active.node').id;");
    let (_, zoomed_out) = on_screen(&browser, active.as_str().expect("an id"));
    assert!(
        zoomed_out < 12.0,
        "the user's zoom holds: {zoomed_out:.1} px"
    );
    assert_eq!(browser.console_errors(), Vec::<String>::new());
}

/// The texts of the snapshot's figure, by group id, for the groups `selector` selects.
fn ids_of(browser: &Browser, selector: &str) -> Vec<String> {
    let found = browser.eval(&format!(
        "return Array.from(document.querySelectorAll('{selector}')).map(g => g.id);"
    ));
    serde_json::from_value(found).expect("a list of ids")
}

/// `--fold 1` in a page: the folded figure (each neuron one summary node), backward
/// replayed a step per group's run (fewer steps than the plain page's, each lighting the
/// summary), ending with the plain page's grads on the values drawn with a record, and a
/// search for a parameter's label lighting the neuron it is folded into; `--group` and
/// `--color grad` draw their clusters and fills.
#[test]
fn views_in_pages_fold_group_and_colour() {
    let dir = tempfile::tempdir().expect("temp dir");
    let write = |name: &str, args: &[&str]| {
        let page = dir.path().join(name);
        gradviz()
            .args(["render", "--engine", "dot"])
            .args(args)
            .arg("-o")
            .arg(&page)
            .arg(fixture("mlp.py"))
            .assert()
            .success();
        page
    };
    let plain = write("plain.html", &[]);
    let folded = write("folded.html", &["--fold", "1"]);
    let browser = Browser::start();
    let steps = |browser: &Browser| {
        browser
            .eval("return Number(document.getElementById('gv-slider').max);")
            .as_u64()
            .expect("a count")
    };
    browser.open(&url(&plain, "#step=end"));
    let plain_steps = steps(&browser);
    let plain_grads = figure_grads(&browser, "s0");
    browser.open(&url(&folded, "#step=end"));
    let folded_steps = steps(&browser);
    assert!(
        folded_steps * 3 < plain_steps,
        "a step per group: {folded_steps} steps folded, {plain_steps} plain"
    );
    let summaries = browser.eval(
        "return Array.from(document.querySelectorAll('#s0-figure g.node text'))\
         .filter(t => t.textContent.startsWith('l0.n0:')).length;",
    );
    assert_eq!(summaries, json!(1), "the neuron l0.n0 is one node");
    let folded_grads = figure_grads(&browser, "s0");
    assert!(!folded_grads.is_empty() && folded_grads.len() * 2 < plain_grads.len());
    for (id, grad) in &folded_grads {
        assert_eq!(Some(grad), plain_grads.get(id), "value {id} at the end");
    }
    // Some step is a group's: the summary lights, and the panel counts the folded grads.
    let mut group_steps = 0;
    for step in 1..=folded_steps {
        browser.open(&url(&folded, &format!("#step={step}")));
        let title = browser.eval("return document.getElementById('gv-step-title').textContent;");
        if !title
            .as_str()
            .unwrap_or_default()
            .contains("inside the folded")
        {
            continue;
        }
        group_steps += 1;
        let active = ids_of(&browser, "#s0-figure g.node.gv-active");
        assert_eq!(active.len(), 1, "step {step}: {active:?}");
        let text = browser.eval(&format!(
            "return document.getElementById('{}').textContent;",
            active[0]
        ));
        assert!(
            text.as_str().unwrap_or_default().contains("values inside"),
            "step {step} lights a summary: {text}"
        );
    }
    assert!(group_steps >= 8, "{group_steps} group steps");
    // A parameter folded away is found: its neuron lights, and selecting it reads its grad.
    browser.type_into("#gv-search", "l1.n2.w0");
    let matched = ids_of(&browser, "#s0-figure g.gv-match");
    assert_eq!(matched.len(), 1, "{matched:?}");
    browser.type_into("#gv-search", "\u{E007}");
    let drawn_in = browser.eval("return document.getElementById('gv-field-drawn-in').textContent;");
    assert!(
        drawn_in.as_str().unwrap_or_default().starts_with("l1.n2:"),
        "{drawn_in}"
    );
    save_screenshot(&browser, "mlp-folded.png");
    assert_eq!(browser.console_errors(), Vec::<String>::new());

    let grouped = write("grouped.html", &["--group", "--color", "grad"]);
    browser.open(&url(&grouped, "#step=end"));
    let clusters = ids_of(&browser, "#s0-figure g.cluster");
    assert!(clusters.len() >= 3, "{clusters:?}");
    let fills = browser.eval(
        "return new Set(Array.from(document.querySelectorAll('#s0-figure g.node > polygon'))\
         .map(p => p.getAttribute('fill'))).size;",
    );
    assert!(
        fills.as_u64().unwrap_or_default() >= 3,
        "filled by |grad|: {fills}"
    );
    assert_eq!(
        figure_grads(&browser, "s0"),
        plain_grads,
        "every value, as plain"
    );
    assert_eq!(browser.console_errors(), Vec::<String>::new());
}

/// Where each node of the page's figure is drawn now, by id: the centre of its box from
/// the figure's top left corner (which opening parts never moves), in screen pixels at the
/// current zoom, for the nodes shown (`selector` narrows which).
fn node_centres(browser: &Browser, selector: &str) -> BTreeMap<String, (f64, f64)> {
    let found = browser.eval(&format!(
        "const o = document.querySelector('#s0-figure svg').getBoundingClientRect();\
         return Array.from(document.querySelectorAll('{selector}'))\
         .filter(g => g.style.display !== 'none' && g.getBoundingClientRect().width > 0)\
         .map(g => {{ const b = g.getBoundingClientRect(); \
           return [g.id, b.left + b.width / 2 - o.left, b.top + b.height / 2 - o.top]; }});"
    ));
    found
        .as_array()
        .expect("a list")
        .iter()
        .map(|row| {
            let number = |k: usize| row[k].as_f64().expect("a number");
            (
                row[0].as_str().expect("an id").to_string(),
                (number(1), number(2)),
            )
        })
        .collect()
}

/// The id of the node shown within `within` whose first text starts with `title`.
fn node_titled(browser: &Browser, within: &str, title: &str) -> String {
    let found = browser.eval(&format!(
        "const g = Array.from(document.querySelectorAll('{within} g.node'))\
         .find(g => g.style.display !== 'none' && g.getBoundingClientRect().width > 0 \
           && (g.querySelector('text') || {{}}).textContent?.startsWith({title:?}));\
         return g ? g.id : null;"
    ));
    found
        .as_str()
        .unwrap_or_else(|| panic!("no node titled {title}"))
        .to_string()
}

/// A click on the element `id`, as a mouse click lands (the figure is panned by a
/// transform, which WebDriver's scrolling into view does not know).
fn click_on(browser: &Browser, id: &str) {
    browser.eval(&format!(
        "document.getElementById('{id}').querySelector('polygon, ellipse, text')\
         .dispatchEvent(new MouseEvent('click', {{bubbles: true}}));"
    ));
}

/// The edges drawn to and from nodes inside opened parts, as (tail, head) element ids;
/// asserts each ends on its two nodes' boxes.
fn crossings(browser: &Browser) -> Vec<(String, String)> {
    let found = browser.eval(
        "const near = (p, el) => { const b = el.getBoundingClientRect();\
           return p.x >= b.left - 2 && p.x <= b.right + 2 && p.y >= b.top - 2 && p.y <= b.bottom + 2; };\
         return Array.from(document.querySelectorAll('#s0-figure g.gv-crossings path')).map(p => {\
           const m = p.getScreenCTM();\
           const a = p.getPointAtLength(0).matrixTransform(m);\
           const b = p.getPointAtLength(p.getTotalLength()).matrixTransform(m);\
           return [p.dataset.from, p.dataset.to,\
             near(a, document.getElementById(p.dataset.from)) && near(b, document.getElementById(p.dataset.to))];\
         });",
    );
    found
        .as_array()
        .expect("a list")
        .iter()
        .map(|row| {
            let (from, to) = (
                row[0].as_str().expect("a tail"),
                row[1].as_str().expect("a head"),
            );
            assert_eq!(
                row[2],
                json!(true),
                "the edge {from} → {to} ends on its nodes"
            );
            (from.to_string(), to.to_string())
        })
        .collect()
}

/// The opened part's frame `id` is no larger than a screen at the page's readable zoom
/// (`gradviz::page::SCREEN`, with its title's 22 pt).
fn assert_fits_a_screen(browser: &Browser, id: &str) {
    let size = browser.eval(&format!(
        "const r = document.querySelector('#{id} > rect.gv-frame');\
         return [Number(r.getAttribute('width')), Number(r.getAttribute('height'))];"
    ));
    let (width, height) = (
        size[0].as_f64().unwrap_or(f64::MAX),
        size[1].as_f64().unwrap_or(f64::MAX),
    );
    let (most_wide, most_tall) = gradviz::page::SCREEN;
    assert!(
        width <= most_wide && height <= most_tall + 22.0,
        "{id} opens {width} × {height} pt"
    );
}

/// Opens by clicks the part whose title contains the last of `path`, inside parts whose
/// titles contain the ones before it in order (pieces in between are opened too), from
/// the outermost down; returns the ids of the frames it is drawn in, outermost first.
/// Pieces nest as deep as their drawings' sizes need, so of the parts that fit, the
/// innermost is opened: a piece named after a value holds that value's record.
fn open_part(browser: &Browser, path: &[&str]) -> Vec<String> {
    let found = browser.eval(&format!(
        "const page = JSON.parse(document.getElementById('gv-data').textContent);\
         const d = page.snapshots[0], N = page.names, parts = d.parts, path = {path};\
         const chain = (k) => {{ const c = []; for (let p = k; p !== null; p = parts[p].parent) c.unshift(p); return c; }};\
         const fits = (k) => {{ let i = 0; for (const q of chain(k)) if (i < path.length && parts[q].title.includes(path[i])) i++;\
           return i === path.length && parts[k].title.includes(path[path.length - 1]); }};\
         let k = -1;\
         parts.forEach((p, q) => {{ if (fits(q) && (k < 0 || chain(q).length > chain(k).length)) k = q; }});\
         if (k < 0) return null;\
         const ns = (p) => p === null ? d.prefix : d.prefix + '-' + N.part + p;\
         for (const q of chain(k)) {{\
           const frame = document.getElementById(ns(q));\
           if (frame && frame.style.display !== 'none') continue;\
           document.getElementById(ns(parts[q].parent) + '-' + N.value + d.ids[parts[q].holder])\
             .querySelector('polygon, ellipse, text').dispatchEvent(new MouseEvent('click', {{bubbles: true}}));\
         }}\
         return chain(k).map(ns);",
        path = serde_json::to_string(path).expect("titles")
    ));
    serde_json::from_value(found).unwrap_or_else(|_| panic!("no part at {path:?}"))
}

/// Every pair of `before`'s nodes still drawn in `after` keeps its order along both axes.
fn assert_order_kept(
    before: &BTreeMap<String, (f64, f64)>,
    after: &BTreeMap<String, (f64, f64)>,
    what: &str,
) {
    type Point = (f64, f64);
    let kept: Vec<(&String, Point, Point)> = before
        .iter()
        .filter_map(|(id, &was)| after.get(id).map(|&now| (id, was, now)))
        .collect();
    assert!(kept.len() > 10, "{what}: {} nodes stayed", kept.len());
    for (a, a0, a1) in &kept {
        for (b, b0, b1) in &kept {
            for (was, now) in [(b0.0 - a0.0, b1.0 - a1.0), (b0.1 - a0.1, b1.1 - a1.1)] {
                assert!(
                    was.abs() < 1.0 || was.signum() == now.signum(),
                    "{what}: {a} and {b} changed order ({was:.1} → {now:.1})"
                );
            }
        }
    }
}

/// The moons notebook's graph (65,818 values) in a page: it opens on the overview, whose
/// static SVG is the overview; a click opens the layer `l1` in place, its neuron `l1.n3`,
/// the neuron's repeated ReLU, down to one value's record, whose data and grad the panel
/// reads; the replay writes the grads of the opened records (0 at the start, theirs at the
/// end); the nodes that stay keep their order and the ones before an opened node keep
/// their place; folding it back restores the overview; a search for a weight folded two
/// levels deep opens the folds down to its record.
#[test]
fn the_moons_page_drills_down_from_the_overview_to_single_values() {
    let dir = tempfile::tempdir().expect("temp dir");
    let json = dir.path().join("moons.json");
    crate::support::gradviz_in_user_python()
        .arg("render")
        .arg(crate::support::python_fixture("moons.ipynb"))
        .arg("-o")
        .arg(&json)
        .assert()
        .success();
    let page = dir.path().join("moons.html");
    gradviz()
        .args(["render", "-o"])
        .arg(&page)
        .arg(&json)
        .assert()
        .success();
    // Static first: the figure written into the page is the overview.
    let html = std::fs::read_to_string(&page).expect("page");
    let svg = &html[html.find("<svg").expect("a figure")..html.find("</svg>").expect("its end")];
    assert!(
        svg.contains("overview of 65,818 values"),
        "the static figure is the overview"
    );
    assert!(svg.matches("class=\"node\"").count() < 40);
    // No click opens a drawing larger than a screen: the sum of 338 terms (61,369 pt tall
    // drawn whole) and the layers (3,459 pt wide) open to pieces that open further.
    let data = &html[html.find("id=\"gv-data\">").expect("the data") + 13..];
    let data: Value = serde_json::from_str(&data[..data.find("</script>").expect("its end")])
        .expect("the page's data");
    let parts = data["snapshots"][0]["parts"].as_array().expect("parts");
    let (most_wide, most_tall) = gradviz::page::SCREEN;
    for part in parts {
        let drawing = &part["drawing"];
        if drawing.is_null() {
            continue;
        }
        let (width, height) = (drawing["width"].as_f64(), drawing["height"].as_f64());
        assert!(
            width.is_some_and(|w| w <= most_wide) && height.is_some_and(|h| h <= most_tall),
            "{} opens {width:?} × {height:?} pt",
            part["title"]
        );
    }
    let sum = parts
        .iter()
        .position(|p| p["title"] == "\u{3a3} of 338 terms")
        .expect("the sum is a part");
    let pieces = parts.iter().filter(|p| p["parent"] == json!(sum)).count();
    assert!(
        (2..=gradviz::page::MOST_PIECES).contains(&pieces),
        "{pieces}"
    );

    let browser = Browser::start();
    browser.open(&url(&page, "#step=end"));
    save_screenshot(&browser, "moons-overview.png");
    let overview = node_centres(&browser, "#s0-figure g.node");
    // The layer l1 opens in place: its 16 neurons, cut into pieces of neighbours so that
    // the drawing a click opens fits a screen.
    let layer = node_titled(&browser, "#s0-figure", "l1:");
    let layer_centre = overview[&layer];
    click_on(&browser, &layer);
    let frames = ids_of(&browser, "#s0-figure g.gv-part");
    assert_eq!(frames.len(), 1, "{frames:?}");
    let opened = node_centres(&browser, "#s0-figure g.node");
    assert!(
        !opened.contains_key(&layer),
        "the layer's node gave way to its drawing"
    );
    let inside = opened
        .keys()
        .filter(|id| id.starts_with(&format!("{}-", frames[0])))
        .count();
    assert!(inside >= 2, "{inside} nodes in the layer's drawing");
    assert_fits_a_screen(&browser, &frames[0]);
    assert_order_kept(&overview, &opened, "l1 opened");
    // The edge from l0 into the layer now ends at the nodes inside that use l0's outputs,
    // not at the frame: each curve ends on its node's box.
    let l0 = node_titled(&browser, "#s0-figure", "l0:");
    let into_layer = crossings(&browser)
        .into_iter()
        .filter(|(from, to)| *from == l0 && to.starts_with(&format!("{}-", frames[0])))
        .count();
    assert_eq!(into_layer, inside, "one edge from l0 to each piece of l1");
    // What lies before it on both axes (above it, not right of it) stays where it was.
    for (id, was) in &overview {
        if was.1 < layer_centre.1 - 1.0 && was.0 <= layer_centre.0 {
            let now = opened[id];
            assert!(
                (now.0 - was.0).abs() < 0.5 && (now.1 - was.1).abs() < 0.5,
                "{id}, above the layer, moved from {was:?} to {now:?}"
            );
        }
    }
    // Its neuron l1.n3 opens inside it, and the piece of it holding its first weight: its
    // weights are single values, its 100 calls are still drawn once.
    open_part(&browser, &["l1:", "l1.n3:"]);
    let neuron_open = node_centres(&browser, "#s0-figure g.node");
    assert_order_kept(&opened, &neuron_open, "l1.n3 opened");
    let weights = open_part(&browser, &["l1.n3:", "l1.n3.w0"]);
    let frames = ids_of(&browser, "#s0-figure g.gv-part");
    assert_eq!(frames.len(), weights.len(), "{frames:?}");
    assert_fits_a_screen(&browser, weights.last().expect("the piece's frame"));
    save_screenshot(&browser, "moons-neuron-open.png");
    // The replay reaches the opened neuron's records: every grad 0 at the start, its own
    // again at the end.
    let weight_grad = |browser: &Browser| {
        browser.eval(&format!(
            "return document.querySelector('#{} text[id$=\"-g\"]').textContent;",
            weights.last().expect("the piece's frame")
        ))
    };
    let at_end = weight_grad(&browser);
    browser.type_into("#gv-viewport", "\u{E011}");
    assert_eq!(weight_grad(&browser), json!("grad 0.0000"));
    browser.type_into("#gv-viewport", "\u{E010}");
    assert_eq!(weight_grad(&browser), at_end);
    assert_ne!(at_end, json!("grad 0.0000"));
    let frames = open_part(&browser, &["l1:", "l1.n3:", "100 × ReLU"]);
    let innermost = frames.last().expect("a frame");
    // One call's ReLU is a record of its own; the other 99 stay one node.
    node_titled(&browser, &format!("#{innermost}"), "99 more units");
    let records = browser.eval(&format!(
        "return Array.from(document.querySelectorAll('#{innermost} g.node'))\
         .filter(g => g.querySelector('text[id$=\"-g\"]')).map(g => g.id);"
    ));
    let record = records[0]
        .as_str()
        .expect("a record in the ReLU's drawing")
        .to_string();
    click_on(&browser, &record);
    let field = |name: &str| {
        browser
            .eval(&format!(
                "const f = document.getElementById('gv-field-{name}'); return f ? f.textContent : null;"
            ))
            .as_str()
            .unwrap_or_default()
            .to_string()
    };
    assert_eq!(field("op"), "ReLU");
    let data: f64 = field("data").parse().expect("data in full");
    let grad: f64 = field("grad").parse().expect("grad in full");
    assert!(data >= 0.0, "a ReLU's data: {data}");
    let drawn = browser.eval(&format!(
        "return document.getElementById('{record}-g').textContent;"
    ));
    assert_eq!(drawn, json!(format!("grad {}", format_number(grad, 4))));
    save_screenshot(&browser, "moons-value-selected.png");
    // The other 99 units open too: a copy of the first unit's drawing for each, in rows
    // that fit a screen, captioned with its number; each record shows its own value.
    // More units than a screen holds open to runs of them first ("units 2–51 of 100").
    let runs = open_part(&browser, &["l1.n3:", "100 × ReLU", "99 more units"]);
    let runs = runs.last().expect("the units' frame").clone();
    assert_fits_a_screen(&browser, &runs);
    let mut units_drawn = Vec::new();
    let mut copies: Vec<String> = Vec::new();
    for run in ["units 2\u{2013}", "units 52\u{2013}"] {
        let units = open_part(&browser, &["l1.n3:", "100 × ReLU", "99 more units", run]);
        let units = units.last().expect("the units' frame").clone();
        assert_fits_a_screen(&browser, &units);
        let drawn = browser.eval(&format!(
            "return Array.from(document.querySelectorAll('#{units} g.node'))\
             .filter(g => g.querySelector('text[id$=\"-g\"]')).map(g => g.id);"
        ));
        copies.extend(serde_json::from_value::<Vec<String>>(drawn).expect("ids"));
        let captions = browser.eval(&format!(
            "return Array.from(document.querySelectorAll('#{units} text.gv-unit-title')).map(t => t.textContent);"
        ));
        units_drawn.extend(serde_json::from_value::<Vec<String>>(captions).expect("captions"));
    }
    assert_eq!(copies.len(), 99, "{copies:?}");
    let numbered: Vec<String> = (2..=100).map(|n| format!("unit {n}")).collect();
    assert_eq!(units_drawn, numbered);
    let units = open_part(
        &browser,
        &["l1.n3:", "100 × ReLU", "99 more units", "units 52\u{2013}"],
    );
    let units = units.last().expect("the units' frame").clone();
    let copy = &copies[57];
    click_on(&browser, copy);
    assert_eq!(field("op"), "ReLU");
    let texts = browser.eval(&format!(
        "return Array.from(document.querySelectorAll('#{copy} text')).map(t => t.textContent);"
    ));
    let data: f64 = field("data").parse().expect("data in full");
    let grad: f64 = field("grad").parse().expect("grad in full");
    assert_eq!(texts[1], json!(format!("data {}", format_number(data, 4))));
    assert_eq!(texts[2], json!(format!("grad {}", format_number(grad, 4))));
    let id = browser.eval("return document.getElementById('gv-node-title').textContent;");
    let id = id.as_str().expect("the value's id").trim_start_matches('#');
    assert!(
        copy.ends_with(&format!("-{}{id}", ElementId::VALUE)),
        "{copy} is named after its value {id}"
    );
    // The edges into the 99 copies (the same input into each) come as one bundle to the
    // frame, not 99 curves; no node gets more than 8 single curves into one drawing.
    let into_units: Vec<(String, String)> = crossings(&browser)
        .into_iter()
        .filter(|(_, to)| to.starts_with(&units))
        .collect();
    assert!(
        into_units.iter().any(|(_, to)| *to == units),
        "a bundle ends at the units' frame: {into_units:?}"
    );
    let mut per_source: BTreeMap<&str, usize> = BTreeMap::new();
    for (from, _) in into_units.iter().filter(|(_, to)| *to != units) {
        *per_source.entry(from).or_default() += 1;
    }
    assert!(per_source.values().all(|&n| n <= 8), "{per_source:?}");
    save_screenshot(&browser, "moons-more-units-open.png");
    // Backward steps into what is opened: a group step of the layer goes one run of local
    // backwards at a time, one of them the opened ReLU's own.
    let value = record
        .rsplit(ElementId::VALUE)
        .next()
        .expect("the record's value id");
    let found = browser.eval(&format!(
        "const d = JSON.parse(document.getElementById('gv-data').textContent).snapshots[0];\
         const i = d.ids.indexOf({value});\
         const s = d.steps.findIndex(step => (step.inner || []).some(([node]) => node === i));\
         const slider = document.getElementById('gv-slider');\
         const next = document.getElementById('gv-next');\
         const count = () => document.getElementById('gv-step-count').textContent;\
         slider.value = String(s - 1); slider.dispatchEvent(new Event('input'));\
         next.click();\
         while (count().includes('.')) {{\
           if (document.getElementById('{record}{op}').classList.contains('gv-active'))\
             return [count(), document.getElementById('gv-step-title').textContent,\
               document.getElementById('gv-step-lines').textContent];\
           next.click();\
         }}\
         return [s, null];",
        op = ElementId::OP
    ));
    let (count, title) = (found[0].as_str(), found[1].as_str().unwrap_or_default());
    assert!(count.is_some_and(|c| c.contains('.')), "{found}");
    assert!(
        title.contains("inside the folded l1:") && title.ends_with("(ReLU)."),
        "{title}"
    );
    // Its lines give the chain rule, as the figure's own steps do, not only was → now.
    let lines = found[2].as_str().unwrap_or_default();
    assert!(
        lines.contains("d(#") && lines.contains(".grad += "),
        "{lines}"
    );
    camera_settles(&browser);
    save_screenshot(&browser, "moons-step-inside.png");
    // Folding the layer again folds everything in it and puts the overview back.
    browser.eval(&format!(
        "document.querySelector('#{} > text.gv-frame-title')\
         .dispatchEvent(new MouseEvent('click', {{bubbles: true}}));",
        frames[0]
    ));
    let folded = node_centres(&browser, "#s0-figure g.node");
    assert_eq!(
        folded.keys().collect::<Vec<_>>(),
        overview.keys().collect::<Vec<_>>()
    );
    for (id, was) in &overview {
        let now = folded[id];
        assert!(
            (now.0 - was.0).abs() < 0.01 && (now.1 - was.1).abs() < 0.01,
            "{id} is back at {now:?}, not {was:?}"
        );
    }
    // A weight folded two levels deep is found, and the folds open down to its record.
    browser.type_into("#gv-search", "l0.n5.w1");
    browser.type_into("#gv-search", "\u{E007}");
    let label = browser.eval("return document.getElementById('gv-field-label').textContent;");
    assert_eq!(label, json!("l0.n5.w1"));
    let selected = ids_of(&browser, "#s0-figure g.gv-selected");
    assert_eq!(selected.len(), 1, "{selected:?}");
    assert!(
        selected[0].contains(ElementId::PART),
        "its own record, in an opened part: {selected:?}"
    );
    let text = browser.eval(&format!(
        "return document.getElementById('{}').textContent;",
        selected[0]
    ));
    assert!(
        text.as_str().unwrap_or_default().contains("l0.n5.w1"),
        "{text}"
    );
    save_screenshot(&browser, "moons-search-opened.png");
    assert_eq!(browser.console_errors(), Vec::<String>::new());
    // The sum of 338 terms opens to a few pieces, one of them to its values.
    let sum = node_titled(&browser, "#s0-figure", "\u{3a3} of 338 terms");
    click_on(&browser, &sum);
    let pieces = open_part(
        &browser,
        &["\u{3a3} of 338 terms", "values 1\u{2013}43 of 337"],
    );
    assert_fits_a_screen(&browser, &pieces[1]);
    browser.eval(&format!(
        "document.querySelector('#{} > text.gv-frame-title').scrollIntoView();",
        pieces[0]
    ));
    save_screenshot(&browser, "moons-sum-open.png");
    assert_eq!(browser.console_errors(), Vec::<String>::new());
    // The fragment keeps what is open: a reload of the link shows the same parts open, the
    // same record selected in its part, at the same step.
    let fragment = browser.eval("return location.hash;");
    let fragment = fragment.as_str().expect("a fragment").to_string();
    assert!(fragment.contains("&open="), "{fragment}");
    let open_before = ids_of(&browser, "#s0-figure g.gv-part:not([style*=\"none\"])");
    let step_before = browser.eval("return document.getElementById('gv-step-count').textContent;");
    browser.navigate("about:blank");
    browser.open(&url(&page, &fragment));
    assert_eq!(
        ids_of(&browser, "#s0-figure g.gv-part:not([style*=\"none\"])"),
        open_before
    );
    assert_eq!(ids_of(&browser, "#s0-figure g.gv-selected"), selected);
    assert_eq!(
        browser.eval("return document.getElementById('gv-step-count').textContent;"),
        step_before
    );
    assert_eq!(
        browser.eval("return location.hash;"),
        json!(fragment),
        "the restored page writes the same fragment"
    );
    assert_eq!(browser.console_errors(), Vec::<String>::new());
}

/// `--group` in a page: a folded neuron drawn inside its layer's cluster opens in place
/// like any other, with either engine: its records show, its cluster's box grows to hold
/// it, and the nodes past it move out of its way.
#[test]
fn nodes_inside_group_clusters_open_in_place() {
    let dir = tempfile::tempdir().expect("temp dir");
    let browser = Browser::start();
    for engine in ["dot", "layered"] {
        let page = dir.path().join(format!("{engine}.html"));
        gradviz()
            .args(["render", "--engine", engine, "--group", "--fold", "1", "-o"])
            .arg(&page)
            .arg(fixture("mlp.py"))
            .assert()
            .success();
        browser.open(&url(&page, "#step=end"));
        let clusters = ids_of(&browser, "#s0-figure g.cluster");
        assert!(!clusters.is_empty(), "{engine}: the layers are clusters");
        let neuron = node_titled(&browser, "#s0-figure", "l0.n0:");
        let before = node_centres(&browser, "#s0-figure g.node");
        click_on(&browser, &neuron);
        let frames = ids_of(&browser, "#s0-figure g.gv-part");
        assert_eq!(frames.len(), 1, "{engine}: {frames:?}");
        let records = browser.eval(&format!(
            "return document.querySelectorAll('#{} text[id$=\"-g\"]').length;",
            frames[0]
        ));
        assert!(
            records.as_u64().is_some_and(|n| n > 2),
            "{engine}: {records}"
        );
        let after = node_centres(&browser, "#s0-figure g.node");
        assert!(!after.contains_key(&neuron), "{engine}: the node gave way");
        assert_order_kept(&before, &after, engine);
        // The cluster holding it holds its frame.
        let inside = browser.eval(&format!(
            "const f = document.getElementById('{}').getBoundingClientRect();\
             return Array.from(document.querySelectorAll('#s0-figure g.cluster')).some(c => {{\
               const b = c.getBoundingClientRect();\
               return b.left <= f.left + 1 && b.right >= f.right - 1 && b.top <= f.top + 1 && b.bottom >= f.bottom - 1; }});",
            frames[0]
        ));
        assert_eq!(inside, json!(true), "{engine}: the cluster grew around it");
        save_screenshot(&browser, &format!("group-open-{engine}.png"));
        assert_eq!(browser.console_errors(), Vec::<String>::new());
    }
}

/// Hostile labels through the drill-down: a group named like markup, folded, opens to
/// pieces titled with its values' labels and to their records; every label stays text (no
/// element made of it, nothing run), in the drawings, the pieces' titles and the frames'.
#[test]
fn hostile_labels_stay_text_in_opened_parts_and_pieces() {
    let dir = tempfile::tempdir().expect("temp dir");
    let group = "<img src=x onerror=pwned=1>&amp;\"'";
    let mut nodes = vec![
        json!({"id": 1, "label": format!("{group}.w"), "data": 0.5, "grad": 0.0, "op": "", "children": []}),
    ];
    let mut total = None;
    for i in 0..60 {
        let (leaf, product, sum) = (100 + i, 200 + i, 300 + i);
        nodes.push(json!({"id": leaf, "label": format!("{group}.a{i}"), "data": 1.0, "grad": 0.0, "op": "", "children": []}));
        nodes.push(json!({"id": product, "label": "", "data": 0.5, "grad": 0.0, "op": "*", "children": [leaf, 1]}));
        let children = match total {
            Some(previous) => json!([previous, product]),
            None => json!([product]),
        };
        let op = if total.is_some() { "+" } else { "tanh" };
        nodes.push(json!({"id": sum, "label": "", "data": 0.5, "grad": 0.0, "op": op, "children": children}));
        total = Some(sum);
    }
    let graph = json!({"format": "gradviz", "version": 1, "nodes": nodes, "roots": [total]});
    let input = dir.path().join("hostile.json");
    std::fs::write(&input, graph.to_string()).expect("written");
    let page = dir.path().join("hostile.html");
    run_to(&["render", "--fold", "0"], &page, &input).success();
    let browser = Browser::start();
    browser.open(&url(&page, "#step=end"));
    let frames = open_part(&browser, &[group, &format!("{group}.a0")]);
    assert_eq!(
        frames.len(),
        2,
        "the group, then the piece holding a0: {frames:?}"
    );
    let titles = browser.eval(
        "return Array.from(document.querySelectorAll('#s0-figure text.gv-frame-title')).map(t => t.textContent);",
    );
    let titles: Vec<String> = serde_json::from_value(titles).expect("titles");
    assert!(titles[0].contains(group), "{titles:?}");
    assert!(titles[1].contains(&format!("{group}.a0")), "{titles:?}");
    let labels = browser.eval(&format!(
        "return Array.from(document.querySelectorAll('#{} g.node text')).map(t => t.textContent)\
         .filter(t => t.startsWith('<img'));",
        frames[1]
    ));
    assert!(
        labels.as_array().is_some_and(|l| !l.is_empty()),
        "the records show the labels as text: {labels}"
    );
    assert_eq!(
        browser.eval("return [document.querySelectorAll('#gv-canvas img, #gv-canvas foreignObject, #gv-canvas script').length, typeof window.pwned];"),
        json!([0, "undefined"])
    );
    assert_eq!(browser.console_errors(), Vec::<String>::new());
}
