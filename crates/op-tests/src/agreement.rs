//! How closely another device's kernel must agree with the CPU kernel on the same case: the
//! one table of cross-device tolerances, per dtype and per kind of op.
//!
//! Integer, bool and other non-float outputs must match exactly, as must float outputs of ops
//! that only select or move values (Identity, Relu, Maximum, Max, MaxPool…): no rounding
//! happens there. Float outputs of arithmetic may differ by rounding, bounded as follows, with
//! ε the dtype's machine epsilon (2⁻²³ for float32) and |c| the CPU's value:
//!
//! - **one correctly rounded operation** (AddV2, Sub, Mul, BiasAdd): Vulkan requires these
//!   correctly rounded, as IEEE does on the CPU, so they agree to 1 ulp (rel ε) — plus an
//!   absolute slack of the smallest normal number, because Vulkan lets shaders flush
//!   subnormals to zero unless they ask otherwise;
//! - **division**: Vulkan allows 2.5 ulp, so 3ε relative;
//! - **exp, log, tanh, sigmoid**: Vulkan allows exp 3 + 2·|x| ulp and log 3 ulp (2⁻²¹
//!   absolute near 1); tanh and sigmoid are a few operations over one exp. So
//!   (8 + 2·max|x|)·ε relative plus 4ε absolute (for results near 0, whose relative error
//!   the formulas do not bound);
//! - **sums** (MatMul, Sum, Mean, convolutions, average pooling): the two devices add in
//!   different orders. A sum of n terms whose magnitudes add up to M is within γₙ·M of the
//!   exact value in any order, γₙ = n·ε/(1 − n·ε) (Higham, "Accuracy and Stability of
//!   Numerical Algorithms", §3.1), so two such sums differ by at most 2·γₙ·M; M is bounded by
//!   n·max|x| (sums) or n·max|x|·max|w| (sums of products), and a mean's is divided by n;
//! - **softmax**: exp's error on x − max(x) (up to 2·max|x|), a row sum of n terms and a
//!   division: (8 + 4·max|x| + 2n)·ε relative plus 4ε absolute.
//!
//! An op not in the table is held to 4 ulp relative; add it here when its error is larger.

use sessionflow::core::{AttrValue, DType, Tensor};

/// The tolerance for one output of a case.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Agreement {
    /// Equal values (NaN matches NaN).
    Exact,
    /// |device − cpu| ≤ abs + rel·|cpu|; NaN matches only NaN and infinities must be equal.
    Within { rel: f64, abs: f64 },
}

/// The machine epsilon of a float dtype; None for the others.
fn epsilon(dtype: DType) -> Option<f64> {
    match dtype {
        DType::Float32 => Some(f32::EPSILON as f64),
        DType::Float64 => Some(f64::EPSILON),
        DType::Float16 => Some(half::f16::EPSILON.to_f64()),
        DType::BFloat16 => Some(half::bf16::EPSILON.to_f64()),
        _ => None,
    }
}

/// The smallest positive normal value of a float dtype (what flushing subnormals can lose).
fn min_normal(dtype: DType) -> f64 {
    match dtype {
        DType::Float64 => f64::MIN_POSITIVE,
        DType::Float16 => half::f16::MIN_POSITIVE.to_f64(),
        DType::BFloat16 => half::bf16::MIN_POSITIVE.to_f64(),
        _ => f32::MIN_POSITIVE as f64,
    }
}

/// The largest magnitude among a float tensor's finite values (0 for other dtypes).
fn max_abs(t: &Tensor) -> f64 {
    if epsilon(t.dtype()).is_none() || t.memory_kind() != sessionflow::core::MemoryKind::Host {
        return 0.0;
    }
    crate::values_f64(t).into_iter().filter(|v| v.is_finite()).fold(0.0, |m, v| m.max(v.abs()))
}

fn dims(t: &Tensor) -> &[usize] {
    t.shape().dims()
}

fn bool_attr(attrs: &sessionflow::core::AttrMap, name: &str) -> bool {
    matches!(attrs.get(name), Some(AttrValue::Bool(true)))
}

/// The number of terms each output of a summing op adds up, and a bound on the magnitude of
/// one term; None for ops that do not sum.
fn sum_terms(
    op: &str,
    attrs: &sessionflow::core::AttrMap,
    inputs: &[Tensor],
    output: &Tensor,
) -> Option<(f64, f64)> {
    let input = |i: usize| inputs.get(i);
    let product_bound = || input(0).map_or(0.0, max_abs) * input(1).map_or(0.0, max_abs);
    let n = match op {
        "MatMul" => {
            let a = dims(input(0)?);
            let inner = if bool_attr(attrs, "transpose_a") { 0 } else { 1 };
            *a.get(inner)?
        }
        "BatchMatMul" | "BatchMatMulV2" | "BatchMatMulV3" => {
            let a = dims(input(0)?);
            let r = a.len();
            let adj = bool_attr(attrs, "adj_x");
            *a.get(if adj { r.checked_sub(2)? } else { r.checked_sub(1)? })?
        }
        "Conv2D" => {
            // Filter [height, width, in, out]: each output sums height·width·in products.
            let f = dims(input(1)?);
            f.iter().take(3).product()
        }
        "DepthwiseConv2dNative" => {
            let f = dims(input(1)?);
            f.iter().take(2).product()
        }
        "Sum" | "Mean" => {
            let x = input(0)?.num_elements();
            let out = output.num_elements().max(1);
            x / out
        }
        "AvgPool" => match attrs.get("ksize") {
            Some(AttrValue::ListInt(k)) => k.iter().map(|&v| v.max(1) as usize).product(),
            _ => return None,
        },
        _ => return None,
    };
    let term = match op {
        "Sum" | "Mean" | "AvgPool" => input(0).map_or(0.0, max_abs),
        _ => product_bound(),
    };
    Some((n as f64, term))
}

/// How closely output `index` of `op` on another device must match the CPU kernel's output,
/// for these inputs and attrs.
pub fn agreement(
    op: &str,
    attrs: &sessionflow::core::AttrMap,
    inputs: &[Tensor],
    cpu_output: &Tensor,
) -> Agreement {
    let dtype = cpu_output.dtype();
    let Some(eps) = epsilon(dtype) else { return Agreement::Exact };
    let tiny = min_normal(dtype);
    let x_max = inputs.first().map_or(0.0, max_abs);
    match op {
        // Selection and data movement: no rounding anywhere.
        "Identity" | "Snapshot" | "Const" | "Relu" | "Relu6" | "Neg" | "Maximum" | "Minimum"
        | "Max" | "Min" | "MaxPool" | "Abs" => Agreement::Exact,
        "AddV2" | "Add" | "Sub" | "Mul" | "BiasAdd" => Agreement::Within { rel: eps, abs: tiny },
        "RealDiv" | "Div" => Agreement::Within { rel: 3.0 * eps, abs: tiny },
        "Exp" | "Log" | "Tanh" | "Sigmoid" => {
            Agreement::Within { rel: (8.0 + 2.0 * x_max) * eps, abs: 4.0 * eps }
        }
        "Softmax" => {
            let n = inputs.first().and_then(|x| dims(x).last().copied()).unwrap_or(1) as f64;
            Agreement::Within { rel: (8.0 + 4.0 * x_max + 2.0 * n) * eps, abs: 4.0 * eps }
        }
        _ => match sum_terms(op, attrs, inputs, cpu_output) {
            Some((n, term)) => {
                let gamma = n * eps / (1.0 - n * eps).max(0.5);
                let mass = n * term;
                let bound = 2.0 * gamma * mass;
                let bound =
                    if matches!(op, "Mean" | "AvgPool") { bound / n.max(1.0) } else { bound };
                // Plus the final rounding (and a mean's division) of each result.
                Agreement::Within { rel: 2.0 * eps, abs: bound + tiny }
            }
            None => Agreement::Within { rel: 4.0 * eps, abs: tiny },
        },
    }
}

/// Where `device` disagrees with `cpu` beyond `agreement`: the first bad element, described.
pub fn disagreement(cpu: &Tensor, device: &Tensor, agreement: Agreement) -> Option<String> {
    if cpu.dtype() != device.dtype() || cpu.shape() != device.shape() {
        return Some(format!(
            "CPU gave {} {}, the device {} {}",
            cpu.dtype(),
            cpu.shape(),
            device.dtype(),
            device.shape()
        ));
    }
    if matches!(cpu.dtype(), DType::String | DType::Resource) {
        let same = cpu.as_strings().ok() == device.as_strings().ok();
        return (!same).then(|| "string values differ".to_owned());
    }
    if epsilon(cpu.dtype()).is_none() {
        // Integers and bools bit for bit (through f64, int64s beyond 2^53 would blur).
        let same = cpu.as_bytes().ok() == device.as_bytes().ok();
        return (!same).then(|| format!("values differ: CPU {cpu:?}, device {device:?}"));
    }
    let (want, got) = (crate::values_f64(cpu), crate::values_f64(device));
    for (i, (&c, &g)) in want.iter().zip(&got).enumerate() {
        let ok = match agreement {
            _ if c.is_nan() => g.is_nan(),
            Agreement::Exact => g == c,
            Agreement::Within { .. } if c.is_infinite() => g == c,
            Agreement::Within { rel, abs } => (g - c).abs() <= abs + rel * c.abs(),
        };
        if !ok {
            return Some(format!(
                "element {i} of {}: device {g:e}, CPU {c:e} (difference {:e}, allowed {agreement:?})",
                cpu.num_elements(),
                (g - c).abs()
            ));
        }
    }
    None
}
