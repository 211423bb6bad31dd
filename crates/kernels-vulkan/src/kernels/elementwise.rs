//! Elementwise kernels: binary ops with broadcasting, and unary ops.

use super::broadcast::{BroadcastPlan, MAX_BROADCAST_DIMS};
use super::{as_u32, float32_only, groups_for, push};
use crate::VulkanContext;
use crate::regions::Span;
use crate::shaders::Shader;
use sessionflow_core::{Allocator, DType, Result, Status, Tensor};
use std::sync::Arc;

/// A binary op with NumPy broadcasting, under its TensorFlow name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BinaryOp {
    AddV2,
    Sub,
    Mul,
    RealDiv,
    /// NaN when either operand is NaN.
    Maximum,
    /// NaN when either operand is NaN.
    Minimum,
}

impl BinaryOp {
    fn shader(self) -> Shader {
        match self {
            BinaryOp::AddV2 => Shader::BinaryAddF32,
            BinaryOp::Sub => Shader::BinarySubF32,
            BinaryOp::Mul => Shader::BinaryMulF32,
            BinaryOp::RealDiv => Shader::BinaryRealDivF32,
            BinaryOp::Maximum => Shader::BinaryMaximumF32,
            BinaryOp::Minimum => Shader::BinaryMinimumF32,
        }
    }

    /// The TensorFlow op name.
    pub fn name(self) -> &'static str {
        match self {
            BinaryOp::AddV2 => "AddV2",
            BinaryOp::Sub => "Sub",
            BinaryOp::Mul => "Mul",
            BinaryOp::RealDiv => "RealDiv",
            BinaryOp::Maximum => "Maximum",
            BinaryOp::Minimum => "Minimum",
        }
    }
}

/// A unary op, under its TensorFlow name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum UnaryOp {
    Relu,
    Relu6,
    Neg,
    Exp,
    Log,
    Tanh,
    Sigmoid,
}

impl UnaryOp {
    fn shader(self) -> Shader {
        match self {
            UnaryOp::Relu => Shader::UnaryReluF32,
            UnaryOp::Relu6 => Shader::UnaryRelu6F32,
            UnaryOp::Neg => Shader::UnaryNegF32,
            UnaryOp::Exp => Shader::UnaryExpF32,
            UnaryOp::Log => Shader::UnaryLogF32,
            UnaryOp::Tanh => Shader::UnaryTanhF32,
            UnaryOp::Sigmoid => Shader::UnarySigmoidF32,
        }
    }

    /// The TensorFlow op name.
    pub fn name(self) -> &'static str {
        match self {
            UnaryOp::Relu => "Relu",
            UnaryOp::Relu6 => "Relu6",
            UnaryOp::Neg => "Neg",
            UnaryOp::Exp => "Exp",
            UnaryOp::Log => "Log",
            UnaryOp::Tanh => "Tanh",
            UnaryOp::Sigmoid => "Sigmoid",
        }
    }
}

/// `op(a, b)` broadcast, in new memory from `alloc`.
pub fn binary(
    ctx: &VulkanContext,
    alloc: &Arc<dyn Allocator>,
    op: BinaryOp,
    a: &Tensor,
    b: &Tensor,
) -> Result<Tensor> {
    float32_only(op.name(), &[a, b])?;
    let plan = BroadcastPlan::new(a.shape(), b.shape())?;
    let out = Tensor::for_overwrite(alloc, DType::Float32, plan.out.clone())?;
    binary_into(ctx, op, a, b, &plan, &out)?;
    Ok(out)
}

/// `op(a, b)` into `out`, whose shape is `plan.out`. `out` may share memory with `a` or `b`
/// when that operand has the output's shape (an input forwarded in place): each element is
/// then read by the invocation that writes it.
pub(crate) fn binary_into(
    ctx: &VulkanContext,
    op: BinaryOp,
    a: &Tensor,
    b: &Tensor,
    plan: &BroadcastPlan,
    out: &Tensor,
) -> Result<()> {
    let n = out.num_elements();
    if n == 0 {
        return Ok(());
    }
    let mut words = vec![as_u32(n, "the output's element count")?, plan.dims.len() as u32, 0, 0];
    for list in [&plan.dims, &plan.a_strides, &plan.b_strides] {
        let mut padded = [0u32; MAX_BROADCAST_DIMS];
        for (p, &v) in padded.iter_mut().zip(list.iter()) {
            *p = as_u32(v, "a dim")?;
        }
        words.extend(padded);
    }
    let spans = [ctx.resolve_tensor(a)?, ctx.resolve_tensor(b)?, ctx.resolve_tensor(out)?];
    let shader = op.shader();
    let groups = groups_for(n, shader.info().workgroup_size[0]);
    ctx.run(op.name(), |r| r.dispatch(shader, &spans, &push(&words), [groups, 1, 1]))
}

/// `op(x)` in new memory from `alloc`.
pub fn unary(
    ctx: &VulkanContext,
    alloc: &Arc<dyn Allocator>,
    op: UnaryOp,
    x: &Tensor,
) -> Result<Tensor> {
    float32_only(op.name(), &[x])?;
    let out = Tensor::for_overwrite(alloc, DType::Float32, x.shape().clone())?;
    unary_into(ctx, op, x, &out)?;
    Ok(out)
}

/// `op(x)` into `out`, of x's element count; `out` may be `x` itself (computed in place).
pub fn unary_into(ctx: &VulkanContext, op: UnaryOp, x: &Tensor, out: &Tensor) -> Result<()> {
    float32_only(op.name(), &[x, out])?;
    let n = x.num_elements();
    if out.num_elements() != n {
        return Err(Status::internal(format!("{}: {x:?} into {out:?}", op.name())));
    }
    if n == 0 {
        return Ok(());
    }
    let spans: [Span; 2] = [ctx.resolve_tensor(x)?, ctx.resolve_tensor(out)?];
    let shader = op.shader();
    let groups = groups_for(n, shader.info().workgroup_size[0]);
    let words = [as_u32(n, "the element count")?];
    ctx.run(op.name(), |r| r.dispatch(shader, &spans, &push(&words), [groups, 1, 1]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{Rng, assert_close, cpu, gpu, host_f32};
    use sessionflow_core::{AttrMap, Code};

    const BINARY: [BinaryOp; 6] = [
        BinaryOp::AddV2,
        BinaryOp::Sub,
        BinaryOp::Mul,
        BinaryOp::RealDiv,
        BinaryOp::Maximum,
        BinaryOp::Minimum,
    ];
    const UNARY: [UnaryOp; 7] = [
        UnaryOp::Relu,
        UnaryOp::Relu6,
        UnaryOp::Neg,
        UnaryOp::Exp,
        UnaryOp::Log,
        UnaryOp::Tanh,
        UnaryOp::Sigmoid,
    ];

    #[test]
    fn binary_ops_on_small_cases_worked_by_hand() {
        let Some(g) = gpu() else { return };
        let a = g.f32(&[2, 3], &[1., -2., 3., 4., 5., -6.]);
        let b = g.f32(&[3], &[10., 4., -0.5]);
        let want: [(BinaryOp, [f32; 6]); 6] = [
            (BinaryOp::AddV2, [11., 2., 2.5, 14., 9., -6.5]),
            (BinaryOp::Sub, [-9., -6., 3.5, -6., 1., -5.5]),
            (BinaryOp::Mul, [10., -8., -1.5, 40., 20., 3.]),
            (BinaryOp::RealDiv, [0.1, -0.5, -6., 0.4, 1.25, 12.]),
            (BinaryOp::Maximum, [10., 4., 3., 10., 5., -0.5]),
            (BinaryOp::Minimum, [1., -2., -0.5, 4., 4., -6.]),
        ];
        for (op, want) in want {
            let out = binary(&g.ctx, &g.alloc, op, &a, &b).unwrap();
            let (dims, got) = g.read(&out);
            assert_eq!(dims, [2, 3], "{op:?}");
            // Exact but for division, which Vulkan allows 2.5 ulp.
            assert_close(op.name(), &got, &want, |i| want[i].abs() * 3.0 * f32::EPSILON);
        }
        // A column times a row: an outer product through two broadcasts.
        let col = g.f32(&[2, 1], &[2., 3.]);
        let row = g.f32(&[1, 3], &[1., 10., 100.]);
        let out = binary(&g.ctx, &g.alloc, BinaryOp::Mul, &col, &row).unwrap();
        assert_eq!(g.read(&out), (vec![2, 3], vec![2., 20., 200., 3., 30., 300.]));
        // Scalars.
        let s = g.f32(&[], &[7.]);
        let out = binary(&g.ctx, &g.alloc, BinaryOp::Sub, &s, &s).unwrap();
        assert_eq!(g.read(&out), (vec![], vec![0.]));
    }

    #[test]
    fn maximum_and_minimum_propagate_nan_as_tensorflow_does() {
        let Some(g) = gpu() else { return };
        let a = g.f32(&[4], &[f32::NAN, 1., f32::NAN, f32::INFINITY]);
        let b = g.f32(&[4], &[1., f32::NAN, f32::NAN, 2.]);
        let max = g.read(&binary(&g.ctx, &g.alloc, BinaryOp::Maximum, &a, &b).unwrap()).1;
        let min = g.read(&binary(&g.ctx, &g.alloc, BinaryOp::Minimum, &a, &b).unwrap()).1;
        assert!(max[..3].iter().all(|v| v.is_nan()) && max[3] == f32::INFINITY, "{max:?}");
        assert!(min[..3].iter().all(|v| v.is_nan()) && min[3] == 2.0, "{min:?}");
    }

    #[test]
    fn binary_ops_match_the_cpu_kernels_on_random_broadcasts() {
        let Some(g) = gpu() else { return };
        let mut rng = Rng::new(1);
        let shapes: [(&[usize], &[usize]); 5] = [
            (&[1000], &[1000]),
            (&[37, 64], &[64]),
            (&[5, 1, 7], &[1, 6, 1]),
            (&[3, 4, 5, 6], &[4, 1, 6]),
            (&[70000], &[]),
        ];
        for (sa, sb) in shapes {
            let na: usize = sa.iter().product();
            let nb: usize = sb.iter().product();
            let (va, vb) = (rng.uniform(na, -4.0, 4.0), rng.uniform(nb, 0.5, 3.0));
            let (ha, hb) = (host_f32(sa, &va), host_f32(sb, &vb));
            let (da, db) = (g.f32(sa, &va), g.f32(sb, &vb));
            for op in BINARY {
                let want =
                    cpu(op.name(), AttrMap::new(), vec![ha.clone(), hb.clone()], 1).remove(0);
                let (dims, got) = g.read(&binary(&g.ctx, &g.alloc, op, &da, &db).unwrap());
                assert_eq!(dims, want.shape().dims(), "{op:?} {sa:?} {sb:?}");
                let want = want.as_slice::<f32>().unwrap();
                // Float32 tolerance: add, sub, mul, max and min are correctly rounded on Vulkan
                // as on the CPU (exact agreement); division may differ by 2.5 ulp.
                let ulps = if op == BinaryOp::RealDiv { 3.0 } else { 0.0 };
                let what = format!("{op:?} {sa:?} {sb:?}");
                assert_close(&what, &got, want, |i| want[i].abs() * ulps * f32::EPSILON);
            }
        }
    }

    #[test]
    fn unary_ops_on_values_worked_by_hand() {
        let Some(g) = gpu() else { return };
        let x = g.f32(&[6], &[-2., -0.0, 0.5, 1., 7., f32::NAN]);
        let e = std::f32::consts::E;
        let want: [(UnaryOp, [f32; 6]); 7] = [
            (UnaryOp::Relu, [0., -0.0, 0.5, 1., 7., f32::NAN]),
            (UnaryOp::Relu6, [0., -0.0, 0.5, 1., 6., f32::NAN]),
            (UnaryOp::Neg, [2., 0.0, -0.5, -1., -7., f32::NAN]),
            (UnaryOp::Exp, [0.135_335_28, 1., 1.648_721_3, e, 1_096.633_2, f32::NAN]),
            (
                UnaryOp::Log,
                [f32::NAN, f32::NEG_INFINITY, -std::f32::consts::LN_2, 0., 1.945_910_1, f32::NAN],
            ),
            (UnaryOp::Tanh, [-0.964_027_6, -0.0, 0.462_117_16, 0.761_594_2, 0.999_998_3, f32::NAN]),
            (
                UnaryOp::Sigmoid,
                [0.119_202_92, 0.5, 0.622_459_3, 0.731_058_6, 0.999_088_9, f32::NAN],
            ),
        ];
        for (op, want) in want {
            let (_, got) = g.read(&unary(&g.ctx, &g.alloc, op, &x).unwrap());
            // Float32 tolerance for exp, log, tanh and sigmoid: 4 ulp relative (Vulkan allows
            // exp 3 + 2|x| ulp); the rest exact.
            assert_close(op.name(), &got, &want, |i| want[i].abs() * 4.0 * f32::EPSILON);
            let signs: Vec<bool> = got.iter().map(|v| v.is_sign_negative()).collect();
            if matches!(op, UnaryOp::Relu | UnaryOp::Relu6 | UnaryOp::Tanh) {
                assert!(signs[1], "{op:?} keeps -0");
            }
        }
        // Extremes: no overflow to NaN.
        let big = g.f32(&[4], &[-1e30, 1e30, -100., 100.]);
        let tanh = g.read(&unary(&g.ctx, &g.alloc, UnaryOp::Tanh, &big).unwrap()).1;
        assert_eq!(tanh, [-1., 1., -1., 1.]);
        let sig = g.read(&unary(&g.ctx, &g.alloc, UnaryOp::Sigmoid, &big).unwrap()).1;
        assert_eq!(sig[..2], [0., 1.]);
        // e^-100 ≈ 3.7e-44 is subnormal: kept, or flushed to zero (Vulkan allows either).
        assert!((0.0..1e-43).contains(&sig[2]), "{sig:?}");
    }

    #[test]
    fn unary_ops_match_the_cpu_kernels_on_random_inputs() {
        let Some(g) = gpu() else { return };
        let mut rng = Rng::new(2);
        let n = 100_003;
        let values = rng.uniform(n, -8.0, 8.0);
        let positive: Vec<f32> = values.iter().map(|v| v.abs() + 1e-3).collect();
        for op in UNARY {
            let v = if op == UnaryOp::Log { &positive } else { &values };
            let want = cpu(op.name(), AttrMap::new(), vec![host_f32(&[n], v)], 1).remove(0);
            let want = want.as_slice::<f32>().unwrap();
            let got = g.read(&unary(&g.ctx, &g.alloc, op, &g.f32(&[n], v)).unwrap()).1;
            // Float32 tolerance: relative 8 ulp plus 1e-7 absolute for the transcendental ops
            // (each side within a few ulp of the true value; tanh's and sigmoid's formulas
            // differ); the rest exact.
            let exact = matches!(op, UnaryOp::Relu | UnaryOp::Relu6 | UnaryOp::Neg);
            let tol =
                |i: usize| if exact { 0.0 } else { want[i].abs() * 8.0 * f32::EPSILON + 1e-7 };
            assert_close(op.name(), &got, want, tol);
        }
    }

    #[test]
    fn unary_ops_compute_in_place_and_large_inputs_loop_over_the_grid() {
        let Some(g) = gpu() else { return };
        // More elements than 65535 workgroups of 256 cover, so the grid-stride loop runs.
        let n = 65535 * 256 + 1000;
        let x = g.f32(&[n], &vec![-1.5; n]);
        unary_into(&g.ctx, UnaryOp::Neg, &x, &x).unwrap();
        let (_, got) = g.read(&x);
        assert!(got.iter().all(|&v| v == 1.5));
    }

    #[test]
    fn bad_inputs_are_errors() {
        let Some(g) = gpu() else { return };
        let a = g.f32(&[2, 3], &[0.; 6]);
        let b = g.f32(&[4], &[0.; 4]);
        let e = binary(&g.ctx, &g.alloc, BinaryOp::AddV2, &a, &b).unwrap_err();
        assert_eq!(
            (e.code, e.message.as_str()),
            (Code::InvalidArgument, "Incompatible shapes: [2,3] vs. [4]")
        );
        let ints = sessionflow_core::Tensor::from_slice(
            crate::testing::host(),
            sessionflow_core::TensorShape::new([2]),
            &[1i32, 2],
        )
        .unwrap();
        let ints = g.ctx.upload(&g.alloc, &ints).unwrap();
        assert_eq!(
            unary(&g.ctx, &g.alloc, UnaryOp::Neg, &ints).unwrap_err().code,
            Code::Unimplemented
        );
        // A host tensor given to a device kernel is an engine bug, reported, not a crash.
        let host = host_f32(&[2], &[1., 2.]);
        assert_eq!(unary(&g.ctx, &g.alloc, UnaryOp::Neg, &host).unwrap_err().code, Code::Internal);
        // Empty tensors need no dispatch.
        let empty = g.f32(&[0, 3], &[]);
        let out =
            binary(&g.ctx, &g.alloc, BinaryOp::Mul, &empty, &g.f32(&[3], &[1., 2., 3.])).unwrap();
        assert_eq!(g.read(&out), (vec![0, 3], vec![]));
    }
}
