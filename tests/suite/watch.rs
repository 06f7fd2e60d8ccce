//! `gradviz render --watch`: the real binary left running on a script in a temporary
//! folder; the figure follows each save, a broken save is reported and the last good
//! figure stays.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Kills the watcher when the test ends, passed or not.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "never happened: {what}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_default()
}

#[test]
fn watch_redraws_on_each_save_and_keeps_the_last_good_figure() {
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("tiny.py");
    let figure = dir.path().join("tiny.svg");
    let log = dir.path().join("stderr.txt");
    std::fs::write(
        &script,
        "a = Value(2.0, label='a')\nb = a * a\nb.backward()\n",
    )
    .unwrap();
    let _watcher = Running(
        Command::new(env!("CARGO_BIN_EXE_gradviz"))
            .args(["render", "--watch", "--engine", "builtin", "-o"])
            .arg(&figure)
            .arg(&script)
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .expect("the binary runs"),
    );
    wait_until("the first figure", || read(&figure).contains("data 2.0000"));

    std::fs::write(
        &script,
        "a = Value(3.0, label='a')\nb = a * a\nb.backward()\n",
    )
    .unwrap();
    wait_until("the figure redrawn", || {
        read(&figure).contains("data 3.0000")
    });

    std::fs::write(&script, "a = Value(3.0, label='a'\n").unwrap();
    wait_until("the error reported", || read(&log).contains("error:"));
    let said = read(&log);
    assert!(
        said.contains("tiny.py:1"),
        "the error names the place: {said}"
    );
    assert!(said.contains("last good output is kept"), "{said}");
    assert!(
        read(&figure).contains("data 3.0000"),
        "the last good figure stays"
    );
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(
        leftovers.len(),
        3,
        "no temporary file left behind: {leftovers:?}"
    );

    std::fs::write(
        &script,
        "a = Value(4.0, label='a')\nb = a * a\nb.backward()\n",
    )
    .unwrap();
    wait_until("drawn again after the fix", || {
        read(&figure).contains("data 4.0000")
    });
}

#[test]
fn watch_refuses_stdin_and_stdout() {
    for args in [
        &["render", "--watch", "-"][..],
        &["render", "--watch", "-o", "-", "x.py"],
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_gradviz"))
            .args(args)
            .stdin(Stdio::null())
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2));
        assert!(String::from_utf8_lossy(&out.stderr).contains("--watch"));
    }
}
