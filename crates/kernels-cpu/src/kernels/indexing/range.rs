//! Range: `start, start + delta, …` up to but excluding `limit`, with TF's checks. Element
//! `i` is `start + i * delta` in the dtype's own arithmetic, as TF computes it.

use crate::kernels::numeric::Numeric;
use half::{bf16, f16};
use sessionflow_core::{
    DType, DeviceType, KernelContext, KernelRegistry, NodeView, OpKernel, Result, Status, Tensor,
    TensorShape,
};
use std::fmt::Display;
use std::marker::PhantomData;

/// A dtype Range has a CPU kernel for.
trait RangeElem: Numeric + Display {
    /// `ceil(|limit - start| / |delta|)` in the dtype's arithmetic, or `None` past i64.
    fn size(start: Self, limit: Self, delta: Self) -> Option<u64>;
    /// Element `i`.
    fn at(start: Self, delta: Self, i: u64) -> Self;
}

macro_rules! int_range {
    ($($t:ty),*) => {$(
        impl RangeElem for $t {
            fn size(start: Self, limit: Self, delta: Self) -> Option<u64> {
                // Exact: |limit - start| may not fit the dtype.
                let span = (i128::from(limit) - i128::from(start)).unsigned_abs();
                let step = i128::from(delta).unsigned_abs();
                u64::try_from(span.div_ceil(step)).ok()
            }
            fn at(start: Self, delta: Self, i: u64) -> Self {
                start.wrapping_add((i as $t).wrapping_mul(delta))
            }
        }
    )*};
}
int_range!(i32, i64);

/// `ceil(|q|)` as a count, when it fits an i64.
fn count(q: f64) -> Option<u64> {
    let c = q.abs().ceil();
    (c <= i64::MAX as f64).then_some(c as u64)
}

impl RangeElem for f32 {
    fn size(start: Self, limit: Self, delta: Self) -> Option<u64> {
        count(f64::from((limit - start) / delta))
    }
    fn at(start: Self, delta: Self, i: u64) -> Self {
        start + i as f32 * delta
    }
}

impl RangeElem for f64 {
    fn size(start: Self, limit: Self, delta: Self) -> Option<u64> {
        count((limit - start) / delta)
    }
    fn at(start: Self, delta: Self, i: u64) -> Self {
        start + i as f64 * delta
    }
}

macro_rules! half_range {
    ($($t:ty),*) => {$(
        impl RangeElem for $t {
            fn size(start: Self, limit: Self, delta: Self) -> Option<u64> {
                // Each operation rounds to the half type, as Eigen's half arithmetic does.
                let diff = <$t>::from_f32(limit.to_f32() - start.to_f32());
                count(<$t>::from_f32(diff.to_f32() / delta.to_f32()).to_f64())
            }
            fn at(start: Self, delta: Self, i: u64) -> Self {
                let i = <$t>::from_f32(i as f32);
                let step = <$t>::from_f32(i.to_f32() * delta.to_f32());
                <$t>::from_f32(start.to_f32() + step.to_f32())
            }
        }
    )*};
}
half_range!(f16, bf16);

struct Range<T> {
    _t: PhantomData<T>,
}

/// The single value of `t`: TF's kernel takes a scalar or a one-element vector.
fn scalar<'a, T: Numeric>(t: &'a Tensor, what: &str) -> Result<&'a T> {
    let dims = t.shape().dims();
    if !(dims.is_empty() || dims == [1]) {
        return Err(Status::invalid_argument(format!(
            "{what} must be a scalar, not shape {}",
            t.shape()
        )));
    }
    Ok(&t.as_slice::<T>()?[0])
}

// The negated comparisons are deliberate: NaN must fail them, as in TF.
#[allow(clippy::neg_cmp_op_on_partial_ord)]
impl<T: RangeElem> OpKernel for Range<T> {
    fn compute(&self, ctx: &mut KernelContext<'_>) -> Result<()> {
        let start = *scalar::<T>(ctx.input(0), "start")?;
        let limit = *scalar::<T>(ctx.input(1), "limit")?;
        let delta = *scalar::<T>(ctx.input(2), "delta")?;
        if delta == T::ZERO {
            return Err(Status::invalid_argument(format!("Requires delta != 0: {delta}")));
        }
        if delta > T::ZERO {
            if !(start <= limit) {
                return Err(Status::invalid_argument(format!(
                    "Requires start <= limit when delta > 0: {start}/{limit}"
                )));
            }
        } else if !(start >= limit) {
            return Err(Status::invalid_argument(format!(
                "Requires start >= limit when delta < 0: {start}/{limit}"
            )));
        }
        let size = T::size(start, limit, delta).ok_or_else(|| {
            Status::invalid_argument(format!("Requires ((limit - start) / delta) <= {}", i64::MAX))
        })?;
        let size = usize::try_from(size)
            .map_err(|_| Status::resource_exhausted(format!("Range of {size} elements")))?;
        let mut out = Tensor::zeros(ctx.allocator(), T::DTYPE, TensorShape::new([size]))?;
        for (i, o) in out.as_mut_slice::<T>()?.iter_mut().enumerate() {
            *o = T::at(start, delta, i as u64);
        }
        ctx.set_output(0, out);
        Ok(())
    }
}

pub(super) fn register(r: &mut KernelRegistry) {
    macro_rules! reg {
        ($t:ty, $d:ident) => {
            r.register("Range", DeviceType::CPU, Some(DType::$d), |_: &NodeView<'_>| {
                Ok(Box::new(Range::<$t> { _t: PhantomData }))
            });
        };
    }
    reg!(f32, Float32);
    reg!(f64, Float64);
    reg!(f16, Float16);
    reg!(bf16, BFloat16);
    reg!(i32, Int32);
    reg!(i64, Int64);
}
