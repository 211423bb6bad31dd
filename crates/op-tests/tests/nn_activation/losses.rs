//! SoftmaxCrossEntropyWithLogits, SparseSoftmaxCrossEntropyWithLogits and L2Loss.

use sessionflow_op_tests::core::{Code, DType, Tensor};
use sessionflow_op_tests::{
    InputMode, OpCase, assert_close, assert_values, tensor, tensor_of, tolerance,
};

fn features() -> Tensor {
    tensor(&[2, 3], &[1f64, 2., 3., 1., 1., 1.])
}

fn xent(f: Tensor, l: Tensor) -> Vec<Tensor> {
    OpCase::new("SoftmaxCrossEntropyWithLogits").input_tensor(f).input_tensor(l).outputs()
}

const LOSS: [f64; 2] = [0.4076059644443804, 1.0986122886681098];
const ROW0: [f64; 3] = [0.09003057317038046, 0.2447284710547976, -0.3347590442251782];

#[test]
fn dense_cross_entropy() {
    let out = xent(features(), tensor(&[2, 3], &[0f64, 0., 1., 0.5, 0.5, 0.]));
    assert_close(&out[0], DType::Float64, &[2], &LOSS, 1e-15);
    let back = [ROW0.as_slice(), &[-0.16666666666666669, -0.16666666666666669, 0.3333333333333333]]
        .concat();
    assert_close(&out[1], DType::Float64, &[2, 3], &back, 1e-15);
    for dtype in [DType::Float32, DType::Float16, DType::BFloat16] {
        let f = tensor_of(dtype, &[2, 3], &[1., 2., 3., 1., 1., 1.]);
        let out = xent(f, tensor_of(dtype, &[2, 3], &[0., 0., 1., 0.5, 0.5, 0.]));
        assert_close(&out[0], dtype, &[2], &LOSS, tolerance(dtype));
        assert_close(&out[1], dtype, &[2, 3], &back, tolerance(dtype));
    }
}

#[test]
fn dense_labels_and_features_broadcast() {
    let back1 =
        [ROW0.as_slice(), &[0.3333333333333333, 0.3333333333333333, -0.6666666666666667]].concat();
    for labels in [tensor(&[1, 3], &[0f64, 0., 1.]), tensor(&[3], &[0f64, 0., 1.])] {
        let out = xent(features(), labels);
        assert_close(&out[0], DType::Float64, &[2], &LOSS, 1e-15);
        assert_close(&out[1], DType::Float64, &[2, 3], &back1, 1e-15);
    }
    let out =
        xent(tensor(&[1, 3], &[1f64, 2., 3.]), tensor(&[2, 3], &[0f64, 0., 1., 0.5, 0.5, 0.]));
    assert_close(&out[0], DType::Float64, &[2], &[0.4076059644443804, 1.9076059644443806], 1e-15);
    let row1 = [-0.40996942682961957, -0.25527152894520233, 0.6652409557748218];
    assert_close(&out[1], DType::Float64, &[2, 3], &[ROW0.as_slice(), &row1].concat(), 1e-15);
}

#[test]
fn dense_cross_entropy_edge_cases() {
    let out = xent(tensor(&[1, 2], &[1000f64, 0.]), tensor(&[1, 2], &[0f64, 1.]));
    assert_close(&out[0], DType::Float64, &[1], &[1000.], 0.0);
    assert_close(&out[1], DType::Float64, &[1, 2], &[1., -1.], 0.0);
    let out = xent(tensor(&[1, 2], &[f64::NEG_INFINITY, 0.]), tensor(&[1, 2], &[0f64, 1.]));
    assert_close(&out[0], DType::Float64, &[1], &[f64::NAN], 0.0);
    assert_close(&out[1], DType::Float64, &[1, 2], &[0., 0.], 0.0);
    let out = xent(tensor(&[2, 0], &[0f32; 0]), tensor(&[2, 0], &[0f32; 0]));
    assert_values(&out[0], &[2], &[0f32; 2]);
    assert_values(&out[1], &[2, 0], &[0f32; 0]);
    let out = xent(tensor(&[0, 3], &[0f32; 0]), tensor(&[0, 3], &[0f32; 0]));
    assert_values(&out[0], &[0], &[0f32; 0]);
    // 10000 rows of two equal logits with one-hot labels: loss ln 2, backprop ±0.5.
    let out = xent(tensor(&[10_000, 4], &vec![0f64; 40_000]), {
        let l: Vec<f64> = (0..40_000).map(|i| if i % 4 == 1 { 1. } else { 0. }).collect();
        tensor(&[10_000, 4], &l)
    });
    let (loss, back) = (out[0].as_slice::<f64>().unwrap(), out[1].as_slice::<f64>().unwrap());
    assert!((loss[9_999] - 4f64.ln()).abs() < 1e-15);
    assert_eq!(&back[39_996..], &[0.25, -0.75, 0.25, 0.25]);
}

#[test]
fn dense_cross_entropy_errors() {
    let z = |d: &[usize]| tensor(d, &vec![0f32; d.iter().product()]);
    let case = |f: &[usize], l: &[usize]| {
        OpCase::new("SoftmaxCrossEntropyWithLogits").input_tensor(z(f)).input_tensor(z(l))
    };
    case(&[2], &[2]).expect_error(Code::InvalidArgument, "rank 2");
    case(&[2, 3], &[2, 4]).expect_error(Code::InvalidArgument, "3 and 4");
    case(&[1, 2, 3], &[1, 2, 3]).expect_error(Code::InvalidArgument, "");
    let e = case(&[2, 3], &[2, 4]).run_mode(InputMode::FedUnknownShape).unwrap_err();
    assert!(
        e.message.contains(
            "logits and labels must be broadcastable: logits_size=[2,3] labels_size=[2,4]"
        ),
        "{e}"
    );
    let e = case(&[2], &[2]).run_mode(InputMode::FedUnknownShape).unwrap_err();
    assert!(e.message.contains("or broadcasted to be 2-dimensional"), "{e}");
    OpCase::new("SoftmaxCrossEntropyWithLogits")
        .input(&[1, 1], &[0i32])
        .input(&[1, 1], &[0i32])
        .expect_error(Code::InvalidArgument, "allowed values");
}

fn sparse(f: Tensor, labels: Tensor) -> OpCase {
    OpCase::new("SparseSoftmaxCrossEntropyWithLogits").input_tensor(f).input_tensor(labels)
}

#[test]
fn sparse_cross_entropy() {
    let out = sparse(features(), tensor(&[2], &[2i32, 0])).outputs();
    assert_close(&out[0], DType::Float64, &[2], &LOSS, 1e-15);
    let back =
        [ROW0.as_slice(), &[-0.6666666666666667, 0.3333333333333333, 0.3333333333333333]].concat();
    assert_close(&out[1], DType::Float64, &[2, 3], &back, 1e-15);
    let out = sparse(features(), tensor(&[2], &[2i64, 1])).outputs();
    let back =
        [ROW0.as_slice(), &[0.3333333333333333, -0.6666666666666667, 0.3333333333333333]].concat();
    assert_close(&out[1], DType::Float64, &[2, 3], &back, 1e-15);
    for dtype in [DType::Float32, DType::Float16, DType::BFloat16] {
        let out = sparse(tensor_of(dtype, &[1, 3], &[1., 2., 3.]), tensor(&[1], &[1i64])).outputs();
        assert_close(&out[0], dtype, &[1], &[1.408], 1e-3);
        assert_close(&out[1], dtype, &[1, 3], &[0.09, -0.7554, 0.665], tolerance(dtype).max(1e-3));
    }
    let out = sparse(tensor(&[1, 2], &[f32::NAN, 1.]), tensor(&[1], &[0i32])).outputs();
    assert!(out[0].as_slice::<f32>().unwrap()[0].is_nan());
    let out = sparse(tensor(&[0, 3], &[0f32; 0]), tensor(&[0], &[0i32; 0])).outputs();
    assert_values(&out[1], &[0, 3], &[0f32; 0]);
}

#[test]
fn sparse_cross_entropy_errors() {
    let f = || tensor(&[2, 3], &[0f32; 6]);
    let e = sparse(f(), tensor(&[2], &[3i32, 0])).expect_error(Code::InvalidArgument, "");
    let want = "Received a label value of 3 which is outside the valid range of [0, 3).  Label values: 3 0";
    assert!(e.message.contains(want), "{e}");
    sparse(f(), tensor(&[2], &[0i64, -1])).expect_error(
        Code::InvalidArgument,
        "Received a label value of -1 which is outside the valid range of [0, 3).  Label values: 0 -1",
    );
    sparse(tensor(&[2, 0], &[0f32; 0]), tensor(&[2], &[0i32, 0])).expect_error(
        Code::InvalidArgument,
        "Must have at least one class, but got logits shape [2,0]",
    );
    sparse(f(), tensor(&[3], &[0i32, 1, 2])).expect_error(Code::InvalidArgument, "2 and 3");
    sparse(f(), tensor(&[2, 1], &[0i32, 1])).expect_error(Code::InvalidArgument, "rank 1");
    sparse(tensor(&[2], &[1f32, 2.]), tensor(&[], &[0i32]))
        .expect_error(Code::InvalidArgument, "rank 2");
    let fed = |f: Tensor, l: Tensor| {
        sparse(f, l).run_mode(InputMode::FedUnknownShape).unwrap_err().message
    };
    assert!(fed(f(), tensor(&[3], &[0i32, 1, 2])).contains("logits and labels must have the same first dimension, got logits shape [2,3] and labels shape [3]"));
    assert!(
        fed(f(), tensor(&[2, 1], &[0i32, 1])).contains("labels must be 1-D, but got shape [2,1]")
    );
    assert!(
        fed(tensor(&[2], &[1f32, 2.]), tensor(&[], &[0i32]))
            .contains("logits must be 2-D, but got shape [2]")
    );
}

#[test]
fn l2_loss() {
    for dtype in [DType::Float32, DType::Float64, DType::Float16, DType::BFloat16] {
        let t = OpCase::new("L2Loss")
            .input_tensor(tensor_of(dtype, &[2, 2], &[1., 2., 3., 4.]))
            .output();
        assert_close(&t, dtype, &[], &[15.], 0.0);
    }
    let l2 = |x: Tensor| OpCase::new("L2Loss").input_tensor(x).output();
    assert_close(&l2(tensor(&[3], &[0.1f64, 0.2, 0.3])), DType::Float64, &[], &[0.07], 1e-15);
    assert_values(&l2(tensor(&[0], &[0f32; 0])), &[], &[0f32]);
    assert_values(&l2(tensor(&[], &[3f32])), &[], &[4.5f32]);
    assert_close(
        &l2(tensor_of(DType::Float16, &[2], &[300., 300.])),
        DType::Float16,
        &[],
        &[f64::INFINITY],
        0.0,
    );
    assert_close(
        &l2(tensor_of(DType::Float16, &[5000], &[1.; 5000])),
        DType::Float16,
        &[],
        &[2500.],
        0.0,
    );
    assert_values(&l2(tensor(&[100_000], &vec![2f32; 100_000])), &[], &[200_000f32]);
    OpCase::new("L2Loss")
        .input(&[1], &[1i32])
        .expect_error(Code::InvalidArgument, "allowed values");
}
