use half::{bf16, f16};
use sessionflow_core::Element;

/// Element arithmetic with TensorFlow's semantics: integers wrap on overflow, floats follow
/// IEEE 754 (f16/bf16 computed in f32 and rounded, as TensorFlow's CPU kernels do).
pub(crate) trait Arith: Element + Default {
    fn add(self, other: Self) -> Self;
    fn mul(self, other: Self) -> Self;
}

macro_rules! wrapping_arith {
    ($($t:ty),*) => {$(
        impl Arith for $t {
            fn add(self, other: Self) -> Self { self.wrapping_add(other) }
            fn mul(self, other: Self) -> Self { self.wrapping_mul(other) }
        }
    )*};
}

macro_rules! float_arith {
    ($($t:ty),*) => {$(
        impl Arith for $t {
            fn add(self, other: Self) -> Self { self + other }
            fn mul(self, other: Self) -> Self { self * other }
        }
    )*};
}

macro_rules! half_arith {
    ($($t:ty),*) => {$(
        impl Arith for $t {
            fn add(self, other: Self) -> Self { <$t>::from_f32(self.to_f32() + other.to_f32()) }
            fn mul(self, other: Self) -> Self { <$t>::from_f32(self.to_f32() * other.to_f32()) }
        }
    )*};
}

wrapping_arith!(i8, i16, i32, i64, u8);
float_arith!(f32, f64);
half_arith!(f16, bf16);

/// Calls `$m!(T, dtype)` for every numeric element type.
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
pub(crate) use for_numeric_types;
