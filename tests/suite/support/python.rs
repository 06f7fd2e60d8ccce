//! Where the Python with micrograd 0.1.0 is, for the tests that check against the reference.

use std::path::PathBuf;

/// The Python with micrograd 0.1.0 installed, from `GRADVIZ_TEST_PYTHON` (`make test` sets it).
/// Fails, rather than skips, when it is not set: these tests are how gradviz is checked
/// against the reference.
pub fn python() -> PathBuf {
    match std::env::var_os("GRADVIZ_TEST_PYTHON") {
        Some(path) if !path.is_empty() => PathBuf::from(path),
        _ => panic!(
            "GRADVIZ_TEST_PYTHON is not set: run `make test`, or set it to a Python with \
             micrograd==0.1.0 installed (`make target/peer-venv/bin/python` makes one)"
        ),
    }
}
