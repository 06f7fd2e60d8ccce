//! micrograd's `nn.py`: [`Neuron`], [`Layer`] and [`MLP`], with the same node order and, for
//! the same seed, the same weights (`random.uniform(-1, 1)` on Python's MT19937 stream).
//! Parameters are labelled `l{i}.n{j}.w{k}` and `l{i}.n{j}.b` so figures can group them.
//!
//! Each object records its scope on the graph (see [`Graph::enter_module`]): what its
//! constructor makes (the parameters) and what each call makes (the forward pass), a
//! neuron's call inside its layer's inside its network's. Within a network a part is named
//! by its place (`l0`, `n3`); an object made on its own by its kind and how many of its
//! kind were made on their own before it (`MLP0`, `Neuron1`), as the CPython runner names
//! them.

use super::{Graph, PyRandom, Value};

/// A network input: micrograd accepts plain numbers (each becomes a leaf inside `w * x`) as
/// well as values.
#[derive(Debug, Clone, Copy)]
pub enum Input<'g> {
    /// A plain number.
    Number(f64),
    /// A value already on the graph.
    Value(Value<'g>),
}

impl From<f64> for Input<'_> {
    fn from(x: f64) -> Self {
        Input::Number(x)
    }
}

impl<'g> From<Value<'g>> for Input<'g> {
    fn from(v: Value<'g>) -> Self {
        Input::Value(v)
    }
}

/// One neuron: `relu(w · x + b)`, or linear when `nonlin` is false.
pub struct Neuron<'g> {
    /// The weights, one per input.
    pub w: Vec<Value<'g>>,
    /// The bias, `Value(0)`.
    pub b: Value<'g>,
    /// Whether the output goes through ReLU.
    pub nonlin: bool,
    /// The object's number and name on its graph, for its scopes.
    pub module: Module,
}

/// Which module object a `Neuron`, `Layer` or `MLP` is on its graph: its number (from
/// [`Graph::new_module`]) and its name, the part it is of its parent (`l0`, `n3`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Module {
    /// The object's number.
    pub object: u32,
    /// Its name.
    pub name: String,
}

impl Module {
    /// Numbers a new object on `graph` and opens its constructor's scope. `name` is its
    /// place in the module being constructed; an object made outside every module is named
    /// by its kind and number instead (`MLP0`, `Neuron2`).
    fn construct(graph: &Graph, kind: &str, name: String) -> Self {
        let name = if graph.in_module() {
            name
        } else {
            graph.top_level_name(kind)
        };
        let object = graph.new_module();
        graph.enter_module(kind, &name, object, false);
        Module { object, name }
    }

    /// Runs `work` as the object's next call on `graph`.
    fn call<T>(&self, graph: &Graph, kind: &str, work: impl FnOnce() -> T) -> T {
        graph.enter_module(kind, &self.name, self.object, true);
        let result = work();
        graph.exit_module();
        result
    }
}

impl<'g> Neuron<'g> {
    /// A neuron with `nin` weights drawn from `rng`, labelled with `prefix` (`l0.n1`) and
    /// named by its last part (`n1`) inside a layer.
    pub fn new(
        graph: &'g Graph,
        nin: usize,
        nonlin: bool,
        rng: &mut PyRandom,
        prefix: &str,
    ) -> Self {
        let name = prefix.rsplit('.').next().unwrap_or(prefix).to_string();
        let module = Module::construct(graph, "Neuron", name);
        let w = (0..nin)
            .map(|k| {
                graph
                    .leaf(rng.uniform(-1.0, 1.0))
                    .with_label(&format!("{prefix}.w{k}"))
            })
            .collect();
        let b = graph.leaf(0.0).with_label(&format!("{prefix}.b"));
        graph.exit_module();
        Neuron {
            w,
            b,
            nonlin,
            module,
        }
    }

    /// `sum((wi*xi for wi, xi in zip(w, x)), b)`, then ReLU if nonlinear.
    pub fn call(&self, x: &[Input<'g>]) -> Value<'g> {
        self.module
            .call(self.b.graph(), "Neuron", || self.forward(x))
    }

    fn forward(&self, x: &[Input<'g>]) -> Value<'g> {
        let act = self.w.iter().zip(x).fold(self.b, |acc, (&wi, &xi)| {
            let product = match xi {
                Input::Number(n) => wi * n,
                Input::Value(v) => wi * v,
            };
            acc + product
        });
        if self.nonlin {
            act.relu()
        } else {
            act
        }
    }

    /// The weights, then the bias.
    pub fn parameters(&self) -> Vec<Value<'g>> {
        self.w.iter().copied().chain([self.b]).collect()
    }
}

/// A layer of `nout` neurons over the same inputs.
pub struct Layer<'g> {
    /// The neurons, in order.
    pub neurons: Vec<Neuron<'g>>,
    /// The object's number and name on its graph, for its scopes.
    pub module: Module,
    graph: &'g Graph,
}

impl<'g> Layer<'g> {
    /// A layer labelled `l{index}`.
    pub fn new(
        graph: &'g Graph,
        nin: usize,
        nout: usize,
        nonlin: bool,
        rng: &mut PyRandom,
        index: usize,
    ) -> Self {
        let module = Module::construct(graph, "Layer", format!("l{index}"));
        let neurons = (0..nout)
            .map(|j| Neuron::new(graph, nin, nonlin, rng, &format!("l{index}.n{j}")))
            .collect();
        graph.exit_module();
        Layer {
            neurons,
            module,
            graph,
        }
    }

    /// Each neuron's output, in order.
    pub fn call(&self, x: &[Input<'g>]) -> Vec<Value<'g>> {
        self.module.call(self.graph, "Layer", || {
            self.neurons.iter().map(|n| n.call(x)).collect()
        })
    }

    /// Every neuron's parameters, in order.
    pub fn parameters(&self) -> Vec<Value<'g>> {
        self.neurons.iter().flat_map(Neuron::parameters).collect()
    }
}

/// micrograd's multi-layer perceptron: ReLU hidden layers, a linear last layer.
pub struct MLP<'g> {
    /// The layers, input side first.
    pub layers: Vec<Layer<'g>>,
    /// The object's number and name on its graph, for its scopes.
    pub module: Module,
    graph: &'g Graph,
}

impl<'g> MLP<'g> {
    /// `MLP(nin, nouts)` with weights from `rng` (seed it as `random.seed(n)` would).
    pub fn new(graph: &'g Graph, nin: usize, nouts: &[usize], rng: &mut PyRandom) -> Self {
        let module = Module::construct(graph, "MLP", String::new());
        let sizes: Vec<usize> = std::iter::once(nin).chain(nouts.iter().copied()).collect();
        let layers = (0..nouts.len())
            .map(|i| Layer::new(graph, sizes[i], sizes[i + 1], i != nouts.len() - 1, rng, i))
            .collect();
        graph.exit_module();
        MLP {
            layers,
            module,
            graph,
        }
    }

    /// The network's outputs for input `x` (micrograd returns a bare value when there is one).
    pub fn call(&self, x: &[Input<'g>]) -> Vec<Value<'g>> {
        self.module.call(self.graph, "MLP", || self.forward(x))
    }

    fn forward(&self, x: &[Input<'g>]) -> Vec<Value<'g>> {
        let mut current: Vec<Input<'g>> = x.to_vec();
        let mut out = Vec::new();
        for layer in &self.layers {
            out = layer.call(&current);
            current = out.iter().map(|&v| Input::Value(v)).collect();
        }
        out
    }

    /// Every parameter, layer by layer.
    pub fn parameters(&self) -> Vec<Value<'g>> {
        self.layers.iter().flat_map(Layer::parameters).collect()
    }

    /// Sets every parameter's grad to zero.
    pub fn zero_grad(&self) {
        for p in self.parameters() {
            p.set_grad(0.0);
        }
    }
}
