//! Shape function of `FusedBatchNormV3` (TensorFlow's `FusedBatchNormV3Shape`).

use super::window::{float, one_of};
use crate::InferenceContext;
use sessionflow_core::{PartialShape, Result, Status};

/// `y` has `x`'s shape with the channel dimension merged with the per-channel vectors';
/// `batch_mean`, `batch_variance` and `reserve_space_1/2` are vectors of that many channels;
/// `reserve_space_3` is unknown (TensorFlow's CPU kernel makes it a scalar).
pub(in crate::ops) fn fused_batch_norm_shape(c: &mut InferenceContext<'_>) -> Result<()> {
    let format = one_of(c.attrs, "data_format", &["NHWC", "NCHW", "NDHWC", "NCDHW"])?;
    let is_training = c.attr_bool("is_training")?;
    let factor = float(c.attrs, "exponential_avg_factor")?;
    // In training with no running average, `mean` and `variance` are not read (often empty).
    let vectors = if is_training && factor == 1.0 { 3 } else { 5 };
    let rank = if format.len() == 5 { 5 } else { 4 };
    let x = c.with_rank(0, rank)?.clone();
    let channel_axis = if format.starts_with("NC") { 1 } else { rank - 1 };
    let mut channels = x.dims().and_then(|d| d[channel_axis]);
    for i in 1..vectors {
        let v = c.with_rank(i, 1)?;
        if let Some([Some(n)]) = v.dims() {
            match channels {
                Some(m) if m != *n => {
                    return Err(Status::invalid_argument(format!(
                        "Dimensions must be equal, but are {m} and {n}"
                    )));
                }
                _ => channels = Some(*n),
            }
        }
    }
    // As TensorFlow's WithRank, an input of unknown rank is taken to have the required rank.
    let mut y = x.dims().map_or_else(|| vec![None; rank], <[_]>::to_vec);
    y[channel_axis] = channels;
    c.set_output(0, PartialShape::new(y));
    for i in 1..5 {
        c.set_output(i, PartialShape::new(vec![channels]));
    }
    // FusedBatchNorm and FusedBatchNormV2 have no `reserve_space_3`.
    if c.num_outputs() > 5 {
        c.set_output(5, PartialShape::unknown());
    }
    Ok(())
}
