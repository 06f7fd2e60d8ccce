//! The whole integration suite, one binary: the library, the real `gradviz` binary, the real
//! `dot`, CPython with micrograd, users' own Pythons and a headless Chromium. One binary links
//! the library once; each module is one subject, and `support` holds what they share.

mod support;

mod animate;
mod architecture;
mod cli;
mod differential;
mod dot_writer;
mod engine;
mod figures;
mod golden;
mod json;
mod layered;
mod layout_quality;
mod new_user;
mod new_user_micrograd;
mod no_panics;
mod overview;
mod page;
mod python_interop;
mod python_runner;
mod render;
mod replay;
mod scopes;
mod script;
mod script_errors;
mod views;
mod watch;
