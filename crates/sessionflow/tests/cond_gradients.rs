//! Gradients through TF1 conditionals: a `Merge` sends its gradient back into the branch that
//! ran, a `Switch` merges the gradients of its two sides. Values are derivatives worked out by
//! hand.

mod support;

use sessionflow::core::{Code, DType, Tensor};
use sessionflow::graph::{Endpoint, GradientRequest, add_gradients};
use sessionflow::{SessionConfig, host_allocator, open_session};
use support::{Builder, scalar};

fn float(t: &Tensor) -> f32 {
    t.as_slice::<f32>().unwrap()[0]
}

fn gradients(b: &mut Builder, y: Endpoint, xs: &[Endpoint]) -> Vec<Option<Endpoint>> {
    let request = GradientRequest {
        ys: &[y],
        xs,
        grad_ys: &[],
        stop_gradients: &[],
        name: "gradients",
        allocator: host_allocator(),
    };
    add_gradients(&mut b.graph, &request).unwrap()
}

/// `y = cond(p, x² · w, x + 3w)`: dy/dx is `2xw` or `1`, dy/dw is `x²` or `3`.
#[test]
fn the_gradient_flows_back_through_the_branch_that_ran() {
    let mut b = Builder::default();
    let p = b.placeholder("p", DType::Bool);
    let x = b.placeholder("x", DType::Float32);
    let w = b.placeholder("w", DType::Float32);
    let y = b.cond(
        "cond",
        p,
        &[x, w],
        |b, _, v| {
            let square = b.op("Mul", "cond/square", &[v[0], v[0]]);
            b.op("Mul", "cond/times_w", &[square, v[1]])
        },
        |b, pivot, v| {
            let three = b.scalar("cond/three", 3.0f32, &[pivot]);
            let three_w = b.op("Mul", "cond/three_w", &[three, v[1]]);
            b.op("AddV2", "cond/plus", &[v[0], three_w])
        },
    );
    let grads = gradients(&mut b, y, &[x, w]);
    let (dx, dw) = (grads[0].unwrap(), grads[1].unwrap());
    let s = open_session(b.shared(), &SessionConfig::default()).unwrap();
    let run = |taken: bool| {
        let feeds = vec![(p, scalar(taken)), (x, scalar(1.5f32)), (w, scalar(-2.0f32))];
        let got = s.run(feeds, &[y, dx, dw], &[]).unwrap();
        (float(&got[0]), float(&got[1]), float(&got[2]))
    };
    // True: y = 1.5² · −2 = −4.5, dy/dx = 2 · 1.5 · −2 = −6, dy/dw = 2.25.
    assert_eq!(run(true), (-4.5, -6.0, 2.25));
    // False: y = 1.5 + 3 · −2 = −4.5, dy/dx = 1, dy/dw = 3.
    assert_eq!(run(false), (-4.5, 1.0, 3.0));
}

/// `y = cond(p, x · x, 7)`: on the false side x is unused, so its gradient is the
/// zeros of the dead true side merged with the live false side: 0.
#[test]
fn an_input_one_branch_ignores_gets_zero_there() {
    let mut b = Builder::default();
    let p = b.placeholder("p", DType::Bool);
    let x = b.placeholder("x", DType::Float32);
    let y = b.cond(
        "cond",
        p,
        &[x],
        |b, _, v| b.op("Mul", "cond/square", &[v[0], v[0]]),
        |b, pivot, _| b.scalar("cond/seven", 7.0f32, &[pivot]),
    );
    let dx = gradients(&mut b, y, &[x])[0].unwrap();
    let s = open_session(b.shared(), &SessionConfig::default()).unwrap();
    for (taken, value, slope) in [(true, 9.0, 6.0), (false, 7.0, 0.0)] {
        let got = s.run(vec![(p, scalar(taken)), (x, scalar(3.0f32))], &[y, dx], &[]).unwrap();
        assert_eq!((float(&got[0]), float(&got[1])), (value, slope), "p = {taken}");
    }
}

/// A Merge's gradient goes to the input it forwarded: the index output says which.
#[test]
fn a_merge_routes_its_gradient_by_value_index() {
    let mut b = Builder::default();
    let p = b.placeholder("p", DType::Bool);
    let x = b.placeholder("x", DType::Float32);
    let z = b.placeholder("z", DType::Float32);
    // Both sides feed the same Merge; x reaches it only when p is true, z only when false.
    let y = b.cond(
        "c",
        p,
        &[x, z],
        |b, _, v| b.op("Mul", "c/square_x", &[v[0], v[0]]),
        |b, _, v| b.op("Neg", "c/minus_z", &[v[1]]),
    );
    let grads = gradients(&mut b, y, &[x, z]);
    let s = open_session(b.shared(), &SessionConfig::default()).unwrap();
    let fetch = [grads[0].unwrap(), grads[1].unwrap()];
    let feeds = |taken: bool| vec![(p, scalar(taken)), (x, scalar(4.0f32)), (z, scalar(5.0f32))];
    let on_true = s.run(feeds(true), &fetch, &[]).unwrap();
    assert_eq!((float(&on_true[0]), float(&on_true[1])), (8.0, 0.0));
    let on_false = s.run(feeds(false), &fetch, &[]).unwrap();
    assert_eq!((float(&on_false[0]), float(&on_false[1])), (0.0, -1.0));
}

/// Differentiating through a while loop is not supported yet: NotFound naming the loop op.
#[test]
fn a_loop_has_no_gradient_yet() {
    let mut b = Builder::default();
    let x = b.placeholder("x", DType::Float32);
    let exits = b.while_loop(
        "loop",
        10,
        &[x],
        &[],
        |b, vars, _| {
            let ten = b.scalar("loop/ten", 10.0f32, &[vars[0].node]);
            b.op("Less", "loop/less", &[vars[0], ten])
        },
        |b, _, vars, _| vec![b.op("AddV2", "loop/double", &[vars[0], vars[0]])],
    );
    let request = GradientRequest {
        ys: &[exits[0]],
        xs: &[x],
        grad_ys: &[],
        stop_gradients: &[],
        name: "gradients",
        allocator: host_allocator(),
    };
    let error = add_gradients(&mut b.graph, &request).unwrap_err();
    assert_eq!(error.code, Code::NotFound, "{error}");
    assert!(error.message.contains("Exit"), "{error}");
}
