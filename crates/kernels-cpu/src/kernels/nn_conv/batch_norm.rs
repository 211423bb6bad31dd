//! `FusedBatchNormV3` (and `FusedBatchNorm`, `FusedBatchNormV2`) on CPU: `T` is f32, f16 or bf16 and the statistics type `U` is f32 (the
//! only pairs TensorFlow's CPU kernel has). Inference normalises with the given mean and
//! variance; training computes the batch statistics first, as TensorFlow does.

use super::params::{float, string};
use super::widen::{PARALLEL_ELEMENTS, Widen};
use half::{bf16, f16};
use rayon::prelude::*;
use sessionflow_core::{
    AttrsExt, DType, DeviceType, KernelContext, KernelRegistry, NodeView, OpKernel, Result, Status,
    Tensor, TensorShape,
};
use std::marker::PhantomData;

/// Elements normalised per rayon task.
const TASK_ELEMENTS: usize = 1 << 14;

struct FusedBatchNormKernel<T> {
    epsilon: f32,
    factor: f32,
    is_training: bool,
    rank: usize,
    channels_last: bool,
    /// 6 for `FusedBatchNormV3`; `FusedBatchNorm` and V2 lack `reserve_space_3`.
    num_outputs: usize,
    _t: PhantomData<T>,
}

/// `x` viewed as `[outer, channels, inner]` (inner = 1 when channels are last).
#[derive(Clone, Copy)]
struct Layout {
    channels: usize,
    inner: usize,
}

impl<T: Widen<Wide = f32>> OpKernel for FusedBatchNormKernel<T> {
    fn compute(&self, ctx: &mut KernelContext<'_>) -> Result<()> {
        let x = ctx.input(0);
        if x.shape().rank() != self.rank {
            return Err(Status::invalid_argument(format!(
                "input must be {}-dimensional{}",
                self.rank,
                x.shape()
            )));
        }
        let names = ["scale", "offset", "estimated_mean", "estimated_variance"];
        for (i, name) in names.iter().enumerate() {
            if ctx.input(i + 1).shape().rank() != 1 {
                return Err(Status::invalid_argument(format!(
                    "{name} must be 1-dimensional{}",
                    ctx.input(i + 1).shape()
                )));
            }
        }
        let dims = x.shape().dims();
        let axis = if self.channels_last { self.rank - 1 } else { 1 };
        let channels = dims[axis];
        let layout = Layout { channels, inner: dims[axis + 1..].iter().product() };
        let with_running = !self.is_training || self.factor != 1.0;
        let prefix = if self.is_training {
            "When exponential_avg_factor != 1"
        } else {
            "When is_training=false"
        };
        for (i, name) in ["scale", "offset", "mean", "variance"].iter().enumerate() {
            let got = ctx.input(i + 1).num_elements();
            if got != channels && (i < 2 || with_running) {
                let lead = if i < 2 { String::new() } else { format!("{prefix}, ") };
                return Err(Status::invalid_argument(format!(
                    "{lead}{name} must have the same number of elements as the channels of x, got {got} and {channels}"
                )));
            }
        }
        let v = |i: usize| ctx.input(i).as_slice::<f32>();
        let (scale, offset, mean, variance) = (v(1)?, v(2)?, v(3)?, v(4)?);
        let alloc = ctx.allocator();
        let mut y = Tensor::zeros(alloc, T::DTYPE, x.shape().clone())?;
        let vector = || Tensor::zeros(alloc, DType::Float32, TensorShape::new([channels]));
        let (mut batch_mean, mut batch_var) = (vector()?, vector()?);
        let (mut saved_mean, mut saved_var) = (vector()?, vector()?);
        let reserve = Tensor::zeros(alloc, DType::Float32, TensorShape::scalar())?;
        let xs = x.as_slice::<T>()?;
        if xs.is_empty() {
            // No elements to take statistics of: TensorFlow reports NaN.
            batch_mean.as_mut_slice::<f32>()?.fill(f32::NAN);
            batch_var.as_mut_slice::<f32>()?.fill(f32::NAN);
        } else if !self.is_training {
            normalize(xs, y.as_mut_slice()?, layout, scale, offset, mean, variance, self.epsilon);
            batch_mean.as_mut_slice::<f32>()?.copy_from_slice(mean);
            batch_var.as_mut_slice::<f32>()?.copy_from_slice(variance);
        } else {
            let (m, var) = moments(xs, layout);
            normalize(xs, y.as_mut_slice()?, layout, scale, offset, &m, &var, self.epsilon);
            // The running variance is the unbiased one (n / (n − 1), n − 1 at least 1).
            let n = (xs.len() / channels) as f32;
            let adjust = n / (n - 1.0).max(1.0);
            let f = self.factor;
            let out_mean = batch_mean.as_mut_slice::<f32>()?;
            let out_var = batch_var.as_mut_slice::<f32>()?;
            for c in 0..channels {
                let unbiased = var[c] * adjust;
                if with_running {
                    out_mean[c] = (1.0 - f) * mean[c] + f * m[c];
                    out_var[c] = (1.0 - f) * variance[c] + f * unbiased;
                } else {
                    out_mean[c] = m[c];
                    out_var[c] = unbiased;
                }
            }
            saved_mean.as_mut_slice::<f32>()?.copy_from_slice(&m);
            saved_var.as_mut_slice::<f32>()?.copy_from_slice(&var);
        }
        let outputs = [y, batch_mean, batch_var, saved_mean, saved_var, reserve];
        for (i, t) in outputs.into_iter().take(self.num_outputs).enumerate() {
            ctx.set_output(i, t);
        }
        Ok(())
    }
}

/// `y = (x − mean)·(scale / √(variance + ε)) + offset` per channel, computed in f32.
#[allow(clippy::too_many_arguments)]
fn normalize<T: Widen<Wide = f32>>(
    x: &[T],
    y: &mut [T],
    layout: Layout,
    scale: &[f32],
    offset: &[f32],
    mean: &[f32],
    variance: &[f32],
    epsilon: f32,
) {
    let factor: Vec<f32> =
        variance.iter().zip(scale).map(|(&v, &s)| (v + epsilon).sqrt().recip() * s).collect();
    let Layout { channels, inner } = layout;
    let block = channels * inner;
    let blocks_per_task = (TASK_ELEMENTS / block).max(1);
    let task = |(y, x): (&mut [T], &[T])| {
        for (y, x) in y.chunks_exact_mut(block).zip(x.chunks_exact(block)) {
            if inner == 1 {
                for ((((y, &x), &m), &f), &o) in
                    y.iter_mut().zip(x).zip(mean).zip(&factor).zip(offset)
                {
                    *y = T::narrow((x.widen() - m) * f + o);
                }
            } else {
                for (c, (y, x)) in y.chunks_exact_mut(inner).zip(x.chunks_exact(inner)).enumerate()
                {
                    let (m, f, o) = (mean[c], factor[c], offset[c]);
                    for (y, &x) in y.iter_mut().zip(x) {
                        *y = T::narrow((x.widen() - m) * f + o);
                    }
                }
            }
        }
    };
    let len = blocks_per_task * block;
    if x.len() >= PARALLEL_ELEMENTS {
        y.par_chunks_mut(len).zip(x.par_chunks(len)).for_each(task);
    } else {
        y.chunks_mut(len).zip(x.chunks(len)).for_each(task);
    }
}

/// Per-channel mean and biased variance, accumulated in f64 (two passes, for accuracy).
fn moments<T: Widen<Wide = f32>>(x: &[T], layout: Layout) -> (Vec<f32>, Vec<f32>) {
    let n = (x.len() / layout.channels) as f64;
    let sums = reduce_channels(x, layout, |_, v| v as f64);
    let mean: Vec<f64> = sums.iter().map(|s| s / n).collect();
    let squares = reduce_channels(x, layout, |c, v| (v as f64 - mean[c]).powi(2));
    let var = squares.iter().map(|s| (s / n) as f32).collect();
    (mean.iter().map(|&m| m as f32).collect(), var)
}

/// `Σ f(c, x)` per channel `c`, over blocks in parallel.
fn reduce_channels<T: Widen<Wide = f32>>(
    x: &[T],
    layout: Layout,
    f: impl Fn(usize, f32) -> f64 + Sync,
) -> Vec<f64> {
    let Layout { channels, inner } = layout;
    let block = channels * inner;
    let len = (TASK_ELEMENTS / block).max(1) * block;
    let partial = |chunk: &[T]| {
        let mut sums = vec![0f64; channels];
        for blk in chunk.chunks_exact(block) {
            if inner == 1 {
                // Channels last: one row of channels, added to the sums lane by lane.
                for (c, (s, &v)) in sums.iter_mut().zip(blk).enumerate() {
                    *s += f(c, v.widen());
                }
            } else {
                for (c, run) in blk.chunks_exact(inner).enumerate() {
                    sums[c] += run.iter().map(|&v| f(c, v.widen())).sum::<f64>();
                }
            }
        }
        sums
    };
    let add = |mut a: Vec<f64>, b: Vec<f64>| {
        a.iter_mut().zip(b).for_each(|(a, b)| *a += b);
        a
    };
    if x.len() >= PARALLEL_ELEMENTS {
        x.par_chunks(len).map(partial).reduce(|| vec![0f64; channels], add)
    } else {
        x.chunks(len).map(partial).fold(vec![0f64; channels], add)
    }
}

fn factory<T: Widen<Wide = f32>>(node: &NodeView<'_>) -> Result<Box<dyn OpKernel>> {
    // FusedBatchNorm (V1) has no `U`: its statistics are `T`, which is float32.
    let u = if node.attrs.contains_key("U") { node.attrs.get_type("U")? } else { T::DTYPE };
    if u != DType::Float32 {
        return Err(Status::invalid_argument(format!(
            "No OpKernel was registered to support Op '{}' used by node {} with U={u}: the CPU kernels take float32 statistics",
            node.op, node.name
        )));
    }
    let format = string(node.attrs, "data_format")?;
    let (rank, channels_last) = match format {
        "NHWC" => (4, true),
        "NCHW" => (4, false),
        "NDHWC" => (5, true),
        "NCDHW" => (5, false),
        other => return Err(Status::invalid_argument(format!("Invalid data format: {other}"))),
    };
    Ok(Box::new(FusedBatchNormKernel::<T> {
        epsilon: float(node.attrs, "epsilon")?,
        factor: float(node.attrs, "exponential_avg_factor")?,
        is_training: node.attrs.get_bool("is_training")?,
        rank,
        channels_last,
        num_outputs: node.output_types.len(),
        _t: PhantomData,
    }))
}

pub(super) fn register(r: &mut KernelRegistry) {
    // The three versions compute the same; V1 takes only float32.
    r.register("FusedBatchNorm", DeviceType::CPU, Some(DType::Float32), factory::<f32>);
    for op in ["FusedBatchNormV2", "FusedBatchNormV3"] {
        r.register(op, DeviceType::CPU, Some(DType::Float32), factory::<f32>);
        r.register(op, DeviceType::CPU, Some(DType::Float16), factory::<f16>);
        r.register(op, DeviceType::CPU, Some(DType::BFloat16), factory::<bf16>);
    }
}
