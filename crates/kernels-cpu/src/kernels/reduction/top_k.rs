//! TopKV2: the `k` largest values of each innermost row and their positions, largest first,
//! equal values in position order (as TensorFlow). NaN counts as larger than every number, as
//! in TensorFlow's selection for small `k`. With `sorted = false` TensorFlow leaves the order
//! unspecified; this kernel returns the sorted order then too.

use super::engine::PARALLEL_MIN;
use super::index::{IndexOut, read_scalar, with_index_type};
use crate::kernels::numeric::{Numeric, for_numeric_types};
use rayon::prelude::*;
use sessionflow_core::{
    DType, DeviceType, KernelContext, KernelRegistry, NodeView, OpKernel, Result, Status, Tensor,
    TensorShape,
};
use std::cmp::Ordering;
use std::marker::PhantomData;

/// An element with TopKV2's order.
pub(crate) trait TopKElement: Numeric {
    fn is_nan(self) -> bool;
}

macro_rules! top_k_element {
    ($nan:expr => $($t:ty),*) => {$(
        impl TopKElement for $t {
            #[inline]
            fn is_nan(self) -> bool {
                $nan(self)
            }
        }
    )*};
}
top_k_element!(|x: Self| x.is_nan() => f32, f64, half::f16, half::bf16);
top_k_element!(|_| false => i8, i16, i32, i64, u8);

/// Descending order with NaN first; `Equal` for equal values (and for two NaNs).
#[inline]
fn descending<T: TopKElement>(a: T, b: T) -> Ordering {
    match (a.is_nan(), b.is_nan()) {
        (true, true) => Ordering::Equal,
        (true, false) => Ordering::Less,
        (false, true) => Ordering::Greater,
        (false, false) => b.partial_cmp(&a).unwrap_or(Ordering::Equal),
    }
}

/// Fills `values` and `indices` (length `k`) with the top of `row`; `scratch` is reused.
fn top_k_row<T: TopKElement, O: IndexOut>(
    row: &[T],
    values: &mut [T],
    indices: &mut [O],
    scratch: &mut Vec<usize>,
) {
    let k = values.len();
    if k == 1 {
        // One pass: the first of the largest values.
        let mut best = 0;
        for (i, &x) in row.iter().enumerate().skip(1) {
            if descending(x, row[best]) == Ordering::Less {
                best = i;
            }
        }
        values[0] = row[best];
        indices[0] = O::from_index(best);
        return;
    }
    let order = |&i: &usize, &j: &usize| descending(row[i], row[j]).then(i.cmp(&j));
    scratch.clear();
    scratch.extend(0..row.len());
    if k < row.len() {
        // Partition around the k-th, then sort only the first k: O(n + k log k).
        scratch.select_nth_unstable_by(k - 1, order);
        scratch[..k].sort_unstable_by(order);
    } else {
        scratch.sort_unstable_by(order);
    }
    for ((v, ix), &i) in values.iter_mut().zip(indices.iter_mut()).zip(scratch.iter()) {
        *v = row[i];
        *ix = O::from_index(i);
    }
}

fn run<T: TopKElement, O: IndexOut>(ctx: &mut KernelContext<'_>, k: usize) -> Result<()> {
    let input = ctx.input(0);
    let dims = input.shape().dims();
    let n = *dims.last().unwrap_or(&0);
    let mut out_dims = dims.to_vec();
    if let Some(last) = out_dims.last_mut() {
        *last = k;
    }
    let shape = TensorShape::new(out_dims);
    let mut values = Tensor::zeros(ctx.allocator(), T::DTYPE, shape.clone())?;
    let mut indices = Tensor::zeros(ctx.allocator(), O::DTYPE, shape)?;
    let x = input.as_slice::<T>()?;
    let (vs, is) = (values.as_mut_slice::<T>()?, indices.as_mut_slice::<O>()?);
    // k > 0 implies n > 0 (checked by the caller), so the chunks below are nonempty.
    if k > 0 {
        let rows = x.chunks(n).zip(vs.chunks_mut(k)).zip(is.chunks_mut(k));
        if x.len() >= PARALLEL_MIN {
            let rows = x.par_chunks(n).zip(vs.par_chunks_mut(k)).zip(is.par_chunks_mut(k));
            rows.with_min_len(16)
                .for_each_init(Vec::new, |scratch, ((row, v), i)| top_k_row(row, v, i, scratch));
        } else {
            let mut scratch = Vec::new();
            for ((row, v), i) in rows {
                top_k_row(row, v, i, &mut scratch);
            }
        }
    }
    ctx.set_output(0, values);
    ctx.set_output(1, indices);
    Ok(())
}

struct TopKKernel<T> {
    index_type: DType,
    _t: PhantomData<T>,
}

impl<T: TopKElement> OpKernel for TopKKernel<T> {
    fn compute(&self, ctx: &mut KernelContext<'_>) -> Result<()> {
        let k = read_scalar(ctx.input(1), "k", |s| format!("k must be scalar, got shape {s}"))?;
        if k < 0 {
            return Err(Status::invalid_argument(format!("Need k >= 0, got {k}")));
        }
        let shape = ctx.input(0).shape();
        let Some(&n) = shape.dims().last() else {
            return Err(Status::invalid_argument(format!(
                "input must be >= 1-D, got shape {shape}"
            )));
        };
        if (n as u64) < k as u64 {
            return Err(Status::invalid_argument(format!(
                "input must have at least k columns. Had {n}, needed {k}"
            )));
        }
        if self.index_type == DType::Int16 && n > i16::MAX as usize {
            return Err(Status::invalid_argument(format!(
                "Second dimension of flattened input must be <= {}, got {n}",
                i16::MAX
            )));
        }
        with_index_type!(self.index_type, run::<T>(ctx, k as usize))
    }
}

fn factory<T: TopKElement>(node: &NodeView<'_>) -> Result<Box<dyn OpKernel>> {
    let index_type = node.output_types.get(1).copied().unwrap_or(DType::Int32);
    Ok(Box::new(TopKKernel::<T> { index_type, _t: PhantomData }))
}

pub(super) fn register(r: &mut KernelRegistry) {
    macro_rules! reg {
        ($t:ty, $d:ident) => {
            r.register("TopKV2", DeviceType::CPU, Some(DType::$d), factory::<$t>);
        };
    }
    for_numeric_types!(reg);
}
