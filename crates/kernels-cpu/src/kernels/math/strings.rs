//! The math ops TensorFlow's CPU kernels also run on strings: `Add` (concatenation) and
//! `Equal`/`NotEqual` (bytewise), with numpy broadcasting.

use super::compare::incompatible_value;
use crate::broadcast::{broadcast_apply, broadcast_shapes};
use sessionflow_core::{
    DType, DeviceType, KernelContext, KernelRegistry, NodeView, OpKernel, Result, Tensor,
};

/// Relative cost of one string operation (an allocation or a byte comparison).
const STRING_COST: usize = 16;

/// `Add` on strings: `x + y` concatenated elementwise.
struct StringAdd;

impl OpKernel for StringAdd {
    fn compute(&self, ctx: &mut KernelContext<'_>) -> Result<()> {
        let (x, y) = (ctx.input(0), ctx.input(1));
        let shape = broadcast_shapes(x.shape(), y.shape())?;
        let mut out = vec![Vec::new(); shape.num_elements()?];
        let (xv, yv) = (x.as_strings()?, y.as_strings()?);
        broadcast_apply(xv, x.shape(), yv, y.shape(), &mut out, &shape, STRING_COST, |a, b| {
            let mut s = Vec::with_capacity(a.len() + b.len());
            s.extend_from_slice(a);
            s.extend_from_slice(b);
            s
        });
        ctx.set_output(0, Tensor::from_strings(shape, out)?);
        Ok(())
    }
}

/// `Equal` (`not == false`) or `NotEqual` (`not == true`) on strings.
struct StringEquality {
    not: bool,
    on_incompatible: Option<bool>,
}

impl OpKernel for StringEquality {
    fn compute(&self, ctx: &mut KernelContext<'_>) -> Result<()> {
        let Some(shape) = super::binary::output_shape_or_scalar(ctx, self.on_incompatible)? else {
            return Ok(());
        };
        let (x, y) = (ctx.input(0), ctx.input(1));
        let mut out = Tensor::zeros(ctx.allocator(), DType::Bool, shape.clone())?;
        let (xv, yv) = (x.as_strings()?, y.as_strings()?);
        let not = self.not;
        let o = out.as_mut_slice::<bool>()?;
        broadcast_apply(xv, x.shape(), yv, y.shape(), o, &shape, STRING_COST, |a, b| {
            (a == b) != not
        });
        ctx.set_output(0, out);
        Ok(())
    }
}

fn string_add(_: &NodeView<'_>) -> Result<Box<dyn OpKernel>> {
    Ok(Box::new(StringAdd))
}

fn string_equal(node: &NodeView<'_>) -> Result<Box<dyn OpKernel>> {
    Ok(Box::new(StringEquality { not: false, on_incompatible: incompatible_value(node, false)? }))
}

fn string_not_equal(node: &NodeView<'_>) -> Result<Box<dyn OpKernel>> {
    Ok(Box::new(StringEquality { not: true, on_incompatible: incompatible_value(node, true)? }))
}

pub(super) fn register(r: &mut KernelRegistry) {
    r.register("Add", DeviceType::CPU, Some(DType::String), string_add);
    r.register("Equal", DeviceType::CPU, Some(DType::String), string_equal);
    r.register("NotEqual", DeviceType::CPU, Some(DType::String), string_not_equal);
}
