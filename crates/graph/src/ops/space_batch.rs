//! `SpaceToBatchND` and `BatchToSpaceND` (TensorFlow's `array_ops.cc`): blocks of the spatial
//! dimensions moved into the batch and back, as dilated (atrous) convolutions use them. Their
//! gradients are each other.

use super::{Grads, grad};
use crate::{GradContext, InferenceContext, OpDef, OpRegistry};
use sessionflow_core::{DType, PartialShape, Result, Status};

const INDEX_TYPES: &[DType] = &[DType::Int32, DType::Int64];

pub(super) fn register(r: &mut OpRegistry) {
    r.register(
        OpDef::new("SpaceToBatchND")
            .input("input: T")
            .input("block_shape: Tblock_shape")
            .input("paddings: Tpaddings")
            .output("output: T")
            .type_attr("T", &DType::ALL)
            .attr("Tblock_shape: type = int32")
            .allow_types("Tblock_shape", INDEX_TYPES)
            .attr("Tpaddings: type = int32")
            .allow_types("Tpaddings", INDEX_TYPES)
            .shape(|c| block_shape_fn(c, Direction::ToBatch)),
    );
    r.register(
        OpDef::new("BatchToSpaceND")
            .input("input: T")
            .input("block_shape: Tblock_shape")
            .input("crops: Tcrops")
            .output("output: T")
            .type_attr("T", &DType::ALL)
            .attr("Tblock_shape: type = int32")
            .allow_types("Tblock_shape", INDEX_TYPES)
            .attr("Tcrops: type = int32")
            .allow_types("Tcrops", INDEX_TYPES)
            .shape(|c| block_shape_fn(c, Direction::ToSpace)),
    );
    grad(r, "SpaceToBatchND", |c| inverse(c, "BatchToSpaceND"));
    grad(r, "BatchToSpaceND", |c| inverse(c, "SpaceToBatchND"));
}

/// The gradient of one is the other with the same block shape and paddings (crops).
fn inverse(c: &mut GradContext<'_>, op: &str) -> Grads {
    let (block, pads, g) = (c.input(1), c.input(2), c.grad(0)?);
    let dx = c.op(op, &[g, block, pads], sessionflow_core::AttrMap::new())?;
    Ok(vec![Some(dx), None, None])
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Direction {
    ToBatch,
    ToSpace,
}

/// TensorFlow's `SpaceToBatchShapeHelper` / `BatchToSpaceShapeHelper`: `block_shape` is `[M]`
/// and the paddings (crops) `[M, 2]`; the input has rank at least `1 + M`. Known values give
/// the batch (times or divided by the block size) and each spatial dimension (padded then
/// divided, or multiplied then cropped); dimensions past `M` pass through.
fn block_shape_fn(c: &mut InferenceContext<'_>, direction: Direction) -> Result<()> {
    let block_len = c.with_rank(1, 1)?.dims().and_then(|d| d[0]);
    let pads = c.with_rank(2, 2)?.clone();
    let m = match (block_len, pads.dims()) {
        (Some(m), Some([Some(p), Some(two)])) => {
            if *p != m || *two != 2 {
                return Err(Status::invalid_argument(format!(
                    "paddings must have shape [{m}, 2], got [{p}, {two}]"
                )));
            }
            Some(m)
        }
        (Some(m), _) => Some(m),
        (None, Some([Some(p), _])) => Some(*p),
        _ => None,
    };
    let input = c.input(0).clone();
    if let Some(m) = m {
        c.with_rank_at_least(0, m + 1)?;
    }
    let (Some(m), Some(dims)) = (m, input.dims()) else {
        c.set_output(
            0,
            input.rank().map_or_else(PartialShape::unknown, PartialShape::unknown_of_rank),
        );
        return Ok(());
    };
    let block = c.input_ints(1);
    let pad_values = c.input_ints(2);
    if let Some(b) = &block
        && let Some(bad) = b.iter().find(|&&v| v < 1)
    {
        return Err(Status::invalid_argument(format!("block_shape must be positive, got {bad}")));
    }
    if let Some(p) = &pad_values
        && let Some(bad) = p.iter().find(|&&v| v < 0)
    {
        let what = if direction == Direction::ToBatch { "paddings" } else { "crops" };
        return Err(Status::invalid_argument(format!("{what} must be non-negative, got {bad}")));
    }
    let mut out = dims.to_vec();
    out[0] = match (&block, dims[0]) {
        (Some(b), Some(batch)) => {
            let size = b.iter().try_fold(1usize, |acc, &v| acc.checked_mul(v as usize));
            let size = size.ok_or_else(|| Status::invalid_argument("block size overflows"))?;
            Some(match direction {
                Direction::ToBatch => batch
                    .checked_mul(size)
                    .ok_or_else(|| Status::invalid_argument("batch size overflows"))?,
                Direction::ToSpace => {
                    if batch % size != 0 {
                        return Err(Status::invalid_argument(format!(
                            "Dimension size must be evenly divisible by {size} but is {batch}"
                        )));
                    }
                    batch / size
                }
            })
        }
        _ => None,
    };
    for i in 0..m {
        out[1 + i] = match (&block, &pad_values, dims[1 + i]) {
            (Some(b), Some(p), Some(d)) => {
                let (block, before, after) = (b[i] as u64, p[2 * i] as u64, p[2 * i + 1] as u64);
                Some(spatial(direction, d as u64, block, before, after)?)
            }
            _ => None,
        };
    }
    c.set_output(0, PartialShape::new(out));
    Ok(())
}

/// One spatial dimension's output size.
fn spatial(direction: Direction, d: u64, block: u64, before: u64, after: u64) -> Result<usize> {
    let size = match direction {
        Direction::ToBatch => {
            let padded = d + before + after;
            if !padded.is_multiple_of(block) {
                return Err(Status::invalid_argument(format!(
                    "Dimension size must be evenly divisible by {block} but is {padded}"
                )));
            }
            padded / block
        }
        Direction::ToSpace => {
            let full = d.saturating_mul(block);
            full.checked_sub(before + after).ok_or_else(|| {
                Status::invalid_argument(format!(
                    "Negative dimension size caused by subtracting {} from {full}",
                    before + after
                ))
            })?
        }
    };
    usize::try_from(size).map_err(|_| Status::invalid_argument("Dimension size overflow"))
}
