//! gradviz builds scalar autograd graphs with the semantics of Karpathy's micrograd, runs
//! backward over the whole graph, and draws the graph as a Graphviz figure.
//!
//! The library's layers, each using only those below it (`docs/architecture.md` draws the
//! flow; a test holds the order):
//!
//! - [`page`]: the interactive HTML page; [`output`]: targets, names, atomic writes;
//! - [`render`]: figure → bytes (the `dot` runner, graphviz-pure, the layered engine);
//! - [`figure`]: what is drawn (the figure model, the DOT writer, views, marks);
//! - [`check`]: recomputation and finite differences, as report values;
//! - [`input`]: scripts (the subset, CPython), notebooks and JSON graphs → graphs;
//! - [`graph`]: the exported graph, its topological order and roots;
//! - [`engine`]: the autograd tape; [`layout`]: the layered layout, standalone.
//!
//! The command line (`main.rs`, `cli.rs`, `commands/`) is the binary's, not the library's.
//!
//! ```
//! use gradviz::engine::Graph;
//!
//! let g = Graph::new();
//! let x1 = g.leaf(2.0).with_label("x1");
//! let w1 = g.leaf(-3.0).with_label("w1");
//! let x2 = g.leaf(0.0).with_label("x2");
//! let w2 = g.leaf(1.0).with_label("w2");
//! let b = g.leaf(6.8813735870195432).with_label("b");
//! let n = (x1 * w1 + x2 * w2 + b).with_label("n");
//! let o = n.tanh().with_label("o");
//! o.backward();
//! assert_eq!(o.data(), 0.7071067811865476);
//! assert!((x1.grad() - -1.5).abs() < 1e-12);
//!
//! let exported = gradviz::graph::to_petgraph(&g, &[o.id()]);
//! assert_eq!(exported.node_count(), 10);
//! ```

pub mod check;
pub mod engine;
pub mod error;
pub mod figure;
pub mod graph;
pub mod input;
pub mod layout;
pub mod output;
pub mod page;
pub mod render;

pub use error::{Error, Result};

/// The README's Rust examples, compiled and run as doc tests so they cannot rot.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
