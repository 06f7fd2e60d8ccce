//! The spinner shown on a terminal while a renderer runs longer than a second.
//!
//! Short renders show nothing (no flicker), and nothing is drawn when stderr is not a
//! terminal, so logs and pipes stay clean.

use std::io::IsTerminal;
use std::sync::{Arc, Condvar, Mutex};
use std::thread;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};

const DELAY: Duration = Duration::from_secs(1);

/// Runs `work`, with a spinner and the elapsed time on stderr once it has taken a second.
pub fn with_spinner<T>(message: &'static str, work: impl FnOnce() -> T) -> T {
    if !std::io::stderr().is_terminal() {
        return work();
    }
    let done = Arc::new((Mutex::new(false), Condvar::new()));
    let watcher = {
        let done = Arc::clone(&done);
        thread::spawn(move || spin_until(&done, message))
    };
    let result = work();
    let (lock, signal) = &*done;
    *lock.lock().unwrap_or_else(|e| e.into_inner()) = true;
    signal.notify_all();
    let _ = watcher.join();
    result
}

fn spin_until(done: &(Mutex<bool>, Condvar), message: &'static str) {
    let (lock, signal) = done;
    let finished = |guard: &mut bool| !*guard;
    let guard = lock.lock().unwrap_or_else(|e| e.into_inner());
    let (guard, _) = signal
        .wait_timeout_while(guard, DELAY, finished)
        .unwrap_or_else(|e| e.into_inner());
    if *guard {
        return;
    }
    let spinner = ProgressBar::new_spinner().with_message(message);
    spinner.set_style(
        ProgressStyle::with_template("{spinner} {msg} {elapsed}")
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    spinner.enable_steady_tick(Duration::from_millis(100));
    let _guard = signal
        .wait_while(guard, finished)
        .unwrap_or_else(|e| e.into_inner());
    spinner.finish_and_clear();
}
