//! Unary ops: Neg Abs Sign Square Round on integers and floats; Sqrt Rsqrt Reciprocal Exp
//! Expm1 Log Log1p Sin Cos Tan Tanh Sigmoid Erf Floor Ceil on floats.

// Expected values are numpy's float64 results written out, some of which equal std constants.
#![allow(clippy::approx_constant)]

use super::{FLOAT, NUMERIC, SIGNED, assert_f32_exact, assert_rel, assert_unsupported};
use sessionflow_op_tests::core::{DType, Tensor};
use sessionflow_op_tests::{OpCase, assert_close, assert_values, tensor_of, tolerance};

fn unary(op: &str, dtype: DType, x: &[f64]) -> Tensor {
    OpCase::new(op).input_tensor(tensor_of(dtype, &[x.len()], x)).output()
}

/// Float functions at points exact in every float dtype; expected values in float64.
const FLOAT_ROWS: &[(&str, &[f64], &[f64])] = &[
    ("Sqrt", &[0.0, 0.25, 2., 9.], &[0.0, 0.5, 1.4142135623730951, 3.0]),
    ("Rsqrt", &[0.25, 1., 2., 16.], &[2.0, 1.0, 0.7071067811865475, 0.25]),
    ("Reciprocal", &[0.5, -4., 3., 1.], &[2.0, -0.25, 0.3333333333333333, 1.0]),
    (
        "Exp",
        &[0.0, 1., -2., 0.5],
        &[1.0, 2.718281828459045, 0.1353352832366127, 1.6487212707001282],
    ),
    (
        "Expm1",
        &[0.0, 1., -2., 0.5],
        &[0.0, 1.718281828459045, -0.8646647167633873, 0.6487212707001282],
    ),
    (
        "Log",
        &[1., 2., 0.5, 10.],
        &[0.0, 0.6931471805599453, -0.6931471805599453, 2.302585092994046],
    ),
    (
        "Log1p",
        &[0.0, 1., -0.5, 3.],
        &[0.0, 0.6931471805599453, -0.6931471805599453, 1.3862943611198906],
    ),
    (
        "Sin",
        &[0.0, 1., -2., 0.5],
        &[0.0, 0.8414709848078965, -0.9092974268256817, 0.479425538604203],
    ),
    (
        "Cos",
        &[0.0, 1., -2., 0.5],
        &[1.0, 0.5403023058681398, -0.4161468365471424, 0.8775825618903728],
    ),
    (
        "Tan",
        &[0.0, 1., -2., 0.5],
        &[0.0, 1.5574077246549023, 2.185039863261519, 0.5463024898437905],
    ),
    (
        "Tanh",
        &[0.0, 1., -2., 0.5],
        &[0.0, 0.7615941559557649, -0.9640275800758169, 0.46211715726000974],
    ),
    (
        "Sigmoid",
        &[0.0, 1., -2., 0.5],
        &[0.5, 0.7310585786300049, 0.11920292202211755, 0.6224593312018546],
    ),
    (
        "Erf",
        &[0.0, 1., -2., 0.5],
        &[0.0, 0.8427007929497149, -0.9953222650189527, 0.5204998778130465],
    ),
    ("Floor", &[1.5, -1.5, 2., -0.25], &[1.0, -2.0, 2.0, -1.0]),
    ("Ceil", &[1.5, -1.5, 2., -0.25], &[2.0, -1.0, 2.0, 0.0]),
];

#[test]
fn float_functions_on_every_float_dtype() {
    for &(op, x, want) in FLOAT_ROWS {
        for dtype in FLOAT {
            assert_close(&unary(op, dtype, x), dtype, &[4], want, tolerance(dtype));
        }
    }
}

#[test]
fn sign_ops_and_square_on_every_dtype_they_support() {
    let x = [1., -2., 0., 5.];
    for dtype in SIGNED {
        assert_close(&unary("Neg", dtype, &x), dtype, &[4], &[-1., 2., 0., -5.], 0.0);
        assert_close(&unary("Abs", dtype, &x), dtype, &[4], &[1., 2., 0., 5.], 0.0);
        assert_close(&unary("Sign", dtype, &x), dtype, &[4], &[1., -1., 0., 1.], 0.0);
    }
    for dtype in NUMERIC {
        assert_close(
            &unary("Square", dtype, &[1., 2., 0., 11.]),
            dtype,
            &[4],
            &[1., 4., 0., 121.],
            0.0,
        );
    }
    for dtype in FLOAT {
        // Half to even.
        let t = unary("Round", dtype, &[0.5, 1.5, -2.5, 2.25]);
        assert_close(&t, dtype, &[4], &[0., 2., -2., 2.], 0.0);
    }
    // Integers are already round. (TensorFlow 2.21's raw Round kernel returns zeros for
    // integers, a bug; `tf.round` returns integer tensors unchanged, which is what we do.)
    for dtype in [DType::Int32, DType::Int64] {
        assert_close(&unary("Round", dtype, &[3., -4., 0.]), dtype, &[3], &[3., -4., 0.], 0.0);
    }
}

#[test]
fn integer_unary_ops_wrap() {
    let t = OpCase::new("Abs").input(&[4], &[-128i8, -5, 0, 127]).output();
    assert_values(&t, &[4], &[-128i8, 5, 0, 127]);
    let t = OpCase::new("Neg").input(&[4], &[-128i8, -5, 0, 127]).output();
    assert_values(&t, &[4], &[-128i8, 5, 0, -127]);
    let t = OpCase::new("Square").input(&[4], &[12i8, -12, -128, 3]).output();
    assert_values(&t, &[4], &[-112i8, -112, 0, 9]);
    let t = OpCase::new("Square").input(&[3], &[16u8, 15, 255]).output();
    assert_values(&t, &[3], &[0u8, 225, 1]);
    let t = OpCase::new("Sign").input(&[4], &[-2i32, 0, 3, i32::MIN]).output();
    assert_values(&t, &[4], &[-1i32, 0, 1, -1]);
    let t = OpCase::new("Abs").input(&[2], &[i64::MIN, -7]).output();
    assert_values(&t, &[2], &[i64::MIN, 7]);
}

#[test]
fn float_special_values() {
    let (inf, nan) = (f32::INFINITY, f32::NAN);
    let run = |op: &str, x: &[f32]| OpCase::new(op).input(&[x.len()], x).output();
    assert_f32_exact(
        &run("Sign", &[-2., 0., -0., 3., nan, -inf, 1e-30]),
        &[-1., 0., 0., 1., nan, -1., 1.],
    );
    assert_f32_exact(&run("Abs", &[-0., -inf, nan, -2.5]), &[0., inf, nan, 2.5]);
    assert_f32_exact(&run("Neg", &[0., -inf, 1.5]), &[-0., inf, -1.5]);
    assert_f32_exact(&run("Square", &[1e20, -3., nan]), &[inf, 9., nan]);
    assert_f32_exact(
        &run("Round", &[0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 2.4, 2.6, -2.6, nan, inf, -0., 8388609.]),
        &[0., 2., 2., -0., -2., -2., 2., 3., -3., nan, inf, -0., 8388609.],
    );
    assert_f32_exact(
        &run("Floor", &[-1.5, 1.5, -0., inf, nan, -0.5]),
        &[-2., 1., -0., inf, nan, -1.],
    );
    assert_f32_exact(
        &run("Ceil", &[-1.5, 1.5, -0., inf, nan, -0.5]),
        &[-1., 2., -0., inf, nan, -0.],
    );
    assert_f32_exact(&run("Sqrt", &[4., 0., -0., -1., inf]), &[2., 0., -0., nan, inf]);
    assert_f32_exact(&run("Rsqrt", &[4., 0., -0., -1., inf]), &[0.5, inf, -inf, nan, 0.]);
    assert_f32_exact(&run("Reciprocal", &[4., 0., -0., inf, -inf]), &[0.25, inf, -inf, 0., -0.]);
    assert_f32_exact(&run("Exp", &[0., -inf, inf, 89., -104., nan]), &[1., 0., inf, inf, 0., nan]);
    assert_f32_exact(&run("Expm1", &[-inf, 100., -0., nan]), &[-1., inf, -0., nan]);
    assert_f32_exact(&run("Log", &[1., 0., -0., -1., inf, nan]), &[0., -inf, -inf, nan, inf, nan]);
    assert_f32_exact(&run("Log1p", &[-1., -2., inf, -0.]), &[-inf, nan, inf, -0.]);
    assert_f32_exact(&run("Sin", &[0., -0., inf, nan]), &[0., -0., nan, nan]);
    assert_f32_exact(&run("Cos", &[0., inf, nan]), &[1., nan, nan]);
    assert_f32_exact(&run("Tan", &[-0., inf]), &[-0., nan]);
    assert_f32_exact(&run("Tanh", &[20., -inf, inf, nan, -0.]), &[1., -1., 1., nan, -0.]);
    assert_f32_exact(&run("Sigmoid", &[0., -inf, inf, nan, 100.]), &[0.5, 0., 1., nan, 1.]);
    assert_f32_exact(&run("Erf", &[-inf, inf, nan, -0., 5.]), &[-1., 1., nan, -0., 1.]);
    let t = run("Log", &[1e-30]);
    assert_close(&t, DType::Float32, &[1], &[-69.07755278665029], 1e-7);
}

#[test]
fn expm1_and_log1p_are_accurate_near_zero() {
    // Inputs are the float32 roundings of 1e-10, -1e-10, 1e-5, -1e-7, 1e-3; expected values
    // are exact (float64) functions of those float32 inputs.
    let x = [
        1.000000013351432e-10,
        -1.000000013351432e-10,
        9.999999747378752e-06,
        -1.0000000116860974e-07,
        0.0010000000474974513,
    ];
    let expm1 = [
        1.0000000134014319e-10,
        -1.000000013301432e-10,
        1.0000049747542893e-05,
        -9.999999616860979e-08,
        0.0010005002142533142,
    ];
    let log1p = [
        1.000000013301432e-10,
        -1.0000000134014319e-10,
        9.999949747714609e-06,
        -1.000000061686102e-07,
        0.0009995003805335345,
    ];
    assert_rel(&unary("Expm1", DType::Float32, &x), DType::Float32, &[5], &expm1, 2e-7);
    assert_rel(&unary("Log1p", DType::Float32, &x), DType::Float32, &[5], &log1p, 2e-7);
    let x = [1e-10, -1e-10, 1e-5, -1e-7, 1e-3];
    let expm1 = [
        1.00000000005e-10,
        -9.999999999500001e-11,
        1.0000050000166668e-05,
        -9.999999500000016e-08,
        0.0010005001667083417,
    ];
    let log1p = [
        9.999999999500001e-11,
        -1.00000000005e-10,
        9.999950000333332e-06,
        -1.0000000500000033e-07,
        0.0009995003330835331,
    ];
    assert_rel(&unary("Expm1", DType::Float64, &x), DType::Float64, &[5], &expm1, 1e-15);
    assert_rel(&unary("Log1p", DType::Float64, &x), DType::Float64, &[5], &log1p, 1e-15);
}

#[test]
fn erf_is_accurate_to_a_few_ulp() {
    // float32 roundings of 1e-10 0.001 0.1 0.3 0.5 0.8 1 1.5 2 2.5 3 3.9 and erf of each.
    let x = [
        1.000000013351432e-10,
        0.0010000000474974513,
        0.10000000149011612,
        0.30000001192092896,
        0.5,
        0.800000011920929,
        1.0,
        1.5,
        2.0,
        2.5,
        3.0,
        3.9000000953674316,
    ];
    let want = [
        1.1283791821609903e-10,
        0.0011283788445643173,
        0.11246291768297051,
        0.32862677175271543,
        0.5204998778130465,
        0.7421009718004437,
        0.8427007929497149,
        0.9661051464753108,
        0.9953222650189527,
        0.999593047982555,
        0.9999779095030014,
        0.9999999652077781,
    ];
    assert_rel(&unary("Erf", DType::Float32, &x), DType::Float32, &[12], &want, 1.2e-7);
    let neg: Vec<f64> = x.iter().map(|v| -v).collect();
    let neg_want: Vec<f64> = want.iter().map(|v| -v).collect();
    assert_rel(&unary("Erf", DType::Float32, &neg), DType::Float32, &[12], &neg_want, 1.2e-7);
    let x = [1e-10, 0.1, 0.5, 1.0, 2.0, 3.0, 5.0];
    let want = [
        1.1283791670955126e-10,
        0.1124629160182849,
        0.5204998778130465,
        0.8427007929497149,
        0.9953222650189527,
        0.9999779095030014,
        0.9999999999984626,
    ];
    assert_rel(&unary("Erf", DType::Float64, &x), DType::Float64, &[7], &want, 1e-15);
}

#[test]
fn sigmoid_keeps_relative_precision_for_very_negative_inputs() {
    let t = OpCase::new("Sigmoid").input(&[2], &[-80f32, -20.]).output();
    assert_rel(&t, DType::Float32, &[2], &[1.8048513878454153e-35, 2.0611536181902033e-09], 1e-6);
    let t = OpCase::new("Sigmoid").input(&[3], &[-700f64, -40., 40.]).output();
    assert_rel(
        &t,
        DType::Float64,
        &[3],
        &[9.85967654375977e-305, 4.248354255291589e-18, 1.0],
        1e-14,
    );
}

#[test]
fn unary_shapes_pass_through() {
    let t = OpCase::new("Exp").input(&[2, 0, 3], &[0f32; 0]).output();
    assert_values(&t, &[2, 0, 3], &[0f32; 0]);
    let t = OpCase::new("Neg").input(&[], &[3i64]).output();
    assert_values(&t, &[], &[-3i64]);
}

#[test]
fn unary_dtypes_without_a_kernel_are_rejected() {
    for op in ["Neg", "Abs", "Sign"] {
        assert_unsupported(op, DType::UInt8, 1);
        assert_unsupported(op, DType::Bool, 1);
    }
    assert_unsupported("Square", DType::Bool, 1);
    for dtype in [DType::Int8, DType::Int16, DType::UInt8, DType::Bool] {
        assert_unsupported("Round", dtype, 1);
    }
    for (op, _, _) in FLOAT_ROWS {
        assert_unsupported(op, DType::Int32, 1);
        assert_unsupported(op, DType::Int64, 1);
    }
}
