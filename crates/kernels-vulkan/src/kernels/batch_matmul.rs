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
