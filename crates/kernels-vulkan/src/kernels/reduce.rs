//! Sum, Mean and Max over axes. The input's dims are grouped into runs of kept and reduced
//! dims (size-1 dims dropped); each reduced run is reduced over [outer, len, inner]: by a
//! workgroup per row when the run is innermost, by an invocation per output otherwise, in
//! chunks (long runs take several passes). Mean scales in the very last pass.

use super::{as_u32, float32_only, groups_for, push};
use crate::VulkanContext;
use crate::shaders::Shader;
use sessionflow_core::{Allocator, DType, Result, Status, Tensor, TensorShape};
use std::sync::Arc;

/// A reduction, under its TensorFlow name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ReduceOp {
    Sum,
    Mean,
    /// NaN when any element is NaN; -infinity for an empty reduction (as TensorFlow's).
    Max,
}

impl ReduceOp {
    /// The TensorFlow op name.
    pub fn name(self) -> &'static str {
        match self {
            ReduceOp::Sum => "Sum",
            ReduceOp::Mean => "Mean",
            ReduceOp::Max => "Max",
        }
    }

    fn shaders(self) -> (Shader, Shader) {
        match self {
            ReduceOp::Sum | ReduceOp::Mean => {
                (Shader::ReduceRowsSumF32, Shader::ReduceStridedSumF32)
            }
            ReduceOp::Max => (Shader::ReduceRowsMaxF32, Shader::ReduceStridedMaxF32),
        }
    }

    /// The result of reducing nothing.
    fn empty_value(self) -> f32 {
        match self {
            ReduceOp::Sum => 0.0,
            ReduceOp::Mean => f32::NAN,
            ReduceOp::Max => f32::NEG_INFINITY,
        }
    }
}

/// `op` of `x` over `axes` (negative counting from the end), the reduced dims kept as 1 when
/// `keep_dims`; TensorFlow's checks and messages.
pub fn reduce(
    ctx: &VulkanContext,
    alloc: &Arc<dyn Allocator>,
    op: ReduceOp,
    x: &Tensor,
    axes: &[i64],
    keep_dims: bool,
) -> Result<Tensor> {
    float32_only(op.name(), &[x])?;
    let dims = x.shape().dims();
    let reduced = reduced_dims(dims.len(), axes)?;
    let out_shape = TensorShape::new(
        dims.iter()
            .zip(&reduced)
            .filter_map(|(&d, &r)| match (r, keep_dims) {
                (false, _) => Some(d),
                (true, true) => Some(1),
                (true, false) => None,
            })
            .collect::<Vec<_>>(),
    );
    let out_len = out_shape.num_elements()?;
    let count: usize = dims.iter().zip(&reduced).filter(|(_, r)| **r).map(|(d, _)| d).product();
    if out_len == 0 {
        return Tensor::zeros(alloc, DType::Float32, out_shape);
    }
    if count == 0 {
        let out = Tensor::for_overwrite(alloc, DType::Float32, out_shape)?;
        let span = ctx.resolve_tensor(&out)?;
        let bits = op.empty_value().to_bits();
        ctx.run(op.name(), |r| {
            r.fill(span, span.len, bits);
            Ok(())
        })?;
        return Ok(out);
    }
    let mut runs = runs(dims, &reduced);
    if !runs.iter().any(|r| r.reduced) {
        // Only size-1 dims are reduced: the values stay as they are (a view, no copy).
        return x.reshaped(out_shape);
    }
    let mut current = x.clone();
    while let Some(at) = runs.iter().rposition(|r| r.reduced) {
        let outer: usize = runs[..at].iter().map(|r| r.len).product();
        let inner: usize = runs[at + 1..].iter().map(|r| r.len).product();
        let len = runs[at].len;
        runs.remove(at);
        merge_kept(&mut runs);
        let last = !runs.iter().any(|r| r.reduced);
        let scale = if last && op == ReduceOp::Mean { 1.0 / count as f32 } else { 1.0 };
        let shape = if last { out_shape.clone() } else { TensorShape::new([outer * inner]) };
        let next = Tensor::for_overwrite(alloc, DType::Float32, shape)?;
        reduce_run(ctx, alloc, op, &current, &next, [outer, len, inner], scale)?;
        current = next;
    }
    Ok(current)
}

/// Elements one workgroup folds per row pass (256 invocations × 256 each).
const ROW_CHUNK: usize = 1 << 16;
/// Elements one invocation folds per strided pass.
const STRIDED_CHUNK: usize = 1024;

/// Reduces the middle dim of `x` viewed as `[outer, len, inner]` into `out` (`[outer,
/// inner]` elements): `out = scale · op_k x[·, k, ·]`. Runs longer than one chunk take several
/// passes over chunk results in scratch memory from `alloc`.
fn reduce_run(
    ctx: &VulkanContext,
    alloc: &Arc<dyn Allocator>,
    op: ReduceOp,
    x: &Tensor,
    out: &Tensor,
    [outer, len, inner]: [usize; 3],
    scale: f32,
) -> Result<()> {
    let (rows_shader, strided_shader) = op.shaders();
    let chunk = if inner == 1 { ROW_CHUNK } else { STRIDED_CHUNK };
    let mut input = x.clone();
    let mut len = len;
    loop {
        let chunks = len.div_ceil(chunk);
        let last = chunks == 1;
        let target = if last {
            out.clone()
        } else {
            Tensor::for_overwrite(
                alloc,
                DType::Float32,
                TensorShape::new([outer * chunks * inner]),
            )?
        };
        let pass_scale = if last { scale } else { 1.0 };
        let spans = [ctx.resolve_tensor(&input)?, ctx.resolve_tensor(&target)?];
        let c = [as_u32(chunk, "a chunk")?, as_u32(chunks, "chunks")?];
        let (l, s) = (as_u32(len, "a reduced run")?, pass_scale.to_bits());
        if inner == 1 {
            let items = outer * chunks;
            let words = [as_u32(outer, "rows")?, l, c[0], c[1], s];
            // One workgroup per (row, chunk), up to the dispatch limit (the shader loops).
            let groups = groups_for(items, 1);
            ctx.run(op.name(), |r| r.dispatch(rows_shader, &spans, &push(&words), [groups, 1, 1]))?;
        } else {
            let words = [as_u32(outer, "rows")?, l, as_u32(inner, "columns")?, c[0], c[1], s];
            let groups =
                groups_for(outer * chunks * inner, strided_shader.info().workgroup_size[0]);
            ctx.run(op.name(), |r| {
                r.dispatch(strided_shader, &spans, &push(&words), [groups, 1, 1])
            })?;
        }
        if last {
            return Ok(());
        }
        input = target;
        len = chunks;
    }
}

/// Which dims `axes` reduce; TensorFlow's messages for bad axes.
fn reduced_dims(rank: usize, axes: &[i64]) -> Result<Vec<bool>> {
    let mut reduced = vec![false; rank];
    let r = rank as i64;
    for &a in axes {
        if a < -r || a >= r {
            return Err(Status::invalid_argument(format!(
                "Invalid reduction dimension ({a} for input with {rank} dimension(s)"
            )));
        }
        let i = if a < 0 { a + r } else { a } as usize;
        if std::mem::replace(&mut reduced[i], true) {
            return Err(Status::invalid_argument(format!(
                "Invalid reduction arguments: Axes contains duplicate dimension: {i}"
            )));
        }
    }
    Ok(reduced)
}

/// A run of adjacent dims that are all kept or all reduced, as one dim of their product.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Run {
    len: usize,
    reduced: bool,
}

/// The runs of `dims`, outermost first, size-1 dims left out.
fn runs(dims: &[usize], reduced: &[bool]) -> Vec<Run> {
    let mut out: Vec<Run> = Vec::new();
    for (&len, &reduced) in dims.iter().zip(reduced) {
        if len == 1 {
            continue;
        }
        match out.last_mut() {
            Some(last) if last.reduced == reduced => last.len *= len,
            _ => out.push(Run { len, reduced }),
        }
    }
    out
}

/// Merges kept runs that became adjacent when a reduced run between them was removed.
fn merge_kept(runs: &mut Vec<Run>) {
    let mut i = 1;
    while i < runs.len() {
        if !runs[i].reduced && !runs[i - 1].reduced {
            runs[i - 1].len *= runs[i].len;
            runs.remove(i);
        } else {
            i += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{Rng, assert_close, cpu, gpu, host_f32, sum_error_bound};
    use sessionflow_core::{AttrMap, AttrValue, Code};

    #[test]
    fn dims_group_into_runs_without_ones() {
        let run = |len, reduced| Run { len, reduced };
        assert_eq!(
            runs(&[2, 3, 1, 4, 5], &[false, true, true, true, false]),
            [run(2, false), run(12, true), run(5, false)]
        );
        let mut r = vec![run(2, false), run(3, true), run(4, false), run(5, true)];
        r.remove(1);
        merge_kept(&mut r);
        assert_eq!(r, [run(8, false), run(5, true)]);
    }

    #[test]
    fn reductions_worked_by_hand() {
        let Some(g) = gpu() else { return };
        // [[1, 2, 3], [4, 5, 6]]
        let x = g.f32(&[2, 3], &[1., 2., 3., 4., 5., 6.]);
        let run =
            |op, axes: &[i64], keep| g.read(&reduce(&g.ctx, &g.alloc, op, &x, axes, keep).unwrap());
        assert_eq!(run(ReduceOp::Sum, &[0], false), (vec![3], vec![5., 7., 9.]));
        assert_eq!(run(ReduceOp::Sum, &[1], false), (vec![2], vec![6., 15.]));
        assert_eq!(run(ReduceOp::Sum, &[0, 1], false), (vec![], vec![21.]));
        assert_eq!(run(ReduceOp::Sum, &[-1], true), (vec![2, 1], vec![6., 15.]));
        assert_eq!(run(ReduceOp::Mean, &[0], false), (vec![3], vec![2.5, 3.5, 4.5]));
        assert_eq!(run(ReduceOp::Mean, &[1, 0], true), (vec![1, 1], vec![3.5]));
        assert_eq!(run(ReduceOp::Max, &[1], false), (vec![2], vec![3., 6.]));
        assert_eq!(run(ReduceOp::Max, &[], false), (vec![2, 3], vec![1., 2., 3., 4., 5., 6.]));
        // A reduced run between kept ones, and one on each side: two passes.
        let y = g.f32(&[2, 2, 2], &[1., 2., 3., 4., 5., 6., 7., 8.]);
        let sum = |axes: &[i64]| {
            g.read(&reduce(&g.ctx, &g.alloc, ReduceOp::Sum, &y, axes, false).unwrap())
        };
        assert_eq!(sum(&[1]), (vec![2, 2], vec![4., 6., 12., 14.]));
        assert_eq!(sum(&[0, 2]), (vec![2], vec![14., 22.]));
    }

    #[test]
    fn empty_reductions_and_nan_follow_tensorflow() {
        let Some(g) = gpu() else { return };
        let empty = g.f32(&[0, 2], &[]);
        let run = |op| g.read(&reduce(&g.ctx, &g.alloc, op, &empty, &[0], false).unwrap()).1;
        assert_eq!(run(ReduceOp::Sum), [0., 0.]);
        assert!(run(ReduceOp::Mean).iter().all(|v| v.is_nan()));
        // TensorFlow 2.21: tf.reduce_max(tf.zeros([0, 3]), axis=0) is [-inf, -inf, -inf].
        assert_eq!(run(ReduceOp::Max), [f32::NEG_INFINITY, f32::NEG_INFINITY]);
        let ninf = g.f32(&[1, 2], &[f32::NEG_INFINITY, f32::NEG_INFINITY]);
        let max = g.read(&reduce(&g.ctx, &g.alloc, ReduceOp::Max, &ninf, &[1], false).unwrap());
        assert_eq!(max.1, [f32::NEG_INFINITY], "the max of -infinities");
        let nan = g.f32(&[2, 2], &[1., f32::NAN, 3., 2.]);
        let max = g.read(&reduce(&g.ctx, &g.alloc, ReduceOp::Max, &nan, &[1], false).unwrap()).1;
        assert!(max[0].is_nan() && max[1] == 3.0, "{max:?}");
        let e = reduce(&g.ctx, &g.alloc, ReduceOp::Sum, &nan, &[2], false).unwrap_err();
        assert_eq!(
            (e.code, e.message.as_str()),
            (Code::InvalidArgument, "Invalid reduction dimension (2 for input with 2 dimension(s)")
        );
        let e = reduce(&g.ctx, &g.alloc, ReduceOp::Sum, &nan, &[1, -1], false).unwrap_err();
        assert!(e.message.contains("duplicate dimension: 1"), "{}", e.message);
    }

    #[test]
    fn long_runs_are_reduced_exactly_over_several_passes() {
        let Some(g) = gpu() else { return };
        // [outer, len, inner] reduced over len, with runs longer than one chunk (and than the
        // 65535 iterations llvmpipe lets a loop run). Small integers: every partial sum is
        // exact in float32, so any order gives the exact total, and a dropped or repeated
        // element shows.
        for [outer, len, inner] in
            [[1, 200_000, 3], [3, 300_000, 1], [1, 5_000_000, 1], [2, 5000, 7]]
        {
            let n = outer * len * inner;
            let v: Vec<f32> = (0..n).map(|i| ((i * 7919) % 17) as f32 - 8.0).collect();
            let x = g.f32(&[outer, len, inner], &v);
            let v = &v;
            let column = |o: usize, i: usize| (0..len).map(move |k| v[(o * len + k) * inner + i]);
            let (mut sums, mut maxes) = (Vec::new(), Vec::new());
            for o in 0..outer {
                for i in 0..inner {
                    sums.push(column(o, i).sum::<f32>());
                    maxes.push(column(o, i).fold(f32::MIN, f32::max));
                }
            }
            let got = |op| g.read(&reduce(&g.ctx, &g.alloc, op, &x, &[1], false).unwrap()).1;
            let what = format!("[{outer}, {len}, {inner}]");
            assert_eq!(got(ReduceOp::Sum), sums, "{what}");
            assert_eq!(got(ReduceOp::Max), maxes, "{what}");
            let means: Vec<f32> = sums.iter().map(|s| s / len as f32).collect();
            // The mean is the exact sum times 1/len (rounded): within 2 ulp of the quotient.
            assert_close(&what, &got(ReduceOp::Mean), &means, |i| {
                means[i].abs() * 2.0 * f32::EPSILON
            });
        }
    }

    #[test]
    fn reductions_match_the_cpu_kernels_on_random_inputs() {
        let Some(g) = gpu() else { return };
        let mut rng = Rng::new(5);
        let cases: [(&[usize], &[i64]); 6] = [
            (&[1000], &[0]),
            (&[300, 70], &[1]),
            (&[300, 70], &[0]),
            (&[6, 7, 8, 9], &[0, 2]),
            (&[6, 7, 8, 9], &[1, 3]),
            (&[100_000, 3], &[0]),
        ];
        for (dims, axes) in cases {
            let n: usize = dims.iter().product();
            let v = rng.uniform(n, -1.0, 1.0);
            let count: usize = axes.iter().map(|&a| dims[a as usize]).product();
            for op in [ReduceOp::Sum, ReduceOp::Mean, ReduceOp::Max] {
                let mut attrs = AttrMap::new();
                attrs.insert("keep_dims".into(), AttrValue::Bool(false));
                attrs.insert("T".into(), AttrValue::Type(DType::Float32));
                attrs.insert("Tidx".into(), AttrValue::Type(DType::Int32));
                let axes32: Vec<i32> = axes.iter().map(|&a| a as i32).collect();
                let axes_t = sessionflow_core::Tensor::from_slice(
                    crate::testing::host(),
                    TensorShape::new([axes.len()]),
                    &axes32,
                )
                .unwrap();
                let want = cpu(op.name(), attrs, vec![host_f32(dims, &v), axes_t], 1).remove(0);
                let got = reduce(&g.ctx, &g.alloc, op, &g.f32(dims, &v), axes, false).unwrap();
                let (shape, got) = g.read(&got);
                assert_eq!(shape, want.shape().dims(), "{op:?} {dims:?} {axes:?}");
                // Float32 tolerance: sums within γ_count·Σ|x| ≤ γ_count·count on each side
                // (the mean divided by count); the maximum exact.
                let bound = match op {
                    ReduceOp::Sum => 2.0 * sum_error_bound(count, count as f32),
                    ReduceOp::Mean => 2.0 * sum_error_bound(count, 1.0) + f32::EPSILON,
                    ReduceOp::Max => 0.0,
                };
                let what = format!("{op:?} {dims:?} {axes:?}");
                assert_close(&what, &got, want.as_slice::<f32>().unwrap(), |_| bound);
            }
        }
    }
}
