//! MatMul and BatchMatMulV2. Expected values were computed with TensorFlow 2.21 (`tf.raw_ops`,
//! CPU) or by hand.

// Expected values are TensorFlow's printouts, kept digit for digit.
#![allow(clippy::excessive_precision, clippy::approx_constant)]

use sessionflow_op_tests::core::{Code, DType, Tensor};
use sessionflow_op_tests::{OpCase, assert_close, assert_values, tensor, tensor_of, tolerance};

const MATMUL_TYPES: [DType; 6] =
    [DType::Float32, DType::Float64, DType::Float16, DType::BFloat16, DType::Int32, DType::Int64];

fn range(dtype: DType, dims: &[usize]) -> Tensor {
    let n: usize = dims.iter().product();
    tensor_of(dtype, dims, &(0..n).map(|i| i as f64).collect::<Vec<_>>())
}

#[test]
fn matmul_for_every_supported_dtype_and_transpose() {
    let a = [1., 2., 3., 4., 5., 6.];
    let b = [1., 0., 2., 0., 1., 3.];
    for dtype in MATMUL_TYPES {
        let (x, y) = (|| tensor_of(dtype, &[3, 2], &a), || tensor_of(dtype, &[2, 3], &b));
        let t = OpCase::new("MatMul").input_tensor(x()).input_tensor(y()).output();
        let want = [1., 2., 8., 3., 4., 18., 5., 6., 28.];
        assert_close(&t, dtype, &[3, 3], &want, tolerance(dtype));
        let t = OpCase::new("MatMul")
            .input_tensor(y())
            .input_tensor(x())
            .attr_bool("transpose_a", true)
            .attr_bool("transpose_b", true)
            .output();
        let want = [1., 3., 5., 2., 4., 6., 8., 18., 28.];
        assert_close(&t, dtype, &[3, 3], &want, tolerance(dtype));
        let t = OpCase::new("MatMul")
            .input_tensor(x())
            .input_tensor(x())
            .attr_bool("transpose_b", true)
            .attr_bool("grad_b", true)
            .output();
        let want = [5., 11., 17., 11., 25., 39., 17., 39., 61.];
        assert_close(&t, dtype, &[3, 3], &want, tolerance(dtype));
    }
}

#[test]
fn one_row_products_for_each_layout() {
    // [1 2 3] · [[1 0], [2 1], [0 3]] = [5 11], with the row stored as a row or (transpose_a)
    // as a column, and b stored plainly or (transpose_b) transposed.
    let (b, bt) = ([1., 0., 2., 1., 0., 3.], [1., 2., 0., 0., 1., 3.]);
    for dtype in MATMUL_TYPES {
        for (ta, tb) in [(false, false), (true, false), (false, true), (true, true)] {
            let a = tensor_of(dtype, if ta { &[3, 1] } else { &[1, 3] }, &[1., 2., 3.]);
            let b = if tb { tensor_of(dtype, &[2, 3], &bt) } else { tensor_of(dtype, &[3, 2], &b) };
            let t = OpCase::new("MatMul")
                .input_tensor(a)
                .input_tensor(b)
                .attr_bool("transpose_a", ta)
                .attr_bool("transpose_b", tb)
                .output();
            assert_close(&t, dtype, &[1, 2], &[5., 11.], tolerance(dtype));
        }
    }
}

#[test]
fn matmul_refuses_what_tensorflow_refuses() {
    // TensorFlow's MatMul op has no int16 (BatchMatMulV2 does), and no int8 or bool.
    for dtype in [DType::Int16, DType::Int8, DType::UInt8, DType::Bool] {
        OpCase::new("MatMul")
            .input_tensor(tensor_of(dtype, &[1, 1], &[1.]))
            .input_tensor(tensor_of(dtype, &[1, 1], &[1.]))
            .expect_error(Code::InvalidArgument, "not in the list of allowed values");
    }
    OpCase::new("MatMul")
        .input(&[2, 3], &[0f32; 6])
        .input(&[2, 3], &[0f32; 6])
        .expect_error(Code::InvalidArgument, "");
    OpCase::new("MatMul")
        .input(&[1, 1, 1], &[0f32])
        .input(&[1, 1], &[0f32])
        .expect_error(Code::InvalidArgument, "");
}

#[test]
fn large_matmul_uses_threads_and_stays_exact() {
    let t = OpCase::new("MatMul")
        .input(&[300, 200], &vec![1f32; 60_000])
        .input(&[200, 300], &vec![0.5f32; 60_000])
        .output();
    assert_values(&t, &[300, 300], &vec![100f32; 90_000]);
}

#[test]
fn transposed_right_operands_of_large_products_are_exact() {
    // Large enough (m ≥ 32 rows, depth ≥ 64) that float kernels transpose b into scratch
    // first; sizes off the 8×8 tiles. Small integers keep every sum exact, and the expected
    // values come from a plain triple loop here.
    let (m, k, n) = (40, 70, 33);
    let a_at = |i: usize, l: usize| ((i * 3 + l) % 7) as f64 - 3.0;
    let b_at = |l: usize, j: usize| ((j * 2 + l * 5) % 9) as f64 - 4.0;
    let want: Vec<f64> =
        (0..m * n).map(|ij| (0..k).map(|l| a_at(ij / n, l) * b_at(l, ij % n)).sum()).collect();
    // a as stored for transpose_a (k×m) or not (m×k); b as stored for transpose_b (n×k).
    let a_plain: Vec<f64> = (0..m * k).map(|x| a_at(x / k, x % k)).collect();
    let a_transposed: Vec<f64> = (0..k * m).map(|x| a_at(x % m, x / m)).collect();
    let b_transposed: Vec<f64> = (0..n * k).map(|x| b_at(x % k, x / k)).collect();
    for dtype in [DType::Float32, DType::Float64, DType::Float16, DType::Int32] {
        for (transpose_a, a) in [(false, &a_plain), (true, &a_transposed)] {
            let a_dims = if transpose_a { [k, m] } else { [m, k] };
            let t = OpCase::new("MatMul")
                .input_tensor(tensor_of(dtype, &a_dims, a))
                .input_tensor(tensor_of(dtype, &[n, k], &b_transposed))
                .attr_bool("transpose_a", transpose_a)
                .attr_bool("transpose_b", true)
                .output();
            // Every sum is an integer below 2^11, exact in every dtype here.
            assert_close(&t, dtype, &[m, n], &want, 0.0);
        }
    }
}

fn bmm(x: Tensor, y: Tensor) -> OpCase {
    OpCase::new("BatchMatMulV2").input_tensor(x).input_tensor(y)
}

#[test]
fn batch_matmul_for_every_dtype() {
    // [2,2,3] · [3,2]: the matrix broadcasts over the batch.
    for dtype in MATMUL_TYPES.into_iter().chain([DType::Int16]) {
        let t = bmm(range(dtype, &[2, 2, 3]), range(dtype, &[3, 2])).output();
        assert_close(&t, dtype, &[2, 2, 2], &[10., 13., 28., 40., 46., 67., 64., 94.], 0.0);
    }
}

#[test]
fn batch_dimensions_broadcast() {
    let t = bmm(range(DType::Float32, &[2, 1, 1, 3]), range(DType::Float32, &[3, 3, 2])).output();
    let want = [10f32, 13., 28., 31., 46., 49., 28., 40., 100., 112., 172., 184.];
    assert_values(&t, &[2, 3, 1, 2], &want);
    let t = bmm(range(DType::Float64, &[2, 1, 2, 3]), range(DType::Float64, &[2, 2, 3]))
        .attr_bool("adj_y", true)
        .output();
    let want =
        [5., 14., 14., 50., 23., 32., 86., 122., 23., 86., 32., 122., 149., 212., 212., 302.];
    assert_values(&t, &[2, 2, 2, 2], &want);
    let t = bmm(range(DType::Float64, &[3, 2]), range(DType::Float64, &[3, 3, 2]))
        .attr_bool("adj_x", true)
        .output();
    let want = [20., 26., 26., 35., 56., 62., 80., 89., 92., 98., 134., 143.];
    assert_values(&t, &[3, 2, 2], &want);
    let t = bmm(range(DType::Int64, &[1, 3, 2]), range(DType::Int64, &[1, 2, 3]))
        .attr_bool("adj_x", true)
        .attr_bool("adj_y", true)
        .output();
    assert_values(&t, &[1, 2, 2], &[10i64, 28, 13, 40]);
}

#[test]
fn batch_matmul_wraps_and_accumulates_like_tensorflow() {
    let t = bmm(tensor(&[1, 1, 2], &[200i16, 200]), tensor(&[2, 1], &[200i16, 200])).output();
    assert_values(&t, &[1, 1, 1], &[14464i16]);
    let ones = || tensor_of(DType::Float16, &[1, 1, 4096], &[1.; 4096]);
    let t = bmm(ones(), tensor_of(DType::Float16, &[4096, 1], &[1.; 4096])).output();
    assert_close(&t, DType::Float16, &[1, 1, 1], &[4096.], 0.0);
}

#[test]
fn batch_matmul_of_empty_shapes() {
    let t = bmm(tensor(&[0, 2, 3], &[0f32; 0]), tensor(&[3, 2], &[0f32; 6])).output();
    assert_values(&t, &[0, 2, 2], &[0f32; 0]);
    let t = bmm(tensor(&[2, 2, 0], &[0f32; 0]), tensor(&[0, 2], &[0f32; 0])).output();
    assert_values(&t, &[2, 2, 2], &[0f32; 8]);
}

#[test]
fn many_small_products_run_in_parallel() {
    // 512 batches of [8,8] times the identity: the input comes back.
    let x = range(DType::Float32, &[512, 8, 8]);
    let eye: Vec<f32> = (0..64).map(|i| if i % 9 == 0 { 1. } else { 0. }).collect();
    let t = bmm(x.clone(), tensor(&[8, 8], &eye)).output();
    assert_eq!(t.shape().dims(), &[512, 8, 8]);
    assert_eq!(t.as_slice::<f32>().unwrap(), x.as_slice::<f32>().unwrap());
}

#[test]
fn batch_matmul_errors() {
    let zeros = |dims: &[usize]| tensor(dims, &vec![0f32; dims.iter().product()]);
    bmm(zeros(&[3]), zeros(&[3, 2])).expect_error(Code::InvalidArgument, "");
    bmm(zeros(&[2, 2, 3]), zeros(&[2, 2, 2])).expect_error(Code::InvalidArgument, "");
    bmm(zeros(&[2, 2, 3]), zeros(&[3, 3, 2])).expect_error(Code::InvalidArgument, "");
    let e = bmm(zeros(&[2, 2, 3]), zeros(&[3, 3, 2]))
        .run_mode(sessionflow_op_tests::InputMode::FedUnknownShape)
        .unwrap_err();
    assert!(
        e.message.contains("must have compatible batch dimensions: [2,2,3] vs. [3,3,2]"),
        "{e}"
    );
    let e = bmm(zeros(&[3]), zeros(&[3, 2]))
        .run_mode(sessionflow_op_tests::InputMode::FedUnknownShape)
        .unwrap_err();
    assert!(e.message.contains("In[0] ndims must be >= 2: 1"), "{e}");
    OpCase::new("BatchMatMulV2")
        .input(&[1, 1], &[1i8])
        .input(&[1, 1], &[1i8])
        .expect_error(Code::InvalidArgument, "not in the list of allowed values");
}
