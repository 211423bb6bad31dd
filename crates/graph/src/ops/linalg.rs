use crate::{InferenceContext, OpDef, OpRegistry};
use sessionflow_core::{DType, PartialShape, Result, Status};

/// Dtypes TensorFlow's CPU MatMul supports (of those sessionflow has).
const MATMUL_TYPES: [DType; 6] =
    [DType::BFloat16, DType::Float16, DType::Float32, DType::Float64, DType::Int32, DType::Int64];

pub(super) fn register(r: &mut OpRegistry) {
    r.register(
        OpDef::new("MatMul")
            .input("a: T")
            .input("b: T")
            .output("product: T")
            .attr("transpose_a: bool = false")
            .attr("transpose_b: bool = false")
            .type_attr("T", &MATMUL_TYPES)
            .shape(matmul_shape),
    );
}

fn matmul_shape(c: &mut InferenceContext<'_>) -> Result<()> {
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
    if let (Some(x), Some(y)) = (k_a, k_b)
        && x != y
    {
        return Err(Status::invalid_argument(format!(
            "Dimensions must be equal, but are {x} and {y}"
        )));
    }
    c.set_output(0, PartialShape::new(vec![m, n]));
    Ok(())
}
