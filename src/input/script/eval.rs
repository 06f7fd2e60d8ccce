//! The evaluator: runs parsed statements against an engine [`Graph`] with Python's and
//! micrograd's semantics.
//!
//! Every operator on a `Value` is written the way micrograd's dunder methods are (`a - b`
//! is `a + (-b)`, `n / v` is `v**-1 * n`, a plain number becomes a new leaf), calling the
//! engine's primitive ops, so the graph has the same nodes, in the same order, with the
//! same bits as the one Python builds. The plain-number side of those decompositions uses
//! Python number semantics ([`Num`]): `v - 0` adds a leaf holding `0`, not `-0.0`.
//!
//! Where Python raises inside micrograd or the lecture's methods (`0.0 ** -1`,
//! `math.exp(1000)`, a gradient that needs `0.0 ** -0.5`), the script stops with that error
//! at the expression that caused it.
//!
//! Python keeps a Value's data as an `int` when it comes from ints (`Value(2) * 3`); the
//! evaluator tracks that, so such data never shows a negative zero and reads back as an
//! int. What it does not reproduce, and why: ints beyond 2**53 (Python's are exact, the
//! tape holds f64), ints beyond 128 bits (an error here), complex numbers (an error here,
//! where Python would carry them on), and a zero that an int contribution adds to a grad of
//! `-0.0` (the tape adds `-0.0`, where Python's int `0` gives `0.0`). Grads are ints as
//! micrograd's are (`0` until a float reaches them, the root's `1`), tracked the same way.
//!
//! Lists, comprehensions and `for` loops are in [`loops`]; `sum`, `len`, `zip`, `range`,
//! `list` and `random` in [`builtins`]; micrograd's `nn` classes in [`nn`].

mod builtins;
mod loops;
mod nn;
mod print;
mod pymath;

use std::collections::BTreeSet;
use std::rc::Rc;

use rustc_hash::FxHashMap;

use super::diagnostics::{Diag, Res, Span};
use super::expr::{Argument, BinOp, Call, Expr, Instr, UnaryOp};
use super::number::{check_float_pow, Num};
use super::parser::{Stmt, Target};
use super::{AutoLabels, ScriptOptions};
use crate::engine::{Exponent, Graph, NodeId, Op, PyRandom};
use crate::graph::{to_petgraph, ExportGraph, Label, Rankdir};
use crate::input::Drawing;
use loops::LoopFrame;
use nn::{module_attribute, one_argument, LayerObj, MlpObj, NeuronObj};

pub use builtins::DEFAULT_SEED;
pub use loops::MAX_ITERATIONS;
pub use nn::MAX_PARAMETERS;
pub(crate) use print::write_printed;
pub(crate) use pymath::MATH_NAMES;

/// A script-level object.
#[derive(Debug, Clone)]
pub(crate) enum Obj {
    Num(Num),
    /// A string, held in place when short (as labels are) so that a literal costs no
    /// allocation.
    Str(Label),
    Value(NodeId),
    None,
    Builtin(Builtin),
    /// A Python list (also what `zip` yields for each pair: gradviz has no tuples).
    List(List),
    Neuron(Rc<NeuronObj>),
    Layer(Rc<LayerObj>),
    Mlp(Rc<MlpObj>),
}

/// A shared, immutable list (scripts cannot change a list once made). Dropping it is
/// iterative: a list nested a million deep (`xs = [xs]` in a loop) cannot overflow the
/// stack.
#[derive(Debug, Clone)]
pub(crate) struct List(Rc<Vec<Obj>>);

impl List {
    fn new(items: Vec<Obj>) -> Self {
        List(Rc::new(items))
    }
}

impl std::ops::Deref for List {
    type Target = [Obj];

    fn deref(&self) -> &[Obj] {
        &self.0
    }
}

impl Drop for List {
    fn drop(&mut self) {
        let mut orphans = Vec::new();
        take_if_last(&mut self.0, &mut orphans);
        while let Some(orphan) = orphans.pop() {
            if let Obj::List(mut inner) = orphan {
                take_if_last(&mut inner.0, &mut orphans);
            }
        }
    }
}

/// Moves the items out of the last reference to a list, so they are dropped by the loop
/// above rather than by nested drops.
fn take_if_last(items: &mut Rc<Vec<Obj>>, orphans: &mut Vec<Obj>) {
    if let Some(items) = Rc::get_mut(items) {
        orphans.append(items);
    }
}

/// The functions and modules every script can use without importing them.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Builtin {
    Value,
    DrawDot,
    Print,
    Sum,
    Len,
    Zip,
    Range,
    List,
    Mlp,
    Layer,
    Neuron,
    /// The `random` module.
    Random,
    /// The `math` module.
    Math,
    /// `float(…)`.
    Float,
}

impl Obj {
    /// Python's name of the object's type, as its errors say it.
    fn type_name(&self) -> &'static str {
        match self {
            Obj::Num(Num::Int(_)) => "int",
            Obj::Num(Num::Float(_)) => "float",
            Obj::Str(_) => "str",
            Obj::Value(_) => "Value",
            Obj::None => "NoneType",
            Obj::Builtin(Builtin::Random | Builtin::Math) => "module",
            Obj::Builtin(Builtin::Mlp | Builtin::Layer | Builtin::Neuron) => "type",
            Obj::Builtin(_) => "builtin_function_or_method",
            Obj::List(_) => "list",
            Obj::Neuron(_) => "Neuron",
            Obj::Layer(_) => "Layer",
            Obj::Mlp(_) => "MLP",
        }
    }

    /// What the object is, for messages: "a number", "a Value".
    fn kind(&self) -> &'static str {
        match self {
            Obj::Num(_) => "a number",
            Obj::Str(_) => "a string",
            Obj::Value(_) => "a Value",
            Obj::None => "None",
            Obj::Builtin(Builtin::Random) => "the random module",
            Obj::Builtin(Builtin::Math) => "the math module",
            Obj::Builtin(Builtin::Mlp | Builtin::Layer | Builtin::Neuron) => "a class",
            Obj::Builtin(_) => "a function",
            Obj::List(_) => "a list",
            Obj::Neuron(_) => "a Neuron",
            Obj::Layer(_) => "a Layer",
            Obj::Mlp(_) => "an MLP",
        }
    }
}

/// The Value methods a script may call.
const METHODS: &str = "tanh(), exp(), relu(), log(), sigmoid(), backward()";

/// The names a script may use without defining them.
pub(crate) fn builtin(name: &str) -> Option<Builtin> {
    Some(match name {
        "Value" => Builtin::Value,
        "draw_dot" => Builtin::DrawDot,
        "print" => Builtin::Print,
        "sum" => Builtin::Sum,
        "len" => Builtin::Len,
        "zip" => Builtin::Zip,
        "range" => Builtin::Range,
        "list" => Builtin::List,
        "MLP" => Builtin::Mlp,
        "Layer" => Builtin::Layer,
        "Neuron" => Builtin::Neuron,
        "random" => Builtin::Random,
        "math" => Builtin::Math,
        "float" => Builtin::Float,
        _ => return None,
    })
}

/// An evaluated argument and where it was written.
struct Arg {
    value: Obj,
    span: Span,
}

/// About how many bytes of a script make one value, at the least: a lecture line
/// `x = x * Value(0.999, label='w7') + Value(0.001, label='b7')` makes four values in 60
/// bytes. A script whose loops make more values from fewer bytes still runs; its tape grows
/// as it goes.
const SOURCE_BYTES_PER_VALUE: usize = 16;

/// The state of a running script.
pub(crate) struct Evaluator<'s> {
    pub graph: Graph,
    pub snapshots: Vec<Drawing>,
    pub backward_root: Option<NodeId>,
    pub last_value: Option<NodeId>,
    auto_label: bool,
    /// The names auto-labels were taken from, counted: a rebound name labels `c#2`, ….
    auto_labels: AutoLabels,
    /// The automatic label being given, one buffer for all of them.
    label_buffer: String,
    variables: FxHashMap<&'s str, Obj>,
    /// Per node: it has a name already (an explicit label, or the first variable it was
    /// bound to), so binding it again does not relabel it.
    named: Vec<bool>,
    /// Per node: Python would hold its data as an `int`.
    int_data: Vec<bool>,
    /// Per node: Python would hold its grad as a `float` (micrograd's grads start as the
    /// int `0`, and `backward()` sets the root's to the int `1`).
    float_grad: Vec<bool>,
    /// Whether any `**` node exists; backward checks pow gradients only then.
    has_pow: bool,
    /// The value stack, kept between expressions to save allocations.
    stack: Vec<Obj>,
    /// The running comprehensions of the expression being evaluated, innermost last.
    loops: Vec<LoopFrame<'s>>,
    /// Loop iterations run so far, limited to [`MAX_ITERATIONS`].
    iterations: usize,
    /// Python's `random` stream, which micrograd's `nn` draws its weights from.
    rng: PyRandom,
    /// Layers and Neurons made on their own so far, which number their labels.
    standalone_layers: usize,
    standalone_neurons: usize,
    /// What `print` wrote while the run may still be handed to CPython (see
    /// [`Evaluator::hold_prints`]); `None` writes to stderr as it goes.
    held_prints: Option<String>,
    /// The graph just before and just after the last `backward()`, kept for `compare`
    /// (see [`Evaluator::keep_backward_states`]), as the CPython runner keeps it.
    pub backward_states: Option<Box<BackwardStates>>,
    keep_backward_states: bool,
}

/// The graph of a `backward()`'s root just before and just after it ran.
pub(crate) type BackwardStates = (ExportGraph, ExportGraph);

impl<'s> Evaluator<'s> {
    /// A fresh evaluator: no variables, an empty graph, `random` seeded with
    /// [`DEFAULT_SEED`].
    /// The tape and the per-value flags get room for as many values as a lecture script of
    /// `source_len` bytes makes, so that they do not regrow and rehash as it runs.
    pub fn new(options: &ScriptOptions, source_len: usize) -> Self {
        let values = source_len / SOURCE_BYTES_PER_VALUE;
        Evaluator {
            graph: Graph::with_capacity(values),
            snapshots: Vec::new(),
            backward_root: None,
            last_value: None,
            auto_label: options.auto_label,
            auto_labels: AutoLabels::default(),
            label_buffer: String::new(),
            variables: FxHashMap::default(),
            named: Vec::with_capacity(values),
            int_data: Vec::with_capacity(values),
            float_grad: Vec::with_capacity(values),
            has_pow: false,
            stack: Vec::new(),
            loops: Vec::new(),
            iterations: 0,
            rng: PyRandom::new(DEFAULT_SEED),
            standalone_layers: 0,
            standalone_neurons: 0,
            held_prints: None,
            backward_states: None,
            keep_backward_states: false,
        }
    }

    /// Keeps the graph as it stood just before and just after each `backward()` (the last
    /// wins): what `compare` draws when the script draws no snapshots, whatever the script
    /// does to grads and data afterwards (a second `backward()`, an optimizer step).
    pub fn keep_backward_states(&mut self) {
        self.keep_backward_states = true;
    }

    pub fn exec(&mut self, statement: &Stmt<'s>) -> Res<()> {
        match statement {
            Stmt::Assign { targets, value } => {
                let span = value.span;
                let value = self.eval(value)?;
                for target in targets {
                    self.assign(target, value.clone(), span)?;
                }
                Ok(())
            }
            Stmt::AugAssign {
                target,
                op,
                op_span,
                value,
            } => self.augmented_assign(target, *op, *op_span, value),
            Stmt::Expr(expr) => self.eval(expr).map(drop),
            Stmt::For(for_loop) => self.run_for(for_loop),
        }
    }

    /// `target op= value`: for micrograd values Python runs `target = target op value`.
    fn augmented_assign(
        &mut self,
        target: &Target<'s>,
        op: BinOp,
        op_span: Span,
        value: &Expr<'s>,
    ) -> Res<()> {
        match target {
            Target::Name(name, span) => {
                let current = self.lookup(name, *span)?;
                let rhs = self.eval(value)?;
                let result = self.binary(op, op_span, current, rhs, value.span)?;
                self.bind(name, result);
            }
            Target::Attribute {
                object,
                name,
                name_span,
            } => {
                let object = self.eval(object)?;
                let current = self.get_attribute(&object, name, *name_span)?;
                let rhs = self.eval(value)?;
                let result = self.binary(op, op_span, current, rhs, value.span)?;
                self.set_attribute(&object, name, *name_span, result, value.span)?;
            }
        }
        Ok(())
    }

    fn assign(&mut self, target: &Target<'s>, value: Obj, value_span: Span) -> Res<()> {
        match target {
            Target::Name(name, _) => {
                self.bind(name, value);
                Ok(())
            }
            Target::Attribute {
                object,
                name,
                name_span,
            } => {
                let object = self.eval(object)?;
                self.set_attribute(&object, name, *name_span, value, value_span)
            }
        }
    }

    /// Binds a name; a Value not yet named takes it as its label (SPEC §4).
    fn bind(&mut self, name: &'s str, value: Obj) {
        if let Obj::Value(id) = value {
            if !self.take_name(id) && self.auto_label {
                self.auto_labels.next_into(name, &mut self.label_buffer);
                self.graph.set_label(id, Some(&self.label_buffer));
            }
            self.last_value = Some(id);
        }
        self.variables.insert(name, value);
    }

    /// A leaf holding a Python number.
    fn new_leaf(&mut self, number: Num) -> NodeId {
        let id = self.graph.leaf(number.to_f64()).id();
        self.set_int(id, matches!(number, Num::Int(_)));
        id
    }

    /// A node computed by `op`, its data kept as Python would: an int where micrograd's
    /// arithmetic on ints gives an int (which has no negative zero: `0 * -3` is `0`).
    fn new_node(&mut self, op: Op, operands: &[NodeId]) -> NodeId {
        let is_int = match op {
            Op::Add | Op::Mul => operands.iter().all(|&o| self.is_int(o)),
            Op::Pow(k) => self.is_int(operands[0]) && k.integer && k.value >= 0.0,
            Op::Relu => self.is_int(operands[0]) || self.graph.data(operands[0]) < 0.0,
            _ => false,
        };
        let id = self.graph.apply(op, operands).id();
        if is_int && self.graph.data(id) == 0.0 {
            self.graph.set_data(id, 0.0);
        }
        self.set_int(id, is_int);
        id
    }

    fn is_int(&self, id: NodeId) -> bool {
        self.int_data.get(id.index()).copied().unwrap_or(false)
    }

    fn set_int(&mut self, id: NodeId, is_int: bool) {
        let index = id.index();
        if self.int_data.len() <= index {
            self.int_data.resize(index + 1, false);
        }
        self.int_data[index] = is_int;
    }

    /// `v.data` as Python holds it: an int stays an int (so `x ** v.data` prints `**2`).
    fn data_of(&self, id: NodeId) -> Num {
        let data = self.graph.data(id);
        if self.is_int(id) && data.is_finite() && data.abs() < 1e38 {
            Num::Int(data as i128)
        } else {
            Num::Float(data)
        }
    }

    fn is_float_grad(&self, id: NodeId) -> bool {
        self.float_grad.get(id.index()).copied().unwrap_or(false)
    }

    /// Sets a grad, remembering whether Python would hold it as an int (which has no
    /// negative zero).
    fn set_grad(&mut self, id: NodeId, grad: Num) {
        let index = id.index();
        if self.float_grad.len() <= index {
            self.float_grad.resize(index + 1, false);
        }
        self.float_grad[index] = matches!(grad, Num::Float(_));
        self.graph.set_grad(id, grad.to_f64());
    }

    /// `v.grad` as Python holds it: micrograd's int until a float reaches it.
    fn grad_of(&self, id: NodeId) -> Num {
        let grad = self.graph.grad(id);
        if !self.is_float_grad(id) && grad.is_finite() && grad.abs() < 1e38 {
            Num::Int(grad as i128)
        } else {
            Num::Float(grad)
        }
    }

    /// After `backward()` from `root` over the nodes it `reached` (in creation order):
    /// which grads Python now holds as floats. The root's is the int `1`; an operand's
    /// stays an int only while every contribution to it is one, as `self.grad += local *
    /// out.grad` computes it in micrograd. Only flags change here, with no allocation per
    /// node; an int grad then loses the tape's negative zero.
    fn settle_grad_types(&mut self, root: NodeId, reached: &[NodeId]) {
        self.set_grad(root, Num::Int(1));
        if let Some(last) = reached.last() {
            self.float_grad
                .resize(self.float_grad.len().max(last.index() + 1), false);
        }
        for &id in reached.iter().rev() {
            let (op, operands) = self.graph.op_and_operands(id);
            let operands = &operands[..op.arity()];
            for (i, &operand) in operands.iter().enumerate() {
                if self.float_grad[id.index()] || !self.int_contribution(op, operands, i) {
                    self.float_grad[operand.index()] = true;
                }
            }
        }
        for &id in reached {
            if !self.float_grad[id.index()] {
                self.graph.set_grad(id, self.graph.grad(id) + 0.0);
            }
        }
    }

    /// Whether the local derivative `op` gives its `i`-th operand is an int in Python.
    fn int_contribution(&self, op: Op, operands: &[NodeId], i: usize) -> bool {
        match op {
            Op::Add | Op::Relu => true,
            Op::Mul => self.is_int(operands[1 - i]),
            Op::Pow(k) => k.integer && k.value >= 1.0 && self.is_int(operands[0]),
            _ => false,
        }
    }

    /// Marks the node named, and says whether it already was.
    fn take_name(&mut self, id: NodeId) -> bool {
        let index = id.index();
        if self.named.len() <= index {
            self.named.resize(index + 1, false);
        }
        std::mem::replace(&mut self.named[index], true)
    }

    fn lookup(&self, name: &str, span: Span) -> Res<Obj> {
        if let Some(value) = self.loop_variable(name) {
            return Ok(value);
        }
        if let Some(value) = self.variables.get(name) {
            return Ok(value.clone());
        }
        if name == "torch" {
            return Err(Diag::new(span, "unknown name 'torch'").with_help(
                "PyTorch tensors are not micrograd Values, and gradviz's builtin \
                 interpreter runs micrograd; export a PyTorch graph as JSON \
                 (docs/json.md) and draw or check that",
            ));
        }
        builtin(name)
            .map(Obj::Builtin)
            .ok_or_else(|| Diag::new(span, format!("unknown name '{name}'")))
    }

    /// Runs an expression's postfix code on a value stack.
    fn eval(&mut self, expr: &Expr<'s>) -> Res<Obj> {
        let mut stack = std::mem::take(&mut self.stack);
        stack.clear();
        self.loops.clear();
        let result = self.run_code(expr, &mut stack);
        self.stack = stack;
        result
    }

    fn run_code(&mut self, expr: &Expr<'s>, stack: &mut Vec<Obj>) -> Res<Obj> {
        let code = &expr.code;
        let mut pc = 0;
        while let Some(instr) = code.get(pc) {
            pc += 1;
            let value = match instr {
                Instr::Int(n) => Obj::Num(Num::Int(*n)),
                Instr::Float(x) => Obj::Num(Num::Float(*x)),
                Instr::Str(text) => Obj::Str(Label::from(&**text)),
                Instr::Load(name, span) => self.lookup(name, *span)?,
                Instr::Unary(op, span) => {
                    let operand = pop(stack);
                    self.unary(*op, operand, *span)?
                }
                Instr::Binary {
                    op,
                    op_span,
                    rhs_span,
                } => {
                    let right = pop(stack);
                    let left = pop(stack);
                    self.binary(*op, *op_span, left, right, *rhs_span)?
                }
                Instr::GetAttr { name, name_span } => {
                    let object = pop(stack);
                    self.get_attribute(&object, name, *name_span)?
                }
                Instr::Call(index) => {
                    // The arguments are drained from the stack straight into the call's
                    // argument lists: no vector of their own per call.
                    let call = &expr.calls[*index];
                    let first = stack.len() - call.len();
                    let callee = std::mem::replace(&mut stack[first - 1], Obj::None);
                    let arguments = expr.arguments(call);
                    let result = self.call(callee, stack.drain(first..), call, arguments);
                    stack.pop();
                    result?
                }
                Instr::List { len, .. } => Obj::List(List::new(stack.split_off(stack.len() - len))),
                Instr::Format {
                    conversion,
                    spec,
                    span,
                } => {
                    let value = pop(stack);
                    let text = self.format_field(&value, *conversion, spec);
                    Obj::Str(Label::from(
                        text.map_err(|message| Diag::new(*span, message))?,
                    ))
                }
                Instr::Concat(n) => {
                    let parts = stack.split_off(stack.len() - n);
                    let joined: String = parts
                        .iter()
                        .map(|part| match part {
                            Obj::Str(text) => &**text,
                            _ => unreachable!("an f-string's parts are strings"),
                        })
                        .collect();
                    Obj::Str(Label::from(joined))
                }
                Instr::Index { span, index_span } => {
                    let index = pop(stack);
                    let object = pop(stack);
                    index_into(&object, &index, *span, *index_span)?
                }
                Instr::LoopStart(start) => {
                    let iterable = pop(stack);
                    match self.start_loop(start, iterable)? {
                        Some(empty) => {
                            pc += start.body_len + 1;
                            empty
                        }
                        None => continue,
                    }
                }
                Instr::LoopNext { body_len, span } => {
                    let element = pop(stack);
                    match self.next_iteration(element, *span)? {
                        Some(result) => result,
                        None => {
                            pc -= body_len + 1;
                            continue;
                        }
                    }
                }
            };
            stack.push(value);
        }
        Ok(pop(stack))
    }

    fn unary(&mut self, op: UnaryOp, value: Obj, span: Span) -> Res<Obj> {
        match (op, value) {
            (UnaryOp::Neg, Obj::Num(n)) => number(n.neg(), span).map(Obj::Num),
            (UnaryOp::Pos, Obj::Num(n)) => Ok(Obj::Num(n)),
            (UnaryOp::Neg, Obj::Value(v)) => Ok(Obj::Value(self.neg(v))),
            (UnaryOp::Pos, Obj::Value(_)) => Err(Diag::new(
                span,
                "bad operand type for unary +: a Value (micrograd's Value has no unary +)",
            )),
            (op, other) => Err(Diag::new(
                span,
                format!(
                    "bad operand type for unary {}: {}",
                    if op == UnaryOp::Neg { '-' } else { '+' },
                    other.kind()
                ),
            )),
        }
    }

    fn binary(
        &mut self,
        op: BinOp,
        op_span: Span,
        left: Obj,
        right: Obj,
        right_span: Span,
    ) -> Res<Obj> {
        match (left, right) {
            (Obj::Num(a), Obj::Num(b)) => {
                let result = match op {
                    BinOp::Add => a.add(b),
                    BinOp::Sub => a.sub(b),
                    BinOp::Mul => a.mul(b),
                    BinOp::Div => a.div(b),
                    BinOp::Pow => a.pow(b),
                };
                number(result, op_span).map(Obj::Num)
            }
            (Obj::Str(a), Obj::Str(b)) if op == BinOp::Add => {
                Ok(Obj::Str(Label::from(format!("{a}{b}"))))
            }
            (Obj::Value(a), Obj::Value(b)) => self.value_op(op, op_span, a, Operand::Node(b)),
            (Obj::Value(a), Obj::Num(b)) => self.value_op(op, op_span, a, Operand::Num(b)),
            (Obj::Num(a), Obj::Value(b)) if op != BinOp::Pow => {
                self.reflected_value_op(op, op_span, a, b)
            }
            (left, right) if op == BinOp::Pow && matches!(left, Obj::Num(_) | Obj::Value(_)) => {
                Err(Diag::new(
                    right_span,
                    format!("the exponent must be a number, found {}", right.kind()),
                ))
            }
            (left, right) => Err(Diag::new(
                op_span,
                format!(
                    "unsupported operand types for {}: {} and {}",
                    op.symbol(),
                    left.kind(),
                    right.kind()
                ),
            )),
        }
    }

    /// `value op other`, as micrograd's `__add__`, `__sub__`, … define it.
    fn value_op(&mut self, op: BinOp, span: Span, a: NodeId, other: Operand) -> Res<Obj> {
        let node = match op {
            BinOp::Add => self.add(a, other),
            BinOp::Mul => self.mul(a, other),
            BinOp::Sub => {
                let negated = match other {
                    Operand::Node(b) => Operand::Node(self.neg(b)),
                    Operand::Num(n) => Operand::Num(number(n.neg(), span)?),
                };
                self.add(a, negated)
            }
            BinOp::Div => {
                let inverse = match other {
                    Operand::Node(b) => Operand::Node(self.pow(b, Num::Int(-1), span)?),
                    Operand::Num(n) => {
                        Operand::Num(number(n.pow(Num::Int(-1)), span).map_err(|diag| {
                            diag.with_help("micrograd divides by a number n as a * n**-1")
                        })?)
                    }
                };
                self.mul(a, inverse)
            }
            BinOp::Pow => match other {
                Operand::Num(k) => self.pow(a, k, span)?,
                Operand::Node(_) => {
                    return Err(Diag::new(
                        span,
                        "the exponent must be a number, found a Value",
                    ))
                }
            },
        };
        Ok(Obj::Value(node))
    }

    /// `number op value`, through micrograd's `__radd__`, `__rsub__`, `__rmul__` and
    /// `__rtruediv__`.
    fn reflected_value_op(&mut self, op: BinOp, span: Span, n: Num, v: NodeId) -> Res<Obj> {
        let node = match op {
            BinOp::Add => self.add(v, Operand::Num(n)),
            BinOp::Mul => self.mul(v, Operand::Num(n)),
            BinOp::Sub => {
                let negated = self.neg(v);
                self.add(negated, Operand::Num(n))
            }
            BinOp::Div => {
                let inverse = self.pow(v, Num::Int(-1), span)?;
                self.mul(inverse, Operand::Num(n))
            }
            BinOp::Pow => unreachable!("a number to a Value's power is refused before"),
        };
        Ok(Obj::Value(node))
    }

    fn node_of(&mut self, operand: Operand) -> NodeId {
        match operand {
            Operand::Node(id) => id,
            Operand::Num(n) => self.new_leaf(n),
        }
    }

    fn add(&mut self, a: NodeId, other: Operand) -> NodeId {
        let b = self.node_of(other);
        self.new_node(Op::Add, &[a, b])
    }

    fn mul(&mut self, a: NodeId, other: Operand) -> NodeId {
        let b = self.node_of(other);
        self.new_node(Op::Mul, &[a, b])
    }

    /// micrograd's `__neg__`: `self * -1`.
    fn neg(&mut self, a: NodeId) -> NodeId {
        self.mul(a, Operand::Num(Num::Int(-1)))
    }

    fn pow(&mut self, a: NodeId, k: Num, span: Span) -> Res<NodeId> {
        check_float_pow(self.graph.data(a), k.to_f64()).map_err(|m| Diag::new(span, m))?;
        let exponent = match k {
            Num::Int(i) => Exponent {
                value: i as f64,
                integer: true,
            },
            Num::Float(x) => Exponent::float(x),
        };
        self.has_pow = true;
        Ok(self.new_node(Op::Pow(exponent), &[a]))
    }

    /// A call, its callee (or method's object) and argument values already evaluated.
    fn call(
        &mut self,
        callee: Obj,
        mut values: impl Iterator<Item = Obj>,
        call: &Call<'s>,
        arguments: &[Argument<'s>],
    ) -> Res<Obj> {
        if let Some((name, name_span)) = call.method {
            let args = arguments
                .iter()
                .zip(values)
                .map(|(argument, value)| Arg {
                    value,
                    span: argument.span,
                })
                .collect();
            return self.call_method(callee, name, name_span, args, call.span);
        }
        if let Obj::Builtin(Builtin::Value) = callee {
            return self.make_value(values, arguments, call.span);
        }
        let (positional, keywords) = arguments.split_at(call.positional);
        // The arguments lead each zip, so no value past the positional ones is taken early.
        let mut args: Vec<Arg> = positional
            .iter()
            .zip(values.by_ref())
            .map(|(argument, value)| Arg {
                value,
                span: argument.span,
            })
            .collect();
        let named = keywords
            .iter()
            .zip(values)
            .map(|(argument, value)| {
                let (name, name_span) = argument.keyword.expect("a keyword argument");
                (
                    name,
                    name_span,
                    Arg {
                        value,
                        span: argument.span,
                    },
                )
            })
            .collect();
        match callee {
            Obj::Builtin(Builtin::Sum) if call.summed_generator => {
                Ok(args.pop().expect("the summed generator").value)
            }
            Obj::Builtin(Builtin::DrawDot) => self.draw_dot(args, named, call.span),
            Obj::Builtin(Builtin::Print) => self.print(args, named),
            Obj::Builtin(Builtin::Mlp) => self.make_mlp(args, named, call.span),
            Obj::Builtin(Builtin::Layer) => self.make_layer(args, named, call.span),
            Obj::Builtin(Builtin::Neuron) => self.make_neuron(args, named, call.span),
            Obj::Builtin(Builtin::Float) => self.call_float(args, named, call.span),
            Obj::Builtin(builtin @ (Builtin::Random | Builtin::Math)) => Err(Diag::new(
                call.callee_span,
                format!("{} is not callable", Obj::Builtin(builtin).kind()),
            )),
            Obj::Builtin(builtin) => self.call_builtin(builtin, args, named, call.span),
            Obj::Neuron(neuron) => {
                let input = one_argument("a Neuron", args, named, call.span)?;
                self.call_neuron(&neuron, input).map(Obj::Value)
            }
            Obj::Layer(layer) => {
                let input = one_argument("a Layer", args, named, call.span)?;
                self.call_layer(&layer, input)
            }
            Obj::Mlp(mlp) => {
                let input = one_argument("an MLP", args, named, call.span)?;
                self.call_mlp(&mlp, input)
            }
            other => Err(Diag::new(
                call.callee_span,
                format!("{} is not callable", other.kind()),
            )),
        }
    }

    /// `Value(number)` or `Value(number, label='…')` (`data=` works too, as in Python),
    /// its argument values in the order of `arguments`: read as they come, with no list of
    /// its own, since every lecture line makes Values.
    fn make_value(
        &mut self,
        values: impl Iterator<Item = Obj>,
        arguments: &[Argument<'s>],
        span: Span,
    ) -> Res<Obj> {
        let mut data = None;
        let mut label = None;
        for (argument, value) in arguments.iter().zip(values) {
            let arg = Arg {
                value,
                span: argument.span,
            };
            let Some((name, name_span)) = argument.keyword else {
                if data.replace(arg).is_some() {
                    return Err(Diag::new(
                        argument.span,
                        "Value() takes one number and an optional label='…'",
                    ));
                }
                continue;
            };
            match name {
                "data" if data.is_none() => data = Some(arg),
                "label" => label = Some(arg),
                "data" => return Err(Diag::new(name_span, "Value() got two values for 'data'")),
                _ => {
                    return Err(Diag::new(
                        name_span,
                        format!("Value() got an unexpected keyword argument '{name}'"),
                    )
                    .with_help("Value() takes a number and an optional label='…'"))
                }
            }
        }
        let Some(data) = data else {
            return Err(Diag::new(span, "Value() needs a number"));
        };
        let Obj::Num(number) = data.value else {
            return Err(Diag::new(
                data.span,
                format!("Value() takes a number, found {}", data.value.kind()),
            ));
        };
        let label = label
            .map(|arg| expect_label(arg.value, arg.span))
            .transpose()?;
        let id = self.new_leaf(number);
        if let Some(label) = label {
            self.graph.set_label(id, Some(&label));
            self.take_name(id);
        }
        Ok(Obj::Value(id))
    }

    /// `draw_dot(root, format='svg', rankdir='LR')`, micrograd's signature: a snapshot of the
    /// graph reachable from `root`, with the format and direction the call asked for.
    fn draw_dot(
        &mut self,
        positional: Vec<Arg>,
        named: Vec<(&str, Span, Arg)>,
        span: Span,
    ) -> Res<Obj> {
        let mut positional = positional.into_iter();
        let root = positional
            .next()
            .ok_or_else(|| Diag::new(span, "draw_dot() takes a Value"))?;
        let mut format = positional.next();
        let mut rankdir = positional.next();
        if let Some(extra) = positional.next() {
            return Err(Diag::new(
                extra.span,
                "draw_dot() takes a Value, then format and rankdir",
            ));
        }
        for (name, name_span, arg) in named {
            let slot = match name {
                "format" => &mut format,
                "rankdir" => &mut rankdir,
                _ => {
                    return Err(Diag::new(
                        name_span,
                        format!("draw_dot() got an unexpected keyword argument '{name}'"),
                    ))
                }
            };
            if slot.replace(arg).is_some() {
                return Err(Diag::new(
                    name_span,
                    format!("draw_dot() got multiple values for argument '{name}'"),
                ));
            }
        }
        let Obj::Value(id) = root.value else {
            return Err(Diag::new(
                root.span,
                format!("draw_dot() takes a Value, found {}", root.value.kind()),
            ));
        };
        let format = format
            .map(|arg| expect_text("format", arg.value, arg.span))
            .transpose()?;
        let rankdir = rankdir.map(expect_rankdir).transpose()?;
        self.snapshots.push(Drawing {
            graph: to_petgraph(&self.graph, &[id]),
            rankdir,
            format: format.map(|text| text.to_string()),
            auto_labelled: BTreeSet::new(),
        });
        Ok(Obj::None)
    }

    fn call_method(
        &mut self,
        object: Obj,
        name: &str,
        name_span: Span,
        args: Vec<Arg>,
        span: Span,
    ) -> Res<Obj> {
        match &object {
            Obj::Builtin(Builtin::Random) => return self.call_random(name, name_span, args, span),
            Obj::Builtin(Builtin::Math) => return self.call_math(name, name_span, args, span),
            Obj::Neuron(_) | Obj::Layer(_) | Obj::Mlp(_) => {
                return self.call_module_method(&object, name, name_span, args)
            }
            _ => {}
        }
        let Obj::Value(id) = object else {
            let mut diag = Diag::new(
                name_span,
                format!("{} has no method '{name}'", object.kind()),
            );
            if matches!(object, Obj::Num(_)) {
                diag = diag.with_help(format!("make it a Value first: Value(x).{name}()"));
            }
            return Err(diag);
        };
        let op = unary_method(name);
        if op.is_none() && !matches!(name, "backward" | "_backward") {
            return Err(
                Diag::new(name_span, format!("a Value has no method '{name}'"))
                    .with_help(format!("gradviz Values have {METHODS}")),
            );
        }
        if let Some(extra) = args.first() {
            return Err(Diag::new(
                extra.span,
                format!("{name}() takes no arguments"),
            ));
        }
        match op {
            Some(op) => {
                check_unary(op, self.graph.data(id)).map_err(|m| Diag::new(span, m))?;
                Ok(Obj::Value(self.new_node(op, &[id])))
            }
            None if name == "backward" => self.backward(id, span).map(|()| Obj::None),
            None => self.local_backward(id, span).map(|()| Obj::None),
        }
    }

    /// `v.backward()`. Python raises during backward where a `**k` gradient needs a power
    /// it refuses (`0.0 ** -0.5` for `x**0.5` at 0); those are found before anything runs.
    fn backward(&mut self, root: NodeId, span: Span) -> Res<()> {
        let reached = self.graph.reachable(&[root]);
        if self.has_pow {
            for &id in &reached {
                self.check_pow_gradient(id, span)?;
            }
        }
        let before = self
            .keep_backward_states
            .then(|| to_petgraph(&self.graph, &[root]));
        self.graph.backward(root);
        self.settle_grad_types(root, &reached);
        self.backward_root = Some(root);
        if let Some(before) = before {
            self.backward_states = Some(Box::new((before, to_petgraph(&self.graph, &[root]))));
        }
        Ok(())
    }

    /// The lecture's `v._backward()`: this node's local chain-rule step only.
    fn local_backward(&mut self, id: NodeId, span: Span) -> Res<()> {
        self.check_pow_gradient(id, span)?;
        let op = self.graph.op(id);
        let operands = self.graph.operands(id);
        let data = |i: usize| operands.get(i).map_or(0.0, |&o| self.graph.data(o));
        let (da, db) = op.backward(data(0), data(1), self.graph.data(id), self.graph.grad(id));
        for (i, (&operand, delta)) in operands.iter().zip([da, db]).enumerate() {
            let grad = self.graph.grad(operand) + delta;
            let int = !self.is_float_grad(operand)
                && !self.is_float_grad(id)
                && self.int_contribution(op, &operands, i);
            self.set_grad(
                operand,
                if int {
                    Num::Int(grad as i128)
                } else {
                    Num::Float(grad)
                },
            );
        }
        Ok(())
    }

    fn check_pow_gradient(&self, id: NodeId, span: Span) -> Res<()> {
        let Op::Pow(k) = self.graph.op(id) else {
            return Ok(());
        };
        let base = self.graph.data(self.graph.operands(id)[0]);
        check_float_pow(base, k.value - 1.0).map_err(|message| {
            Diag::new(
                span,
                format!("backward through '**{k}' fails as in Python: {message}"),
            )
        })
    }

    fn get_attribute(&self, object: &Obj, name: &str, span: Span) -> Res<Obj> {
        if matches!(object, Obj::Neuron(_) | Obj::Layer(_) | Obj::Mlp(_)) {
            return module_attribute(object, name, span);
        }
        if matches!(object, Obj::Builtin(Builtin::Math)) {
            return pymath::math_constant(name, span);
        }
        let Obj::Value(id) = *object else {
            return Err(Diag::new(
                span,
                format!("{} has no attribute '{name}'", object.kind()),
            ));
        };
        match name {
            "data" => Ok(Obj::Num(self.data_of(id))),
            "grad" => Ok(Obj::Num(self.grad_of(id))),
            "label" => Ok(Obj::Str(
                self.graph.with_label(id, |text| Label::from(text)),
            )),
            _ if unary_method(name).is_some() || name == "backward" || name == "_backward" => Err(
                Diag::new(span, format!("'{name}' is a method: call it as .{name}()")),
            ),
            _ => Err(
                Diag::new(span, format!("a Value has no attribute '{name}'"))
                    .with_help("gradviz Values have data, grad and label"),
            ),
        }
    }

    fn set_attribute(
        &mut self,
        object: &Obj,
        name: &str,
        name_span: Span,
        value: Obj,
        value_span: Span,
    ) -> Res<()> {
        let Obj::Value(id) = *object else {
            return Err(Diag::new(
                name_span,
                format!("cannot set '{name}' on {}", object.kind()),
            ));
        };
        match name {
            "label" => {
                let label = expect_label(value, value_span)?;
                self.graph.set_label(id, Some(&label));
                self.take_name(id);
            }
            "data" => {
                let number = expect_number(name, value, value_span)?;
                self.graph.set_data(id, number.to_f64());
                self.set_int(id, matches!(number, Num::Int(_)));
            }
            "grad" => {
                let number = expect_number(name, value, value_span)?;
                self.set_grad(id, number);
            }
            _ => {
                return Err(Diag::new(
                    name_span,
                    format!("cannot set '{name}': gradviz Values have data, grad and label"),
                ))
            }
        }
        Ok(())
    }
}

/// The other side of a Value operation.
#[derive(Debug, Clone, Copy)]
enum Operand {
    Node(NodeId),
    Num(Num),
}

/// The top of an expression's value stack; the parser's code always leaves one there.
fn pop(stack: &mut Vec<Obj>) -> Obj {
    stack.pop().expect("expression code is balanced")
}

/// `object[index]` on a list, with Python's negative indices.
fn index_into(object: &Obj, index: &Obj, span: Span, index_span: Span) -> Res<Obj> {
    let Obj::List(items) = object else {
        return Err(Diag::new(
            span,
            format!("{} is not subscriptable", object.kind()),
        ));
    };
    let Obj::Num(Num::Int(i)) = *index else {
        return Err(Diag::new(
            index_span,
            format!("list indices must be integers, found {}", index.kind()),
        ));
    };
    let len = items.len() as i128;
    let position = if i < 0 { i + len } else { i };
    usize::try_from(position)
        .ok()
        .and_then(|p| items.get(p))
        .cloned()
        .ok_or_else(|| {
            Diag::new(
                index_span,
                format!("list index {i} out of range (the list has {len} items)"),
            )
        })
}

/// A number operation's result, its Python error placed at `span`.
fn number(result: Result<Num, String>, span: Span) -> Res<Num> {
    result.map_err(|m| Diag::new(span, m))
}

fn expect_label(value: Obj, span: Span) -> Res<Label> {
    match value {
        Obj::Str(text) => Ok(text),
        other => Err(Diag::new(
            span,
            format!("a label must be a string, found {}", other.kind()),
        )),
    }
}

fn expect_text(name: &str, value: Obj, span: Span) -> Res<Label> {
    match value {
        Obj::Str(text) => Ok(text),
        other => Err(Diag::new(
            span,
            format!("'{name}' must be a string, found {}", other.kind()),
        )),
    }
}

/// `rankdir=`: one of the four directions Graphviz reads.
fn expect_rankdir(arg: Arg) -> Res<Rankdir> {
    let text = expect_text("rankdir", arg.value, arg.span)?;
    Rankdir::parse(&text).ok_or_else(|| {
        Diag::new(
            arg.span,
            format!("rankdir must be 'LR', 'TB', 'RL' or 'BT', not {:?}", &*text),
        )
        .with_help("Graphviz reads these four, in capitals; micrograd draws 'LR'")
    })
}

fn expect_number(name: &str, value: Obj, span: Span) -> Res<Num> {
    match value {
        Obj::Num(n) => Ok(n),
        other => Err(Diag::new(
            span,
            format!("'{name}' must be a number, found {}", other.kind()),
        )),
    }
}

/// The op a one-operand Value method makes.
fn unary_method(name: &str) -> Option<Op> {
    Some(match name {
        "tanh" => Op::Tanh,
        "exp" => Op::Exp,
        "relu" => Op::Relu,
        "log" => Op::Log,
        "sigmoid" => Op::Sigmoid,
        _ => return None,
    })
}

/// Where the lecture's `math.exp`-based methods (and gradviz's `log`, via `math.log`)
/// raise in Python.
fn check_unary(op: Op, x: f64) -> Result<(), String> {
    let overflows = |y: f64| y.is_finite() && y.exp().is_infinite();
    match op {
        Op::Exp if overflows(x) => Err(format!(
            "math range error: exp({}) overflows (Python raises OverflowError)",
            crate::engine::python_float_repr(x)
        )),
        Op::Tanh if overflows(2.0 * x) => Err(format!(
            "math range error: the lecture's tanh computes exp(2*{}), which overflows",
            crate::engine::python_float_repr(x)
        )),
        Op::Sigmoid if overflows(-x) => Err(format!(
            "math range error: sigmoid computes exp({}), which overflows",
            crate::engine::python_float_repr(-x)
        )),
        Op::Log if x <= 0.0 => Err(format!(
            "math domain error: log({}) is undefined",
            crate::engine::python_float_repr(x)
        )),
        _ => Ok(()),
    }
}
