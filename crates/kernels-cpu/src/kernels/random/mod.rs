//! Random kernels: RandomUniform, RandomStandardNormal, TruncatedNormal and
//! RandomUniformInt. Each kernel owns a Philox generator seeded from its node's `(seed,
//! seed2)` (nondeterministically when both are 0) and advances it on every run, so one kernel
//! instance reused across runs continues its sequence, as a TensorFlow session does.

mod distributions;
mod philox;

use distributions::{Distribution, Normal, TruncatedNormal, Uniform, UniformInt};
use half::{bf16, f16};
use philox::Philox;
use rayon::prelude::*;
use sessionflow_core::{
    AttrsExt, DType, DeviceType, KernelContext, KernelRegistry, NodeView, OpKernel, Result, Status,
    Tensor, TensorShape,
};
use std::collections::hash_map::RandomState;
use std::hash::BuildHasher;
use std::sync::{Mutex, PoisonError};

/// Philox blocks reserved per output element on each run (TF's multiplier): runs never
/// overlap however many blocks a distribution consumes.
const BLOCKS_PER_OUTPUT: u64 = 256;
/// Outputs past this many elements are generated in parallel.
const PARALLEL_THRESHOLD: usize = 32 * 1024;

/// The generator for a node's `seed` and `seed2` attrs.
fn seeded(node: &NodeView<'_>) -> Result<Philox> {
    let (mut seed, mut seed2) = (node.attrs.get_int("seed")?, node.attrs.get_int("seed2")?);
    if seed == 0 && seed2 == 0 {
        // Nondeterministic: the std hasher's per-process random keys, stirred with the time.
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        seed = RandomState::new().hash_one(nanos) as i64;
        seed2 = RandomState::new().hash_one(node.name) as i64;
    }
    Ok(Philox::new(seed as u64, seed2 as u64))
}

/// The `shape` input as a shape (TF's `MakeShape`).
fn output_shape(t: &Tensor) -> Result<TensorShape> {
    if t.shape().rank() != 1 {
        return Err(Status::invalid_argument(format!(
            "shape must be a vector of {{int32,int64}}, got shape {}",
            t.shape()
        )));
    }
    let dims: Vec<i64> = match t.dtype() {
        DType::Int32 => t.as_slice::<i32>()?.iter().map(|&d| i64::from(d)).collect(),
        _ => t.as_slice::<i64>()?.to_vec(),
    };
    crate::kernels::util::shape_from_dims(&dims)
}

/// Fills `out` from `dist`, group `g` drawing from `base` skipped by `g` groups' blocks, so
/// the values do not depend on how the work is split.
fn generate<D: Distribution>(dist: &D, base: &Philox, out: &mut [D::Elem]) {
    let groups_per_task = (PARALLEL_THRESHOLD / D::GROUP).max(1);
    let task = |(t, chunk): (usize, &mut [D::Elem])| {
        let first = (t * groups_per_task) as u64;
        for (g, group) in chunk.chunks_mut(D::GROUP).enumerate() {
            let mut rng = base.clone();
            rng.skip((first + g as u64) * D::BLOCKS_PER_GROUP);
            dist.fill_group(&mut rng, group);
        }
    };
    if out.len() > PARALLEL_THRESHOLD {
        out.par_chunks_mut(groups_per_task * D::GROUP).enumerate().for_each(task);
    } else {
        task((0, out));
    }
}

/// Reserves this run's blocks and fills a new tensor of `shape` from `dist`.
fn sample<D: Distribution>(
    ctx: &KernelContext<'_>,
    rng: &Mutex<Philox>,
    dist: &D,
    shape: TensorShape,
) -> Result<Tensor> {
    let mut out =
        Tensor::zeros(ctx.allocator(), <D::Elem as sessionflow_core::Element>::DTYPE, shape)?;
    let values = out.as_mut_slice::<D::Elem>()?;
    if values.is_empty() {
        return Ok(out);
    }
    // The lock covers only the reservation; generation runs unlocked.
    let base = rng
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .reserve(values.len() as u64 * BLOCKS_PER_OUTPUT);
    generate(dist, &base, values);
    Ok(out)
}

/// RandomUniform, RandomStandardNormal and TruncatedNormal.
struct RandomFloat<D> {
    rng: Mutex<Philox>,
    dist: D,
}

impl<D: Distribution> OpKernel for RandomFloat<D> {
    fn compute(&self, ctx: &mut KernelContext<'_>) -> Result<()> {
        let shape = output_shape(ctx.input(0))?;
        let out = sample(ctx, &self.rng, &self.dist, shape)?;
        ctx.set_output(0, out);
        Ok(())
    }
}

/// RandomUniformInt: integers in `[minval, maxval)`.
struct RandomInt<T> {
    rng: Mutex<Philox>,
    _t: std::marker::PhantomData<T>,
}

/// The dtypes of RandomUniformInt.
trait IntOut: sessionflow_core::Element + std::fmt::Display + Ord {
    fn dist(lo: Self, hi: Self) -> impl Distribution<Elem = Self>;
}

impl IntOut for i32 {
    fn dist(lo: i32, hi: i32) -> impl Distribution<Elem = i32> {
        UniformInt { lo, range: u64::from((hi as u32).wrapping_sub(lo as u32)) }
    }
}

impl IntOut for i64 {
    fn dist(lo: i64, hi: i64) -> impl Distribution<Elem = i64> {
        UniformInt { lo, range: (hi as u64).wrapping_sub(lo as u64) }
    }
}

impl<T: IntOut> OpKernel for RandomInt<T> {
    fn compute(&self, ctx: &mut KernelContext<'_>) -> Result<()> {
        for (i, what) in [(1, "minval"), (2, "maxval")] {
            if ctx.input(i).shape().rank() != 0 {
                return Err(Status::invalid_argument(format!(
                    "{what} must be 0-D, got shape {}",
                    ctx.input(i).shape()
                )));
            }
        }
        let shape = output_shape(ctx.input(0))?;
        let (lo, hi) = (ctx.input(1).as_slice::<T>()?[0], ctx.input(2).as_slice::<T>()?[0]);
        // Checked only for non-empty outputs, as TF does: zero impossible samples are fine.
        if shape.num_elements()? > 0 && lo >= hi {
            return Err(Status::invalid_argument(format!("Need minval < maxval: {lo} >= {hi}")));
        }
        let out = sample(ctx, &self.rng, &T::dist(lo, hi), shape)?;
        ctx.set_output(0, out);
        Ok(())
    }
}

pub(super) fn register(r: &mut KernelRegistry) {
    macro_rules! reg_float {
        ($op:literal, $dist:ident, $t:ty, $d:ident) => {
            r.register($op, DeviceType::CPU, Some(DType::$d), |node: &NodeView<'_>| {
                Ok(Box::new(RandomFloat {
                    rng: Mutex::new(seeded(node)?),
                    dist: $dist::<$t>::new(),
                }))
            });
        };
    }
    macro_rules! reg_all {
        ($op:literal, $dist:ident) => {
            reg_float!($op, $dist, f32, Float32);
            reg_float!($op, $dist, f64, Float64);
            reg_float!($op, $dist, f16, Float16);
            reg_float!($op, $dist, bf16, BFloat16);
        };
    }
    reg_all!("RandomUniform", Uniform);
    reg_all!("RandomStandardNormal", Normal);
    reg_all!("TruncatedNormal", TruncatedNormal);
    macro_rules! reg_int {
        ($t:ty, $d:ident) => {
            r.register(
                "RandomUniformInt",
                DeviceType::CPU,
                Some(DType::$d),
                |node: &NodeView<'_>| {
                    Ok(Box::new(RandomInt::<$t> {
                        rng: Mutex::new(seeded(node)?),
                        _t: std::marker::PhantomData,
                    }))
                },
            );
        };
    }
    reg_int!(i32, Int32);
    reg_int!(i64, Int64);
}
