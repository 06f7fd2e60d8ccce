//! A million-node JSON graph through `interchange::read` and `check`: a benchmark workload,
//! not a test.
//!
//! ```text
//! cargo build --release --example json_scale
//! target/release/examples/json_scale write chain out/chain.json   # or: wide
//! /usr/bin/time -v target/release/examples/json_scale load out/chain.json
//! ```
//!
//! `chain` is 1,000,000 nodes in one line (`x` then alternating `tanh` and `exp`), the
//! deepest graph there is; `wide` is 500,000 leaves summed pairwise by a balanced tree of
//! 499,999 `+` nodes under one root. `load` reads, validates and checks the file and prints
//! how long each step took.

use std::time::Instant;

use gradviz::check::{check, Tolerance};
use gradviz::engine::{Graph, Value};
use gradviz::export::to_petgraph;
use gradviz::interchange::{read, sinks, write};

const NODES: usize = 1_000_000;

fn chain(g: &Graph) -> Value<'_> {
    let mut v = g.leaf(0.5).with_label("x");
    for i in 1..NODES {
        v = if i % 2 == 0 { v.exp() } else { v.tanh() };
    }
    v
}

fn wide(g: &Graph) -> Value<'_> {
    let mut level: Vec<Value<'_>> = (0..NODES / 2)
        .map(|i| g.leaf(i as f64 * 1e-6).with_label(&format!("x{i}")))
        .collect();
    while level.len() > 1 {
        level = level
            .chunks(2)
            .map(|pair| match pair {
                [a, b] => *a + *b,
                [a] => *a,
                _ => unreachable!("chunks(2) yields one or two"),
            })
            .collect();
    }
    level[0]
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.iter().map(String::as_str).collect::<Vec<_>>()[..] {
        ["write", shape, path] => {
            let g = Graph::with_capacity(NODES);
            let root = match shape {
                "chain" => chain(&g),
                "wide" => wide(&g),
                _ => usage(),
            };
            root.backward();
            let exported = to_petgraph(&g, &[root.id()]);
            let roots = sinks(&exported);
            std::fs::write(path, write(&exported, &roots)).expect("cannot write the file");
            println!("{shape}: {} nodes written to {path}", g.len());
        }
        ["load", path] => load(path),
        _ => usage(),
    }
}

fn load(path: &str) {
    let start = Instant::now();
    let text = std::fs::read_to_string(path).expect("cannot read the file");
    let loaded = start.elapsed();
    let document = read(&text, path).unwrap_or_else(|e| panic!("{e}"));
    drop(text);
    let parsed = start.elapsed();
    let report = check(&document, &Tolerance::default());
    let checked = start.elapsed();
    println!(
        "{path}: {} nodes; file read {:.2?}, parsed and validated {:.2?}, checked {:.2?}, total {:.2?}; {}",
        document.graph.node_count(),
        loaded,
        parsed - loaded,
        checked - parsed,
        checked,
        report.table().trim_end()
    );
}

fn usage() -> ! {
    eprintln!("usage: json_scale write chain|wide FILE | json_scale load FILE");
    std::process::exit(2)
}
