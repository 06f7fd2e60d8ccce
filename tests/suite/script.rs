//! Scripts (SPEC §4): the lecture's fixtures, Python's number and operator semantics, the
//! graph micrograd would build, automatic labels, which figures are drawn, big and deeply
//! nested scripts, and property tests that no input panics.

use crate::support::fixture_text;

use gradviz::engine::{NodeId, Op};
use gradviz::graph::{operands, ExportGraph};
use gradviz::input::script::{evaluate, Evaluated, ScriptOptions, MAX_BRACKETS, MAX_INDENTS};
use gradviz::Error;
use proptest::prelude::*;

fn run(source: &str) -> Evaluated {
    match evaluate(source, "test.py", &ScriptOptions::default()) {
        Ok(evaluated) => evaluated,
        Err(e) => panic!("script failed:\n{e}"),
    }
}

fn run_without_labels(source: &str) -> Evaluated {
    let mut options = ScriptOptions::default();
    options.auto_label = false;
    evaluate(source, "test.py", &options).expect("script runs")
}

fn error(source: &str) -> String {
    match evaluate(source, "test.py", &ScriptOptions::default()) {
        Err(Error::Script(message)) => message,
        Err(other) => panic!("not a script error: {other}"),
        Ok(_) => panic!("script ran: {source}"),
    }
}

/// A node of a snapshot by label.
fn by_label<'a>(graph: &'a ExportGraph, label: &str) -> &'a gradviz::graph::NodeInfo {
    graph
        .node_weights()
        .find(|n| n.label == label)
        .unwrap_or_else(|| panic!("no node labelled {label}"))
}

/// Op texts of the whole tape, in creation order.
fn ops(run: &Evaluated) -> Vec<String> {
    (0..run.graph.len())
        .map(|i| run.graph.op(NodeId::from_index(i)).to_string())
        .collect()
}

fn data(run: &Evaluated) -> Vec<f64> {
    (0..run.graph.len())
        .map(|i| run.graph.data(NodeId::from_index(i)))
        .collect()
}

fn root_data(run: &Evaluated) -> f64 {
    run.graph
        .data(run.last_value.expect("a value was assigned"))
}

// The expected numbers below were printed by CPython 3.11 running micrograd 0.1.0 with the
// lecture's `tanh`, the same code the differential test drives.

#[test]
fn the_lecture_neuron_gives_two_snapshots_before_and_after_backward() {
    let run = run(&fixture_text("neuron.py"));
    assert_eq!(run.snapshots.len(), 2);
    let (before, after) = (&run.snapshots[0].graph, &run.snapshots[1].graph);
    for snapshot in [before, after] {
        assert_eq!(snapshot.node_count(), 10);
        let mut labels: Vec<&str> = snapshot
            .node_weights()
            .map(|n| n.label.as_str())
            .filter(|l| !l.is_empty())
            .collect();
        labels.sort_unstable();
        assert_eq!(
            labels,
            [
                "b",
                "n",
                "o",
                "w1",
                "w2",
                "x1",
                "x1*w1",
                "x1*w1 + x2*w2",
                "x2",
                "x2*w2"
            ]
        );
        // micrograd prints 0.7071067811865476, the repr of this constant.
        assert_eq!(
            by_label(snapshot, "o").data,
            std::f64::consts::FRAC_1_SQRT_2
        );
        assert_eq!(by_label(snapshot, "o").op, "tanh");
        assert_eq!(by_label(snapshot, "n").op, "+");
    }
    assert!(before.node_weights().all(|n| n.grad == 0.0));
    let grads = [
        ("o", 1.0),
        ("n", 0.4999999999999999),
        ("b", 0.4999999999999999),
        ("x1", -1.4999999999999996),
        ("w1", 0.9999999999999998),
        ("x2", 0.4999999999999999),
        ("w2", 0.0),
    ];
    for (label, grad) in grads {
        assert_eq!(by_label(after, label).grad, grad, "{label}");
    }
    assert_eq!(run.figures().unwrap().len(), 2);
}

#[test]
fn the_micrograd_readme_example_runs_as_pasted() {
    let run = run(&fixture_text("micrograd_readme.py"));
    let g = run.backward_root.expect("g.backward() ran");
    assert_eq!(run.graph.data(g), 24.70408163265306);
    assert_eq!(run.graph.grad(NodeId::from_index(0)), 138.83381924198252);
    assert_eq!(run.graph.grad(NodeId::from_index(1)), 645.5772594752186);
    assert_eq!(
        run.graph.label(g).as_deref(),
        Some("g#2"),
        "g is rebound by g += …"
    );
    assert!(run.snapshots.is_empty());
    let values = run.graph.len();
    let figures = run.figures().unwrap();
    assert_eq!(figures.len(), 1);
    assert_eq!(figures[0].graph.node_count(), values);
}

#[test]
fn operators_decompose_as_micrograd_and_plain_numbers_stay_numbers() {
    // x / (2 * 3): one leaf holding 6**-1, then the product.
    let r = run("x = Value(1.5)\ny = x / (2 * 3)");
    assert_eq!(ops(&r), ["", "", "*"]);
    assert_eq!(data(&r)[1], 6f64.powf(-1.0));
    // -x is x * -1; a - b is a + (-b); n - v is (-v) + n; n / v is v**-1 * n.
    assert_eq!(ops(&run("x = Value(2.0)\ny = -x")), ["", "", "*"]);
    assert_eq!(
        ops(&run("a = Value(2.0)\nb = Value(3.0)\nc = a - b")),
        ["", "", "", "*", "+"]
    );
    let r = run("v = Value(4.0)\ny = 1 - v");
    assert_eq!(ops(&r), ["", "", "*", "", "+"]);
    assert_eq!(data(&r), [4.0, -1.0, -4.0, 1.0, -3.0]);
    let r = run("v = Value(4.0)\ny = 2 / v");
    assert_eq!(ops(&r), ["", "**-1", "", "*"]);
    assert_eq!(root_data(&r), 0.5);
    // `v - 0` adds Python's int 0 (a leaf of +0.0), not -0.0.
    let r = run("v = Value(-0.0)\ny = v - 0");
    assert!(data(&r)[1].is_sign_positive());
    assert!(root_data(&r).is_sign_positive());
}

#[test]
fn exponents_print_as_python_prints_them() {
    let r = run("x = Value(3.0)\na = x**2\nb = x**2.0\nc = x**-1\nd = x**(1/2)\ne = x**(2*3)\nf = x ** 2**-1");
    assert_eq!(
        ops(&r),
        ["", "**2", "**2.0", "**-1", "**0.5", "**6", "**0.5"]
    );
}

#[test]
fn power_binds_tighter_than_unary_minus_and_is_right_associative() {
    // -x**2 is -(x**2): the pow comes first, then `* -1`.
    let r = run("x = Value(3.0)\ny = -x**2");
    assert_eq!(ops(&r), ["", "**2", "", "*"]);
    assert_eq!(root_data(&r), -9.0);
    let r = run("x = Value(2.0)\ny = x ** 3 ** 2");
    assert_eq!(ops(&r), ["", "**9"]);
    let r = run("k = 2 ** -1\nx = Value(k)");
    assert_eq!(root_data(&r), 0.5);
}

#[test]
fn augmented_assignment_rebinds_to_a_new_value() {
    let r = run("a = Value(1.0)\nb = Value(2.0)\na += b\na -= 1\na *= b\na /= 4\na **= 2");
    assert_eq!(ops(&r), ["", "", "+", "", "+", "*", "", "*", "**2"]);
    assert_eq!(root_data(&r), 1.0);
    // The first `a` is untouched.
    assert_eq!(data(&r)[0], 1.0);
}

#[test]
fn attributes_set_and_read() {
    let r = run("a = Value(2.0)\nb = a * 3\na.data = 10\nb.grad = 0.5\nc = Value(b.data + a.data)\na.data += 1");
    // Setting data recomputes nothing.
    assert_eq!(data(&r), [11.0, 3.0, 6.0, 16.0]);
    assert_eq!(r.graph.grad(NodeId::from_index(2)), 0.5);
    let r = run("a = Value(1.0, label='x')\nb = Value(2.0)\nb.label = a.label + '2'");
    assert_eq!(r.graph.label(NodeId::from_index(1)).as_deref(), Some("x2"));
}

#[test]
fn the_lectures_manual_backward_steps_work() {
    let source = "a = Value(2.0)\nb = Value(-3.0)\nc = a * b\nd = c + a\nd.grad = 1.0\nd._backward()\nc._backward()";
    let r = run(source);
    let grads: Vec<f64> = (0..r.graph.len())
        .map(|i| r.graph.grad(NodeId::from_index(i)))
        .collect();
    assert_eq!(grads, [-2.0, 2.0, 1.0, 1.0]);
    assert_eq!(r.backward_root, None);
}

#[test]
fn labels_come_from_the_first_variable_a_value_is_bound_to() {
    let r = run(
        "x1 = Value(2.0)\nb = Value(1.0)\nx1b = x1 * b\nn = x1b + b + 1\nm = n\nt = (n * 2).tanh()",
    );
    let label = |i: usize| r.graph.label(NodeId::from_index(i)).map(|l| l.to_string());
    assert_eq!(label(0).as_deref(), Some("x1"));
    assert_eq!(label(2).as_deref(), Some("x1b"));
    // `x1b + b` is anonymous, the leaf for 1 too; their sum is `n`, and `m = n` keeps it.
    assert_eq!(label(3), None);
    assert_eq!(label(4), None);
    assert_eq!(label(5).as_deref(), Some("n"));
    assert_eq!(label(7), None);
    assert_eq!(label(8).as_deref(), Some("t"));
}

#[test]
fn an_explicit_label_always_wins() {
    let r = run("a = Value(1.0, label='alpha')\nb = a\nc = a + a; c.label = 'sum'\nd = c");
    let label = |i: usize| r.graph.label(NodeId::from_index(i)).map(|l| l.to_string());
    assert_eq!(label(0).as_deref(), Some("alpha"));
    assert_eq!(label(1).as_deref(), Some("sum"));
}

#[test]
fn rebinding_in_a_chain_labels_each_new_value() {
    let r = run(
        "x = Value(1.0)\nx = x * Value(0.999) + Value(0.001)\nx = x * Value(0.999) + Value(0.001)",
    );
    let labels: Vec<Option<String>> = (0..r.graph.len())
        .map(|i| r.graph.label(NodeId::from_index(i)).map(|l| l.to_string()))
        .collect();
    let x = |label: &str| Some(label.to_string());
    assert_eq!(
        labels,
        [
            x("x"),
            None,
            None,
            None,
            x("x#2"),
            None,
            None,
            None,
            x("x#3")
        ],
        "the k-th value named x is x#k"
    );
}

#[test]
fn auto_labels_can_be_turned_off() {
    let r = run_without_labels("a = Value(1.0)\nb = Value(2.0, label='b')\nc = a + b");
    let labels: Vec<Option<String>> = (0..r.graph.len())
        .map(|i| r.graph.label(NodeId::from_index(i)).map(|l| l.to_string()))
        .collect();
    assert_eq!(labels, [None, Some("b".to_string()), None]);
}

#[test]
fn the_figure_is_the_snapshots_else_the_backward_root_else_the_last_value() {
    let r = run("a = Value(1.0)\nb = a * 2\nc = Value(5.0)\nb.backward()\nd = Value(7.0)");
    let figures = r.figures().unwrap();
    assert_eq!(figures.len(), 1);
    assert_eq!(figures[0].graph.node_count(), 3);

    let r = run("a = Value(1.0)\nb = a * 2\nc = Value(5.0)\nx = 3");
    let figure = &r.figures().unwrap()[0].graph;
    assert_eq!(figure.node_count(), 1);
    assert_eq!(figure[petgraph::graph::NodeIndex::new(0)].data, 5.0);

    let r = run("a = Value(1.0)\ndraw_dot(a * 2)\nb = a + 1");
    let figures = r.figures().unwrap();
    assert_eq!(figures.len(), 1);
    let product = petgraph::graph::NodeIndex::new(2);
    assert_eq!(figures[0].graph[product].op, "*");
    assert_eq!(operands(&figures[0].graph, product).len(), 2);
}

#[test]
fn nothing_to_draw_and_empty_scripts_are_clear_errors() {
    for (source, needle) in [
        ("", "the script is empty"),
        ("# only a comment\n\n", "the script is empty"),
        ("import math\nx = 2 * 3\nprint(x)", "nothing to draw"),
    ] {
        let message = run(source).figures().unwrap_err().to_string();
        assert!(message.starts_with("test.py: "), "{message}");
        assert!(message.contains(needle), "{message}");
    }
}

#[test]
fn imports_comments_semicolons_continuations_and_print_are_accepted() {
    let source = "import math\nfrom micrograd.engine import Value  # the lecture's class\n\
                  a = Value(2.0); b = Value(3.0);\nc = (a *\n     b)\nd = c \\\n  + 1\n\
                  print('d is', d, d.data, sep=' ')\nprint(f'{d.data:.4f}')\npass\n";
    let r = run(source);
    assert_eq!(root_data(&r), 7.0);
}

#[test]
fn strings_take_python_escapes_in_both_quotes() {
    let r = run("a = Value(1.0, label='a\\\\b')\nb = Value(2.0, label=\"\\n\")\nc = Value(3.0, label='x' \"y\")");
    let label = |i: usize| r.graph.label(NodeId::from_index(i)).map(|l| l.to_string());
    assert_eq!(label(0).as_deref(), Some("a\\b"));
    assert_eq!(label(1).as_deref(), Some("\n"));
    assert_eq!(label(2).as_deref(), Some("xy"));
}

#[test]
fn brackets_nest_to_pythons_limit_and_no_further() {
    let parens = |n: usize| format!("x = Value({}1.0{})", "(".repeat(n - 1), ")".repeat(n - 1));
    assert_eq!(root_data(&run(&parens(MAX_BRACKETS))), 1.0);
    let message = error(&parens(MAX_BRACKETS + 1));
    assert!(message.contains("too many nested parentheses"), "{message}");
    assert!(message.starts_with("test.py:1:210: too many"), "{message}");
}

#[test]
fn long_and_deeply_nested_expressions_do_not_overflow_the_stack() {
    let negations = format!("x = Value(1.0)\ny = {}x", "-".repeat(100_001));
    assert_eq!(root_data(&run(&negations)), -1.0);

    let sum = format!("x = Value(1.0)\ny = {}", vec!["x"; 100_000].join(" + "));
    assert_eq!(root_data(&run(&sum)), 100_000.0);

    let powers = format!("x = Value(1.0)\ny = x{}", " ** 1".repeat(100_000));
    let r = run(&powers);
    assert_eq!(ops(&r), ["", "**1"]);

    let calls = format!("x = Value(1.0){}", ".tanh()".repeat(100_000));
    assert_eq!(run(&calls).graph.len(), 100_001);
}

#[test]
fn a_million_statement_script_runs() {
    let mut source = String::from("x = Value(0.0)\n");
    for _ in 0..1_000_000 {
        source.push_str("x = x + 1\n");
    }
    let r = run(&source);
    assert_eq!(r.graph.len(), 2_000_001);
    assert_eq!(root_data(&r), 1_000_000.0);
}

#[test]
fn a_long_chain_and_its_backward_run() {
    let mut source = String::from("x = Value(1.0)\n");
    for _ in 0..20_000 {
        source.push_str("x = x * Value(0.999, label='w7') + Value(0.001, label='b7')\n");
    }
    source.push_str("x.backward()\n");
    let r = run(&source);
    assert_eq!(r.graph.len(), 1 + 4 * 20_000);
    // micrograd multiplies the incoming grad by 0.999 once per step, from the root down.
    let expected = (0..20_000).fold(1.0, |grad, _| 0.999 * grad);
    assert_eq!(r.graph.grad(NodeId::from_index(0)), expected);
    assert!(matches!(r.graph.op(r.backward_root.unwrap()), Op::Add));
}

/// Numbers CPython 3 with micrograd 0.1.0 printed for `fixtures/mlp.py` (the lecture's
/// network): the predictions and loss are exact; the grads are sums whose order in
/// micrograd follows object addresses, so they are compared to 1e-12.
#[test]
fn the_lecture_network_computes_what_micrograd_computes() {
    let run = run(&fixture_text("mlp.py"));
    let loss = run.backward_root.expect("loss.backward() ran");
    assert_eq!(run.graph.data(loss), 18.432196474034008);
    assert_eq!(run.graph.label(loss).as_deref(), Some("loss"));
    let parameters: Vec<NodeId> = (0..run.graph.len())
        .map(NodeId::from_index)
        .filter(|&id| run.graph.label(id).is_some_and(|l| l.contains('.')))
        .collect();
    assert_eq!(parameters.len(), 41);
    assert_eq!(run.graph.data(parameters[0]), 0.23550571390294128);
    let close = |ours: f64, theirs: f64| (ours - theirs).abs() <= 1e-12 * theirs.abs();
    assert!(close(run.graph.grad(parameters[0]), 19.697642539830067));
    assert!(close(run.graph.grad(parameters[5]), -2.838677274265136));
    assert!(close(run.graph.grad(parameters[40]), 15.609365787889754));
    assert_eq!(run.graph.label(parameters[40]).as_deref(), Some("l2.n0.b"));
    let predictions = [
        4.000271647734554,
        1.6539934680939266,
        0.268518064900208,
        1.8818997132161885,
    ];
    let figure = &run.figures().unwrap()[0].graph;
    for prediction in predictions {
        assert!(
            figure
                .node_weights()
                .any(|n| n.data == prediction && n.op == "+"),
            "no prediction {prediction}"
        );
    }
}

#[test]
fn a_network_returns_a_bare_value_for_one_output_and_a_list_otherwise() {
    let one = run("n = MLP(2, [3, 1])\nout = n([1.0, 2.0])\nloss = out * 2\n");
    assert!(one.last_value.is_some());
    let many = error("n = MLP(2, [3, 2])\nout = n([1.0, 2.0])\nloss = out * 2\n");
    assert!(
        many.contains("unsupported operand types for *: a list and a number"),
        "{many}"
    );
    let indexed = run("n = MLP(2, [3, 2])\nout = n([1.0, 2.0])\nloss = out[0] * out[-1]\n");
    assert_eq!(root_data(&indexed), {
        let outs = indexed.graph.operands(indexed.last_value.unwrap());
        indexed.graph.data(outs[0]) * indexed.graph.data(outs[1])
    });
}

#[test]
fn parameters_are_labelled_seeded_and_listed_in_micrograds_order() {
    let run = run("random.seed(1337)\nn = MLP(3, [4, 4, 1])\nps = n.parameters()\ncount = len(ps)\nlast = ps[-1]\nfirst = n.layers[0].neurons[0].w[0]\n");
    let labels: Vec<String> = (0..run.graph.len())
        .map(|i| run.graph.label(NodeId::from_index(i)).unwrap().to_string())
        .collect();
    assert_eq!(labels.len(), 41);
    assert_eq!(
        &labels[..5],
        ["l0.n0.w0", "l0.n0.w1", "l0.n0.w2", "l0.n0.b", "l0.n1.w0"]
    );
    assert_eq!(labels[40], "l2.n0.b");
    // CPython: random.seed(1337); random.uniform(-1, 1)
    assert_eq!(run.graph.data(NodeId::from_index(0)), 0.23550571390294128);
    assert_eq!(run.last_value, Some(NodeId::from_index(0)));
}

#[test]
fn without_a_seed_weights_are_those_of_seed_zero() {
    let unseeded = run("n = Neuron(2)\n");
    let seeded = run("random.seed(0)\nn = Neuron(2)\n");
    assert_eq!(data(&unseeded), data(&seeded));
    // CPython: random.seed(0); random.uniform(-1, 1)
    assert_eq!(data(&unseeded)[0], 2.0 * 0.8444218515250481 - 1.0);
}

#[test]
fn standalone_layers_and_neurons_are_numbered() {
    let run = run("a = Neuron(1)\nb = Neuron(1, nonlin=False)\nl = Layer(1, 2)\nout = b([2.0])\n");
    let labels: Vec<String> = (0..6)
        .map(|i| run.graph.label(NodeId::from_index(i)).unwrap().to_string())
        .collect();
    assert_eq!(
        labels,
        ["n0.w0", "n0.b", "n1.w0", "n1.b", "l0.n0.w0", "l0.n0.b"]
    );
    assert_eq!(
        ops(&run)[8..],
        ["", "*", "+"],
        "a linear neuron has no ReLU"
    );
}

#[test]
fn python_sum_starts_from_the_int_zero() {
    let run = run_without_labels("a = Value(1.0)\nb = Value(2.0)\ns = sum([a, b])\n");
    assert_eq!(ops(&run), ["", "", "", "+", "+"]);
    assert_eq!(data(&run), [1.0, 2.0, 0.0, 1.0, 3.0]);
    assert_eq!(
        run.graph.operands(NodeId::from_index(3)),
        [NodeId::from_index(0), NodeId::from_index(2)]
    );
    let started = run_without_labels("a = Value(1.0)\ns = sum([a], Value(5.0))\n");
    assert_eq!(ops(&started), ["", "", "+"]);
}

#[test]
fn a_generator_in_sum_adds_each_element_as_it_is_made() {
    let lazy = run_without_labels("xs = [Value(1.0), Value(2.0)]\ns = sum(x * 2 for x in xs)\n");
    let eager = run_without_labels("xs = [Value(1.0), Value(2.0)]\ns = sum([x * 2 for x in xs])\n");
    // x0*2, then 0 + it, then x1*2, then the sum; a list makes both products first.
    assert_eq!(ops(&lazy), ["", "", "", "*", "", "+", "", "*", "+"]);
    assert_eq!(ops(&eager), ["", "", "", "*", "", "*", "", "+", "+"]);
    assert_eq!(root_data(&lazy), root_data(&eager));
}

#[test]
fn zip_stops_at_the_shorter_list_as_neurons_do() {
    let short = run_without_labels("random.seed(3)\nn = Neuron(3, nonlin=False)\nout = n([2.0])\n");
    assert_eq!(ops(&short)[4..], ["", "*", "+"]);
    let pairs = run("s = sum(a * b for a, b in zip([1, 2, 3], [Value(1.0), Value(2.0)]))\n");
    assert_eq!(root_data(&pairs), 5.0);
}

#[test]
fn a_training_loop_runs_as_the_lecture_writes_it() {
    let source = "\
random.seed(1337)
n = MLP(3, [4, 4, 1])
xs = [[2.0, 3.0, -1.0], [3.0, -1.0, 0.5], [0.5, 1.0, 1.0], [1.0, 1.0, -1.0]]
ys = [1.0, -1.0, -1.0, 1.0]
for k in range(3):
    # forward pass
    ypred = [n(x) for x in xs]
    loss = sum((yout - ygt)**2 for ygt, yout in zip(ys, ypred))

    # backward pass
    for p in n.parameters():
        p.grad = 0.0
    loss.backward()

    # update
    for p in n.parameters():
        p.data += -0.1 * p.grad

    print(k, loss.data)
";
    let run = run(source);
    let loss = run.backward_root.unwrap();
    // CPython with micrograd 0.1.0 printed this for k = 2; the updates use grads whose
    // summation order follows object addresses in micrograd, hence the tolerance.
    let expected = 4.087053622486269;
    assert!(
        (run.graph.data(loss) - expected).abs() < 1e-9,
        "{}",
        run.graph.data(loss)
    );
    // The third loss computed (k = 2) is the third value named after `loss`.
    assert_eq!(run.graph.label(loss).as_deref(), Some("loss#3"));
}

#[test]
fn loop_names_follow_python_scoping_and_do_not_label() {
    let run = run("xs = [Value(1.0), Value(2.0)]\nys = [x * 3 for x in xs]\nfor v in ys: w = v\n");
    let w = run.last_value.unwrap();
    assert_eq!(run.graph.data(w), 6.0);
    assert_eq!(
        run.graph.label(w).as_deref(),
        Some("w#2"),
        "w is bound to two values"
    );
    assert!(error("xs = [1]\nys = [x for x in xs]\nz = x\n").contains("unknown name 'x'"));
    let leaked = run_without_labels("for i in range(3): pass\nv = Value(i)\n");
    assert_eq!(root_data(&leaked), 2.0);
}

#[test]
fn loops_nest_to_pythons_indentation_limit_and_no_further() {
    let nested = |depth: usize| {
        let mut source = String::from("x = Value(1.0)\n");
        for level in 0..depth {
            source.push_str(&" ".repeat(level));
            source.push_str(&format!("for i{level} in [1]:\n"));
        }
        source.push_str(&" ".repeat(depth));
        source.push_str("x = x + 1\n");
        source
    };
    assert_eq!(root_data(&run(&nested(MAX_INDENTS))), 2.0);
    let message = error(&nested(MAX_INDENTS + 1));
    assert!(
        message.contains("too many levels of indentation"),
        "{message}"
    );
}

#[test]
fn a_list_nested_300_000_deep_is_made_and_dropped_without_recursion() {
    let run = run("xs = []\nfor i in range(300000): xs = [xs]\nn = len(xs)\nv = Value(n)\n");
    assert_eq!(root_data(&run), 1.0);
}

#[test]
fn mixed_tabs_and_spaces_are_refused_as_python_refuses_them() {
    let message = error("for x in [1]:\n        a = x\n\tb = x\n");
    assert!(
        message.contains("inconsistent use of tabs and spaces"),
        "{message}"
    );
}

/// Python tokens and fragments, so random sequences reach deep into the parser.
const FRAGMENTS: &[&str] = &[
    "x",
    "y",
    "Value",
    "draw_dot",
    "print",
    "tanh",
    "backward",
    "label",
    "data",
    "grad",
    "(",
    ")",
    "[",
    "]",
    ",",
    ".",
    "=",
    "+",
    "-",
    "*",
    "/",
    "**",
    "+=",
    "**=",
    ";",
    "\n",
    " ",
    "    ",
    "1",
    "2.0",
    "-3",
    "1e400",
    "0",
    "'s'",
    "\"t\"",
    "'",
    "\\",
    "#",
    "for",
    "if",
    "import",
    "f'",
    "%",
    "label=",
    ":",
    "x.tanh()",
    "Value(2.0)",
    "x.backward()",
    "draw_dot(x)",
    "x = Value(1.0)\n",
    "in",
    "sum",
    "zip",
    "len",
    "range",
    "xs",
    "model",
    "MLP",
    "random.seed(1)",
    "[1, 2]",
    "xs = [x, Value(1.0)]\n",
    "for x in xs:\n",
    "model = MLP(2, [2, 1])\n",
    "model(xs)",
    "(x for x in xs)",
    "\t",
];

proptest! {
    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
        let source = String::from_utf8_lossy(&bytes);
        let _ = evaluate(&source, "fuzz.py", &ScriptOptions::default());
    }

    #[test]
    fn random_token_sequences_never_panic(
        picks in proptest::collection::vec(0..FRAGMENTS.len(), 0..60)
    ) {
        let source: String = picks.iter().map(|&i| FRAGMENTS[i]).collect::<Vec<_>>().join(" ");
        if let Ok(run) = evaluate(&source, "fuzz.py", &ScriptOptions::default()) {
            let _ = run.figures();
        }
    }

    #[test]
    fn every_error_names_the_file_and_a_line(
        picks in proptest::collection::vec(0..FRAGMENTS.len(), 1..30)
    ) {
        let source: String = picks.iter().map(|&i| FRAGMENTS[i]).collect();
        if let Err(Error::Script(message)) = evaluate(&source, "fuzz.py", &ScriptOptions::default()) {
            prop_assert!(message.starts_with("fuzz.py:"), "{}", message);
            let place: Vec<&str> = message.splitn(4, ':').collect();
            prop_assert!(place.len() == 4 && place[1].parse::<usize>().is_ok() && place[2].parse::<usize>().is_ok(), "{}", message);
            prop_assert!(message.contains('^'), "{}", message);
        }
    }
}
