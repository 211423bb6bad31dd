//! Per-element semantics of the math ops where integers and floats differ, as TensorFlow's CPU
//! kernels define them: integer arithmetic wraps; integer division truncates (`Div`) or floors
//! (`FloorDiv`), and the kernels reject zero divisors before computing; `Maximum`/`Minimum`
//! propagate NaN; f16/bf16 are computed through f32 and rounded once per TensorFlow operation.

use super::fast_f32;
use crate::kernels::numeric::{FloatElement, Numeric};
use half::{bf16, f16};
use sessionflow_core::{Result, Status};

/// What the math kernels need of a numeric element type.
pub(crate) trait MathElement: Numeric {
    /// `Div`: truncating for integers, IEEE division for floats. A zero integer divisor gives
    /// 0 here; kernels reject it first with [`MathElement::check_divisors`].
    fn tf_div(self, d: Self) -> Self;
    /// `FloorDiv`: the quotient rounded towards −∞.
    fn tf_floor_div(self, d: Self) -> Self;
    /// `FloorMod`: the remainder of [`MathElement::tf_floor_div`], with the divisor's sign.
    fn tf_floor_mod(self, d: Self) -> Self;
    /// `Pow`. Integers: by squaring, wrapping; kernels reject negative exponents first.
    fn tf_pow(self, e: Self) -> Self;
    /// `Maximum`: NaN if either is NaN; `self` on ties (so `max(0, -0) = 0`).
    fn tf_max(self, o: Self) -> Self;
    /// `Minimum`: NaN if either is NaN; `self` on ties.
    fn tf_min(self, o: Self) -> Self;
    /// `Neg` (wrapping for integers).
    fn tf_neg(self) -> Self;
    /// `Abs` (wrapping for integers: `abs(MIN) = MIN`).
    fn tf_abs(self) -> Self;
    /// `Sign`: −1, 0 or 1 (+0 for ±0; NaN for NaN).
    fn tf_sign(self) -> Self;
    /// `Round`: to nearest, ties to even; integers are unchanged.
    fn tf_round(self) -> Self;
    /// InvalidArgument if a divisor is zero (integers only).
    fn check_divisors(d: &[Self]) -> Result<()>;
    /// InvalidArgument if an exponent is negative (integers only).
    fn check_exponents(e: &[Self]) -> Result<()>;
}

/// A float computed in type `C` (f32 for f16/bf16, as TensorFlow's CPU kernels do).
pub(crate) trait FloatMath: FloatElement + MathElement {
    type C: Compute;
    fn to_c(self) -> Self::C;
    fn from_c(c: Self::C) -> Self;
}

/// The types floats are computed in (f32, f64): `num_traits::Float` plus what std lacks.
pub(crate) trait Compute: num_traits::Float + Send + Sync + 'static {
    /// Round to nearest, ties to even.
    fn round_even(self) -> Self;
    /// The error function: for f32 a vectorisable version within 1 ulp, for f64 `libm`'s (a
    /// port of musl's, within 1 ulp).
    fn erf(self) -> Self;
    /// eˣ; for f32 a vectorisable version ([`super::fast_f32`]), else the C library's.
    fn exp_fast(self) -> Self {
        self.exp()
    }
    /// tanh x; for f32 a vectorisable version, else the C library's.
    fn tanh_fast(self) -> Self {
        self.tanh()
    }
    /// The logistic function `1 / (1 + e^-x)`, without overflow for large |x|.
    fn sigmoid(self) -> Self {
        // e^-|x| lies in (0, 1], so nothing overflows; sigmoid(-|x|) = e^-|x| · sigmoid(|x|)
        // keeps full relative precision for very negative x, where 1 - sigmoid(|x|) would not.
        let e = (-self.abs()).exp();
        let s = (Self::one() + e).recip();
        if self >= Self::zero() { s } else { e * s }
    }
}

impl Compute for f32 {
    fn round_even(self) -> f32 {
        self.round_ties_even()
    }
    #[inline(always)]
    fn erf(self) -> f32 {
        fast_f32::erf(self)
    }
    #[inline(always)]
    fn exp_fast(self) -> f32 {
        fast_f32::exp(self)
    }
    #[inline(always)]
    fn tanh_fast(self) -> f32 {
        fast_f32::tanh(self)
    }
    #[inline(always)]
    fn sigmoid(self) -> f32 {
        fast_f32::sigmoid(self)
    }
}

impl Compute for f64 {
    fn round_even(self) -> f64 {
        self.round_ties_even()
    }
    fn erf(self) -> f64 {
        libm::erf(self)
    }
}

fn division_by_zero() -> Status {
    Status::invalid_argument("Integer division by zero")
}

macro_rules! int_math {
    ($($t:ty, signed: $signed:expr);* $(;)?) => {$(
        impl MathElement for $t {
            #[inline]
            fn tf_div(self, d: Self) -> Self {
                // wrapping_div: MIN / -1 overflows to MIN, as TensorFlow's safe division.
                if d == 0 { 0 } else { self.wrapping_div(d) }
            }
            #[inline]
            fn tf_floor_div(self, d: Self) -> Self {
                if d == 0 {
                    return 0;
                }
                let q = self.wrapping_div(d);
                let r = self.wrapping_rem(d);
                // Signs differ and the division was inexact: truncation went up by one.
                if $signed && r != 0 && ((r as i64) < 0) != ((d as i64) < 0) { q.wrapping_sub(1) } else { q }
            }
            #[inline]
            fn tf_floor_mod(self, d: Self) -> Self {
                if d == 0 {
                    return 0;
                }
                let r = self.wrapping_rem(d);
                if $signed && r != 0 && ((r as i64) < 0) != ((d as i64) < 0) { r.wrapping_add(d) } else { r }
            }
            #[inline]
            fn tf_pow(self, e: Self) -> Self {
                // Square-and-multiply over the exponent's bits; wrapping products are exact
                // modulo 2^bits, as TensorFlow's integer power.
                let (mut base, mut e, mut acc) = (self, e as u64, 1 as $t);
                while e != 0 {
                    if e & 1 == 1 {
                        acc = acc.wrapping_mul(base);
                    }
                    base = base.wrapping_mul(base);
                    e >>= 1;
                }
                acc
            }
            #[inline]
            fn tf_max(self, o: Self) -> Self { if o > self { o } else { self } }
            #[inline]
            fn tf_min(self, o: Self) -> Self { if o < self { o } else { self } }
            #[inline]
            fn tf_neg(self) -> Self { self.wrapping_neg() }
            #[inline]
            fn tf_abs(self) -> Self { if $signed && (self as i64) < 0 { self.wrapping_neg() } else { self } }
            #[inline]
            fn tf_sign(self) -> Self {
                if self == 0 { 0 } else if $signed && (self as i64) < 0 { (0 as $t).wrapping_sub(1) } else { 1 }
            }
            #[inline]
            fn tf_round(self) -> Self { self }
            fn check_divisors(d: &[Self]) -> Result<()> {
                if d.contains(&0) { Err(division_by_zero()) } else { Ok(()) }
            }
            fn check_exponents(e: &[Self]) -> Result<()> {
                if $signed && e.iter().any(|&v| (v as i64) < 0) {
                    Err(Status::invalid_argument("Integers to negative integer powers are not allowed"))
                } else {
                    Ok(())
                }
            }
        }
    )*};
}

int_math!(i8, signed: true; i16, signed: true; i32, signed: true; i64, signed: true; u8, signed: false);

macro_rules! float_math {
    ($($t:ty => $c:ty, $to:expr, $from:expr);* $(;)?) => {$(
        impl FloatMath for $t {
            type C = $c;
            #[inline]
            fn to_c(self) -> $c { $to(self) }
            #[inline]
            fn from_c(c: $c) -> Self { $from(c) }
        }

        impl MathElement for $t {
            // Arithmetic in the element type itself: for f16/bf16 `half` computes each
            // operation in f32 and rounds, as Eigen's half types do.
            #[inline]
            fn tf_div(self, d: Self) -> Self { self / d }
            #[inline]
            fn tf_floor_div(self, d: Self) -> Self { num_traits::Float::floor(self / d) }
            #[inline]
            fn tf_floor_mod(self, d: Self) -> Self {
                // fmod has the dividend's sign; shift by one divisor when that differs from
                // the divisor's. ±0 and NaN pass through (so -0 % 3 = -0, inf % 2 = NaN).
                let r = self % d;
                let zero = <$t as Numeric>::ZERO;
                if r != zero && ((d < zero) != (r < zero)) { r + d } else { r }
            }
            #[inline]
            fn tf_pow(self, e: Self) -> Self { Self::from_c(self.to_c().powf(e.to_c())) }
            #[inline]
            fn tf_max(self, o: Self) -> Self { if o > self || o.is_nan() { o } else { self } }
            #[inline]
            fn tf_min(self, o: Self) -> Self { if o < self || o.is_nan() { o } else { self } }
            #[inline]
            fn tf_neg(self) -> Self { -self }
            #[inline]
            fn tf_abs(self) -> Self { num_traits::Float::abs(self) }
            #[inline]
            fn tf_sign(self) -> Self {
                let zero = <$t as Numeric>::ZERO;
                if self > zero {
                    <$t as Numeric>::ONE
                } else if self < zero {
                    -<$t as Numeric>::ONE
                } else if self.is_nan() {
                    self
                } else {
                    zero
                }
            }
            #[inline]
            fn tf_round(self) -> Self { Self::from_c(Compute::round_even(self.to_c())) }
            fn check_divisors(_: &[Self]) -> Result<()> { Ok(()) }
            fn check_exponents(_: &[Self]) -> Result<()> { Ok(()) }
        }
    )*};
}

float_math! {
    f32 => f32, |x| x, |c| c;
    f64 => f64, |x| x, |c| c;
    f16 => f32, f16::to_f32, f16::from_f32;
    bf16 => f32, bf16::to_f32, bf16::from_f32;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integer_division_rounds_as_tensorflow() {
        // (7, -7) by (2, -2): truncation gives 3 -3 -3 3; floor gives 3 -4 -4 3.
        let cases = [(7i32, 2i32), (-7, 2), (7, -2), (-7, -2)];
        let trunc: Vec<i32> = cases.iter().map(|&(a, b)| a.tf_div(b)).collect();
        let floor: Vec<i32> = cases.iter().map(|&(a, b)| a.tf_floor_div(b)).collect();
        let modulo: Vec<i32> = cases.iter().map(|&(a, b)| a.tf_floor_mod(b)).collect();
        assert_eq!(trunc, [3, -3, -3, 3]);
        assert_eq!(floor, [3, -4, -4, 3]);
        assert_eq!(modulo, [1, 1, -1, -1]);
        assert_eq!(i8::MIN.tf_floor_div(-1), i8::MIN);
        assert_eq!(i8::MIN.tf_floor_mod(-1), 0);
        assert_eq!(250u8.tf_floor_div(7), 35);
        assert_eq!(1i32.tf_div(0), 0, "a zero divisor does not panic");
    }

    #[test]
    fn integer_power_wraps() {
        assert_eq!(3i8.tf_pow(5), -13);
        assert_eq!(2i32.tf_pow(10), 1024);
        assert_eq!(0i64.tf_pow(0), 1);
        assert_eq!((-1i16).tf_pow(7), -1);
        assert_eq!(3i32.tf_pow(40), 689_956_897);
        assert!(i32::check_exponents(&[1, -1]).is_err());
        assert!(u8::check_exponents(&[255]).is_ok());
    }

    #[test]
    fn float_floor_mod_takes_the_divisor_sign() {
        assert_eq!(5.5f32.tf_floor_mod(-2.0), -0.5);
        assert_eq!((-1.0f64).tf_floor_mod(f64::INFINITY), f64::INFINITY);
        assert!((-0.0f32).tf_floor_mod(3.0).is_sign_negative());
        assert!(f32::INFINITY.tf_floor_mod(2.0).is_nan());
        assert_eq!(f16::from_f32(-5.5).tf_floor_mod(f16::from_f32(2.0)), f16::from_f32(0.5));
    }

    #[test]
    fn sigmoid_is_stable_at_both_ends() {
        assert_eq!(100f32.sigmoid(), 1.0);
        assert_eq!(f32::NEG_INFINITY.sigmoid(), 0.0);
        // e^-40 / (1 + e^-40) = 4.248354255291589e-18 with full relative precision.
        assert!(((-40f64).sigmoid() / 4.248354255291589e-18 - 1.0).abs() < 1e-14);
        assert!(f32::NAN.sigmoid().is_nan());
    }
}
