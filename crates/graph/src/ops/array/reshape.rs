//! Ops that change only the shape: `Reshape`, `ExpandDims`, `Squeeze`.

use super::util::{list_int_attr, num_elements};
use crate::{InferenceContext, OpDef, OpRegistry};
use sessionflow_core::{DType, PartialShape, Result, Status};

const INDEX_TYPES: &[DType] = &[DType::Int32, DType::Int64];

pub(super) fn register(r: &mut OpRegistry) {
    r.register(
        OpDef::new("Reshape")
            .input("tensor: T")
            .input("shape: Tshape")
            .output("output: T")
            .type_attr("T", &DType::ALL)
            .type_attr("Tshape", INDEX_TYPES)
            .shape(reshape_shape),
    );
    r.register(
        OpDef::new("ExpandDims")
            .input("input: T")
            .input("dim: Tdim")
            .output("output: T")
            .type_attr("T", &DType::ALL)
            .type_attr("Tdim", INDEX_TYPES)
            .shape(expand_dims_shape),
    );
    r.register(
        OpDef::new("Squeeze")
            .input("input: T")
            .output("output: T")
            .type_attr("T", &DType::ALL)
            .attr("squeeze_dims: list(int) = []")
            .shape(squeeze_shape),
    );
}

/// The product of the known dimensions and the index of the single unknown one; `None` when
/// more than one is unknown. TensorFlow's `NumElements` first: a 0 makes everything known.
fn known_product(dims: &[Option<usize>]) -> Result<Option<(usize, Option<usize>)>> {
    if let Some(n) = num_elements(dims) {
        return Ok(Some((n, None)));
    }
    let (mut product, mut unknown) = (1usize, None);
    for (i, d) in dims.iter().enumerate() {
        match d {
            Some(d) => {
                product = product.checked_mul(*d).ok_or_else(|| {
                    Status::invalid_argument("Negative dimension size caused by overflow")
                })?;
            }
            None if unknown.is_some() => return Ok(None),
            None => unknown = Some(i),
        }
    }
    Ok(Some((product, unknown)))
}

/// TensorFlow's `SetOutputShapeForReshape`: the requested shape, with its one unknown (-1)
/// dimension inferred when the input's element count is known, and size mismatches caught.
fn reshape_shape(c: &mut InferenceContext<'_>) -> Result<()> {
    let mut out = c.input_as_shape(1)?;
    if let (Some(out_dims), Some(in_dims)) = (out.dims(), c.input(0).dims()) {
        let mut out_dims = out_dims.to_vec();
        let (Some(o), Some(i)) = (known_product(&out_dims)?, known_product(in_dims)?) else {
            c.set_output(0, out);
            return Ok(());
        };
        let divisible = |n: usize, d: usize| {
            if n.is_multiple_of(d) {
                Ok(n / d)
            } else {
                Err(Status::invalid_argument(format!(
                    "Dimension size must be evenly divisible by {d} but is {n}"
                )))
            }
        };
        match (i, o) {
            ((in_n, None), (out_n, None)) if in_n != out_n => {
                return Err(Status::invalid_argument(format!(
                    "Cannot reshape a tensor with {in_n} elements to shape {out} ({out_n} elements)"
                )));
            }
            ((in_n, None), (out_n, Some(idx))) if out_n > 0 => {
                out_dims[idx] = Some(divisible(in_n, out_n)?);
                out = PartialShape::new(out_dims);
            }
            ((in_n, Some(_)), (out_n, None)) if in_n != 0 => {
                divisible(out_n, in_n)?;
            }
            _ => {}
        }
    }
    c.set_output(0, out);
    Ok(())
}

fn expand_dims_shape(c: &mut InferenceContext<'_>) -> Result<()> {
    let dim = c.input_ints(1);
    if dim.as_ref().is_some_and(|d| d.len() != 1) {
        return Err(Status::invalid_argument("'dim' input must be a tensor with a single value"));
    }
    let Some(dims) = c.input(0).dims() else {
        c.set_output(0, PartialShape::unknown());
        return Ok(());
    };
    let rank = dims.len() as i64;
    let Some(dim) = dim.map(|d| d[0]) else {
        c.set_output(0, PartialShape::unknown_of_rank(dims.len() + 1));
        return Ok(());
    };
    if dim < -rank - 1 || dim > rank {
        return Err(Status::invalid_argument(format!(
            "dim {dim} not in the interval [{}, {rank}].",
            -rank - 1
        )));
    }
    let at = if dim < 0 { dim + rank + 1 } else { dim } as usize;
    let mut out = dims.to_vec();
    out.insert(at, Some(1));
    c.set_output(0, PartialShape::new(out));
    Ok(())
}

fn squeeze_shape(c: &mut InferenceContext<'_>) -> Result<()> {
    let Some(dims) = c.input(0).dims() else {
        c.set_output(0, PartialShape::unknown());
        return Ok(());
    };
    let rank = dims.len() as i64;
    let mut squeeze = Vec::new();
    for (i, &d) in list_int_attr(c, "squeeze_dims")?.iter().enumerate() {
        if d < -rank || d >= rank {
            return Err(Status::invalid_argument(format!(
                "squeeze_dims[{i}] not in [{},{rank}).",
                -rank
            )));
        }
        squeeze.push(if d < 0 { d + rank } else { d } as usize);
    }
    let mut out = Vec::with_capacity(dims.len());
    for (i, &d) in dims.iter().enumerate() {
        let explicit = squeeze.contains(&i);
        match d {
            // Unknown: assume a named dimension is 1 at run time; squeezing every 1 cannot tell.
            None if explicit => continue,
            None if squeeze.is_empty() => {
                c.set_output(0, PartialShape::unknown());
                return Ok(());
            }
            Some(1) if explicit || squeeze.is_empty() => continue,
            Some(n) if explicit => {
                return Err(Status::invalid_argument(format!(
                    "Can not squeeze dim[{i}], expected a dimension of 1, got {n}"
                )));
            }
            _ => out.push(d),
        }
    }
    c.set_output(0, PartialShape::new(out));
    Ok(())
}
