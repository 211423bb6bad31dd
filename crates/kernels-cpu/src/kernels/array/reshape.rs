//! `Reshape`, `ExpandDims` and `Squeeze`: new shapes over the same buffer, never a copy.

use super::args::{attr_ints, read_index};
use sessionflow_core::{KernelContext, NodeView, OpKernel, Result, Status, TensorShape};

/// `Reshape`: the input's buffer under the requested shape (one -1 is inferred).
pub(super) struct Reshape;

impl OpKernel for Reshape {
    fn compute(&self, ctx: &mut KernelContext<'_>) -> Result<()> {
        let (input, sizes) = (ctx.input(0), ctx.input(1));
        // TensorFlow still accepts a scalar as a one-element shape.
        if sizes.shape().rank() > 1 {
            return Err(Status::invalid_argument(format!(
                "sizes input must be 1-D, not {}",
                sizes.shape()
            )));
        }
        let shape = reshape_target(input.shape(), &read_index(sizes, "shape")?)?;
        let out = input.reshaped(shape)?;
        ctx.set_output(0, out);
        Ok(())
    }
}

/// The shape `sizes` asks for, with its -1 resolved, or TensorFlow's InvalidArgument.
fn reshape_target(input: &TensorShape, sizes: &[i64]) -> Result<TensorShape> {
    let mut dims = Vec::with_capacity(sizes.len());
    let mut unknown: Option<usize> = None;
    let mut has_zero = false;
    // Product of the positive sizes: a 0 is left out so the -1 can still be inferred.
    let mut product: usize = 1;
    for (d, &size) in sizes.iter().enumerate() {
        match size {
            -1 => {
                if let Some(u) = unknown {
                    return Err(Status::invalid_argument(format!(
                        "Only one input size may be -1, not both {u} and {d}"
                    )));
                }
                unknown = Some(d);
                dims.push(1);
            }
            s if s < 0 => {
                return Err(Status::invalid_argument(format!(
                    "Size {d} must be non-negative, not {s}"
                )));
            }
            0 => {
                has_zero = true;
                dims.push(0);
            }
            s => {
                let s = usize::try_from(s).map_err(|_| too_large(sizes))?;
                product = product.checked_mul(s).ok_or_else(|| too_large(sizes))?;
                dims.push(s);
            }
        }
    }
    let in_elements = input.num_elements()?;
    if let Some(u) = unknown {
        // Zero input dimensions are left out too when the request has a 0 of its own.
        let counted: usize = input.dims().iter().filter(|&&d| d > 0 || !has_zero).product();
        let in_has_zero = has_zero && input.dims().contains(&0);
        let missing = counted / product;
        if !in_has_zero && product * missing != counted {
            return Err(Status::invalid_argument(format!(
                "Input to reshape is a tensor with {counted} values, but the requested shape requires a multiple of {product}"
            )));
        }
        dims[u] = missing;
    }
    let shape = TensorShape::new(dims);
    let out_elements = shape.num_elements()?;
    if out_elements != in_elements {
        return Err(Status::invalid_argument(format!(
            "Input to reshape is a tensor with {in_elements} values, but the requested shape has {out_elements}"
        )));
    }
    Ok(shape)
}

fn too_large(sizes: &[i64]) -> Status {
    Status::invalid_argument(format!(
        "Reshape would overflow: requested shape {sizes:?} is too large"
    ))
}

/// `ExpandDims`: a 1 inserted at `dim`.
pub(super) struct ExpandDims;

impl OpKernel for ExpandDims {
    fn compute(&self, ctx: &mut KernelContext<'_>) -> Result<()> {
        let (input, dim) = (ctx.input(0), ctx.input(1));
        let dim = match read_index(dim, "dim")?.as_slice() {
            [d] => *d,
            _ => {
                return Err(Status::invalid_argument("'dim' must be a tensor with a single value"));
            }
        };
        let rank = input.shape().rank() as i64;
        if dim < -1 - rank || dim > rank {
            return Err(Status::invalid_argument(format!(
                "Tried to expand dim index {dim} for tensor with {rank} dimensions."
            )));
        }
        let at = if dim < 0 { dim + rank + 1 } else { dim } as usize;
        let mut dims = input.shape().dims().to_vec();
        dims.insert(at, 1);
        let out = input.reshaped(TensorShape::new(dims))?;
        ctx.set_output(0, out);
        Ok(())
    }
}

/// `Squeeze`: size-1 dimensions removed (only `squeeze_dims` when given).
pub(super) struct Squeeze {
    squeeze_dims: Vec<i64>,
}

impl Squeeze {
    pub(super) fn new(node: &NodeView<'_>) -> Result<Self> {
        Ok(Squeeze { squeeze_dims: attr_ints(node, "squeeze_dims")? })
    }
}

impl OpKernel for Squeeze {
    fn compute(&self, ctx: &mut KernelContext<'_>) -> Result<()> {
        let input = ctx.input(0);
        let dims = input.shape().dims();
        let rank = dims.len() as i64;
        let mut squeeze = vec![false; dims.len()];
        for &d in &self.squeeze_dims {
            if d < -rank || d >= rank {
                return Err(Status::invalid_argument(format!(
                    "Tried to squeeze dim index {d} for tensor with {rank} dimensions."
                )));
            }
            squeeze[if d < 0 { d + rank } else { d } as usize] = true;
        }
        let mut out_dims = Vec::with_capacity(dims.len());
        for (i, &d) in dims.iter().enumerate() {
            if self.squeeze_dims.is_empty() {
                if d != 1 {
                    out_dims.push(d);
                }
            } else if squeeze[i] {
                if d != 1 {
                    return Err(Status::invalid_argument(format!(
                        "Can not squeeze dim[{i}], expected a dimension of 1, got {d}"
                    )));
                }
            } else {
                out_dims.push(d);
            }
        }
        let out = input.reshaped(TensorShape::new(out_dims))?;
        ctx.set_output(0, out);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sessionflow_alloc::CpuAllocator;
    use sessionflow_core::{Allocator, AttrMap, AttrValue, DType, Tensor};
    use std::sync::Arc;

    fn run(kernel: &dyn OpKernel, inputs: Vec<Tensor>, alloc: &Arc<dyn Allocator>) -> Tensor {
        let mut ctx = KernelContext::new(inputs, 1, alloc);
        kernel.compute(&mut ctx).unwrap();
        ctx.into_outputs().unwrap().remove(0)
    }

    #[test]
    fn reshapes_share_the_input_buffer() {
        let alloc: Arc<dyn Allocator> = Arc::new(CpuAllocator::new(None));
        let x = Tensor::from_slice(&alloc, TensorShape::new([2, 3]), &[1f32, 2., 3., 4., 5., 6.])
            .unwrap();
        let shape = Tensor::from_slice(&alloc, TensorShape::new([1]), &[-1i32]).unwrap();
        let flat = run(&Reshape, vec![x.clone(), shape], &alloc);
        assert_eq!(flat.shape().dims(), [6]);
        assert_eq!(flat.as_bytes().unwrap().as_ptr(), x.as_bytes().unwrap().as_ptr());

        let dim = Tensor::scalar(&alloc, 0i64).unwrap();
        let expanded = run(&ExpandDims, vec![x.clone(), dim], &alloc);
        assert_eq!(expanded.shape().dims(), [1, 2, 3]);
        assert_eq!(expanded.as_bytes().unwrap().as_ptr(), x.as_bytes().unwrap().as_ptr());

        let mut attrs = AttrMap::new();
        attrs.insert("squeeze_dims".into(), AttrValue::ListInt(vec![]));
        let node = NodeView {
            name: "s",
            op: "Squeeze",
            attrs: &attrs,
            input_types: &[DType::Float32],
            output_types: &[DType::Float32],
        };
        let squeezed = run(&Squeeze::new(&node).unwrap(), vec![expanded.clone()], &alloc);
        assert_eq!(squeezed.shape().dims(), [2, 3]);
        assert_eq!(squeezed.as_bytes().unwrap().as_ptr(), x.as_bytes().unwrap().as_ptr());
    }

    #[test]
    fn string_reshapes_share_the_strings() {
        let alloc: Arc<dyn Allocator> = Arc::new(CpuAllocator::new(None));
        let s = Tensor::from_strings(
            TensorShape::new([2, 2]),
            vec![b"a".to_vec(), b"b".to_vec(), b"c".to_vec(), b"d".to_vec()],
        )
        .unwrap();
        let shape = Tensor::from_slice(&alloc, TensorShape::new([2]), &[4i64, 1]).unwrap();
        let out = run(&Reshape, vec![s.clone(), shape], &alloc);
        assert_eq!(out.shape().dims(), [4, 1]);
        assert_eq!(out.as_strings().unwrap().as_ptr(), s.as_strings().unwrap().as_ptr());
    }
}
