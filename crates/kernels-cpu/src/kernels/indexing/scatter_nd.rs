//! ScatterNd: a zero tensor of `shape` with `updates` added at the slices `indices` address;
//! duplicate indices accumulate (bools are or-ed, strings concatenated, as TF does).

use super::elem::{Elem, for_all_elems};
use super::gather_nd::{BadIndices, format_vector, vector_offsets};
use super::{indices_i64, product, shape_from_dims, slice_debug_string};
use crate::kernels::numeric::Numeric;
#[allow(unused_imports)] // used by the expansion of the type-list macros
use crate::kernels::numeric::{for_flat_types, for_numeric_types};
use sessionflow_core::{
    DType, DeviceType, KernelContext, KernelRegistry, NodeView, OpKernel, Result, Status,
    TensorShape,
};
use std::marker::PhantomData;

/// How one update combines with what is already there.
trait Accumulate: Elem {
    fn accumulate(&mut self, update: &Self);
}

macro_rules! numeric_accumulate {
    ($t:ty, $d:ident) => {
        impl Accumulate for $t {
            fn accumulate(&mut self, update: &Self) {
                *self = Numeric::add(*self, *update);
            }
        }
    };
}
for_numeric_types!(numeric_accumulate);

impl Accumulate for bool {
    fn accumulate(&mut self, update: &Self) {
        *self |= *update;
    }
}

impl Accumulate for Vec<u8> {
    fn accumulate(&mut self, update: &Self) {
        self.extend_from_slice(update);
    }
}

struct ScatterNd<T> {
    policy: BadIndices,
    _t: PhantomData<T>,
}

/// Checks indices `[.., depth]` and updates `[.., slice dims]` against the output shape.
fn validate(idims: &[usize], udims: &[usize], out: &TensorShape) -> Result<usize> {
    let odims = out.dims();
    let Some((&depth, prefix)) = idims.split_last() else {
        return Err(Status::invalid_argument("Shape must be at least rank 1 but is rank 0"));
    };
    if udims.is_empty() {
        return Err(Status::invalid_argument(format!(
            "Updates shape must have rank at least one. Found:{}",
            TensorShape::new(udims)
        )));
    }
    let batch = prefix.len();
    if udims.len() < batch || &udims[..batch] != prefix {
        return Err(Status::invalid_argument(format!(
            "Dimensions [0,{batch}) of indices[shape={}] must match dimensions [0,{batch}) of updates[shape={}]",
            TensorShape::new(idims),
            TensorShape::new(udims)
        )));
    }
    if depth > odims.len() || udims[batch..] != odims[depth..] {
        return Err(Status::invalid_argument(format!(
            "Dimensions [{depth},{}) of input[shape={out}] must match dimensions [{batch},{}) of updates[shape={}]",
            odims.len(),
            udims.len(),
            TensorShape::new(udims)
        )));
    }
    Ok(depth)
}

impl<T: Accumulate> OpKernel for ScatterNd<T> {
    fn compute(&self, ctx: &mut KernelContext<'_>) -> Result<()> {
        let (indices, updates, shape) = (ctx.input(0), ctx.input(1), ctx.input(2));
        if shape.shape().rank() != 1 {
            return Err(Status::invalid_argument("Shape must be a vector"));
        }
        let out_shape = shape_from_dims(&indices_i64(shape)?)?;
        let (ni, nu) = (indices.num_elements(), updates.num_elements());
        let nothing = ni == 0 && nu == 0;
        if !nothing && (out_shape.rank() == 0 || ni == 0 || nu == 0) {
            return Err(Status::invalid_argument(
                "Indices and updates specified for empty output shape",
            ));
        }
        if out_shape.rank() == 0 {
            return Err(Status::invalid_argument(format!(
                "Output must be at least 1-D, got shape: {out_shape}"
            )));
        }
        if !nothing && out_shape.num_elements()? == 0 {
            return Err(Status::invalid_argument(format!(
                "Indices and updates specified for empty output.  indices shape: {}",
                indices.shape()
            )));
        }
        let (idims, udims) = (indices.shape().dims(), updates.shape().dims());
        let depth = validate(idims, udims, &out_shape)?;
        let prefix = &idims[..idims.len() - 1];
        let slice = product(&out_shape.dims()[depth..]);
        let idx = indices_i64(indices)?;
        let offsets = if depth == 0 {
            vec![Some(0); product(prefix)]
        } else {
            vector_offsets(&idx, depth, out_shape.dims())
        };
        let src = T::slice(updates)?;
        let out = T::build(ctx.allocator(), out_shape.clone(), |out| {
            if slice == 0 {
                return Ok(());
            }
            // Sequential: duplicate indices must accumulate in order.
            for (i, (off, update)) in offsets.iter().zip(src.chunks(slice)).enumerate() {
                match off {
                    Some(off) => {
                        for (o, u) in out[off * slice..(off + 1) * slice].iter_mut().zip(update) {
                            o.accumulate(u);
                        }
                    }
                    None if self.policy == BadIndices::Ignore => {}
                    None => {
                        return Err(Status::invalid_argument(format!(
                            "indices{} = {} does not index into shape {out_shape}",
                            slice_debug_string(prefix, i),
                            format_vector(&idx[i * depth..(i + 1) * depth])
                        )));
                    }
                }
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
            r.register("ScatterNd", DeviceType::CPU, Some(DType::$d), |node: &NodeView<'_>| {
                Ok(Box::new(ScatterNd::<$t> {
                    policy: BadIndices::from_node(node)?,
                    _t: PhantomData,
                }))
            });
        };
    }
    for_all_elems!(reg);
}
