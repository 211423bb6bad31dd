//! Fill, ZerosLike, OnesLike, Range, Cast, StopGradient and PlaceholderWithDefault.

use super::unchanged_shape;
use super::{INT32_64, NUMERIC_AND_BOOL, merge_shapes, shape_from_input};
use crate::{InferenceContext, OpDef, OpRegistry};
use sessionflow_core::{AttrsExt, DType, PartialShape, Result, Status, Tensor};

/// Dtypes of Range (TF's op definition; CPU kernels exist for fewer).
const RANGE_TYPES: [DType; 8] = [
    DType::BFloat16,
    DType::Float16,
    DType::Float32,
    DType::Float64,
    DType::Int8,
    DType::Int16,
    DType::Int32,
    DType::Int64,
];

pub(super) fn register(r: &mut OpRegistry) {
    r.register(
        OpDef::new("Fill")
            .input("dims: index_type")
            .input("value: T")
            .output("output: T")
            .type_attr("T", &DType::ALL)
            .type_attr("index_type", &INT32_64)
            .shape(fill_shape),
    );
    r.register(
        OpDef::new("ZerosLike")
            .input("x: T")
            .output("y: T")
            .type_attr("T", &DType::ALL)
            .shape(unchanged_shape),
    );
    r.register(
        OpDef::new("OnesLike")
            .input("x: T")
            .output("y: T")
            .type_attr("T", &NUMERIC_AND_BOOL)
            .shape(unchanged_shape),
    );
    r.register(
        OpDef::new("Range")
            .input("start: Tidx")
            .input("limit: Tidx")
            .input("delta: Tidx")
            .output("output: Tidx")
            .type_attr("Tidx", &RANGE_TYPES)
            .shape(range_shape),
    );
    r.register(
        OpDef::new("Cast")
            .input("x: SrcT")
            .output("y: DstT")
            .type_attr("SrcT", &DType::ALL)
            .type_attr("DstT", &DType::ALL)
            .attr("Truncate: bool = false")
            .shape(unchanged_shape),
    );
    r.register(
        OpDef::new("StopGradient")
            .input("input: T")
            .output("output: T")
            .type_attr("T", &DType::ALL)
            .shape(unchanged_shape),
    );
    r.register(
        OpDef::new("PlaceholderWithDefault")
            .input("input: dtype")
            .output("output: dtype")
            .type_attr("dtype", &DType::ALL)
            .attr("shape: shape")
            .shape(placeholder_with_default_shape),
    );
}

fn fill_shape(c: &mut InferenceContext<'_>) -> Result<()> {
    c.with_rank(0, 1)?;
    c.with_rank(1, 0)?;
    if c.input_ints(0).is_some_and(|dims| dims.iter().any(|&d| d < 0)) {
        return Err(Status::invalid_argument("Fill dimensions must be >= 0"));
    }
    let out = shape_from_input(c, 0)?;
    c.set_output(0, out);
    Ok(())
}

/// The output is the `shape` attr (which may be less precise than the default's shape, but
/// must be compatible with it).
fn placeholder_with_default_shape(c: &mut InferenceContext<'_>) -> Result<()> {
    let shape = c.attrs.get_shape("shape")?.clone();
    merge_shapes(c.input(0), &shape)?;
    c.set_output(0, shape);
    Ok(())
}

/// A vector whose length is known when start, limit and delta are constants.
fn range_shape(c: &mut InferenceContext<'_>) -> Result<()> {
    for (i, what) in [(0, "start"), (1, "limit"), (2, "delta")] {
        c.with_rank(i, 0)
            .map_err(|s| Status::invalid_argument(format!("{} for '{what}'", s.message)))?;
    }
    let values =
        (scalar_f64(c.input_value(0)), scalar_f64(c.input_value(1)), scalar_f64(c.input_value(2)));
    // Half-precision sizes depend on rounding this crate cannot reproduce; leave them unknown.
    let half = matches!(c.input_type(0), DType::Float16 | DType::BFloat16);
    let (Some(start), Some(limit), Some(delta), false) = (values.0, values.1, values.2, half)
    else {
        c.set_output(0, PartialShape::new(vec![None]));
        return Ok(());
    };
    let size = range_size(c.input_type(0), start, limit, delta)?;
    c.set_output(0, PartialShape::new(vec![Some(size)]));
    Ok(())
}

/// The element count of `Range(start, limit, delta)`, with the checks and messages of TF's
/// kernel (so that constant inputs fail at build time exactly as fed ones fail at run time).
// The negated comparisons are deliberate: NaN must fail them, as in TF.
#[allow(clippy::neg_cmp_op_on_partial_ord)]
fn range_size(dtype: DType, start: Num, limit: Num, delta: Num) -> Result<usize> {
    let (s, l, d) = (start.as_f64(), limit.as_f64(), delta.as_f64());
    if d == 0.0 {
        return Err(Status::invalid_argument(format!("Requires delta != 0: {delta}")));
    }
    if d > 0.0 && !(s <= l) {
        return Err(Status::invalid_argument(format!(
            "Requires start <= limit when delta > 0: {start}/{limit}"
        )));
    }
    if !(d > 0.0) && !(s >= l) {
        return Err(Status::invalid_argument(format!(
            "Requires start >= limit when delta < 0: {start}/{limit}"
        )));
    }
    let size = match (start, limit, delta) {
        (Num::Int(s), Num::Int(l), Num::Int(d)) => {
            // Exact in i128: |limit - start| can exceed the dtype's range.
            let (span, step) = ((i128::from(l) - i128::from(s)).abs(), i128::from(d).abs());
            ((span + step - 1) / step) as f64
        }
        // In the dtype's own arithmetic, as the kernel computes it.
        _ if dtype == DType::Float32 => f64::from(((l as f32 - s as f32) / d as f32).abs().ceil()),
        _ => ((l - s) / d).abs().ceil(),
    };
    if !(size <= i64::MAX as f64) {
        return Err(Status::invalid_argument(format!(
            "Requires ((limit - start) / delta) <= {}",
            i64::MAX
        )));
    }
    Ok(size as usize)
}

/// A scalar of one of Range's dtypes, exact.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Num {
    Int(i64),
    Float(f64),
}

impl Num {
    fn as_f64(self) -> f64 {
        match self {
            Num::Int(v) => v as f64,
            Num::Float(v) => v,
        }
    }
}

impl std::fmt::Display for Num {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Num::Int(v) => write!(f, "{v}"),
            Num::Float(v) => write!(f, "{v}"),
        }
    }
}

/// The single value of a constant scalar (or one-element) tensor of a Range dtype.
fn scalar_f64(t: Option<&Tensor>) -> Option<Num> {
    let t = t?;
    if t.num_elements() != 1 {
        return None;
    }
    Some(match t.dtype() {
        DType::Int8 => Num::Int(t.as_slice::<i8>().ok()?[0].into()),
        DType::Int16 => Num::Int(t.as_slice::<i16>().ok()?[0].into()),
        DType::Int32 => Num::Int(t.as_slice::<i32>().ok()?[0].into()),
        DType::Int64 => Num::Int(t.as_slice::<i64>().ok()?[0]),
        DType::Float32 => Num::Float(t.as_slice::<f32>().ok()?[0].into()),
        DType::Float64 => Num::Float(t.as_slice::<f64>().ok()?[0]),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn range_sizes_follow_tensorflow() {
        let i = Num::Int;
        assert_eq!(range_size(DType::Int32, i(1), i(10), i(3)).unwrap(), 3);
        assert_eq!(range_size(DType::Int32, i(10), i(1), i(-3)).unwrap(), 3);
        assert_eq!(range_size(DType::Int32, i(3), i(3), i(-3)).unwrap(), 0);
        assert_eq!(
            range_size(DType::Int32, i(-(1 << 31)), i((1 << 31) - 1), i(1 << 30)).unwrap(),
            4
        );
        let f = Num::Float;
        assert_eq!(range_size(DType::Float32, f(1.0), f(2.0), f(0.3)).unwrap(), 4);
        assert!(range_size(DType::Int32, i(1), i(10), i(0)).is_err());
        assert!(range_size(DType::Float32, f(0.0), f(f64::INFINITY), f(1.0)).is_err());
    }
}
