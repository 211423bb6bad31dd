//! Conv2D (NHWC, float32, grouped or not) as an implicit GEMM tiled in workgroup memory
//! (shaders/conv2d.wgsl): the patches are gathered from the input as tiles are staged, never
//! materialised.

use super::window::Window;
use super::{as_u32, check_loop, float32_only, push};
use crate::VulkanContext;
use crate::shaders::Shader;
use sessionflow_core::{Allocator, DType, Result, Status, Tensor, TensorShape};
use std::sync::Arc;

/// The output tile one workgroup computes (patch rows and output channels); the shader's.
const TILE: usize = 64;
/// Dispatches recorded per submission (the submitter's descriptor pool holds 64 sets).
const DISPATCHES_PER_RUN: usize = 64;

/// The dims of a rank-4 input and filter, or TensorFlow's messages.
pub(super) fn rank4(input: &Tensor, filter: &Tensor) -> Result<([usize; 4], [usize; 4])> {
    let (i, f) = (input.shape().dims(), filter.shape().dims());
    let &[n, h, w, c] = i else {
        return Err(Status::invalid_argument(format!(
            "input must be 4-dimensional{}",
            input.shape()
        )));
    };
    let &[kh, kw, fi, fo] = f else {
        return Err(Status::invalid_argument(format!(
            "filter must be 4-dimensional: {}",
            filter.shape()
        )));
    };
    Ok(([n, h, w, c], [kh, kw, fi, fo]))
}

/// `input` [n, h, w, ic] convolved with `filter` [kh, kw, ic, oc] under `window`
/// (TensorFlow's `Conv2D` with `data_format` NHWC), in new memory from `alloc`.
pub fn conv2d(
    ctx: &VulkanContext,
    alloc: &Arc<dyn Allocator>,
    input: &Tensor,
    filter: &Tensor,
    window: &Window,
) -> Result<Tensor> {
    let max_row_tiles = ctx.limits.max_compute_work_group_count[1] as usize;
    convolve(ctx, alloc, input, filter, window, max_row_tiles)
}

/// [`conv2d`] with at most `max_row_tiles` tiles of rows per dispatch (the device's limit on
/// y; tests pass fewer to exercise the split).
fn convolve(
    ctx: &VulkanContext,
    alloc: &Arc<dyn Allocator>,
    input: &Tensor,
    filter: &Tensor,
    window: &Window,
    max_row_tiles: usize,
) -> Result<Tensor> {
    float32_only("Conv2D", &[input, filter])?;
    let ([n, h, w, c], [kh, kw, fi, oc]) = rank4(input, filter)?;
    if fi == 0 {
        return Err(Status::invalid_argument("filter depth must be stricly positive, got 0"));
    }
    if c % fi != 0 {
        return Err(Status::invalid_argument(format!(
            "input depth must be evenly divisible by filter depth: {c} vs {fi}"
        )));
    }
    // Grouped: each of c / fi groups convolves fi input channels into oc / groups outputs.
    let groups = c / fi;
    if oc % groups != 0 {
        return Err(Status::invalid_argument(format!(
            "output depth must be evenly divisible by number of groups: {oc} vs {groups}"
        )));
    }
    let [rows, cols] = window.axes([h, w], [kh, kw])?;
    let shape = TensorShape::new([n, rows.output, cols.output, oc]);
    let m = n * rows.output * cols.output;
    let k = kh * kw * fi;
    let per_group = oc / groups;
    if m == 0 || oc == 0 {
        return Tensor::for_overwrite(alloc, DType::Float32, shape);
    }
    if k == 0 {
        return Err(Status::invalid_argument(
            "filter must not have zero elements (i.e. all dimensions must be non-zero)",
        ));
    }
    // The shader walks k in slices of 16.
    check_loop(ctx, "Conv2D", k.div_ceil(16))?;
    let out = Tensor::for_overwrite(alloc, DType::Float32, shape)?;
    let mut words = [
        as_u32(m, "output pixels")?,
        as_u32(per_group, "output channels")?,
        as_u32(k, "the filter's size")?,
        as_u32(h, "the input height")?,
        as_u32(w, "the input width")?,
        as_u32(c, "input channels")?,
        as_u32(fi, "the filter depth")?,
        as_u32(oc, "output channels")?,
        as_u32(rows.output, "the output height")?,
        as_u32(cols.output, "the output width")?,
        as_u32(kw, "the filter width")?,
        as_u32(rows.stride, "a stride")?,
        as_u32(cols.stride, "a stride")?,
        as_u32(rows.dilation, "a dilation")?,
        as_u32(cols.dilation, "a dilation")?,
        as_u32(rows.pad, "padding")?,
        as_u32(cols.pad, "padding")?,
        0,
    ];
    let spans =
        [ctx.resolve_tensor(input)?, ctx.resolve_tensor(filter)?, ctx.resolve_tensor(&out)?];
    let max_z = ctx.limits.max_compute_work_group_count[2];
    let tiles_x = as_u32(per_group.div_ceil(TILE), "channel tiles")?;
    let groups_z = u32::try_from(groups).ok().filter(|&g| g <= max_z).ok_or_else(|| {
        Status::unimplemented(format!("Conv2D on Vulkan runs at most {max_z} groups, not {groups}"))
    })?;
    // Row tiles past the device's limit on y go in further dispatches from later rows.
    let rows_per_dispatch = max_row_tiles * TILE;
    let starts: Vec<usize> = (0..m).step_by(rows_per_dispatch).collect();
    for chunk in starts.chunks(DISPATCHES_PER_RUN) {
        ctx.run("Conv2D", |r| {
            for &start in chunk {
                words[17] = as_u32(start, "a row")?;
                let tiles_y = as_u32((m - start).min(rows_per_dispatch).div_ceil(TILE), "tiles")?;
                r.dispatch(Shader::Conv2DF32, &spans, &push(&words), [tiles_x, tiles_y, groups_z])?;
            }
            Ok(())
        })?;
    }
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

    fn window(padding: Padding, strides: [usize; 2], dilations: [usize; 2]) -> Window {
        Window { padding, strides, dilations }
    }

    #[test]
    fn small_convolutions_worked_by_hand() {
        let Some(g) = gpu() else { return };
        // The 3×3 image 1..9 under the 2×2 filter [[1, 2], [3, 4]]: VALID gives
        // 1·1 + 2·2 + 4·3 + 5·4 = 37 and its neighbours; SAME pads one row and column after
        // (none before), so the last column sees [3, 6]·[1, 3] = 21 and the corner 9·1.
        let x = g.f32(&[1, 3, 3, 1], &[1., 2., 3., 4., 5., 6., 7., 8., 9.]);
        let f = g.f32(&[2, 2, 1, 1], &[1., 2., 3., 4.]);
        let valid = conv2d(&g.ctx, &g.alloc, &x, &f, &window(Padding::Valid, [1, 1], [1, 1]));
        assert_eq!(g.read(&valid.unwrap()), (vec![1, 2, 2, 1], vec![37., 47., 67., 77.]));
        let same = conv2d(&g.ctx, &g.alloc, &x, &f, &window(Padding::Same, [1, 1], [1, 1]));
        assert_eq!(
            g.read(&same.unwrap()),
            (vec![1, 3, 3, 1], vec![37., 47., 21., 67., 77., 33., 23., 26., 9.])
        );
        // Two groups of one channel: channel 0 (1) only meets filter 10, channel 1 (2) only
        // filter 100.
        let x = g.f32(&[1, 1, 1, 2], &[1., 2.]);
        let f = g.f32(&[1, 1, 1, 2], &[10., 100.]);
        let grouped = conv2d(&g.ctx, &g.alloc, &x, &f, &window(Padding::Valid, [1, 1], [1, 1]));
        assert_eq!(g.read(&grouped.unwrap()), (vec![1, 1, 1, 2], vec![10., 200.]));
    }

    #[test]
    fn strided_and_dilated_convolutions_match_tensorflow() {
        let Some(g) = gpu() else { return };
        // x = (1..=64) / 8 as [2, 4, 4, 2]; f = ((0..54) − 27) / 4 as [3, 3, 2, 3]; the values
        // from tf.nn.conv2d (TensorFlow 2.21), all exact in float32.
        let xv: Vec<f32> = (1..=64).map(|v| v as f32 / 8.0).collect();
        let fv: Vec<f32> = (0..54).map(|v| (v as f32 - 27.0) / 4.0).collect();
        let x = g.f32(&[2, 4, 4, 2], &xv);
        let f = g.f32(&[3, 3, 2, 3], &fv);
        let got = conv2d(&g.ctx, &g.alloc, &x, &f, &window(Padding::Same, [2, 2], [1, 1]));
        let want = [
            49.21875, 55.6875, 62.15625, 12.9375, 18.375, 23.8125, -75.75, -66.9375, -58.125,
            -79.5, -72.875, -66.25, 22.21875, 46.6875, 71.15625, -41.0625, -23.625, -6.1875,
            -201.75, -180.9375, -160.125, -187.5, -172.875, -158.25,
        ];
        assert_eq!(g.read(&got.unwrap()), (vec![2, 2, 2, 3], want.to_vec()));
        // The filter's top-left 2×2 taps, dilated by 2, VALID: a 3×3 effective window.
        let f2: Vec<f32> = (0..2).flat_map(|r| fv[r * 18..r * 18 + 12].to_vec()).collect();
        let f2 = g.f32(&[2, 2, 2, 3], &f2);
        let got = conv2d(&g.ctx, &g.alloc, &x, &f2, &window(Padding::Valid, [1, 1], [2, 2]));
        let want = [
            -19.125, -16.25, -13.375, -25.875, -22.5, -19.125, -46.125, -41.25, -36.375, -52.875,
            -47.5, -42.125, -127.125, -116.25, -105.375, -133.875, -122.5, -111.125, -154.125,
            -141.25, -128.375, -160.875, -147.5, -134.125,
        ];
        assert_eq!(g.read(&got.unwrap()), (vec![2, 2, 2, 3], want.to_vec()));
    }

    #[test]
    fn random_convolutions_match_the_cpu_kernel_across_tile_edges() {
        let Some(g) = gpu() else { return };
        let mut rng = Rng::new(11);
        // (input [n, h, w, c], filter [kh, kw, c, oc], padding, strides, dilations): patch
        // rows and output channels on both sides of the 64-wide tiles, k past one slice.
        let cases: [ConvCase; 8] = [
            ([1, 1, 1, 1], [1, 1, 1, 1], "VALID", [1, 1], [1, 1]),
            ([2, 9, 11, 3], [3, 3, 3, 70], "SAME", [1, 1], [1, 1]),
            ([3, 10, 7, 5], [2, 4, 5, 8], "SAME", [2, 3], [1, 1]),
            ([1, 13, 13, 4], [3, 3, 4, 65], "VALID", [1, 2], [2, 1]),
            ([2, 8, 8, 33], [5, 5, 33, 3], "SAME", [3, 3], [1, 1]),
            ([1, 6, 6, 2], [3, 2, 2, 1], "SAME", [1, 1], [2, 3]),
            // Grouped: 3 groups of 2 channels into 3 outputs each; 2 groups of 4 into 65.
            ([2, 7, 7, 6], [3, 3, 2, 9], "SAME", [1, 1], [1, 1]),
            ([1, 9, 9, 8], [3, 3, 4, 130], "VALID", [2, 2], [1, 1]),
        ];
        for (xd, fd, pad, strides, dilations) in cases {
            let xv = rng.uniform(xd.iter().product(), -1.0, 1.0);
            let fv = rng.uniform(fd.iter().product(), -1.0, 1.0);
            let s = strides.map(|v| v as i64);
            let attrs = window_attrs(pad, s, Some(dilations.map(|v| v as i64)), None);
            let inputs = vec![host_f32(&xd, &xv), host_f32(&fd, &fv)];
            let want = cpu("Conv2D", attrs, inputs, 1).remove(0);
            let padding = if pad == "SAME" { Padding::Same } else { Padding::Valid };
            let w = window(padding, strides, dilations);
            let got = conv2d(&g.ctx, &g.alloc, &g.f32(&xd, &xv), &g.f32(&fd, &fv), &w).unwrap();
            let (dims, got) = g.read(&got);
            assert_eq!(dims, want.shape().dims());
            // Float32: each output sums k = kh·kw·c products of magnitude ≤ 1, in some order
            // on each side.
            let k = fd[0] * fd[1] * fd[2];
            let bound = 2.0 * sum_error_bound(k, k as f32);
            let what = format!("Conv2D {xd:?} {fd:?} {pad} {strides:?} {dilations:?}");
            assert_close(&what, &got, want.as_slice::<f32>().unwrap(), |_| bound);
        }
    }

    #[test]
    fn outputs_past_the_dispatch_limit_take_several_dispatches() {
        let Some(g) = gpu() else { return };
        let mut rng = Rng::new(15);
        // 2·9·11 = 198 output pixels, one 64-row tile per dispatch: 4 dispatches, over 3
        // groups.
        let (xd, fd) = ([2, 9, 11, 6], [3, 3, 2, 6]);
        let xv = rng.uniform(xd.iter().product(), -1.0, 1.0);
        let fv = rng.uniform(fd.iter().product(), -1.0, 1.0);
        let attrs = window_attrs("SAME", [1, 1], Some([1, 1]), None);
        let want = cpu("Conv2D", attrs, vec![host_f32(&xd, &xv), host_f32(&fd, &fv)], 1).remove(0);
        let w = window(Padding::Same, [1, 1], [1, 1]);
        let got = convolve(&g.ctx, &g.alloc, &g.f32(&xd, &xv), &g.f32(&fd, &fv), &w, 1).unwrap();
        let (dims, got) = g.read(&got);
        assert_eq!(dims, [2, 9, 11, 6]);
        let bound = 2.0 * sum_error_bound(18, 18.0);
        assert_close("split Conv2D", &got, want.as_slice::<f32>().unwrap(), |_| bound);
    }

    #[test]
    fn bad_shapes_are_refused_as_tensorflow_refuses_them() {
        let Some(g) = gpu() else { return };
        let w = window(Padding::Valid, [1, 1], [1, 1]);
        let x = g.f32(&[1, 2, 2, 2], &[0.; 8]);
        let e = conv2d(&g.ctx, &g.alloc, &x, &g.f32(&[3, 3, 2, 1], &[0.; 18]), &w).unwrap_err();
        assert_eq!(
            (e.code, e.message.as_str()),
            (Code::InvalidArgument, "Negative dimension size caused by subtracting 3 from 2")
        );
        let e = conv2d(&g.ctx, &g.alloc, &x, &g.f32(&[1, 1, 3, 1], &[0.; 3]), &w).unwrap_err();
        assert_eq!(e.message, "input depth must be evenly divisible by filter depth: 2 vs 3");
        let e = conv2d(&g.ctx, &g.alloc, &g.f32(&[2, 2, 2], &[0.; 8]), &x, &w).unwrap_err();
        assert_eq!(e.message, "input must be 4-dimensional[2,2,2]");
        let e = conv2d(&g.ctx, &g.alloc, &x, &g.f32(&[2, 1], &[0.; 2]), &w).unwrap_err();
        assert_eq!(e.message, "filter must be 4-dimensional: [2,1]");
        // Two groups of one channel each cannot share three outputs.
        let e = conv2d(&g.ctx, &g.alloc, &x, &g.f32(&[1, 1, 1, 3], &[0.; 3]), &w).unwrap_err();
        assert_eq!(e.message, "output depth must be evenly divisible by number of groups: 3 vs 2");
    }
}
