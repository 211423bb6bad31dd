//! Cumsum and Cumprod: running sums or products along one axis, optionally exclusive (each
//! output leaves out its own input) and reversed (scanning from the end). Both accumulate in the
//! element type, as TensorFlow's (an f16 running sum rounds at every step; integers wrap). The
//! gradient of `Prod` is built from two exclusive `Cumprod`s.

use super::engine::PARALLEL_MIN;
use super::index::{read_scalar, split_at_axis};
use crate::kernels::numeric::{Numeric, for_numeric_types};
use rayon::prelude::*;
use sessionflow_core::{
    AttrsExt, DType, DeviceType, KernelContext, KernelRegistry, NodeView, OpKernel, Result, Status,
    Tensor,
};
use std::marker::PhantomData;

/// The associative operation a scan accumulates with.
trait Accumulate<T>: Send + Sync + 'static {
    /// The value an exclusive scan starts from.
    const IDENTITY: T;
    fn combine(acc: T, value: T) -> T;
}

struct Sum;
impl<T: Numeric> Accumulate<T> for Sum {
    const IDENTITY: T = T::ZERO;
    fn combine(acc: T, value: T) -> T {
        acc.add(value)
    }
}

struct Product;
impl<T: Numeric> Accumulate<T> for Product {
    const IDENTITY: T = T::ONE;
    fn combine(acc: T, value: T) -> T {
        acc.mul(value)
    }
}

struct ScanKernel<T, A> {
    exclusive: bool,
    reverse: bool,
    _t: PhantomData<(T, A)>,
}

impl<T: Numeric, A: Accumulate<T>> ScanKernel<T, A> {
    /// Scans one `[n, inner]` block along `n`.
    fn scan_block(&self, x: &[T], out: &mut [T], n: usize, inner: usize) {
        if inner == 1 {
            let mut acc = A::IDENTITY;
            let mut step = |o: &mut T, &v: &T| {
                if self.exclusive {
                    *o = acc;
                    acc = A::combine(acc, v);
                } else {
                    acc = A::combine(acc, v);
                    *o = acc;
                }
            };
            if self.reverse {
                out.iter_mut().zip(x).rev().for_each(|(o, v)| step(o, v));
            } else {
                out.iter_mut().zip(x).for_each(|(o, v)| step(o, v));
            }
            return;
        }
        // Rows in scan order; each output row is the previous output row combined with one input
        // row (the previous input row when exclusive), a contiguous loop that vectorises.
        let row = |s: usize| if self.reverse { n - 1 - s } else { s };
        let first = &mut out[row(0) * inner..][..inner];
        if self.exclusive {
            first.fill(A::IDENTITY);
        } else {
            first.copy_from_slice(&x[row(0) * inner..][..inner]);
        }
        for s in 1..n {
            let (i, p) = (row(s), row(s - 1));
            let (cur, prev) = two_rows(out, i, p, inner);
            let src = &x[if self.exclusive { p } else { i } * inner..][..inner];
            for ((c, &a), &v) in cur.iter_mut().zip(prev).zip(src) {
                *c = A::combine(a, v);
            }
        }
    }
}

/// Rows `cur` (writable) and `prev` (distinct) of a row-major buffer with rows of `inner`.
fn two_rows<T>(out: &mut [T], cur: usize, prev: usize, inner: usize) -> (&mut [T], &[T]) {
    if cur < prev {
        let (lo, hi) = out.split_at_mut(prev * inner);
        (&mut lo[cur * inner..][..inner], &hi[..inner])
    } else {
        let (lo, hi) = out.split_at_mut(cur * inner);
        (&mut hi[..inner], &lo[prev * inner..][..inner])
    }
}

impl<T: Numeric, A: Accumulate<T>> OpKernel for ScanKernel<T, A> {
    fn compute(&self, ctx: &mut KernelContext<'_>) -> Result<()> {
        let input = ctx.input(0);
        let axis = read_scalar(ctx.input(1), "axis", |s| {
            format!("ScanOp: axis must be a scalar, not {s}")
        })?;
        let rank = input.shape().rank() as i64;
        if axis < -rank || axis >= rank {
            return Err(Status::invalid_argument(format!(
                "ScanOp: Expected scan axis in the range [{}, {rank}), but got {axis}",
                -rank
            )));
        }
        let axis = if axis < 0 { axis + rank } else { axis } as usize;
        let (_, n, inner) = split_at_axis(input.shape(), axis);
        let mut out = Tensor::zeros(ctx.allocator(), T::DTYPE, input.shape().clone())?;
        let (x, o) = (input.as_slice::<T>()?, out.as_mut_slice::<T>()?);
        let block = n * inner;
        if block > 0 {
            if x.len() >= PARALLEL_MIN && x.len() > block {
                o.par_chunks_mut(block)
                    .zip(x.par_chunks(block))
                    .for_each(|(ob, xb)| self.scan_block(xb, ob, n, inner));
            } else {
                o.chunks_mut(block)
                    .zip(x.chunks(block))
                    .for_each(|(ob, xb)| self.scan_block(xb, ob, n, inner));
            }
        }
        ctx.set_output(0, out);
        Ok(())
    }
}

fn factory<T: Numeric, A: Accumulate<T>>(node: &NodeView<'_>) -> Result<Box<dyn OpKernel>> {
    Ok(Box::new(ScanKernel::<T, A> {
        exclusive: node.attrs.get_bool("exclusive")?,
        reverse: node.attrs.get_bool("reverse")?,
        _t: PhantomData,
    }))
}

pub(super) fn register(r: &mut KernelRegistry) {
    macro_rules! reg {
        ($t:ty, $d:ident) => {
            r.register("Cumsum", DeviceType::CPU, Some(DType::$d), factory::<$t, Sum>);
            r.register("Cumprod", DeviceType::CPU, Some(DType::$d), factory::<$t, Product>);
        };
    }
    for_numeric_types!(reg);
}
