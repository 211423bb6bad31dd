//! Shape functions of `MaxPool` and `AvgPool` (TensorFlow's `MaxPoolShapeWithExplicitPadding`
//! and `AvgPoolShape`), plus the attr checks TensorFlow's pooling kernels make, moved to build
//! time.

use super::window::{Format, Padding, dims4, explicit_pads, ints, min_len, one_of, windowed};
use crate::InferenceContext;
use sessionflow_core::{Result, Status};

pub(super) fn max_pool_shape(c: &mut InferenceContext<'_>) -> Result<()> {
    pool_shape(c, "MaxPool")
}

pub(super) fn avg_pool_shape(c: &mut InferenceContext<'_>) -> Result<()> {
    pool_shape(c, "AvgPool")
}

fn pool_shape(c: &mut InferenceContext<'_>, op: &str) -> Result<()> {
    let is_max = op == "MaxPool";
    let (ksize, strides) = (ints(c.attrs, "ksize")?, ints(c.attrs, "strides")?);
    min_len(ksize, "ksize", op, 4)?;
    min_len(strides, "strides", op, 4)?;
    let formats: &[&str] =
        if is_max { &["NHWC", "NCHW", "NCHW_VECT_C"] } else { &["NHWC", "NCHW"] };
    let format_name = one_of(c.attrs, "data_format", formats)?;
    let padding = Padding::from_attrs(c.attrs, is_max)?;
    if format_name == "NCHW_VECT_C" {
        return Err(Status::invalid_argument(
            "MaxPool with data_format NCHW_VECT_C needs qint8 input, which sessionflow does not support",
        ));
    }
    let format = Format::from_name(format_name);
    c.with_rank(0, 4)?;
    if strides.len() != 4 {
        return Err(Status::invalid_argument(format!(
            "{op} requires the stride attribute to contain 4 values, but got: {}",
            strides.len()
        )));
    }
    if ksize.len() != 4 {
        return Err(Status::invalid_argument(format!(
            "{op} requires the ksize attribute to contain 4 values, but got: {}",
            ksize.len()
        )));
    }
    check_windows(ksize, strides, format, is_max)?;
    let pads = explicit_pads(c.attrs, padding, format)?;
    if format.pick(ksize)[3] != 1 && pads != [(0, 0); 2] {
        return Err(Status::unimplemented("Depthwise max pooling does not support padding"));
    }
    let [batch, rows, cols, depth] = format.pick(&dims4(c.input(0)));
    let [_, k_rows, k_cols, k_depth] = format.pick(ksize);
    let [_, s_rows, s_cols, s_depth] = format.pick(strides);
    if let Some(depth) = depth
        && k_depth != 1
        && depth as i64 % k_depth != 0
    {
        return Err(Status::unimplemented(
            "Depthwise max pooling requires the depth window to evenly divide the input depth",
        ));
    }
    let out = [
        windowed(rows, Some(k_rows as usize), 1, s_rows, padding, pads[0])?,
        windowed(cols, Some(k_cols as usize), 1, s_cols, padding, pads[1])?,
        windowed(depth, Some(k_depth as usize), 1, s_depth, padding, (0, 0))?,
    ];
    c.set_output(0, format.make([batch, out[0], out[1], out[2]]));
    Ok(())
}

/// What TensorFlow's pooling kernels accept of `ksize` and `strides` (4 values each).
fn check_windows(ksize: &[i64], strides: &[i64], format: Format, is_max: bool) -> Result<()> {
    let list = |v: &[i64]| v.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
    if ksize.iter().any(|&k| k <= 0) {
        return Err(Status::invalid_argument(format!(
            "Sliding window ksize must be positive. The specified or inferred ksize is: {}",
            list(ksize)
        )));
    }
    if strides.iter().any(|&s| s <= 0) {
        return Err(Status::invalid_argument(format!(
            "Sliding window stride must be positive. The specified or inferred stride is: {}",
            list(strides)
        )));
    }
    let batch_message = "Pooling is not yet supported on the batch dimension.";
    let [kn, kh, kw, kc] = format.pick(ksize);
    let [sn, sh, sw, sc] = format.pick(strides);
    if kn != 1 || sn != 1 {
        return Err(Status::unimplemented(batch_message));
    }
    if kc != 1 && (kh != 1 || kw != 1) {
        return Err(Status::unimplemented(
            "MaxPooling supports exactly one of pooling across depth or pooling across width/height.",
        ));
    }
    if !is_max {
        if kc != 1 || sc != 1 {
            return Err(Status::unimplemented(
                "Non-spatial pooling is not yet supported. Volunteers? :)",
            ));
        }
        return Ok(());
    }
    if kc != sc {
        return Err(Status::unimplemented(
            "Depthwise max pooling requires the depth window to equal the depth stride",
        ));
    }
    if kc != 1 && (sh != 1 || sw != 1) {
        // TensorFlow ignores spatial strides when pooling across depth, which its own shape
        // function disagrees with; sessionflow refuses the combination instead.
        return Err(Status::unimplemented("Depthwise max pooling requires spatial strides of 1"));
    }
    Ok(())
}
