//! Telling inputs apart by their content, for stdin, which has no extension to go by:
//! a gradviz JSON graph, a Jupyter notebook, or a script.

/// What an input holds, by its first characters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Content {
    /// Nothing but whitespace.
    Empty,
    /// A JSON document that is not a notebook: a graph, or something the JSON reader
    /// will say is not one.
    Json,
    /// A Jupyter notebook: a JSON object with an `"nbformat"` key.
    Notebook,
    /// Anything else is read as a script.
    Script,
}

/// Sniffs `text`. A script cannot start with `{` (the subset has no dicts), so a leading
/// `{` is JSON; a notebook is the JSON object with a `"nbformat":` key, which no graph has
/// (a graph's keys are fixed, and a label `"nbformat"` is a value, not followed by `:`).
pub(crate) fn sniff(text: &str) -> Content {
    let body = text.trim_start_matches('\u{feff}').trim_start();
    if body.is_empty() {
        return Content::Empty;
    }
    if !body.starts_with('{') {
        return Content::Script;
    }
    let is_notebook = body
        .match_indices("\"nbformat\"")
        .any(|(at, key)| body[at + key.len()..].trim_start().starts_with(':'));
    if is_notebook {
        Content::Notebook
    } else {
        Content::Json
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn graphs_notebooks_and_scripts_are_told_apart() {
        assert_eq!(sniff(" \n"), Content::Empty);
        assert_eq!(
            sniff("{\"format\": \"gradviz\", \"nodes\": []}"),
            Content::Json
        );
        assert_eq!(
            sniff("{\"nodes\": [{\"label\": \"nbformat\", \"id\": 0}]}"),
            Content::Json
        );
        assert_eq!(
            sniff("\u{feff}{\n \"cells\": [],\n \"nbformat\" : 4,\n \"nbformat_minor\": 5\n}"),
            Content::Notebook
        );
        assert_eq!(
            sniff("from micrograd.engine import Value\n"),
            Content::Script
        );
        assert_eq!(
            sniff("# {\"nbformat\": 4}\nx = Value(1)\n"),
            Content::Script
        );
    }
}
