//! StridedSlice: every mask, negative strides, ellipses anywhere, new axes, shrinking, and
//! clamping. Each case names the numpy expression; expected values were computed with
//! TensorFlow 2.21 (`tf.raw_ops.StridedSlice` on `np.arange`).

use super::{FLAT, assert_iota, assert_strings, iota, string_iota};
use sessionflow_op_tests::core::{AttrMap, AttrValue, Code, DType, PartialShape, Tensor};
use sessionflow_op_tests::{OpCase, assert_values, tensor};

const X3: &[usize] = &[2, 3, 4];
const X1: &[usize] = &[8];

struct Case {
    x: &'static [usize],
    begin: &'static [i32],
    end: &'static [i32],
    strides: &'static [i32],
    /// begin, end, ellipsis, new_axis, shrink_axis.
    masks: [i64; 5],
    dims: &'static [usize],
    values: &'static [i32],
}

const MASKS: [&str; 5] =
    ["begin_mask", "end_mask", "ellipsis_mask", "new_axis_mask", "shrink_axis_mask"];

fn strided(x: Tensor, begin: &[i32], end: &[i32], strides: &[i32], masks: [i64; 5]) -> OpCase {
    let n = begin.len();
    let mut case = OpCase::new("StridedSlice")
        .input_tensor(x)
        .input(&[n], begin)
        .input(&[end.len()], end)
        .input(&[strides.len()], strides);
    for (name, m) in MASKS.iter().zip(masks) {
        case = case.attr_int(name, m);
    }
    case
}

#[rustfmt::skip]
const CASES: &[Case] = &[
    // x[1]
    Case { x: X3, begin: &[1], end: &[2], strides: &[1], masks: [0, 0, 0, 0, 1], dims: &[3, 4], values: &[12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23] },
    // x[:, 1:3]
    Case { x: X3, begin: &[0, 1], end: &[0, 3], strides: &[1, 1], masks: [1, 1, 0, 0, 0], dims: &[2, 2, 4], values: &[4, 5, 6, 7, 8, 9, 10, 11, 16, 17, 18, 19, 20, 21, 22, 23] },
    // x[::-1]
    Case { x: X3, begin: &[0], end: &[0], strides: &[-1], masks: [1, 1, 0, 0, 0], dims: &[2, 3, 4], values: &[12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11] },
    // x[:, ::-2, 1:]
    Case { x: X3, begin: &[0, 0, 1], end: &[0, 0, 0], strides: &[1, -2, 1], masks: [3, 7, 0, 0, 0], dims: &[2, 2, 3], values: &[9, 10, 11, 1, 2, 3, 21, 22, 23, 13, 14, 15] },
    // x[..., 1]
    Case { x: X3, begin: &[0, 1], end: &[0, 2], strides: &[1, 1], masks: [0, 0, 1, 0, 2], dims: &[2, 3], values: &[1, 5, 9, 13, 17, 21] },
    // x[1, ..., 2]
    Case { x: X3, begin: &[1, 0, 2], end: &[2, 0, 3], strides: &[1, 1, 1], masks: [0, 0, 2, 0, 5], dims: &[3], values: &[14, 18, 22] },
    // x[:, None, 1]
    Case { x: X3, begin: &[0, 0, 1], end: &[0, 0, 2], strides: &[1, 1, 1], masks: [1, 1, 0, 2, 4], dims: &[2, 1, 4], values: &[4, 5, 6, 7, 16, 17, 18, 19] },
    // x[None, ..., None]
    Case { x: X3, begin: &[0, 0, 0], end: &[0, 0, 0], strides: &[1, 1, 1], masks: [0, 0, 2, 5, 0], dims: &[1, 2, 3, 4, 1], values: &[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23] },
    // x[-1, -2:, ::-3]
    Case { x: X3, begin: &[-1, -2, 0], end: &[0, 0, 0], strides: &[1, 1, -3], masks: [4, 6, 0, 0, 1], dims: &[2, 2], values: &[19, 16, 23, 20] },
    // x[1:2, ..., ::-1]
    Case { x: X3, begin: &[1, 0, 0], end: &[2, 0, 0], strides: &[1, 1, -1], masks: [4, 4, 2, 0, 0], dims: &[1, 3, 4], values: &[15, 14, 13, 12, 19, 18, 17, 16, 23, 22, 21, 20] },
    // x[...]
    Case { x: X3, begin: &[0], end: &[0], strides: &[1], masks: [0, 0, 1, 0, 0], dims: &[2, 3, 4], values: &[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23] },
    // x[..., None]
    Case { x: X3, begin: &[0, 0], end: &[0, 0], strides: &[1, 1], masks: [0, 0, 1, 2, 0], dims: &[2, 3, 4, 1], values: &[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23] },
    // x[0, :, None, -1]
    Case { x: X3, begin: &[0, 0, 0, -1], end: &[1, 0, 0, 0], strides: &[1, 1, 1, 1], masks: [2, 2, 0, 4, 9], dims: &[3, 1], values: &[3, 7, 11] },
    // x[5:1:-1]
    Case { x: X1, begin: &[5], end: &[1], strides: &[-1], masks: [0, 0, 0, 0, 0], dims: &[4], values: &[5, 4, 3, 2] },
    // x[5:2]
    Case { x: X1, begin: &[5], end: &[2], strides: &[1], masks: [0, 0, 0, 0, 0], dims: &[0], values: &[] },
    // x[-100:100]
    Case { x: X1, begin: &[-100], end: &[100], strides: &[1], masks: [0, 0, 0, 0, 0], dims: &[8], values: &[0, 1, 2, 3, 4, 5, 6, 7] },
    // x[1::3]
    Case { x: X1, begin: &[1], end: &[0], strides: &[3], masks: [0, 1, 0, 0, 0], dims: &[3], values: &[1, 4, 7] },
    // x[6::-2]
    Case { x: X1, begin: &[6], end: &[0], strides: &[-2], masks: [0, 1, 0, 0, 0], dims: &[4], values: &[6, 4, 2, 0] },
    // x[:-3:-1]
    Case { x: X1, begin: &[0], end: &[-3], strides: &[-1], masks: [1, 0, 0, 0, 0], dims: &[2], values: &[7, 6] },
    // x[-3:-100:-2]
    Case { x: X1, begin: &[-3], end: &[-100], strides: &[-2], masks: [0, 0, 0, 0, 0], dims: &[3], values: &[5, 3, 1] },
    // x[:3] (begin 99 is masked out)
    Case { x: X1, begin: &[99], end: &[3], strides: &[1], masks: [1, 0, 0, 0, 0], dims: &[3], values: &[0, 1, 2] },
    // x[-1]
    Case { x: X1, begin: &[-1], end: &[0], strides: &[1], masks: [0, 0, 0, 0, 1], dims: &[], values: &[7] },
    // x[100:]
    Case { x: X1, begin: &[100], end: &[0], strides: &[1], masks: [0, 1, 0, 0, 0], dims: &[0], values: &[] },
    // x[::-1] masks over unused bits
    Case { x: X1, begin: &[0], end: &[0], strides: &[-1], masks: [15, 15, 0, 0, 0], dims: &[8], values: &[7, 6, 5, 4, 3, 2, 1, 0] },
];

#[test]
fn strided_slice_matches_tensorflow() {
    for c in CASES {
        let x = iota(DType::Int32, c.x);
        let t = strided(x, c.begin, c.end, c.strides, c.masks).output();
        assert_values(&t, c.dims, c.values);
    }
}

#[test]
fn strided_slice_for_every_dtype_and_index_type() {
    for dtype in FLAT {
        // x[:, ::-2, 1:] on arange(24).reshape(2, 3, 4)
        let t =
            strided(iota(dtype, X3), &[0, 0, 1], &[0, 0, 0], &[1, -2, 1], [3, 7, 0, 0, 0]).output();
        assert_iota(&t, dtype, &[2, 2, 3], &[9, 10, 11, 1, 2, 3, 21, 22, 23, 13, 14, 15]);
    }
    let s = strided(string_iota(&[5]), &[4], &[0], &[-2], [0, 1, 0, 0, 0]).output();
    assert_strings(&s, &[3], &[Some(4), Some(2), Some(0)]);
    // x[1:7:3] with int16 and int64 indices.
    let t = OpCase::new("StridedSlice")
        .input_tensor(iota(DType::Int32, X1))
        .input(&[1], &[1i16])
        .input(&[1], &[7i16])
        .input(&[1], &[3i16])
        .output();
    assert_values(&t, &[2], &[1i32, 4]);
    let t = OpCase::new("StridedSlice")
        .input_tensor(iota(DType::Int32, X1))
        .input(&[1], &[-2i64])
        .input(&[1], &[0i64])
        .input(&[1], &[1i64])
        .attr_int("end_mask", 1)
        .output();
    assert_values(&t, &[2], &[6i32, 7]);
}

#[test]
fn extreme_indices_clamp_instead_of_overflowing() {
    // x[i64::MIN:i64::MAX:i64::MAX] takes the first element only.
    let t = OpCase::new("StridedSlice")
        .input_tensor(iota(DType::Int32, X1))
        .input(&[1], &[i64::MIN])
        .input(&[1], &[i64::MAX])
        .input(&[1], &[i64::MAX])
        .output();
    assert_values(&t, &[1], &[0i32]);
    // x[i64::MAX::i64::MIN] on [8] (backwards from the end, one step).
    let t = OpCase::new("StridedSlice")
        .input_tensor(iota(DType::Int32, X1))
        .input(&[1], &[i64::MAX])
        .input(&[1], &[0i64])
        .input(&[1], &[i64::MIN])
        .attr_int("end_mask", 1)
        .output();
    assert_values(&t, &[1], &[7i32]);
    // A rank-70 input: mask bits stop at 63, the slice still works.
    let dims = [1usize; 70];
    let t = strided(iota(DType::Int32, &dims), &[0], &[1], &[1], [0; 5]).output();
    assert_eq!(t.shape().dims(), &dims);
}

#[test]
fn strided_slice_of_empty_tensors() {
    let t =
        strided(iota(DType::Float32, &[0, 3]), &[0, 1], &[0, 3], &[1, 1], [1, 1, 0, 0, 0]).output();
    assert_values(&t, &[0, 2], &[0f32; 0]);
    let t = strided(iota(DType::Float32, &[0]), &[0], &[0], &[-1], [1, 1, 0, 0, 0]).output();
    assert_values(&t, &[0], &[0f32; 0]);
}

#[test]
fn strided_slice_errors() {
    let x = || iota(DType::Float32, &[3]);
    strided(x(), &[0], &[2], &[0], [0; 5])
        .expect_error(Code::InvalidArgument, "strides[0] must be non-zero");
    strided(x(), &[5], &[6], &[1], [0, 0, 0, 0, 1])
        .expect_error(Code::InvalidArgument, "slice index 5 of dimension 0 out of bounds.");
    strided(x(), &[-4], &[-3], &[1], [0, 0, 0, 0, 1])
        .expect_error(Code::InvalidArgument, "slice index -1 of dimension 0 out of bounds.");
    strided(x(), &[0], &[1], &[-1], [0, 0, 0, 0, 1])
        .expect_error(Code::InvalidArgument, "only stride 1 allowed on non-range indexing.");
    strided(x(), &[0, 0], &[1, 1], &[1, 1], [0, 0, 3, 0, 0])
        .expect_error(Code::InvalidArgument, "Multiple ellipses in slice spec not allowed");
    strided(x(), &[0, 0], &[1, 1], &[1, 1], [0; 5]).expect_error(
        Code::InvalidArgument,
        "Index out of range using input dim 1; input has only 1 dims",
    );
    strided(x(), &[0, 0], &[1], &[1], [0; 5]).expect_error(Code::InvalidArgument, "");
    OpCase::new("StridedSlice")
        .input_tensor(x())
        .input(&[1, 1], &[0i32])
        .input(&[1, 1], &[1i32])
        .input(&[1, 1], &[1i32])
        .expect_error(Code::InvalidArgument, "");
    let n = 32;
    strided(x(), &vec![0; n], &vec![0; n], &vec![1; n], [0; 5])
        .expect_error(Code::InvalidArgument, "");
}

/// The static shape of a StridedSlice of a placeholder of `shape`, with constant
/// begin/end/strides (or a placeholder `end` when `end` is `None`).
fn inferred(
    shape: &[i64],
    begin: &[i32],
    end: Option<&[i32]>,
    strides: &[i32],
    masks: [i64; 5],
) -> PartialShape {
    use sessionflow::graph::{Endpoint, Graph, NodeSpec};
    let mut g = Graph::new();
    let mut add = |op: &str, name: &str, attrs: AttrMap, inputs: Vec<Endpoint>| {
        let spec =
            NodeSpec { op: op.into(), name: name.into(), attrs, inputs, ..Default::default() };
        Endpoint::new(g.add_node(spec).unwrap(), 0)
    };
    let konst = |v: &[i32]| -> AttrMap {
        [
            ("dtype".into(), AttrValue::Type(DType::Int32)),
            ("value".into(), AttrValue::Tensor(tensor(&[v.len()], v))),
        ]
        .into_iter()
        .collect()
    };
    let x_attrs: AttrMap = [
        ("dtype".into(), AttrValue::Type(DType::Float32)),
        ("shape".into(), AttrValue::Shape(PartialShape::from_i64(shape).unwrap())),
    ]
    .into_iter()
    .collect();
    let x = add("Placeholder", "x", x_attrs, vec![]);
    let b = add("Const", "b", konst(begin), vec![]);
    let e = match end {
        Some(end) => add("Const", "e", konst(end), vec![]),
        None => {
            let attrs: AttrMap = [
                ("dtype".into(), AttrValue::Type(DType::Int32)),
                (
                    "shape".into(),
                    AttrValue::Shape(PartialShape::from_i64(&[begin.len() as i64]).unwrap()),
                ),
            ]
            .into_iter()
            .collect();
            add("Placeholder", "e", attrs, vec![])
        }
    };
    let s = add("Const", "s", konst(strides), vec![]);
    let attrs: AttrMap =
        MASKS.iter().zip(masks).map(|(n, m)| (n.to_string(), AttrValue::Int(m))).collect();
    let out = add("StridedSlice", "ss", attrs, vec![x, b, e, s]);
    g.node(out.node).unwrap().output_shapes[0].clone()
}

#[test]
fn strided_slice_shapes_are_inferred_from_constants() {
    let p = |d: &[i64]| PartialShape::from_i64(d).unwrap();
    // x[:, 1] on [?, 3, 4] → [?, 4]
    assert_eq!(
        inferred(&[-1, 3, 4], &[0, 1], Some(&[0, 2]), &[1, 1], [1, 1, 0, 0, 2]),
        p(&[-1, 4])
    );
    // x[1:, ..., None, ::-2] on [5, ?, 4] → [4, ?, 1, 2]
    assert_eq!(
        inferred(&[5, -1, 4], &[1, 0, 0, 0], Some(&[0, 0, 0, 0]), &[1, 1, 1, -2], [8, 9, 2, 4, 0]),
        p(&[4, -1, 1, 2])
    );
    // Unknown end: only masked and shrunk dimensions are known. x[b:e, :, 0] on [5, 3, 4].
    assert_eq!(inferred(&[5, 3, 4], &[0, 0, 0], None, &[1, 1, 1], [2, 2, 0, 0, 4]), p(&[-1, 3]));
}
