//! Image resizing: `ResizeBilinear`, `ResizeNearestNeighbor` and their gradient ops, in each
//! pixel mapping TensorFlow allows (legacy, `align_corners`, `half_pixel_centers`). Expected
//! values were computed with TensorFlow 2.21 (`image/expected.rs`).

#[path = "image/expected.rs"]
#[allow(dead_code)]
mod expected;

use expected::*;
use sessionflow_op_tests::core::{AttrValue, Code, DType};
use sessionflow_op_tests::{OpCase, assert_close, assert_values, tensor, tensor_of};

/// The 1×3×4×2 image of the expectations: `i·0.5 − 3`.
fn image(dtype: DType) -> sessionflow_op_tests::core::Tensor {
    let data: Vec<f64> = (0..24).map(|i| i as f64 * 0.5 - 3.0).collect();
    tensor_of(dtype, &[1, 3, 4, 2], &data)
}

/// The 1×5×3×2 incoming gradient of the expectations: `i·0.25 − 2`.
fn grads() -> sessionflow_op_tests::core::Tensor {
    let data: Vec<f32> = (0..30).map(|i| i as f32 * 0.25 - 2.0).collect();
    tensor(&[1, 5, 3, 2], &data)
}

/// The three mappings TensorFlow accepts: (align_corners, half_pixel_centers).
const MAPPINGS: [(bool, bool); 3] = [(false, false), (true, false), (false, true)];

fn resize(
    op: &str,
    input: sessionflow_op_tests::core::Tensor,
    size: [i32; 2],
    m: (bool, bool),
) -> OpCase {
    OpCase::new(op)
        .input_tensor(input)
        .input(&[2], &size)
        .attr("align_corners", AttrValue::Bool(m.0))
        .attr("half_pixel_centers", AttrValue::Bool(m.1))
}

#[test]
fn bilinear_resizes_match_tensorflow_in_every_mapping() {
    let expected: [[&[f64]; 2]; 3] = [
        [&BILINEAR_LEGACY_5X3, &BILINEAR_LEGACY_2X6],
        [&BILINEAR_ALIGNED_5X3, &BILINEAR_ALIGNED_2X6],
        [&BILINEAR_HALF_PIXEL_5X3, &BILINEAR_HALF_PIXEL_2X6],
    ];
    for (m, want) in MAPPINGS.iter().zip(expected) {
        for (size, want) in [[5, 3], [2, 6]].into_iter().zip(want) {
            // Every input type computes in f32 and gives float32 (exact inputs here).
            for dtype in [DType::Float32, DType::Float64, DType::Float16] {
                let out = resize("ResizeBilinear", image(dtype), size, *m).output();
                let dims = [1, size[0] as usize, size[1] as usize, 2];
                assert_close(&out, DType::Float32, &dims, want, 1e-6);
            }
        }
    }
}

#[test]
fn bilinear_resizes_of_integers_give_floats() {
    let out =
        resize("ResizeBilinear", tensor(&[1, 2, 2, 1], &[0i32, 10, 20, 35]), [3, 3], (false, true))
            .output();
    assert_close(&out, DType::Float32, &[1, 3, 3, 1], &BILINEAR_INT32_HALF_PIXEL_3X3, 0.0);
}

#[test]
fn nearest_resizes_match_tensorflow_in_every_mapping() {
    let expected: [[&[f64]; 2]; 3] = [
        [&NEAREST_LEGACY_5X3, &NEAREST_LEGACY_2X6],
        [&NEAREST_ALIGNED_5X3, &NEAREST_ALIGNED_2X6],
        [&NEAREST_HALF_PIXEL_5X3, &NEAREST_HALF_PIXEL_2X6],
    ];
    for (m, want) in MAPPINGS.iter().zip(expected) {
        for (size, want) in [[5, 3], [2, 6]].into_iter().zip(want) {
            let dims = [1, size[0] as usize, size[1] as usize, 2];
            for dtype in [DType::Float32, DType::BFloat16] {
                let out = resize("ResizeNearestNeighbor", image(dtype), size, *m).output();
                assert_close(&out, dtype, &dims, want, 0.0);
            }
            // Copies keep the dtype: integer pixels come out as they went in.
            let ints: Vec<i32> = (0..24).collect();
            let out =
                resize("ResizeNearestNeighbor", tensor(&[1, 3, 4, 2], &ints), size, *m).output();
            let want: Vec<i32> = want.iter().map(|&v| ((v + 3.0) * 2.0) as i32).collect();
            assert_values(&out, &dims, &want);
        }
    }
}

#[test]
fn resize_gradients_match_tensorflow_in_every_mapping() {
    let bilinear = [&BILINEAR_GRAD_LEGACY, &BILINEAR_GRAD_ALIGNED, &BILINEAR_GRAD_HALF_PIXEL];
    let nearest = [&NEAREST_GRAD_LEGACY, &NEAREST_GRAD_ALIGNED, &NEAREST_GRAD_HALF_PIXEL];
    for ((m, b), n) in MAPPINGS.iter().zip(bilinear).zip(nearest) {
        let attrs = |c: OpCase| {
            c.attr("align_corners", AttrValue::Bool(m.0))
                .attr("half_pixel_centers", AttrValue::Bool(m.1))
        };
        let out = attrs(
            OpCase::new("ResizeBilinearGrad")
                .input_tensor(grads())
                .input_tensor(image(DType::Float32)),
        )
        .output();
        assert_close(&out, DType::Float32, &[1, 3, 4, 2], b, 1e-6);
        // The original image only gives the output its shape and type.
        let out = attrs(
            OpCase::new("ResizeBilinearGrad")
                .input_tensor(grads())
                .input_tensor(image(DType::Float64)),
        )
        .output();
        assert_close(&out, DType::Float64, &[1, 3, 4, 2], b, 1e-6);
        let out = attrs(
            OpCase::new("ResizeNearestNeighborGrad").input_tensor(grads()).input(&[2], &[3i32, 4]),
        )
        .output();
        assert_close(&out, DType::Float32, &[1, 3, 4, 2], n, 0.0);
    }
}

#[test]
fn resizes_refuse_bad_sizes_and_mappings() {
    resize("ResizeBilinear", image(DType::Float32), [3, 3], (true, true)).expect_error(
        Code::InvalidArgument,
        "If half_pixel_centers is True, align_corners must be False.",
    );
    resize("ResizeNearestNeighbor", image(DType::Float32), [0, 3], (false, false))
        .expect_error(Code::InvalidArgument, "");
    OpCase::new("ResizeBilinear")
        .input_tensor(image(DType::Float32))
        .input(&[3], &[1i32, 2, 3])
        .expect_error(Code::InvalidArgument, "");
    OpCase::new("ResizeNearestNeighbor")
        .input(&[3, 4], &[0f32; 12])
        .input(&[2], &[2i32, 2])
        .expect_error(Code::InvalidArgument, "");
}

#[test]
fn resized_shapes_are_known_at_build_time_from_constant_sizes() {
    use sessionflow::graph::{Endpoint, Graph, NodeSpec};
    use sessionflow_op_tests::core::{AttrMap, PartialShape};
    let mut g = Graph::new();
    let mut attrs = AttrMap::new();
    attrs.insert("dtype".into(), AttrValue::Type(DType::Float32));
    attrs.insert("shape".into(), AttrValue::Shape(PartialShape::from_i64(&[-1, 7, 9, 3]).unwrap()));
    let x = g
        .add_node(NodeSpec {
            op: "Placeholder".into(),
            name: "x".into(),
            attrs,
            ..Default::default()
        })
        .unwrap();
    let mut attrs = AttrMap::new();
    attrs.insert("dtype".into(), AttrValue::Type(DType::Int32));
    attrs.insert("value".into(), AttrValue::Tensor(tensor(&[2], &[14i32, 18])));
    let size = g
        .add_node(NodeSpec { op: "Const".into(), name: "size".into(), attrs, ..Default::default() })
        .unwrap();
    for op in ["ResizeBilinear", "ResizeNearestNeighbor"] {
        let id = g
            .add_node(NodeSpec {
                op: op.into(),
                name: op.into(),
                inputs: vec![Endpoint::new(x, 0), Endpoint::new(size, 0)],
                ..Default::default()
            })
            .unwrap();
        let node = g.node(id).unwrap();
        assert_eq!(
            node.output_shapes[0],
            PartialShape::from_i64(&[-1, 14, 18, 3]).unwrap(),
            "{op}"
        );
    }
}
