//! The fused ops TensorFlow's graph optimizer (grappler's remapper) writes into graphs, and the
//! older batch normalisations frozen graphs still contain: `FusedBatchNorm`,
//! `FusedBatchNormV2`, `_FusedConv2D`, `_FusedDepthwiseConv2dNative` and `_FusedMatMul`.
//! Which `fused_ops` sequences a kernel accepts is the kernel's business, as in TensorFlow
//! (an unsupported one is Unimplemented when the kernel is built).

mod shapes;

use super::nn_conv::{conv2d_shape, depthwise_shape, fused_batch_norm_shape};
use super::{Grads, grad, not_differentiable};
use crate::{Endpoint, GradContext, OpDef, OpRegistry};
use sessionflow_core::{AttrValue, DType};
use shapes::{fused_matmul_shape, with_conv_args, with_depthwise_args};

/// Dtypes of `FusedBatchNormV2`'s `x`.
const BATCH_NORM_T: [DType; 3] = [DType::Float16, DType::BFloat16, DType::Float32];
/// `_FusedConv2D`'s `T` (TensorFlow also lists int8/qint8 for its GPU kernels).
const FUSED_CONV_T: [DType; 3] = [DType::Float16, DType::Float32, DType::Float64];
/// `_FusedDepthwiseConv2dNative`'s `T`.
const FUSED_DEPTHWISE_T: [DType; 4] =
    [DType::Float16, DType::BFloat16, DType::Float32, DType::Float64];
/// `_FusedMatMul`'s `T`.
const FUSED_MATMUL_T: [DType; 3] = [DType::BFloat16, DType::Float16, DType::Float32];

pub(super) fn register(r: &mut OpRegistry) {
    // FusedBatchNorm has one type for everything; V2 added `U` for the statistics.
    let batch_norm = |def: OpDef| {
        def.attr("epsilon: float = 0.0001")
            .attr("exponential_avg_factor: float = 1.0")
            .attr("data_format: string = 'NHWC'")
            .attr("is_training: bool = true")
            .shape(|c| {
                shapes::nhwc_or_nchw(c)?;
                fused_batch_norm_shape(c)
            })
    };
    r.register(batch_norm(
        OpDef::new("FusedBatchNorm")
            .input("x: T")
            .input("scale: T")
            .input("offset: T")
            .input("mean: T")
            .input("variance: T")
            .output("y: T")
            .output("batch_mean: T")
            .output("batch_variance: T")
            .output("reserve_space_1: T")
            .output("reserve_space_2: T")
            .type_attr("T", &[DType::Float32]),
    ));
    r.register(batch_norm(
        OpDef::new("FusedBatchNormV2")
            .input("x: T")
            .input("scale: U")
            .input("offset: U")
            .input("mean: U")
            .input("variance: U")
            .output("y: T")
            .output("batch_mean: U")
            .output("batch_variance: U")
            .output("reserve_space_1: U")
            .output("reserve_space_2: U")
            .type_attr("T", &BATCH_NORM_T)
            .type_attr("U", &[DType::Float32]),
    ));
    r.register(
        OpDef::new("_FusedConv2D")
            .input("input: T")
            .input("filter: T")
            .input("args: TArgs")
            .output("output: T")
            .type_attr("T", &FUSED_CONV_T)
            .attr("TArgs: list(type)")
            .attr("num_args: int")
            // TensorFlow's `host_args` input (`num_host_args * float`) feeds its GPU int8
            // kernels; with none (the default, and what its CPU graphs hold) the op has the
            // inputs above, and a graph declaring some is refused by the shape function.
            .attr("num_host_args: int = 0")
            .attr("strides: list(int)")
            .attr("padding: string")
            .attr("explicit_paddings: list(int) = []")
            .attr("data_format: string = 'NHWC'")
            .attr("filter_format: string = 'HWIO'")
            .attr("dilations: list(int) = [1, 1, 1, 1]")
            .attr("use_cudnn_on_gpu: bool = true")
            .attr("fused_ops: list(string) = []")
            .attr("epsilon: float = 0.0001")
            .attr("leakyrelu_alpha: float = 0.2")
            .shape(|c| with_conv_args(c, conv2d_shape)),
    );
    r.register(
        OpDef::new("_FusedDepthwiseConv2dNative")
            .input("input: T")
            .input("filter: T")
            .input("args: num_args * T")
            .output("output: T")
            .type_attr("T", &FUSED_DEPTHWISE_T)
            .attr("num_args: int")
            .attr("strides: list(int)")
            .attr("padding: string")
            // Not in TensorFlow's definition of this op (its padding is SAME or VALID), but in
            // DepthwiseConv2dNative's: the plan-time rewrites fold a zero Pad into it. Graphs
            // TensorFlow wrote never set it, so they import unchanged.
            .attr("explicit_paddings: list(int) = []")
            .attr("data_format: string = 'NHWC'")
            .attr("dilations: list(int) = [1, 1, 1, 1]")
            .attr("fused_ops: list(string) = []")
            .attr("epsilon: float = 0.0001")
            .attr("leakyrelu_alpha: float = 0.2")
            .shape(|c| with_depthwise_args(c, depthwise_shape)),
    );
    r.register(
        OpDef::new("_FusedMatMul")
            .input("a: T")
            .input("b: T")
            .input("args: num_args * T")
            .output("product: T")
            .attr("transpose_a: bool = false")
            .attr("transpose_b: bool = false")
            .type_attr("T", &FUSED_MATMUL_T)
            .attr("num_args: int")
            .attr("fused_ops: list(string) = []")
            .attr("epsilon: float = 0.0001")
            .attr("leakyrelu_alpha: float = 0.2")
            .shape(fused_matmul_shape),
    );

    // TensorFlow registers no gradient for the fused ops: they only appear in graphs its
    // optimizer rewrote for inference (or ours, at plan time, after gradients were built).
    not_differentiable(r, &["_FusedConv2D", "_FusedDepthwiseConv2dNative", "_FusedMatMul"]);
    grad(r, "FusedBatchNorm", batch_norm_v1_v2_grad);
    grad(r, "FusedBatchNormV2", batch_norm_v1_v2_grad);
}

/// TF's `_FusedBatchNormGrad` / `_FusedBatchNormGradV2`, through `FusedBatchNormGradV3`
/// (the same computation; its `reserve_space_3` input is unused on CPU, so a scalar stands
/// in for the output these versions lack).
fn batch_norm_v1_v2_grad(c: &mut GradContext<'_>) -> Grads {
    let (x, scale, g) = (c.input(0), c.input(1), c.grad(0)?);
    let is_training = c.attr_bool("is_training")?;
    let (mean, var) =
        if is_training { (c.output(3), c.output(4)) } else { (c.input(3), c.input(4)) };
    let reserve = c.scalar(c.dtype(c.output(3)), 0.0)?;
    let mut attrs = sessionflow_core::AttrMap::new();
    for name in ["epsilon", "data_format"] {
        if let Some(v) = c.attrs().get(name) {
            attrs.insert(name.to_owned(), v.clone());
        }
    }
    attrs.insert("is_training".into(), AttrValue::Bool(is_training));
    let id = c.add_node("FusedBatchNormGradV3", &[g, x, scale, mean, var, reserve], attrs)?;
    let out = |i| Some(Endpoint::new(id, i));
    Ok(vec![out(0), out(1), out(2), None, None])
}
