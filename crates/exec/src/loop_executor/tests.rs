//! `parallel_iterations` bounds how many iterations of a loop are alive at once.

use crate::{Session, SessionOptions};
use sessionflow_core::{
    Allocator, AttrMap, AttrValue, DType, Device, KernelRegistry, PartialShape, Tensor,
};
use sessionflow_graph::{Endpoint, Graph, NodeId, NodeSpec};
use sessionflow_kernels_cpu::{CpuDevice, register_kernels};
use std::cell::Cell;
use std::sync::{Arc, RwLock};

thread_local! {
    /// The peak number of alive iterations of the last loop run on this thread.
    pub(super) static PEAK_ITERATIONS: Cell<usize> = const { Cell::new(0) };
}

fn host() -> Arc<dyn Allocator> {
    Arc::new(sessionflow_alloc::CpuAllocator::new(None))
}

fn add(
    g: &mut Graph,
    op: &str,
    name: &str,
    inputs: &[Endpoint],
    control: &[NodeId],
    attrs: &[(&str, AttrValue)],
) -> Endpoint {
    let spec = NodeSpec {
        op: op.into(),
        name: name.into(),
        inputs: inputs.to_vec(),
        control_inputs: control.to_vec(),
        attrs: attrs.iter().map(|(k, v)| ((*k).to_owned(), v.clone())).collect::<AttrMap>(),
        device: String::new(),
    };
    Endpoint::new(g.add_node(spec).unwrap(), 0)
}

fn int_const(g: &mut Graph, name: &str, value: i32, control: &[NodeId]) -> Endpoint {
    let t = Tensor::scalar(&host(), value).unwrap();
    add(
        g,
        "Const",
        name,
        &[],
        control,
        &[("dtype", AttrValue::Type(DType::Int32)), ("value", AttrValue::Tensor(t))],
    )
}

/// `i, acc = 0, 0; while i < n: i, acc = i + 1, acc + i`, with `parallel` iterations.
fn counting_loop(parallel: i64) -> (Graph, Endpoint, Endpoint) {
    let mut g = Graph::new();
    let n = add(
        &mut g,
        "Placeholder",
        "n",
        &[],
        &[],
        &[
            ("dtype", AttrValue::Type(DType::Int32)),
            ("shape", AttrValue::Shape(PartialShape::scalar())),
        ],
    );
    let enter = |g: &mut Graph, name: &str, x: Endpoint, constant: bool| {
        let attrs = [
            ("frame_name", AttrValue::String("loop".into())),
            ("is_constant", AttrValue::Bool(constant)),
            ("parallel_iterations", AttrValue::Int(parallel)),
        ];
        add(g, "Enter", name, &[x], &[], &attrs)
    };
    let zero = int_const(&mut g, "zero", 0, &[]);
    let i = enter(&mut g, "enter_i", zero, false);
    let acc = enter(&mut g, "enter_acc", zero, false);
    let limit = enter(&mut g, "enter_n", n, true);
    let merge_i = add(&mut g, "Merge", "merge_i", &[i, i], &[], &[]);
    let merge_acc = add(&mut g, "Merge", "merge_acc", &[acc, acc], &[], &[]);
    let less = add(&mut g, "Less", "less", &[merge_i, limit], &[], &[]);
    let pred = add(&mut g, "LoopCond", "loop_cond", &[less], &[], &[]);
    let switch_i = add(&mut g, "Switch", "switch_i", &[merge_i, pred], &[], &[]).node;
    let switch_acc = add(&mut g, "Switch", "switch_acc", &[merge_acc, pred], &[], &[]).node;
    add(&mut g, "Exit", "exit_i", &[Endpoint::new(switch_i, 0)], &[], &[]);
    let exit_acc = add(&mut g, "Exit", "exit_acc", &[Endpoint::new(switch_acc, 0)], &[], &[]);
    let body_i = add(&mut g, "Identity", "body_i", &[Endpoint::new(switch_i, 1)], &[], &[]);
    let body_acc = add(&mut g, "Identity", "body_acc", &[Endpoint::new(switch_acc, 1)], &[], &[]);
    let one = int_const(&mut g, "one", 1, &[body_i.node]);
    let next_i = add(&mut g, "AddV2", "next_i", &[body_i, one], &[], &[]);
    let next_acc = add(&mut g, "AddV2", "next_acc", &[body_acc, body_i], &[], &[]);
    let ni = add(&mut g, "NextIteration", "ni", &[next_i], &[], &[]);
    let na = add(&mut g, "NextIteration", "na", &[next_acc], &[], &[]);
    g.set_back_edge(merge_i.node, 1, ni).unwrap();
    g.set_back_edge(merge_acc.node, 1, na).unwrap();
    (g, n, exit_acc)
}

fn session(graph: Graph, inter_op_threads: usize) -> Session {
    let devices: Vec<Arc<dyn Device>> = vec![Arc::new(CpuDevice::new(0, None).unwrap())];
    let mut registry = KernelRegistry::new();
    register_kernels(&mut registry);
    let options = SessionOptions { inter_op_threads, ..SessionOptions::default() };
    Session::new(Arc::new(RwLock::new(graph)), devices, Arc::new(registry), &options).unwrap()
}

#[test]
fn parallel_iterations_bounds_the_alive_iterations() {
    for inter_op_threads in [1, 4] {
        for parallel in [1, 2, 5, 10] {
            let (graph, n, exit) = counting_loop(parallel);
            let session = session(graph, inter_op_threads);
            let feed = Tensor::scalar(&host(), 200i32).unwrap();
            let values = session.run(vec![(n, feed)], &[exit], &[]).unwrap();
            assert_eq!(values[0].as_slice::<i32>().unwrap(), &[19900], "sum of 0..200");
            // The run's bookkeeping ends on the calling thread, which records the peak here.
            let seen = PEAK_ITERATIONS.with(Cell::get);
            let bound = parallel as usize;
            assert!(seen <= bound, "{seen} iterations alive under a bound of {parallel}");
            if parallel == 1 {
                assert_eq!(seen, 1);
            } else {
                // The next iteration starts before the previous one's Exits have run.
                assert!(seen >= 2, "iterations never overlapped with a bound of {parallel}");
            }
        }
    }
}
