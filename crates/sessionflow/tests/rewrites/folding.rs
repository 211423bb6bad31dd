//! Identity removal and constant folding.

use super::support::*;
use sessionflow::core::{AttrValue, DType, PartialShape};

#[test]
fn identities_are_bypassed_but_a_fetched_one_still_answers() {
    let mut b = Builder::default();
    let x = b.placeholder("x", &[3]);
    let a = b.op("Identity", "a", &[x]);
    let c = b.op("Identity", "c", &[a]);
    let two = b.constant("two", &[], &[2.0]);
    let y = b.op("Mul", "y", &[c, two]);
    let out = b.op("Identity", "out", &[y]);
    let feeds = [(x, tensor(&[3], &[1.0, -2.0, 0.5]))];
    let (on, off) = both(&b.graph, &feeds, &[out, a], 0.0);
    assert_eq!(on.f32s(0), [2.0, -4.0, 1.0]);
    assert_eq!(on.f32s(1), [1.0, -2.0, 0.5], "the fetched identity 'a'");
    assert!(!on.ran("c"), "the unfetched identity is bypassed");
    assert!(on.ran("a") && on.ran("out"), "fetched identities run");
    assert!(off.ran("c"));
}

#[test]
fn constant_subgraphs_are_computed_once_into_constants() {
    let mut b = Builder::default();
    let x = b.placeholder("x", &[2]);
    let c1 = b.constant("c1", &[2], &[3.0, 4.0]);
    let c2 = b.constant("c2", &[2], &[0.5, 0.25]);
    let sum = b.op("AddV2", "sum", &[c1, c2]);
    let sq = b.op("Square", "sq", &[sum]);
    let shape = b.op("Shape", "shape", &[sq]);
    let scaled = b.op("Mul", "scaled", &[x, sq]);
    let y = b.op("AddV2", "y", &[scaled, sq]);
    let feeds = [(x, tensor(&[2], &[1.0, -1.0]))];
    let (on, off) = both(&b.graph, &feeds, &[y, shape], 0.0);
    // (3.5², 4.25²) = (12.25, 18.0625); y = x·sq + sq.
    assert_eq!(on.f32s(0), [24.5, 0.0]);
    assert_eq!(on.values[1].as_slice::<i32>().unwrap(), &[2]);
    assert_eq!(on.op_of("sq"), Some("Const"), "folded where it meets the fed part");
    assert!(!on.ran("sum") && !on.ran("c1"), "what it was folded from no longer runs");
    assert_eq!(on.op_of("shape"), Some("Shape"), "a fetched node keeps its op");
    assert_eq!(off.op_of("sq"), Some("Square"));
    assert!(on.stats.len() < off.stats.len());
}

#[test]
fn fed_constants_and_stateful_ops_are_not_folded() {
    let mut b = Builder::default();
    let c = b.constant("c", &[], &[1.0]);
    let two = b.constant("two", &[], &[2.0]);
    let y = b.op("Mul", "y", &[c, two]);
    let fed = run_with(&b.graph, &config(true), &[(c, tensor(&[], &[5.0]))], &[y], &[]);
    assert_eq!(fed.f32s(0), [10.0], "the feed, not the constant");

    let shape = b.ints("shape", &[64]);
    let random = b.node(
        "RandomUniform",
        "random",
        &[shape],
        &[],
        &[("dtype", AttrValue::Type(DType::Float32))],
    );
    let r = b.op("Mul", "r", &[random, two]);
    let session_config = config(true);
    let first = run_with(&b.graph, &session_config, &[], &[r], &[]);
    assert_eq!(first.op_of("random"), Some("RandomUniform"));
    let second = run_with(&b.graph, &session_config, &[], &[r], &[]);
    assert_eq!(second.op_of("r"), Some("Mul"), "nothing downstream of it is constant");
    assert!(first.f32s(0).iter().all(|v| (0.0..2.0).contains(v)));
}

#[test]
fn kernel_errors_in_constant_subgraphs_surface_at_run_time() {
    let mut b = Builder::default();
    let x = b.placeholder("x", &[-1]);
    let params = b.constant("params", &[4], &[1.0, 2.0, 3.0, 4.0]);
    // Index 5 of 4 fails in the kernel; folding must leave the error to the run.
    let indices = b.ints("indices", &[5]);
    let axis = b.ints("axis", &[0]);
    let axis = b.node("Squeeze", "axis0", &[axis], &[], &[]);
    let bad = b.op("GatherV2", "bad", &[params, indices, axis]);
    let y = b.op("AddV2", "y", &[x, bad]);
    let session = sessionflow::open_session(
        std::sync::Arc::new(std::sync::RwLock::new(b.graph.clone())),
        &config(true),
    )
    .unwrap();
    let err = session.run(vec![(x, tensor(&[1], &[0.0]))], &[y], &[]).unwrap_err();
    assert_eq!(err.code, sessionflow::core::Code::InvalidArgument, "{err}");
    assert!(err.message.contains("not in"), "{err}");
}

#[test]
fn a_constant_in_a_conditional_branch_stays_in_the_branch() {
    let mut b = Builder::default();
    let x = b.placeholder("x", &[]);
    let pred = b.node(
        "Placeholder",
        "pred",
        &[],
        &[],
        &[
            ("dtype", AttrValue::Type(DType::Bool)),
            ("shape", AttrValue::Shape(PartialShape::scalar())),
        ],
    );
    let switch = b.op("Switch", "switch", &[x, pred]);
    let taken = sessionflow::graph::Endpoint::new(switch.node, 1);
    let not_taken = sessionflow::graph::Endpoint::new(switch.node, 0);
    let pivot = b.op("Identity", "pivot", &[taken]);
    // Constants in a branch wait on its pivot, so they are dead when it is not taken.
    let c = b.constant_after("c", &[], &[3.0], &[pivot.node]);
    let d = b.constant_after("d", &[], &[4.0], &[pivot.node]);
    let cd = b.op("AddV2", "cd", &[c, d]);
    let then = b.op("Mul", "then", &[pivot, cd]);
    let other = b.op("Identity", "other", &[not_taken]);
    let merged = b.op("Merge", "merged", &[then, other]);
    let bool_tensor = |v: bool| {
        sessionflow::core::Tensor::from_slice(
            sessionflow::host_allocator(),
            sessionflow::core::TensorShape::scalar(),
            &[v],
        )
        .unwrap()
    };
    for (p, want) in [(true, 14.0), (false, 2.0)] {
        let feeds = [(x, tensor(&[], &[2.0])), (pred, bool_tensor(p))];
        let on = run_with(&b.graph, &config(true), &feeds, &[merged], &[]);
        assert_eq!(on.f32s(0), [want], "pred {p}");
        assert_eq!(on.op_of("cd"), if p { Some("AddV2") } else { None }, "not folded");
    }
}

#[test]
fn a_control_edge_from_an_identity_of_a_fed_value_is_kept() {
    let mut b = Builder::default();
    let p = b.placeholder("p", &[]);
    let gate = b.op("Identity", "gate", &[p]);
    let a = b.constant("a", &[], &[1.0]);
    let after = b.node("Identity", "after_gate", &[a], &[gate.node], &[]);
    let on = run_with(&b.graph, &config(true), &[(p, tensor(&[], &[0.0]))], &[after], &[]);
    assert_eq!(on.f32s(0), [1.0]);
    assert!(on.ran("gate"), "moving the edge onto the fed placeholder would run it");
}

#[test]
fn control_edges_from_constants_are_dropped_but_edges_that_order_effects_stay() {
    let mut b = Builder::default();
    let x = b.placeholder("x", &[]);
    // A frozen graph's shape: a NoOp waits on constants (former variable reads) and the
    // output waits on the NoOp.
    let c1 = b.constant("c1", &[], &[1.0]);
    let c2 = b.constant("c2", &[], &[2.0]);
    let unused = b.constant("unused", &[], &[3.0]);
    let reads_done = b.node("NoOp", "reads_done", &[], &[unused.node, c1.node], &[]);
    let y = b.op("Mul", "y", &[x, c2]);
    let out = b.node("Identity", "out", &[y], &[reads_done.node], &[]);
    let feeds = [(x, tensor(&[], &[4.0]))];
    let (on, off) = both(&b.graph, &feeds, &[out], 0.0);
    assert_eq!(on.f32s(0), [8.0]);
    assert!(!on.ran("reads_done") && !on.ran("unused") && !on.ran("c1"), "nothing to wait for");
    assert!(off.ran("reads_done") && off.ran("unused"));
    // An edge from something with inputs orders it: a random draw still runs first.
    let shape = b.ints("shape", &[2]);
    let random = b.node(
        "RandomUniform",
        "random",
        &[shape],
        &[],
        &[("dtype", AttrValue::Type(DType::Float32))],
    );
    let after = b.node("Identity", "after_random", &[y], &[random.node], &[]);
    let on = run_with(&b.graph, &config(true), &feeds, &[after], &[]);
    assert!(on.ran("random"));
}
