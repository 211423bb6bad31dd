use crate::{InferenceContext, OpDef, OpRegistry, broadcast_partial_shapes};
use sessionflow_core::{DType, PartialShape, Result, Status};

/// Dtypes TensorFlow's CPU MatMul supports (of those sessionflow has). TF's op definition
/// also allows uint8, which has no CPU kernel, and its CPU kernel int16, which the op
/// definition refuses.
const MATMUL_TYPES: [DType; 6] =
    [DType::BFloat16, DType::Float16, DType::Float32, DType::Float64, DType::Int32, DType::Int64];

/// Dtypes of TensorFlow's CPU BatchMatMulV2 (of ours): MatMul's and int16.
const BATCH_MATMUL_TYPES: [DType; 7] = [
    DType::BFloat16,
    DType::Float16,
    DType::Float32,
    DType::Float64,
    DType::Int16,
    DType::Int32,
    DType::Int64,
];

pub(super) fn register(r: &mut OpRegistry) {
    r.register(
        OpDef::new("MatMul")
            .input("a: T")
            .input("b: T")
            .output("product: T")
            .attr("transpose_a: bool = false")
            .attr("transpose_b: bool = false")
            .type_attr("T", &MATMUL_TYPES)
            // Hints for gradient graphs in TensorFlow 2; they do not change the product.
            .attr("grad_a: bool = false")
            .attr("grad_b: bool = false")
            .shape(matmul_shape),
    );
    r.register(
        OpDef::new("BatchMatMulV2")
            .input("x: T")
            .input("y: T")
            .output("output: T")
            .type_attr("T", &BATCH_MATMUL_TYPES)
            .attr("adj_x: bool = false")
            .attr("adj_y: bool = false")
            .attr("grad_x: bool = false")
            .attr("grad_y: bool = false")
            .shape(batch_matmul_shape),
    );
}

pub(super) fn matmul_shape(c: &mut InferenceContext<'_>) -> Result<()> {
    let a = c.with_rank(0, 2)?.dims().map(<[_]>::to_vec);
    let b = c.with_rank(1, 2)?.dims().map(<[_]>::to_vec);
    let (ta, tb) = (c.attr_bool("transpose_a")?, c.attr_bool("transpose_b")?);
    // (rows, inner) of a and (inner, cols) of b after the requested transposes.
    let (m, k_a) = match &a {
        Some(d) if ta => (d[1], d[0]),
        Some(d) => (d[0], d[1]),
        None => (None, None),
    };
    let (k_b, n) = match &b {
        Some(d) if tb => (d[1], d[0]),
        Some(d) => (d[0], d[1]),
        None => (None, None),
    };
    check_inner(k_a, k_b)?;
    c.set_output(0, PartialShape::new(vec![m, n]));
    Ok(())
}

fn check_inner(k_a: Option<usize>, k_b: Option<usize>) -> Result<()> {
    match (k_a, k_b) {
        (Some(x), Some(y)) if x != y => {
            Err(Status::invalid_argument(format!("Dimensions must be equal, but are {x} and {y}")))
        }
        _ => Ok(()),
    }
}

/// TensorFlow's `BatchMatMulV2Shape`: matrices in the last two dimensions, batch dimensions
/// broadcast.
fn batch_matmul_shape(c: &mut InferenceContext<'_>) -> Result<()> {
    let a = c.with_rank_at_least(0, 2)?.clone();
    let b = c.with_rank_at_least(1, 2)?.clone();
    let (adj_x, adj_y) = (c.attr_bool("adj_x")?, c.attr_bool("adj_y")?);
    // The last two dimensions of a known shape, and its batch part.
    let split = |s: &PartialShape| {
        s.dims().map(|d| {
            let n = d.len();
            (d[n - 2], d[n - 1], PartialShape::new(d[..n - 2].to_vec()))
        })
    };
    let (a, b) = (split(&a), split(&b));
    let (m, k_a) = match &a {
        Some((r, c, _)) => {
            if adj_x {
                (*c, *r)
            } else {
                (*r, *c)
            }
        }
        None => (None, None),
    };
    let (k_b, n) = match &b {
        Some((r, c, _)) => {
            if adj_y {
                (*c, *r)
            } else {
                (*r, *c)
            }
        }
        None => (None, None),
    };
    check_inner(k_a, k_b)?;
    let out = match (a, b) {
        (Some((.., batch_a)), Some((.., batch_b))) => {
            let batch = broadcast_partial_shapes(&batch_a, &batch_b)?;
            let mut dims = batch.dims().expect("both batch shapes have known rank").to_vec();
            dims.extend([m, n]);
            PartialShape::new(dims)
        }
        _ => PartialShape::unknown(),
    };
    c.set_output(0, out);
    Ok(())
}
