//! The operations a value can be made by, with micrograd's forward and backward rules.
//!
//! Every rule is written exactly as micrograd's `engine.py` (and the lecture's `tanh` and
//! `exp`) computes it, down to the grouping of the products, so results agree with Python
//! to the last bit rather than to a tolerance.

use std::fmt;

/// The exponent of a `**k` node, remembering whether it was written as an integer:
/// Python prints `x**2` and `x**2.0` differently, and micrograd's op text is that print.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Exponent {
    /// The exponent's value.
    pub value: f64,
    /// True when the exponent was an integer (`2`, `-1`), false for a float (`2.0`, `0.5`).
    pub integer: bool,
}

impl Exponent {
    /// An integer exponent, printed without a decimal point.
    pub fn int(value: i64) -> Self {
        Exponent {
            value: value as f64,
            integer: true,
        }
    }

    /// A float exponent, printed as Python prints a float.
    pub fn float(value: f64) -> Self {
        Exponent {
            value,
            integer: false,
        }
    }
}

impl From<i32> for Exponent {
    fn from(value: i32) -> Self {
        Exponent::int(value.into())
    }
}

impl From<i64> for Exponent {
    fn from(value: i64) -> Self {
        Exponent::int(value)
    }
}

impl From<f64> for Exponent {
    fn from(value: f64) -> Self {
        Exponent::float(value)
    }
}

impl fmt::Display for Exponent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.integer && self.value.is_finite() {
            write!(f, "{:.0}", self.value)
        } else {
            f.write_str(&python_float_repr(self.value))
        }
    }
}

/// How a value was computed. `Leaf` values were created directly.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Op {
    /// A value created directly (`Value(2.0)` or a plain number in an expression).
    Leaf,
    /// `a + b`.
    Add,
    /// `a * b`.
    Mul,
    /// `a ** k` for a numeric constant `k`.
    Pow(Exponent),
    /// micrograd's `relu()`, drawn as `ReLU`.
    Relu,
    /// The lecture's `tanh()`.
    Tanh,
    /// The lecture's `exp()`.
    Exp,
    /// Natural logarithm (a gradviz extension).
    Log,
    /// Logistic sigmoid (a gradviz extension).
    Sigmoid,
}

impl Op {
    /// How many operands the op takes.
    pub fn arity(self) -> usize {
        match self {
            Op::Leaf => 0,
            Op::Add | Op::Mul => 2,
            _ => 1,
        }
    }

    /// Parses op-node text (`+`, `*`, `**2`, `ReLU`, …) back into an op; `""` is a leaf.
    pub fn parse(text: &str) -> Option<Op> {
        Some(match text {
            "" => Op::Leaf,
            "+" => Op::Add,
            "*" => Op::Mul,
            "ReLU" => Op::Relu,
            "tanh" => Op::Tanh,
            "exp" => Op::Exp,
            "log" => Op::Log,
            "sigmoid" => Op::Sigmoid,
            _ => Op::Pow(parse_exponent(text.strip_prefix("**")?)?),
        })
    }

    /// The forward rule: the result's data from the operands' data.
    pub fn forward(self, a: f64, b: f64) -> f64 {
        match self {
            Op::Leaf => a,
            Op::Add => a + b,
            Op::Mul => a * b,
            Op::Pow(k) => a.powf(k.value),
            Op::Relu => {
                if a < 0.0 {
                    0.0
                } else {
                    a
                }
            }
            Op::Tanh => tanh(a),
            Op::Exp => a.exp(),
            Op::Log => a.ln(),
            Op::Sigmoid => 1.0 / (1.0 + (-a).exp()),
        }
    }

    /// The backward rule: what each operand's grad gains, given the operands' data and the
    /// result's data and grad.
    pub fn backward(self, a: f64, b: f64, out: f64, out_grad: f64) -> (f64, f64) {
        match self {
            Op::Leaf => (0.0, 0.0),
            Op::Add => (out_grad, out_grad),
            Op::Mul => (b * out_grad, a * out_grad),
            Op::Pow(k) => ((k.value * a.powf(k.value - 1.0)) * out_grad, 0.0),
            Op::Relu => (f64::from(u8::from(out > 0.0)) * out_grad, 0.0),
            Op::Tanh => ((1.0 - out * out) * out_grad, 0.0),
            Op::Exp => (out * out_grad, 0.0),
            Op::Log => ((1.0 / a) * out_grad, 0.0),
            Op::Sigmoid => ((out * (1.0 - out)) * out_grad, 0.0),
        }
    }
}

impl Op {
    /// The op's text without its exponent: `**` for every power.
    pub fn name(self) -> &'static str {
        match self {
            Op::Leaf => "",
            Op::Add => "+",
            Op::Mul => "*",
            Op::Pow(_) => "**",
            Op::Relu => "ReLU",
            Op::Tanh => "tanh",
            Op::Exp => "exp",
            Op::Log => "log",
            Op::Sigmoid => "sigmoid",
        }
    }
}

impl fmt::Display for Op {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Op::Pow(k) => write!(f, "**{k}"),
            op => f.write_str(op.name()),
        }
    }
}

/// The lecture's `tanh`: `(exp(2x) - 1) / (exp(2x) + 1)`, which is not always bit-equal to
/// `f64::tanh`. Where `exp` of a finite `2x` overflows, Python raises; we give the limit, 1.
/// Where `2x` is already infinite, Python's formula gives `inf / inf`, NaN, and so do we.
fn tanh(x: f64) -> f64 {
    let twice = 2.0 * x;
    let e = twice.exp();
    if e.is_infinite() && twice.is_finite() {
        1.0
    } else {
        (e - 1.0) / (e + 1.0)
    }
}

fn parse_exponent(text: &str) -> Option<Exponent> {
    let integer = !text.contains(['.', 'e', 'E', 'n', 'i']);
    let value: f64 = match text {
        "inf" => f64::INFINITY,
        "-inf" => f64::NEG_INFINITY,
        "nan" => f64::NAN,
        _ => text.parse().ok()?,
    };
    Some(Exponent { value, integer })
}

/// Formats a float as Python's `repr` does: the shortest round-trip digits, scientific
/// notation below 1e-4 and from 1e16 on, and always a `.0` or exponent so it reads as a float.
///
/// The digits are `zmij`'s (the JSON writer's): where two shortest strings are as close to
/// the value (`640845493178531.25`), it takes the even one, as Python's `repr` does; Rust's
/// own shortest `Display` takes the larger (`…531.3` where Python prints `…531.2`).
pub fn python_float_repr(x: f64) -> String {
    if x.is_nan() {
        return "nan".into();
    }
    if x.is_infinite() {
        return if x > 0.0 { "inf" } else { "-inf" }.into();
    }
    if x == 0.0 {
        return if x.is_sign_negative() { "-0.0" } else { "0.0" }.into();
    }
    let (digits, exp) = shortest_digits(x.abs());
    let mut out = String::with_capacity(digits.len() + 8);
    if x < 0.0 {
        out.push('-');
    }
    let (first, rest) = digits.split_at(1);
    match exp {
        0..=15 => {
            let point = exp as usize + 1;
            if digits.len() <= point {
                out.push_str(&digits);
                out.extend(std::iter::repeat_n('0', point - digits.len()));
                out.push_str(".0");
            } else {
                out.push_str(&digits[..point]);
                out.push('.');
                out.push_str(&digits[point..]);
            }
        }
        -4..=-1 => {
            out.push_str("0.");
            out.extend(std::iter::repeat_n('0', (-exp - 1) as usize));
            out.push_str(&digits);
        }
        _ => {
            out.push_str(first);
            if !rest.is_empty() {
                out.push('.');
                out.push_str(rest);
            }
            let sign = if exp < 0 { '-' } else { '+' };
            out.push_str(&format!("e{sign}{:02}", exp.abs()));
        }
    }
    out
}

/// The shortest round-trip digits of a finite positive `x`, without leading or trailing
/// zeros, and the power of ten of the first: `x = d.ddd × 10^exp`.
fn shortest_digits(x: f64) -> (String, i32) {
    let mut buffer = zmij::Buffer::new();
    let text = buffer.format_finite(x);
    let (mantissa, power) = match text.split_once(['e', 'E']) {
        Some((mantissa, power)) => (mantissa, power.parse::<i32>().unwrap_or(0)),
        None => (text, 0),
    };
    let (whole, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let all: String = whole.chars().chain(fraction.chars()).collect();
    let leading = all.len() - all.trim_start_matches('0').len();
    let digits = all.trim_matches('0').to_string();
    let exp = whole.len() as i32 - 1 - leading as i32 + power;
    (digits, exp)
}

/// Formats a finite float as Python's `format(x, '.{precision}e')`: Rust's digits (rounded
/// half to even on the exact value, as Python's), with Python's exponent, a sign and two
/// digits at least (`1.23e+02`).
pub fn python_exponent_format(x: f64, precision: usize) -> String {
    if !x.is_finite() {
        return python_float_repr(x);
    }
    let rust = format!("{x:.precision$e}");
    let (mantissa, power) = rust.split_once('e').expect("`{:e}` always has an exponent");
    let (sign, digits) = match power.strip_prefix('-') {
        Some(digits) => ('-', digits),
        None => ('+', power),
    };
    format!("{mantissa}e{sign}{digits:0>2}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_print_as_python_prints_them() {
        let cases = [
            (2.0, "2.0"),
            (0.5, "0.5"),
            (-1.0, "-1.0"),
            (1e-3, "0.001"),
            (1e-5, "1e-05"),
            (1.5e-7, "1.5e-07"),
            (1e16, "1e+16"),
            (123456789012345.0, "123456789012345.0"),
            (0.1 + 0.2, "0.30000000000000004"),
            (6.881_373_587_019_543, "6.881373587019543"),
            (640_845_493_178_531.0 + 0.25, "640845493178531.2"),
            (1e22, "1e+22"),
            (-1.234_5e-300, "-1.2345e-300"),
            (5e-324, "5e-324"),
            (f64::MAX, "1.7976931348623157e+308"),
            (1234.5e10, "12345000000000.0"),
        ];
        for (x, want) in cases {
            assert_eq!(python_float_repr(x), want, "{x:e}");
        }
    }

    /// What Python computes for the lecture's formula: `math.exp(inf)` is `inf`, so
    /// `tanh(inf)` is `inf / inf`; `math.exp(800.0)` raises, where we give the limit.
    #[test]
    fn tanh_at_the_extremes() {
        assert!(Op::Tanh.forward(f64::INFINITY, 0.0).is_nan());
        assert!(Op::Tanh.forward(1e308, 0.0).is_nan());
        assert_eq!(Op::Tanh.forward(400.0, 0.0), 1.0);
        assert_eq!(Op::Tanh.forward(f64::NEG_INFINITY, 0.0), -1.0);
    }

    #[test]
    fn op_text_round_trips() {
        for op in [
            Op::Add,
            Op::Mul,
            Op::Pow(Exponent::int(2)),
            Op::Pow(Exponent::int(-1)),
            Op::Pow(Exponent::float(0.5)),
            Op::Pow(Exponent::float(2.0)),
            Op::Relu,
            Op::Tanh,
            Op::Exp,
            Op::Log,
            Op::Sigmoid,
        ] {
            assert_eq!(Op::parse(&op.to_string()), Some(op));
        }
        assert_eq!(Op::Pow(Exponent::float(2.0)).to_string(), "**2.0");
        assert_eq!(Op::Pow(Exponent::int(-1)).to_string(), "**-1");
    }
}
