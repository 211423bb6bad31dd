//! GatherNd: slices of `params` addressed by index vectors (the last dimension of `indices`).

use super::elem::{Elem, for_all_elems};
use super::{PARALLEL_THRESHOLD, indices_i64, product, slice_debug_string};
#[allow(unused_imports)] // used by the expansion of the type-list macros
use crate::kernels::numeric::{for_flat_types, for_numeric_types};
use rayon::prelude::*;
use sessionflow_core::{
    DType, DeviceType, KernelContext, KernelRegistry, NodeView, OpKernel, Result, Status,
    TensorShape,
};
use std::marker::PhantomData;

/// What to do with an index vector outside `params`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum BadIndices {
    /// Fail with InvalidArgument (TF's CPU default).
    Error,
    /// Skip it: gather gives zeros, scatter drops the update.
    Ignore,
}

impl BadIndices {
    /// Reads the `bad_indices_policy` attr.
    pub(super) fn from_node(node: &NodeView<'_>) -> Result<BadIndices> {
        match node.attrs.get("bad_indices_policy") {
            Some(sessionflow_core::AttrValue::String(p)) if p == "IGNORE" => Ok(BadIndices::Ignore),
            Some(sessionflow_core::AttrValue::String(p))
                if !matches!(p.as_str(), "" | "DEFAULT" | "ERROR") =>
            {
                Err(Status::invalid_argument(format!("unknown bad_indices_policy '{p}'")))
            }
            _ => Ok(BadIndices::Error),
        }
    }
}

/// Flat element offsets (in units of `slice`) of index vectors into a tensor of `dims`: the
/// offset of each vector, or `None` where it is out of bounds.
pub(super) fn vector_offsets(idx: &[i64], depth: usize, dims: &[usize]) -> Vec<Option<usize>> {
    let count = idx.len().checked_div(depth).unwrap_or(0);
    let mut strides = vec![1usize; depth];
    for d in (0..depth.saturating_sub(1)).rev() {
        strides[d] = strides[d + 1] * dims[d + 1];
    }
    (0..count)
        .map(|i| {
            let v = &idx[i * depth..(i + 1) * depth];
            v.iter().zip(dims).zip(&strides).try_fold(0usize, |acc, ((&x, &d), &s)| {
                (x >= 0 && (x as usize) < d).then(|| acc + x as usize * s)
            })
        })
        .collect()
}

/// `[a, b]` as TF prints an index vector in messages.
pub(super) fn format_vector(v: &[i64]) -> String {
    let parts: Vec<String> = v.iter().map(ToString::to_string).collect();
    format!("[{}]", parts.join(", "))
}

struct GatherNd<T> {
    node: String,
    policy: BadIndices,
    _t: PhantomData<T>,
}

impl<T: Elem> OpKernel for GatherNd<T> {
    fn compute(&self, ctx: &mut KernelContext<'_>) -> Result<()> {
        let (params, indices) = (ctx.input(0), ctx.input(1));
        let (pdims, idims) = (params.shape().dims(), indices.shape().dims());
        if pdims.is_empty() {
            return Err(Status::invalid_argument("params must be at least a vector"));
        }
        let Some((&depth, prefix)) = idims.split_last() else {
            return Err(Status::invalid_argument("indices must be at least a vector"));
        };
        if depth > pdims.len() {
            return Err(Status::invalid_argument(format!(
                "index innermost dimension length must be <= params rank; saw: {depth} vs. {}",
                pdims.len()
            )));
        }
        let count = product(prefix);
        let slice = product(&pdims[depth..]);
        let mut out_dims = prefix.to_vec();
        out_dims.extend_from_slice(&pdims[depth..]);
        if count > 0 && params.num_elements() == 0 {
            return Err(Status::invalid_argument(format!(
                "Requested more than 0 entries, but params is empty.  Params shape: {}",
                params.shape()
            )));
        }
        let idx = indices_i64(indices)?;
        let offsets =
            if depth == 0 { vec![Some(0); count] } else { vector_offsets(&idx, depth, pdims) };
        if self.policy == BadIndices::Error
            && let Some(bad) = offsets.iter().position(Option::is_none)
        {
            return Err(Status::invalid_argument(format!(
                "indices{} = {} does not index into param shape {}, node name: {}",
                slice_debug_string(prefix, bad),
                format_vector(&idx[bad * depth..(bad + 1) * depth]),
                params.shape(),
                self.node
            )));
        }
        let src = T::slice(params)?;
        let out = T::build(ctx.allocator(), TensorShape::new(out_dims), |out| {
            if slice == 0 {
                return Ok(());
            }
            let copy = |(row, off): (&mut [T], &Option<usize>)| {
                // Ignored bad indices leave the zeros Elem::build started with.
                if let Some(off) = off {
                    row.clone_from_slice(&src[off * slice..(off + 1) * slice]);
                }
            };
            if out.len() > PARALLEL_THRESHOLD {
                out.par_chunks_mut(slice).zip(offsets.par_iter()).for_each(copy);
            } else {
                out.chunks_mut(slice).zip(offsets.iter()).for_each(copy);
            }
            Ok(())
        })?;
        ctx.set_output(0, out);
        Ok(())
    }
}

pub(super) fn register(r: &mut KernelRegistry) {
    macro_rules! reg {
        ($t:ty, $d:ident) => {
            r.register("GatherNd", DeviceType::CPU, Some(DType::$d), |node: &NodeView<'_>| {
                Ok(Box::new(GatherNd::<$t> {
                    node: node.name.to_owned(),
                    policy: BadIndices::from_node(node)?,
                    _t: PhantomData,
                }))
            });
        };
    }
    for_all_elems!(reg);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_are_row_major_and_bounds_checked() {
        let dims = [2, 3, 4];
        assert_eq!(vector_offsets(&[1, 2], 2, &dims), vec![Some(5)]);
        assert_eq!(vector_offsets(&[1, 2, 0, 1], 2, &dims), vec![Some(5), Some(1)]);
        assert_eq!(vector_offsets(&[1, 3], 2, &dims), vec![None]);
        assert_eq!(vector_offsets(&[-1, 0], 2, &dims), vec![None]);
        assert_eq!(format_vector(&[1, 3]), "[1, 3]");
    }
}
