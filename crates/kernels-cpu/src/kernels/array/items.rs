//! Data movement does not care what elements mean, only how wide they are: every flat dtype
//! is moved as unsigned words of its width (`u8`, `u16`, `u32`, `u64`) and strings as byte
//! vectors. One instantiation per width instead of one per dtype keeps the code small, and
//! word copies compile to `memcpy`.

use half::{bf16, f16};
use sessionflow_core::{Allocator, DType, Element, Result, Status, Tensor, TensorShape};
use std::sync::Arc;

/// An element as data movement sees it.
pub(crate) trait Item: Clone + Send + Sync + 'static {
    /// Copies `src` into `dst` (equal lengths): a `memcpy` for words.
    fn copy_run(dst: &mut [Self], src: &[Self]);

    /// The elements of `t`, whose dtype has this item's width (see [`with_item!`]).
    fn view(t: &Tensor) -> Result<&[Self]>;

    /// A new tensor of `dtype` and `shape`, its elements (zeros, or empty strings) written by
    /// `fill`.
    fn build(
        allocator: &Arc<dyn Allocator>,
        dtype: DType,
        shape: TensorShape,
        fill: impl FnOnce(&mut [Self]) -> Result<()>,
    ) -> Result<Tensor>;

    /// [`build`](Self::build) for a `fill` that writes every element: they start unspecified
    /// ([`Tensor::for_overwrite`]), which saves zero-filling large outputs.
    fn build_full(
        allocator: &Arc<dyn Allocator>,
        dtype: DType,
        shape: TensorShape,
        fill: impl FnOnce(&mut [Self]) -> Result<()>,
    ) -> Result<Tensor>;
}

/// An unsigned word: every bit pattern is a valid value and there is no padding, so the
/// bytes of any flat tensor of the same width may be read as words.
trait Word: Copy + Send + Sync + 'static {}
impl Word for u8 {}
impl Word for u16 {}
impl Word for u32 {}
impl Word for u64 {}

/// `bytes` as words; Internal error if misaligned (tensor buffers are always aligned).
fn words<W: Word>(bytes: &[u8]) -> Result<&[W]> {
    // SAFETY: W is a plain unsigned integer (Word): every bit pattern is a valid W.
    let (head, body, tail) = unsafe { bytes.align_to::<W>() };
    if head.is_empty() && tail.is_empty() {
        Ok(body)
    } else {
        Err(Status::internal("tensor buffer is not aligned to its element width"))
    }
}

/// A typed slice of a fresh tensor seen as words of the same width.
fn cast_mut<T: Element, W: Word>(slice: &mut [T]) -> Result<&mut [W]> {
    if size_of::<T>() != size_of::<W>() {
        return Err(Status::internal("element width mismatch"));
    }
    // SAFETY: T (an Element) has no padding, so its bytes are valid words. Kernels only store
    // words read from a tensor of T's own dtype (data movement never makes new values), so
    // every pattern written back is a valid T, including bool's 0/1 invariant.
    let (head, body, tail) = unsafe { slice.align_to_mut::<W>() };
    if head.is_empty() && tail.is_empty() {
        Ok(body)
    } else {
        Err(Status::internal("tensor buffer is not aligned to its element width"))
    }
}

/// The elements of `t` (exclusively owned, e.g. just allocated) as writable words.
fn words_mut<W: Word>(t: &mut Tensor) -> Result<&mut [W]> {
    match t.dtype() {
        DType::Float32 => cast_mut(t.as_mut_slice::<f32>()?),
        DType::Float64 => cast_mut(t.as_mut_slice::<f64>()?),
        DType::Float16 => cast_mut(t.as_mut_slice::<f16>()?),
        DType::BFloat16 => cast_mut(t.as_mut_slice::<bf16>()?),
        DType::Int8 => cast_mut(t.as_mut_slice::<i8>()?),
        DType::Int16 => cast_mut(t.as_mut_slice::<i16>()?),
        DType::Int32 => cast_mut(t.as_mut_slice::<i32>()?),
        DType::Int64 => cast_mut(t.as_mut_slice::<i64>()?),
        DType::UInt8 => cast_mut(t.as_mut_slice::<u8>()?),
        DType::Bool => cast_mut(t.as_mut_slice::<bool>()?),
        DType::String | DType::Resource => {
            Err(Status::internal("string and resource tensors are not made of words"))
        }
    }
}

/// `t` (just allocated) after `fill` has written its elements as words.
fn filled<W: Word>(mut t: Tensor, fill: impl FnOnce(&mut [W]) -> Result<()>) -> Result<Tensor> {
    fill(words_mut::<W>(&mut t)?)?;
    Ok(t)
}

macro_rules! word_item {
    ($($w:ty),*) => {$(
        impl Item for $w {
            fn copy_run(dst: &mut [Self], src: &[Self]) {
                dst.copy_from_slice(src);
            }

            fn view(t: &Tensor) -> Result<&[Self]> {
                words(t.as_bytes()?)
            }

            fn build(
                allocator: &Arc<dyn Allocator>,
                dtype: DType,
                shape: TensorShape,
                fill: impl FnOnce(&mut [Self]) -> Result<()>,
            ) -> Result<Tensor> {
                filled(Tensor::zeros(allocator, dtype, shape)?, fill)
            }

            fn build_full(
                allocator: &Arc<dyn Allocator>,
                dtype: DType,
                shape: TensorShape,
                fill: impl FnOnce(&mut [Self]) -> Result<()>,
            ) -> Result<Tensor> {
                filled(Tensor::for_overwrite(allocator, dtype, shape)?, fill)
            }
        }
    )*};
}

word_item!(u8, u16, u32, u64);

impl Item for Vec<u8> {
    fn copy_run(dst: &mut [Self], src: &[Self]) {
        dst.clone_from_slice(src);
    }

    fn view(t: &Tensor) -> Result<&[Self]> {
        t.as_strings()
    }

    fn build(
        _allocator: &Arc<dyn Allocator>,
        _dtype: DType,
        shape: TensorShape,
        fill: impl FnOnce(&mut [Self]) -> Result<()>,
    ) -> Result<Tensor> {
        let mut values = vec![Vec::new(); shape.num_elements()?];
        fill(&mut values)?;
        Tensor::from_strings(shape, values)
    }

    fn build_full(
        allocator: &Arc<dyn Allocator>,
        dtype: DType,
        shape: TensorShape,
        fill: impl FnOnce(&mut [Self]) -> Result<()>,
    ) -> Result<Tensor> {
        Self::build(allocator, dtype, shape, fill)
    }
}

/// Runs `$body` with `$T` bound to the [`Item`] type that moves elements of `$dtype`.
macro_rules! with_item {
    ($dtype:expr, |$t:ident| $body:expr) => {
        match $dtype.size() {
            Some(1) => {
                type $t = u8;
                $body
            }
            Some(2) => {
                type $t = u16;
                $body
            }
            Some(4) => {
                type $t = u32;
                $body
            }
            Some(8) => {
                type $t = u64;
                $body
            }
            None => {
                type $t = Vec<u8>;
                $body
            }
            Some(n) => Err(sessionflow_core::Status::internal(format!(
                "no data-movement kernels for {n}-byte elements"
            ))),
        }
    };
}

pub(crate) use with_item;
