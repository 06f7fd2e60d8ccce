//! How the command line words the library's messages: its flags for the settings an error
//! or a note names (`--full`, `--engine dot`), where the Python package says `full=True`.

use gradviz::error::{Setting, Terms};

/// The command line's names for the settings a library error names or suggests: its flags.
pub struct CommandLine;

impl Terms for CommandLine {
    fn spell(&self, setting: Setting, value: Option<&str>) -> Option<String> {
        let flag = match setting {
            Setting::Rtol => "--rtol",
            Setting::Atol => "--atol",
            Setting::Fold => "--fold",
            Setting::MaxNodes => "--max-nodes",
            Setting::Timeout => "--timeout",
            Setting::Snapshot => "--snapshot",
            Setting::LayeredEngine => return Some("--engine layered".into()),
            Setting::BuiltinEngine => return Some("--engine builtin".into()),
            Setting::DotEngine => return Some("--engine dot".into()),
            Setting::BuiltinInterpreter => return Some("--interpreter builtin".into()),
            Setting::DotSource => return Some("--format dot".into()),
            Setting::Full => "--full",
            Setting::Depth => "--depth",
            Setting::Group => "--group",
            _ => return None,
        };
        Some(match value {
            Some(value) => format!("{flag} {value}"),
            None => flag.to_string(),
        })
    }
}
