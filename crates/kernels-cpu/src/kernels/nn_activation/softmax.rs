//! Softmax and LogSoftmax over the last axis, stable: the row maximum is subtracted before
//! exponentiating, so large logits do not overflow (an infinite logit still gives NaN, as in
//! TensorFlow).

use super::PARALLEL_MIN;
use super::exp::Exp;
use super::simd::vectorized;
use super::widen::{Widen, row_max, row_sum};
use crate::kernels::numeric::for_float_types;
use num_traits::{Float, Zero};
use rayon::prelude::*;
use sessionflow_core::{
    DType, DeviceType, KernelContext, KernelRegistry, NodeView, OpKernel, Result, Status, Tensor,
};
use std::marker::PhantomData;

struct SoftmaxKernel<T, const LOG: bool>(PhantomData<T>);

/// One row; `scratch` holds the row in the compute type.
#[inline(always)]
fn softmax_row<T: Widen, const LOG: bool>(x: &[T], out: &mut [T], scratch: &mut Vec<T::C>) {
    scratch.clear();
    scratch.extend(x.iter().map(|&v| v.widen()));
    let max = row_max(scratch);
    if LOG {
        // Shifted logits, then minus the log of their exponentials' sum.
        for v in scratch.iter_mut() {
            *v = *v - max;
        }
        let mut sum = T::C::zero();
        for chunk in scratch.chunks(256) {
            let mut exps = [T::C::zero(); 256];
            for (e, &v) in exps.iter_mut().zip(chunk) {
                *e = v.exp_v();
            }
            sum = sum + row_sum(&exps[..chunk.len()]);
        }
        let log_sum = sum.ln();
        for (o, &v) in out.iter_mut().zip(scratch.iter()) {
            *o = T::narrow(v - log_sum);
        }
    } else {
        // Exponentials, then times the inverse of their sum (as TensorFlow).
        for v in scratch.iter_mut() {
            *v = (*v - max).exp_v();
        }
        let inv = row_sum(scratch).recip();
        for (o, &v) in out.iter_mut().zip(scratch.iter()) {
            *o = T::narrow(v * inv);
        }
    }
}

/// Rows of `n` of `x` into `out`.
fn softmax_rows<T: Widen, const LOG: bool>(
    x: &[T],
    out: &mut [T],
    n: usize,
    scratch: &mut Vec<T::C>,
) {
    vectorized(
        #[inline(always)]
        || {
            for (o, x) in out.chunks_mut(n).zip(x.chunks(n)) {
                softmax_row::<T, LOG>(x, o, scratch);
            }
        },
    )
}

impl<T: Widen, const LOG: bool> OpKernel for SoftmaxKernel<T, LOG> {
    fn compute(&self, ctx: &mut KernelContext<'_>) -> Result<()> {
        let x = ctx.input(0);
        let Some(&n) = x.shape().dims().last() else {
            return Err(Status::invalid_argument(format!(
                "logits must have >= 1 dimension, got {}",
                x.shape()
            )));
        };
        let mut out = Tensor::zeros(ctx.allocator(), T::DTYPE, x.shape().clone())?;
        let (xs, os) = (x.as_slice::<T>()?, out.as_mut_slice::<T>()?);
        if n > 0 {
            if xs.len() >= PARALLEL_MIN {
                let rows_per_task = 4096usize.div_ceil(n) * n;
                os.par_chunks_mut(rows_per_task)
                    .zip(xs.par_chunks(rows_per_task))
                    .for_each_init(Vec::new, |scratch, (o, x)| {
                        softmax_rows::<T, LOG>(x, o, n, scratch)
                    });
            } else {
                softmax_rows::<T, LOG>(xs, os, n, &mut Vec::with_capacity(n));
            }
        }
        ctx.set_output(0, out);
        Ok(())
    }
}

pub(super) fn register(r: &mut KernelRegistry) {
    macro_rules! reg {
        ($t:ty, $d:ident) => {
            r.register("Softmax", DeviceType::CPU, Some(DType::$d), |_: &NodeView<'_>| {
                Ok(Box::new(SoftmaxKernel::<$t, false>(PhantomData)))
            });
            r.register("LogSoftmax", DeviceType::CPU, Some(DType::$d), |_: &NodeView<'_>| {
                Ok(Box::new(SoftmaxKernel::<$t, true>(PhantomData)))
            });
        };
    }
    for_float_types!(reg);
}
