//! The SVG contract the page relies on, and the rewrite that makes an engine's SVG one
//! figure among several in a page.
//!
//! # The contract
//!
//! Every engine gradviz draws with (`dot`, the builtin graphviz-pure, the layered engine)
//! writes each value as a group `<g class="node">` whose `<title>` is its record's name,
//! `v{id}` (its op node's is `v{id}_op`; an edge's group is titled `v{a}->v{b}_op`): the
//! names of [`ElementId`], read back with its one parse. The value's record holds its grad
//! field as one `<text>` element: the layered engine gives it its name (`v{id}-g`) and the
//! grad it shows; Graphviz's engines, which name no text, write it as the field was laid
//! out, `grad 0.5000` (the word, a space, the number it is sized for), and the rewrite finds
//! it by that text. [`prepare`] checks this for every value and fails with a message naming
//! the value when an engine breaks it; `tests/page.rs` runs it on every engine.
//!
//! # The rewrite
//!
//! - The XML prolog, DOCTYPE and comments go (HTML cannot hold the first two; the comments
//!   only repeat the titles).
//! - Every `id` gets the figure's prefix, so ids are unique across the page's figures: a
//!   node's or edge's group is named after its title's element (`{prefix}-v{id}`,
//!   `{prefix}-v{id}_op`, `{prefix}-v{a}--v{b}_op`), anything else keeps its id
//!   (`{prefix}-{old id}`).
//! - Each value's grad text is named `{prefix}-v{id}-g`, which the page's script updates as
//!   backward is replayed, and reads `grad {initial}`.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;

use crate::figure::escape::xml_escape;
use petgraph::graph::NodeIndex;

use crate::figure::{format_number, ElementId, Figure, NodeId, Record};
use crate::graph::ExportGraph;
use crate::{Error, Result};

/// Gives each value of `own` (node indices of `graph`) a grad field in `figure` as wide as
/// its widest grad text (`widest`), so no step of the replay grows its record, and says
/// what that field shows in the drawing and what the page writes there first.
pub(crate) fn room_for_grads(
    figure: &mut Figure<'_>,
    graph: &ExportGraph,
    widest: &[String],
    own: impl IntoIterator<Item = usize>,
    precision: usize,
) -> BTreeMap<u64, ValueText> {
    let mut values = BTreeMap::new();
    for i in own {
        let info = &graph[NodeIndex::new(i)];
        let room = &widest[i];
        figure
            .records
            .insert(info.id, Record::GradRoom(room.clone()));
        let texts = ValueText {
            drawn: format!("grad {room}"),
            initial: format!("grad {}", format_number(info.grad, precision)),
        };
        values.insert(info.id, texts);
    }
    values
}

/// What the rewrite needs to know of one value.
pub struct ValueText {
    /// The grad field as a Graphviz engine drew it, `grad 0.5000`.
    pub drawn: String,
    /// What the field reads in the page before its script runs.
    pub initial: String,
}

/// The `<svg>` element of `svg`, rewritten for a page as the module comment says. `values`
/// maps each value's id to its grad texts.
///
/// # Errors
/// [`Error::Render`] when the SVG does not parse or a value breaks the contract.
pub fn prepare(svg: &str, prefix: &str, values: &BTreeMap<u64, ValueText>) -> Result<String> {
    let svg = svg.find("<svg").map_or(svg, |start| &svg[start..]);
    let doc = roxmltree::Document::parse(svg)
        .map_err(|e| Error::Render(format!("the engine's SVG does not parse: {e}")))?;
    let mut edits: Vec<(Range<usize>, String)> = Vec::new();
    let mut used = BTreeSet::new();
    let mut found = BTreeSet::new();
    for node in doc.descendants() {
        if node.is_comment() {
            edits.push((node.range(), String::new()));
            continue;
        }
        let Some(id) = node.attributes().find(|a| a.name() == "id") else {
            continue;
        };
        let element = match node.attribute("class") {
            Some("node" | "edge") => title(&node).and_then(|t| ElementId::from_title(&t)),
            _ => None,
        };
        let wanted = match element {
            Some(element) => format!("{prefix}-{element}"),
            None => format!("{prefix}-{}", id.value()),
        };
        let new_id = if used.insert(wanted.clone()) {
            wanted
        } else {
            let fallback = format!("{prefix}-{}", id.value());
            used.insert(fallback.clone());
            fallback
        };
        edits.push((id.range_value(), new_id));
        if let Some(ElementId::Node(NodeId::Value(value))) = element {
            if let Some(texts) = values.get(&value) {
                edits.extend(grad_text_edits(&node, value, prefix, texts)?);
                found.insert(value);
            }
        }
    }
    if let Some(missing) = values.keys().find(|k| !found.contains(*k)) {
        return Err(broken(*missing, "has no group"));
    }
    Ok(apply(svg, edits))
}

/// The `<title>` text of a group, if it has one.
fn title(node: &roxmltree::Node) -> Option<String> {
    node.children()
        .find(|c| c.has_tag_name("title"))
        .and_then(|t| t.text())
        .map(str::to_string)
}

/// The edits naming the value's grad text and giving it its initial content. A text the
/// engine named already (the layered engine's) keeps its name, renamed with the other ids;
/// else it is the last text of the group that reads exactly `drawn` (extra rows such as
/// `stored grad …` come after it but read differently).
fn grad_text_edits(
    group: &roxmltree::Node,
    value: u64,
    prefix: &str,
    texts: &ValueText,
) -> Result<Vec<(Range<usize>, String)>> {
    let name = ElementId::Grad(value).to_string();
    let mut texts_of = group.descendants().filter(|t| t.has_tag_name("text"));
    let named = texts_of
        .clone()
        .find(|t| t.attribute("id") == Some(name.as_str()));
    let text = match named {
        Some(text) => text,
        None => texts_of
            .rfind(|t| {
                t.text().map(|s| s.replace('\u{a0}', " ")).as_deref() == Some(texts.drawn.as_str())
            })
            .ok_or_else(|| broken(value, &format!("has no text element `{}`", texts.drawn)))?,
    };
    let content = text
        .first_child()
        .filter(|c| c.is_text())
        .ok_or_else(|| broken(value, "has an empty grad text"))?;
    let mut edits = vec![(content.range(), xml_escape(&texts.initial))];
    if named.is_none() {
        let after_tag_name = text.range().start + "<text".len();
        edits.push((
            after_tag_name..after_tag_name,
            format!(" id=\"{prefix}-{name}\""),
        ));
    }
    Ok(edits)
}

fn broken(value: u64, what: &str) -> Error {
    Error::Render(format!(
        "the engine's SVG breaks the page's contract: value {} {what}",
        NodeId::Value(value)
    ))
}

/// `svg` with each range replaced; ranges never overlap (each is an attribute value, a
/// point after a tag name, a text or a comment).
pub(crate) fn apply(svg: &str, mut edits: Vec<(Range<usize>, String)>) -> String {
    edits.sort_by_key(|(range, _)| (range.start, range.end));
    let mut out = String::with_capacity(svg.len() + edits.len() * 8);
    let mut at = 0;
    for (range, text) in edits {
        out.push_str(&svg[at..range.start]);
        out.push_str(&text);
        at = range.end;
    }
    out.push_str(&svg[at..]);
    out
}
