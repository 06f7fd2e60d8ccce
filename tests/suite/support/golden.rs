//! Golden files: output compared byte for byte with `fixtures/<name>`, or written there
//! instead when `GRADVIZ_BLESS` is set.

use std::path::PathBuf;

/// Asserts that `actual` is the content of `fixtures/<name>`; with `GRADVIZ_BLESS` set,
/// writes `actual` there (creating the directory) and asserts nothing.
pub fn check_golden(name: &str, actual: &str) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(name);
    if std::env::var_os("GRADVIZ_BLESS").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e}; run with GRADVIZ_BLESS=1 to create it",
            path.display()
        )
    });
    assert!(
        expected == actual,
        "{} differs from the output (GRADVIZ_BLESS=1 rewrites it):\n{actual}",
        path.display()
    );
}
