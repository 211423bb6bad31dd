//! Losses: SoftmaxCrossEntropyWithLogits (dense labels, broadcast as TensorFlow allows),
//! SparseSoftmaxCrossEntropyWithLogits (class indices) and L2Loss. Rows are computed in the
//! widened type with the row maximum subtracted first, so large logits stay finite.

use super::PARALLEL_MIN;
use super::exp::Exp;
use super::simd::vectorized;
use super::widen::{Widen, row_max, row_sum};
use crate::broadcast::broadcast_shapes;
use crate::kernels::numeric::for_float_types;
use num_traits::{Float, One, Zero};
use rayon::prelude::*;
use sessionflow_core::{
    DType, DeviceType, KernelContext, KernelRegistry, NodeView, OpKernel, Result, Status, Tensor,
    TensorShape,
};
use std::marker::PhantomData;

/// Runs `row(scratch, i, (loss[i], backprop row i))` over every row (of `c > 0` classes), in
/// parallel for large inputs.
fn for_rows<T: Widen>(
    loss: &mut [T],
    back: &mut [T],
    c: usize,
    row: impl Fn(&mut Scratch<T::C>, usize, (&mut T, &mut [T])) + Sync,
) {
    if back.len() >= PARALLEL_MIN {
        let per = 4096usize.div_ceil(c);
        loss.par_chunks_mut(per).zip(back.par_chunks_mut(per * c)).enumerate().for_each_init(
            Scratch::new,
            |s, (t, (lo, bk))| {
                vectorized(
                    #[inline(always)]
                    || {
                        for (k, pair) in lo.iter_mut().zip(bk.chunks_mut(c)).enumerate() {
                            row(s, t * per + k, pair);
                        }
                    },
                )
            },
        );
    } else {
        let mut s = Scratch::new();
        vectorized(
            #[inline(always)]
            || {
                for (i, pair) in loss.iter_mut().zip(back.chunks_mut(c)).enumerate() {
                    row(&mut s, i, pair);
                }
            },
        )
    }
}

/// Per-task buffers for one row in the compute type.
struct Scratch<C> {
    logits: Vec<C>,
    labels: Vec<C>,
    exps: Vec<C>,
    terms: Vec<C>,
}

impl<C> Scratch<C> {
    fn new() -> Self {
        Scratch { logits: Vec::new(), labels: Vec::new(), exps: Vec::new(), terms: Vec::new() }
    }
}

/// `s` cleared and filled with row `i` of an operand read with strides `(row, col)`.
#[inline(always)]
fn gather<T: Widen>(s: &mut Vec<T::C>, xs: &[T], i: usize, (r, c): (usize, usize), n: usize) {
    s.clear();
    if c == 1 {
        s.extend(xs[i * r..][..n].iter().map(|&v| v.widen()));
    } else {
        s.extend((0..n).map(|j| xs[i * r + j * c].widen()));
    }
}

/// For the row in `s.logits`: fills `s.exps` with `exp(logit − max)` and returns the max,
/// `log Σ exp(logit − max)` and `1 / Σ exp(logit − max)`.
#[inline(always)]
fn softmax_parts<C: Float + Exp>(s: &mut Scratch<C>) -> (C, C, C) {
    let max = row_max(&s.logits);
    s.exps.clear();
    s.exps.extend(s.logits.iter().map(|&v| (v - max).exp_v()));
    let sum = row_sum(&s.exps);
    (max, sum.ln(), sum.recip())
}

/// One row with dense labels (in `s.labels`): writes `softmax − labels` into `back` and
/// returns `Σ labels · (log Σ exp(f − max) − (f − max))`.
#[inline(always)]
fn xent_row<T: Widen>(s: &mut Scratch<T::C>, back: &mut [T]) -> T::C {
    let (max, log_sum, inv) = softmax_parts(s);
    for ((b, &e), &l) in back.iter_mut().zip(&s.exps).zip(&s.labels) {
        *b = T::narrow(e * inv - l);
    }
    s.terms.clear();
    s.terms.extend(s.logits.iter().zip(&s.labels).map(|(&f, &l)| l * (log_sum - (f - max))));
    row_sum(&s.terms)
}

/// Element strides (row, column) of an operand of shape `s` broadcast to `[b, c]`.
fn strides(s: &TensorShape) -> (usize, usize) {
    let d = s.dims();
    let (rows, cols) = match d.len() {
        0 => (1, 1),
        1 => (1, d[0]),
        _ => (d[d.len() - 2], d[d.len() - 1]),
    };
    (if rows == 1 { 0 } else { cols }, usize::from(cols != 1))
}

struct XentKernel<T>(PhantomData<T>);

impl<T: Widen> OpKernel for XentKernel<T> {
    fn compute(&self, ctx: &mut KernelContext<'_>) -> Result<()> {
        let (features, labels) = (ctx.input(0), ctx.input(1));
        let shape = if features.shape() == labels.shape() {
            features.shape().clone()
        } else {
            broadcast_shapes(features.shape(), labels.shape()).map_err(|_| {
                Status::invalid_argument(format!(
                    "logits and labels must be broadcastable: logits_size={} labels_size={}",
                    features.shape(),
                    labels.shape()
                ))
            })?
        };
        if shape.rank() != 2 {
            return Err(Status::invalid_argument(
                "logits and labels must be either 2-dimensional, or broadcasted to be 2-dimensional",
            ));
        }
        let (b, c) = (shape.dim(0), shape.dim(1));
        let mut loss = Tensor::zeros(ctx.allocator(), T::DTYPE, TensorShape::new([b]))?;
        let mut back = Tensor::zeros(ctx.allocator(), T::DTYPE, shape)?;
        let (fs, ls) = (features.as_slice::<T>()?, labels.as_slice::<T>()?);
        let (f_strides, l_strides) = (strides(features.shape()), strides(labels.shape()));
        let (lo, bk) = (loss.as_mut_slice::<T>()?, back.as_mut_slice::<T>()?);
        // With no classes every loss is an empty sum, and backprop is empty.
        if c > 0 {
            for_rows(
                lo,
                bk,
                c,
                #[inline(always)]
                |s: &mut Scratch<T::C>, i: usize, (lo, bk): (&mut T, &mut [T])| {
                    gather(&mut s.logits, fs, i, f_strides, c);
                    gather(&mut s.labels, ls, i, l_strides, c);
                    *lo = T::narrow(xent_row::<T>(s, bk));
                },
            );
        }
        ctx.set_output(0, loss);
        ctx.set_output(1, back);
        Ok(())
    }
}

/// Class indices, widened; checks them against `[0, classes)` as TensorFlow does (reporting
/// the minimum when negative, else the maximum, and every label).
fn read_labels(labels: &Tensor, classes: usize) -> Result<Vec<i64>> {
    let v: Vec<i64> = match labels.dtype() {
        DType::Int32 => labels.as_slice::<i32>()?.iter().map(|&x| x as i64).collect(),
        DType::Int64 => labels.as_slice::<i64>()?.to_vec(),
        other => {
            return Err(Status::invalid_argument(format!(
                "labels must be int32 or int64, got {other}"
            )));
        }
    };
    let (min, max) = (v.iter().copied().min(), v.iter().copied().max());
    if let (Some(min), Some(max)) = (min, max)
        && (min < 0 || max >= classes as i64)
    {
        let bad = if min < 0 { min } else { max };
        let all: Vec<String> = v.iter().map(i64::to_string).collect();
        return Err(Status::invalid_argument(format!(
            "Received a label value of {bad} which is outside the valid range of [0, {classes}).  Label values: {}",
            all.join(" ")
        )));
    }
    Ok(v)
}

struct SparseXentKernel<T>(PhantomData<T>);

impl<T: Widen> OpKernel for SparseXentKernel<T> {
    fn compute(&self, ctx: &mut KernelContext<'_>) -> Result<()> {
        let (features, labels) = (ctx.input(0), ctx.input(1));
        let (fsh, lsh) = (features.shape(), labels.shape());
        if fsh.rank() != 2 {
            return Err(Status::invalid_argument(format!(
                "logits must be 2-D, but got shape {fsh}"
            )));
        }
        if lsh.rank() != 1 {
            return Err(Status::invalid_argument(format!(
                "labels must be 1-D, but got shape {lsh}"
            )));
        }
        if fsh.dim(0) != lsh.dim(0) {
            return Err(Status::invalid_argument(format!(
                "logits and labels must have the same first dimension, got logits shape {fsh} and labels shape {lsh}"
            )));
        }
        let (b, c) = (fsh.dim(0), fsh.dim(1));
        if c == 0 {
            return Err(Status::invalid_argument(format!(
                "Must have at least one class, but got logits shape {fsh}"
            )));
        }
        let ls = read_labels(labels, c)?;
        let mut loss = Tensor::zeros(ctx.allocator(), T::DTYPE, TensorShape::new([b]))?;
        let mut back = Tensor::zeros(ctx.allocator(), T::DTYPE, fsh.clone())?;
        let fs = features.as_slice::<T>()?;
        let (lo, bk) = (loss.as_mut_slice::<T>()?, back.as_mut_slice::<T>()?);
        for_rows(
            lo,
            bk,
            c,
            #[inline(always)]
            |s: &mut Scratch<T::C>, i: usize, (lo, bk): (&mut T, &mut [T])| {
                gather(&mut s.logits, fs, i, (c, 1), c);
                let (max, log_sum, inv) = softmax_parts(s);
                for (b, &e) in bk.iter_mut().zip(&s.exps) {
                    *b = T::narrow(e * inv);
                }
                // Labels were checked to lie in [0, c).
                let target = ls[i] as usize;
                bk[target] = T::narrow(s.exps[target] * inv - T::C::one());
                *lo = T::narrow(log_sum - (s.logits[target] - max));
            },
        );
        ctx.set_output(0, loss);
        ctx.set_output(1, back);
        Ok(())
    }
}

/// `Σ x²` of a slice with independent accumulators, so the loop vectorises.
#[inline(always)]
fn sum_squares<T: Widen>(xs: &[T]) -> T::C {
    const LANES: usize = 16;
    let mut lanes = [T::C::zero(); LANES];
    let chunks = xs.chunks_exact(LANES);
    let rest = chunks.remainder();
    for ch in chunks {
        for (a, &x) in lanes.iter_mut().zip(ch) {
            let w = x.widen();
            *a = *a + w * w;
        }
    }
    let tail: T::C = rest.iter().map(|&x| x.widen() * x.widen()).sum();
    lanes.into_iter().sum::<T::C>() + tail
}

struct L2LossKernel<T>(PhantomData<T>);

impl<T: Widen> OpKernel for L2LossKernel<T> {
    fn compute(&self, ctx: &mut KernelContext<'_>) -> Result<()> {
        let xs = ctx.input(0).as_slice::<T>()?;
        let sum = if xs.len() >= PARALLEL_MIN {
            // Fixed pieces merged in order: the result does not depend on the thread count.
            let parts: Vec<T::C> = xs
                .par_chunks(1 << 14)
                .map(|p| {
                    vectorized(
                        #[inline(always)]
                        || sum_squares::<T>(p),
                    )
                })
                .collect();
            parts.into_iter().sum()
        } else {
            vectorized(
                #[inline(always)]
                || sum_squares(xs),
            )
        };
        let half = T::C::one() / (T::C::one() + T::C::one());
        let out = Tensor::scalar(ctx.allocator(), T::narrow(sum * half))?;
        ctx.set_output(0, out);
        Ok(())
    }
}

pub(super) fn register(r: &mut KernelRegistry) {
    fn boxed<K: OpKernel + 'static>(k: K) -> Result<Box<dyn OpKernel>> {
        Ok(Box::new(k))
    }
    macro_rules! reg {
        ($t:ty, $d:ident) => {
            let d = Some(DType::$d);
            r.register("SoftmaxCrossEntropyWithLogits", DeviceType::CPU, d, |_: &NodeView<'_>| {
                boxed(XentKernel::<$t>(PhantomData))
            });
            r.register(
                "SparseSoftmaxCrossEntropyWithLogits",
                DeviceType::CPU,
                d,
                |_: &NodeView<'_>| boxed(SparseXentKernel::<$t>(PhantomData)),
            );
            r.register("L2Loss", DeviceType::CPU, d, |_: &NodeView<'_>| {
                boxed(L2LossKernel::<$t>(PhantomData))
            });
        };
    }
    for_float_types!(reg);
}
