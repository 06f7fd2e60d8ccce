//! The committed figures (docs/figures/MANIFEST) are exactly what the binary makes today,
//! so the README never shows a figure the code no longer draws. Re-make them with
//! `make figures`, or bless with `GRADVIZ_BLESS=1`.

use std::path::Path;

use assert_cmd::Command;

#[test]
fn committed_figures_are_current() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let manifest = std::fs::read_to_string(root.join("docs/figures/MANIFEST")).expect("manifest");
    let bless = std::env::var_os("GRADVIZ_BLESS").is_some();
    let mut checked = 0;
    for line in manifest
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
    {
        let mut words = line.split_whitespace();
        let committed = root.join(words.next().expect("a path"));
        let output = Command::cargo_bin("gradviz")
            .expect("binary")
            .current_dir(root)
            .args(words)
            .args(["-o", "-"])
            .output()
            .expect("runs");
        assert!(
            output.status.success(),
            "{line}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        if bless {
            std::fs::write(&committed, &output.stdout).expect("bless");
        }
        let expected = std::fs::read(&committed).unwrap_or_default();
        assert!(
            expected == output.stdout,
            "{} is stale: run `make figures`",
            committed.display()
        );
        checked += 1;
    }
    assert!(checked >= 4, "the manifest lists the README's figures");
}
