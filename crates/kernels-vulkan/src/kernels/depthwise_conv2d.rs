//! DepthwiseConv2dNative (NHWC, float32), one invocation per output element
//! (shaders/depthwise_conv2d.wgsl).

use super::conv2d::rank4;
use super::window::Window;
use super::{as_u32, check_loop, float32_only, groups_for, push};
use crate::VulkanContext;
use crate::shaders::Shader;
use sessionflow_core::{Allocator, DType, Result, Status, Tensor, TensorShape};
use std::sync::Arc;

/// `input` [n, h, w, c] convolved channel by channel with `filter` [kh, kw, c, mult]: output
/// channel `c·mult + q` is channel `c` under filter `[·, ·, c, q]` (TensorFlow's
/// `DepthwiseConv2dNative`, NHWC), in new memory from `alloc`.
pub fn depthwise_conv2d(
    ctx: &VulkanContext,
    alloc: &Arc<dyn Allocator>,
    input: &Tensor,
    filter: &Tensor,
    window: &Window,
) -> Result<Tensor> {
    float32_only("DepthwiseConv2dNative", &[input, filter])?;
    let ([n, h, w, c], [kh, kw, fc, mult]) = rank4(input, filter)?;
    if c != fc {
        return Err(Status::invalid_argument(format!(
            "input and filter must have the same depth: {c} vs {fc}"
        )));
    }
    let [rows, cols] = window.axes([h, w], [kh, kw])?;
    let shape = TensorShape::new([n, rows.output, cols.output, c * mult]);
    let out = Tensor::for_overwrite(alloc, DType::Float32, shape)?;
    let total = out.num_elements();
    if total == 0 {
        return Ok(out);
    }
    // Each invocation loops over the window's rows and columns.
    check_loop(ctx, "DepthwiseConv2dNative", kh.max(kw))?;
    let words = [
        as_u32(total, "output elements")?,
        as_u32(h, "the input height")?,
        as_u32(w, "the input width")?,
        as_u32(c, "input channels")?,
        as_u32(mult, "the depth multiplier")?,
        as_u32(rows.output, "the output height")?,
        as_u32(cols.output, "the output width")?,
        as_u32(kh, "the filter height")?,
        as_u32(kw, "the filter width")?,
        as_u32(rows.stride, "a stride")?,
        as_u32(cols.stride, "a stride")?,
        as_u32(rows.dilation, "a dilation")?,
        as_u32(cols.dilation, "a dilation")?,
        as_u32(rows.pad, "padding")?,
        as_u32(cols.pad, "padding")?,
    ];
    let spans =
        [ctx.resolve_tensor(input)?, ctx.resolve_tensor(filter)?, ctx.resolve_tensor(&out)?];
    let groups = [groups_for(total, 256), 1, 1];
    ctx.run("DepthwiseConv2dNative", |r| {
        r.dispatch(Shader::DepthwiseConv2dF32, &spans, &push(&words), groups)
    })?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernels::Padding;
    use crate::testing::{
        ConvCase, Rng, assert_close, cpu, gpu, host_f32, sum_error_bound, window_attrs,
    };
    use sessionflow_core::Code;

    const FILTER: [f32; 16] = [1., -1., 2., 0.5, 0., 1., -1., 2., 1., 1., 0.5, -2., 3., 0., 1., 1.];

    fn window(padding: Padding, strides: [usize; 2]) -> Window {
        Window { padding, strides, dilations: [1, 1] }
    }

    #[test]
    fn each_channel_is_convolved_with_its_own_filters() {
        let Some(g) = gpu() else { return };
        // x = 1..=18 as [1, 3, 3, 2], the filter [2, 2, 2, 2] (multiplier 2). Output channel 0
        // at (0, 0) is channel 0's window [1, 3; 7, 9] dotted with f[·, ·, 0, 0] = [1, 0; 1, 3]:
        // 1 + 7 + 27 = 35. The rest from tf.nn.depthwise_conv2d (TensorFlow 2.21).
        let xv: Vec<f32> = (1..=18).map(|v| v as f32).collect();
        let x = g.f32(&[1, 3, 3, 2], &xv);
        let f = g.f32(&[2, 2, 2, 2], &FILTER);
        let got = depthwise_conv2d(&g.ctx, &g.alloc, &x, &f, &window(Padding::Valid, [2, 2]));
        assert_eq!(g.read(&got.unwrap()), (vec![1, 1, 1, 4], vec![35., 9., 14., 3.]));
        let got = depthwise_conv2d(&g.ctx, &g.alloc, &x, &f, &window(Padding::Same, [1, 1]));
        let want = [
            35., 9., 14., 3., 45., 11., 19., 6., 16., 6., 18., -21., 65., 15., 29., 12., 75., 17.,
            34., 15., 28., 6., 33., -30., 13., 2., 12., 39., 15., 2., 14., 44., 17., -17., 36., 9.,
        ];
        assert_eq!(g.read(&got.unwrap()), (vec![1, 3, 3, 4], want.to_vec()));
    }

    #[test]
    fn random_depthwise_convolutions_match_the_cpu_kernel() {
        let Some(g) = gpu() else { return };
        let mut rng = Rng::new(12);
        let cases: [ConvCase; 5] = [
            ([1, 1, 1, 1], [1, 1, 1, 1], "VALID", [1, 1], [1, 1]),
            ([2, 9, 11, 3], [3, 3, 3, 1], "SAME", [1, 1], [1, 1]),
            ([3, 10, 7, 5], [2, 4, 5, 3], "SAME", [2, 3], [1, 1]),
            ([1, 13, 13, 4], [3, 3, 4, 2], "VALID", [1, 2], [2, 1]),
            ([2, 16, 16, 32], [5, 5, 32, 1], "SAME", [2, 2], [1, 1]),
        ];
        for (xd, fd, pad, strides, dilations) in cases {
            let xv = rng.uniform(xd.iter().product(), -1.0, 1.0);
            let fv = rng.uniform(fd.iter().product(), -1.0, 1.0);
            let s = strides.map(|v| v as i64);
            let attrs = window_attrs(pad, s, Some(dilations.map(|v| v as i64)), None);
            let inputs = vec![host_f32(&xd, &xv), host_f32(&fd, &fv)];
            let want = cpu("DepthwiseConv2dNative", attrs, inputs, 1).remove(0);
            let padding = if pad == "SAME" { Padding::Same } else { Padding::Valid };
            let w = Window { padding, strides, dilations };
            let got =
                depthwise_conv2d(&g.ctx, &g.alloc, &g.f32(&xd, &xv), &g.f32(&fd, &fv), &w).unwrap();
            let (dims, got) = g.read(&got);
            assert_eq!(dims, want.shape().dims());
            // Float32: kh·kw products of magnitude ≤ 1 per output, summed in some order.
            let k = fd[0] * fd[1];
            let bound = 2.0 * sum_error_bound(k, k as f32);
            let what = format!("Depthwise {xd:?} {fd:?} {pad} {strides:?} {dilations:?}");
            assert_close(&what, &got, want.as_slice::<f32>().unwrap(), |_| bound);
        }
    }

    #[test]
    fn the_filter_depth_must_be_the_inputs() {
        let Some(g) = gpu() else { return };
        let x = g.f32(&[1, 2, 2, 2], &[0.; 8]);
        let w = window(Padding::Same, [1, 1]);
        let e = depthwise_conv2d(&g.ctx, &g.alloc, &x, &g.f32(&[1, 1, 3, 1], &[0.; 3]), &w)
            .unwrap_err();
        assert_eq!(
            (e.code, e.message.as_str()),
            (Code::InvalidArgument, "input and filter must have the same depth: 2 vs 3")
        );
    }
}
