//! Softmax over the innermost axis, one workgroup per row (shaders/softmax.wgsl).

use super::{as_u32, check_loop, float32_only, groups_for, push};
use crate::VulkanContext;
use crate::shaders::Shader;
use sessionflow_core::{Allocator, DType, Result, Status, Tensor};
use std::sync::Arc;

/// `exp(x − max) / Σ exp(x − max)` along the last axis of `logits` (rank ≥ 1), in new memory
/// from `alloc`.
pub fn softmax(ctx: &VulkanContext, alloc: &Arc<dyn Allocator>, logits: &Tensor) -> Result<Tensor> {
    float32_only("Softmax", &[logits])?;
    let shape = logits.shape();
    if shape.rank() < 1 {
        return Err(Status::invalid_argument(format!(
            "logits must have >= 1 dimension, got {shape}"
        )));
    }
    let out = Tensor::for_overwrite(alloc, DType::Float32, shape.clone())?;
    let n = logits.num_elements();
    if n == 0 {
        return Ok(out);
    }
    let len = shape.dim(shape.rank() - 1);
    let rows = n / len;
    // Each invocation walks its row in steps of the workgroup's 256.
    check_loop(ctx, "Softmax", len.div_ceil(256))?;
    let words = [as_u32(rows, "rows")?, as_u32(len, "the row length")?];
    let spans = [ctx.resolve_tensor(logits)?, ctx.resolve_tensor(&out)?];
    ctx.run("Softmax", |r| {
        r.dispatch(Shader::SoftmaxF32, &spans, &push(&words), [groups_for(rows, 1), 1, 1])
    })?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{Rng, assert_close, cpu, gpu, host_f32};
    use sessionflow_core::{AttrMap, Code};

    #[test]
    fn rows_sum_to_one_with_the_values_worked_by_hand() {
        let Some(g) = gpu() else { return };
        // softmax([0, ln 2, ln 3, ln 4]) = [1, 2, 3, 4] / 10; a constant row is uniform, and
        // a shift by 1000 changes nothing (no overflow).
        let (l2, l3, l4) = (2f32.ln(), 3f32.ln(), 4f32.ln());
        let x = g.f32(
            &[3, 4],
            &[0., l2, l3, l4, 5., 5., 5., 5., 1000., 1000. + l2, 1000. + l3, 1000. + l4],
        );
        let (dims, got) = g.read(&softmax(&g.ctx, &g.alloc, &x).unwrap());
        assert_eq!(dims, [3, 4]);
        // The shifted row loses the low bits of ln k to 1000's ulp (6e-5): 1e-4 there.
        let want = [0.1, 0.2, 0.3, 0.4, 0.25, 0.25, 0.25, 0.25, 0.1, 0.2, 0.3, 0.4];
        assert_close("Softmax", &got, &want, |i| if i < 8 { 4e-7 } else { 1e-4 });
    }

    #[test]
    fn softmax_matches_the_cpu_kernel_on_random_rows() {
        let Some(g) = gpu() else { return };
        let mut rng = Rng::new(6);
        for dims in [&[1][..], &[7][..], &[33, 10][..], &[4, 5, 1000][..], &[70000, 3][..]] {
            let n: usize = dims.iter().product();
            let v = rng.uniform(n, -10.0, 10.0);
            let want = cpu("Softmax", AttrMap::new(), vec![host_f32(dims, &v)], 1).remove(0);
            let (shape, got) = g.read(&softmax(&g.ctx, &g.alloc, &g.f32(dims, &v)).unwrap());
            assert_eq!(shape, want.shape().dims());
            // Float32 tolerance: each probability within 1e-6 absolute plus 8 ulp relative
            // (exp's error and the row sum's rounding on each side).
            let want = want.as_slice::<f32>().unwrap();
            assert_close(&format!("Softmax {dims:?}"), &got, want, |i| {
                1e-6 + want[i] * 8.0 * f32::EPSILON
            });
        }
    }

    #[test]
    fn scalars_are_refused() {
        let Some(g) = gpu() else { return };
        let e = softmax(&g.ctx, &g.alloc, &g.f32(&[], &[1.])).unwrap_err();
        assert_eq!(
            (e.code, e.message.as_str()),
            (Code::InvalidArgument, "logits must have >= 1 dimension, got []")
        );
    }
}
