//! The names of what a figure draws: one [`ElementId`] type with one text form
//! ([`fmt::Display`]) and one reading of it ([`FromStr`]). The DOT writer names nodes with
//! it, the layered engine writes it as each element's `id`, and the page reads Graphviz's
//! titles back through it and prefixes it per figure (`s0-v3`); `templates/page.js` builds
//! the same forms from the pieces the page's data hands it ([`ElementId::VALUE`] and the
//! others), and `tests/page.rs` reads every id of a page's figure back through this parse.
//!
//! The forms: a value `v3`, its op node `v3_op`, the grad text of its record `v3-g`, an edge
//! `v1--v3_op` (Graphviz titles it `v1->v3_op`, DOT's own syntax), a cluster `cluster_2`,
//! the legend's box `cluster_legend` and its swatch `legend_0`, a gate `gate_1`, a page's
//! expanded part `part_4`.

use std::fmt;
use std::str::FromStr;

/// A node of the figure: a value's record or its op node.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum NodeId {
    /// The record of the value with this id (`v3`).
    Value(u64),
    /// The op node of the value with this id (`v3_op`).
    Op(u64),
}

/// Anything the figure draws that a reader may look up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ElementId {
    /// A record or an op node.
    Node(NodeId),
    /// The grad field's text in a value's record (`v3-g`), which the page updates.
    Grad(u64),
    /// The edge from one node to another (`v1--v3_op`).
    Edge(NodeId, NodeId),
    /// A cluster, by its index in the figure's clusters (`cluster_2`).
    Cluster(usize),
    /// The legend's box (`cluster_legend`).
    LegendBox,
    /// One legend swatch (`legend_0`).
    Legend(usize),
    /// An invisible ordering point (`gate_1`).
    Gate(usize),
    /// A folded node's inner drawing in the page, by its index in the page's parts
    /// (`part_4`); the elements drawn in it are named with it as their prefix
    /// (`s0-part_4-v3`).
    Part(usize),
}

impl ElementId {
    /// What a value's name starts with, before its id (`v3`).
    pub const VALUE: &'static str = "v";
    /// What an op node's name adds to its value's (`v3_op`).
    pub const OP: &'static str = "_op";
    /// What a grad text's name adds to its value's (`v3-g`).
    pub const GRAD: &'static str = "-g";
    /// What joins an edge's two node names (`v1--v3_op`).
    pub const EDGE: &'static str = "--";
    /// What a part's name starts with, before its index (`part_4`).
    pub const PART: &'static str = "part_";
}

const VALUE: &str = ElementId::VALUE;
const OP: &str = ElementId::OP;
const GRAD: &str = ElementId::GRAD;
const EDGE: &str = ElementId::EDGE;
/// How Graphviz titles an edge: DOT's edge operator between the two node names.
const EDGE_TITLE: &str = "->";
const CLUSTER: &str = "cluster_";
const LEGEND_BOX: &str = "cluster_legend";
const LEGEND: &str = "legend_";
const GATE: &str = "gate_";
const PART: &str = ElementId::PART;

impl NodeId {
    /// The value the node draws (its own id for both the record and the op node).
    pub fn value(self) -> u64 {
        match self {
            NodeId::Value(id) | NodeId::Op(id) => id,
        }
    }

    /// Appends the node's name to `text`, as [`fmt::Display`] writes it, without the
    /// formatting machinery: three names per value in a large figure's DOT, and `write!`
    /// was a tenth of its time.
    #[inline]
    pub fn push_to(self, text: &mut String) {
        text.push_str(VALUE);
        push_integer(text, self.value());
        if let NodeId::Op(_) = self {
            text.push_str(OP);
        }
    }

    /// The node an edge title (`v1->v3_op`) or id names at `text`, if any.
    fn parse(text: &str) -> Option<NodeId> {
        let digits = text.strip_prefix(VALUE)?;
        let (digits, op) = match digits.strip_suffix(OP) {
            Some(digits) => (digits, true),
            None => (digits, false),
        };
        let id = parse_number(digits)?;
        Some(if op {
            NodeId::Op(id)
        } else {
            NodeId::Value(id)
        })
    }
}

impl ElementId {
    /// The element a Graphviz `<title>` names: a node's name, or `tail->head` for an edge.
    pub fn from_title(title: &str) -> Option<ElementId> {
        match title.split_once(EDGE_TITLE) {
            Some((tail, head)) => Some(ElementId::Edge(NodeId::parse(tail)?, NodeId::parse(head)?)),
            None => title.parse().ok(),
        }
    }
}

impl fmt::Display for NodeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut text = String::with_capacity(24);
        self.push_to(&mut text);
        f.write_str(&text)
    }
}

impl fmt::Display for ElementId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ElementId::Node(node) => node.fmt(f),
            ElementId::Grad(id) => write!(f, "{}{GRAD}", NodeId::Value(*id)),
            ElementId::Edge(tail, head) => write!(f, "{tail}{EDGE}{head}"),
            ElementId::Cluster(k) => write!(f, "{CLUSTER}{k}"),
            ElementId::LegendBox => f.write_str(LEGEND_BOX),
            ElementId::Legend(k) => write!(f, "{LEGEND}{k}"),
            ElementId::Gate(k) => write!(f, "{GATE}{k}"),
            ElementId::Part(k) => write!(f, "{PART}{k}"),
        }
    }
}

/// Why a text is no [`ElementId`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotAnElementId(pub String);

impl fmt::Display for NotAnElementId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "`{}` names no element of a figure", self.0)
    }
}

impl std::error::Error for NotAnElementId {}

impl FromStr for ElementId {
    type Err = NotAnElementId;

    fn from_str(text: &str) -> Result<ElementId, NotAnElementId> {
        parse_element(text).ok_or_else(|| NotAnElementId(text.to_string()))
    }
}

fn parse_element(text: &str) -> Option<ElementId> {
    if text == LEGEND_BOX {
        return Some(ElementId::LegendBox);
    }
    let numbered = [
        (CLUSTER, ElementId::Cluster as fn(usize) -> ElementId),
        (LEGEND, ElementId::Legend),
        (GATE, ElementId::Gate),
        (PART, ElementId::Part),
    ];
    for (prefix, element) in numbered {
        if let Some(digits) = text.strip_prefix(prefix) {
            return Some(element(usize::try_from(parse_number(digits)?).ok()?));
        }
    }
    if let Some((tail, head)) = text.split_once(EDGE) {
        return Some(ElementId::Edge(NodeId::parse(tail)?, NodeId::parse(head)?));
    }
    if let Some(value) = text.strip_suffix(GRAD) {
        return match NodeId::parse(value)? {
            NodeId::Value(id) => Some(ElementId::Grad(id)),
            NodeId::Op(_) => None,
        };
    }
    NodeId::parse(text).map(ElementId::Node)
}

/// A decimal number as [`push_integer`] writes it: digits only, no leading zero but `0`.
fn parse_number(digits: &str) -> Option<u64> {
    let canonical = !digits.is_empty()
        && digits.bytes().all(|b| b.is_ascii_digit())
        && (digits == "0" || !digits.starts_with('0'));
    canonical.then(|| digits.parse().ok()).flatten()
}

/// `n` in decimal (itoa: two digits a step, and no UTF-8 check of its own digits).
#[inline]
fn push_integer(text: &mut String, n: u64) {
    text.push_str(itoa::Buffer::new().format(n));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn every_kind() -> Vec<ElementId> {
        vec![
            ElementId::Node(NodeId::Value(0)),
            ElementId::Node(NodeId::Value(1234567890123)),
            ElementId::Node(NodeId::Op(7)),
            ElementId::Grad(3),
            ElementId::Edge(NodeId::Value(1), NodeId::Op(3)),
            ElementId::Edge(NodeId::Op(3), NodeId::Value(3)),
            ElementId::Cluster(2),
            ElementId::LegendBox,
            ElementId::Legend(0),
            ElementId::Gate(11),
            ElementId::Part(4),
        ]
    }

    #[test]
    fn each_id_reads_back_from_its_text() {
        let texts: Vec<String> = every_kind().iter().map(|id| id.to_string()).collect();
        assert_eq!(
            texts,
            [
                "v0",
                "v1234567890123",
                "v7_op",
                "v3-g",
                "v1--v3_op",
                "v3_op--v3",
                "cluster_2",
                "cluster_legend",
                "legend_0",
                "gate_11",
                "part_4"
            ]
        );
        for (id, text) in every_kind().into_iter().zip(&texts) {
            assert_eq!(text.parse::<ElementId>(), Ok(id), "{text}");
        }
    }

    #[test]
    fn graphviz_edge_titles_name_edges() {
        assert_eq!(
            ElementId::from_title("v1->v3_op"),
            Some(ElementId::Edge(NodeId::Value(1), NodeId::Op(3)))
        );
        assert_eq!(
            ElementId::from_title("v3"),
            Some(ElementId::Node(NodeId::Value(3)))
        );
        assert_eq!(ElementId::from_title("a->b"), None);
    }

    #[test]
    fn texts_of_no_element_are_refused() {
        for text in [
            "", "v", "v01", "v-1", "x3", "v3_op-g", "v3_", "cluster_", "edge1", "v1--",
        ] {
            assert!(text.parse::<ElementId>().is_err(), "{text}");
        }
    }
}
