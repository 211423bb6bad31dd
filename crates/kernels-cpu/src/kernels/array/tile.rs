//! `Tile` and `BroadcastTo`: repetition as views with zero strides. A tile of `[d0, d1]` by
//! `[m0, m1]` is the view `[m0, d0, m1, d1]` with strides `[0, s0, 0, s1]`.

use super::args::{read_index, strides_of};
use super::items::with_item;
use super::strided::View;
use super::transpose::through_view;
use sessionflow_core::{KernelContext, OpKernel, Result, Status, TensorShape};

/// `Tile`: the input repeated `multiples[i]` times along dimension i.
pub(super) struct Tile;

impl OpKernel for Tile {
    fn compute(&self, ctx: &mut KernelContext<'_>) -> Result<()> {
        let (input, multiples) = (ctx.input(0), ctx.input(1));
        if multiples.shape().rank() != 1 {
            return Err(Status::invalid_argument(format!(
                "Expected multiples to be 1-D, but got shape {}",
                multiples.shape()
            )));
        }
        let dims = input.shape().dims();
        let multiples = read_index(multiples, "multiples")?;
        if multiples.len() != dims.len() {
            return Err(Status::invalid_argument(format!(
                "Expected multiples argument to be a vector of length {} but got length {}",
                dims.len(),
                multiples.len()
            )));
        }
        let mut view = View { dims: Vec::new(), strides: Vec::new(), offset: 0 };
        for (i, ((&m, &d), s)) in multiples.iter().zip(dims).zip(strides_of(dims)).enumerate() {
            if m < 0 {
                return Err(Status::invalid_argument(format!(
                    "Expected multiples[{i}] >= 0, but got {m}"
                )));
            }
            let m = usize::try_from(m).map_err(|_| overflow())?;
            d.checked_mul(m).ok_or_else(overflow)?;
            view.dims.extend([m, d]);
            view.strides.extend([0, s as isize]);
        }
        let out_dims: Vec<usize> = view.dims.chunks_exact(2).map(|p| p[0] * p[1]).collect();
        if out_dims == dims {
            let out = input.clone();
            ctx.set_output(0, out);
            return Ok(());
        }
        TensorShape::new(out_dims.clone()).num_elements()?;
        let out = with_item!(input.dtype(), |T| through_view::<T>(ctx, input, &view))?
            .reshaped(TensorShape::new(out_dims))?;
        ctx.set_output(0, out);
        Ok(())
    }
}

fn overflow() -> Status {
    Status::invalid_argument("Tile: output dimension overflows")
}

/// `BroadcastTo`: the input stretched to `shape` by numpy's rules (one way only).
pub(super) struct BroadcastTo;

impl OpKernel for BroadcastTo {
    fn compute(&self, ctx: &mut KernelContext<'_>) -> Result<()> {
        let (input, shape_t) = (ctx.input(0), ctx.input(1));
        if shape_t.shape().rank() != 1 {
            return Err(Status::invalid_argument(format!(
                "shape must be a vector of {{int32,int64}}, got shape {}",
                shape_t.shape()
            )));
        }
        let mut out_dims = Vec::new();
        for d in read_index(shape_t, "shape")? {
            if d < 0 {
                return Err(Status::invalid_argument(format!("Dimension {d} must be >= 0")));
            }
            out_dims.push(usize::try_from(d).map_err(|_| overflow())?);
        }
        let out_shape = TensorShape::new(out_dims);
        out_shape.num_elements()?;
        let in_shape = input.shape();
        if *in_shape == out_shape {
            let out = input.clone();
            ctx.set_output(0, out);
            return Ok(());
        }
        let (in_dims, out_dims) = (in_shape.dims(), out_shape.dims());
        if in_dims.len() > out_dims.len() {
            return Err(Status::invalid_argument(format!(
                "Rank of input ({}) must be no greater than rank of output shape ({}).",
                in_dims.len(),
                out_dims.len()
            )));
        }
        // Right-aligned pairs: equal, or the input's is 1. A 1 in the output with a larger
        // input would be two-way numpy broadcasting, which BroadcastTo does not do.
        let lead = out_dims.len() - in_dims.len();
        let pairs = || in_dims.iter().zip(&out_dims[lead..]);
        if pairs().any(|(&x, &y)| x != y && x != 1 && y != 1) {
            return Err(Status::invalid_argument(format!(
                "Incompatible shapes: {in_shape} vs. {out_shape}"
            )));
        }
        if pairs().any(|(&x, &y)| x != y && x != 1) {
            return Err(Status::invalid_argument(format!(
                "Unable to broadcast tensor of shape {in_shape} to tensor of shape {out_shape}"
            )));
        }
        let in_strides = strides_of(in_dims);
        let mut strides = vec![0isize; lead];
        strides.extend(
            in_dims.iter().zip(&in_strides).map(|(&d, &s)| if d == 1 { 0 } else { s as isize }),
        );
        let view = View { dims: out_dims.to_vec(), strides, offset: 0 };
        let out = with_item!(input.dtype(), |T| through_view::<T>(ctx, input, &view))?;
        ctx.set_output(0, out);
        Ok(())
    }
}
