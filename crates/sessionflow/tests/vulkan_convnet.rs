//! A small conv net — Conv2D → BiasAdd → Relu → MaxPool → Reshape → MatMul → Softmax — and a
//! second graph of DepthwiseConv2dNative, AvgPool, BatchMatMulV2, ExpandDims and Squeeze,
//! pinned to the Vulkan device: every node runs there (checked through the trace's step stats) and the values match
//! the CPU session's. Skips, saying why, where no Vulkan device exists.

mod vulkan_support;

use sessionflow::core::{AttrMap, AttrValue, Code, Tensor, TensorShape};
use sessionflow::graph::{Endpoint, NodeId};
use sessionflow::{RunOptions, Session, SessionConfig, host_allocator, open_session};
use std::collections::HashMap;
use std::sync::Arc;
use vulkan_support::{Builder, CPU, VULKAN, floats, have_vulkan};

const PIN: &str = "/device:VULKAN:0";

fn window(padding: &str, strides: [i64; 2], ksize: Option<[i64; 2]>, format: &str) -> AttrMap {
    let four = |[h, w]: [i64; 2]| AttrValue::ListInt(vec![1, h, w, 1]);
    let mut attrs = AttrMap::new();
    attrs.insert("padding".into(), AttrValue::String(padding.into()));
    attrs.insert("strides".into(), four(strides));
    attrs.insert("data_format".into(), AttrValue::String(format.into()));
    if let Some(k) = ksize {
        attrs.insert("ksize".into(), four(k));
    }
    attrs
}

/// The classifier's weights: W[i, j] = ((3i + j) mod 7 − 3) / 10, for 36 features and 3
/// classes.
fn classifier_weights() -> Vec<f32> {
    (0..36 * 3).map(|e| (((3 * (e / 3) + e % 3) % 7) as f32 - 3.0) / 10.0).collect()
}

/// softmax(reshape(maxpool(relu(conv(x) + b)), [-1, 36]) · W) over x [batch, 6, 6, 1], with
/// every node but the input on `device`: the input and the probabilities.
fn convnet(b: &Builder, device: &str) -> (NodeId, NodeId) {
    let x = b.placeholder(&[-1, 6, 6, 1]);
    let filter: Vec<f32> = (0..36).map(|v| ((v % 5) as f32 - 2.0) / 4.0).collect();
    let f = b.floats(&[3, 3, 1, 4], &filter, device);
    let h = b.add("Conv2D", &[x, f], window("SAME", [1, 1], None, "NHWC"), device);
    let bias = b.floats(&[4], &[0.5, -1., 0.25, 0.], device);
    let h = b.add("BiasAdd", &[h, bias], AttrMap::new(), device);
    let h = b.add("Relu", &[h], AttrMap::new(), device);
    let h = b.add("MaxPool", &[h], window("VALID", [2, 2], Some([2, 2]), "NHWC"), device);
    let shape = b.constant(
        Tensor::from_slice(host_allocator(), TensorShape::new([2]), &[-1i32, 36]).unwrap(),
        device,
    );
    let h = b.add("Reshape", &[h, shape], AttrMap::new(), device);
    let w = b.floats(&[36, 3], &classifier_weights(), device);
    let mut mm = AttrMap::new();
    mm.insert("transpose_a".into(), AttrValue::Bool(false));
    mm.insert("transpose_b".into(), AttrValue::Bool(false));
    let logits = b.add("MatMul", &[h, w], mm, device);
    let probs = b.add("Softmax", &[logits], AttrMap::new(), device);
    (x, probs)
}

/// Runs `fetch` with `x` fed, traced; the value and each node's device.
fn run(s: &Session, x: NodeId, xv: Tensor, fetch: NodeId) -> (Tensor, HashMap<String, String>) {
    let options = RunOptions { trace: true, ..Default::default() };
    let (mut values, meta) = s
        .run_with_options(
            vec![(Endpoint::new(x, 0), xv)],
            &[Endpoint::new(fetch, 0)],
            &[],
            &options,
        )
        .unwrap();
    let placed = meta.step_stats.into_iter().map(|st| (st.node, st.device)).collect();
    (values.remove(0), placed)
}

/// Asserts every value within `1e-5 + 1e-5·|want|` (float32: sums of a few dozen products in
/// another order, and exp, a few ulp apart).
fn assert_near(got: &Tensor, want: &Tensor) {
    assert_eq!((got.dtype(), got.shape()), (want.dtype(), want.shape()));
    for (a, b) in got.as_slice::<f32>().unwrap().iter().zip(want.as_slice::<f32>().unwrap()) {
        assert!((a - b).abs() <= 1e-5 + 1e-5 * b.abs(), "{a} vs {b}");
    }
}

#[test]
fn a_conv_net_pinned_to_vulkan_runs_wholly_there_and_matches_the_cpu() {
    if !have_vulkan() {
        return;
    }
    // Image 0 is blank; image 1 a ramp with a sign pattern.
    let mut xv = vec![0.0f32; 36];
    xv.extend((0..36).map(|v| (v as f32 / 10.0) * if v % 3 == 0 { -1.0 } else { 1.0 }));
    let xv = floats(&[2, 6, 6, 1], &xv);

    let on_cpu = Builder::new();
    let (x, probs) = convnet(&on_cpu, "");
    let cpu = open_session(Arc::clone(&on_cpu.graph), &SessionConfig::default()).unwrap();
    let (want, _) = run(&cpu, x, xv.clone(), probs);

    let on_vulkan = Builder::new();
    let (x, probs) = convnet(&on_vulkan, PIN);
    let s = open_session(Arc::clone(&on_vulkan.graph), &SessionConfig::default()).unwrap();
    let (got, placed) = run(&s, x, xv, probs);
    for name in ["conv2d", "biasadd", "relu", "maxpool", "reshape", "matmul", "softmax"] {
        assert_eq!(placed.get(name).map(String::as_str), Some(VULKAN), "{name}: {placed:?}");
    }
    for (name, device) in &placed {
        assert!(name == "placeholder" || device == VULKAN, "{name} ran on {device}");
    }
    assert_eq!(got.shape().dims(), [2, 3]);
    assert_near(&got, &want);
    // The blank image by hand: the convolution gives 0, so every pooled pixel is relu(bias) =
    // [0.5, 0, 0.25, 0] and feature 4p + c of the 9 pixels p is relu(bias)[c]. Logit 0 is
    // Σ_p 0.5·W[4p, 0] + 0.25·W[4p + 2, 0] = (0.5·(−1) + 0.25·4) / 10 = 0.05 (the sums of
    // (12p mod 7) − 3 and ((12p + 6) mod 7) − 3 over p < 9); likewise logits 1 and 2 are
    // 0.025 and −0.175. Their softmax (numpy):
    let p = got.as_slice::<f32>().unwrap();
    let by_hand = [0.36051285f32, 0.35161176, 0.28787538];
    for (g, w) in p[..3].iter().zip(by_hand) {
        assert!((g - w).abs() <= 1e-6, "{:?} vs {by_hand:?}", &p[..3]);
    }
}

/// BatchMatMulV2(reshape(avgpool(depthwise(x)), [-1, 4, 6]), w) over x [batch, 5, 5, 2], the
/// weight w [1, 6, 2] broadcast over the batch, then expanded and squeezed back: the input and
/// the product.
fn depthwise_net(b: &Builder, device: &str) -> (NodeId, NodeId) {
    let x = b.placeholder(&[-1, 5, 5, 2]);
    let filter: Vec<f32> = (0..24).map(|v| ((v % 7) as f32 - 3.0) / 5.0).collect();
    let f = b.floats(&[2, 2, 2, 3], &filter, device);
    let h = b.add("DepthwiseConv2dNative", &[x, f], window("SAME", [1, 1], None, "NHWC"), device);
    let h = b.add("AvgPool", &[h], window("SAME", [3, 3], Some([3, 3]), "NHWC"), device);
    let shape = b.constant(
        Tensor::from_slice(host_allocator(), TensorShape::new([3]), &[-1i32, 4, 6]).unwrap(),
        device,
    );
    let h = b.add("Reshape", &[h, shape], AttrMap::new(), device);
    let w: Vec<f32> = (0..12).map(|v| (v as f32 - 6.0) / 4.0).collect();
    let w = b.floats(&[1, 6, 2], &w, device);
    let mut adj = AttrMap::new();
    adj.insert("adj_x".into(), AttrValue::Bool(false));
    adj.insert("adj_y".into(), AttrValue::Bool(false));
    let y = b.add("BatchMatMulV2", &[h, w], adj, device);
    // A round trip through ExpandDims and Squeeze: [3, 4, 2] → [3, 1, 4, 2] → [3, 4, 2].
    let dim = b.constant(Tensor::scalar(host_allocator(), 1i32).unwrap(), device);
    let y = b.add("ExpandDims", &[y, dim], AttrMap::new(), device);
    let mut squeeze = AttrMap::new();
    squeeze.insert("squeeze_dims".into(), AttrValue::ListInt(vec![1]));
    let y = b.add("Squeeze", &[y], squeeze, device);
    (x, y)
}

#[test]
fn depthwise_convolution_average_pooling_batched_products_and_new_shapes_run_on_vulkan() {
    if !have_vulkan() {
        return;
    }
    let xv: Vec<f32> = (0..3 * 50).map(|v| ((v * 7 % 11) as f32 - 5.0) / 3.0).collect();
    let xv = floats(&[3, 5, 5, 2], &xv);
    let on_cpu = Builder::new();
    let (x, y) = depthwise_net(&on_cpu, "");
    let cpu = open_session(Arc::clone(&on_cpu.graph), &SessionConfig::default()).unwrap();
    let (want, _) = run(&cpu, x, xv.clone(), y);

    let on_vulkan = Builder::new();
    let (x, y) = depthwise_net(&on_vulkan, PIN);
    let s = open_session(Arc::clone(&on_vulkan.graph), &SessionConfig::default()).unwrap();
    let (got, placed) = run(&s, x, xv, y);
    for name in
        ["depthwiseconv2dnative", "avgpool", "reshape", "batchmatmulv2", "expanddims", "squeeze"]
    {
        assert_eq!(placed.get(name).map(String::as_str), Some(VULKAN), "{name}: {placed:?}");
    }
    // 5×5 under SAME 3×3 stride 3 pools to 2×2; 6 channels: [3, 4, 6] · [6, 2] = [3, 4, 2].
    assert_eq!(got.shape().dims(), [3, 4, 2]);
    assert_near(&got, &want);
}

#[test]
fn unsupported_layouts_and_bad_shapes_are_clear_errors_naming_the_node() {
    if !have_vulkan() {
        return;
    }
    // NCHW is valid TensorFlow that the Vulkan kernels do not run: building the kernel fails.
    let b = Builder::new();
    let x = b.placeholder(&[1, 1, 4, 4]);
    let f = b.floats(&[1, 1, 1, 1], &[2.], PIN);
    let conv = b.add("Conv2D", &[x, f], window("VALID", [1, 1], None, "NCHW"), PIN);
    let s = open_session(Arc::clone(&b.graph), &SessionConfig::default()).unwrap();
    let feed = vec![(Endpoint::new(x, 0), floats(&[1, 1, 4, 4], &[1.; 16]))];
    let e = s.run(feed, &[Endpoint::new(conv, 0)], &[]).unwrap_err();
    assert_eq!(e.code, Code::Unimplemented, "{e}");
    assert!(e.message.contains("NHWC only"), "{e}");
    assert!(e.to_string().contains("[[node conv2d]]"), "{e}");
    // Under soft placement the refusing device is passed over: the CPU runs it (its filter on
    // Vulkan is copied back), 1·2 everywhere.
    let soft = SessionConfig { allow_soft_placement: true, ..Default::default() };
    let s = open_session(Arc::clone(&b.graph), &soft).unwrap();
    let (value, placed) = run(&s, x, floats(&[1, 1, 4, 4], &[1.; 16]), conv);
    assert_eq!(value.shape().dims(), [1, 1, 4, 4]);
    assert_eq!(value.as_slice::<f32>().unwrap(), [2.0; 16]);
    assert_eq!(placed["conv2d"], CPU);
    assert_eq!(placed["const"], VULKAN, "{placed:?}");

    // A filter deeper than the input fails when the shapes meet, naming the node.
    let b = Builder::new();
    let x = b.placeholder(&[-1, -1, -1, -1]);
    let f = b.floats(&[1, 1, 3, 1], &[1., 1., 1.], PIN);
    let conv = b.add("Conv2D", &[x, f], window("VALID", [1, 1], None, "NHWC"), PIN);
    let s = open_session(Arc::clone(&b.graph), &SessionConfig::default()).unwrap();
    let feed = vec![(Endpoint::new(x, 0), floats(&[1, 2, 2, 2], &[1.; 8]))];
    let e = s.run(feed, &[Endpoint::new(conv, 0)], &[]).unwrap_err();
    assert_eq!(e.code, Code::InvalidArgument, "{e}");
    assert!(e.message.contains("input depth must be evenly divisible by filter depth: 2 vs 3"));
    assert!(e.to_string().contains("[[node conv2d]]"), "{e}");
}
