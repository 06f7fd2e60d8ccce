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

/// A bare Python without micrograd or the graphviz package, from `GRADVIZ_TEST_USER_PYTHON`
/// (`make test` sets it): users' own scripts run in it, so `import graphviz` meets
/// gradviz's stand-in.
pub fn user_python() -> PathBuf {
    match std::env::var_os("GRADVIZ_TEST_USER_PYTHON") {
        Some(path) if !path.is_empty() => PathBuf::from(path),
        _ => panic!(
            "GRADVIZ_TEST_USER_PYTHON is not set: run `make test`, or set it to a Python \
             without the graphviz package (`make target/user-venv/bin/python` makes one)"
        ),
    }
}
