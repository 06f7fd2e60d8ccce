//! The code's shape, held by reading `src/`: the library's layers use only the layers below
//! them (`docs/architecture.md`), the binary's side does the same among its own modules,
//! and only the binary's side talks to the terminal.

use std::path::{Path, PathBuf};

/// The library's layers, lowest first. A module may use the layers before its own; modules
/// of one layer do not use each other. `error` is below everything: every layer fails.
const LIBRARY: &[&[&str]] = &[
    &["error"],
    &["engine", "layout"],
    &["graph"],
    &["input"],
    &["check"],
    &["figure"],
    &["render"],
    &["page", "output"],
];

/// The binary's modules, lowest first: `main` parses through `cli`, which builds the
/// requests `commands` runs, which draw with `progress`'s spinner.
const BINARY: &[&[&str]] = &[&["progress"], &["commands"], &["cli"], &["main"]];

/// Files of the library allowed to write to the terminal, and why.
const TERMINAL_WRITERS: &[(&str, &str)] = &[
    (
        "input/script/eval/print.rs",
        "a script's own print(), on stderr as it runs",
    ),
    (
        "input/python.rs",
        "the CPython child's stdout, forwarded to stderr as it runs",
    ),
    ("output/mod.rs", "a figure written to stdout (`-o -`)"),
];

/// `name` is the top module a `crate::` path starts with; the layer it belongs to.
fn layer_of(layers: &[&[&str]], name: &str) -> Option<usize> {
    let name = match name {
        // `crate::{Error, Result}`: the root's re-exports of `error`.
        "Error" | "Result" => "error",
        other => other,
    };
    layers.iter().position(|layer| layer.contains(&name))
}

/// The source of `file` with comment lines blanked, so that docs naming a module are not uses.
fn code_lines(text: &str) -> Vec<&str> {
    text.lines()
        .map(|line| {
            if line.trim_start().starts_with("//") {
                ""
            } else {
                line
            }
        })
        .collect()
}

/// The top modules named by `crate::…` and `super::…` paths in `code`, with their line
/// numbers. `module` is the file's own module path (`["render", "layered"]`), against which
/// `super` is resolved; inline modules (`mod defaults { … }`, as rustfmt lays them out: the
/// closing brace alone at the opening line's indent) deepen it while they last.
fn used_modules(code: &[&str], module: &[String]) -> Vec<(usize, String)> {
    let mut used = Vec::new();
    let mut path = module.to_vec();
    let mut inline: Vec<String> = Vec::new();
    for (number, line) in code.iter().enumerate() {
        if let Some(name) = inline_module(line) {
            let indent = &line[..line.len() - line.trim_start().len()];
            inline.push(format!("{indent}}}"));
            path.push(name);
            continue;
        }
        if inline.last().is_some_and(|end| end == line) {
            inline.pop();
            path.pop();
            continue;
        }
        for start in path_starts(line) {
            let (base, rest) = resolve(&line[start..], &path);
            for first in first_segments(rest) {
                let top = base.clone().unwrap_or(first);
                if top != "self" && !top.is_empty() {
                    used.push((number + 1, top));
                }
            }
        }
    }
    used
}

/// The name of the inline module `line` opens (`pub mod defaults {`), if it opens one.
fn inline_module(line: &str) -> Option<String> {
    let words: Vec<&str> = line.split_whitespace().collect();
    match words.as_slice() {
        [.., "mod", name, "{"] => Some(name.to_string()),
        _ => None,
    }
}

/// Byte offsets where a `crate::` or `super::` path begins in `line`.
fn path_starts(line: &str) -> Vec<usize> {
    let mut starts = Vec::new();
    for keyword in ["crate::", "super::"] {
        let mut from = 0;
        while let Some(found) = line[from..].find(keyword) {
            let at = from + found;
            let before = line[..at].chars().next_back();
            let inside_path = line[..at].ends_with("super::");
            if !inside_path && !before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
                starts.push(at);
            }
            from = at + keyword.len();
        }
    }
    starts
}

/// Resolves the leading `crate::` or `super::…` of `path`: the top module it lands in when
/// that is fixed by the file's place (`super` inside a submodule), and the rest of the path.
fn resolve<'a>(path: &'a str, module: &[String]) -> (Option<String>, &'a str) {
    if let Some(rest) = path.strip_prefix("crate::") {
        return (None, rest);
    }
    let mut rest = path;
    let mut ups = 0;
    while let Some(after) = rest.strip_prefix("super::") {
        rest = after;
        ups += 1;
    }
    let depth = module.len().saturating_sub(ups);
    let base = (depth > 0).then(|| module[0].clone());
    (base, rest)
}

/// The first segment of each path in `rest`: one for `a::b`, one per item for `{a, b::c}`.
fn first_segments(rest: &str) -> Vec<String> {
    let identifier = |s: &str| -> String {
        s.trim_start()
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect()
    };
    let Some(group) = rest.strip_prefix('{') else {
        return vec![identifier(rest)];
    };
    let mut items = vec![String::new()];
    let mut depth = 0;
    for c in group.chars() {
        match c {
            '{' => depth += 1,
            '}' if depth == 0 => break,
            '}' => depth -= 1,
            ',' if depth == 0 => items.push(String::new()),
            _ => {}
        }
        if depth == 0 && c != ',' {
            items.last_mut().expect("one item at least").push(c);
        }
    }
    items.iter().map(|item| identifier(item)).collect()
}

/// Every `.rs` file under `dir`, in name order.
fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut folders = vec![dir.to_path_buf()];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder).expect("src/ is readable") {
            let path = entry.expect("src/ is readable").path();
            if path.is_dir() {
                folders.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

/// A file's module path under `src/`: `render/layered.rs` is `["render", "layered"]`,
/// `render/mod.rs` is `["render"]`.
fn module_path(relative: &Path) -> Vec<String> {
    let mut parts: Vec<String> = relative
        .with_extension("")
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if parts.last().is_some_and(|last| last == "mod") {
        parts.pop();
    }
    parts
}

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// The crate's files as (path under `src/`, module path, text); `lib.rs` only declares.
fn sources() -> Vec<(String, Vec<String>, String)> {
    rust_files(&src())
        .into_iter()
        .filter_map(|path| {
            let relative = path.strip_prefix(src()).expect("under src/").to_path_buf();
            let module = module_path(&relative);
            let name = relative.to_string_lossy().replace('\\', "/");
            let text = std::fs::read_to_string(&path).expect("a source file is readable");
            (name != "lib.rs").then_some((name, module, text))
        })
        .collect()
}

/// The uses in one file that go up (or across) its layer order, as messages.
fn upward_uses(name: &str, module: &[String], text: &str) -> Vec<String> {
    let in_binary = layer_of(BINARY, &module[0]).is_some();
    let layers = if in_binary { BINARY } else { LIBRARY };
    let Some(own) = layer_of(layers, &module[0]) else {
        return vec![format!("src/{name}: module `{}` is in no layer", module[0])];
    };
    used_modules(&code_lines(text), module)
        .into_iter()
        .filter(|(_, used)| *used != module[0])
        .filter_map(|(line, used)| match layer_of(layers, &used) {
            Some(layer) if layer < own => None,
            Some(_) => Some(format!(
                "src/{name}:{line}: `{}` uses `{used}`, which is not below it",
                module[0]
            )),
            None => Some(format!("src/{name}:{line}: `{used}` is in no layer")),
        })
        .collect()
}

#[test]
fn every_layer_uses_only_the_layers_below_it() {
    let found: Vec<String> = sources()
        .iter()
        .flat_map(|(name, module, text)| upward_uses(name, module, text))
        .collect();
    assert!(
        found.is_empty(),
        "uses against the layer order:\n{}",
        found.join("\n")
    );
}

#[test]
fn the_layer_check_sees_upward_uses() {
    let figure = ["figure".to_string(), "views".to_string()];
    let text = "use crate::{graph::ExportGraph, render::Format, Error};\n\
                // crate::page in a comment is no use\n\
                let x = crate::page::page();\n";
    let found = upward_uses("figure/views.rs", &figure, text);
    assert_eq!(found.len(), 2, "{found:?}");
    assert!(found[0].contains("src/figure/views.rs:1: `figure` uses `render`"));
    assert!(found[1].contains(":3: `figure` uses `page`"));

    let inline = "pub mod defaults {\n    use super::Rankdir;\n}\nuse super::page;\n";
    let found = upward_uses("figure/mod.rs", &["figure".to_string()], inline);
    assert_eq!(
        found,
        ["src/figure/mod.rs:4: `figure` uses `page`, which is not below it"]
    );
    let nested = ["render".to_string(), "layered".to_string()];
    assert!(upward_uses("render/layered.rs", &nested, "use super::Format;").is_empty());
    let top = ["render".to_string()];
    let from_root = upward_uses("render/mod.rs", &top, "use super::page::Snapshot;");
    assert_eq!(from_root.len(), 1, "{from_root:?}");
    let binary = ["progress".to_string()];
    assert_eq!(
        upward_uses("progress.rs", &binary, "use crate::cli;").len(),
        1
    );
}

/// The terminal-writing macros and streams found in one library file, as messages.
fn terminal_writes(name: &str, text: &str) -> Vec<String> {
    let allowed = TERMINAL_WRITERS.iter().any(|(file, _)| *file == name);
    let mut found = Vec::new();
    for (number, line) in code_lines(text).iter().enumerate() {
        for needle in ["print!(", "println!(", "eprint!(", "eprintln!(", "dbg!("] {
            let at = line.match_indices(needle).any(|(at, _)| {
                !line[..at]
                    .chars()
                    .next_back()
                    .is_some_and(|c| c.is_alphanumeric() || c == '_')
            });
            if at {
                found.push(format!("src/{name}:{}: {needle}…)", number + 1));
            }
        }
        for stream in ["stdout()", "stderr()", "Stdio::inherit()"] {
            if !allowed && line.contains(stream) {
                found.push(format!("src/{name}:{}: {stream}", number + 1));
            }
        }
    }
    found
}

#[test]
fn only_the_binary_talks_to_the_terminal() {
    let found: Vec<String> = sources()
        .iter()
        .filter(|(_, module, _)| layer_of(BINARY, &module[0]).is_none())
        .flat_map(|(name, _, text)| terminal_writes(name, text))
        .collect();
    assert!(
        found.is_empty(),
        "the library writes to the terminal:\n{}",
        found.join("\n")
    );
    for (file, why) in TERMINAL_WRITERS {
        let text = std::fs::read_to_string(src().join(file)).expect("an allowed file exists");
        assert!(
            ["stdout()", "stderr()"].iter().any(|s| text.contains(s)),
            "src/{file} is allowed to write to the terminal ({why}) but no longer does"
        );
    }
}

#[test]
fn the_terminal_check_sees_prints() {
    let text = "fn f() {\n    eprintln!(\"x\");\n    // println!(\"in a comment\")\n    \
                let _ = std::io::stdout();\n}\n";
    let found = terminal_writes("figure/views.rs", text);
    assert_eq!(
        found,
        [
            "src/figure/views.rs:2: eprintln!(…)",
            "src/figure/views.rs:4: stdout()"
        ]
    );
}

#[test]
fn the_library_does_not_carry_the_command_line() {
    let lib = std::fs::read_to_string(src().join("lib.rs")).expect("lib.rs");
    for module in ["cli", "commands", "progress"] {
        assert!(
            !lib.contains(&format!("mod {module};")),
            "lib.rs declares the binary's `{module}`"
        );
    }
}
