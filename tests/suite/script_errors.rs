//! Golden script errors: every `fixtures/errors/NAME.py` fails with exactly the message in
//! `NAME.err` beside it (file:line:col, the source line, a caret, a help line where one
//! helps). `GRADVIZ_BLESS=1` rewrites the `.err` files from the current messages.

use std::path::{Path, PathBuf};

use gradviz::input::script::{evaluate, ScriptOptions};
use gradviz::Error;

fn error_fixtures() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/errors");
    let mut scripts: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.expect("readable directory").path())
        .filter(|path| path.extension().is_some_and(|e| e == "py"))
        .collect();
    scripts.sort();
    scripts
}

/// The message a script fails with: from running it, or from asking for its figures.
fn message_for(script: &Path) -> String {
    let source = std::fs::read_to_string(script).expect("readable fixture");
    let name = format!(
        "fixtures/errors/{}",
        script.file_name().unwrap().to_string_lossy()
    );
    let result = evaluate(&source, &name, &ScriptOptions::default()).and_then(|r| r.figures());
    match result {
        Err(Error::Script(message)) => message,
        Err(other) => panic!("{name}: not a script error: {other}"),
        Ok(_) => panic!("{name}: ran without an error"),
    }
}

#[test]
fn every_bad_script_fails_with_its_golden_message() {
    let bless = std::env::var_os("GRADVIZ_BLESS").is_some();
    let scripts = error_fixtures();
    assert!(scripts.len() >= 30, "only {} error fixtures", scripts.len());
    let mut mismatches = Vec::new();
    for script in &scripts {
        let message = message_for(script);
        let golden = script.with_extension("err");
        if bless {
            std::fs::write(&golden, format!("{message}\n")).expect("writable fixture");
            continue;
        }
        let expected = std::fs::read_to_string(&golden).unwrap_or_else(|_| {
            panic!(
                "{} is missing; run with GRADVIZ_BLESS=1 to create it",
                golden.display()
            )
        });
        if expected.strip_suffix('\n') != Some(message.as_str()) {
            mismatches.push(format!(
                "{}\n--- expected\n{expected}--- actual\n{message}\n",
                script.display()
            ));
        }
    }
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
}

#[test]
fn every_golden_message_has_its_script() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/errors");
    for entry in std::fs::read_dir(&dir).expect("fixtures/errors") {
        let path = entry.expect("readable directory").path();
        if path.extension().is_some_and(|e| e == "err") {
            assert!(
                path.with_extension("py").exists(),
                "{} has no script",
                path.display()
            );
        }
    }
}

#[test]
fn messages_name_the_file_and_place() {
    for script in error_fixtures() {
        let message = message_for(&script);
        let name = script.file_name().unwrap().to_string_lossy().into_owned();
        let first_line = message.lines().next().unwrap_or_default();
        assert!(
            first_line.starts_with(&format!("fixtures/errors/{name}")),
            "{first_line}"
        );
        let placed = first_line
            .split(':')
            .nth(1)
            .is_some_and(|line| line.parse::<usize>().is_ok());
        let whole_file = matches!(name.as_str(), "empty.py" | "nothing_to_draw.py");
        assert!(placed || whole_file, "{first_line}");
        assert!(whole_file || message.contains('^'), "{message}");
    }
}
