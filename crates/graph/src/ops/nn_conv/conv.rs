//! Shape functions of `Conv2D` and `DepthwiseConv2dNative` (TensorFlow's `Conv2DShapeImpl` and
//! `DepthwiseConv2DNativeShapeImpl`), plus the attr checks TensorFlow's kernels make, moved to
//! build time.

use super::window::{
    Format, Padding, dims4, explicit_pads, ints, one_of, unit_batch_and_depth, windowed,
};
use crate::InferenceContext;
use sessionflow_core::{Code, Result, Status};

/// The attrs both convolutions share, validated.
struct ConvAttrs {
    format: Format,
    padding: Padding,
    /// (batch, height, width, channel) entries.
    strides: [i64; 4],
    dilations: [i64; 4],
    pads: [(i64, i64); 2],
}

fn conv_attrs(c: &InferenceContext<'_>, op: &str) -> Result<ConvAttrs> {
    let format_name = one_of(c.attrs, "data_format", &["NHWC", "NCHW"])?;
    let format = Format::from_name(format_name);
    let padding = Padding::from_attrs(c.attrs, true)?;
    c.with_rank(0, 4)?;
    c.with_rank(1, 4)?;
    let (strides, dilations) = (ints(c.attrs, "strides")?, ints(c.attrs, "dilations")?);
    if op == "Conv2D" {
        if dilations.len() != 4 {
            return Err(Status::invalid_argument(format!(
                "Conv2D requires the dilation attribute to contain 4 values, but got: {}",
                dilations.len()
            )));
        }
        if strides.len() != 4 {
            return Err(Status::invalid_argument(format!(
                "Conv2D on data format {format_name} requires the stride attribute to contain 4 values, but got: {}",
                strides.len()
            )));
        }
    } else {
        if strides.len() != 4 {
            return Err(Status::invalid_argument(format!(
                "DepthwiseConv2D requires the stride attribute to contain 4 values, but got: {}",
                strides.len()
            )));
        }
        if dilations.len() != 4 {
            return Err(Status::invalid_argument(format!(
                "DepthwiseConv2D requires the dilations attribute to contain 4 values, but got: {}",
                dilations.len()
            )));
        }
    }
    // TensorFlow's Conv2D kernel reports these as Unimplemented, its depthwise kernel as
    // InvalidArgument; both are known from the attrs alone, so they fail at build time here.
    let stride_code = if op == "Conv2D" { Code::Unimplemented } else { Code::InvalidArgument };
    unit_batch_and_depth(
        strides,
        format,
        stride_code,
        "Current implementation does not yet support strides in the batch and depth dimensions.",
    )?;
    unit_batch_and_depth(
        dilations,
        format,
        Code::Unimplemented,
        "Current implementation does not yet support dilations in the batch and depth dimensions.",
    )?;
    Ok(ConvAttrs {
        format,
        padding,
        strides: format.pick(strides),
        dilations: format.pick(dilations),
        pads: explicit_pads(c.attrs, padding, format)?,
    })
}

/// Output height and width of a convolution.
fn spatial(
    a: &ConvAttrs,
    [rows, cols]: [Option<usize>; 2],
    [f_rows, f_cols]: [Option<usize>; 2],
) -> Result<[Option<usize>; 2]> {
    Ok([
        windowed(rows, f_rows, a.dilations[1], a.strides[1], a.padding, a.pads[0])?,
        windowed(cols, f_cols, a.dilations[2], a.strides[2], a.padding, a.pads[1])?,
    ])
}

/// `Conv2D`: input `[N,H,W,C]` (or NCHW), filter `[KH,KW,C/groups,OC]`.
pub(in crate::ops) fn conv2d_shape(c: &mut InferenceContext<'_>) -> Result<()> {
    let a = conv_attrs(c, "Conv2D")?;
    let [batch, rows, cols, depth] = a.format.pick(&dims4(c.input(0)));
    let [f_rows, f_cols, f_depth, out_depth] = dims4(c.input(1));
    if let (Some(depth), Some(f_depth)) = (depth, f_depth) {
        if f_depth == 0 {
            return Err(Status::invalid_argument("Depth of filter must not be 0"));
        }
        if depth % f_depth != 0 {
            return Err(Status::invalid_argument(format!(
                "Depth of input ({depth}) is not a multiple of input depth of filter ({f_depth})"
            )));
        }
        let groups = depth / f_depth;
        if depth != f_depth
            && let Some(out_depth) = out_depth
        {
            if groups == 0 {
                return Err(Status::invalid_argument("Number of groups must not be 0"));
            }
            if out_depth % groups != 0 {
                return Err(Status::invalid_argument(format!(
                    "Depth of output ({out_depth}) is not a multiple of the number of groups ({groups})"
                )));
            }
        }
    }
    let [out_rows, out_cols] = spatial(&a, [rows, cols], [f_rows, f_cols])?;
    c.set_output(0, a.format.make([batch, out_rows, out_cols, out_depth]));
    Ok(())
}

/// `DepthwiseConv2dNative`: input `[N,H,W,C]` (or NCHW), filter `[KH,KW,C,M]`, output depth
/// `C·M`.
pub(in crate::ops) fn depthwise_shape(c: &mut InferenceContext<'_>) -> Result<()> {
    let a = conv_attrs(c, "DepthwiseConv2dNative")?;
    let [batch, rows, cols, depth] = a.format.pick(&dims4(c.input(0)));
    let [f_rows, f_cols, f_depth, multiplier] = dims4(c.input(1));
    let depth = match (depth, f_depth) {
        (Some(x), Some(y)) if x != y => {
            return Err(Status::invalid_argument(format!(
                "Dimensions must be equal, but are {x} and {y}"
            )));
        }
        (x, y) => x.or(y),
    };
    // InferenceContext::Multiply: a known 0 or 1 decides the product.
    let out_depth = match (depth, multiplier) {
        (Some(x), Some(y)) => Some(x.checked_mul(y).ok_or_else(|| {
            Status::invalid_argument(format!("Output depth {x} * {y} is too large"))
        })?),
        (Some(0), _) | (_, Some(0)) => Some(0),
        (Some(1), m) => m,
        (d, Some(1)) => d,
        _ => None,
    };
    let [out_rows, out_cols] = spatial(&a, [rows, cols], [f_rows, f_cols])?;
    c.set_output(0, a.format.make([batch, out_rows, out_cols, out_depth]));
    Ok(())
}
