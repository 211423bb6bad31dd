//! `Slice` (a box given by begin and size) and `StridedSlice` (numpy's `x[b:e:s, ...]`).

use super::args::{attr_int, read_index, strides_of};
use super::items::with_item;
use super::strided::View;
use super::transpose::through_view;
use sessionflow_core::strided_slice::{StridedSliceMasks, dense_strided_slice};
use sessionflow_core::{KernelContext, NodeView, OpKernel, Result, Status, Tensor, TensorShape};

/// `Slice`: `size[i]` elements from `begin[i]` along each dimension (-1: to the end).
pub(super) struct Slice;

impl OpKernel for Slice {
    fn compute(&self, ctx: &mut KernelContext<'_>) -> Result<()> {
        let (input, begin_t, size_t) = (ctx.input(0), ctx.input(1), ctx.input(2));
        let dims = input.shape().dims();
        let rank = dims.len();
        let vector_of_rank = |t: &Tensor| t.shape().rank() == 1 && t.num_elements() == rank;
        if !vector_of_rank(begin_t) || !vector_of_rank(size_t) {
            return Err(Status::invalid_argument(format!(
                "Expected begin and size arguments to be 1-D tensors of size {rank}, but got shapes {} and {} instead.",
                begin_t.shape(),
                size_t.shape()
            )));
        }
        let begin = read_index(begin_t, "begin")?;
        let mut size = read_index(size_t, "size")?;
        let mut offset = 0usize;
        let strides = strides_of(dims);
        for i in 0..rank {
            let dim = dims[i] as i64;
            let b = begin[i];
            if size[i] == -1 {
                size[i] = dim.saturating_sub(b);
            }
            let s = size[i];
            if dim == 0 {
                if b != 0 || s != 0 {
                    return Err(Status::invalid_argument(format!(
                        "Expected begin[{i}] == 0 (got {b}) and size[{i}] == 0 (got {s}) when input.dim_size({i}) == 0"
                    )));
                }
            } else {
                if b < 0 || b > dim {
                    return Err(Status::invalid_argument(format!(
                        "Expected begin[{i}] in [0, {dim}], but got {b}"
                    )));
                }
                if s < 0 || s > dim - b {
                    return Err(Status::invalid_argument(format!(
                        "Expected size[{i}] in [0, {}], but got {s}",
                        dim - b
                    )));
                }
            }
            offset += b as usize * strides[i];
        }
        let out_dims: Vec<usize> = size.iter().map(|&s| s as usize).collect();
        if out_dims == dims {
            let out = input.clone();
            ctx.set_output(0, out);
            return Ok(());
        }
        if out_dims.contains(&0) {
            let out = Tensor::zeros(ctx.allocator(), input.dtype(), TensorShape::new(out_dims))?;
            ctx.set_output(0, out);
            return Ok(());
        }
        let view =
            View { dims: out_dims, strides: strides.iter().map(|&s| s as isize).collect(), offset };
        let out = with_item!(input.dtype(), |T| through_view::<T>(ctx, input, &view))?;
        ctx.set_output(0, out);
        Ok(())
    }
}

/// `StridedSlice`, with all five masks as TensorFlow defines them.
pub(super) struct StridedSlice {
    masks: StridedSliceMasks,
}

impl StridedSlice {
    pub(super) fn new(node: &NodeView<'_>) -> Result<Self> {
        Ok(StridedSlice {
            masks: StridedSliceMasks {
                begin: attr_int(node, "begin_mask")?,
                end: attr_int(node, "end_mask")?,
                ellipsis: attr_int(node, "ellipsis_mask")?,
                new_axis: attr_int(node, "new_axis_mask")?,
                shrink_axis: attr_int(node, "shrink_axis_mask")?,
            },
        })
    }
}

impl OpKernel for StridedSlice {
    fn compute(&self, ctx: &mut KernelContext<'_>) -> Result<()> {
        let input = ctx.input(0);
        let (begin_t, end_t, strides_t) = (ctx.input(1), ctx.input(2), ctx.input(3));
        let n = strides_t.num_elements();
        let ok = |t: &Tensor| t.shape().rank() == 1 && t.num_elements() == n;
        if !ok(begin_t) || !ok(end_t) || !ok(strides_t) || n >= 32 {
            return Err(Status::invalid_argument(format!(
                "Expected begin, end, and strides to be 1D equal size tensors, but got shapes {}, {}, and {} instead.",
                begin_t.shape(),
                end_t.shape(),
                strides_t.shape()
            )));
        }
        let dims = input.shape().dims();
        let known: Vec<Option<usize>> = dims.iter().map(|&d| Some(d)).collect();
        let begin = read_index(begin_t, "begin")?;
        let end = read_index(end_t, "end")?;
        let steps = read_index(strides_t, "strides")?;
        let dense = dense_strided_slice(&known, Some(&begin), Some(&end), &steps, self.masks)?;
        // Every dimension of a concrete input is known, so both shapes are too.
        let final_dims: Vec<usize> = dense.final_shape.iter().map(|d| d.unwrap_or(0)).collect();
        let processing: Vec<usize> =
            dense.processing_shape.iter().map(|d| d.unwrap_or(0)).collect();
        let final_shape = TensorShape::new(final_dims);
        if dense.is_identity {
            let out = input.reshaped(final_shape)?;
            ctx.set_output(0, out);
            return Ok(());
        }
        if processing.contains(&0) {
            let out = Tensor::zeros(ctx.allocator(), input.dtype(), final_shape)?;
            ctx.set_output(0, out);
            return Ok(());
        }
        let in_strides = strides_of(dims);
        let mut view =
            View { dims: processing, strides: Vec::with_capacity(dims.len()), offset: 0 };
        for ((&b, &step), &s) in dense.begin.iter().zip(&dense.strides).zip(&in_strides) {
            // A non-empty range starts inside the input, so begin >= 0 here.
            view.offset += b as usize * s;
            // Saturating: only a dimension of one element can overflow, and its stride is unused.
            view.strides.push((step as isize).saturating_mul(s as isize));
        }
        let out = with_item!(input.dtype(), |T| through_view::<T>(ctx, input, &view))?
            .reshaped(final_shape)?;
        ctx.set_output(0, out);
        Ok(())
    }
}
