use crate::DType;
use half::{bf16, f16};

/// A Rust type whose values are stored flat in host tensors of dtype [`Element::DTYPE`].
///
/// # Safety
/// Every byte pattern that sessionflow writes into a tensor of `DTYPE` must be a valid `Self`,
/// and `Self` must have no padding: host buffers are reinterpreted as `[Self]`. For `bool`
/// this holds because every producer of bool tensors (kernels, feeds) writes only 0 or 1.
pub unsafe trait Element: Copy + Send + Sync + 'static {
    /// The dtype this type stores.
    const DTYPE: DType;
}

macro_rules! element {
    ($($t:ty => $d:ident),* $(,)?) => {
        $(
            // SAFETY: plain numeric types: every bit pattern is valid and there is no padding.
            unsafe impl Element for $t { const DTYPE: DType = DType::$d; }
        )*
    };
}

element! {
    f32 => Float32,
    f64 => Float64,
    f16 => Float16,
    bf16 => BFloat16,
    i8 => Int8,
    i16 => Int16,
    i32 => Int32,
    i64 => Int64,
    u8 => UInt8,
}

// SAFETY: see the trait's contract: bool tensors only ever hold 0 or 1.
unsafe impl Element for bool {
    const DTYPE: DType = DType::Bool;
}
