//! Comparisons (bool output, numpy broadcasting) and the binary logical ops.

use super::binary::{BinaryFn, BinaryKernel, kernel, register_fn};
use half::{bf16, f16};
use sessionflow_core::{AttrsExt, DeviceType, Element, KernelRegistry, NodeView, OpKernel, Result};

/// Declares zero-sized comparison function types: `bool` out, IEEE semantics for floats
/// (every comparison with NaN is false but `!=`).
macro_rules! compare_fns {
    ($($(#[$doc:meta])* $name:ident($a:ident, $b:ident) => $body:expr;)*) => {$(
        $(#[$doc])*
        pub(super) struct $name;
        impl<T: Element + PartialOrd> BinaryFn<T> for $name {
            type Out = bool;
            #[inline(always)]
            fn apply($a: T, $b: T) -> bool { $body }
        }
    )*};
}

compare_fns! {
    /// `Equal`.
    EqualFn(a, b) => a == b;
    /// `NotEqual`.
    NotEqualFn(a, b) => a != b;
    /// `Less`.
    LessFn(a, b) => a < b;
    /// `LessEqual`.
    LessEqualFn(a, b) => a <= b;
    /// `Greater`.
    GreaterFn(a, b) => a > b;
    /// `GreaterEqual`.
    GreaterEqualFn(a, b) => a >= b;
}

/// `LogicalAnd`.
struct LogicalAndFn;
impl BinaryFn<bool> for LogicalAndFn {
    type Out = bool;
    #[inline(always)]
    fn apply(a: bool, b: bool) -> bool {
        a & b
    }
}

/// `LogicalOr`.
struct LogicalOrFn;
impl BinaryFn<bool> for LogicalOrFn {
    type Out = bool;
    #[inline(always)]
    fn apply(a: bool, b: bool) -> bool {
        a | b
    }
}

/// The output of `Equal` (false) or `NotEqual` (true) for operands whose shapes do not
/// broadcast, when the node's `incompatible_shape_error` is false: TensorFlow then answers
/// with that one scalar instead of failing.
pub(super) fn incompatible_value(node: &NodeView<'_>, not_equal: bool) -> Result<Option<bool>> {
    Ok(if node.attrs.get_bool("incompatible_shape_error")? { None } else { Some(not_equal) })
}

fn equal<T: Element + PartialOrd>(node: &NodeView<'_>) -> Result<Box<dyn OpKernel>> {
    Ok(Box::new(BinaryKernel::<T, EqualFn>::new(incompatible_value(node, false)?)))
}

fn not_equal<T: Element + PartialOrd>(node: &NodeView<'_>) -> Result<Box<dyn OpKernel>> {
    Ok(Box::new(BinaryKernel::<T, NotEqualFn>::new(incompatible_value(node, true)?)))
}

pub(super) fn register(r: &mut KernelRegistry) {
    macro_rules! equality {
        ($($t:ty),*) => {$(
            r.register("Equal", DeviceType::CPU, Some(<$t>::DTYPE), equal::<$t>);
            r.register("NotEqual", DeviceType::CPU, Some(<$t>::DTYPE), not_equal::<$t>);
        )*};
    }
    equality!(f32, f64, f16, bf16, i8, i16, i32, i64, u8, bool);
    register_fn!(r, "Less", LessFn, [f32, f64, f16, bf16, i8, i16, i32, i64, u8]);
    register_fn!(r, "LessEqual", LessEqualFn, [f32, f64, f16, bf16, i8, i16, i32, i64, u8]);
    register_fn!(r, "Greater", GreaterFn, [f32, f64, f16, bf16, i8, i16, i32, i64, u8]);
    register_fn!(r, "GreaterEqual", GreaterEqualFn, [f32, f64, f16, bf16, i8, i16, i32, i64, u8]);
    // The logical ops have no type attr: their kernels serve the one dtype they take.
    r.register("LogicalAnd", DeviceType::CPU, None, kernel::<bool, LogicalAndFn>);
    r.register("LogicalOr", DeviceType::CPU, None, kernel::<bool, LogicalOrFn>);
}
