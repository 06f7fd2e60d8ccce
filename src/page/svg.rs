//! The SVG contract the page relies on, and the rewrite that makes an engine's SVG one
//! figure among several in a page.
//!
//! # The contract
//!
//! Every engine gradviz draws with (`dot`, the builtin graphviz-pure) writes each value as a
//! group `<g class="node">` whose `<title>` is the value's DOT id, `v{id}` (its op node's is
//! `v{id}_op`; an edge's group is titled `v{a}->v{b}_op`), and the value's record holds its
//! grad field as one `<text>` element whose whole content is `grad 0.5000` (the word, a
//! space, the number as the figure writes it). [`prepare`] checks this for every value and
//! fails with a message naming the value when an engine breaks it; `tests/page.rs` runs it on
//! both engines.
//!
//! # The rewrite
//!
//! - The XML prolog, DOCTYPE and comments go (HTML cannot hold the first two; the comments
//!   only repeat the titles).
//! - Every `id` gets the figure's prefix, so ids are unique across the page's figures:
//!   a value's group becomes `{prefix}-v{id}`, an op node's `{prefix}-v{id}_op`, an edge's
//!   `{prefix}-v{a}--v{b}_op`, anything else `{prefix}-{old id}`.
//! - Each value's grad text gets the id `{prefix}-v{id}-g`, which the page's script updates
//!   as backward is replayed, and reads `grad {initial}`.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;

use crate::{Error, Result};

/// What the rewrite needs to know of one value.
pub struct ValueText<'a> {
    /// The grad field as the engine drew it, `grad 0.5000`.
    pub drawn: &'a str,
    /// What the field reads in the page before its script runs.
    pub initial: &'a str,
}

/// The `<svg>` element of `svg`, rewritten for a page as the module comment says. `values`
/// maps each value's DOT id (`v3`) to its grad texts.
///
/// # Errors
/// [`Error::Render`] when the SVG does not parse or a value breaks the contract.
pub fn prepare(svg: &str, prefix: &str, values: &BTreeMap<String, ValueText>) -> Result<String> {
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
        let title = title(&node);
        let wanted = match (node.attribute("class"), &title) {
            (Some("node"), Some(title)) => format!("{prefix}-{title}"),
            (Some("edge"), Some(title)) => format!("{prefix}-{}", title.replace("->", "--")),
            _ => format!("{prefix}-{}", id.value()),
        };
        let new_id = if used.insert(wanted.clone()) {
            wanted
        } else {
            let fallback = format!("{prefix}-{}", id.value());
            used.insert(fallback.clone());
            fallback
        };
        edits.push((id.range_value(), new_id.clone()));
        if let Some(value) = title.as_deref().and_then(|t| values.get(t).map(|v| (t, v))) {
            let (dot_id, texts) = value;
            edits.extend(grad_text_edits(&node, dot_id, prefix, texts)?);
            found.insert(dot_id.to_string());
        }
    }
    if let Some(missing) = values.keys().find(|k| !found.contains(*k)) {
        return Err(broken(missing, "has no group"));
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

/// The edits giving the value's grad text its id and initial content: the last text of the
/// group that reads exactly `drawn` (extra rows such as `stored grad …` come after it but
/// read differently).
fn grad_text_edits(
    group: &roxmltree::Node,
    dot_id: &str,
    prefix: &str,
    texts: &ValueText,
) -> Result<Vec<(Range<usize>, String)>> {
    let text = group
        .descendants()
        .rfind(|t| {
            t.has_tag_name("text")
                && t.text().map(|s| s.replace('\u{a0}', " ")).as_deref() == Some(texts.drawn)
        })
        .ok_or_else(|| broken(dot_id, &format!("has no text element `{}`", texts.drawn)))?;
    let content = text
        .first_child()
        .filter(|c| c.is_text())
        .ok_or_else(|| broken(dot_id, "has an empty grad text"))?;
    let after_tag_name = text.range().start + "<text".len();
    Ok(vec![
        (
            after_tag_name..after_tag_name,
            format!(" id=\"{prefix}-{dot_id}-g\""),
        ),
        (content.range(), escape_text(texts.initial)),
    ])
}

fn broken(dot_id: &str, what: &str) -> Error {
    Error::Render(format!(
        "the engine's SVG breaks the page's contract: value {dot_id} {what}"
    ))
}

/// `text` safe as XML character data.
pub fn escape_text(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// `svg` with each range replaced; ranges never overlap (each is an attribute value, a
/// point after a tag name, a text or a comment).
fn apply(svg: &str, mut edits: Vec<(Range<usize>, String)>) -> String {
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
