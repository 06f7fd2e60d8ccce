//! [`Value`], the `Copy` handle to a node, and its operators, decomposed as micrograd does.
//!
//! micrograd builds `-a`, `a - b` and `a / b` out of `*`, `+` and `**`, and turns a plain
//! number on either side into a new leaf. The operators here create exactly the same nodes
//! in the same order, so node counts, op texts and rounding all match Python.

use std::fmt;
use std::ops::{Add, Div, Mul, Neg, Sub};
use std::rc::Rc;

use super::{Exponent, Graph, NodeId, Op};

/// A handle to one value on a [`Graph`]: cheap to copy, and the operand of every operator.
#[derive(Clone, Copy)]
pub struct Value<'g> {
    graph: &'g Graph,
    id: NodeId,
}

impl<'g> Value<'g> {
    pub(super) fn new(graph: &'g Graph, id: NodeId) -> Self {
        Value { graph, id }
    }

    /// The node's id on its graph's tape.
    pub fn id(self) -> NodeId {
        self.id
    }

    /// The graph this value lives on.
    pub fn graph(self) -> &'g Graph {
        self.graph
    }

    /// The value's data.
    pub fn data(self) -> f64 {
        self.graph.data(self.id)
    }

    /// The value's grad.
    pub fn grad(self) -> f64 {
        self.graph.grad(self.id)
    }

    /// The op that made this value.
    pub fn op(self) -> Op {
        self.graph.op(self.id)
    }

    /// The value's label, if any.
    pub fn label(self) -> Option<Rc<str>> {
        self.graph.label(self.id)
    }

    /// Sets the label (`v.label = '…'` in micrograd) and returns the value, for chaining.
    pub fn with_label(self, label: &str) -> Self {
        self.graph.set_label(self.id, Some(label));
        self
    }

    /// Replaces the data without recomputing anything, as `v.data = x` does in Python.
    pub fn set_data(self, data: f64) {
        self.graph.set_data(self.id, data);
    }

    /// Replaces the grad.
    pub fn set_grad(self, grad: f64) {
        self.graph.set_grad(self.id, grad);
    }

    /// `self ** k` for a numeric exponent.
    pub fn pow(self, k: impl Into<Exponent>) -> Self {
        self.unary(Op::Pow(k.into()))
    }

    /// The lecture's `tanh`.
    pub fn tanh(self) -> Self {
        self.unary(Op::Tanh)
    }

    /// The lecture's `exp`.
    pub fn exp(self) -> Self {
        self.unary(Op::Exp)
    }

    /// micrograd's `relu`, drawn as `ReLU`.
    pub fn relu(self) -> Self {
        self.unary(Op::Relu)
    }

    /// Natural logarithm.
    pub fn log(self) -> Self {
        self.unary(Op::Log)
    }

    /// Logistic sigmoid.
    pub fn sigmoid(self) -> Self {
        self.unary(Op::Sigmoid)
    }

    /// Backpropagates from this value; see [`Graph::backward`].
    pub fn backward(self) {
        self.graph.backward(self.id);
    }

    /// A new leaf on the same graph, for a plain number used as an operand.
    fn constant(self, data: f64) -> Self {
        self.graph.leaf(data)
    }

    fn unary(self, op: Op) -> Self {
        self.graph.apply(op, &[self.id])
    }

    fn binary(self, op: Op, other: Value<'g>) -> Self {
        assert!(
            std::ptr::eq(self.graph, other.graph),
            "values from different graphs cannot be combined"
        );
        self.graph.apply(op, &[self.id, other.id])
    }
}

impl fmt::Debug for Value<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Value(data={}, grad={})", self.data(), self.grad())
    }
}

impl<'g> Add for Value<'g> {
    type Output = Value<'g>;
    fn add(self, other: Value<'g>) -> Value<'g> {
        self.binary(Op::Add, other)
    }
}

impl<'g> Add<f64> for Value<'g> {
    type Output = Value<'g>;
    fn add(self, other: f64) -> Value<'g> {
        self + self.constant(other)
    }
}

/// `n + v` is `v + n` (micrograd's `__radd__`).
impl<'g> Add<Value<'g>> for f64 {
    type Output = Value<'g>;
    fn add(self, v: Value<'g>) -> Value<'g> {
        v + self
    }
}

impl<'g> Mul for Value<'g> {
    type Output = Value<'g>;
    fn mul(self, other: Value<'g>) -> Value<'g> {
        self.binary(Op::Mul, other)
    }
}

impl<'g> Mul<f64> for Value<'g> {
    type Output = Value<'g>;
    fn mul(self, other: f64) -> Value<'g> {
        self * self.constant(other)
    }
}

/// `n * v` is `v * n` (micrograd's `__rmul__`).
impl<'g> Mul<Value<'g>> for f64 {
    type Output = Value<'g>;
    fn mul(self, v: Value<'g>) -> Value<'g> {
        v * self
    }
}

/// `-v` is `v * -1`.
impl<'g> Neg for Value<'g> {
    type Output = Value<'g>;
    fn neg(self) -> Value<'g> {
        self * -1.0
    }
}

/// `a - b` is `a + (-b)`.
impl<'g> Sub for Value<'g> {
    type Output = Value<'g>;
    fn sub(self, other: Value<'g>) -> Value<'g> {
        self + -other
    }
}

/// `v - n` is `v + (-n)`: the new leaf holds `-n`.
impl<'g> Sub<f64> for Value<'g> {
    type Output = Value<'g>;
    fn sub(self, other: f64) -> Value<'g> {
        self + -other
    }
}

/// `n - v` is `(-v) + n` (micrograd's `__rsub__`).
impl<'g> Sub<Value<'g>> for f64 {
    type Output = Value<'g>;
    fn sub(self, v: Value<'g>) -> Value<'g> {
        -v + self
    }
}

/// `a / b` is `a * b**-1`.
impl<'g> Div for Value<'g> {
    type Output = Value<'g>;
    fn div(self, other: Value<'g>) -> Value<'g> {
        self * other.pow(-1)
    }
}

/// `v / n` is `v * n**-1`: the new leaf holds `n**-1`, computed with `pow` as Python does.
impl<'g> Div<f64> for Value<'g> {
    type Output = Value<'g>;
    fn div(self, other: f64) -> Value<'g> {
        self * other.powf(-1.0)
    }
}

/// `n / v` is `v**-1 * n` (micrograd's `__rtruediv__`).
impl<'g> Div<Value<'g>> for f64 {
    type Output = Value<'g>;
    fn div(self, v: Value<'g>) -> Value<'g> {
        v.pow(-1) * self
    }
}
