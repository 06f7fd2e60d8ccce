//! Data and grad as Python's `'%.{precision}f' % x` writes them ([`format_number`]).
//!
//! Rust's `{:.precision$}` gives the same text (both round the exact binary value half to
//! even), but a figure formats two numbers per value and std's exact mode (Grisu with a
//! Dragon fallback) was a sixth of a 400k-value figure's time. The common case, a finite
//! number below 2^53 with at most [`MAX_FAST_PRECISION`] digits, is computed here exactly
//! in integers; the rest goes to std. `tests/dot_writer.rs` checks both paths agree.

use std::fmt;

/// The most digits the integer path handles: the scaled mantissa, below 2^53 · 10^17 <
/// 2^110, fits a `u128`.
const MAX_FAST_PRECISION: usize = 17;

/// 10^p for each precision the integer path handles.
const POWERS_OF_TEN: [u64; MAX_FAST_PRECISION + 1] = {
    let mut powers = [1u64; MAX_FAST_PRECISION + 1];
    let mut p = 1;
    while p <= MAX_FAST_PRECISION {
        powers[p] = powers[p - 1] * 10;
        p += 1;
    }
    powers
};

/// `x` as Python's `'%.{precision}f' % x`: `nan`, `inf`, `-inf` for non-finite numbers,
/// `-0.0000` for negative zero and for negative numbers that round to zero.
pub fn format_number(x: f64, precision: usize) -> String {
    let mut text = String::new();
    push_number(&mut text, x, precision);
    text
}

/// [`format_number`] appended to `out`: the rounded digits written once with itoa, the
/// point put in among them (after a `0` and zeros for a number below 1), or std's
/// formatting off the fast path.
pub(crate) fn push_number(out: &mut String, x: f64, precision: usize) {
    let Some(digits) = fixed(x, precision) else {
        use fmt::Write;
        let _ = write!(out, "{}", StdNumber(x, precision));
        return;
    };
    if x.is_sign_negative() {
        out.push('-');
    }
    let mut buffer = itoa::Buffer::new();
    let digits = buffer.format(digits);
    if precision == 0 {
        out.push_str(digits);
    } else if digits.len() > precision {
        let (integer, decimals) = digits.split_at(digits.len() - precision);
        out.push_str(integer);
        out.push('.');
        out.push_str(decimals);
    } else {
        out.push_str("0.");
        for _ in digits.len()..precision {
            out.push('0');
        }
        out.push_str(digits);
    }
}

/// The general path, std's formatting.
struct StdNumber(f64, usize);

impl fmt::Display for StdNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let StdNumber(x, precision) = *self;
        if x.is_nan() {
            f.write_str("nan")
        } else if x.is_infinite() {
            f.write_str(if x > 0.0 { "inf" } else { "-inf" })
        } else {
            write!(f, "{x:.precision$}")
        }
    }
}

/// |x| · 10^precision rounded to an integer, half to even, when `x` is finite with
/// |x| < 2^53, `precision` ≤ [`MAX_FAST_PRECISION`] and the result fits a `u64`; `None`
/// otherwise.
///
/// |x| = m · 2^-k exactly (m < 2^53), so |x| · 10^p = m · 10^p / 2^k: the integer quotient
/// and remainder give the digits and the rounding, ties to even, with no error anywhere.
fn fixed(x: f64, precision: usize) -> Option<u64> {
    if !x.is_finite() || precision > MAX_FAST_PRECISION {
        return None;
    }
    let bits = x.to_bits();
    let biased_exponent = ((bits >> 52) & 0x7ff) as i32;
    let fraction = bits & ((1 << 52) - 1);
    let (mantissa, exponent) = if biased_exponent == 0 {
        (fraction, -1074)
    } else {
        (fraction | (1 << 52), biased_exponent - 1075)
    };
    if exponent > 0 {
        return None;
    }
    let shift = exponent.unsigned_abs();
    let scaled = u128::from(mantissa) * u128::from(POWERS_OF_TEN[precision]);
    let digits = if shift >= 128 {
        // scaled < 2^110 ≤ 2^(shift - 1): less than half a unit, so it rounds to 0.
        0
    } else {
        let quotient = scaled >> shift;
        let remainder = scaled - (quotient << shift);
        let round_up = shift > 0 && {
            let half = 1u128 << (shift - 1);
            remainder > half || (remainder == half && quotient % 2 == 1)
        };
        quotient + u128::from(round_up)
    };
    // Beyond u64 (large numbers with many digits) std's formatting is fast enough.
    u64::try_from(digits).ok()
}
