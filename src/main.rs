//! The `gradviz` binary: parse the command line, run it, map errors to exit codes.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let request = gradviz::cli::Cli::parse().into_parts();
    gradviz::app::run(request).unwrap_or_else(|error| {
        gradviz::app::report(&error);
        ExitCode::from(error.exit_code())
    })
}
