//! What the suite's tests share: the CLI under test, fixtures, the Pythons, a real
//! browser, and readers of the SVG and XML gradviz writes.

pub mod browser;
pub mod draw;
pub mod golden;
pub mod graphs;
pub mod micrograd;
pub mod python;
pub mod svg;
pub mod user_python;
pub mod xml;

use std::path::{Path, PathBuf};

use assert_cmd::Command;

/// The real `gradviz` binary, with no `dot` chosen by the environment and no colours.
pub fn gradviz() -> Command {
    let mut cmd = Command::cargo_bin("gradviz").expect("the binary is built");
    cmd.env_remove("GRADVIZ_DOT").env("NO_COLOR", "1");
    cmd
}

/// [`gradviz`] running users' scripts in the bare Python (see [`user_python`]).
pub fn gradviz_in_user_python() -> Command {
    let mut cmd = gradviz();
    cmd.env("GRADVIZ_PYTHON", user_python::user_python());
    cmd
}

/// `fixtures/<name>`.
pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(name)
}

/// `fixtures/python/<name>`: scripts only CPython runs.
pub fn python_fixture(name: &str) -> PathBuf {
    fixture("python").join(name)
}

/// The text of `fixtures/<name>`.
pub fn fixture_text(name: &str) -> String {
    let path = fixture(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}
