//! Cumsum: running sums along one axis, optionally exclusive (each output leaves out its own
//! input) and reversed (summing from the end). Sums are in the element type, as TensorFlow's
//! (an f16 running sum rounds at every step; integers wrap).

use super::engine::PARALLEL_MIN;
use super::index::{read_scalar, split_at_axis};
use crate::kernels::numeric::{Numeric, for_numeric_types};
use rayon::prelude::*;
use sessionflow_core::{
    AttrsExt, DType, DeviceType, KernelContext, KernelRegistry, NodeView, OpKernel, Result, Status,
    Tensor,
};
use std::marker::PhantomData;

struct CumsumKernel<T> {
    exclusive: bool,
    reverse: bool,
    _t: PhantomData<T>,
}

impl<T: Numeric> CumsumKernel<T> {
    /// Scans one `[n, inner]` block: `out` row `i` from row `i - 1` (or `i + 1` reversed).
    fn scan_block(&self, x: &[T], out: &mut [T], n: usize, inner: usize) {
        if inner == 1 {
            let mut acc = T::ZERO;
            let mut step = |o: &mut T, &v: &T| {
                if self.exclusive {
                    *o = acc;
                    acc = acc.add(v);
                } else {
                    acc = acc.add(v);
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
        // Rows in scan order; each output row is the previous output row plus one input row
        // (the previous input row when exclusive), a contiguous loop that vectorises.
        let row = |s: usize| if self.reverse { n - 1 - s } else { s };
        let first = &mut out[row(0) * inner..][..inner];
        if self.exclusive {
            first.fill(T::ZERO);
        } else {
            first.copy_from_slice(&x[row(0) * inner..][..inner]);
        }
        for s in 1..n {
            let (i, p) = (row(s), row(s - 1));
            let (cur, prev) = two_rows(out, i, p, inner);
            let src = &x[if self.exclusive { p } else { i } * inner..][..inner];
            for ((c, &a), &v) in cur.iter_mut().zip(prev).zip(src) {
                *c = a.add(v);
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

impl<T: Numeric> OpKernel for CumsumKernel<T> {
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

fn factory<T: Numeric>(node: &NodeView<'_>) -> Result<Box<dyn OpKernel>> {
    Ok(Box::new(CumsumKernel::<T> {
        exclusive: node.attrs.get_bool("exclusive")?,
        reverse: node.attrs.get_bool("reverse")?,
        _t: PhantomData,
    }))
}

pub(super) fn register(r: &mut KernelRegistry) {
    macro_rules! reg {
        ($t:ty, $d:ident) => {
            r.register("Cumsum", DeviceType::CPU, Some(DType::$d), factory::<$t>);
        };
    }
    for_numeric_types!(reg);
}
