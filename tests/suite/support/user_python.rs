//! Where the bare Python is, for the tests that run users' own scripts.

use std::path::PathBuf;

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
