//! Where, Select, SelectV2 and OneHot.

use super::{FLAT, any_tensor, assert_any, strings};
use sessionflow_op_tests::core::{Code, DType, Tensor};
use sessionflow_op_tests::{OpCase, assert_values, string_tensor, tensor, tensor_of};

fn where_op(t: Tensor) -> OpCase {
    OpCase::new("Where").input_tensor(t)
}

#[test]
fn where_gives_coordinates_for_every_dtype() {
    for dtype in FLAT {
        let t = where_op(tensor_of(dtype, &[2, 2], &[1., 0., 0., 1.])).output();
        assert_values(&t, &[2, 2], &[0i64, 0, 1, 1]);
    }
    // NaN is nonzero, -0 is zero.
    let t = where_op(tensor(&[4], &[0f32, -0., f32::NAN, 1.])).output();
    assert_values(&t, &[2, 1], &[2i64, 3]);
    let t = where_op(tensor(&[2, 1, 2], &[0i32, 3, 0, -1])).output();
    assert_values(&t, &[2, 3], &[0i64, 0, 1, 1, 0, 1]);
}

#[test]
fn where_of_nothing() {
    assert_values::<i64>(&where_op(tensor(&[3], &[false; 3])).output(), &[0, 1], &[]);
    assert_values::<i64>(&where_op(tensor::<bool>(&[0, 3], &[])).output(), &[0, 2], &[]);
    where_op(tensor(&[], &[true]))
        .expect_error(Code::InvalidArgument, "WhereOp : Unhandled input dimensions: 0");
    where_op(string_tensor(&[1], &["a"])).expect_error(Code::InvalidArgument, "");
}

fn select(op: &str, c: Tensor, t: Tensor, e: Tensor) -> OpCase {
    OpCase::new(op).input_tensor(c).input_tensor(t).input_tensor(e)
}

#[test]
fn select_elementwise_for_every_dtype() {
    for op in ["Select", "SelectV2"] {
        for dtype in FLAT.into_iter().chain([DType::String]) {
            let c = tensor(&[2, 2], &[true, false, false, true]);
            let t = any_tensor(dtype, &[2, 2], &[1., 2., 3., 4.]);
            let e = any_tensor(dtype, &[2, 2], &[5., 6., 7., 0.]);
            assert_any(&select(op, c, t, e).output(), dtype, &[2, 2], &[1., 6., 7., 4.]);
        }
    }
}

#[test]
fn select_takes_rows_by_a_vector_condition() {
    let m = |v: [i32; 4]| tensor(&[2, 2], &v);
    let out =
        select("Select", tensor(&[2], &[true, false]), m([1, 2, 3, 4]), m([5, 6, 7, 8])).output();
    assert_values(&out, &[2, 2], &[1, 2, 7, 8]);
    // Rank 3: each condition picks a [2,2] block (TF: [[[0,-1],[-2,-3]],[[4,5],[6,7]]]).
    let a = tensor(&[2, 2, 2], &[0i32, 1, 2, 3, 4, 5, 6, 7]);
    let b = tensor(&[2, 2, 2], &[0i32, -1, -2, -3, -4, -5, -6, -7]);
    let out = select("Select", tensor(&[2], &[false, true]), a, b).output();
    assert_values(&out, &[2, 2, 2], &[0, -1, -2, -3, 4, 5, 6, 7]);
    // A scalar condition picks a whole input.
    let out = select("Select", tensor(&[], &[true]), m([1, 2, 3, 4]), m([5, 6, 7, 8])).output();
    assert_values(&out, &[2, 2], &[1, 2, 3, 4]);
    let s = |v: &[&str]| string_tensor(&[2], v);
    let out = select("Select", tensor(&[], &[false]), s(&["a", "b"]), s(&["c", "d"])).output();
    assert_eq!(strings(&out), ["c", "d"]);
    let out = select(
        "Select",
        tensor::<bool>(&[0], &[]),
        tensor::<f32>(&[0, 2], &[]),
        tensor::<f32>(&[0, 2], &[]),
    );
    assert_values::<f32>(&out.output(), &[0, 2], &[]);
}

#[test]
fn select_shape_errors() {
    let m = || tensor(&[2, 2], &[1i32, 2, 3, 4]);
    select("Select", tensor(&[3], &[true; 3]), m(), m()).expect_error(Code::InvalidArgument, "");
    select("Select", tensor(&[2], &[true; 2]), m(), tensor(&[1, 2], &[5i32, 6]))
        .expect_error(Code::InvalidArgument, "");
    select("Select", tensor(&[1, 2], &[true; 2]), m(), m()).expect_error(Code::InvalidArgument, "");
    select("Select", tensor(&[2], &[true; 2]), tensor(&[], &[1i32]), tensor(&[], &[2i32]))
        .expect_error(Code::InvalidArgument, "");
    select("Select", tensor(&[], &[true]), m(), tensor(&[4], &[1i32; 4]))
        .expect_error(Code::InvalidArgument, "");
}

#[test]
fn select_v2_broadcasts_all_three() {
    // TF: where_v2([[True],[False]], [1,2,3], 0) = [[1,2,3],[0,0,0]].
    let c = tensor(&[2, 1], &[true, false]);
    let out = select("SelectV2", c, tensor(&[3], &[1i32, 2, 3]), tensor(&[], &[0i32])).output();
    assert_values(&out, &[2, 3], &[1, 2, 3, 0, 0, 0]);
    let c = tensor(&[], &[false]);
    let out =
        select("SelectV2", c, tensor(&[2], &[1f32, 2.]), tensor(&[2, 1], &[7f32, 8.])).output();
    assert_values(&out, &[2, 2], &[7f32, 7., 8., 8.]);
    let c = tensor(&[3], &[true, false, true]);
    let out = select("SelectV2", c, tensor(&[], &[1u8]), tensor(&[3], &[4u8, 5, 6])).output();
    assert_values(&out, &[3], &[1u8, 5, 1]);
    select("SelectV2", tensor(&[2], &[true; 2]), tensor(&[3], &[1i32; 3]), tensor(&[], &[0i32]))
        .expect_error(Code::InvalidArgument, "");
    let err = select(
        "SelectV2",
        tensor(&[2], &[true; 2]),
        tensor(&[3], &[1i32; 3]),
        tensor(&[], &[0i32]),
    )
    .run_mode(sessionflow_op_tests::InputMode::FedUnknownShape)
    .unwrap_err();
    assert_eq!(err.message, "condition [2], then [3], and else [] must be broadcastable");
}

#[test]
fn big_selects_agree_with_elementwise_rules() {
    let n = 100_000;
    let c: Vec<bool> = (0..n).map(|i| i % 3 == 0).collect();
    let t: Vec<i32> = (0..n as i32).collect();
    let e: Vec<i32> = (0..n as i32).map(|i| -i).collect();
    for op in ["Select", "SelectV2"] {
        let out = select(op, tensor(&[n], &c), tensor(&[n], &t), tensor(&[n], &e)).output();
        let v = out.as_slice::<i32>().unwrap();
        assert!(
            v.iter()
                .enumerate()
                .all(|(i, &x)| x == if i % 3 == 0 { i as i32 } else { -(i as i32) })
        );
    }
}

fn one_hot(indices: Tensor, depth: i32, on: Tensor, off: Tensor) -> OpCase {
    OpCase::new("OneHot")
        .input_tensor(indices)
        .input(&[], &[depth])
        .input_tensor(on)
        .input_tensor(off)
}

#[test]
fn one_hot_for_every_dtype() {
    for dtype in FLAT.into_iter().chain([DType::String]) {
        let on = any_tensor(dtype, &[], &[1.]);
        let off = any_tensor(dtype, &[], &[0.]);
        let t = one_hot(tensor(&[4], &[0i64, 2, -1, 5]), 3, on, off).output();
        assert_any(&t, dtype, &[4, 3], &[1., 0., 0., 0., 0., 1., 0., 0., 0., 0., 0., 0.]);
    }
    let s = |v: &str| string_tensor(&[], &[v]);
    let t = one_hot(tensor(&[2], &[0i32, 2]), 3, s("a"), s("b")).output();
    assert_eq!(strings(&t), ["a", "b", "b", "b", "b", "a"]);
}

#[test]
fn one_hot_axes_and_index_types() {
    let f = |v: f32| tensor(&[], &[v]);
    // axis 0 puts depth first: out[d, i] = (indices[i] == d).
    let t = one_hot(tensor(&[2], &[0i32, 2]), 3, f(1.), f(0.)).attr_int("axis", 0).output();
    assert_values(&t, &[3, 2], &[1f32, 0., 0., 0., 0., 1.]);
    // TF: one_hot([[0,1],[2,0]], 3, axis=1) = [[[1,0],[0,1],[0,0]],[[0,1],[0,0],[1,0]]].
    let i = |v: i32| tensor(&[], &[v]);
    let t = one_hot(tensor(&[2, 2], &[0i32, 1, 2, 0]), 3, i(1), i(0)).attr_int("axis", 1).output();
    assert_values(&t, &[2, 3, 2], &[1, 0, 0, 1, 0, 0, 0, 1, 0, 0, 1, 0]);
    let t = one_hot(tensor(&[2], &[0u8, 200]), 3, i(1), i(0)).output();
    assert_values(&t, &[2, 3], &[1, 0, 0, 0, 0, 0]);
    let t = one_hot(tensor(&[2], &[-1i8, 1]), 2, i(5), i(-5)).output();
    assert_values(&t, &[2, 2], &[-5, -5, -5, 5]);
    let t = one_hot(tensor(&[], &[1i32]), 3, f(1.), f(0.)).output();
    assert_values(&t, &[3], &[0f32, 1., 0.]);
    let t = one_hot(tensor::<i32>(&[0], &[]), 3, f(1.), f(0.)).output();
    assert_values::<f32>(&t, &[0, 3], &[]);
    let t = one_hot(tensor(&[2], &[0i32, 1]), 0, f(1.), f(0.)).output();
    assert_values::<f32>(&t, &[2, 0], &[]);
}

#[test]
fn one_hot_errors() {
    let f = |v: f32| tensor(&[], &[v]);
    let idx = || tensor(&[2], &[0i32, 2]);
    one_hot(idx(), -1, f(1.), f(0.))
        .expect_error(Code::InvalidArgument, "depth must be non-negative");
    one_hot(idx(), 3, f(1.), f(0.)).attr_int("axis", -2).expect_error(Code::InvalidArgument, "");
    one_hot(idx(), 3, f(1.), f(0.)).attr_int("axis", 2).expect_error(
        Code::InvalidArgument,
        "Expected axis to be -1 or between [0, 2).  But received: 2",
    );
    one_hot(idx(), 3, tensor(&[1], &[1f32]), f(0.))
        .expect_error(Code::InvalidArgument, "on_value must be a scalar, but got: [1]");
    one_hot(idx(), 3, f(1.), tensor(&[1], &[0f32]))
        .expect_error(Code::InvalidArgument, "off_value must be a scalar, but got: [1]");
    OpCase::new("OneHot")
        .input_tensor(idx())
        .input(&[1], &[3i32])
        .input_tensor(f(1.))
        .input_tensor(f(0.))
        .expect_error(Code::InvalidArgument, "depth must be a scalar, but got: [1]");
}
