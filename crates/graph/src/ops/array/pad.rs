//! Padding ops: `Pad` (zeros), `PadV2` (a given value), `MirrorPad` (reflections).

use super::util::with_value;
use crate::{InferenceContext, OpDef, OpRegistry};
use sessionflow_core::{AttrValue, DType, PartialShape, Result, Status};

const INDEX_TYPES: &[DType] = &[DType::Int32, DType::Int64];

pub(super) fn register(r: &mut OpRegistry) {
    r.register(
        OpDef::new("Pad")
            .input("input: T")
            .input("paddings: Tpaddings")
            .output("output: T")
            .type_attr("T", &DType::ALL)
            .type_attr("Tpaddings", INDEX_TYPES)
            .shape(pad_shape),
    );
    r.register(
        OpDef::new("PadV2")
            .input("input: T")
            .input("paddings: Tpaddings")
            .input("constant_values: T")
            .output("output: T")
            .type_attr("T", &DType::ALL)
            .type_attr("Tpaddings", INDEX_TYPES)
            // As in TensorFlow, only the kernel checks that constant_values is a scalar.
            .shape(pad_shape),
    );
    r.register(
        OpDef::new("MirrorPad")
            .input("input: T")
            .input("paddings: Tpaddings")
            .output("output: T")
            .type_attr("T", &DType::ALL)
            .type_attr("Tpaddings", INDEX_TYPES)
            .attr("mode: string")
            .shape(mirror_pad_shape),
    );
}

fn mirror_pad_shape(c: &mut InferenceContext<'_>) -> Result<()> {
    // TensorFlow declares `mode: {'REFLECT', 'SYMMETRIC'}`; our attr kinds have no value lists.
    match c.attrs.get("mode") {
        Some(AttrValue::String(m)) if m == "REFLECT" || m == "SYMMETRIC" => {}
        other => {
            let got = match other {
                Some(AttrValue::String(m)) => m.as_str(),
                _ => "",
            };
            return Err(Status::invalid_argument(format!(
                "Value for attr 'mode' of \"{got}\" is not in the list of allowed values: \"REFLECT\", \"SYMMETRIC\""
            )));
        }
    }
    pad_shape(c)
}

/// TensorFlow's `PadShapeFn`: `paddings` is `[rank, 2]`; with its value every known
/// dimension grows by its two paddings.
fn pad_shape(c: &mut InferenceContext<'_>) -> Result<()> {
    let paddings = c.with_rank(1, 2)?.clone();
    let (n, cols) = match paddings.dims() {
        Some([n, cols]) => (*n, *cols),
        _ => (None, None),
    };
    with_value(cols, 2)?;
    let input = c.input(0).clone();
    let n = match (n, input.rank()) {
        (Some(n), _) => {
            c.with_rank(0, n)?;
            Some(n)
        }
        (None, rank) => rank,
    };
    let Some(values) = c.input_ints(1) else {
        c.set_output(0, n.map_or_else(PartialShape::unknown, PartialShape::unknown_of_rank));
        return Ok(());
    };
    // A constant has a known shape, so n is its first dimension here.
    let n = n.unwrap_or(values.len() / 2);
    let dims = input.dims().map_or_else(|| vec![None; n], <[_]>::to_vec);
    let mut out = Vec::with_capacity(n);
    for (d, pair) in dims.iter().zip(values.chunks_exact(2)) {
        let (before, after) = (pair[0], pair[1]);
        if before < 0 || after < 0 {
            return Err(Status::invalid_argument("Paddings must be non-negative"));
        }
        out.push(match d {
            Some(d) => Some(
                (*d as u64)
                    .checked_add(before as u64)
                    .and_then(|s| s.checked_add(after as u64))
                    .and_then(|s| usize::try_from(s).ok())
                    .ok_or_else(|| Status::invalid_argument("Dimension size overflow"))?,
            ),
            None => None,
        });
    }
    c.set_output(0, PartialShape::new(out));
    Ok(())
}
