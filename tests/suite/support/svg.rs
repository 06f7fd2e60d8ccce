//! The groups of a Graphviz SVG (nodes, edges, clusters) as their titles and texts.

/// `(title, texts)` of each `<g class="{class}">` in document order: the `<title>` (a node's
/// DOT id, `cluster_…`) and the `<text>` contents inside, non-breaking spaces read as spaces,
/// which is how Graphviz writes runs of spaces.
pub fn groups(doc: &roxmltree::Document, class: &str) -> Vec<(String, Vec<String>)> {
    doc.descendants()
        .filter(|n| n.has_tag_name("g") && n.attribute("class") == Some(class))
        .map(|g| {
            let title = g
                .children()
                .find(|c| c.has_tag_name("title"))
                .and_then(|t| t.text())
                .unwrap_or_default()
                .to_string();
            let texts = g
                .descendants()
                .filter(|c| c.has_tag_name("text"))
                .map(|t| t.text().unwrap_or_default().replace('\u{a0}', " "))
                .collect();
            (title, texts)
        })
        .collect()
}
