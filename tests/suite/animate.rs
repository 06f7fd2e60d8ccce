//! `gradviz render --animate`: the animated backward figure. The SVG is read with a parser
//! (every step's grads, from the replay; the last step's are the still figure's), played in
//! a real headless Chromium both opened directly (its SMIL clock set to each step) and
//! through an `<img>` tag as a GitHub README shows it (screenshots at two times differ); the
//! APNG's frames are counted. Screenshots go to `target/tmp/animate-screenshots/`.

use crate::support::{fixture, gradviz};

// Only some of the driver's commands are needed here: no clicking in an animation.
#[allow(dead_code)]
use crate::support::browser;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use browser::Browser;
use serde_json::json;

/// `gradviz render neuron.py` with `args`, into `dir/name`; the file's bytes.
fn render(dir: &Path, name: &str, args: &[&str]) -> Vec<u8> {
    let out = dir.join(name);
    gradviz()
        .arg("render")
        .args(args)
        .arg("-o")
        .arg(&out)
        .arg(fixture("neuron.py"))
        .assert()
        .success();
    std::fs::read(&out).expect("the output is written")
}

const SVG: &str = "http://www.w3.org/2000/svg";

/// `svg` parsed from its root element (a still figure opens with a DOCTYPE).
fn parse(svg: &str) -> roxmltree::Document<'_> {
    roxmltree::Document::parse(&svg[svg.find("<svg").expect("an svg element")..])
        .expect("the SVG parses")
}

/// The grad texts and footer lines visible when every `<animate>` sits at `ms` into the loop.
fn shown_at(svg: &str, ms: f64) -> BTreeSet<String> {
    let doc = parse(svg);
    let mut shown = BTreeSet::new();
    for text in doc.descendants().filter(|n| n.has_tag_name((SVG, "text"))) {
        if text.ancestors().all(|element| visible_at(element, ms)) {
            shown.insert(text.text().unwrap_or_default().replace('\u{a0}', " "));
        }
    }
    shown
}

/// Whether `element` is visible at `ms` by its own `visibility` and its `<animate>` child.
fn visible_at(element: roxmltree::Node, ms: f64) -> bool {
    let animate = element
        .children()
        .find(|c| c.has_tag_name((SVG, "animate")));
    let Some(animate) = animate else {
        return element.attribute("visibility") != Some("hidden");
    };
    assert_eq!(animate.attribute("calcMode"), Some("discrete"));
    assert_eq!(animate.attribute("repeatCount"), Some("indefinite"));
    let total: f64 = animate
        .attribute("dur")
        .unwrap()
        .trim_end_matches("ms")
        .parse()
        .unwrap();
    let at = (ms % total) / total;
    let values: Vec<&str> = animate.attribute("values").unwrap().split(';').collect();
    let times: Vec<f64> = animate
        .attribute("keyTimes")
        .unwrap()
        .split(';')
        .map(|t| t.parse().unwrap())
        .collect();
    let index = times.iter().rposition(|&t| t <= at).unwrap();
    values[index] == "visible"
}

#[test]
fn the_animation_fills_in_the_grads_in_backward_order() {
    let dir = tempfile::tempdir().unwrap();
    let animated = String::from_utf8(render(dir.path(), "neuron.svg", &["--animate"])).unwrap();
    // neuron.py draws its neuron before and after backward: one animation, of the second.
    assert!(!dir.path().join("neuron-1.svg").exists());
    let start = shown_at(&animated, 500.0);
    assert!(start.contains("backward, step 0 of 6"), "{start:?}");
    assert!(start.contains("grad 0.0000"));
    assert!(!start
        .iter()
        .any(|t| t.starts_with("grad ") && t != "grad 0.0000"));
    let seeded = shown_at(&animated, 1500.0);
    assert!(seeded.contains("o.grad = 1"), "{seeded:?}");
    assert!(seeded.contains("grad 1.0000"));
    let tanh = shown_at(&animated, 2500.0);
    assert!(
        tanh.contains("grad 0.5000"),
        "n's grad after tanh's step: {tanh:?}"
    );
    assert!(!tanh.contains("grad -1.5000"), "x1's grad comes last");
    // The last step (and the hold after it) is the still figure's grads.
    let still = String::from_utf8(render(dir.path(), "still.svg", &["--snapshot", "2"])).unwrap();
    let still_grads: BTreeSet<String> = shown_at(&still, 0.0)
        .into_iter()
        .filter(|t| t.starts_with("grad "))
        .collect();
    for (ms, counter) in [
        (6500.0, "backward, step 6 of 6"),
        (9500.0, "backward, done in 6 steps"),
    ] {
        let end = shown_at(&animated, ms);
        let end_grads: BTreeSet<String> = end
            .iter()
            .filter(|t| t.starts_with("grad "))
            .cloned()
            .collect();
        assert_eq!(end_grads, still_grads);
        assert!(end.contains(counter), "{end:?}");
    }
    // A viewer that plays no SMIL shows the last step.
    let unplayed: BTreeSet<String> = parse(&animated)
        .descendants()
        .filter(|n| n.has_tag_name((SVG, "text")))
        .filter(|t| {
            t.ancestors()
                .all(|e| e.attribute("visibility") != Some("hidden"))
        })
        .filter_map(|t| t.text().map(|s| s.replace('\u{a0}', " ")))
        .filter(|t| t.starts_with("grad "))
        .collect();
    assert_eq!(unplayed, still_grads);
}

#[test]
fn the_animation_has_the_still_figures_layout_and_the_same_bytes_each_time() {
    let dir = tempfile::tempdir().unwrap();
    let first = render(dir.path(), "a.svg", &["--animate", "--engine", "builtin"]);
    let second = render(dir.path(), "b.svg", &["--animate", "--engine", "builtin"]);
    assert_eq!(first, second);
    let still = render(
        dir.path(),
        "still.svg",
        &["--snapshot", "2", "--engine", "builtin"],
    );
    let shapes = |svg: &[u8]| -> Vec<String> {
        let text = String::from_utf8(svg.to_vec()).unwrap();
        let doc = parse(&text);
        doc.descendants()
            .filter(|n| n.has_tag_name((SVG, "polygon")) || n.has_tag_name((SVG, "path")))
            .filter(|n| n.attribute("stroke") == Some("black"))
            .map(|n| format!("{:?}{:?}", n.attribute("points"), n.attribute("d")))
            .collect()
    };
    assert_eq!(shapes(&first), shapes(&still));
}

#[test]
fn the_animation_refuses_views_and_formats_it_cannot_fill_in() {
    let dir = tempfile::tempdir().unwrap();
    for (args, says) in [
        (
            &["--animate", "--fold", "0"][..],
            "--group, --fold and --color",
        ),
        (&["--animate", "--format", "pdf"][..], "not pdf"),
    ] {
        let out = dir.path().join("x.svg");
        gradviz()
            .arg("render")
            .args(args)
            .arg("-o")
            .arg(&out)
            .arg(fixture("neuron.py"))
            .assert()
            .code(2)
            .stderr(predicates::str::contains(says));
        assert!(!out.exists());
    }
}

#[test]
fn a_graph_drawn_as_its_overview_is_animated_only_when_every_value_is_asked_for() {
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("product.py");
    std::fs::write(
        &script,
        "x = Value(1.0, label='x')\nfor i in range(760): x = x * Value(0.999, label='w')\n\
         x.backward()\n",
    )
    .unwrap();
    let out = dir.path().join("product.svg");
    let animate = |extra: &[&str]| {
        let mut command = gradviz();
        command
            .args(["render", "--animate", "-o"])
            .arg(&out)
            .arg(&script)
            .args(extra);
        command.assert()
    };
    animate(&[])
        .code(2)
        .stderr(predicates::str::contains(
            "a graph of 1,521 values is drawn as its overview",
        ))
        .stderr(predicates::str::contains(
            "add --full to animate every value",
        ));
    assert!(!out.exists());
    animate(&["--full"]).success();
    let svg = std::fs::read_to_string(&out).unwrap();
    let doc = parse(&svg);
    let records = doc
        .descendants()
        .filter(|n| n.attribute("class") == Some("node"))
        .filter(|n| n.attribute("id").is_some_and(|id| !id.ends_with("_op")))
        .count();
    assert_eq!(records, 1_521);
    assert!(doc.descendants().any(|n| n.has_tag_name((SVG, "animate"))));
}

#[test]
fn the_apng_has_a_frame_per_step() {
    let dir = tempfile::tempdir().unwrap();
    let apng = render(
        dir.path(),
        "neuron.png",
        &["--animate", "--engine", "builtin"],
    );
    assert!(apng.starts_with(b"\x89PNG"));
    let chunk = |name: &[u8]| apng.windows(4).filter(|w| *w == name).count();
    assert_eq!(chunk(b"acTL"), 1, "an animated PNG");
    assert_eq!(
        chunk(b"fcTL"),
        8,
        "step 0, six steps of backward, the result held"
    );
    let again = render(
        dir.path(),
        "again.png",
        &["--animate", "--engine", "builtin"],
    );
    assert_eq!(apng, again);
}

fn save(name: &str, png: &[u8]) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("animate-screenshots");
    std::fs::create_dir_all(&dir).expect("screenshot dir");
    let path = dir.join(name);
    std::fs::write(&path, png).expect("screenshot written");
    path
}

#[test]
fn chromium_plays_the_animation_opened_directly_and_through_an_img_tag() {
    let dir = tempfile::tempdir().unwrap();
    render(
        dir.path(),
        "neuron.svg",
        &["--animate", "--engine", "builtin"],
    );
    let browser = Browser::start();

    // Opened directly: the SMIL clock paused and set to each step.
    browser.navigate(&format!(
        "file://{}",
        dir.path().join("neuron.svg").display()
    ));
    let visible_grads = |ms: u32| {
        browser.eval(&format!(
            "const svg = document.documentElement; svg.pauseAnimations(); \
             svg.setCurrentTime({} / 1000); \
             return [...document.querySelectorAll('text')] \
               .filter(t => getComputedStyle(t).visibility === 'visible') \
               .map(t => t.textContent).filter(t => t.startsWith('grad ') || t.startsWith('backward'));",
            ms
        ))
    };
    let start = visible_grads(500);
    assert!(
        start
            .as_array()
            .unwrap()
            .contains(&json!("backward, step 0 of 6")),
        "{start}"
    );
    assert!(!start.as_array().unwrap().contains(&json!("grad -1.5000")));
    let end = visible_grads(6500);
    assert!(
        end.as_array().unwrap().contains(&json!("grad -1.5000")),
        "{end}"
    );
    assert!(end
        .as_array()
        .unwrap()
        .contains(&json!("backward, step 6 of 6")));

    // Through <img>, as a README shows it: nothing to script, so two screenshots in time;
    // the APNG likewise.
    render(
        dir.path(),
        "neuron.png",
        &["--animate", "--engine", "builtin"],
    );
    for file in ["neuron.svg", "neuron.png"] {
        let (early, late) = screenshots_through_img(&browser, dir.path(), file);
        assert_ne!(early, late, "{file} in <img> changes as it plays");
    }
    assert_eq!(browser.console_errors(), Vec::<String>::new());
}

/// Screenshots of `file` shown by an `<img>`, in step 0 and in the last step.
fn screenshots_through_img(browser: &Browser, dir: &Path, file: &str) -> (Vec<u8>, Vec<u8>) {
    let page = dir.join(format!("{file}.html"));
    std::fs::write(
        &page,
        format!(
            "<!DOCTYPE html><html><body style=\"margin:0;background:white\">\
             <img id=\"figure\" src=\"{file}\" style=\"width:1300px\"></body></html>"
        ),
    )
    .unwrap();
    browser.navigate(&format!("file://{}", page.display()));
    let loaded = Instant::now();
    let width = browser.eval("return document.getElementById('figure').naturalWidth");
    assert!(width.as_u64().unwrap_or(0) > 0, "the img loaded: {width}");
    std::thread::sleep(Duration::from_millis(400));
    let early = browser.screenshot();
    let early_at = loaded.elapsed();
    std::thread::sleep(Duration::from_millis(6500).saturating_sub(loaded.elapsed()));
    let late = browser.screenshot();
    let late_at = loaded.elapsed();
    save(&format!("{file}-early.png"), &early);
    save(&format!("{file}-late.png"), &late);
    assert!(
        early_at < Duration::from_millis(1000) && late_at < Duration::from_millis(7000),
        "screenshots at {early_at:?} and {late_at:?} fall in step 0 and in step 6"
    );
    (early, late)
}
