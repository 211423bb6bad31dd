//! Element arithmetic with TensorFlow's semantics, shared by every CPU kernel: integers wrap
//! on overflow; floats follow IEEE 754, f16/bf16 computed through f32 and rounded (as
//! TensorFlow's CPU kernels do), so generic kernels are written once for every dtype.

use half::{bf16, f16};
use sessionflow_core::Element;

/// A numeric element type (every dtype but `bool` and `string`).
pub(crate) trait Numeric: Element + PartialOrd + Default {
    const ZERO: Self;
    const ONE: Self;
    /// The smallest value (−∞ for floats): the identity of `max`.
    const LOWEST: Self;
    /// The largest value (+∞ for floats): the identity of `min`.
    const HIGHEST: Self;
    fn add(self, other: Self) -> Self;
    fn sub(self, other: Self) -> Self;
    fn mul(self, other: Self) -> Self;
    /// Conversion as C++ `static_cast` does it for floats; for integers, truncation towards
    /// zero saturating at the type's bounds (NaN gives 0), as Rust's `as`.
    fn from_f64(v: f64) -> Self;
}

macro_rules! int_numeric {
    ($($t:ty),*) => {$(
        impl Numeric for $t {
            const ZERO: Self = 0;
            const ONE: Self = 1;
            const LOWEST: Self = <$t>::MIN;
            const HIGHEST: Self = <$t>::MAX;
            fn add(self, other: Self) -> Self { self.wrapping_add(other) }
            fn sub(self, other: Self) -> Self { self.wrapping_sub(other) }
            fn mul(self, other: Self) -> Self { self.wrapping_mul(other) }
            fn from_f64(v: f64) -> Self { v as $t }
        }
    )*};
}

macro_rules! float_numeric {
    ($($t:ty),*) => {$(
        impl Numeric for $t {
            const ZERO: Self = 0.0;
            const ONE: Self = 1.0;
            const LOWEST: Self = <$t>::NEG_INFINITY;
            const HIGHEST: Self = <$t>::INFINITY;
            fn add(self, other: Self) -> Self { self + other }
            fn sub(self, other: Self) -> Self { self - other }
            fn mul(self, other: Self) -> Self { self * other }
            fn from_f64(v: f64) -> Self { v as $t }
        }
    )*};
}

macro_rules! half_numeric {
    ($($t:ty),*) => {$(
        impl Numeric for $t {
            const ZERO: Self = <$t>::ZERO;
            const ONE: Self = <$t>::ONE;
            const LOWEST: Self = <$t>::NEG_INFINITY;
            const HIGHEST: Self = <$t>::INFINITY;
            fn add(self, other: Self) -> Self { <$t>::from_f32(self.to_f32() + other.to_f32()) }
            fn sub(self, other: Self) -> Self { <$t>::from_f32(self.to_f32() - other.to_f32()) }
            fn mul(self, other: Self) -> Self { <$t>::from_f32(self.to_f32() * other.to_f32()) }
            fn from_f64(v: f64) -> Self { <$t>::from_f64(v) }
        }
    )*};
}

int_numeric!(i8, i16, i32, i64, u8);
float_numeric!(f32, f64);
half_numeric!(f16, bf16);

/// A floating element type: `num_traits::Float` gives the transcendental functions (f16/bf16
/// through f32, by `half`).
pub(crate) trait FloatElement: Numeric + num_traits::Float {}
impl FloatElement for f32 {}
impl FloatElement for f64 {}
impl FloatElement for f16 {}
impl FloatElement for bf16 {}

/// Calls `$m!(T, DTypeVariant)` for every numeric element type.
macro_rules! for_numeric_types {
    ($m:ident) => {
        $m!(f32, Float32);
        $m!(f64, Float64);
        $m!(half::f16, Float16);
        $m!(half::bf16, BFloat16);
        $m!(i8, Int8);
        $m!(i16, Int16);
        $m!(i32, Int32);
        $m!(i64, Int64);
        $m!(u8, UInt8);
    };
}

/// Calls `$m!(T, DTypeVariant)` for every floating element type.
macro_rules! for_float_types {
    ($m:ident) => {
        $m!(f32, Float32);
        $m!(f64, Float64);
        $m!(half::f16, Float16);
        $m!(half::bf16, BFloat16);
    };
}

/// Calls `$m!(T, DTypeVariant)` for every flat element type (numeric and `bool`).
macro_rules! for_flat_types {
    ($m:ident) => {
        for_numeric_types!($m);
        $m!(bool, Bool);
    };
}

pub(crate) use {for_flat_types, for_float_types, for_numeric_types};
