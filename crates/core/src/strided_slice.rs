//! TensorFlow's canonicalisation of a `StridedSlice` spec against an input shape (TF's
//! `util/strided_slice_op.cc`). Shared by the op's shape function, which sees partially known
//! shapes and maybe no begin/end values, and the kernels, which see everything: one
//! implementation, so that static and run-time shapes always agree.

use crate::{Result, Status};

/// The five bit masks of `StridedSlice` (bit `i` refers to entry `i` of begin/end/strides).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct StridedSliceMasks {
    pub begin: i64,
    pub end: i64,
    pub ellipsis: i64,
    pub new_axis: i64,
    pub shrink_axis: i64,
}

/// A slice spec made dense: one (begin, end, stride) per input dimension.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DenseSlice {
    /// Canonical first index per input dimension (in `[-1, dim]`), where known.
    pub begin: Vec<i64>,
    /// Canonical end (exclusive) per input dimension, where known.
    pub end: Vec<i64>,
    /// Step per input dimension (never 0).
    pub strides: Vec<i64>,
    /// Elements taken per input dimension (`None`: not known statically). The output holds
    /// these elements in this order: only size-1 axes differ between the two.
    pub processing_shape: Vec<Option<usize>>,
    /// The output shape: new axes inserted, shrunk axes removed.
    pub final_shape: Vec<Option<usize>>,
    /// True when the slice takes every element in order (the output is the input reshaped).
    pub is_identity: bool,
}

/// Where an output dimension of the final shape comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Gather {
    Dense(usize),
    NewAxis,
    Shrink,
}

/// Bit `i` of `mask` (bits past 63 read as clear).
fn bit(mask: i64, i: usize) -> bool {
    i < 64 && (mask >> i) & 1 == 1
}

/// Canonicalises a strided slice of an input of shape `input` (`None` for unknown dims).
/// `begin`/`end` may be unknown (`None`, shape inference with non-constant inputs); `strides`
/// must be known and as long as begin and end. Errors are TensorFlow's InvalidArguments.
pub fn dense_strided_slice(
    input: &[Option<usize>],
    begin: Option<&[i64]>,
    end: Option<&[i64]>,
    strides: &[i64],
    masks: StridedSliceMasks,
) -> Result<DenseSlice> {
    let sparse_len = strides.len();
    let lengths_ok = sparse_len < 32
        && begin.is_none_or(|b| b.len() == sparse_len)
        && end.is_none_or(|e| e.len() == sparse_len);
    if !lengths_ok {
        let show = |v: Option<&[i64]>| v.map_or("?".to_owned(), |v| format!("[{}]", v.len()));
        return Err(Status::invalid_argument(format!(
            "Expected begin, end, and strides to be 1D equal size tensors, but got shapes {}, {}, and [{}] instead.",
            show(begin),
            show(end),
            sparse_len
        )));
    }
    if masks.ellipsis & (masks.ellipsis.wrapping_sub(1)) != 0 {
        return Err(Status::invalid_argument("Multiple ellipses in slice spec not allowed"));
    }

    // Step 1: count the new axes after the ellipsis; with no ellipsis, one is implied at the end.
    let mut ellipsis_seen = false;
    let mut new_axes_after_ellipsis = 0usize;
    for i in 0..sparse_len {
        if ellipsis_seen && bit(masks.new_axis, i) {
            new_axes_after_ellipsis += 1;
        }
        if bit(masks.ellipsis, i) {
            ellipsis_seen = true;
        }
    }
    let (mut ellipsis_mask, mut sparse_dims) = (masks.ellipsis, sparse_len);
    if !ellipsis_seen {
        ellipsis_mask |= 1 << sparse_dims;
        sparse_dims += 1;
    }

    // Step 2: one entry per input dimension.
    let dims = input.len();
    let (mut b, mut e, mut s) = (vec![0i64; dims], vec![0i64; dims], vec![0i64; dims]);
    // The dense masks, one flag per input dimension (TF's int32 masks cap the rank at 32).
    let (mut begin_mask, mut end_mask, mut shrink_mask) =
        (vec![false; dims], vec![false; dims], vec![false; dims]);
    let mut gather = Vec::with_capacity(sparse_dims + dims);
    let mut full = 0usize;
    for i in 0..sparse_dims {
        if bit(ellipsis_mask, i) {
            // The ellipsis covers every dimension not named by the entries after it.
            let after = (sparse_dims - i) as i64 - 1 - new_axes_after_ellipsis as i64;
            let next = (dims as i64 - after).clamp(0, dims as i64) as usize;
            while full < next {
                s[full] = 1;
                begin_mask[full] = true;
                end_mask[full] = true;
                gather.push(Gather::Dense(full));
                full += 1;
            }
        } else if bit(masks.new_axis, i) {
            gather.push(Gather::NewAxis);
        } else {
            if full == dims {
                return Err(Status::invalid_argument(format!(
                    "Index out of range using input dim {full}; input has only {dims} dims"
                )));
            }
            if let Some(begin) = begin {
                b[full] = begin[i];
            }
            if let Some(end) = end {
                e[full] = end[i];
            }
            s[full] = strides[i];
            begin_mask[full] = bit(masks.begin, i);
            end_mask[full] = bit(masks.end, i);
            if bit(masks.shrink_axis, i) {
                gather.push(Gather::Shrink);
                shrink_mask[full] = true;
            } else {
                gather.push(Gather::Dense(full));
            }
            full += 1;
        }
    }

    // Step 3: make masked ranges explicit, clamp, and count the elements taken.
    let known = begin.is_some() && end.is_some();
    let mut is_identity = true;
    let mut processing = Vec::with_capacity(dims);
    for i in 0..dims {
        let stride = s[i];
        if stride == 0 {
            return Err(Status::invalid_argument(format!("strides[{i}] must be non-zero")));
        }
        let shrink = shrink_mask[i];
        let Some(dim) = input[i] else {
            is_identity = false;
            processing.push(if shrink { Some(1) } else { None });
            continue;
        };
        let dim = dim as i64;
        let masked = [begin_mask[i], end_mask[i]];
        // Valid positions of begin (c = 0) and end (c = 1): [0, dim] forwards, [-1, dim-1]
        // backwards (-1 being "before the first element").
        let range = if stride > 0 { [0, dim] } else { [-1, dim - 1] };
        let canonical = |x: i64, c: usize| -> i64 {
            if masked[c] {
                if stride > 0 { range[c] } else { range[1 - c] }
            } else {
                let forward = if x < 0 { x.saturating_add(dim) } else { x };
                forward.clamp(range[0], range[1])
            }
        };
        if shrink && stride <= 0 {
            return Err(Status::invalid_argument("only stride 1 allowed on non-range indexing."));
        }
        let both_masked = masked[0] && masked[1];
        if known {
            if shrink {
                // x[k]: begin is the index (negative from the end); end is recomputed from it.
                let index = if b[i] < 0 { b[i].saturating_add(dim) } else { b[i] };
                if index < 0 || index >= dim {
                    return Err(Status::invalid_argument(format!(
                        "slice index {index} of dimension {i} out of bounds."
                    )));
                }
                b[i] = index;
                e[i] = index + 1;
            } else {
                b[i] = canonical(b[i], 0);
                e[i] = canonical(e[i], 1);
            }
            is_identity &= stride == 1 && b[i] == 0 && e[i] == dim;
        } else {
            is_identity &= stride == 1 && both_masked;
        }
        let interval = if known {
            Some(e[i] - b[i])
        } else if shrink {
            Some(1)
        } else if both_masked {
            Some(if stride < 0 { -dim } else { dim })
        } else {
            None
        };
        processing.push(interval.map(|len| {
            if len == 0 || (len < 0) != (stride < 0) {
                0
            } else {
                // Both have the same sign here, so the quotient is positive; round it up.
                (len / stride + i64::from(len % stride != 0)) as usize
            }
        }));
    }

    // Step 4: the final shape.
    let final_shape = gather
        .iter()
        .filter_map(|g| match *g {
            Gather::Dense(d) => Some(processing[d]),
            Gather::NewAxis => Some(Some(1)),
            Gather::Shrink => None,
        })
        .collect();
    Ok(DenseSlice {
        begin: b,
        end: e,
        strides: s,
        processing_shape: processing,
        final_shape,
        is_identity,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn known(dims: &[usize]) -> Vec<Option<usize>> {
        dims.iter().map(|&d| Some(d)).collect()
    }

    fn masks(
        begin: i64,
        end: i64,
        ellipsis: i64,
        new_axis: i64,
        shrink_axis: i64,
    ) -> StridedSliceMasks {
        StridedSliceMasks { begin, end, ellipsis, new_axis, shrink_axis }
    }

    #[test]
    fn negative_stride_over_everything_reverses() {
        // x[::-1] on [5]: begin 4, end -1 (before the start), 5 elements.
        let d =
            dense_strided_slice(&known(&[5]), Some(&[0]), Some(&[0]), &[-1], masks(1, 1, 0, 0, 0))
                .unwrap();
        assert_eq!((d.begin, d.end, d.processing_shape), (vec![4], vec![-1], vec![Some(5)]));
        assert!(!d.is_identity);
    }

    #[test]
    fn ellipsis_new_axis_and_shrink() {
        // x[..., None, 1] on [2, 3, 4] → [2, 3, 1].
        let d = dense_strided_slice(
            &known(&[2, 3, 4]),
            Some(&[0, 0, 1]),
            Some(&[0, 0, 2]),
            &[1, 1, 1],
            masks(0, 0, 1, 2, 4),
        )
        .unwrap();
        assert_eq!(d.final_shape, known(&[2, 3, 1]));
        assert_eq!(d.processing_shape, known(&[2, 3, 1]));
    }

    #[test]
    fn unknown_begin_and_end_keep_what_is_known() {
        // x[b:e, :, k] on [?, 5, 4] with unknown b, e, k → [?, 5].
        let d = dense_strided_slice(
            &[None, Some(5), Some(4)],
            None,
            None,
            &[1, 1, 1],
            masks(2, 2, 0, 0, 4),
        )
        .unwrap();
        assert_eq!(d.final_shape, vec![None, Some(5)]);
    }

    #[test]
    fn errors_are_tensorflows() {
        let err = |r: Result<DenseSlice>| r.unwrap_err().message;
        let shrink = masks(0, 0, 0, 0, 1);
        assert_eq!(
            err(dense_strided_slice(&known(&[3]), Some(&[-4]), Some(&[-3]), &[1], shrink)),
            "slice index -1 of dimension 0 out of bounds."
        );
        assert_eq!(
            err(dense_strided_slice(
                &known(&[3]),
                Some(&[0, 0]),
                Some(&[1, 1]),
                &[1, 1],
                masks(0, 0, 3, 0, 0)
            )),
            "Multiple ellipses in slice spec not allowed"
        );
        assert_eq!(
            err(dense_strided_slice(
                &known(&[3]),
                Some(&[0, 0]),
                Some(&[1, 1]),
                &[1, 1],
                masks(0, 0, 0, 0, 0)
            )),
            "Index out of range using input dim 1; input has only 1 dims"
        );
    }
}
