//! Fusion of convolutions and products with the bias (or batch normalisation) and activation
//! after them, including Keras' `x·a + b` batch normalisation of frozen graphs.

use super::support::*;
use sessionflow::core::AttrValue;
use sessionflow::graph::Endpoint;

fn conv(
    b: &mut Builder,
    op: &str,
    name: &str,
    x: Endpoint,
    filter: Endpoint,
    stride: i64,
    padding: &str,
) -> Endpoint {
    b.node(
        op,
        name,
        &[x, filter],
        &[],
        &[("strides", ints(&[1, stride, stride, 1])), ("padding", text(padding))],
    )
}

fn image(b: &mut Builder) -> (Endpoint, sessionflow::core::Tensor) {
    let x = b.placeholder("x", &[1, 7, 7, 4]);
    (x, tensor(&[1, 7, 7, 4], &ramp(196, 7, 11, 0.25)))
}

#[test]
fn conv_bias_relu6_becomes_one_fused_conv() {
    let mut b = Builder::default();
    let (x, value) = image(&mut b);
    let w = b.constant("w", &[3, 3, 4, 5], &ramp(180, 5, 9, 0.125));
    let y = conv(&mut b, "Conv2D", "conv", x, w, 1, "SAME");
    let bias = b.constant("bias", &[5], &[0.5, -0.25, 1.0, -2.0, 6.0]);
    let y = b.op("BiasAdd", "bias_add", &[y, bias]);
    let y = b.op("Relu6", "relu6", &[y]);
    let (on, off) = both(&b.graph, &[(x, value)], &[y], 1e-6);
    assert_eq!(on.op_of("relu6"), Some("_FusedConv2D"));
    assert!(!on.ran("conv") && !on.ran("bias_add"));
    assert_eq!(off.op_of("relu6"), Some("Relu6"));
    assert!(on.f32s(0).contains(&6.0) && on.f32s(0).contains(&0.0));
}

#[test]
fn keras_batch_norm_folds_its_scale_into_the_filter_and_fuses() {
    let mut b = Builder::default();
    let (x, value) = image(&mut b);
    let w = b.constant("w", &[3, 3, 4, 5], &ramp(180, 5, 9, 0.125));
    // A variable read, frozen: Const → Identity.
    let w_read = b.op("Identity", "w/read", &[w]);
    let y = conv(&mut b, "Conv2D", "conv", x, w_read, 2, "VALID");
    let scale = b.constant("scale", &[5], &[1.5, 0.5, -1.0, 2.0, 0.75]);
    let y = b.op("Mul", "bn/mul", &[y, scale]);
    let shift = b.constant("shift", &[5], &[0.1, -0.2, 0.3, 0.0, -1.0]);
    let y = b.op("AddV2", "bn/add", &[y, shift]);
    let y = b.op("Relu", "relu", &[y]);
    // As convert_variables_to_constants_v2 writes it: the output waits on a NoOp that waits
    // on every variable read, a control edge that only orders.
    let reads_done = b.node("NoOp", "NoOp", &[], &[w_read.node], &[]);
    let y = b.node("Identity", "out", &[y], &[reads_done.node], &[]);
    let original_filter = ramp(180, 5, 9, 0.125);
    let (on, _) = both(&b.graph, &[(x, value)], &[y], 1e-5);
    assert_eq!(on.op_of("relu"), Some("_FusedConv2D"));
    assert!(!on.ran("bn/mul") && !on.ran("w/read"));
    // The user's graph is untouched: the filter constant keeps its values.
    let node = b.graph.node_by_name("w").unwrap();
    let Some(AttrValue::Tensor(t)) = node.attrs.get("value") else { panic!("no value") };
    assert_eq!(t.as_slice::<f32>().unwrap(), &original_filter[..]);
}

#[test]
fn depthwise_with_batch_norm_and_relu6_fuses() {
    let mut b = Builder::default();
    let (x, value) = image(&mut b);
    let w = b.constant("dw", &[3, 3, 4, 2], &ramp(72, 5, 9, 0.25));
    let y = conv(&mut b, "DepthwiseConv2dNative", "depthwise", x, w, 2, "VALID");
    let scale = b.constant("scale", &[8], &[1.5, 0.5, -1.0, 2.0, 0.75, 1.0, 0.25, -0.5]);
    let y = b.op("Mul", "mul", &[scale, y]);
    let shift = b.constant("shift", &[8], &[0.1, -0.2, 0.3, 0.0, -1.0, 2.0, 0.5, 0.5]);
    let y = b.op("AddV2", "add", &[shift, y]);
    let y = b.op("Relu6", "relu6", &[y]);
    let (on, _) = both(&b.graph, &[(x, value)], &[y], 1e-5);
    assert_eq!(on.op_of("relu6"), Some("_FusedDepthwiseConv2dNative"));
}

#[test]
fn conv_with_inference_batch_norm_fuses() {
    let mut b = Builder::default();
    let (x, value) = image(&mut b);
    let w = b.constant("w", &[1, 1, 4, 3], &ramp(12, 5, 9, 0.25));
    let y = conv(&mut b, "Conv2D", "conv", x, w, 1, "SAME");
    let stats: Vec<Endpoint> = [
        ("scale", [1.5, 0.5, -1.0]),
        ("offset", [0.1, -0.2, 0.3]),
        ("mean", [0.2, -0.1, 0.0]),
        ("variance", [0.5, 1.0, 2.0]),
    ]
    .iter()
    .map(|(n, v)| b.constant(n, &[3], v))
    .collect();
    let bn = b.node(
        "FusedBatchNormV3",
        "bn",
        &[y, stats[0], stats[1], stats[2], stats[3]],
        &[],
        &[("is_training", AttrValue::Bool(false)), ("epsilon", AttrValue::Float(0.001))],
    );
    let y = b.op("Relu", "relu", &[bn]);
    let (on, _) = both(&b.graph, &[(x, value)], &[y], 1e-5);
    assert_eq!(on.op_of("relu"), Some("_FusedConv2D"));
    assert!(!on.ran("bn"));
}

#[test]
fn a_fetched_intermediate_is_not_fused_away() {
    let mut b = Builder::default();
    let (x, value) = image(&mut b);
    let w = b.constant("w", &[3, 3, 4, 5], &ramp(180, 5, 9, 0.125));
    let c = conv(&mut b, "Conv2D", "conv", x, w, 1, "SAME");
    let bias = b.constant("bias", &[5], &[0.5, -0.25, 1.0, -2.0, 3.0]);
    let y = b.op("BiasAdd", "bias_add", &[c, bias]);
    let y = b.op("Relu", "relu", &[y]);
    let (on, _) = both(&b.graph, &[(x, value)], &[y, c], 1e-6);
    assert_eq!(on.op_of("conv"), Some("Conv2D"));
    assert_eq!(on.op_of("relu"), Some("Relu"));
}

#[test]
fn projection_without_activation_then_residual_add() {
    let mut b = Builder::default();
    let (x, value) = image(&mut b);
    let w = b.constant("w", &[1, 1, 4, 4], &ramp(16, 5, 9, 0.25));
    let y = conv(&mut b, "Conv2D", "project", x, w, 1, "VALID");
    let scale = b.constant("scale", &[4], &[1.5, 0.5, -1.0, 2.0]);
    let y = b.op("Mul", "mul", &[y, scale]);
    let shift = b.constant("shift", &[4], &[0.1, -0.2, 0.3, 0.0]);
    let y = b.op("AddV2", "add", &[y, shift]);
    let out = b.op("AddV2", "residual", &[x, y]);
    let (on, _) = both(&b.graph, &[(x, value)], &[out], 1e-5);
    assert_eq!(on.op_of("add"), Some("_FusedConv2D"));
    assert_eq!(on.op_of("residual"), Some("AddV2"));
}

#[test]
fn matmul_bias_tanh_becomes_one_fused_product() {
    let mut b = Builder::default();
    let x = b.placeholder("x", &[-1, 6]);
    let w = b.constant("w", &[6, 3], &ramp(18, 5, 9, 0.25));
    let y = b.op("MatMul", "matmul", &[x, w]);
    let bias = b.constant("bias", &[3], &[0.5, -0.25, 1.0]);
    let y = b.op("BiasAdd", "bias_add", &[y, bias]);
    let y = b.op("Tanh", "tanh", &[y]);
    let feeds = [(x, tensor(&[2, 6], &ramp(12, 7, 11, 0.25)))];
    let (on, _) = both(&b.graph, &feeds, &[y], 1e-6);
    assert_eq!(on.op_of("tanh"), Some("_FusedMatMul"));
}

#[test]
fn a_zero_pad_becomes_the_convolutions_explicit_padding() {
    let mut b = Builder::default();
    let (x, value) = image(&mut b);
    // Keras' ZeroPadding2D before a stride-2 VALID convolution.
    let amounts = b.ints("amounts", &[0, 0, 0, 1, 1, 1, 0, 0]);
    // (Reshaped to [4, 2]: folded into a constant before the fusion looks at it.)
    let shape = b.ints("shape_4x2", &[4, 2]);
    let amounts = b.node("Reshape", "amounts_2d", &[amounts, shape], &[], &[]);
    let padded = b.op("Pad", "pad", &[x, amounts]);
    let w = b.constant("dw", &[3, 3, 4, 1], &ramp(36, 5, 9, 0.25));
    let y = conv(&mut b, "DepthwiseConv2dNative", "depthwise", padded, w, 2, "VALID");
    let scale = b.constant("scale", &[4], &[1.5, 0.5, -1.0, 2.0]);
    let y = b.op("Mul", "mul", &[y, scale]);
    let shift = b.constant("shift", &[4], &[0.1, -0.2, 0.3, 0.0]);
    let y = b.op("AddV2", "add", &[y, shift]);
    let y = b.op("Relu6", "relu6", &[y]);
    // And a plain convolution after another pad (the same one would be merged with the first,
    // which then has two readers), with nothing to fuse.
    let amounts2 = b.ints("amounts2", &[0, 0, 1, 0, 0, 2, 0, 0]);
    let amounts2 = b.node("Reshape", "amounts2_2d", &[amounts2, shape], &[], &[]);
    let padded2 = b.op("Pad", "pad2", &[x, amounts2]);
    let w2 = b.constant("w2", &[2, 2, 4, 3], &ramp(48, 5, 9, 0.25));
    let z = conv(&mut b, "Conv2D", "conv2", padded2, w2, 1, "VALID");
    let (on, _) = both(&b.graph, &[(x, value)], &[y, z], 1e-5);
    assert_eq!(on.op_of("relu6"), Some("_FusedDepthwiseConv2dNative"));
    assert_eq!(on.op_of("conv2"), Some("Conv2D"));
    assert!(!on.ran("pad") && !on.ran("pad2"), "the pads are folded away");
}
