//! Fill, ZerosLike, OnesLike, Range, StopGradient and PlaceholderWithDefault.

use super::{FLAT, any_tensor, assert_any, strings};
use half::{bf16, f16};
use sessionflow_op_tests::core::{AttrMap, AttrValue, Code, DType, PartialShape, Tensor};
use sessionflow_op_tests::{InputMode, OpCase, assert_values, string_tensor, tensor};

fn fill(dims: &[i32], value: Tensor) -> OpCase {
    OpCase::new("Fill").input(&[dims.len()], dims).input_tensor(value)
}

#[test]
fn fill_every_dtype() {
    for dtype in FLAT.into_iter().chain([DType::String]) {
        let t = fill(&[2, 3], any_tensor(dtype, &[], &[7.])).output();
        assert_any(&t, dtype, &[2, 3], &[7.; 6]);
    }
    let t = OpCase::new("Fill").input(&[1], &[2i64]).input(&[], &[1.5f64]).output();
    assert_values(&t, &[2], &[1.5f64, 1.5]);
    assert_values(&fill(&[], tensor(&[], &[4u8])).output(), &[], &[4u8]);
    assert_values::<i16>(&fill(&[0, 3], tensor(&[], &[4i16])).output(), &[0, 3], &[]);
    let big = fill(&[300, 300], tensor(&[], &[-2i32])).output();
    assert!(big.as_slice::<i32>().unwrap().iter().all(|&v| v == -2));
}

#[test]
fn fill_errors() {
    fill(&[2, -3], tensor(&[], &[7i32])).expect_error(Code::InvalidArgument, "");
    let err =
        fill(&[2, -3], tensor(&[], &[7i32])).run_mode(InputMode::FedUnknownShape).unwrap_err();
    assert_eq!(err.message, "Dimension -3 must be >= 0");
    OpCase::new("Fill")
        .input(&[1, 2], &[2i32, 3])
        .input(&[], &[7i32])
        .expect_error(Code::InvalidArgument, "");
    fill(&[2], tensor(&[2], &[7i32, 8])).expect_error(Code::InvalidArgument, "");
    // TF's kernel (not its shape function) takes a one-element vector as the value.
    let t = fill(&[2], tensor(&[1], &[7i32])).run_mode(InputMode::FedUnknownShape).unwrap();
    assert_values(&t[0], &[2], &[7, 7]);
}

#[test]
fn zeros_like_and_ones_like() {
    for dtype in FLAT {
        let x = any_tensor(dtype, &[2, 2], &[3., 4., 5., 6.]);
        let z = OpCase::new("ZerosLike").input_tensor(x.clone()).output();
        assert_any(&z, dtype, &[2, 2], &[0.; 4]);
        let o = OpCase::new("OnesLike").input_tensor(x).output();
        assert_any(&o, dtype, &[2, 2], &[1.; 4]);
    }
    let z = OpCase::new("ZerosLike").input_tensor(string_tensor(&[2], &["a", "b"])).output();
    assert_eq!(strings(&z), ["", ""]);
    OpCase::new("OnesLike")
        .input_tensor(string_tensor(&[1], &["a"]))
        .expect_error(Code::InvalidArgument, "");
    let z = OpCase::new("ZerosLike").input(&[0, 2], &[] as &[f32]).output();
    assert_values::<f32>(&z, &[0, 2], &[]);
}

fn range<T: sessionflow_op_tests::core::Element>(start: T, limit: T, delta: T) -> OpCase {
    OpCase::new("Range").input(&[], &[start]).input(&[], &[limit]).input(&[], &[delta])
}

#[test]
fn integer_ranges() {
    assert_values(&range(1i32, 10, 3).output(), &[3], &[1, 4, 7]);
    assert_values(&range(10i32, 1, -3).output(), &[3], &[10, 7, 4]);
    assert_values::<i32>(&range(3i32, 3, -3).output(), &[0], &[]);
    // TF: the span exceeds int32 but the size is still exact.
    let t = range(i32::MIN, i32::MAX, 1 << 30).output();
    assert_values(&t, &[4], &[i32::MIN, -(1 << 30), 0, 1 << 30]);
    let t = range(-(1i64 << 62), 1 << 62, 1 << 61).output();
    assert_values(&t, &[4], &[-(1i64 << 62), -(1 << 61), 0, 1 << 61]);
}

#[test]
fn float_ranges_compute_start_plus_i_delta() {
    // TF: range(1., 2., 0.3) = [1, 1.3, 1.6, 1.9000001] in float32.
    assert_values(&range(1f32, 2., 0.3).output(), &[4], &[1f32, 1.3, 1.6, 1.900_000_1]);
    assert_values(&range(5f32, -1., -1.5).output(), &[4], &[5f32, 3.5, 2., 0.5]);
    // TF (float64): 3 * 0.1 is 0.30000000000000004, 0.5 + 2 * -0.3 is -0.09999999999999998.
    let t = range(0f64, 1., 0.1).output();
    assert_eq!(t.shape().dims(), &[10]);
    let v = t.as_slice::<f64>().unwrap();
    assert_eq!((v[3], v[6], v[9]), (0.30000000000000004, 0.6000000000000001, 0.9));
    let t = range(0.5f64, -1., -0.3).output();
    assert_values(&t, &[5], &[0.5, 0.2, -0.09999999999999998, -0.3999999999999999, -0.7]);
    // TF's bits for bfloat16 and float16 range(0, 1, 0.1).
    let t = range(bf16::from_f32(0.), bf16::from_f32(1.), bf16::from_f32(0.1)).output();
    let bits: Vec<u16> = t.as_slice::<bf16>().unwrap().iter().map(|v| v.to_bits()).collect();
    assert_eq!(bits, [0x0, 0x3dcd, 0x3e4d, 0x3e9a, 0x3ecd, 0x3f00, 0x3f1a, 0x3f33, 0x3f4d, 0x3f67]);
    let t = range(f16::from_f32(0.), f16::from_f32(1.), f16::from_f32(0.1)).output();
    let bits: Vec<u16> = t.as_slice::<f16>().unwrap().iter().map(|v| v.to_bits()).collect();
    assert_eq!(bits, [0x0, 0x2e66, 0x3266, 0x34cc, 0x3666, 0x3800, 0x38cc, 0x3999, 0x3a66, 0x3b33]);
    // TF: size in bfloat16 arithmetic is 272, the last elements 296, 298, 300.
    let t = range(bf16::from_f32(0.), bf16::from_f32(300.), bf16::from_f32(1.1)).output();
    let v = t.as_slice::<bf16>().unwrap();
    assert_eq!(v.len(), 272);
    assert_eq!(v[269..].iter().map(|x| x.to_bits()).collect::<Vec<_>>(), [0x4394, 0x4395, 0x4396]);
    let t = range(f16::from_f32(0.), f16::from_f32(300.), f16::from_f32(1.1)).output();
    let v = t.as_slice::<f16>().unwrap();
    assert_eq!(
        v[v.len() - 3..].iter().map(|x| x.to_bits()).collect::<Vec<_>>(),
        [0x5ca4, 0x5ca8, 0x5cac]
    );
}

#[test]
fn range_errors() {
    range(1i32, 10, 0).expect_error(Code::InvalidArgument, "Requires delta != 0: 0");
    range(10i32, 1, 3)
        .expect_error(Code::InvalidArgument, "Requires start <= limit when delta > 0: 10/1");
    range(1i64, 10, -3)
        .expect_error(Code::InvalidArgument, "Requires start >= limit when delta < 0: 1/10");
    range(0f32, f32::INFINITY, 1.).expect_error(
        Code::InvalidArgument,
        "Requires ((limit - start) / delta) <= 9223372036854775807",
    );
    range(0f32, f32::NAN, 1.)
        .expect_error(Code::InvalidArgument, "Requires start <= limit when delta > 0");
    // Range is defined for int8, but TF has no CPU kernel for it.
    range(1i8, 10, 3).expect_error(Code::InvalidArgument, "");
    OpCase::new("Range")
        .input(&[2], &[1i32, 2])
        .input(&[], &[10i32])
        .input(&[], &[1i32])
        .expect_error(Code::InvalidArgument, "");
}

#[test]
fn stop_gradient_forwards_every_dtype() {
    for dtype in FLAT.into_iter().chain([DType::String]) {
        let t = OpCase::new("StopGradient")
            .input_tensor(any_tensor(dtype, &[3], &[1., 0., 2.]))
            .output();
        assert_any(&t, dtype, &[3], &[1., 0., 2.]);
    }
}

#[test]
fn placeholder_with_default_yields_its_input_with_the_shape_attr() {
    let t = OpCase::new("PlaceholderWithDefault")
        .input(&[3], &[1i32, 2, 3])
        .attr_shape("shape", &[-1])
        .output();
    assert_values(&t, &[3], &[1, 2, 3]);
    let s = OpCase::new("PlaceholderWithDefault")
        .input_tensor(string_tensor(&[], &["x"]))
        .attr_shape("shape", &[])
        .output();
    assert_eq!(strings(&s), ["x"]);
    // The default must fit the declared shape (TF's "Dimension 0 in both shapes must be equal").
    let bad =
        OpCase::new("PlaceholderWithDefault").input(&[3], &[1i32, 2, 3]).attr_shape("shape", &[2]);
    let err = bad.run_mode(InputMode::Const).unwrap_err();
    assert!(
        err.message.contains("Dimension 0 in both shapes must be equal, but are 3 and 2"),
        "{err}"
    );
    OpCase::new("PlaceholderWithDefault")
        .input(&[1], &[1i32])
        .expect_error(Code::InvalidArgument, "shape");
}

#[test]
fn placeholder_with_default_can_be_fed() {
    use sessionflow::graph::{Endpoint, Graph, NodeSpec};
    use std::sync::{Arc, RwLock};
    let graph = Arc::new(RwLock::new(Graph::new()));
    let pwd = {
        let mut g = graph.write().unwrap();
        let mut attrs = AttrMap::new();
        attrs.insert("dtype".into(), AttrValue::Type(DType::Float32));
        attrs.insert("value".into(), AttrValue::Tensor(tensor(&[2], &[1f32, 2.])));
        let c = g
            .add_node(NodeSpec {
                op: "Const".into(),
                name: "c".into(),
                attrs,
                ..Default::default()
            })
            .unwrap();
        let mut attrs = AttrMap::new();
        attrs.insert("shape".into(), AttrValue::Shape(PartialShape::new(vec![None])));
        let spec = NodeSpec {
            op: "PlaceholderWithDefault".into(),
            name: "p".into(),
            inputs: vec![Endpoint::new(c, 0)],
            attrs,
            ..Default::default()
        };
        let id = g.add_node(spec).unwrap();
        assert_eq!(g.node(id).unwrap().output_shapes[0], PartialShape::new(vec![None]));
        Endpoint::new(id, 0)
    };
    let session = sessionflow::open_session(graph, &sessionflow::SessionConfig::default()).unwrap();
    let out = session.run(vec![], &[pwd], &[]).unwrap();
    assert_values(&out[0], &[2], &[1f32, 2.]);
    let out = session.run(vec![(pwd, tensor(&[3], &[7f32, 8., 9.]))], &[pwd], &[]).unwrap();
    assert_values(&out[0], &[3], &[7f32, 8., 9.]);
}
