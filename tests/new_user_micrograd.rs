//! What a new user tripped over with real micrograd and the lecture's code (issue 27), each
//! through the real binary and what it runs: CPython (the bare user Python, and the one with
//! micrograd 0.1.0 installed), Graphviz's `dot`, and messages in the order they matter.

use std::path::{Path, PathBuf};

#[path = "common/user_python.rs"]
mod user_python;

use assert_cmd::Command;
use user_python::user_python;

/// `gradviz` with the bare user Python as its interpreter.
fn gradviz() -> Command {
    let mut cmd = Command::cargo_bin("gradviz").expect("the binary is built");
    cmd.env_remove("GRADVIZ_DOT")
        .env("NO_COLOR", "1")
        .env("GRADVIZ_PYTHON", user_python());
    cmd
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(name)
}

/// A temporary folder holding a file of that name and text.
fn folder_with(name: &str, text: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join(name);
    std::fs::write(&path, text).expect("write the input");
    (dir, path)
}

/// Runs `cmd`; returns (exit code, stdout, stderr).
fn outcome(cmd: &mut Command) -> (i32, String, String) {
    let out = cmd.output().expect("gradviz runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The files in `dir`, by name.
fn files_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("readable folder")
        .map(|entry| {
            entry
                .expect("entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    names.sort();
    names
}

// ---- 15: messages in the order that helps ----

/// A file named `.ipynb` that is not a notebook is refused as such, before gradviz says it
/// is running it anywhere: no "running it in python3" for a file that never runs.
#[test]
fn a_file_that_is_not_a_notebook_is_refused_before_any_note_of_running_it() {
    for (text, says) in [
        (
            "{\"foo\": 1}",
            "bad.ipynb: not a Jupyter notebook (nbformat 4): no \"cells\" list",
        ),
        ("print(1)\n", "bad.ipynb: not a notebook: Expecting value"),
    ] {
        let (dir, notebook) = folder_with("bad.ipynb", text);
        let (code, _, err) = outcome(gradviz().arg("render").arg(&notebook).current_dir(&dir));
        assert_eq!(code, 2, "{err}");
        assert!(err.contains(says), "{err}");
        assert!(!err.contains("running it in"), "{err}");
        assert_eq!(files_in(dir.path()), ["bad.ipynb"], "no output");
    }
}

/// A directory given as the input is called a directory, whatever its name looks like.
#[test]
fn a_directory_as_the_input_is_called_a_directory() {
    let dir = tempfile::tempdir().expect("temp dir");
    for name in ["figures", "scripts.py"] {
        let folder = dir.path().join(name);
        std::fs::create_dir(&folder).expect("make the folder");
        for command in ["render", "compare", "check"] {
            let (code, _, err) = outcome(gradviz().arg(command).arg(&folder));
            assert_eq!(code, 2, "{err}");
            assert!(
                err.contains(&format!("{} is a directory", folder.display())),
                "{command} {name}: {err}"
            );
            assert!(!err.contains("extension"), "{err}");
        }
    }
}

/// `-o` naming the input itself is refused as an overwrite, before its extension (`.py`,
/// which is no output format) is complained about; the script is left as it was.
#[test]
fn the_input_as_the_output_is_refused_before_its_extension_is_read() {
    let script = std::fs::read_to_string(fixture("neuron.py")).expect("the fixture");
    let (dir, input) = folder_with("neuron.py", &script);
    for command in ["render", "compare", "check"] {
        for output in ["neuron.py", "./neuron.py"] {
            let (code, _, err) = outcome(
                gradviz()
                    .args([command, "neuron.py", "-o", output])
                    .current_dir(&dir),
            );
            assert_eq!(code, 2, "{command} -o {output}: {err}");
            assert!(err.contains("would overwrite the input"), "{err}");
            assert!(!err.contains("output format"), "{err}");
        }
    }
    assert_eq!(std::fs::read_to_string(&input).unwrap(), script);
    assert_eq!(files_in(dir.path()), ["neuron.py"]);
}

/// `compare` of a script that never calls `backward()` runs it itself to have an "after",
/// and says so; the subset and CPython draw the same comparison and say the same.
#[test]
fn compare_says_when_it_ran_backward_itself_in_either_interpreter() {
    let (_dir, script) = folder_with(
        "nobackward.py",
        "a = Value(2.0, label='a')\nb = a * 3\nc = b.tanh()\n",
    );
    let mut figures = Vec::new();
    for interpreter in ["builtin", "python"] {
        let (code, dot, err) = outcome(
            gradviz()
                .args(["compare", "--format", "dot", "-o", "-", "--interpreter"])
                .arg(interpreter)
                .arg(&script),
        );
        assert_eq!(code, 0, "{interpreter}: {err}");
        assert!(
            err.contains(
                "nobackward.py calls backward() on no value: compare ran it from the value drawn"
            ),
            "{interpreter}: {err}"
        );
        figures.push(dot);
    }
    assert_eq!(figures[0], figures[1], "the same comparison");
    let (code, _, err) = outcome(
        gradviz()
            .args(["compare", "--format", "dot", "-o", "-"])
            .arg(fixture("neuron.py")),
    );
    assert_eq!(code, 0, "{err}");
    assert!(!err.contains("backward() on no value"), "{err}");
}

/// A script that imports a module the interpreter lacks hears which interpreter ran it and
/// how to name another, below the error's place.
#[test]
fn a_missing_module_names_the_interpreter_and_how_to_pick_another() {
    let (_dir, script) = folder_with(
        "train.py",
        "import random\nimport gradviz_no_such_module\nx = Value(1.0)\n",
    );
    let (code, _, err) = outcome(gradviz().arg("render").arg(&script));
    assert_eq!(code, 2, "{err}");
    let python = user_python();
    assert!(
        err.contains("ModuleNotFoundError: No module named 'gradviz_no_such_module'"),
        "{err}"
    );
    let help = err
        .lines()
        .find(|line| line.starts_with("  = help: "))
        .unwrap_or_else(|| panic!("a help line: {err}"));
    assert!(
        help.contains(&format!(
            "the script ran in {} (Python 3.",
            python.display()
        )),
        "{help}"
    );
    assert!(help.contains("--python PATH or GRADVIZ_PYTHON"), "{help}");
    // Any other error is left as it was.
    let (_dir, failing) = folder_with("div.py", "import random\nx = 1 / 0\n");
    let (code, _, err) = outcome(gradviz().arg("render").arg(&failing));
    assert_eq!(code, 2, "{err}");
    assert!(!err.contains("= help"), "{err}");
}
