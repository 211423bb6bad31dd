//! The loop executor's cost per iteration: `i, s = 0, 0; while i < n: i, s = i + 1, s + i` on
//! int32 scalars (8 control-flow and kernel steps per iteration), run from a cached plan.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use sessionflow::core::{AttrMap, AttrValue, DType};
use sessionflow::graph::{Endpoint, NodeId, NodeSpec};
use sessionflow_benches::{Bench, tensor};
use std::hint::black_box;

fn node(
    b: &Bench,
    op: &str,
    name: &str,
    inputs: &[Endpoint],
    control: &[NodeId],
    attrs: AttrMap,
) -> NodeId {
    let spec = NodeSpec {
        op: op.into(),
        name: name.into(),
        inputs: inputs.to_vec(),
        control_inputs: control.to_vec(),
        attrs,
        device: String::new(),
    };
    let mut graph = b.graph.write().expect("benchmarks do not panic while holding the graph");
    graph.add_node(spec).unwrap_or_else(|e| panic!("benchmark graph is invalid: {e}"))
}

fn out(n: NodeId) -> Endpoint {
    Endpoint::new(n, 0)
}

/// Builds the counting loop; returns the `n` placeholder and the sum's Exit.
fn counting_loop(b: &Bench, parallel: i64) -> (NodeId, NodeId) {
    let n = b.placeholder("n", DType::Int32);
    let int = |name: &str, v: i32, control: &[NodeId]| {
        let mut attrs = AttrMap::new();
        attrs.insert("dtype".into(), AttrValue::Type(DType::Int32));
        attrs.insert("value".into(), AttrValue::Tensor(tensor(&[], &[v])));
        node(b, "Const", name, &[], control, attrs)
    };
    let enter = |name: &str, x: NodeId, constant: bool| {
        let mut attrs = AttrMap::new();
        attrs.insert("frame_name".into(), AttrValue::String("loop".into()));
        attrs.insert("is_constant".into(), AttrValue::Bool(constant));
        attrs.insert("parallel_iterations".into(), AttrValue::Int(parallel));
        node(b, "Enter", name, &[out(x)], &[], attrs)
    };
    let zero = int("zero", 0, &[]);
    let (i, s, limit) =
        (enter("enter_i", zero, false), enter("enter_s", zero, false), enter("enter_n", n, true));
    let op =
        |o: &str, name: &str, inputs: &[Endpoint]| node(b, o, name, inputs, &[], AttrMap::new());
    let merge_i = op("Merge", "merge_i", &[out(i), out(i)]);
    let merge_s = op("Merge", "merge_s", &[out(s), out(s)]);
    let less = op("Less", "less", &[out(merge_i), out(limit)]);
    let pred = op("LoopCond", "loop_cond", &[out(less)]);
    let switch_i = op("Switch", "switch_i", &[out(merge_i), out(pred)]);
    let switch_s = op("Switch", "switch_s", &[out(merge_s), out(pred)]);
    op("Exit", "exit_i", &[out(switch_i)]);
    let exit_s = op("Exit", "exit_s", &[out(switch_s)]);
    let body_i = op("Identity", "body_i", &[Endpoint::new(switch_i, 1)]);
    let body_s = op("Identity", "body_s", &[Endpoint::new(switch_s, 1)]);
    let one = int("one", 1, &[body_i]);
    let next_i =
        op("NextIteration", "next_i", &[out(op("AddV2", "add_i", &[out(body_i), out(one)]))]);
    let next_s =
        op("NextIteration", "next_s", &[out(op("AddV2", "add_s", &[out(body_s), out(body_i)]))]);
    let mut graph = b.graph.write().expect("benchmarks do not panic while holding the graph");
    graph.set_back_edge(merge_i, 1, out(next_i)).expect("a stand-in input");
    graph.set_back_edge(merge_s, 1, out(next_s)).expect("a stand-in input");
    (n, exit_s)
}

fn iterations(c: &mut Criterion) {
    let mut group = c.benchmark_group("while_loop");
    for parallel in [1i64, 10] {
        let b = Bench::new();
        let (n, sum) = counting_loop(&b, parallel);
        for count in [10i32, 1000] {
            let feed = tensor(&[], &[count]);
            group.throughput(Throughput::Elements(count as u64));
            group.bench_function(format!("{count}_iterations_parallel_{parallel}"), |bench| {
                bench.iter(|| {
                    let feeds = vec![(Endpoint::new(n, 0), feed.clone())];
                    black_box(b.session.run(feeds, &[Endpoint::new(sum, 0)], &[]).unwrap())
                })
            });
        }
    }
    group.finish();
}

criterion_group!(benches, iterations);
criterion_main!(benches);
