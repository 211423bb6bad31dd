//! BiasAdd: the bias broadcast along the channel dim, through the binary add kernel.

use super::broadcast::BroadcastPlan;
use super::elementwise::{BinaryOp, binary_into};
use super::float32_only;
use crate::VulkanContext;
use sessionflow_core::{Allocator, DType, Result, Status, Tensor, TensorShape};
use std::sync::Arc;

/// `value + bias`, the bias (rank 1) added along the channel dim: the last for NHWC, dim 1
/// for NCHW. TensorFlow's checks and messages.
pub fn bias_add(
    ctx: &VulkanContext,
    alloc: &Arc<dyn Allocator>,
    value: &Tensor,
    bias: &Tensor,
    nchw: bool,
) -> Result<Tensor> {
    float32_only("BiasAdd", &[value, bias])?;
    let dims = value.shape().dims();
    if dims.len() < 2 {
        return Err(Status::invalid_argument(format!(
            "Input tensor must be at least 2D: {}",
            value.shape()
        )));
    }
    if bias.shape().rank() != 1 {
        return Err(Status::invalid_argument(format!("Biases must be 1D: {}", bias.shape())));
    }
    let channel = if nchw { 1 } else { dims.len() - 1 };
    if bias.shape().dim(0) != dims[channel] {
        return Err(Status::invalid_argument(format!(
            "Must provide as many biases as the last dimension of the input tensor: {} vs. {}",
            bias.shape(),
            value.shape()
        )));
    }
    // NCHW: the bias seen as [C, 1, …, 1] broadcasts along the dims after the channel.
    let view = if nchw {
        let mut shape = vec![1; dims.len() - 1];
        shape[0] = dims[1];
        bias.reshaped(TensorShape::new(shape))?
    } else {
        bias.clone()
    };
    let plan = BroadcastPlan::new(value.shape(), view.shape())?;
    let out = Tensor::for_overwrite(alloc, DType::Float32, plan.out.clone())?;
    binary_into(ctx, BinaryOp::AddV2, value, &view, &plan, &out)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{Rng, assert_close, cpu, gpu, host_f32};
    use sessionflow_core::{AttrMap, AttrValue, Code};

    #[test]
    fn the_bias_goes_along_the_channel_dim() {
        let Some(g) = gpu() else { return };
        let x = g.f32(&[2, 2, 3], &[0., 1., 2., 3., 4., 5., 6., 7., 8., 9., 10., 11.]);
        let nhwc =
            bias_add(&g.ctx, &g.alloc, &x, &g.f32(&[3], &[100., 200., 300.]), false).unwrap();
        assert_eq!(
            g.read(&nhwc),
            (
                vec![2, 2, 3],
                vec![100., 201., 302., 103., 204., 305., 106., 207., 308., 109., 210., 311.]
            )
        );
        let nchw = bias_add(&g.ctx, &g.alloc, &x, &g.f32(&[2], &[100., 200.]), true).unwrap();
        assert_eq!(
            g.read(&nchw),
            (
                vec![2, 2, 3],
                vec![100., 101., 102., 203., 204., 205., 106., 107., 108., 209., 210., 211.]
            )
        );
    }

    #[test]
    fn bias_add_matches_the_cpu_kernel() {
        let Some(g) = gpu() else { return };
        let mut rng = Rng::new(3);
        for (dims, nchw) in
            [(&[4, 5, 6, 7][..], false), (&[4, 5, 6, 7][..], true), (&[9, 33][..], false)]
        {
            let n: usize = dims.iter().product();
            let c = if nchw { dims[1] } else { dims[dims.len() - 1] };
            let (vx, vb) = (rng.uniform(n, -1.0, 1.0), rng.uniform(c, -1.0, 1.0));
            let mut attrs = AttrMap::new();
            let format = if nchw { "NCHW" } else { "NHWC" };
            attrs.insert("data_format".into(), AttrValue::String(format.into()));
            attrs.insert("T".into(), AttrValue::Type(DType::Float32));
            let want =
                cpu("BiasAdd", attrs, vec![host_f32(dims, &vx), host_f32(&[c], &vb)], 1).remove(0);
            let got =
                bias_add(&g.ctx, &g.alloc, &g.f32(dims, &vx), &g.f32(&[c], &vb), nchw).unwrap();
            let (shape, got) = g.read(&got);
            assert_eq!(shape, want.shape().dims());
            // Float32: one correctly rounded addition on both sides, so exact.
            assert_close("BiasAdd", &got, want.as_slice::<f32>().unwrap(), |_| 0.0);
        }
    }

    #[test]
    fn bias_add_checks_shapes_as_tensorflow() {
        let Some(g) = gpu() else { return };
        let x = g.f32(&[2, 3], &[0.; 6]);
        let e = bias_add(&g.ctx, &g.alloc, &g.f32(&[3], &[0.; 3]), &g.f32(&[3], &[0.; 3]), false)
            .unwrap_err();
        assert_eq!(
            (e.code, e.message.as_str()),
            (Code::InvalidArgument, "Input tensor must be at least 2D: [3]")
        );
        let e = bias_add(&g.ctx, &g.alloc, &x, &g.f32(&[1, 3], &[0.; 3]), false).unwrap_err();
        assert_eq!(e.message, "Biases must be 1D: [1,3]");
        let e = bias_add(&g.ctx, &g.alloc, &x, &g.f32(&[2], &[0.; 2]), false).unwrap_err();
        assert_eq!(
            e.message,
            "Must provide as many biases as the last dimension of the input tensor: [2] vs. [2,3]"
        );
    }
}
