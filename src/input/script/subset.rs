//! Whether a script fits the built-in subset.
//!
//! `--interpreter auto` runs a script in the subset when the subset parses all of it, it
//! imports nothing but `micrograd`, `math`, `random` and `graphviz`, and every name it
//! reads is a subset built-in or a name the script binds somewhere. Anything else (a
//! `def`, a `class`, an f-string, `import numpy`, `math.sin`) runs in CPython, where the
//! prelude (`python/gradviz_prelude.py`) gives it the subset's built-ins, so nothing but
//! speed changes. The subset's `Value` is the lecture's, with `label=`, `tanh` and `exp`
//! (and gradviz's `log` and `sigmoid`); micrograd's own has none of them, so a script that
//! imports micrograd and uses one goes to CPython too, where micrograd decides: its own
//! `Value` raises Python's error, the prelude's (served where micrograd is not installed)
//! runs it. A script the subset stops at a runtime error goes there too
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

/// What the lecture's `Value` has and micrograd 0.1.0's lacks, as methods, and how a
/// note names each.
const LECTURE_METHODS: [(&str, &str); 4] = [
    ("tanh", "Value.tanh()"),
    ("exp", "Value.exp()"),
    ("log", "Value.log()"),
    ("sigmoid", "Value.sigmoid()"),
];

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
    /// The first use of what only the lecture's `Value` has (`Value(…, label=…)`,
    /// `v.tanh()`), and where.
    lecture_only: Option<(&'static str, Span)>,
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
            lecture_only: None,
        }
    }

    /// `Ok` when the script whose statements were all visited, with these `imports`, runs
    /// in the subset; else why it needs CPython, as a phrase that follows the file's name
    /// ("imports numpy").
    pub(super) fn verdict(&self, imports: &[(&str, Span)]) -> Result<(), String> {
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
        if let Some(why) = self.beyond_micrograd(imports) {
            return Err(why);
        }
        match self.unknown() {
            Some(name) => Err(format!(
                "uses '{name}', which the built-in subset does not have"
            )),
            None => Ok(()),
        }
    }

    /// Why a script that imports micrograd needs CPython to decide: it uses what only the
    /// lecture's `Value` has.
    fn beyond_micrograd(&self, imports: &[(&str, Span)]) -> Option<String> {
        let (what, span) = self.lecture_only?;
        imports.iter().find(|(module, _)| *module == "micrograd")?;
        let (line, column) = line_and_column(self.source, span);
        Some(format!(
            "uses {what} (at {line}:{column}), which the lecture's Value has and \
             micrograd's own does not"
        ))
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
                Instr::Call(call) => self.call(expr, &expr.calls[*call]),
                Instr::LoopStart(start) => {
                    self.bound.extend(start.targets.iter().map(|(n, _)| *n));
                }
                _ => {}
            }
        }
    }

    /// `math.NAME(…)` read as one name; what only the lecture's `Value` has, noted. The
    /// callee's text is read only where it decides something: a lecture script makes a
    /// `Value(…, label=…)` on every line, and the first is enough.
    fn call(&mut self, expr: &Expr<'s>, call: &Call<'s>) {
        let span = call.callee_span;
        match call.method {
            Some((name, _)) if self.source.get(span.start..span.end) == Some("math") => {
                self.read.push(Cow::Owned(format!("math.{name}")));
            }
            Some((name, span)) => self.lecture_method(name, span),
            None if call.keywords > 0
                && self.lecture_only.is_none()
                && self.source.get(span.start..span.end) == Some("Value") =>
            {
                self.lecture_keyword(expr, call)
            }
            None => {}
        }
    }

    /// `v.tanh()` and the other methods micrograd's `Value` lacks (`random.NAME(…)` has
    /// none of these names).
    fn lecture_method(&mut self, name: &'s str, span: Span) {
        if self.lecture_only.is_none() {
            if let Some((_, text)) = LECTURE_METHODS.iter().find(|(m, _)| *m == name) {
                self.lecture_only = Some((text, span));
            }
        }
    }

    /// `Value(…, label=…)`: micrograd's `Value` takes no label.
    fn lecture_keyword(&mut self, expr: &Expr<'s>, call: &Call<'s>) {
        let arguments = &expr.arguments[call.first_argument..call.first_argument + call.len()];
        if let Some((_, span)) = arguments
            .iter()
            .filter_map(|a| a.keyword)
            .find(|(name, _)| *name == "label")
        {
            self.lecture_only = Some(("Value(label=…)", span));
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
    use crate::input::script::{run_if_fits, Fitted, ScriptOptions};

    /// `Ok` when `--interpreter auto` runs `source` in the subset, else why not.
    fn fits(source: &str) -> Result<(), String> {
        match run_if_fits(source, "test.py", &ScriptOptions::default(), false) {
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

    /// micrograd's own `Value` lacks the lecture's extras: a script that imports micrograd
    /// and uses one goes to CPython, where micrograd decides; without the import, the
    /// `Value` is the lecture's.
    #[test]
    fn the_lectures_extras_with_micrograd_imported_go_to_cpython() {
        let import = "from micrograd.engine import Value\n";
        let cases = [
            ("a = Value(1.0, label='a')\n", "Value(label=…) (at 2:16)"),
            ("a = Value(1.0)\nb = a.tanh()\n", "Value.tanh() (at 3:7)"),
            (
                "a = Value(1.0)\nb = (a * 2).exp()\n",
                "Value.exp() (at 3:13)",
            ),
        ];
        for (body, what) in cases {
            assert_eq!(fits(body), Ok(()), "{body}");
            assert_eq!(
                fits(&format!("{import}{body}")),
                Err(format!(
                    "uses {what}, which the lecture's Value has and micrograd's own does not"
                )),
                "{body}"
            );
        }
        let plain = "import math\nimport micrograd\na = Value(1.0)\nb = a * math.exp(1.0)\n";
        assert_eq!(fits(plain), Ok(()));
        assert_eq!(fits("import micrograd\nb = Value(2.0, 'x')\n"), Ok(()));
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
