//! gradviz builds scalar autograd graphs with the semantics of Karpathy's micrograd, runs
//! backward over the whole graph, and draws the graph as a Graphviz figure.
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
//! let exported = gradviz::export::to_petgraph(&g, &[o.id()]);
//! assert_eq!(exported.node_count(), 10);
//! ```

pub mod app;
pub mod check;
pub mod cli;
pub mod engine;
pub mod error;
pub mod export;
pub mod interchange;
pub mod layout;
pub mod output;
pub mod page;
pub mod render;
pub mod replay;
pub mod script;
pub mod views;

mod compare;
mod compare_view;
mod gradcheck;
mod marks;
mod overlay;
mod progress;
mod sniff;

pub use error::{Error, Result};

/// The README's Rust examples, compiled and run as doc tests so they cannot rot.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
