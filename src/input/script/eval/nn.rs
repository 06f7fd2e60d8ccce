//! micrograd's `nn.py` in scripts: `MLP(nin, nouts)`, `Layer(nin, nout)`, `Neuron(nin)`,
//! calling them on a list of inputs, `parameters()`, `zero_grad()` and the attributes
//! `layers`, `neurons`, `w`, `b`, `nonlin`.
//!
//! Construction goes through the engine's [`crate::engine::MLP`] and friends, so the
//! weights come from the script's `random` stream in micrograd's order and parameters
//! are labelled `l{i}.n{j}.w{k}` / `l{i}.n{j}.b`. A Layer made on its own is labelled as
//! layer `l{k}`, a Neuron made on its own as `n{k}.w{i}` / `n{k}.b`, `k` counting those
//! made so far. The forward pass is written here, on the evaluator's own operations, so
//! that it keeps Python's details: the bias is `Value(0)`, an int; `zip` stops at the
//! shorter of weights and inputs; a layer of one neuron returns a bare Value, which the
//! next layer then cannot iterate.

use std::rc::Rc;

use super::{Arg, Evaluator, List, Obj, Operand};
use crate::engine::{Layer, Module, Neuron, NodeId, Op, MLP};
use crate::input::script::diagnostics::{Diag, Res, Span};
use crate::input::script::number::Num;

/// The most parameters one constructor call may make; a network this big has no
/// readable figure, and the limit keeps a typo like `MLP(10**9, [1])` from eating memory.
pub const MAX_PARAMETERS: usize = 10_000_000;

/// A Neuron's parameters.
#[derive(Debug)]
pub(crate) struct NeuronObj {
    w: Vec<NodeId>,
    b: NodeId,
    nonlin: bool,
    module: Module,
}

/// A Layer's neurons.
#[derive(Debug)]
pub(crate) struct LayerObj {
    neurons: Vec<Rc<NeuronObj>>,
    module: Module,
}

/// An MLP's layers.
#[derive(Debug)]
pub(crate) struct MlpObj {
    layers: Vec<Rc<LayerObj>>,
    module: Module,
}

impl NeuronObj {
    fn from_engine(neuron: &Neuron<'_>) -> Rc<Self> {
        Rc::new(NeuronObj {
            w: neuron.w.iter().map(|w| w.id()).collect(),
            b: neuron.b.id(),
            nonlin: neuron.nonlin,
            module: neuron.module.clone(),
        })
    }

    fn parameters(&self) -> impl Iterator<Item = NodeId> + '_ {
        self.w.iter().copied().chain([self.b])
    }
}

impl LayerObj {
    fn from_engine(layer: &Layer<'_>) -> Rc<Self> {
        Rc::new(LayerObj {
            neurons: layer.neurons.iter().map(NeuronObj::from_engine).collect(),
            module: layer.module.clone(),
        })
    }
}

/// Every parameter of a Neuron, Layer or MLP, in micrograd's order.
fn parameters(module: &Obj) -> Vec<NodeId> {
    let neurons: Vec<&Rc<NeuronObj>> = match module {
        Obj::Neuron(neuron) => vec![neuron],
        Obj::Layer(layer) => layer.neurons.iter().collect(),
        Obj::Mlp(mlp) => mlp.layers.iter().flat_map(|l| &l.neurons).collect(),
        _ => Vec::new(),
    };
    neurons.iter().flat_map(|n| n.parameters()).collect()
}

impl Evaluator<'_> {
    /// `MLP(nin, nouts)`.
    pub(super) fn make_mlp(
        &mut self,
        args: Vec<Arg>,
        named: Vec<(&str, Span, Arg)>,
        span: Span,
    ) -> Res<Obj> {
        let [nin, nouts] = arguments("MLP", ["nin", "nouts"], args, named, &[], span)?
            .map(|a| a.expect("both required"));
        let nin = size("MLP", &nin)?;
        let Obj::List(items) = &nouts.value else {
            return Err(Diag::new(
                nouts.span,
                format!(
                    "MLP() takes a list of layer sizes, found {}",
                    nouts.value.kind()
                ),
            ));
        };
        let nouts = items
            .iter()
            .map(|item| {
                size(
                    "MLP",
                    &Arg {
                        value: item.clone(),
                        span: nouts.span,
                    },
                )
            })
            .collect::<Res<Vec<usize>>>()?;
        let mut sizes = vec![nin];
        sizes.extend(&nouts);
        let count = sizes.windows(2).fold(0usize, |n, w| {
            n.saturating_add(w[0].saturating_add(1).saturating_mul(w[1]))
        });
        check_parameter_count(count, span)?;
        let mlp = MLP::new(&self.graph, nin, &nouts, &mut self.rng);
        let layers = mlp.layers.iter().map(LayerObj::from_engine).collect();
        let mlp = Obj::Mlp(Rc::new(MlpObj {
            layers,
            module: mlp.module,
        }));
        self.adopt_parameters(&mlp);
        Ok(mlp)
    }

    /// `Layer(nin, nout, nonlin=True)`.
    pub(super) fn make_layer(
        &mut self,
        args: Vec<Arg>,
        named: Vec<(&str, Span, Arg)>,
        span: Span,
    ) -> Res<Obj> {
        let [nin, nout, nonlin] = arguments(
            "Layer",
            ["nin", "nout", "nonlin"],
            args,
            named,
            &["nonlin"],
            span,
        )?;
        let nin = size("Layer", &nin.expect("required"))?;
        let nout = size("Layer", &nout.expect("required"))?;
        let nonlin = nonlin.map_or(Ok(true), |arg| truth("nonlin", &arg))?;
        check_parameter_count((nin.saturating_add(1)).saturating_mul(nout), span)?;
        let index = self.standalone_layers;
        self.standalone_layers += 1;
        let layer = Layer::new(&self.graph, nin, nout, nonlin, &mut self.rng, index);
        let layer = Obj::Layer(LayerObj::from_engine(&layer));
        self.adopt_parameters(&layer);
        Ok(layer)
    }

    /// `Neuron(nin, nonlin=True)`.
    pub(super) fn make_neuron(
        &mut self,
        args: Vec<Arg>,
        named: Vec<(&str, Span, Arg)>,
        span: Span,
    ) -> Res<Obj> {
        let [nin, nonlin] = arguments("Neuron", ["nin", "nonlin"], args, named, &["nonlin"], span)?;
        let nin = size("Neuron", &nin.expect("required"))?;
        let nonlin = nonlin.map_or(Ok(true), |arg| truth("nonlin", &arg))?;
        check_parameter_count(nin.saturating_add(1), span)?;
        let prefix = format!("n{}", self.standalone_neurons);
        self.standalone_neurons += 1;
        let neuron = Neuron::new(&self.graph, nin, nonlin, &mut self.rng, &prefix);
        let neuron = Obj::Neuron(NeuronObj::from_engine(&neuron));
        self.adopt_parameters(&neuron);
        Ok(neuron)
    }

    /// New parameters keep their `l0.n0.w0` labels, and the bias is micrograd's
    /// `Value(0)`, an int.
    fn adopt_parameters(&mut self, module: &Obj) {
        for id in parameters(module) {
            self.take_name(id);
        }
        let neurons: Vec<Rc<NeuronObj>> = match module {
            Obj::Neuron(neuron) => vec![Rc::clone(neuron)],
            Obj::Layer(layer) => layer.neurons.clone(),
            Obj::Mlp(mlp) => mlp.layers.iter().flat_map(|l| l.neurons.clone()).collect(),
            _ => Vec::new(),
        };
        for neuron in neurons {
            self.set_int(neuron.b, true);
        }
    }

    /// Runs `work` as the next call of `module`, a `kind`, so that what it makes is scoped
    /// as the engine's own networks scope their calls.
    fn in_call<T>(
        &mut self,
        kind: &str,
        module: &Module,
        work: impl FnOnce(&mut Self) -> Res<T>,
    ) -> Res<T> {
        self.graph
            .enter_module(kind, &module.name, module.object, true);
        let result = work(self);
        self.graph.exit_module();
        result
    }

    /// `neuron(x)`: `sum((wi*xi for wi, xi in zip(w, x)), b)`, then ReLU if nonlinear.
    pub(super) fn call_neuron(&mut self, neuron: &NeuronObj, x: Arg) -> Res<NodeId> {
        self.in_call("Neuron", &neuron.module, |this| {
            this.neuron_forward(neuron, x)
        })
    }

    fn neuron_forward(&mut self, neuron: &NeuronObj, x: Arg) -> Res<NodeId> {
        let inputs = inputs_of(&x)?;
        let mut act = neuron.b;
        for (&wi, xi) in neuron.w.iter().zip(inputs.iter()) {
            let xi = match xi {
                Obj::Num(n) => Operand::Num(*n),
                Obj::Value(v) => Operand::Node(*v),
                other => {
                    return Err(Diag::new(
                        x.span,
                        format!(
                            "unsupported operand types for *: a Value (a weight) and {}",
                            other.kind()
                        ),
                    )
                    .with_help("a network's inputs are numbers or Values"))
                }
            };
            let product = self.mul(wi, xi);
            act = self.add(act, Operand::Node(product));
        }
        if neuron.nonlin {
            act = self.new_node(Op::Relu, &[act]);
        }
        Ok(act)
    }

    /// `layer(x)`: each neuron's output; a bare Value when there is one neuron.
    pub(super) fn call_layer(&mut self, layer: &LayerObj, x: Arg) -> Res<Obj> {
        self.in_call("Layer", &layer.module, |this| this.layer_forward(layer, x))
    }

    fn layer_forward(&mut self, layer: &LayerObj, x: Arg) -> Res<Obj> {
        let mut outputs = Vec::with_capacity(layer.neurons.len());
        for neuron in &layer.neurons {
            let input = Arg {
                value: x.value.clone(),
                span: x.span,
            };
            outputs.push(Obj::Value(self.call_neuron(neuron, input)?));
        }
        if outputs.len() == 1 {
            return Ok(outputs.pop().expect("one output"));
        }
        Ok(Obj::List(List::new(outputs)))
    }

    /// `mlp(x)`: the layers in turn; a bare Value when the last layer has one neuron.
    pub(super) fn call_mlp(&mut self, mlp: &MlpObj, x: Arg) -> Res<Obj> {
        self.in_call("MLP", &mlp.module, |this| this.mlp_forward(mlp, x))
    }

    fn mlp_forward(&mut self, mlp: &MlpObj, x: Arg) -> Res<Obj> {
        let span = x.span;
        let mut value = x.value;
        for (i, layer) in mlp.layers.iter().enumerate() {
            let input = Arg { value, span };
            value = self.call_layer(layer, input).map_err(|diag| {
                if i > 0 && diag.message.starts_with("a Value is not iterable") {
                    diag.with_help(format!(
                        "layer {} has one neuron, so it returns a bare Value (as micrograd does), \
                         which layer {i} cannot take",
                        i - 1
                    ))
                } else {
                    diag
                }
            })?;
        }
        Ok(value)
    }

    /// `parameters()` and `zero_grad()` on a Neuron, Layer or MLP.
    pub(super) fn call_module_method(
        &mut self,
        module: &Obj,
        name: &str,
        name_span: Span,
        args: Vec<Arg>,
    ) -> Res<Obj> {
        if let Some(extra) = args.first() {
            if matches!(name, "parameters" | "zero_grad") {
                return Err(Diag::new(
                    extra.span,
                    format!("{name}() takes no arguments"),
                ));
            }
        }
        match name {
            "parameters" => Ok(Obj::List(List::new(
                parameters(module).into_iter().map(Obj::Value).collect(),
            ))),
            "zero_grad" => {
                // micrograd's Module.zero_grad: `p.grad = 0` for every parameter.
                for id in parameters(module) {
                    self.set_grad(id, Num::Int(0));
                }
                Ok(Obj::None)
            }
            _ => Err(no_such_member(module, name, name_span, "method")),
        }
    }
}

/// micrograd's repr of a network object: `ReLUNeuron(3)`, `Layer of [LinearNeuron(4)]`,
/// `MLP of [Layer of […], …]`.
pub(super) fn module_repr(module: &Obj) -> String {
    let neuron = |n: &NeuronObj| {
        let kind = if n.nonlin { "ReLU" } else { "Linear" };
        format!("{kind}Neuron({})", n.w.len())
    };
    let layer = |l: &LayerObj| {
        let neurons: Vec<String> = l.neurons.iter().map(|n| neuron(n)).collect();
        format!("Layer of [{}]", neurons.join(", "))
    };
    match module {
        Obj::Neuron(n) => neuron(n),
        Obj::Layer(l) => layer(l),
        Obj::Mlp(m) => {
            let layers: Vec<String> = m.layers.iter().map(|l| layer(l)).collect();
            format!("MLP of [{}]", layers.join(", "))
        }
        other => other.kind().to_string(),
    }
}

/// `module.layers`, `.neurons`, `.w`, `.b`, `.nonlin`.
pub(super) fn module_attribute(module: &Obj, name: &str, span: Span) -> Res<Obj> {
    let list = |items: Vec<Obj>| Ok(Obj::List(List::new(items)));
    match (module, name) {
        (Obj::Mlp(mlp), "layers") => list(mlp.layers.iter().cloned().map(Obj::Layer).collect()),
        (Obj::Layer(layer), "neurons") => {
            list(layer.neurons.iter().cloned().map(Obj::Neuron).collect())
        }
        (Obj::Neuron(neuron), "w") => list(neuron.w.iter().copied().map(Obj::Value).collect()),
        (Obj::Neuron(neuron), "b") => Ok(Obj::Value(neuron.b)),
        (Obj::Neuron(neuron), "nonlin") => Ok(Obj::Num(Num::Int(i128::from(neuron.nonlin)))),
        (_, "parameters" | "zero_grad") => Err(Diag::new(
            span,
            format!("'{name}' is a method: call it as .{name}()"),
        )),
        _ => Err(no_such_member(module, name, span, "attribute")),
    }
}

fn no_such_member(module: &Obj, name: &str, span: Span, member: &str) -> Diag {
    Diag::new(span, format!("{} has no {member} '{name}'", module.kind())).with_help(
        "micrograd's MLP has layers, a Layer neurons, a Neuron w, b and nonlin; \
         all have parameters() and zero_grad()",
    )
}

/// The one input list a Neuron, Layer or MLP is called with.
pub(super) fn one_argument(
    what: &str,
    args: Vec<Arg>,
    named: Vec<(&str, Span, Arg)>,
    span: Span,
) -> Res<Arg> {
    if let Some((name, name_span, _)) = named.first() {
        return Err(Diag::new(
            *name_span,
            format!("calling {what} takes no keyword argument '{name}'"),
        ));
    }
    let mut args = args.into_iter();
    match (args.next(), args.next()) {
        (Some(x), None) => Ok(x),
        (_, Some(extra)) => Err(Diag::new(
            extra.span,
            format!("calling {what} takes one list of inputs"),
        )),
        (None, _) => Err(Diag::new(
            span,
            format!("calling {what} needs a list of inputs"),
        )),
    }
}

fn inputs_of(x: &Arg) -> Res<List> {
    match &x.value {
        Obj::List(items) => Ok(items.clone()),
        other => Err(
            Diag::new(x.span, format!("{} is not iterable", other.kind())).with_help(
                "a network is called on a list of inputs, as in model([2.0, 3.0, -1.0])",
            ),
        ),
    }
}

/// A constructor's arguments by position or keyword, in the order of `names`; those not
/// in `optional` must be given.
fn arguments<const N: usize>(
    what: &str,
    names: [&str; N],
    args: Vec<Arg>,
    named: Vec<(&str, Span, Arg)>,
    optional: &[&str],
    span: Span,
) -> Res<[Option<Arg>; N]> {
    if let Some(extra) = args.get(N) {
        return Err(Diag::new(
            extra.span,
            format!("{what}() takes {}", names.join(", ")),
        ));
    }
    let mut slots: [Option<Arg>; N] = std::array::from_fn(|_| None);
    for (slot, arg) in slots.iter_mut().zip(args) {
        *slot = Some(arg);
    }
    for (name, name_span, arg) in named {
        let Some(i) = names.iter().position(|n| *n == name) else {
            return Err(Diag::new(
                name_span,
                format!("{what}() got an unexpected keyword argument '{name}'"),
            ));
        };
        if slots[i].is_some() {
            return Err(Diag::new(
                name_span,
                format!("{what}() got multiple values for argument '{name}'"),
            ));
        }
        slots[i] = Some(arg);
    }
    if let Some(missing) = names
        .iter()
        .zip(&slots)
        .find(|(name, slot)| slot.is_none() && !optional.contains(name))
    {
        return Err(Diag::new(
            span,
            format!("{what}() is missing the argument '{}'", missing.0),
        ));
    }
    Ok(slots)
}

/// A layer size: Python's `range(n)`, so a negative size is an empty layer.
fn size(what: &str, arg: &Arg) -> Res<usize> {
    match arg.value {
        Obj::Num(Num::Int(n)) => Ok(usize::try_from(n.max(0)).unwrap_or(usize::MAX)),
        ref other => Err(Diag::new(
            arg.span,
            format!("{what}() takes integer sizes, found {}", other.kind()),
        )),
    }
}

fn truth(name: &str, arg: &Arg) -> Res<bool> {
    match arg.value {
        Obj::Num(n) => Ok(n.to_f64() != 0.0),
        ref other => Err(Diag::new(
            arg.span,
            format!("'{name}' must be True or False, found {}", other.kind()),
        )),
    }
}

fn check_parameter_count(count: usize, span: Span) -> Res<()> {
    if count > MAX_PARAMETERS {
        return Err(Diag::new(
            span,
            format!("this network would have {count} parameters; gradviz allows {MAX_PARAMETERS}"),
        ));
    }
    Ok(())
}
