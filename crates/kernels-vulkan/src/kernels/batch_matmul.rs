//! BatchMatMulV2 (and BatchMatMul): MatMul's tiled shader over batches, one workgroup layer
//! per matrix. Broadcast batch dims collapse as the binary kernels' do; the innermost
//! collapsed dim runs along the dispatch's z, every combination of the outer ones is a
//! dispatch of its own with its operands' offsets.

use super::broadcast::BroadcastPlan;
use super::{as_u32, check_loop, float32_only, push};
use crate::VulkanContext;
use crate::shaders::Shader;
use sessionflow_core::{Allocator, DType, Result, Status, Tensor, TensorShape};
use std::sync::Arc;

/// The output tile one workgroup computes; matmul.wgsl's.
const TILE: usize = 64;
/// Dispatches recorded per submission (the submitter's descriptor pool holds 64 sets).
const DISPATCHES_PER_RUN: usize = 64;

/// The batch dims and the (rows, cols) of a shape of rank ≥ 2.
fn split(s: &TensorShape, which: usize) -> Result<(TensorShape, [usize; 2])> {
    let d = s.dims();
    let r = d.len();
    if r < 2 {
        return Err(Status::invalid_argument(format!("In[{which}] ndims must be >= 2: {r}")));
    }
    Ok((TensorShape::new(&d[..r - 2]), [d[r - 2], d[r - 1]]))
}

/// `adj(x) · adj(y)` per batch index, `adj` transposing the last two dims where asked.
/// With `broadcast` (BatchMatMulV2) batch dims broadcast as NumPy's; without (BatchMatMul)
/// they must be equal, as TensorFlow's first version requires.
pub fn batch_matmul(
    ctx: &VulkanContext,
    alloc: &Arc<dyn Allocator>,
    x: &Tensor,
    y: &Tensor,
    adj_x: bool,
    adj_y: bool,
    broadcast: bool,
) -> Result<Tensor> {
    float32_only("BatchMatMul", &[x, y])?;
    let (xb, [xr, xc]) = split(x.shape(), 0)?;
    let (yb, [yr, yc]) = split(y.shape(), 1)?;
    let incompatible = || {
        Status::invalid_argument(format!(
            "In[0] and In[1] must have compatible batch dimensions: {} vs. {}",
            x.shape(),
            y.shape()
        ))
    };
    if !broadcast && xb != yb {
        return Err(incompatible());
    }
    let plan = BroadcastPlan::new(&xb, &yb).map_err(|e| match e.code {
        sessionflow_core::Code::InvalidArgument => incompatible(),
        _ => e,
    })?;
    let (m, k) = if adj_x { (xc, xr) } else { (xr, xc) };
    let (k2, n) = if adj_y { (yc, yr) } else { (yr, yc) };
    if k != k2 {
        return Err(Status::invalid_argument(format!(
            "Matrix size-incompatible: In[0]: {}, In[1]: {}",
            x.shape(),
            y.shape()
        )));
    }
    let mut dims = plan.out.dims().to_vec();
    dims.extend([m, n]);
    let shape = TensorShape::new(dims);
    let batches: usize = plan.out.dims().iter().product();
    if k == 0 || batches == 0 || m == 0 || n == 0 {
        // Sums of no products, or nothing to compute.
        return Tensor::zeros(alloc, DType::Float32, shape);
    }
    check_loop(ctx, "BatchMatMul", k.div_ceil(16))?;
    let out = Tensor::for_overwrite(alloc, DType::Float32, shape)?;
    // Matrix strides in elements; the plan's are in matrices.
    let (x_len, y_len, c_len) = (xr * xc, yr * yc, m * n);
    let (a_row, a_col) = if adj_x { (1, m) } else { (k, 1) };
    let (b_row, b_col) = if adj_y { (1, k) } else { (n, 1) };
    let last = plan.dims.len() - 1;
    let inner = plan.dims[last];
    let max_z = ctx.limits.max_compute_work_group_count[2] as usize;
    // One slab per combination of the outer dims and run of at most max_z inner batches:
    // (x offset, y offset, output offset, batches).
    let mut slabs = Vec::new();
    for outer in 0..batches / inner {
        let (mut xo, mut yo, mut rest) = (0, 0, outer);
        for d in (0..last).rev() {
            let i = rest % plan.dims[d];
            rest /= plan.dims[d];
            xo += i * plan.a_strides[d];
            yo += i * plan.b_strides[d];
        }
        for z0 in (0..inner).step_by(max_z) {
            let xo = (xo + z0 * plan.a_strides[last]) * x_len;
            let yo = (yo + z0 * plan.b_strides[last]) * y_len;
            slabs.push((xo, yo, (outer * inner + z0) * c_len, (inner - z0).min(max_z)));
        }
    }
    let spans = [ctx.resolve_tensor(x)?, ctx.resolve_tensor(y)?, ctx.resolve_tensor(&out)?];
    let (tiles_x, tiles_y) =
        (as_u32(n.div_ceil(TILE), "column tiles")?, as_u32(m.div_ceil(TILE), "row tiles")?);
    for run in slabs.chunks(DISPATCHES_PER_RUN) {
        let mut pushes = Vec::with_capacity(run.len());
        for &(xo, yo, co, z) in run {
            let words = [
                as_u32(m, "rows")?,
                as_u32(n, "columns")?,
                as_u32(k, "the inner dim")?,
                as_u32(a_row, "a stride")?,
                as_u32(a_col, "a stride")?,
                as_u32(b_row, "a stride")?,
                as_u32(b_col, "a stride")?,
                as_u32(plan.a_strides[last] * x_len, "a batch stride")?,
                as_u32(plan.b_strides[last] * y_len, "a batch stride")?,
                as_u32(c_len, "a batch stride")?,
                as_u32(xo, "an offset")?,
                as_u32(yo, "an offset")?,
                as_u32(co, "an offset")?,
            ];
            pushes.push((push(&words), [tiles_x, tiles_y, as_u32(z, "batches")?]));
        }
        ctx.run("BatchMatMul", |r| {
            for (words, groups) in &pushes {
                r.dispatch(Shader::MatMulF32, &spans, words, *groups)?;
            }
            Ok(())
        })?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{Rng, assert_close, cpu, gpu, host_f32, sum_error_bound};
    use sessionflow_core::{AttrMap, AttrValue, Code};

    #[test]
    fn broadcast_batches_match_tensorflow() {
        let Some(g) = gpu() else { return };
        // a = 0..12 as [2, 1, 2, 3], b = (0..18) − 5 as [3, 3, 2]: the output is [2, 3, 2, 2].
        // Its first matrix by hand: [[0,1,2],[3,4,5]] · [[-5,-4],[-3,-2],[-1,0]] =
        // [[-5, -2], [-32, -20]]; the rest from tf.linalg.matmul (TensorFlow 2.21).
        let av: Vec<f32> = (0..12).map(|v| v as f32).collect();
        let bv: Vec<f32> = (0..18).map(|v| v as f32 - 5.0).collect();
        let (a, b) = (g.f32(&[2, 1, 2, 3], &av), g.f32(&[3, 3, 2], &bv));
        let got = batch_matmul(&g.ctx, &g.alloc, &a, &b, false, false, true).unwrap();
        let want = [
            -5., -2., -32., -20., 13., 16., 40., 52., 31., 34., 112., 124., -59., -38., -86., -56.,
            67., 88., 94., 124., 193., 214., 274., 304.,
        ];
        assert_eq!(g.read(&got), (vec![2, 3, 2, 2], want.to_vec()));
        // Adjoint both: aᵀ [3, 2] · bᵀ [2, 3] per batch; batch (0, 0) is
        // [[0,3],[1,4],[2,5]] · [[-5,-3,-1],[-4,-2,0]] = [[-12,-6,0],[-21,-11,-1],[-30,-16,-2]].
        let got = batch_matmul(&g.ctx, &g.alloc, &a, &b, true, true, true).unwrap();
        let (dims, values) = g.read(&got);
        assert_eq!(dims, [2, 3, 3, 3]);
        assert_eq!(values[..9], [-12., -6., 0., -21., -11., -1., -30., -16., -2.]);
    }

    #[test]
    fn random_batches_match_the_cpu_kernel() {
        let Some(g) = gpu() else { return };
        let mut rng = Rng::new(14);
        // Batch shapes that collapse to one dim, broadcast on either side, stay two dims
        // (70 outer batches: two submissions of dispatches), or are empty.
        let cases: [(&[usize], &[usize], [usize; 3]); 6] = [
            (&[], &[], [3, 4, 5]),
            (&[4], &[4], [65, 17, 70]),
            (&[2, 3], &[1], [5, 20, 7]),
            (&[70, 1], &[1, 5], [2, 3, 2]),
            (&[1, 3], &[4, 1], [33, 64, 1]),
            (&[2, 0], &[2, 1], [3, 3, 3]),
        ];
        for (xb, yb, [m, k, n]) in cases {
            for (adj_x, adj_y) in [(false, false), (true, false), (false, true), (true, true)] {
                let mut xd = xb.to_vec();
                xd.extend(if adj_x { [k, m] } else { [m, k] });
                let mut yd = yb.to_vec();
                yd.extend(if adj_y { [n, k] } else { [k, n] });
                let xv = rng.uniform(xd.iter().product(), -1.0, 1.0);
                let yv = rng.uniform(yd.iter().product(), -1.0, 1.0);
                let mut attrs = AttrMap::new();
                attrs.insert("adj_x".into(), AttrValue::Bool(adj_x));
                attrs.insert("adj_y".into(), AttrValue::Bool(adj_y));
                attrs.insert("T".into(), AttrValue::Type(DType::Float32));
                let inputs = vec![host_f32(&xd, &xv), host_f32(&yd, &yv)];
                let want = cpu("BatchMatMulV2", attrs, inputs, 1).remove(0);
                let (x, y) = (g.f32(&xd, &xv), g.f32(&yd, &yv));
                let got = batch_matmul(&g.ctx, &g.alloc, &x, &y, adj_x, adj_y, true).unwrap();
                let (dims, got) = g.read(&got);
                assert_eq!(dims, want.shape().dims());
                // Float32: k products of magnitude ≤ 1 per entry, in some order on each side.
                let bound = 2.0 * sum_error_bound(k, k as f32);
                let what = format!("BatchMatMulV2 {xd:?} {yd:?}");
                assert_close(&what, &got, want.as_slice::<f32>().unwrap(), |_| bound);
            }
        }
    }

    #[test]
    fn shapes_are_checked_as_tensorflow_checks_them() {
        let Some(g) = gpu() else { return };
        let a = g.f32(&[2, 2, 3], &[0.; 12]);
        let b = g.f32(&[3, 3, 2], &[0.; 18]);
        let e = batch_matmul(&g.ctx, &g.alloc, &a, &b, false, false, true).unwrap_err();
        assert_eq!(
            (e.code, e.message.as_str()),
            (
                Code::InvalidArgument,
                "In[0] and In[1] must have compatible batch dimensions: [2,2,3] vs. [3,3,2]"
            )
        );
        let e = batch_matmul(&g.ctx, &g.alloc, &a, &a, false, false, true).unwrap_err();
        assert_eq!(e.message, "Matrix size-incompatible: In[0]: [2,2,3], In[1]: [2,2,3]");
        let e = batch_matmul(&g.ctx, &g.alloc, &g.f32(&[3], &[0.; 3]), &a, false, false, true)
            .unwrap_err();
        assert_eq!(e.message, "In[0] ndims must be >= 2: 1");
        // The first version does not broadcast.
        let one = g.f32(&[1, 3, 2], &[0.; 6]);
        let e = batch_matmul(&g.ctx, &g.alloc, &a, &one, false, false, false).unwrap_err();
        assert_eq!(
            e.message,
            "In[0] and In[1] must have compatible batch dimensions: [2,2,3] vs. [1,3,2]"
        );
        let ok = batch_matmul(&g.ctx, &g.alloc, &a, &one, false, false, true).unwrap();
        assert_eq!(g.read(&ok), (vec![2, 2, 2], vec![0.; 8]));
    }
}
