//! Plain numbers with Python's semantics: `int` and `float` stay apart (`2 * 3` is the int 6,
//! `1 / 2` is the float 0.5, `2 ** -1` is 0.5, `2 ** 3` is the int 8), and the operations
//! that raise in Python fail here with Python's message.
//!
//! Python's ints are unbounded; gradviz keeps them in 128 bits and reports an overflow as
//! an error rather than guessing. Where Python would turn `x ** y` into a complex number,
//! gradviz reports an error too: its values are real.

use std::fmt;

/// A Python `int` or `float`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Num {
    Int(i128),
    Float(f64),
}

/// Why an operation on numbers fails, worded as Python words it.
pub(crate) type NumResult = Result<Num, String>;

const INT_OVERFLOW: &str = "integer result too large (gradviz integers are 128-bit)";

impl Num {
    /// The number as a float, rounded to nearest as Python's `float(int)` does.
    pub fn to_f64(self) -> f64 {
        match self {
            Num::Int(i) => i as f64,
            Num::Float(x) => x,
        }
    }

    pub fn neg(self) -> NumResult {
        match self {
            Num::Int(i) => i.checked_neg().map(Num::Int).ok_or_else(overflow),
            Num::Float(x) => Ok(Num::Float(-x)),
        }
    }

    pub fn add(self, other: Num) -> NumResult {
        self.arith(other, i128::checked_add, |a, b| a + b)
    }

    pub fn sub(self, other: Num) -> NumResult {
        self.arith(other, i128::checked_sub, |a, b| a - b)
    }

    pub fn mul(self, other: Num) -> NumResult {
        self.arith(other, i128::checked_mul, |a, b| a * b)
    }

    fn arith(
        self,
        other: Num,
        int_op: fn(i128, i128) -> Option<i128>,
        float_op: fn(f64, f64) -> f64,
    ) -> NumResult {
        match (self, other) {
            (Num::Int(a), Num::Int(b)) => int_op(a, b).map(Num::Int).ok_or_else(overflow),
            _ => Ok(Num::Float(float_op(self.to_f64(), other.to_f64()))),
        }
    }

    /// True division, always a float. For ints Python divides exactly and rounds once;
    /// both operands below 2**53 convert exactly, so one float division is the same.
    pub fn div(self, other: Num) -> NumResult {
        match (self, other) {
            (Num::Int(_), Num::Int(0)) => Err("division by zero".into()),
            (_, divisor) if divisor.to_f64() == 0.0 => Err("float division by zero".into()),
            _ => Ok(Num::Float(self.to_f64() / other.to_f64())),
        }
    }

    /// `self ** other`: exact for an int to a non-negative int power, otherwise Python's
    /// float power.
    pub fn pow(self, other: Num) -> NumResult {
        match (self, other) {
            (Num::Int(base), Num::Int(exp)) if exp >= 0 => int_pow(base, exp),
            _ => float_pow(self.to_f64(), other.to_f64()).map(Num::Float),
        }
    }
}

impl fmt::Display for Num {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Num::Int(i) => write!(f, "{i}"),
            Num::Float(x) => f.write_str(&crate::engine::python_float_repr(*x)),
        }
    }
}

fn overflow() -> String {
    INT_OVERFLOW.into()
}

fn int_pow(base: i128, exp: i128) -> NumResult {
    match base {
        0 | 1 => Ok(Num::Int(if exp == 0 { 1 } else { base })),
        -1 => Ok(Num::Int(if exp % 2 == 0 { 1 } else { -1 })),
        _ => u32::try_from(exp)
            .ok()
            .and_then(|e| base.checked_pow(e))
            .map(Num::Int)
            .ok_or_else(overflow),
    }
}

/// Python's `float ** float`: `pow()` from the C library, with the cases Python refuses.
pub(crate) fn float_pow(base: f64, exp: f64) -> Result<f64, String> {
    check_float_pow(base, exp)?;
    Ok(base.powf(exp))
}

/// The errors Python's `float.__pow__` raises (or the complex result it returns) for
/// `base ** exp`, checked without computing anything else.
pub(crate) fn check_float_pow(base: f64, exp: f64) -> Result<(), String> {
    if !exp.is_finite() || !base.is_finite() || exp == 0.0 {
        return Ok(());
    }
    if base == 0.0 && exp < 0.0 {
        return Err("0.0 cannot be raised to a negative power".into());
    }
    if base < 0.0 && exp != exp.floor() {
        return Err(format!(
            "{} ** {} is a complex number in Python; gradviz values are real",
            Num::Float(base),
            Num::Float(exp)
        ));
    }
    if base.powf(exp).is_infinite() {
        return Err("numerical result out of range (Python raises OverflowError)".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ints_stay_ints_and_division_gives_floats() {
        assert_eq!(Num::Int(2).mul(Num::Int(3)), Ok(Num::Int(6)));
        assert_eq!(Num::Int(1).div(Num::Int(2)), Ok(Num::Float(0.5)));
        assert_eq!(Num::Int(2).pow(Num::Int(-1)), Ok(Num::Float(0.5)));
        assert_eq!(Num::Int(2).pow(Num::Int(3)), Ok(Num::Int(8)));
        assert_eq!(Num::Int(2).add(Num::Float(0.5)), Ok(Num::Float(2.5)));
        assert_eq!(Num::Int(0).neg(), Ok(Num::Int(0)));
    }

    #[test]
    fn python_errors_are_errors() {
        assert_eq!(Num::Int(1).div(Num::Int(0)), Err("division by zero".into()));
        assert!(Num::Int(0).pow(Num::Int(-1)).is_err());
        assert!(Num::Float(-8.0).pow(Num::Float(0.5)).is_err());
        assert!(Num::Float(10.0).pow(Num::Int(400)).is_err());
        assert!(Num::Int(10).pow(Num::Int(40)).is_err());
        assert_eq!(Num::Int(-8).pow(Num::Float(2.0)), Ok(Num::Float(64.0)));
    }
}
