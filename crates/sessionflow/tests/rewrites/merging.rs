//! Common-subexpression elimination.

use super::support::*;
use sessionflow::core::{AttrValue, DType};

#[test]
fn duplicate_computations_run_once() {
    let mut b = Builder::default();
    let x = b.placeholder("x", &[3]);
    let c = b.constant("c", &[], &[0.5]);
    let e1 = b.op("Exp", "e1", &[x]);
    let e2 = b.op("Exp", "e2", &[x]);
    // Commutative: x·c and c·x are the same product.
    let m1 = b.op("Mul", "m1", &[e1, c]);
    let m2 = b.op("Mul", "m2", &[c, e2]);
    let y = b.op("Sub", "y", &[m1, m2]);
    let z = b.op("AddV2", "z", &[m1, m2]);
    let feeds = [(x, tensor(&[3], &[0.0, 1.0, -1.0]))];
    let (on, off) = both(&b.graph, &feeds, &[y, z], 0.0);
    assert_eq!(on.f32s(0), [0.0; 3]);
    assert_eq!(on.f32s(1), [1.0, 1.0f32.exp(), (-1.0f32).exp()]);
    assert!(on.ran("e1") && !on.ran("e2"), "the later duplicate is merged into the first");
    assert!(on.ran("m1") && !on.ran("m2"));
    assert!(off.ran("e2") && off.ran("m2"));
}

#[test]
fn different_attrs_or_stateful_ops_are_not_merged() {
    let mut b = Builder::default();
    let x = b.placeholder("x", &[2, 3]);
    let axis = b.ints("axis", &[1]);
    let keep = |b: &mut Builder, name: &str, keep: bool| {
        b.node("Sum", name, &[x, axis], &[], &[("keep_dims", AttrValue::Bool(keep))])
    };
    let s1 = keep(&mut b, "s1", false);
    let s2 = keep(&mut b, "s2", true);
    let shape = b.ints("shape", &[4]);
    let random = |b: &mut Builder, name: &str| {
        b.node("RandomUniform", name, &[shape], &[], &[("dtype", AttrValue::Type(DType::Float32))])
    };
    let r1 = random(&mut b, "r1");
    let r2 = random(&mut b, "r2");
    let feeds = [(x, tensor(&[2, 3], &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0]))];
    let on = run_with(&b.graph, &config(true), &feeds, &[s1, s2, r1, r2], &[]);
    assert_eq!(on.values[0].shape().dims(), &[2]);
    assert_eq!(on.values[1].shape().dims(), &[2, 1]);
    assert_ne!(on.f32s(2), on.f32s(3), "two random ops draw separately");
}

#[test]
fn duplicates_inside_a_conditional_are_left_alone() {
    let mut b = Builder::default();
    let x = b.placeholder("x", &[]);
    let pred = b.node(
        "Placeholder",
        "pred",
        &[],
        &[],
        &[
            ("dtype", AttrValue::Type(DType::Bool)),
            ("shape", AttrValue::Shape(sessionflow::core::PartialShape::scalar())),
        ],
    );
    let switch = b.op("Switch", "switch", &[x, pred]);
    let taken = sessionflow::graph::Endpoint::new(switch.node, 1);
    let e1 = b.op("Exp", "e1", &[taken]);
    let e2 = b.op("Exp", "e2", &[taken]);
    let y = b.op("AddV2", "y", &[e1, e2]);
    let t = sessionflow::core::Tensor::from_slice(
        sessionflow::host_allocator(),
        sessionflow::core::TensorShape::scalar(),
        &[true],
    )
    .unwrap();
    let on = run_with(&b.graph, &config(true), &[(x, tensor(&[], &[0.0])), (pred, t)], &[y], &[]);
    assert_eq!(on.f32s(0), [2.0]);
    assert!(on.ran("e1") && on.ran("e2"), "control flow blocks merging");
}
