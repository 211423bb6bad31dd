//! Shape functions of the fused ops: the base op's shape, plus checks of the fused arguments
//! that the graph can make before anything runs.

use crate::ops::linalg::matmul_shape;
use crate::{InferenceContext, ShapeFn};
use sessionflow_core::{AttrValue, Result, Status};

/// `data_format` must be NHWC or NCHW (the 5-D layouts came with `FusedBatchNormV3`).
pub(super) fn nhwc_or_nchw(c: &InferenceContext<'_>) -> Result<()> {
    match c.attrs.get("data_format") {
        Some(AttrValue::String(f)) if f == "NHWC" || f == "NCHW" => Ok(()),
        Some(AttrValue::String(f)) => Err(Status::invalid_argument(format!(
            "Value for attr 'data_format' of \"{f}\" is not in the list of allowed values: \"NHWC\", \"NCHW\""
        ))),
        _ => Err(Status::invalid_argument("attr 'data_format' should be a string")),
    }
}

/// `num_args` must count the inputs after the first two.
fn check_num_args(c: &InferenceContext<'_>) -> Result<usize> {
    let declared = c.attr_int("num_args")?;
    let given = c.num_inputs().saturating_sub(2);
    if declared < 0 || declared as usize != given {
        return Err(Status::invalid_argument(format!(
            "num_args is {declared} but the node has {given} fused arguments"
        )));
    }
    Ok(given)
}

/// Every fused argument is a vector; those of known length must have `channels` elements
/// (the output's channels, or the columns of a product), when that is known.
fn check_vectors(c: &InferenceContext<'_>, channels: Option<usize>) -> Result<()> {
    for i in 2..c.num_inputs() {
        let v = c.with_rank(i, 1)?;
        if let (Some([Some(n)]), Some(m)) = (v.dims(), channels)
            && *n != m
        {
            return Err(Status::invalid_argument(format!(
                "fused argument {} has {n} elements but the output has {m} channels",
                i - 2
            )));
        }
    }
    Ok(())
}

/// Dimension `i` of input `input`, when known.
fn dim(c: &InferenceContext<'_>, input: usize, i: usize) -> Option<usize> {
    c.input(input).dims().and_then(|d| d.get(i).copied().flatten())
}

/// `_FusedConv2D`: `Conv2D`'s shape; no host arguments (they feed TF's GPU int8 kernels).
pub(super) fn with_conv_args(c: &mut InferenceContext<'_>, conv: ShapeFn) -> Result<()> {
    if c.attr_int("num_host_args")? != 0 {
        return Err(Status::unimplemented(
            "_FusedConv2D with host arguments (TensorFlow's GPU int8 convolution) is not supported",
        ));
    }
    check_num_args(c)?;
    conv(c)?;
    check_vectors(c, dim(c, 1, 3))
}

/// `_FusedDepthwiseConv2dNative`: `DepthwiseConv2dNative`'s shape.
pub(super) fn with_depthwise_args(c: &mut InferenceContext<'_>, conv: ShapeFn) -> Result<()> {
    check_num_args(c)?;
    conv(c)?;
    let channels = dim(c, 1, 2).zip(dim(c, 1, 3)).and_then(|(c, m)| c.checked_mul(m));
    check_vectors(c, channels)
}

/// `_FusedMatMul`: `MatMul`'s shape; arguments as long as a row of the product.
pub(super) fn fused_matmul_shape(c: &mut InferenceContext<'_>) -> Result<()> {
    check_num_args(c)?;
    matmul_shape(c)?;
    let columns = if c.attr_bool("transpose_b")? { dim(c, 1, 0) } else { dim(c, 1, 1) };
    check_vectors(c, columns)
}
