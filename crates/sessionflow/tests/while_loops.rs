//! TF1 while loops in the executor: frames, iterations, loop invariants, deadness through
//! loops, nesting with conditionals, and the errors of malformed loops. Expected values are
//! worked out by hand (closed forms, or known sequences).

mod support;

use sessionflow::core::{Code, DType, Tensor};
use sessionflow::graph::{Endpoint, NodeId};
use sessionflow::{RunOptions, Session, SessionConfig, open_session};
use std::time::Duration;
use support::{Builder, out, scalar};

fn int(t: &Tensor) -> i32 {
    t.as_slice::<i32>().unwrap()[0]
}

fn session(b: Builder, inter_op_threads: usize) -> Session {
    let config = SessionConfig { inter_op_threads, ..SessionConfig::default() };
    open_session(b.shared(), &config).unwrap()
}

/// `i, acc = 1, 0; while i <= n: i, acc = i + 1, acc + i` → (n + 1, n(n+1)/2).
struct SumLoop {
    n: Endpoint,
    exits: Vec<Endpoint>,
    body_add: NodeId,
}

fn sum_loop(b: &mut Builder, parallel: i64) -> SumLoop {
    let n = b.placeholder("n", DType::Int32);
    let i0 = b.scalar("i0", 1i32, &[]);
    let acc0 = b.scalar("acc0", 0i32, &[]);
    let mut body_add = None;
    let exits = b.while_loop(
        "sum",
        parallel,
        &[i0, acc0],
        &[n],
        |b, vars, inv| b.op("LessEqual", "sum/le", &[vars[0], inv[0]]),
        |b, pivot, vars, _| {
            let one = b.scalar("sum/one", 1i32, &[pivot]);
            let next_i = b.op("AddV2", "sum/next_i", &[vars[0], one]);
            let next_acc = b.op("AddV2", "sum/next_acc", &[vars[1], vars[0]]);
            body_add = Some(next_acc.node);
            vec![next_i, next_acc]
        },
    );
    SumLoop { n, exits, body_add: body_add.unwrap() }
}

#[test]
fn a_while_loop_sums_one_to_n() {
    for inter_op in [1, 4] {
        let mut b = Builder::default();
        let l = sum_loop(&mut b, 10);
        let s = session(b, inter_op);
        for (n, sum) in [(0, 0), (1, 1), (2, 3), (10, 55), (100, 5050), (1000, 500_500)] {
            let got = s.run(vec![(l.n, scalar(n))], &l.exits, &[]).unwrap();
            assert_eq!(int(&got[0]), n + 1, "i after the loop, n = {n}");
            assert_eq!(int(&got[1]), sum, "sum of 1..={n}, {inter_op} inter-op threads");
        }
    }
}

#[test]
fn parallel_iterations_of_one_gives_the_same_sums() {
    let mut b = Builder::default();
    let l = sum_loop(&mut b, 1);
    let s = session(b, 4);
    let got = s.run(vec![(l.n, scalar(50))], &l.exits, &[]).unwrap();
    assert_eq!(int(&got[1]), 1275);
}

#[test]
fn step_stats_list_each_iteration_of_a_loop_body() {
    let mut b = Builder::default();
    let l = sum_loop(&mut b, 10);
    let body = b.graph.node(l.body_add).unwrap().name.clone();
    let s = session(b, 1);
    let options = RunOptions { trace: true, ..RunOptions::default() };
    let (values, metadata) =
        s.run_with_options(vec![(l.n, scalar(7))], &l.exits, &[], &options).unwrap();
    assert_eq!(int(&values[1]), 28);
    let runs = metadata.step_stats.iter().filter(|s| s.node == body).count();
    assert_eq!(runs, 7, "the body's AddV2 runs once per iteration");
    let cond_runs = metadata.step_stats.iter().filter(|s| s.node == "sum/le").count();
    assert_eq!(cond_runs, 8, "the predicate runs once more than the body");
}

/// Collatz: `x, steps = x0, 0; while x != 1: x = x/2 if x even else 3x+1; steps += 1`, with
/// the parity choice a conditional inside the loop body.
#[test]
fn a_conditional_inside_a_loop_counts_collatz_steps() {
    let mut b = Builder::default();
    let x0 = b.placeholder("x0", DType::Int32);
    let steps0 = b.scalar("steps0", 0i32, &[]);
    let exits = b.while_loop(
        "collatz",
        10,
        &[x0, steps0],
        &[],
        |b, vars, _| {
            let one = b.scalar("collatz/one_c", 1i32, &[vars[0].node]);
            b.op("NotEqual", "collatz/ne", &[vars[0], one])
        },
        |b, pivot, vars, _| {
            let two = b.scalar("collatz/two", 2i32, &[pivot]);
            let zero = b.scalar("collatz/zero", 0i32, &[pivot]);
            let parity = b.op("FloorMod", "collatz/mod", &[vars[0], two]);
            let even = b.op("Equal", "collatz/even", &[parity, zero]);
            let x = b.cond(
                "collatz/step",
                even,
                &[vars[0]],
                |b, pivot, x| {
                    let two = b.scalar("collatz/step/two", 2i32, &[pivot]);
                    b.op("FloorDiv", "collatz/step/half", &[x[0], two])
                },
                |b, pivot, x| {
                    let three = b.scalar("collatz/step/three", 3i32, &[pivot]);
                    let one = b.scalar("collatz/step/one", 1i32, &[pivot]);
                    let tripled = b.op("Mul", "collatz/step/triple", &[x[0], three]);
                    b.op("AddV2", "collatz/step/plus_one", &[tripled, one])
                },
            );
            let one = b.scalar("collatz/one", 1i32, &[pivot]);
            let steps = b.op("AddV2", "collatz/count", &[vars[1], one]);
            vec![x, steps]
        },
    );
    let s = session(b, 1);
    // Step counts of the Collatz sequence (OEIS A006577).
    for (x, steps) in [(1, 0), (2, 1), (3, 7), (6, 8), (7, 16), (9, 19), (27, 111), (97, 118)] {
        let got = s.run(vec![(x0, scalar(x))], &exits, &[]).unwrap();
        assert_eq!(int(&got[0]), 1);
        assert_eq!(int(&got[1]), steps, "Collatz steps of {x}");
    }
}

/// `total = 0; for i in 1..=n: total += sum(1..=i)` with the inner sum a nested loop:
/// n(n+1)(n+2)/6.
#[test]
fn nested_loops_sum_triangular_numbers() {
    let mut b = Builder::default();
    let n = b.placeholder("n", DType::Int32);
    let i0 = b.scalar("i0", 1i32, &[]);
    let total0 = b.scalar("total0", 0i32, &[]);
    let exits = b.while_loop(
        "outer",
        3,
        &[i0, total0],
        &[n],
        |b, vars, inv| b.op("LessEqual", "outer/le", &[vars[0], inv[0]]),
        |b, pivot, vars, _| {
            let j0 = b.scalar("outer/j0", 1i32, &[pivot]);
            let s0 = b.scalar("outer/s0", 0i32, &[pivot]);
            let inner = b.while_loop(
                "outer/inner",
                2,
                &[j0, s0],
                &[vars[0]],
                |b, v, inv| b.op("LessEqual", "outer/inner/le", &[v[0], inv[0]]),
                |b, pivot, v, _| {
                    let one = b.scalar("outer/inner/one", 1i32, &[pivot]);
                    let j = b.op("AddV2", "outer/inner/next_j", &[v[0], one]);
                    let s = b.op("AddV2", "outer/inner/next_s", &[v[1], v[0]]);
                    vec![j, s]
                },
            );
            let one = b.scalar("outer/one", 1i32, &[pivot]);
            let i = b.op("AddV2", "outer/next_i", &[vars[0], one]);
            let total = b.op("AddV2", "outer/next_total", &[vars[1], inner[1]]);
            vec![i, total]
        },
    );
    for inter_op in [1, 4] {
        let s = session(Builder { graph: b.graph.clone() }, inter_op);
        for (n_value, total) in [(0, 0), (1, 1), (3, 10), (10, 220), (30, 4960)] {
            let got = s.run(vec![(n, scalar(n_value))], &exits, &[]).unwrap();
            assert_eq!(int(&got[1]), total, "n = {n_value}, {inter_op} inter-op threads");
        }
    }
}

/// `cond(p, sum(1..=n) by a loop, -1)`: on the untaken side the loop does not run at all.
#[test]
fn a_loop_inside_the_untaken_branch_does_not_run() {
    let mut b = Builder::default();
    let p = b.placeholder("p", DType::Bool);
    let n = b.placeholder("n", DType::Int32);
    let result = b.cond(
        "choose",
        p,
        &[n],
        |b, pivot, captured| {
            let i0 = b.scalar("choose/i0", 1i32, &[pivot]);
            let acc0 = b.scalar("choose/acc0", 0i32, &[pivot]);
            let exits = b.while_loop(
                "choose/loop",
                10,
                &[i0, acc0],
                &[captured[0]],
                |b, vars, inv| b.op("LessEqual", "choose/loop/le", &[vars[0], inv[0]]),
                |b, pivot, vars, _| {
                    let one = b.scalar("choose/loop/one", 1i32, &[pivot]);
                    let i = b.op("AddV2", "choose/loop/next_i", &[vars[0], one]);
                    let acc = b.op("AddV2", "choose/loop/next_acc", &[vars[1], vars[0]]);
                    vec![i, acc]
                },
            );
            exits[1]
        },
        |b, pivot, _| b.scalar("choose/minus_one", -1i32, &[pivot]),
    );
    let s = session(b, 1);
    let options = RunOptions { trace: true, ..RunOptions::default() };
    let feeds = |p_value: bool| vec![(p, scalar(p_value)), (n, scalar(4))];
    let (taken, _) = s.run_with_options(feeds(true), &[result], &[], &options).unwrap();
    assert_eq!(int(&taken[0]), 10);
    let (not_taken, metadata) = s.run_with_options(feeds(false), &[result], &[], &options).unwrap();
    assert_eq!(int(&not_taken[0]), -1);
    let ran: Vec<&str> = metadata.step_stats.iter().map(|s| s.node.as_str()).collect();
    assert!(ran.iter().all(|n| !n.starts_with("choose/loop")), "loop nodes ran: {ran:?}");
    assert!(ran.contains(&"choose/minus_one"), "{ran:?}");
}

#[test]
fn a_loop_that_never_ends_is_stopped_by_the_run_timeout() {
    let mut b = Builder::default();
    let x0 = b.scalar("x0", 0i32, &[]);
    let exits = b.while_loop(
        "forever",
        10,
        &[x0],
        &[],
        |b, vars, _| {
            let zero = b.scalar("forever/zero", 0i32, &[vars[0].node]);
            b.op("GreaterEqual", "forever/ge", &[vars[0], zero])
        },
        |b, pivot, vars, _| {
            let one = b.scalar("forever/one", 1i32, &[pivot]);
            // Adds 0 * 1: the value never changes, so the predicate stays true.
            let zero = b.scalar("forever/zero_step", 0i32, &[pivot]);
            let step = b.op("Mul", "forever/step", &[one, zero]);
            vec![b.op("AddV2", "forever/next", &[vars[0], step])]
        },
    );
    let s = session(b, 1);
    let options = RunOptions { timeout: Some(Duration::from_millis(50)), ..RunOptions::default() };
    let error = s.run_with_options(vec![], &exits, &[], &options).unwrap_err();
    assert_eq!(error.code, Code::DeadlineExceeded, "{error}");
}

/// A loop whose body feeds back without passing a Switch could never stop: refused at plan
/// time, naming the NextIteration.
#[test]
fn a_loop_without_a_switch_is_refused() {
    let mut b = Builder::default();
    let x0 = b.scalar("x0", 0i32, &[]);
    let enter = b.enter("spin/Enter", x0, "spin", false, 10);
    let merge = b.node("Merge", "spin/Merge", &[enter, enter], &[], &[]);
    let body = b.op("Identity", "spin/body", &[out(merge)]);
    let next = b.op("NextIteration", "spin/NextIteration", &[body]);
    b.graph.set_back_edge(merge, 1, next).unwrap();
    let exit = b.op("Exit", "spin/Exit", &[out(merge)]);
    let s = session(b, 1);
    let error = s.run(vec![], &[exit], &[]).unwrap_err();
    assert_eq!(error.code, Code::InvalidArgument);
    assert_eq!(error.node.as_deref(), Some("spin/NextIteration"), "{error}");
    assert!(error.message.contains("could never end"), "{error}");
}

#[test]
fn next_iteration_and_exit_outside_a_loop_are_refused() {
    for op in ["NextIteration", "Exit"] {
        let mut b = Builder::default();
        let x = b.scalar("x", 1.0f32, &[]);
        let y = b.op(op, "stray", &[x]);
        let s = session(b, 1);
        let error = s.run(vec![], &[y], &[]).unwrap_err();
        assert_eq!(error.code, Code::InvalidArgument, "{op}");
        assert_eq!(error.node.as_deref(), Some("stray"));
        assert!(error.message.contains("not inside a while loop"), "{error}");
    }
}

#[test]
fn a_tensor_used_in_a_loop_without_enter_is_refused() {
    let mut b = Builder::default();
    let outside = b.scalar("outside", 5i32, &[]);
    let i0 = b.scalar("i0", 0i32, &[]);
    let exits = b.while_loop(
        "bad",
        10,
        &[i0],
        &[],
        |b, vars, _| {
            let three = b.scalar("bad/three", 3i32, &[vars[0].node]);
            b.op("Less", "bad/lt", &[vars[0], three])
        },
        // `outside` is used directly, not through an Enter.
        |b, _, vars, _| vec![b.op("AddV2", "bad/add", &[vars[0], outside])],
    );
    let s = session(b, 1);
    let error = s.run(vec![], &exits, &[]).unwrap_err();
    assert_eq!(error.code, Code::InvalidArgument);
    assert_eq!(error.node.as_deref(), Some("bad/add"));
    assert!(error.message.contains("inputs from two frames"), "{error}");
}

#[test]
fn a_value_inside_a_loop_cannot_be_fetched_or_fed() {
    let mut b = Builder::default();
    let l = sum_loop(&mut b, 10);
    let inside = Endpoint::new(l.body_add, 0);
    let one = b.graph.endpoint_by_name("sum/one").unwrap();
    let s = session(b, 1);
    let error = s.run(vec![(l.n, scalar(3))], &[inside], &[]).unwrap_err();
    assert_eq!(error.code, Code::InvalidArgument);
    assert!(error.message.contains("cannot fetch 'sum/next_acc:0'"), "{error}");
    let error = s.run(vec![(l.n, scalar(3)), (one, scalar(2))], &l.exits, &[]).unwrap_err();
    assert_eq!(error.code, Code::InvalidArgument);
    assert!(error.message.contains("is fed"), "{error}");
}

/// An Exit that is not behind the loop's Switch is alive in every iteration: the second time
/// it leaves the loop is an error naming it.
#[test]
fn an_exit_leaving_twice_is_an_error() {
    let mut b = Builder::default();
    let l = sum_loop(&mut b, 10);
    let merge = b.graph.endpoint_by_name("sum/Merge_0").unwrap();
    let leak = b.op("Exit", "sum/leak", &[merge]);
    let s = session(b, 1);
    let error = s.run(vec![(l.n, scalar(3))], &[l.exits[1], leak], &[]).unwrap_err();
    assert_eq!(error.code, Code::InvalidArgument);
    assert_eq!(error.node.as_deref(), Some("sum/leak"), "{error}");
}

#[test]
fn a_back_edge_only_closes_a_merge_stand_in() {
    let mut b = Builder::default();
    let x = b.scalar("x", 1i32, &[]);
    let y = b.scalar("y", 2i32, &[]);
    let enter = b.enter("l/Enter", x, "l", false, 10);
    let merge = b.node("Merge", "l/Merge", &[enter, y], &[], &[]);
    let next = b.op("NextIteration", "l/next", &[out(merge)]);
    let error = b.graph.set_back_edge(merge, 1, next).unwrap_err();
    assert_eq!(error.code, Code::InvalidArgument, "{error}");
    let not_next = b.op("Identity", "l/id", &[out(merge)]);
    let error = b.graph.set_back_edge(merge, 1, not_next).unwrap_err();
    assert!(error.message.contains("NextIteration"), "{error}");
}

/// Loop invariants are visible in every iteration: `acc += v * v` over float vectors, with
/// `v` entered once as a constant; a session with inter-op threads hands the products to its
/// pool.
#[test]
fn a_loop_invariant_is_seen_by_every_iteration() {
    let mut b = Builder::default();
    let v = b.vector("v", &[1.0, 2.0, 3.0]);
    let acc0 = b.vector("acc0", &[0.0, 0.0, 0.0]);
    let k0 = b.scalar("k0", 0i32, &[]);
    let exits = b.while_loop(
        "sq",
        4,
        &[k0, acc0],
        &[v],
        |b, vars, _| {
            let five = b.scalar("sq/five", 5i32, &[vars[0].node]);
            b.op("Less", "sq/lt", &[vars[0], five])
        },
        |b, pivot, vars, inv| {
            let one = b.scalar("sq/one", 1i32, &[pivot]);
            let k = b.op("AddV2", "sq/next_k", &[vars[0], one]);
            let square = b.op("Mul", "sq/square", &[inv[0], inv[0]]);
            let acc = b.op("AddV2", "sq/next_acc", &[vars[1], square]);
            vec![k, acc]
        },
    );
    for inter_op in [1, 3] {
        let s = session(Builder { graph: b.graph.clone() }, inter_op);
        let got = s.run(vec![], &exits, &[]).unwrap();
        assert_eq!(int(&got[0]), 5);
        assert_eq!(got[1].as_slice::<f32>().unwrap(), &[5.0, 20.0, 45.0]);
    }
}

/// A loop survives a GraphDef round trip, even with its nodes listed backwards: the importer
/// adds each Merge with a stand-in for its NextIteration input and closes the loop afterwards.
#[test]
fn a_loop_round_trips_through_a_graph_def() {
    use sessionflow::graphdef::{ImportOptions, export, import};
    let mut b = Builder::default();
    sum_loop(&mut b, 10);
    let mut graph_def = export(&b.graph).unwrap();
    graph_def.node.reverse();
    let mut imported = Builder::default();
    let options = ImportOptions { prefix: "copy".into(), ..ImportOptions::default() };
    import(&mut imported.graph, &graph_def, &options, sessionflow::host_allocator()).unwrap();
    let n = imported.graph.endpoint_by_name("copy/n").unwrap();
    let sum = imported.graph.endpoint_by_name("copy/sum/Exit_1").unwrap();
    let merge = imported.graph.node_by_name("copy/sum/Merge_1").unwrap();
    let next = imported.graph.node_by_name("copy/sum/NextIteration_1").unwrap();
    assert_eq!(merge.inputs[1].node, next.id, "the back edge is closed");
    let s = session(imported, 1);
    let got = s.run(vec![(n, scalar(20))], &[sum], &[]).unwrap();
    assert_eq!(int(&got[0]), 210);
}
