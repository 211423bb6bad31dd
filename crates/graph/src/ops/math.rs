//! Elementwise math (TensorFlow's `math_ops`): binary arithmetic and comparisons with numpy
//! broadcasting, unary functions, logic, and `AddN`. The dtype lists are those TensorFlow's
//! CPU kernels register, so a dtype without a kernel fails when the node is built.

use crate::{InferenceContext, OpDef, OpRegistry, broadcast_partial_shapes, merge_shapes};
use sessionflow_core::{DType, PartialShape, Result, Status};

use DType::{BFloat16, Float16, Float32, Float64, Int8, Int16, Int32, Int64, UInt8};

/// The floating dtypes.
const FLOAT: [DType; 4] = [Float32, Float64, Float16, BFloat16];
/// Floats and the signed integers (`Neg`, `Abs`, `Sign`, `Pow`).
const SIGNED: [DType; 8] = [Float32, Float64, Float16, BFloat16, Int8, Int16, Int32, Int64];
/// Floats, int32 and int64 (`SquaredDifference`, `Round`).
const FLOAT_I32_I64: [DType; 6] = [Float32, Float64, Float16, BFloat16, Int32, Int64];
/// The numeric dtypes and strings (`Add` concatenates strings).
const NUMERIC_STRING: [DType; 10] =
    [Float32, Float64, Float16, BFloat16, Int8, Int16, Int32, Int64, UInt8, DType::String];
/// Everything `Equal`/`NotEqual` compare: numbers, bools and strings.
const EQUALITY: [DType; 11] = DType::ALL;

pub(super) fn register(r: &mut OpRegistry) {
    let binary = |r: &mut OpRegistry, op: &'static str, types: &'static [DType]| {
        r.register(
            OpDef::new(op)
                .input("x: T")
                .input("y: T")
                .output("z: T")
                .type_attr("T", types)
                .shape(broadcast_binary),
        );
    };
    binary(r, "AddV2", &DType::NUMERIC);
    binary(r, "Add", &NUMERIC_STRING);
    for op in ["Sub", "Mul", "Div", "FloorDiv", "FloorMod", "Maximum", "Minimum"] {
        binary(r, op, &DType::NUMERIC);
    }
    binary(r, "RealDiv", &FLOAT);
    binary(r, "Pow", &SIGNED);
    binary(r, "SquaredDifference", &FLOAT_I32_I64);

    for op in ["Less", "LessEqual", "Greater", "GreaterEqual"] {
        r.register(
            OpDef::new(op)
                .input("x: T")
                .input("y: T")
                .output("z: bool")
                .type_attr("T", &DType::NUMERIC)
                .shape(broadcast_binary),
        );
    }
    for op in ["Equal", "NotEqual"] {
        r.register(
            OpDef::new(op)
                .input("x: T")
                .input("y: T")
                .output("z: bool")
                .type_attr("T", &EQUALITY)
                .attr("incompatible_shape_error: bool = true")
                .shape(equality_shape),
        );
    }
    for op in ["LogicalAnd", "LogicalOr"] {
        r.register(
            OpDef::new(op)
                .input("x: bool")
                .input("y: bool")
                .output("z: bool")
                .shape(broadcast_binary),
        );
    }

    let unary = |r: &mut OpRegistry, op: &'static str, types: &'static [DType]| {
        r.register(
            OpDef::new(op).input("x: T").output("y: T").type_attr("T", types).shape(same_shape),
        );
    };
    for op in ["Neg", "Abs", "Sign"] {
        unary(r, op, &SIGNED);
    }
    unary(r, "Square", &DType::NUMERIC);
    unary(r, "Round", &FLOAT_I32_I64);
    for op in [
        "Sqrt",
        "Rsqrt",
        "Reciprocal",
        "Exp",
        "Expm1",
        "Log",
        "Log1p",
        "Sin",
        "Cos",
        "Tan",
        "Tanh",
        "Sigmoid",
        "Erf",
        "Floor",
        "Ceil",
    ] {
        unary(r, op, &FLOAT);
    }
    r.register(OpDef::new("LogicalNot").input("x: bool").output("y: bool").shape(same_shape));

    r.register(
        OpDef::new("AddN")
            .input("inputs: N * T")
            .output("sum: T")
            .type_attr("T", &DType::NUMERIC)
            .attr("N: int")
            .shape(add_n_shape),
    );
}

/// The numpy broadcast of the two inputs (TensorFlow's `BroadcastBinaryOpShapeFn`).
fn broadcast_binary(c: &mut InferenceContext<'_>) -> Result<()> {
    let out = broadcast_partial_shapes(c.input(0), c.input(1))?;
    c.set_output(0, out);
    Ok(())
}

/// Output 0 has input 0's shape.
fn same_shape(c: &mut InferenceContext<'_>) -> Result<()> {
    let shape = c.input(0).clone();
    c.set_output(0, shape);
    Ok(())
}

/// `Equal`/`NotEqual`: the broadcast, unless `incompatible_shape_error` is false, in which case
/// shapes that cannot broadcast give a scalar (and shapes that may or may not, an unknown one).
fn equality_shape(c: &mut InferenceContext<'_>) -> Result<()> {
    if c.attr_bool("incompatible_shape_error")? {
        return broadcast_binary(c);
    }
    let out = match (c.input(0).dims(), c.input(1).dims()) {
        (Some(a), Some(b)) => lenient_broadcast(a, b),
        _ => PartialShape::unknown(),
    };
    c.set_output(0, out);
    Ok(())
}

/// The broadcast of `a` and `b` if it surely exists, a scalar if it surely does not, else
/// unknown.
fn lenient_broadcast(a: &[Option<usize>], b: &[Option<usize>]) -> PartialShape {
    let rank = a.len().max(b.len());
    // Walk from the right; a missing leading dimension behaves as 1.
    let pad = |s: &[Option<usize>], i: usize| {
        if i < rank - s.len() { Some(1) } else { s[i - (rank - s.len())] }
    };
    let mut out = Vec::with_capacity(rank);
    let mut undecided = false;
    for i in 0..rank {
        out.push(match (pad(a, i), pad(b, i)) {
            (Some(x), Some(y)) if x == y => Some(x),
            (Some(1), y) => y,
            (x, Some(1)) => x,
            (Some(_), Some(_)) => return PartialShape::scalar(),
            _ => {
                undecided = true;
                None
            }
        });
    }
    if undecided { PartialShape::unknown() } else { PartialShape::new(out) }
}

/// `AddN`: every input has the same shape; the output is their merge (TensorFlow merges them
/// from the last to the first).
fn add_n_shape(c: &mut InferenceContext<'_>) -> Result<()> {
    let n = c.attr_int("N")?;
    let Some(last) = c.num_inputs().checked_sub(1).filter(|_| n >= 1) else {
        return Err(Status::invalid_argument(format!(
            "Value for attr 'N' of {n} must be at least minimum 1"
        )));
    };
    let mut merged = c.input(last).clone();
    for i in (0..last).rev() {
        merged = merge_shapes(c.input(i), &merged).map_err(|s| {
            Status::invalid_argument(format!(
                "{} From merging shape {i} with other shapes.",
                s.message
            ))
        })?;
    }
    c.set_output(0, merged);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(dims: &[i64]) -> PartialShape {
        PartialShape::from_i64(dims).unwrap()
    }

    fn lenient(a: &[i64], b: &[i64]) -> PartialShape {
        lenient_broadcast(s(a).dims().unwrap(), s(b).dims().unwrap())
    }

    #[test]
    fn lenient_broadcast_is_scalar_only_when_surely_incompatible() {
        assert_eq!(lenient(&[2, 3], &[3]), s(&[2, 3]));
        assert_eq!(lenient(&[2], &[3]), PartialShape::scalar());
        assert_eq!(lenient(&[-1, 2], &[4, 3]), PartialShape::scalar());
        assert_eq!(lenient(&[-1], &[3]), PartialShape::unknown());
        assert_eq!(lenient(&[-1, 3], &[1]), s(&[-1, 3]));
    }

    #[test]
    fn merging_fills_unknown_dimensions() {
        assert_eq!(merge_shapes(&s(&[-1, 3]), &s(&[2, -1])).unwrap(), s(&[2, 3]));
        assert_eq!(merge_shapes(&PartialShape::unknown(), &s(&[2])).unwrap(), s(&[2]));
        let err = merge_shapes(&s(&[2]), &s(&[3])).unwrap_err();
        assert!(err.message.contains("must be equal, but are 2 and 3"), "{}", err.message);
        assert!(merge_shapes(&s(&[2]), &s(&[2, 1])).is_err());
    }
}
