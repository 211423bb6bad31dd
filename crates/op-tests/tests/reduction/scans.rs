//! ArgMax, ArgMin, Cumsum and TopKV2.

use sessionflow_op_tests::core::{Code, DType, Tensor};
use sessionflow_op_tests::{OpCase, assert_close, assert_values, tensor, tensor_of};

fn arg(op: &str, x: Tensor, dim: i32) -> OpCase {
    OpCase::new(op).input_tensor(x).input(&[], &[dim])
}

/// 0..24 mod 5 as a [2,3,4] tensor of `dtype`.
fn mod5(dtype: DType) -> Tensor {
    tensor_of(dtype, &[2, 3, 4], &(0..24).map(|i| f64::from(i % 5)).collect::<Vec<_>>())
}

#[test]
fn arg_max_and_min_along_each_axis() {
    let x = || tensor(&[3, 4], &[3f32, 1., 4., 1., 5., 9., 2., 6., 5., 3., 5., 9.]);
    assert_values(&arg("ArgMax", x(), 0).output(), &[4], &[1i64, 1, 2, 2]);
    assert_values(&arg("ArgMax", x(), 1).output(), &[3], &[2i64, 1, 3]);
    assert_values(&arg("ArgMin", x(), 0).output(), &[4], &[0i64, 0, 1, 0]);
    assert_values(&arg("ArgMin", x(), -1).output(), &[3], &[1i64, 2, 1]);
    assert_values(&arg("ArgMax", tensor(&[4], &[2i32, 7, 7, 1]), 0).output(), &[], &[1i64]);
}

#[test]
fn arg_max_for_every_dtype_and_output_type() {
    for dtype in DType::NUMERIC {
        let t = arg("ArgMax", mod5(dtype), 1).output();
        assert_values(&t, &[2, 4], &[1i64, 2, 0, 0, 0, 0, 0, 1]);
        let t = arg("ArgMin", mod5(dtype), 1).attr_type("output_type", DType::Int32).output();
        assert_values(&t, &[2, 4], &[0i32, 1, 2, 2, 2, 2, 2, 0]);
    }
    let t = arg("ArgMax", mod5(DType::Int32), 2).attr_type("output_type", DType::Int16).output();
    assert_values(&t, &[2, 3], &[3i16, 0, 1, 2, 3, 3]);
    let t = arg("ArgMax", tensor(&[3], &[false, true, true]), 0).output();
    assert_values(&t, &[], &[1i64]);
    let t = arg("ArgMin", tensor(&[3], &[true, false, false]), 0).output();
    assert_values(&t, &[], &[1i64]);
    let t = OpCase::new("ArgMax").input_tensor(mod5(DType::Int8)).input(&[], &[-1i16]).output();
    assert_values(&t, &[2, 3], &[3i64, 0, 1, 2, 3, 3]);
    // ArgMin has no int16 outputs in TensorFlow.
    arg("ArgMin", mod5(DType::Int32), 0)
        .attr_type("output_type", DType::Int16)
        .expect_error(Code::InvalidArgument, "output_type");
}

#[test]
fn arg_max_skips_nan_and_keeps_the_first_tie() {
    let nan = f64::NAN;
    let cases: [(&[f64], i64); 6] = [
        (&[1., nan, 3.], 2),
        (&[nan, 1., 3.], 2),
        (&[nan, f64::NEG_INFINITY], 0),
        (&[f64::NEG_INFINITY, nan], 0),
        (&[nan, nan], 0),
        (&[1., 3., 3.], 1),
    ];
    for (x, i) in cases {
        let t = arg("ArgMax", tensor_of(DType::Float32, &[x.len()], x), 0).output();
        assert_values(&t, &[], &[i]);
    }
    let t = arg("ArgMin", tensor(&[3], &[1f64, nan, 0.]), 0).output();
    assert_values(&t, &[], &[2i64]);
    let x = tensor(&[3, 2], &[nan, 1f64, 2., nan, 0., 0.]);
    assert_values(&arg("ArgMax", x, 0).output(), &[2], &[1i64, 0]);
    let x = tensor(&[3, 2], &[1f32, 1., 1., 2., 1., 2.]);
    assert_values(&arg("ArgMax", x, 0).output(), &[2], &[0i64, 1]);
}

#[test]
fn arg_max_of_large_inputs() {
    // [3, 40000]: the maximum of row r is at column 7 * r + 1000 (the value 2.0).
    let mut data = vec![1f32; 120_000];
    for r in 0..3 {
        data[r * 40_000 + 7 * r + 1000] = 2.;
    }
    let x = || tensor(&[3, 40_000], &data);
    assert_values(&arg("ArgMax", x(), 1).output(), &[3], &[1000i64, 1007, 1014]);
    let t = arg("ArgMax", x(), 0).output();
    assert_eq!(t.as_slice::<i64>().unwrap()[1007], 1);
    assert_eq!(t.as_slice::<i64>().unwrap()[5], 0);
}

#[test]
fn arg_errors() {
    let x = || tensor(&[0, 3], &[0f32; 0]);
    arg("ArgMax", x(), 0)
        .expect_error(Code::InvalidArgument, "Reduction axis 0 is empty in shape [0,3]");
    arg("ArgMin", x(), -2).expect_error(Code::InvalidArgument, "Reduction axis -2 is empty");
    // Reducing a non-empty dimension of an empty tensor is fine.
    assert_values(&arg("ArgMax", x(), 1).output(), &[0], &[0i64; 0]);
    arg("ArgMax", tensor(&[], &[3f32]), 0)
        .expect_error(Code::InvalidArgument, "Expected dimension in the range [0, 0), but got 0");
    arg("ArgMax", tensor(&[2, 3], &[0f32; 6]), 2).expect_error(Code::InvalidArgument, "2");
    OpCase::new("ArgMax")
        .input(&[2, 3], &[0f32; 6])
        .input(&[1], &[1i32])
        .expect_error(Code::InvalidArgument, "");
}

#[test]
fn cumsum_directions() {
    let x = || tensor(&[2, 3], &[1f32, 2., 3., 4., 5., 6.]);
    let cumsum = |x, axis: i32, exclusive, reverse| {
        OpCase::new("Cumsum")
            .input_tensor(x)
            .input(&[], &[axis])
            .attr_bool("exclusive", exclusive)
            .attr_bool("reverse", reverse)
            .output()
    };
    assert_values(&cumsum(x(), 1, false, false), &[2, 3], &[1f32, 3., 6., 4., 9., 15.]);
    assert_values(&cumsum(x(), 1, true, true), &[2, 3], &[5f32, 3., 0., 11., 6., 0.]);
    assert_values(&cumsum(x(), 0, true, false), &[2, 3], &[0f32, 0., 0., 1., 2., 3.]);
    assert_values(&cumsum(x(), -1, false, true), &[2, 3], &[6f32, 5., 3., 15., 11., 6.]);
    for dtype in DType::NUMERIC {
        let t = cumsum(mod5(dtype), 1, false, false);
        let expected = [
            0., 1., 2., 3., 4., 1., 3., 5., 7., 5., 3., 6., 2., 3., 4., 0., 3., 5., 7., 4., 3., 6.,
            9., 7.,
        ];
        assert_close(&t, dtype, &[2, 3, 4], &expected, 0.0);
    }
    let t = cumsum(mod5(DType::Int64), 1, true, true);
    let expected = [7i64, 4, 1, 3, 3, 4, 0, 1, 0, 0, 0, 0, 1, 3, 5, 7, 0, 1, 2, 3, 0, 0, 0, 0];
    assert_values(&t, &[2, 3, 4], &expected);
    let t = cumsum(mod5(DType::Int32), 0, false, true);
    let expected = [2i32, 4, 6, 3, 5, 2, 4, 6, 3, 5, 2, 4, 2, 3, 4, 0, 1, 2, 3, 4, 0, 1, 2, 3];
    assert_values(&t, &[2, 3, 4], &expected);
    let t = cumsum(mod5(DType::Int16), 2, true, false);
    let expected = [0i16, 0, 1, 3, 0, 4, 4, 5, 0, 3, 7, 7, 0, 2, 5, 9, 0, 1, 3, 6, 0, 0, 1, 3];
    assert_values(&t, &[2, 3, 4], &expected);
    // uint8 wraps; f16 rounds at every step as in TensorFlow (4096 ones end at 2048).
    assert_values(
        &cumsum(tensor(&[3], &[200u8, 100, 50]), 0, false, false),
        &[3],
        &[200u8, 44, 94],
    );
    let t = cumsum(tensor_of(DType::Float16, &[4096], &[1.; 4096]), 0, false, false);
    assert_eq!(sessionflow_op_tests::values_f64(&t)[4095], 2048.);
    assert_values(&cumsum(tensor(&[0, 3], &[0f32; 0]), 0, false, false), &[0, 3], &[0f32; 0]);
    let big = cumsum(tensor(&[4, 50_000], &vec![1i32; 200_000]), 1, false, true);
    let b = big.as_slice::<i32>().unwrap();
    assert_eq!((b[0], b[49_999], b[150_000]), (50_000, 1, 50_000));
}

#[test]
fn cumsum_errors() {
    let x = || tensor(&[2, 3], &[0f32; 6]);
    let case =
        |x, axis: &[i32], dims: &[usize]| OpCase::new("Cumsum").input_tensor(x).input(dims, axis);
    case(x(), &[2], &[]).expect_error(
        Code::InvalidArgument,
        "ScanOp: Expected scan axis in the range [-2, 2), but got 2",
    );
    case(x(), &[0], &[1])
        .expect_error(Code::InvalidArgument, "ScanOp: axis must be a scalar, not [1]");
    case(tensor(&[], &[3f32]), &[0], &[]).expect_error(Code::InvalidArgument, "range [0, 0)");
}

fn top_k(x: Tensor, k: i32) -> OpCase {
    OpCase::new("TopKV2").input_tensor(x).input(&[], &[k])
}

#[test]
fn top_k_orders_ties_by_position() {
    let z = || tensor(&[2, 8], &[1i32, 5, 3, 5, 2, 9, 0, 5, 4, 4, 4, 4, 4, 4, 4, 4]);
    let out = top_k(z(), 3).outputs();
    assert_values(&out[0], &[2, 3], &[9i32, 5, 5, 4, 4, 4]);
    assert_values(&out[1], &[2, 3], &[5i32, 1, 3, 0, 1, 2]);
    let out = top_k(z(), 8).outputs();
    assert_values(&out[0], &[2, 8], &[9i32, 5, 5, 5, 3, 2, 1, 0, 4, 4, 4, 4, 4, 4, 4, 4]);
    assert_values(&out[1], &[2, 8], &[5i32, 1, 3, 7, 2, 4, 0, 6, 0, 1, 2, 3, 4, 5, 6, 7]);
    let out = top_k(z(), 1).attr_type("index_type", DType::Int64).outputs();
    assert_values(&out[0], &[2, 1], &[9i32, 4]);
    assert_values(&out[1], &[2, 1], &[5i64, 0]);
    for dtype in DType::NUMERIC {
        let out = top_k(mod5(dtype), 2).outputs();
        let values = [3., 2., 4., 2., 4., 3., 4., 3., 4., 3., 3., 2.];
        assert_close(&out[0], dtype, &[2, 3, 2], &values, 0.0);
        assert_values(&out[1], &[2, 3, 2], &[3i32, 2, 0, 3, 1, 0, 2, 1, 3, 2, 3, 2]);
    }
    let out = OpCase::new("TopKV2").input_tensor(mod5(DType::Int8)).input(&[], &[0i64]).outputs();
    assert_values(&out[0], &[2, 3, 0], &[0i8; 0]);
    let out = top_k(tensor(&[0, 3], &[0f32; 0]), 2).attr_type("index_type", DType::Int16).outputs();
    assert_values(&out[1], &[0, 2], &[0i16; 0]);
}

#[test]
fn top_k_puts_nan_first_and_keeps_signed_zeros_in_order() {
    let nan = f32::NAN;
    let out = top_k(tensor(&[4], &[1f32, nan, 3., 2.]), 2).outputs();
    assert!(out[0].as_slice::<f32>().unwrap()[0].is_nan());
    assert_values(&out[1], &[2], &[1i32, 2]);
    let out = top_k(tensor(&[8], &[nan, 5., nan, 1., 0., 2., 3., 4.]), 3).outputs();
    assert_values(&out[1], &[3], &[0i32, 2, 1]);
    let out = top_k(tensor(&[3], &[-0f32, 0., -0.]), 3).outputs();
    assert_values(&out[1], &[3], &[0i32, 1, 2]);
    let out = top_k(tensor(&[3], &[f32::NEG_INFINITY, f32::NEG_INFINITY, 1.]), 3).outputs();
    assert_values(&out[0], &[3], &[1f32, f32::NEG_INFINITY, f32::NEG_INFINITY]);
    assert_values(&out[1], &[3], &[2i32, 0, 1]);
}

#[test]
fn top_k_of_many_rows() {
    // 2000 rows of 50: row r holds (r + j) % 50 at column j; its top 3 are 49, 48, 47.
    let data: Vec<i64> = (0..2000).flat_map(|r| (0..50).map(move |j| (r + j) % 50)).collect();
    let out = top_k(tensor(&[2000, 50], &data), 3).outputs();
    let (v, i) = (out[0].as_slice::<i64>().unwrap(), out[1].as_slice::<i32>().unwrap());
    for r in [0usize, 7, 1999] {
        assert_eq!(&v[r * 3..r * 3 + 3], &[49, 48, 47]);
        let col = |value: usize| ((value + 50 - r % 50) % 50) as i32;
        assert_eq!(&i[r * 3..r * 3 + 3], &[col(49), col(48), col(47)]);
    }
}

#[test]
fn top_k_errors() {
    let x = || tensor(&[1, 2], &[1f32, 2.]);
    top_k(x(), 3).expect_error(Code::InvalidArgument, "3");
    top_k(x(), -1).expect_error(Code::InvalidArgument, "-1");
    top_k(tensor(&[], &[1f32]), 1).expect_error(Code::InvalidArgument, "");
    OpCase::new("TopKV2")
        .input_tensor(x())
        .input(&[1], &[1i32])
        .expect_error(Code::InvalidArgument, "scalar");
    let long = tensor(&[40_000], &vec![0f32; 40_000]);
    top_k(long, 1).attr_type("index_type", DType::Int16).expect_error(
        Code::InvalidArgument,
        "Second dimension of flattened input must be <= 32767, got 40000",
    );
}
