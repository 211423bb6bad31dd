//! BiasAdd: adds a 1-D bias along the channel dimension, the last (NHWC) or the second
//! (NCHW). Every numeric dtype; integers wrap.

use super::PARALLEL_MIN;
use crate::kernels::numeric::{Numeric, for_numeric_types};
use rayon::prelude::*;
use sessionflow_core::{
    AttrValue, DType, DeviceType, KernelContext, KernelRegistry, NodeView, OpKernel, Result,
    Status, Tensor,
};
use std::marker::PhantomData;

struct BiasAddKernel<T> {
    nchw: bool,
    _t: PhantomData<T>,
}

/// `out[i] = x[i] + bias[i % c]` over rows of `c`, or `out = x + b` for a block of one channel.
#[inline]
fn add_rows<T: Numeric>(out: &mut [T], x: &[T], bias: &[T]) {
    for (o, x) in out.chunks_mut(bias.len()).zip(x.chunks(bias.len())) {
        for ((o, &x), &b) in o.iter_mut().zip(x).zip(bias) {
            *o = x.add(b);
        }
    }
}

#[inline]
fn add_scalar<T: Numeric>(out: &mut [T], x: &[T], b: T) {
    for (o, &x) in out.iter_mut().zip(x) {
        *o = x.add(b);
    }
}

impl<T: Numeric> OpKernel for BiasAddKernel<T> {
    fn compute(&self, ctx: &mut KernelContext<'_>) -> Result<()> {
        let (x, bias) = (ctx.input(0), ctx.input(1));
        let dims = x.shape().dims();
        if dims.len() < 2 {
            return Err(Status::invalid_argument(format!(
                "Input tensor must be at least 2D: {}",
                x.shape()
            )));
        }
        if bias.shape().rank() != 1 {
            return Err(Status::invalid_argument(format!("Biases must be 1D: {}", bias.shape())));
        }
        let channel = if self.nchw { 1 } else { dims.len() - 1 };
        let c = dims[channel];
        if bias.shape().dim(0) != c {
            return Err(Status::invalid_argument(format!(
                "Must provide as many biases as the last dimension of the input tensor: {} vs. {}",
                bias.shape(),
                x.shape()
            )));
        }
        let mut out = Tensor::zeros(ctx.allocator(), T::DTYPE, x.shape().clone())?;
        let (xs, bs, os) = (x.as_slice::<T>()?, bias.as_slice::<T>()?, out.as_mut_slice::<T>()?);
        let parallel = xs.len() >= PARALLEL_MIN;
        if xs.is_empty() {
            // Nothing to add (and c or the inner size may be 0).
        } else if self.nchw {
            // [N, C, inner]: each (n, c) block gets one bias value.
            let inner: usize = dims[2..].iter().product();
            let block = |(i, (o, x)): (usize, (&mut [T], &[T]))| add_scalar(o, x, bs[i % c]);
            if parallel {
                os.par_chunks_mut(inner).zip(xs.par_chunks(inner)).enumerate().for_each(block);
            } else {
                os.chunks_mut(inner).zip(xs.chunks(inner)).enumerate().for_each(block);
            }
        } else if parallel {
            let rows = (8192 / c).max(1) * c;
            os.par_chunks_mut(rows).zip(xs.par_chunks(rows)).for_each(|(o, x)| add_rows(o, x, bs));
        } else {
            add_rows(os, xs, bs);
        }
        ctx.set_output(0, out);
        Ok(())
    }
}

fn factory<T: Numeric>(node: &NodeView<'_>) -> Result<Box<dyn OpKernel>> {
    let nchw = match node.attrs.get("data_format") {
        Some(AttrValue::String(s)) if s == "NHWC" => false,
        Some(AttrValue::String(s)) if s == "NCHW" => true,
        other => {
            return Err(Status::invalid_argument(format!(
                "BiasAdd's data_format must be NHWC or NCHW, got {other:?}"
            )));
        }
    };
    Ok(Box::new(BiasAddKernel::<T> { nchw, _t: PhantomData }))
}

pub(super) fn register(r: &mut KernelRegistry) {
    macro_rules! reg {
        ($t:ty, $d:ident) => {
            r.register("BiasAdd", DeviceType::CPU, Some(DType::$d), factory::<$t>);
        };
    }
    for_numeric_types!(reg);
}
