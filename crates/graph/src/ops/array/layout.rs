//! Ops that rearrange or repeat elements: `Transpose`, `ReverseV2`, `Tile`, `BroadcastTo`.

use super::util::{dims_of, merge_dim, merge_shapes, with_value};
use crate::{InferenceContext, OpDef, OpRegistry};
use sessionflow_core::{DType, PartialShape, Result, Status};

const INDEX_TYPES: &[DType] = &[DType::Int32, DType::Int64];

pub(super) fn register(r: &mut OpRegistry) {
    r.register(
        OpDef::new("Transpose")
            .input("x: T")
            .input("perm: Tperm")
            .output("y: T")
            .type_attr("T", &DType::ALL)
            .type_attr("Tperm", INDEX_TYPES)
            .shape(transpose_shape),
    );
    r.register(
        OpDef::new("ReverseV2")
            .input("tensor: T")
            .input("axis: Tidx")
            .output("output: T")
            .type_attr("T", &DType::ALL)
            .type_attr("Tidx", INDEX_TYPES)
            .shape(reverse_shape),
    );
    r.register(
        OpDef::new("Tile")
            .input("input: T")
            .input("multiples: Tmultiples")
            .output("output: T")
            .type_attr("T", &DType::ALL)
            .type_attr("Tmultiples", INDEX_TYPES)
            .shape(tile_shape),
    );
    r.register(
        OpDef::new("BroadcastTo")
            .input("input: T")
            .input("shape: Tidx")
            .output("output: T")
            .type_attr("T", &DType::ALL)
            .type_attr("Tidx", INDEX_TYPES)
            .shape(broadcast_to_shape),
    );
}

/// TensorFlow's `TransposeShapeFn`: the rank comes from the input or from `perm`'s length;
/// the dimensions from a constant `perm` (negative entries count from the end).
fn transpose_shape(c: &mut InferenceContext<'_>) -> Result<()> {
    let input = c.input(0).clone();
    let perm_len = match c.input(1).dims() {
        Some([Some(n)]) => Some(*n),
        _ => None,
    };
    let perm = c.input_ints(1);
    let rank = match (input.rank(), perm_len, &perm) {
        (Some(r), _, _) => r,
        (None, Some(n), _) => n,
        (None, None, Some(p)) => p.len(),
        (None, None, None) => {
            c.set_output(0, PartialShape::unknown());
            return Ok(());
        }
    };
    if input.rank().is_none() && rank < 2 {
        // One entry cannot tell a scalar from a vector; both come out unchanged.
        c.set_output(0, input);
        return Ok(());
    }
    c.with_rank(1, 1)?;
    with_value(perm_len, rank)?;
    let Some(perm) = perm else {
        c.set_output(0, PartialShape::unknown_of_rank(rank));
        return Ok(());
    };
    let dims = input.dims().map_or_else(|| vec![None; rank], <[_]>::to_vec);
    let r = rank as i64;
    let mut out = Vec::with_capacity(rank);
    for &p in &perm {
        if p >= r || p < -r {
            return Err(Status::invalid_argument(format!(
                "perm dim {p} is out of range of input rank {rank}"
            )));
        }
        out.push(dims[if p < 0 { p + r } else { p } as usize]);
    }
    c.set_output(0, PartialShape::new(out));
    Ok(())
}

/// Validates a constant `axis` against a known rank; the shape is unchanged.
fn reverse_shape(c: &mut InferenceContext<'_>) -> Result<()> {
    c.with_rank(1, 1)?;
    let input = c.input(0).clone();
    if let (Some(axes), Some(rank)) = (c.input_ints(1), input.rank()) {
        let r = rank as i64;
        let mut seen = vec![false; rank];
        for (i, &a) in axes.iter().enumerate() {
            let canonical = if a < 0 { a + r } else { a };
            if canonical < 0 || canonical >= r {
                return Err(Status::invalid_argument(format!(
                    "'axis'[{i}] = {a} is out of valid range [0, {}",
                    r - 1
                )));
            }
            if std::mem::replace(&mut seen[canonical as usize], true) {
                return Err(Status::invalid_argument(format!(
                    "axis {canonical} specified more than once."
                )));
            }
        }
    }
    c.set_output(0, input);
    Ok(())
}

/// TensorFlow's `Multiply` of dimensions: 0 wins over unknown.
fn multiply(a: Option<usize>, b: Option<usize>) -> Result<Option<usize>> {
    Ok(match (a, b) {
        (Some(0), _) | (_, Some(0)) => Some(0),
        (Some(x), Some(y)) => Some(x.checked_mul(y).ok_or_else(|| {
            Status::invalid_argument(format!(
                "Negative dimension size caused by overflow when multiplying {x} and {y}"
            ))
        })?),
        _ => None,
    })
}

fn tile_shape(c: &mut InferenceContext<'_>) -> Result<()> {
    // `multiples` read as a shape handles partially known values (-1 is unknown).
    let mut multiples = c.input_as_shape(1)?;
    let input = c.input(0).clone();
    if let Some(rank) = input.rank() {
        if multiples.rank().is_some_and(|r| r != rank) {
            return Err(Status::invalid_argument(format!(
                "Shape must be rank {rank} but is rank {}",
                multiples.rank().unwrap_or(0)
            )));
        }
        if multiples.rank().is_none() {
            multiples = PartialShape::unknown_of_rank(rank);
        }
        merge_shapes(c.input(1), &PartialShape::new(vec![Some(rank)]))?;
    }
    let Some(m) = dims_of(&multiples) else {
        c.set_output(0, PartialShape::unknown());
        return Ok(());
    };
    let dims = match input.dims() {
        Some(d) if d.len() != m.len() => {
            return Err(Status::invalid_argument(format!(
                "Shape must be rank {} but is rank {}",
                m.len(),
                d.len()
            )));
        }
        Some(d) => d.to_vec(),
        None => vec![None; m.len()],
    };
    let out = dims.iter().zip(&m).map(|(&d, &k)| multiply(d, k)).collect::<Result<_>>()?;
    c.set_output(0, PartialShape::new(out));
    Ok(())
}

/// The requested shape, with dimensions pinned where the input's (> 1) must match them.
fn broadcast_to_shape(c: &mut InferenceContext<'_>) -> Result<()> {
    c.with_rank(1, 1)?;
    let out = c.input_as_shape(1)?;
    let (Some(out_dims), Some(in_dims)) = (dims_of(&out), dims_of(c.input(0))) else {
        c.set_output(0, out);
        return Ok(());
    };
    if in_dims.len() > out_dims.len() {
        return Err(Status::invalid_argument(format!(
            "Shape must be at most rank {} but is rank {}",
            out_dims.len(),
            in_dims.len()
        )));
    }
    let mut out_dims = out_dims;
    let offset = out_dims.len() - in_dims.len();
    for (i, &d) in in_dims.iter().enumerate() {
        // Only dimensions above 1 must match: 1 stretches to anything.
        if d.is_some_and(|d| d > 1) {
            out_dims[offset + i] = merge_dim(d, out_dims[offset + i])?;
        }
    }
    c.set_output(0, PartialShape::new(out_dims));
    Ok(())
}
