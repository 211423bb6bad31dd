//! ArgMax and ArgMin: the position of the first extreme value along one dimension. As in
//! TensorFlow's CPU kernels, the scan starts from the lowest (highest) value at position 0
//! and moves only on a strictly better value, so ties keep the first position and NaNs are
//! passed over.

use super::engine::PARALLEL_MIN;
use super::index::{IndexOut, read_scalar, split_at_axis, with_index_type};
use crate::kernels::nn_activation::simd::vectorized;
use crate::kernels::numeric::{Numeric, for_flat_types, for_numeric_types};
use rayon::prelude::*;
use sessionflow_core::{
    DType, DeviceType, Element, KernelContext, KernelRegistry, NodeView, OpKernel, Result, Status,
    Tensor, TensorShape,
};
use std::marker::PhantomData;

/// Columns per task when the reduced dimension is not innermost.
const COL_BLOCK: usize = 1 << 12;

/// An element ArgMax/ArgMin can compare (every numeric dtype and bool).
pub(crate) trait ArgElement: Element + PartialOrd {
    const LOWEST: Self;
    const HIGHEST: Self;
}

macro_rules! arg_numeric {
    ($t:ty, $d:ident) => {
        impl ArgElement for $t {
            const LOWEST: Self = <$t as Numeric>::LOWEST;
            const HIGHEST: Self = <$t as Numeric>::HIGHEST;
        }
    };
}
for_numeric_types!(arg_numeric);

impl ArgElement for bool {
    const LOWEST: Self = false;
    const HIGHEST: Self = true;
}

/// Whether `x` replaces `best`: strictly greater for ArgMax, strictly less for ArgMin.
#[inline]
fn better<T: ArgElement, const MAX: bool>(x: T, best: T) -> bool {
    if MAX { x > best } else { x < best }
}

#[inline]
fn start<T: ArgElement, const MAX: bool>() -> T {
    if MAX { T::LOWEST } else { T::HIGHEST }
}

/// Interleaved accumulators in the row maximum, so that it vectorises.
const LANES: usize = 16;
/// Elements tested at once when looking for the extreme's first position.
const BLOCK: usize = 64;

/// The first best position in a contiguous row, in two vectorised passes: the extreme value
/// (NaNs never win a strict comparison, so they are passed over), then the first block that
/// holds it, scanned for its first position. When nothing beats the starting value (all NaN,
/// or all equal to the type's extreme) the sequential scan stays at 0, and so does this.
#[inline(always)]
fn arg_row<T: ArgElement, const MAX: bool>(row: &[T]) -> usize {
    let s = start::<T, MAX>();
    let pick = |m: T, x: T| if better::<T, MAX>(x, m) { x } else { m };
    let mut lanes = [s; LANES];
    let chunks = row.chunks_exact(LANES);
    let rest = chunks.remainder();
    for c in chunks {
        for (l, &x) in lanes.iter_mut().zip(c) {
            *l = pick(*l, x);
        }
    }
    let m = rest.iter().fold(lanes.into_iter().fold(s, pick), |m, &x| pick(m, x));
    if m == s {
        return 0;
    }
    for (b, block) in row.chunks(BLOCK).enumerate() {
        if block.iter().fold(false, |found, &x| found | (x == m)) {
            // The block holds m, so the search succeeds.
            return b * BLOCK + block.iter().position(|&x| x == m).unwrap_or(0);
        }
    }
    0
}

/// Columns `j0..j0 + out.len()` of a `[n, inner]` block (one outer index), scanned row by
/// row so that every access is contiguous.
#[inline(always)]
fn arg_columns<T: ArgElement, O: IndexOut, const MAX: bool>(
    block: &[T],
    n: usize,
    inner: usize,
    j0: usize,
    out: &mut [O],
) {
    let mut best = vec![start::<T, MAX>(); out.len()];
    let mut idx = vec![0usize; out.len()];
    for i in 0..n {
        let row = &block[i * inner + j0..i * inner + j0 + out.len()];
        for ((b, ix), &x) in best.iter_mut().zip(idx.iter_mut()).zip(row) {
            if better::<T, MAX>(x, *b) {
                *b = x;
                *ix = i;
            }
        }
    }
    for (o, &i) in out.iter_mut().zip(&idx) {
        *o = O::from_index(i);
    }
}

fn run<T: ArgElement, O: IndexOut, const MAX: bool>(
    ctx: &mut KernelContext<'_>,
    axis: usize,
) -> Result<()> {
    let input = ctx.input(0);
    let (outer, n, inner) = split_at_axis(input.shape(), axis);
    let mut dims = input.shape().dims().to_vec();
    dims.remove(axis);
    let mut out = Tensor::zeros(ctx.allocator(), O::DTYPE, TensorShape::new(dims))?;
    let (x, o) = (input.as_slice::<T>()?, out.as_mut_slice::<O>()?);
    if o.is_empty() {
        ctx.set_output(0, out);
        return Ok(());
    }
    // From here n > 0 (checked by the caller) and inner > 0 (the output is not empty).
    let parallel = x.len() >= PARALLEL_MIN && rayon::current_num_threads() > 1;
    if inner == 1 {
        let rows = |(vs, xs): (&mut [O], &[T])| {
            vectorized(
                #[inline(always)]
                || {
                    for (v, row) in vs.iter_mut().zip(xs.chunks(n)) {
                        *v = O::from_index(arg_row::<T, MAX>(row));
                    }
                },
            )
        };
        if parallel {
            let per = 4096usize.div_ceil(n);
            o.par_chunks_mut(per).zip(x.par_chunks(per * n)).for_each(rows);
        } else {
            rows((o, x));
        }
    } else {
        let block = |(out_row, xs): (&mut [O], &[T])| {
            for (c, cols) in out_row.chunks_mut(COL_BLOCK).enumerate() {
                vectorized(
                    #[inline(always)]
                    || arg_columns::<T, O, MAX>(xs, n, inner, c * COL_BLOCK, cols),
                );
            }
        };
        if parallel && outer >= rayon::current_num_threads() {
            o.par_chunks_mut(inner).zip(x.par_chunks(n * inner)).for_each(block);
        } else if parallel {
            for (out_row, xs) in o.chunks_mut(inner).zip(x.chunks(n * inner)) {
                out_row.par_chunks_mut(COL_BLOCK).enumerate().for_each(|(c, cols)| {
                    vectorized(
                        #[inline(always)]
                        || arg_columns::<T, O, MAX>(xs, n, inner, c * COL_BLOCK, cols),
                    );
                });
            }
        } else {
            o.chunks_mut(inner).zip(x.chunks(n * inner)).for_each(block);
        }
    }
    ctx.set_output(0, out);
    Ok(())
}

struct ArgKernel<T, const MAX: bool> {
    output_type: DType,
    _t: PhantomData<T>,
}

impl<T: ArgElement, const MAX: bool> OpKernel for ArgKernel<T, MAX> {
    fn compute(&self, ctx: &mut KernelContext<'_>) -> Result<()> {
        let shape = ctx.input(0).shape().clone();
        let dim = read_scalar(ctx.input(1), "dimension", |s| {
            format!("dim must be a scalar, but received tensor of shape: {s}")
        })?;
        let rank = shape.rank() as i64;
        if dim < -rank || dim >= rank {
            return Err(Status::invalid_argument(format!(
                "Expected dimension in the range [{}, {rank}), but got {dim}",
                -rank
            )));
        }
        let axis = if dim < 0 { dim + rank } else { dim } as usize;
        if shape.dim(axis) == 0 {
            return Err(Status::invalid_argument(format!(
                "Reduction axis {dim} is empty in shape {shape}"
            )));
        }
        fn go<T: ArgElement, O: IndexOut>(
            max: bool,
            ctx: &mut KernelContext<'_>,
            axis: usize,
        ) -> Result<()> {
            if max { run::<T, O, true>(ctx, axis) } else { run::<T, O, false>(ctx, axis) }
        }
        with_index_type!(self.output_type, go::<T>(MAX, ctx, axis))
    }
}

fn factory<T: ArgElement, const MAX: bool>(node: &NodeView<'_>) -> Result<Box<dyn OpKernel>> {
    let output_type = node.output_types.first().copied().unwrap_or(DType::Int64);
    Ok(Box::new(ArgKernel::<T, MAX> { output_type, _t: PhantomData }))
}

pub(super) fn register(r: &mut KernelRegistry) {
    macro_rules! reg {
        ($t:ty, $d:ident) => {
            r.register("ArgMax", DeviceType::CPU, Some(DType::$d), factory::<$t, true>);
            r.register("ArgMin", DeviceType::CPU, Some(DType::$d), factory::<$t, false>);
        };
    }
    for_flat_types!(reg);
}
