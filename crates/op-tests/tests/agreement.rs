//! The cross-device tolerances themselves: what they let through and what they catch.

use sessionflow_op_tests::agreement::{Agreement, agreement, disagreement};
use sessionflow_op_tests::core::AttrMap;
use sessionflow_op_tests::tensor;

const EPS: f64 = f32::EPSILON as f64;

#[test]
fn integers_must_match_bit_for_bit_even_beyond_f64_precision() {
    let big = 1i64 << 53;
    let cpu = tensor(&[2], &[big, 7]);
    assert_eq!(agreement("AddV2", &AttrMap::new(), &[], &cpu), Agreement::Exact);
    // big and big + 1 are the same f64: only a bitwise comparison tells them apart.
    assert!(disagreement(&cpu, &tensor(&[2], &[big + 1, 7]), Agreement::Exact).is_some());
    assert!(disagreement(&cpu, &tensor(&[2], &[big, 7]), Agreement::Exact).is_none());
    assert!(disagreement(&cpu, &tensor(&[1, 2], &[big, 7]), Agreement::Exact).is_some(), "shape");
}

#[test]
fn float_tolerances_bound_the_difference_and_keep_nan_and_infinities_exact() {
    let one_ulp = Agreement::Within { rel: EPS, abs: 0.0 };
    let cpu = tensor(&[4], &[1f32, f32::NAN, f32::INFINITY, -2.0]);
    let next = 1f32 + f32::EPSILON;
    let close = tensor(&[4], &[next, f32::NAN, f32::INFINITY, -2.0]);
    assert_eq!(disagreement(&cpu, &close, one_ulp), None);
    let two_ulps = tensor(&[4], &[next + f32::EPSILON, f32::NAN, f32::INFINITY, -2.0]);
    assert!(disagreement(&cpu, &two_ulps, one_ulp).is_some());
    let not_nan = tensor(&[4], &[1f32, 0.0, f32::INFINITY, -2.0]);
    assert!(disagreement(&cpu, &not_nan, one_ulp).unwrap().contains("element 1"));
    let finite = tensor(&[4], &[1f32, f32::NAN, f32::MAX, -2.0]);
    assert!(disagreement(&cpu, &finite, one_ulp).unwrap().contains("element 2"));
}

#[test]
fn each_kind_of_op_gets_its_stated_bound() {
    let attrs = AttrMap::new();
    let x = tensor(&[3], &[-3f32, 1.0, 2.0]);
    let out = tensor(&[3], &[0f32, 0.0, 0.0]);
    let tiny = f32::MIN_POSITIVE as f64;
    assert_eq!(agreement("Relu", &attrs, std::slice::from_ref(&x), &out), Agreement::Exact);
    assert_eq!(
        agreement("Mul", &attrs, &[x.clone(), x.clone()], &out),
        Agreement::Within { rel: EPS, abs: tiny }
    );
    assert_eq!(
        agreement("RealDiv", &attrs, &[x.clone(), x.clone()], &out),
        Agreement::Within { rel: 3.0 * EPS, abs: tiny }
    );
    // exp: (8 + 2·max|x|) ulp with max|x| = 3.
    assert_eq!(
        agreement("Exp", &attrs, std::slice::from_ref(&x), &out),
        Agreement::Within { rel: 14.0 * EPS, abs: 4.0 * EPS }
    );
    // A [1, 4] by [4, 1] product of terms at most 1 · 0.5: n = 4, M = 4 · 0.5 = 2,
    // two sums within γ₄·M of the truth each.
    let a = tensor(&[1, 4], &[1f32, -1.0, 0.5, 1.0]);
    let b = tensor(&[4, 1], &[0.5f32, 0.25, -0.5, 0.125]);
    let gamma4 = 4.0 * EPS / (1.0 - 4.0 * EPS);
    assert_eq!(
        agreement("MatMul", &attrs, &[a, b], &tensor(&[1, 1], &[0f32])),
        Agreement::Within { rel: 2.0 * EPS, abs: 2.0 * gamma4 * 2.0 + tiny }
    );
}
