//! Binary arithmetic: AddV2 Add Sub Mul Div RealDiv FloorDiv FloorMod Pow Maximum Minimum
//! SquaredDifference.

use super::{FLOAT, NUMERIC, SIGNED, assert_f32_exact, assert_unsupported, binary};
use sessionflow_op_tests::core::{Code, DType};
use sessionflow_op_tests::{OpCase, assert_close, assert_values, tensor_of, tolerance};

const I32_I64: [DType; 2] = [DType::Int32, DType::Int64];

/// One row: an op on each of its dtypes, small values exact in every dtype (uint8 included).
struct Row {
    op: &'static str,
    dtypes: &'static [&'static [DType]],
    x: &'static [f64],
    y: &'static [f64],
    /// Expected for float dtypes (and integers unless `z_int` is given).
    z: &'static [f64],
    z_int: Option<&'static [f64]>,
}

const X: &[f64] = &[7., 2., 9., 4., 5., 0.];
const Y: &[f64] = &[2., 2., 3., 8., 1., 3.];

const ROWS: &[Row] = &[
    Row {
        op: "AddV2",
        dtypes: &[&NUMERIC],
        x: X,
        y: Y,
        z: &[9., 4., 12., 12., 6., 3.],
        z_int: None,
    },
    Row { op: "Add", dtypes: &[&NUMERIC], x: X, y: Y, z: &[9., 4., 12., 12., 6., 3.], z_int: None },
    Row {
        op: "Sub",
        dtypes: &[&NUMERIC],
        x: &[7., 2., 9., 8., 5., 3.],
        y: &[2., 2., 3., 4., 1., 0.],
        z: &[5., 0., 6., 4., 4., 3.],
        z_int: None,
    },
    Row {
        op: "Mul",
        dtypes: &[&NUMERIC],
        x: X,
        y: Y,
        z: &[14., 4., 27., 32., 5., 0.],
        z_int: None,
    },
    Row {
        op: "Div",
        dtypes: &[&NUMERIC],
        x: X,
        y: Y,
        z: &[3.5, 1., 3., 0.5, 5., 0.],
        z_int: Some(&[3., 1., 3., 0., 5., 0.]),
    },
    Row {
        op: "RealDiv",
        dtypes: &[&FLOAT],
        x: X,
        y: Y,
        z: &[3.5, 1., 3., 0.5, 5., 0.],
        z_int: None,
    },
    Row {
        op: "FloorDiv",
        dtypes: &[&NUMERIC],
        x: X,
        y: Y,
        z: &[3., 1., 3., 0., 5., 0.],
        z_int: None,
    },
    Row {
        op: "FloorMod",
        dtypes: &[&NUMERIC],
        x: X,
        y: Y,
        z: &[1., 0., 0., 4., 0., 0.],
        z_int: None,
    },
    Row {
        op: "Maximum",
        dtypes: &[&NUMERIC],
        x: X,
        y: Y,
        z: &[7., 2., 9., 8., 5., 3.],
        z_int: None,
    },
    Row {
        op: "Minimum",
        dtypes: &[&NUMERIC],
        x: X,
        y: Y,
        z: &[2., 2., 3., 4., 1., 0.],
        z_int: None,
    },
    Row {
        op: "SquaredDifference",
        dtypes: &[&FLOAT, &I32_I64],
        x: X,
        y: Y,
        z: &[25., 0., 36., 16., 16., 9.],
        z_int: None,
    },
    Row {
        op: "Pow",
        dtypes: &[&SIGNED],
        x: &[2., 3., 0., 5., 1., -2.],
        y: &[3., 2., 0., 1., 7., 3.],
        z: &[8., 9., 1., 5., 1., -8.],
        z_int: None,
    },
];

#[test]
fn arithmetic_on_every_supported_dtype() {
    for row in ROWS {
        for &dtype in row.dtypes.iter().flat_map(|d| d.iter()) {
            let t = binary(row.op, dtype, (&[6], row.x), (&[6], row.y));
            let z = if dtype.is_integer() { row.z_int.unwrap_or(row.z) } else { row.z };
            assert_close(&t, dtype, &[6], z, tolerance(dtype));
        }
    }
}

#[test]
fn dtypes_without_a_kernel_are_rejected_when_the_node_is_built() {
    for (op, dtype) in [
        ("AddV2", DType::Bool),
        ("AddV2", DType::String),
        ("Add", DType::Bool),
        ("Sub", DType::String),
        ("Mul", DType::Bool),
        ("Div", DType::Bool),
        ("RealDiv", DType::Int32),
        ("RealDiv", DType::UInt8),
        ("FloorDiv", DType::Bool),
        ("FloorMod", DType::String),
        ("Pow", DType::UInt8),
        ("Maximum", DType::Bool),
        ("Minimum", DType::String),
        ("SquaredDifference", DType::Int8),
        ("SquaredDifference", DType::UInt8),
    ] {
        assert_unsupported(op, dtype, 2);
    }
}

#[test]
fn integer_division_truncates_and_floor_division_floors_for_every_signed_dtype() {
    let x = [7., -7., 7., -7., -6., 0., -1.];
    let y = [2., 2., -2., -2., 3., -5., 5.];
    for dtype in [DType::Int8, DType::Int16, DType::Int32, DType::Int64] {
        let div = binary("Div", dtype, (&[7], &x), (&[7], &y));
        assert_close(&div, dtype, &[7], &[3., -3., -3., 3., -2., 0., 0.], 0.0);
        let floordiv = binary("FloorDiv", dtype, (&[7], &x), (&[7], &y));
        assert_close(&floordiv, dtype, &[7], &[3., -4., -4., 3., -2., 0., -1.], 0.0);
        // The remainder takes the divisor's sign.
        let floormod = binary("FloorMod", dtype, (&[7], &x), (&[7], &y));
        assert_close(&floormod, dtype, &[7], &[1., 1., -1., -1., 0., 0., 4.], 0.0);
    }
    let u = OpCase::new("Div").input(&[2], &[200u8, 7]).input(&[2], &[3u8, 2]).output();
    assert_values(&u, &[2], &[66u8, 3]);
    let u = OpCase::new("FloorMod").input(&[2], &[7u8, 250]).input(&[2], &[3u8, 7]).output();
    assert_values(&u, &[2], &[1u8, 5]);
}

#[test]
fn float_division_follows_ieee_and_floors_for_floor_ops() {
    let x = [7., -7., 7., -7., -6., 0., -1.];
    let y = [2., 2., -2., -2., 3., -5., 5.];
    for dtype in FLOAT {
        let div = binary("Div", dtype, (&[7], &x), (&[7], &y));
        assert_close(&div, dtype, &[7], &[3.5, -3.5, -3.5, 3.5, -2., 0., -0.2], tolerance(dtype));
        let floordiv = binary("FloorDiv", dtype, (&[7], &x), (&[7], &y));
        assert_close(&floordiv, dtype, &[7], &[3., -4., -4., 3., -2., 0., -1.], 0.0);
        let floormod = binary("FloorMod", dtype, (&[7], &x), (&[7], &y));
        assert_close(&floormod, dtype, &[7], &[1., 1., -1., -1., 0., 0., 4.], 0.0);
    }
}

#[test]
fn the_most_negative_integer_divided_by_minus_one_wraps() {
    let t = OpCase::new("Div").input(&[1], &[i8::MIN]).input(&[1], &[-1i8]).output();
    assert_values(&t, &[1], &[i8::MIN]);
    let t = OpCase::new("Div").input(&[1], &[i32::MIN]).input(&[1], &[-1i32]).output();
    assert_values(&t, &[1], &[i32::MIN]);
    let t =
        OpCase::new("FloorDiv").input(&[2], &[i8::MIN, i8::MIN]).input(&[2], &[-1i8, 3]).output();
    assert_values(&t, &[2], &[i8::MIN, -43]);
    let t = OpCase::new("FloorMod").input(&[1], &[i32::MIN]).input(&[1], &[-1i32]).output();
    assert_values(&t, &[1], &[0i32]);
}

#[test]
fn integer_division_by_zero_is_an_invalid_argument() {
    for op in ["Div", "FloorDiv", "FloorMod"] {
        for dtype in [DType::Int8, DType::Int16, DType::Int32, DType::Int64, DType::UInt8] {
            OpCase::new(op)
                .input_tensor(tensor_of(dtype, &[2, 2], &[1., 2., 3., 4.]))
                .input_tensor(tensor_of(dtype, &[2], &[1., 0.]))
                .expect_error(Code::InvalidArgument, "Integer division by zero");
        }
        // An empty output divides nothing, so a zero divisor is no error (as in TensorFlow).
        let t = OpCase::new(op).input(&[0], &[0i32; 0]).input(&[1], &[0i32]).output();
        assert_values(&t, &[0], &[0i32; 0]);
    }
}

#[test]
fn integer_arithmetic_wraps_on_overflow() {
    let t = OpCase::new("Mul").input(&[2], &[100i8, -128]).input(&[2], &[3i8, -1]).output();
    assert_values(&t, &[2], &[44i8, -128]);
    let t =
        OpCase::new("Mul").input(&[2], &[65536i32, i32::MIN]).input(&[2], &[65536, -1]).output();
    assert_values(&t, &[2], &[0i32, i32::MIN]);
    let t = OpCase::new("AddV2").input(&[1], &[i64::MAX]).input(&[1], &[1i64]).output();
    assert_values(&t, &[1], &[i64::MIN]);
    let t = OpCase::new("Sub").input(&[1], &[i16::MIN]).input(&[1], &[1i16]).output();
    assert_values(&t, &[1], &[i16::MAX]);
    let t = OpCase::new("Sub").input(&[2], &[0u8, 5]).input(&[2], &[1u8, 3]).output();
    assert_values(&t, &[2], &[255u8, 2]);
    // (2^32 + 1 - 1)^2 = 2^64 wraps to 0.
    let t = OpCase::new("SquaredDifference")
        .input(&[2], &[(1i64 << 32) + 1, -3])
        .input(&[2], &[1i64, 4])
        .output();
    assert_values(&t, &[2], &[0i64, 49]);
    let t = OpCase::new("SquaredDifference")
        .input(&[3], &[1, -5, 65536])
        .input(&[3], &[4, 5, 0])
        .output();
    assert_values(&t, &[3], &[9i32, 100, 0]);
}

#[test]
fn integer_power_wraps_and_rejects_negative_exponents() {
    let t = OpCase::new("Pow")
        .input(&[7], &[2i32, -3, 0, 5, -1, 1, 7])
        .input(&[7], &[10i32, 3, 0, 0, 7, 100, 1])
        .output();
    assert_values(&t, &[7], &[1024i32, -27, 1, 1, -1, 1, 7]);
    let t = OpCase::new("Pow").input(&[3], &[3i8, 2, -2]).input(&[3], &[5i8, 7, 7]).output();
    assert_values(&t, &[3], &[-13i8, -128, -128]);
    let t = OpCase::new("Pow").input(&[2], &[3i16, -2]).input(&[2], &[11i16, 15]).output();
    assert_values(&t, &[2], &[-19461i16, i16::MIN]);
    let t = OpCase::new("Pow").input(&[2], &[3i32, 3]).input(&[2], &[40i32, 19]).output();
    assert_values(&t, &[2], &[689_956_897i32, 1_162_261_467]);
    let t = OpCase::new("Pow").input(&[2], &[3i64, -2]).input(&[2], &[40i64, 63]).output();
    assert_values(&t, &[2], &[-6_289_078_614_652_622_815i64, i64::MIN]);
    for dtype in [DType::Int8, DType::Int16, DType::Int32, DType::Int64] {
        OpCase::new("Pow")
            .input_tensor(tensor_of(dtype, &[2], &[1., 2.]))
            .input_tensor(tensor_of(dtype, &[2], &[1., -1.]))
            .expect_error(
                Code::InvalidArgument,
                "Integers to negative integer powers are not allowed",
            );
    }
}

#[test]
fn float_special_values() {
    let (inf, nan) = (f32::INFINITY, f32::NAN);
    let t = OpCase::new("RealDiv")
        .input(&[5], &[1f32, -1., 0., 7., 1.])
        .input(&[5], &[0f32, 0., 0., 2., -0.])
        .output();
    assert_close(
        &t,
        DType::Float32,
        &[5],
        &[f64::INFINITY, f64::NEG_INFINITY, f64::NAN, 3.5, f64::NEG_INFINITY],
        0.0,
    );
    let t = OpCase::new("FloorDiv")
        .input(&[8], &[7.5f32, -7.5, 1., -1., 0., 1., -1., 5.])
        .input(&[8], &[2f32, 2., 0., 0., 0., inf, inf, -inf])
        .output();
    assert_f32_exact(&t, &[3., -4., inf, -inf, nan, 0., -0., -0.]);
    let t = OpCase::new("FloorMod")
        .input(&[11], &[5.5f32, -5.5, 5.5, -5.5, -0., 0., -1., 1., 1., inf, 3.])
        .input(&[11], &[2f32, 2., -2., -2., 3., -3., inf, inf, 0., 2., -inf])
        .output();
    assert_f32_exact(&t, &[1.5, 0.5, -0.5, -1.5, -0., 0., inf, 1., nan, nan, -inf]);
    let t = OpCase::new("Pow")
        .input(&[9], &[2f32, -8., nan, 1., 0., 0., -2., 4., -0.])
        .input(&[9], &[0.5f32, 1. / 3., 0., nan, -1., 0., 3., -0.5, -1.])
        .output();
    let want = [
        std::f64::consts::SQRT_2,
        f64::NAN,
        1.,
        1.,
        f64::INFINITY,
        1.,
        -8.,
        0.5,
        f64::NEG_INFINITY,
    ];
    assert_close(&t, DType::Float32, &[9], &want, 1e-7);
    let t = OpCase::new("AddV2")
        .input(&[4], &[inf, -inf, nan, 3.4e38])
        .input(&[4], &[-inf, -inf, 1., 3.4e38])
        .output();
    assert_close(
        &t,
        DType::Float32,
        &[4],
        &[f64::NAN, f64::NEG_INFINITY, f64::NAN, f64::INFINITY],
        0.0,
    );
    let t = OpCase::new("Mul")
        .input(&[3], &[1e30f32, 0., inf])
        .input(&[3], &[1e30f32, inf, -1.])
        .output();
    assert_close(&t, DType::Float32, &[3], &[f64::INFINITY, f64::NAN, f64::NEG_INFINITY], 0.0);
    // float16 overflows past 65504.
    let t = binary("Mul", DType::Float16, (&[2], &[300., -300.]), (&[2], &[300., 300.]));
    assert_close(&t, DType::Float16, &[2], &[f64::INFINITY, f64::NEG_INFINITY], 0.0);
    let t = binary(
        "SquaredDifference",
        DType::Float32,
        (&[3], &[1., f64::INFINITY, f64::NAN]),
        (&[3], &[4., f64::INFINITY, 0.]),
    );
    assert_close(&t, DType::Float32, &[3], &[9., f64::NAN, f64::NAN], 0.0);
}

#[test]
fn maximum_and_minimum_propagate_nan_and_keep_the_first_zero_on_ties() {
    let x = [1f32, f32::NAN, 2., 0., -0., f32::NEG_INFINITY];
    let y = [f32::NAN, 1f32, 3., -0., 0., f32::INFINITY];
    let max = OpCase::new("Maximum").input(&[6], &x).input(&[6], &y).output();
    let min = OpCase::new("Minimum").input(&[6], &x).input(&[6], &y).output();
    let nan = f32::NAN;
    assert_f32_exact(&max, &[nan, nan, 3., 0., -0., f32::INFINITY]);
    assert_f32_exact(&min, &[nan, nan, 2., 0., -0., f32::NEG_INFINITY]);
    for dtype in [DType::Float64, DType::Float16, DType::BFloat16] {
        for op in ["Maximum", "Minimum"] {
            let t = binary(op, dtype, (&[2], &[1., f64::NAN]), (&[2], &[f64::NAN, 1.]));
            assert_close(&t, dtype, &[2], &[f64::NAN, f64::NAN], 0.0);
        }
    }
    let t =
        OpCase::new("Maximum").input(&[2], &[i32::MIN, 5]).input(&[2], &[i32::MAX, -5]).output();
    assert_values(&t, &[2], &[i32::MAX, 5]);
    let t = OpCase::new("Minimum").input(&[2], &[0u8, 255]).input(&[2], &[255u8, 3]).output();
    assert_values(&t, &[2], &[0u8, 3]);
}
