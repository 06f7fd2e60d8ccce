//! The `gradviz` binary: parse the command line, run the command, report an error with its
//! exit code. The binary's side holds everything that talks to the terminal: clap
//! (`cli`), the commands and their notes (`commands`), the spinner (`progress`).

mod cli;
mod commands;
mod progress;

use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let request = cli::Cli::parse().into_parts();
    commands::run(request).unwrap_or_else(|error| {
        report(&error);
        ExitCode::from(error.exit_code())
    })
}

/// Prints an error as `error: …` on stderr, in red only on a terminal without `NO_COLOR`.
fn report(error: &gradviz::Error) {
    let stderr = std::io::stderr();
    let color = stderr.is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    let prefix = if color {
        "\x1b[1;31merror\x1b[0m"
    } else {
        "error"
    };
    let message = error.worded(&commands::CommandLine);
    let _ = writeln!(stderr.lock(), "{prefix}: {message}");
}
