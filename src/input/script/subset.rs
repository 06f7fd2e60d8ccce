//! Whether a script fits the built-in subset.
//!
//! `--interpreter auto` runs a script in the subset when the subset parses all of it, it
//! imports nothing but `micrograd`, `math`, `random` and `graphviz`, and every name it
//! reads is a subset built-in or a name the script binds somewhere. Anything else (a
//! `def`, a `class`, an f-string, `import numpy`, `math.sin`) runs in CPython, where the
//! prelude (`python/gradviz_prelude.py`) gives it the subset's built-ins, so nothing but
//! speed changes. A script that imports micrograd runs in CPython too when micrograd is
//! installed there: micrograd orders its backward by its objects' addresses, so only
//! micrograd gives its grads to the last bit (and raises its own errors for the lecture's
//! `label=` and `tanh` it lacks); where it is not installed, the prelude's `Value` is the
//! subset's. A script the subset stops at a runtime error goes there too
//! (`super::Fitted::Stopped`): Python's answer is CPython's. [`Fit`] is told each
//! statement as the parser yields it, while the subset already runs the script with its
//! prints held back (`super::run_if_fits`): the script is parsed once, and a script
//! handed to CPython has shown nothing of its subset run. The statements are walked with a
//! stack, as the evaluator runs them: no recursion.

use std::borrow::Cow;
use std::collections::BTreeSet;

use rustc_hash::FxHashSet;

use super::diagnostics::{line_and_column, Diag, Span};
use super::eval::{builtin, MATH_NAMES};
use super::expr::{Call, Expr, Instr};
use super::parser::{Stmt, Target};

/// Why a script that imports an installed micrograd runs in CPython.
const MICROGRAD_INSTALLED: &str = "imports micrograd, which is installed: its backward adds up \
     grads in an order only micrograd knows (its objects' addresses), so micrograd runs it";

/// Modules whose import a subset script may keep: their names are built in, or unused.
/// Not `__future__`: CPython checks its features and its place (`braces` is a
/// SyntaxError), the subset does not.
const SUBSET_MODULES: [&str; 4] = ["micrograd", "math", "random", "graphviz"];

/// Whether a script fits, from its statements as they are parsed: the names it binds and
/// the names it reads.
pub(super) struct Fit<'s> {
    source: &'s str,
    bound: BTreeSet<&'s str>,
    /// Each name read that is not built in, once, in the order first read (`math.NAME`
    /// each time: they are rare).
    read: Vec<Cow<'s, str>>,
    /// The plain names in `read`: a lecture script reads `x` on every line.
    seen: FxHashSet<&'s str>,
}

/// Why a script the subset cannot parse needs CPython, from where the parse stopped.
pub(super) fn unsupported(source: &str, diag: &Diag) -> String {
    let start = diag.span.start.min(source.len());
    let rest = source.get(start..).unwrap_or("");
    let word: String = rest
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_')
        .collect();
    let (line, column) = line_and_column(source, diag.span);
    if let Some(what) = diag.message.strip_suffix(" is beyond the built-in subset") {
        return format!("uses {what} (at {line}:{column})");
    }
    match word.as_str() {
        "def" | "lambda" => "defines functions".into(),
        "class" => "defines classes".into(),
        _ => format!("uses Python beyond the built-in subset (at {line}:{column})"),
    }
}

impl<'s> Fit<'s> {
    pub(super) fn new(source: &'s str) -> Self {
        Fit {
            source,
            bound: BTreeSet::new(),
            read: Vec::new(),
            seen: FxHashSet::default(),
        }
    }

    /// `Ok` when the script whose statements were all visited, with these `imports`, runs
    /// in the subset; else why it needs CPython, as a phrase that follows the file's name
    /// ("imports numpy"). `micrograd_installed` is asked last, and only of a script that
    /// imports micrograd: it asks CPython.
    pub(super) fn verdict(
        &self,
        imports: &[(&str, Span)],
        micrograd_installed: impl FnOnce() -> bool,
    ) -> Result<(), String> {
        if self.bound.contains("__debug__") {
            // A SyntaxError in CPython, which the subset does not raise.
            return Err("assigns to __debug__".into());
        }
        if let Some((module, _)) = imports
            .iter()
            .find(|(module, _)| !SUBSET_MODULES.contains(module))
        {
            return Err(match *module {
                "." => "imports from its own package".to_string(),
                module => format!("imports {module}"),
            });
        }
        if let Some(name) = self.unknown() {
            return Err(format!(
                "uses '{name}', which the built-in subset does not have"
            ));
        }
        if imports.iter().any(|(module, _)| *module == "micrograd") && micrograd_installed() {
            return Err(MICROGRAD_INSTALLED.into());
        }
        Ok(())
    }

    pub(super) fn visit(&mut self, statement: &Stmt<'s>) {
        // A loop's body is walked with a stack; a simple statement, most of a script,
        // needs none.
        let Stmt::For(_) = statement else {
            return self.simple(statement);
        };
        let mut pending = vec![statement];
        while let Some(statement) = pending.pop() {
            match statement {
                Stmt::For(for_loop) => {
                    self.bound.extend(for_loop.targets.iter().map(|(n, _)| *n));
                    self.code(&for_loop.iterable);
                    pending.extend(for_loop.body.iter().rev());
                }
                simple => self.simple(simple),
            }
        }
    }

    /// A statement other than a loop.
    fn simple(&mut self, statement: &Stmt<'s>) {
        match statement {
            Stmt::Assign { targets, value } => {
                targets.iter().for_each(|t| self.target(t));
                self.code(value);
            }
            Stmt::AugAssign { target, value, .. } => {
                self.target(target);
                self.code(value);
            }
            Stmt::Expr(expr) => self.code(expr),
            Stmt::For(_) => unreachable!("loops are walked by visit"),
        }
    }

    fn target(&mut self, target: &Target<'s>) {
        match target {
            Target::Name(name, _) => {
                self.bound.insert(name);
            }
            Target::Attribute { object, .. } => self.code(object),
        }
    }

    /// Names read, and `math.NAME` read as one name, since the subset has only part of
    /// `math`.
    fn code(&mut self, expr: &Expr<'s>) {
        let code = &expr.code;
        for (index, instr) in code.iter().enumerate() {
            match instr {
                // A built-in name is never unknown, whatever the script binds.
                Instr::Load(name, _) if builtin(name).is_none() && self.seen.insert(name) => {
                    self.read.push(Cow::Borrowed(name));
                }
                Instr::GetAttr { name, .. }
                    if matches!(
                        index.checked_sub(1).map(|i| &code[i]),
                        Some(Instr::Load("math", _))
                    ) =>
                {
                    self.read.push(Cow::Owned(format!("math.{name}")));
                }
                Instr::Call(call) => self.call(&expr.calls[*call]),
                Instr::LoopStart(start) => {
                    self.bound.extend(start.targets.iter().map(|(n, _)| *n));
                }
                _ => {}
            }
        }
    }

    /// `math.NAME(…)` read as one name. The callee's text is read only where it decides
    /// something: after a method's dot.
    fn call(&mut self, call: &Call<'s>) {
        let span = call.callee_span;
        if let Some((name, _)) = call.method {
            if self.source.get(span.start..span.end) == Some("math") {
                self.read.push(Cow::Owned(format!("math.{name}")));
            }
        }
    }

    /// The first name read that is neither bound nor built in.
    fn unknown(&self) -> Option<&str> {
        self.read
            .iter()
            .map(|name| &**name)
            .find(|name| match name.strip_prefix("math.") {
                Some(member) => !self.bound.contains("math") && !MATH_NAMES.contains(&member),
                None => !self.bound.contains(name) && builtin(name).is_none(),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::MICROGRAD_INSTALLED;
    use crate::input::script::{run_if_fits, Fitted, ScriptOptions};

    /// `Ok` when `--interpreter auto` runs `source` in the subset where micrograd is not
    /// installed, else why not.
    fn fits(source: &str) -> Result<(), String> {
        fits_where(source, false)
    }

    fn fits_where(source: &str, micrograd_installed: bool) -> Result<(), String> {
        let options = ScriptOptions::default();
        match run_if_fits(source, "test.py", &options, false, || micrograd_installed) {
            Fitted::Ran(_) | Fitted::Stopped(_) => Ok(()),
            Fitted::NeedsPython(why) => Err(why),
        }
    }

    #[test]
    fn lecture_scripts_fit() {
        let neuron = include_str!("../../../fixtures/neuron.py");
        assert_eq!(fits(neuron), Ok(()));
        assert_eq!(fits(include_str!("../../../fixtures/mlp.py")), Ok(()));
        assert_eq!(
            fits("import random\nfrom micrograd.nn import MLP\n"),
            Ok(())
        );
    }

    #[test]
    fn anything_else_says_why_it_needs_python() {
        let cases = [
            ("def f(x):\n    return x\n", "defines functions"),
            ("class Value:\n    pass\n", "defines classes"),
            ("import numpy as np\n", "imports numpy"),
            ("import math, torch\n", "imports torch"),
            ("from torch.nn import Linear\n", "imports torch"),
            ("from . import helpers\n", "imports from its own package"),
            (
                "x = math.sin(1)\n",
                "uses 'math.sin', which the built-in subset does not have",
            ),
            (
                "x = math.log10\n",
                "uses 'math.log10', which the built-in subset does not have",
            ),
            (
                "y = f(2)\n",
                "uses 'f', which the built-in subset does not have",
            ),
            (
                "a = 1\nif a < 2:\n    a = 3\n",
                "uses Python beyond the built-in subset (at 2:1)",
            ),
        ];
        for (source, why) in cases {
            assert_eq!(fits(source), Err(why.to_string()), "{source}");
        }
    }

    /// CPython has the subset's `Value` too (the prelude): a script that uses it with
    /// anything beyond the subset goes there, imported or not.
    #[test]
    fn a_script_with_the_subsets_value_and_more_goes_to_cpython() {
        let unknown = Err("uses 'c', which the built-in subset does not have".to_string());
        assert_eq!(fits("a = Value(1.0)\nb = a + c\n"), unknown);
        let imported = "from micrograd.engine import Value\na = Value(1.0)\nb = a + c\n";
        assert_eq!(fits(imported), unknown);
        let numpy = fits("import numpy\na = Value(1.0)\n");
        assert_eq!(numpy, Err("imports numpy".into()));
        let escape = fits("a = Value(1.0)\nprint(f'{a.data:.3f}\\n')\n");
        assert_eq!(
            escape,
            Err("uses an escape in an f-string (at 2:21)".into())
        );
        assert_eq!(fits("a = Value(1.0)\nprint(f'{a.data:.3f}')\n"), Ok(()));
    }

    /// Where micrograd is installed, a script that imports it is micrograd's to run, with
    /// the lecture's extras or without; where it is not, CPython's prelude gives it the
    /// subset's `Value`, so the subset runs it.
    #[test]
    fn a_script_importing_an_installed_micrograd_goes_to_cpython() {
        for script in [
            "from micrograd.engine import Value\na = Value(1.0, label='a')\nb = a.tanh()\n",
            "import random\nfrom micrograd.nn import MLP\nn = MLP(2, [3, 1])\n",
            "import micrograd\nb = Value(2.0, 'x')\n",
        ] {
            assert_eq!(fits_where(script, false), Ok(()), "{script}");
            assert_eq!(
                fits_where(script, true),
                Err(MICROGRAD_INSTALLED.into()),
                "{script}"
            );
        }
        assert_eq!(fits_where("a = Value(1.0, label='a')\n", true), Ok(()));
        let beyond = "from micrograd.engine import Value\nimport numpy\n";
        assert_eq!(fits_where(beyond, true), Err("imports numpy".into()));
    }

    #[test]
    fn the_part_of_math_the_subset_has_fits() {
        assert_eq!(fits("import math\nx = math.pi * math.exp(2.0)\n"), Ok(()));
    }

    #[test]
    fn names_bound_anywhere_are_known() {
        let source = "for p in [1, 2]:\n    q = p\nr = [x * q for x in [1]]\nprint(r)\n";
        assert_eq!(fits(source), Ok(()));
    }
}
