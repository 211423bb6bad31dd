//! MatMul: a tiled product in workgroup memory (shaders/matmul.wgsl); transposed operands are
//! read through strides, never copied.

use super::{as_u32, check_loop, float32_only, push};
use crate::VulkanContext;
use crate::shaders::Shader;
use sessionflow_core::{Allocator, DType, Result, Status, Tensor, TensorShape};
use std::sync::Arc;

/// The output tile one workgroup computes (rows and columns); matches the shader.
const TILE: usize = 64;

/// `op(a) · op(b)` for matrices, `op` transposing where asked (TensorFlow's `MatMul` with
/// `transpose_a`, `transpose_b`), in new memory from `alloc`.
pub fn matmul(
    ctx: &VulkanContext,
    alloc: &Arc<dyn Allocator>,
    a: &Tensor,
    b: &Tensor,
    transpose_a: bool,
    transpose_b: bool,
) -> Result<Tensor> {
    float32_only("MatMul", &[a, b])?;
    let (sa, sb) = (a.shape(), b.shape());
    if sa.rank() != 2 || sb.rank() != 2 {
        return Err(Status::invalid_argument(format!(
            "In[0] and In[1] must be matrices: In[0]: {sa}, In[1]: {sb}"
        )));
    }
    let (m, k) = if transpose_a { (sa.dim(1), sa.dim(0)) } else { (sa.dim(0), sa.dim(1)) };
    let (k2, n) = if transpose_b { (sb.dim(1), sb.dim(0)) } else { (sb.dim(0), sb.dim(1)) };
    if k != k2 {
        return Err(Status::invalid_argument(format!(
            "Matrix size-incompatible: In[0]: {sa}, In[1]: {sb}"
        )));
    }
    let shape = TensorShape::new([m, n]);
    if m == 0 || n == 0 || k == 0 {
        // An empty product, or sums of nothing: zeros.
        return Tensor::zeros(alloc, DType::Float32, shape);
    }
    // The shader walks k in slices of 16.
    check_loop(ctx, "MatMul", k.div_ceil(16))?;
    let out = Tensor::for_overwrite(alloc, DType::Float32, shape)?;
    // Element (i, p) of op(a) is a[i·a_row + p·a_col]; element (p, j) of op(b) is
    // b[p·b_row + j·b_col].
    let (a_row, a_col) = if transpose_a { (1, m) } else { (k, 1) };
    let (b_row, b_col) = if transpose_b { (1, k) } else { (n, 1) };
    let words = [
        as_u32(m, "rows")?,
        as_u32(n, "columns")?,
        as_u32(k, "the inner dim")?,
        as_u32(a_row, "a stride")?,
        as_u32(a_col, "a stride")?,
        as_u32(b_row, "a stride")?,
        as_u32(b_col, "a stride")?,
        // One matrix: no batch strides or offsets.
        0,
        0,
        0,
        0,
        0,
        0,
    ];
    let spans = [ctx.resolve_tensor(a)?, ctx.resolve_tensor(b)?, ctx.resolve_tensor(&out)?];
    let groups =
        [as_u32(n.div_ceil(TILE), "column tiles")?, as_u32(m.div_ceil(TILE), "row tiles")?, 1];
    ctx.run("MatMul", |r| r.dispatch(Shader::MatMulF32, &spans, &push(&words), groups))?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{Rng, assert_close, cpu, gpu, host_f32, sum_error_bound};
    use sessionflow_core::{AttrMap, AttrValue, Code};

    #[test]
    fn small_products_worked_by_hand() {
        let Some(g) = gpu() else { return };
        // [[1,2,3],[4,5,6]] · [[7,8],[9,10],[11,12]] = [[58,64],[139,154]].
        let a = g.f32(&[2, 3], &[1., 2., 3., 4., 5., 6.]);
        let b = g.f32(&[3, 2], &[7., 8., 9., 10., 11., 12.]);
        let c = matmul(&g.ctx, &g.alloc, &a, &b, false, false).unwrap();
        assert_eq!(g.read(&c), (vec![2, 2], vec![58., 64., 139., 154.]));
        // aᵀ·a = [[17,22,27],[22,29,36],[27,36,45]].
        let c = matmul(&g.ctx, &g.alloc, &a, &a, true, false).unwrap();
        assert_eq!(g.read(&c), (vec![3, 3], vec![17., 22., 27., 22., 29., 36., 27., 36., 45.]));
        // a·aᵀ = [[14,32],[32,77]].
        let c = matmul(&g.ctx, &g.alloc, &a, &a, false, true).unwrap();
        assert_eq!(g.read(&c), (vec![2, 2], vec![14., 32., 32., 77.]));
        // bᵀ·aᵀ = (a·b)ᵀ = [[58,139],[64,154]].
        let c = matmul(&g.ctx, &g.alloc, &b, &a, true, true).unwrap();
        assert_eq!(g.read(&c), (vec![2, 2], vec![58., 139., 64., 154.]));
    }

    #[test]
    fn products_match_the_cpu_gemm_across_tile_edges_and_transposes() {
        let Some(g) = gpu() else { return };
        let mut rng = Rng::new(4);
        for (m, k, n) in [(1, 1, 1), (65, 17, 63), (128, 64, 128), (70, 300, 5), (3, 1000, 130)] {
            for (ta, tb) in [(false, false), (true, false), (false, true), (true, true)] {
                let da = if ta { [k, m] } else { [m, k] };
                let db = if tb { [n, k] } else { [k, n] };
                let (va, vb) = (rng.uniform(m * k, -1.0, 1.0), rng.uniform(k * n, -1.0, 1.0));
                let mut attrs = AttrMap::new();
                attrs.insert("transpose_a".into(), AttrValue::Bool(ta));
                attrs.insert("transpose_b".into(), AttrValue::Bool(tb));
                attrs.insert("T".into(), AttrValue::Type(DType::Float32));
                let want =
                    cpu("MatMul", attrs, vec![host_f32(&da, &va), host_f32(&db, &vb)], 1).remove(0);
                let got =
                    matmul(&g.ctx, &g.alloc, &g.f32(&da, &va), &g.f32(&db, &vb), ta, tb).unwrap();
                let (dims, got) = g.read(&got);
                assert_eq!(dims, [m, n]);
                // Float32 tolerance: both sides sum k products in some order, each within
                // γ_k·Σ|a||b| ≤ γ_k·k (entries in [-1, 1]) of the exact value.
                let bound = 2.0 * sum_error_bound(k, k as f32);
                let what = format!("MatMul {m}x{k}x{n} ta={ta} tb={tb}");
                assert_close(&what, &got, want.as_slice::<f32>().unwrap(), |_| bound);
            }
        }
    }

    #[test]
    fn shapes_are_checked_and_empty_products_are_zeros() {
        let Some(g) = gpu() else { return };
        let a = g.f32(&[2, 3], &[0.; 6]);
        let e = matmul(&g.ctx, &g.alloc, &a, &a, false, false).unwrap_err();
        assert_eq!(
            (e.code, e.message.as_str()),
            (Code::InvalidArgument, "Matrix size-incompatible: In[0]: [2,3], In[1]: [2,3]")
        );
        let e = matmul(&g.ctx, &g.alloc, &g.f32(&[3], &[0.; 3]), &a, false, false).unwrap_err();
        assert_eq!(e.message, "In[0] and In[1] must be matrices: In[0]: [3], In[1]: [2,3]");
        let c = matmul(&g.ctx, &g.alloc, &g.f32(&[2, 0], &[]), &g.f32(&[0, 3], &[]), false, false)
            .unwrap();
        assert_eq!(g.read(&c), (vec![2, 3], vec![0.; 6]));
    }
}
