//! `gradviz render --watch`: draw, then draw again whenever an input changes, so a figure
//! in a docs tree stays current while its script is edited. It polls the inputs' size and
//! modification time (no platform watcher to depend on), waits until they stay still for a
//! moment (an editor's save can take several writes), and draws again. A failed draw is
//! printed and the outputs are left as they were: every output is written beside its target
//! and renamed into place only when all are drawn, so the last good figure stays.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::thread::sleep;
use std::time::{Duration, SystemTime};

use gradviz::output::Output;
use gradviz::{Error, Result};

use super::{render, Console, RenderRequest};

/// How often the inputs are looked at.
const POLL: Duration = Duration::from_millis(150);
/// How long the inputs must stay unchanged before they are drawn again.
const SETTLE: Duration = Duration::from_millis(300);

/// Draws `request` now and after each change of its inputs, until the process is stopped.
pub fn watch(request: &RenderRequest) -> Result<()> {
    if request.inputs.iter().any(|path| path == Path::new("-")) {
        return Err(Error::Usage(
            "--watch reads files; stdin (`-`) cannot change".into(),
        ));
    }
    if matches!(request.output, Output::Stdout) {
        return Err(Error::Usage(
            "--watch writes files; give -o FILE or --out-dir".into(),
        ));
    }
    say(&format!(
        "watching {} for changes (Ctrl-C to stop)",
        names(&request.inputs)
    ));
    let mut seen = stamps(&request.inputs);
    loop {
        match render::render(request, &mut Console::default()) {
            Ok(()) => say(&format!("drew {}", names(&request.inputs))),
            Err(error) => say(&format!(
                "error: {error}\n(the last good output is kept; watching for the next change)"
            )),
        }
        seen = next_change(&request.inputs, seen);
    }
}

/// Each input's size and modification time; `None` while it is missing (an editor that
/// saves by renaming removes it for a moment).
type Stamp = Option<(u64, SystemTime)>;

fn stamps(inputs: &[PathBuf]) -> Vec<Stamp> {
    inputs
        .iter()
        .map(|path| {
            let meta = std::fs::metadata(path).ok()?;
            Some((meta.len(), meta.modified().ok()?))
        })
        .collect()
}

/// Waits until the inputs differ from `seen` and then stay unchanged (and present) for
/// [`SETTLE`]; their stamps then.
fn next_change(inputs: &[PathBuf], seen: Vec<Stamp>) -> Vec<Stamp> {
    let mut current = seen.clone();
    let mut still_for = Duration::ZERO;
    loop {
        sleep(POLL);
        let now = stamps(inputs);
        if now != current {
            current = now;
            still_for = Duration::ZERO;
            continue;
        }
        still_for += POLL;
        if current != seen && still_for >= SETTLE && current.iter().all(Option::is_some) {
            return current;
        }
    }
}

fn names(inputs: &[PathBuf]) -> String {
    inputs
        .iter()
        .map(|path| path.display().to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

fn say(text: &str) {
    let _ = writeln!(std::io::stderr().lock(), "{text}");
}
