//! MaxPool and AvgPool (NHWC, float32), one invocation per output element
//! (shaders/pool.wgsl).

use super::window::Window;
use super::{as_u32, check_loop, float32_only, groups_for, push};
use crate::VulkanContext;
use crate::shaders::Shader;
use sessionflow_core::{Allocator, DType, Result, Status, Tensor, TensorShape};
use std::sync::Arc;

/// How a window is reduced.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PoolOp {
    /// The largest in-bounds element (NaN never wins, as on TensorFlow's CPU).
    Max,
    /// The mean of the in-bounds elements (padding is not counted).
    Avg,
}

/// `input` [n, h, w, c] pooled over `[kh, kw]` windows placed by `window` (its dilations
/// must be 1), in new memory from `alloc`.
pub fn pool(
    ctx: &VulkanContext,
    alloc: &Arc<dyn Allocator>,
    op: PoolOp,
    input: &Tensor,
    ksize: [usize; 2],
    window: &Window,
) -> Result<Tensor> {
    let name = match op {
        PoolOp::Max => "MaxPool",
        PoolOp::Avg => "AvgPool",
    };
    float32_only(name, &[input])?;
    let &[n, h, w, c] = input.shape().dims() else {
        return Err(Status::invalid_argument(format!(
            "tensor_in must be 4-dimensional, got {}",
            input.shape()
        )));
    };
    if window.dilations != [1, 1] {
        return Err(Status::internal(format!("{name} has no dilations")));
    }
    let [rows, cols] = window.axes([h, w], ksize)?;
    let shape = TensorShape::new([n, rows.output, cols.output, c]);
    let out = Tensor::for_overwrite(alloc, DType::Float32, shape)?;
    let total = out.num_elements();
    if total == 0 {
        return Ok(out);
    }
    // Each invocation loops over the window's rows and columns.
    check_loop(ctx, name, ksize[0].max(ksize[1]))?;
    let words = [
        as_u32(total, "output elements")?,
        as_u32(h, "the input height")?,
        as_u32(w, "the input width")?,
        as_u32(c, "channels")?,
        as_u32(rows.output, "the output height")?,
        as_u32(cols.output, "the output width")?,
        as_u32(ksize[0], "the window height")?,
        as_u32(ksize[1], "the window width")?,
        as_u32(rows.stride, "a stride")?,
        as_u32(cols.stride, "a stride")?,
        as_u32(rows.pad, "padding")?,
        as_u32(cols.pad, "padding")?,
    ];
    let shader = match op {
        PoolOp::Max => Shader::MaxPoolF32,
        PoolOp::Avg => Shader::AvgPoolF32,
    };
    let spans = [ctx.resolve_tensor(input)?, ctx.resolve_tensor(&out)?];
    let groups = [groups_for(total, 256), 1, 1];
    ctx.run(name, |r| r.dispatch(shader, &spans, &push(&words), groups))?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernels::Padding;
    use crate::testing::{PoolCase, Rng, assert_close, cpu, gpu, host_f32, window_attrs};
    use sessionflow_core::Code;

    const IMAGE: [f32; 16] = [3., 1., 4., 1., 5., 9., 2., 6., 5., 3., 5., 8., 9., 7., 9., 3.];

    fn window(padding: Padding, strides: [usize; 2]) -> Window {
        Window { padding, strides, dilations: [1, 1] }
    }

    #[test]
    fn windows_worked_by_hand() {
        let Some(g) = gpu() else { return };
        let x = g.f32(&[1, 4, 4, 1], &IMAGE);
        // SAME 3×3, stride 2 over 4×4: out 2×2, one padded row and column after. Window (0, 0)
        // is [3 1 4; 5 9 2; 5 3 5]: max 9, mean 37/9; window (1, 1) is [5 8; 9 3] (4 in
        // bounds): max 9, mean 25/4 — the padding is not counted.
        let s = window(Padding::Same, [2, 2]);
        let max = pool(&g.ctx, &g.alloc, PoolOp::Max, &x, [3, 3], &s).unwrap();
        assert_eq!(g.read(&max), (vec![1, 2, 2, 1], vec![9., 8., 9., 9.]));
        let avg = pool(&g.ctx, &g.alloc, PoolOp::Avg, &x, [3, 3], &s).unwrap();
        let (dims, got) = g.read(&avg);
        assert_eq!(dims, [1, 2, 2, 1]);
        let want = [37. / 9., 26. / 6., 38. / 6., 25. / 4.];
        // Vulkan allows a division 2.5 ulp of error.
        assert_close("AvgPool SAME", &got, &want, |i| want[i] * 3.0 * f32::EPSILON);
        // VALID 2×2, stride 1: out 3×3, every window whole.
        let avg = pool(&g.ctx, &g.alloc, PoolOp::Avg, &x, [2, 2], &window(Padding::Valid, [1, 1]));
        assert_eq!(
            g.read(&avg.unwrap()),
            (vec![1, 3, 3, 1], vec![4.5, 4., 3.25, 5.5, 4.75, 5.25, 6., 6., 6.25])
        );
    }

    #[test]
    fn nan_never_wins_a_max_and_infinities_do() {
        let Some(g) = gpu() else { return };
        // TensorFlow's CPU MaxPool keeps the larger of the running max and each element: a NaN
        // compares false and is dropped; +∞ is kept.
        let x = g.f32(&[1, 1, 4, 1], &[f32::NAN, 1., 2., f32::INFINITY]);
        let got = pool(&g.ctx, &g.alloc, PoolOp::Max, &x, [1, 2], &window(Padding::Valid, [1, 2]));
        assert_eq!(g.read(&got.unwrap()), (vec![1, 1, 2, 1], vec![1., f32::INFINITY]));
    }

    #[test]
    fn random_poolings_match_the_cpu_kernels() {
        let Some(g) = gpu() else { return };
        let mut rng = Rng::new(13);
        let cases: [PoolCase; 5] = [
            ([1, 1, 1, 1], [1, 1], "VALID", [1, 1]),
            ([2, 9, 11, 3], [3, 3], "SAME", [2, 2]),
            ([3, 10, 7, 5], [2, 4], "SAME", [1, 3]),
            ([1, 13, 13, 70], [3, 2], "VALID", [2, 1]),
            ([2, 8, 8, 4], [8, 8], "VALID", [1, 1]),
        ];
        for (xd, ksize, pad, strides) in cases {
            let xv = rng.uniform(xd.iter().product(), -1.0, 1.0);
            let padding = if pad == "SAME" { Padding::Same } else { Padding::Valid };
            for (op, name) in [(PoolOp::Max, "MaxPool"), (PoolOp::Avg, "AvgPool")] {
                let attrs = window_attrs(
                    pad,
                    strides.map(|v| v as i64),
                    None,
                    Some(ksize.map(|v| v as i64)),
                );
                let want = cpu(name, attrs, vec![host_f32(&xd, &xv)], 1).remove(0);
                let w = window(padding, strides);
                let got = pool(&g.ctx, &g.alloc, op, &g.f32(&xd, &xv), ksize, &w).unwrap();
                let (dims, got) = g.read(&got);
                assert_eq!(dims, want.shape().dims());
                // Max is exact; a mean of ≤ 64 terms in [-1, 1] is within 64 ulp of 1 plus the
                // division's rounding on each side.
                let tol = if op == PoolOp::Max { 0.0 } else { 130.0 * f32::EPSILON };
                let what = format!("{name} {xd:?} {ksize:?} {pad} {strides:?}");
                assert_close(&what, &got, want.as_slice::<f32>().unwrap(), |_| tol);
            }
        }
    }

    #[test]
    fn bad_inputs_are_refused() {
        let Some(g) = gpu() else { return };
        let w = window(Padding::Valid, [1, 1]);
        let e =
            pool(&g.ctx, &g.alloc, PoolOp::Max, &g.f32(&[2, 2], &[0.; 4]), [1, 1], &w).unwrap_err();
        assert_eq!(
            (e.code, e.message.as_str()),
            (Code::InvalidArgument, "tensor_in must be 4-dimensional, got [2,2]")
        );
        let x = g.f32(&[1, 2, 2, 1], &[0.; 4]);
        let e = pool(&g.ctx, &g.alloc, PoolOp::Avg, &x, [3, 1], &w).unwrap_err();
        assert_eq!(e.message, "Negative dimension size caused by subtracting 3 from 2");
    }
}
