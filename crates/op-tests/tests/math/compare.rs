//! Comparisons (Equal NotEqual Less LessEqual Greater GreaterEqual), logic (LogicalAnd
//! LogicalOr LogicalNot) and the string forms of Add and Equal/NotEqual.

use super::{NUMERIC, assert_unsupported, binary};
use sessionflow_op_tests::core::{Code, DType};
use sessionflow_op_tests::{OpCase, assert_values, string_tensor, tensor_of};

#[test]
fn comparisons_on_every_numeric_dtype() {
    let (x, y) = ([1., 2., 3., 4., 0., 5.], [2., 2., 2., 5., 0., 1.]);
    let cases: [(&str, [bool; 6]); 6] = [
        ("Equal", [false, true, false, false, true, false]),
        ("NotEqual", [true, false, true, true, false, true]),
        ("Less", [true, false, false, true, false, false]),
        ("LessEqual", [true, true, false, true, true, false]),
        ("Greater", [false, false, true, false, false, true]),
        ("GreaterEqual", [false, true, true, false, true, true]),
    ];
    for (op, want) in cases {
        for dtype in NUMERIC {
            let t = binary(op, dtype, (&[6], &x), (&[6], &y));
            assert_values(&t, &[6], &want);
        }
    }
}

#[test]
fn nan_compares_unequal_to_everything_and_zeros_are_equal() {
    let (x, y) = ([f32::NAN, 0., 1.], [f32::NAN, -0., 1.]);
    let eq = OpCase::new("Equal").input(&[3], &x).input(&[3], &y).output();
    assert_values(&eq, &[3], &[false, true, true]);
    let ne = OpCase::new("NotEqual").input(&[3], &x).input(&[3], &y).output();
    assert_values(&ne, &[3], &[true, false, false]);
    let (x, y) = ([f32::NAN, 1., 1.], [1., f32::NAN, 2.]);
    for (op, want) in [
        ("Less", [false, false, true]),
        ("LessEqual", [false, false, true]),
        ("Greater", [false, false, false]),
        ("GreaterEqual", [false, false, false]),
    ] {
        let t = OpCase::new(op).input(&[3], &x).input(&[3], &y).output();
        assert_values(&t, &[3], &want);
    }
    // Extremes of each integer type order correctly.
    let t = OpCase::new("Less").input(&[2], &[i64::MIN, 255]).input(&[2], &[i64::MAX, 0]).output();
    assert_values(&t, &[2], &[true, false]);
    let t = OpCase::new("Greater").input(&[2], &[255u8, 0]).input(&[2], &[0u8, 255]).output();
    assert_values(&t, &[2], &[true, false]);
}

#[test]
fn equality_on_bools_and_strings() {
    let t = OpCase::new("Equal").input(&[2], &[true, false]).input(&[2], &[true, true]).output();
    assert_values(&t, &[2], &[true, false]);
    let t = OpCase::new("NotEqual").input(&[2], &[true, false]).input(&[], &[false]).output();
    assert_values(&t, &[2], &[true, false]);
    let t = OpCase::new("Equal")
        .input_tensor(string_tensor(&[3], &["a", "b", ""]))
        .input_tensor(string_tensor(&[3], &["a", "c", ""]))
        .output();
    assert_values(&t, &[3], &[true, false, true]);
    let t = OpCase::new("NotEqual")
        .input_tensor(string_tensor(&[2, 1], &["ab", "x"]))
        .input_tensor(string_tensor(&[2], &["ab", "abc"]))
        .output();
    assert_values(&t, &[2, 2], &[false, true, true, true]);
}

#[test]
fn equality_of_incompatible_shapes_is_a_scalar_when_asked_not_to_fail() {
    for (op, want) in [("Equal", false), ("NotEqual", true)] {
        let t = OpCase::new(op)
            .input(&[2], &[1i32, 2])
            .input(&[3], &[1i32, 2, 3])
            .attr_bool("incompatible_shape_error", false)
            .output();
        assert_values(&t, &[], &[want]);
        let t = OpCase::new(op)
            .input_tensor(string_tensor(&[2], &["a", "b"]))
            .input_tensor(string_tensor(&[3], &["a", "b", "c"]))
            .attr_bool("incompatible_shape_error", false)
            .output();
        assert_values(&t, &[], &[want]);
        // Shapes that broadcast still compare elementwise.
        let t = OpCase::new(op)
            .input(&[2, 1], &[1i32, 2])
            .input(&[2], &[1i32, 2])
            .attr_bool("incompatible_shape_error", false)
            .output();
        let same = [true, false, false, true];
        assert_values(&t, &[2, 2], &same.map(|s| s != want));
        OpCase::new(op)
            .input(&[2], &[1i32, 2])
            .input(&[3], &[1i32, 2, 3])
            .expect_error(Code::InvalidArgument, "must be equal");
    }
}

#[test]
fn logical_ops_broadcast_on_bools() {
    let x = [true, true, false, false];
    let y = [true, false, true, false];
    let t = OpCase::new("LogicalAnd").input(&[4], &x).input(&[4], &y).output();
    assert_values(&t, &[4], &[true, false, false, false]);
    let t = OpCase::new("LogicalOr").input(&[4], &x).input(&[4], &y).output();
    assert_values(&t, &[4], &[true, true, true, false]);
    let t = OpCase::new("LogicalAnd")
        .input(&[2, 1], &[true, false])
        .input(&[2], &[true, false])
        .output();
    assert_values(&t, &[2, 2], &[true, false, false, false]);
    let t = OpCase::new("LogicalNot").input(&[2], &[true, false]).output();
    assert_values(&t, &[2], &[false, true]);
}

#[test]
fn add_concatenates_strings_with_broadcasting() {
    let t = OpCase::new("Add")
        .input_tensor(string_tensor(&[2, 1], &["a", "b"]))
        .input_tensor(string_tensor(&[2], &["x", "yz"]))
        .output();
    assert_eq!(t.shape().dims(), [2, 2]);
    let want: Vec<Vec<u8>> =
        ["ax", "ayz", "bx", "byz"].iter().map(|s| s.as_bytes().to_vec()).collect();
    assert_eq!(t.as_strings().unwrap(), want);
    let t = OpCase::new("Add")
        .input_tensor(string_tensor(&[0], &[]))
        .input_tensor(string_tensor(&[], &["x"]))
        .output();
    assert_eq!(t.shape().dims(), [0]);
    OpCase::new("Add")
        .input_tensor(string_tensor(&[2], &["a", "b"]))
        .input_tensor(string_tensor(&[3], &["a", "b", "c"]))
        .expect_error(Code::InvalidArgument, "must be equal");
}

#[test]
fn comparison_and_logic_dtypes_without_a_kernel_are_rejected() {
    for op in ["Less", "LessEqual", "Greater", "GreaterEqual"] {
        assert_unsupported(op, DType::Bool, 2);
        assert_unsupported(op, DType::String, 2);
    }
    for op in ["LogicalAnd", "LogicalOr"] {
        assert_unsupported(op, DType::Float32, 2);
        assert_unsupported(op, DType::Int32, 2);
    }
    assert_unsupported("LogicalNot", DType::Int8, 1);
    // Mixed operand dtypes are rejected too.
    OpCase::new("Equal")
        .input_tensor(tensor_of(DType::Int32, &[1], &[1.]))
        .input_tensor(tensor_of(DType::Int64, &[1], &[1.]))
        .expect_error(Code::InvalidArgument, "does not match");
}
