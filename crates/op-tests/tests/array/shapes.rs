//! Static shape inference with partly known inputs, against the shapes TensorFlow 2.21
//! infers for the same graphs (`tf.compat.v1.placeholder` inputs, constant attrs/indices).

use sessionflow::graph::{Endpoint, Graph, NodeSpec};
use sessionflow_op_tests::core::{AttrMap, AttrValue, Code, DType, PartialShape, Tensor};
use sessionflow_op_tests::tensor;

/// An input of the node under test.
enum In {
    /// A placeholder of this dtype and shape (`None`: unknown rank; -1: unknown dimension).
    Ph(DType, Option<&'static [i64]>),
    /// A constant.
    K(Tensor),
}

fn ph(shape: &'static [i64]) -> In {
    In::Ph(DType::Float32, Some(shape))
}

fn ints(v: &[i32]) -> In {
    In::K(tensor(&[v.len()], v))
}

fn scalar(v: i32) -> In {
    In::K(tensor(&[], &[v]))
}

/// The inferred output shapes of `op` over `inputs`, or the build error.
fn infer(
    op: &str,
    inputs: Vec<In>,
    attrs: &[(&str, AttrValue)],
) -> Result<Vec<PartialShape>, sessionflow_op_tests::core::Status> {
    let mut g = Graph::new();
    let mut eps = Vec::new();
    for (i, input) in inputs.into_iter().enumerate() {
        let mut a = AttrMap::new();
        let op = match input {
            In::Ph(dtype, shape) => {
                a.insert("dtype".into(), AttrValue::Type(dtype));
                if let Some(s) = shape {
                    a.insert("shape".into(), AttrValue::Shape(PartialShape::from_i64(s).unwrap()));
                }
                "Placeholder"
            }
            In::K(t) => {
                a.insert("dtype".into(), AttrValue::Type(t.dtype()));
                a.insert("value".into(), AttrValue::Tensor(t));
                "Const"
            }
        };
        let spec =
            NodeSpec { op: op.into(), name: format!("in{i}"), attrs: a, ..Default::default() };
        eps.push(Endpoint::new(g.add_node(spec)?, 0));
    }
    let attrs: AttrMap = attrs.iter().map(|(k, v)| (k.to_string(), v.clone())).collect();
    let spec =
        NodeSpec { op: op.into(), name: "op".into(), inputs: eps, attrs, ..Default::default() };
    let id = g.add_node(spec)?;
    Ok(g.node(id)?.output_shapes.clone())
}

#[track_caller]
fn check(op: &str, inputs: Vec<In>, attrs: &[(&str, AttrValue)], expected: &[Option<&[i64]>]) {
    let got = infer(op, inputs, attrs).unwrap_or_else(|e| panic!("{op}: {e}"));
    let want: Vec<PartialShape> = expected
        .iter()
        .map(|s| s.map_or_else(PartialShape::unknown, |s| PartialShape::from_i64(s).unwrap()))
        .collect();
    assert_eq!(got, want, "{op}");
}

fn int(v: i64) -> AttrValue {
    AttrValue::Int(v)
}

#[test]
fn reshape_and_friends() {
    check("Reshape", vec![ph(&[-1, 3]), ints(&[-1, 6])], &[], &[Some(&[-1, 6])]);
    check("Reshape", vec![ph(&[2, 3]), ints(&[-1, 3])], &[], &[Some(&[2, 3])]);
    check("Reshape", vec![ph(&[0, -1]), ints(&[-1, 3])], &[], &[Some(&[0, 3])]);
    check("Reshape", vec![ph(&[2, -1]), ints(&[4, -1])], &[], &[Some(&[4, -1])]);
    check("Reshape", vec![ph(&[2, 3]), In::Ph(DType::Int32, Some(&[2]))], &[], &[Some(&[-1, -1])]);
    let err = infer("Reshape", vec![ph(&[4, -1]), ints(&[2, 3])], &[]).unwrap_err();
    assert_eq!(err.code, Code::InvalidArgument);
    assert!(err.message.contains("Dimension size must be evenly divisible by 4 but is 6"), "{err}");
    check("ExpandDims", vec![ph(&[-1, 3]), scalar(-1)], &[], &[Some(&[-1, 3, 1])]);
    check("Squeeze", vec![ph(&[-1, 1])], &[], &[None]);
    check(
        "Squeeze",
        vec![ph(&[-1, 1])],
        &[("squeeze_dims", AttrValue::ListInt(vec![1]))],
        &[Some(&[-1])],
    );
    check(
        "Squeeze",
        vec![ph(&[-1, 1])],
        &[("squeeze_dims", AttrValue::ListInt(vec![0]))],
        &[Some(&[1])],
    );
}

#[test]
fn transpose_tile_pad_broadcast_reverse() {
    check(
        "Transpose",
        vec![In::Ph(DType::Float32, None), ints(&[2, 0, 1])],
        &[],
        &[Some(&[-1, -1, -1])],
    );
    check("Transpose", vec![ph(&[-1, 3, 4]), ints(&[2, 0, 1])], &[], &[Some(&[4, -1, 3])]);
    check(
        "Transpose",
        vec![ph(&[-1, 3]), In::Ph(DType::Int32, Some(&[2]))],
        &[],
        &[Some(&[-1, -1])],
    );
    check("Tile", vec![ph(&[-1, 3]), ints(&[2, 0])], &[], &[Some(&[-1, 0])]);
    check("Tile", vec![ph(&[-1, 3]), ints(&[1, 2])], &[], &[Some(&[-1, 6])]);
    check("Tile", vec![ph(&[-1, 3]), In::Ph(DType::Int32, Some(&[2]))], &[], &[Some(&[-1, -1])]);
    let pads = || In::K(tensor(&[2, 2], &[1i32, 1, 2, 0]));
    check("Pad", vec![ph(&[-1, 3]), pads()], &[], &[Some(&[-1, 5])]);
    check("Pad", vec![In::Ph(DType::Float32, None), pads()], &[], &[Some(&[-1, -1])]);
    // MirrorPad's limits are checked by the kernel only, as in TensorFlow.
    let mode = [("mode", AttrValue::String("REFLECT".into()))];
    check("MirrorPad", vec![ph(&[3]), In::K(tensor(&[1, 2], &[3i32, 0]))], &mode, &[Some(&[6])]);
    check("BroadcastTo", vec![ph(&[-1, 3]), ints(&[2, -1, -1])], &[], &[Some(&[2, -1, 3])]);
    check("ReverseV2", vec![ph(&[-1, 3]), ints(&[1])], &[], &[Some(&[-1, 3])]);
}

#[test]
fn join_and_split() {
    check("ConcatV2", vec![ph(&[-1, 3]), ph(&[2, -1]), scalar(0)], &[], &[Some(&[-1, 3])]);
    check("ConcatV2", vec![ph(&[-1, 3]), ph(&[2, -1]), scalar(1)], &[], &[Some(&[2, -1])]);
    let axis_ph = || In::Ph(DType::Int32, Some(&[]));
    check(
        "ConcatV2",
        vec![ph(&[-1, 3]), In::Ph(DType::Float32, None), axis_ph()],
        &[],
        &[Some(&[-1, -1])],
    );
    check("ConcatV2", vec![ph(&[2, 3]), ph(&[4, 3]), scalar(-2)], &[], &[Some(&[6, 3])]);
    check("Pack", vec![ph(&[-1, 3]), ph(&[2, -1])], &[("axis", int(1))], &[Some(&[2, 2, 3])]);
    let split = |axis: In| vec![axis, ph(&[-1, 4])];
    check("Split", split(scalar(1)), &[("num_split", int(2))], &[Some(&[-1, 2]), Some(&[-1, 2])]);
    check("Split", split(axis_ph()), &[("num_split", int(2))], &[Some(&[-1, -1]), Some(&[-1, -1])]);
    let sv = |x: &'static [i64], sizes: In| vec![ph(x), sizes, scalar(1)];
    let n2 = [("num_split", int(2))];
    check("SplitV", sv(&[-1, 4], ints(&[1, -1])), &n2, &[Some(&[-1, 1]), Some(&[-1, 3])]);
    check("SplitV", sv(&[-1, -1], ints(&[1, -1])), &n2, &[Some(&[-1, 1]), Some(&[-1, -1])]);
    let sizes_ph = || In::Ph(DType::Int32, Some(&[2]));
    check("SplitV", sv(&[-1, 4], sizes_ph()), &n2, &[Some(&[-1, -1]), Some(&[-1, -1])]);
    let unpack = [("num", int(3)), ("axis", int(1))];
    check("Unpack", vec![ph(&[-1, 3])], &unpack, &[Some(&[-1]), Some(&[-1]), Some(&[-1])]);
}

#[test]
fn slices() {
    check("Slice", vec![ph(&[-1, 5]), ints(&[0, 1]), ints(&[-1, 2])], &[], &[Some(&[-1, 2])]);
    check("Slice", vec![ph(&[4, 5]), ints(&[1, 1]), ints(&[-1, -1])], &[], &[Some(&[3, 4])]);
    let begin_ph = In::Ph(DType::Int32, Some(&[2]));
    check("Slice", vec![ph(&[4, 5]), begin_ph, ints(&[-1, 2])], &[], &[Some(&[-1, 2])]);
}
