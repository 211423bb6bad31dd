use super::*;
use half::f16;
use sessionflow_core::{
    Allocator, AttrMap, AttrValue, Code, DType, Element, PartialShape, TensorShape,
};
use sessionflow_graph::NodeSpec;
use sessionflow_kernels_cpu::{CpuDevice, register_kernels};

struct Fixture {
    graph: Arc<RwLock<Graph>>,
    session: Session,
    allocator: Arc<dyn Allocator>,
}

fn fixture() -> Fixture {
    fixture_with(&SessionOptions::default())
}

fn fixture_with(options: &SessionOptions) -> Fixture {
    fixture_on(1, options)
}

fn fixture_on(cpus: usize, options: &SessionOptions) -> Fixture {
    let graph = Arc::new(RwLock::new(Graph::new()));
    let devices: Vec<Arc<dyn Device>> =
        (0..cpus).map(|i| Arc::new(CpuDevice::new(i, None).unwrap()) as Arc<dyn Device>).collect();
    let allocator = Arc::clone(devices[0].allocator());
    let mut registry = KernelRegistry::new();
    register_kernels(&mut registry);
    let session = Session::new(Arc::clone(&graph), devices, Arc::new(registry), options).unwrap();
    Fixture { graph, session, allocator }
}

impl Fixture {
    fn tensor<T: Element>(&self, dims: &[usize], data: &[T]) -> Tensor {
        Tensor::from_slice(&self.allocator, TensorShape::new(dims), data).unwrap()
    }

    fn add(&self, op: &str, name: &str, inputs: &[NodeId], attrs: AttrMap) -> Result<NodeId> {
        self.graph.write().unwrap().add_node(NodeSpec {
            op: op.into(),
            name: name.into(),
            inputs: inputs.iter().map(|&n| Endpoint::new(n, 0)).collect(),
            attrs,
            ..Default::default()
        })
    }

    fn constant<T: Element>(&self, name: &str, dims: &[usize], data: &[T]) -> NodeId {
        let mut attrs = AttrMap::new();
        attrs.insert("value".into(), AttrValue::Tensor(self.tensor(dims, data)));
        attrs.insert("dtype".into(), AttrValue::Type(T::DTYPE));
        self.add("Const", name, &[], attrs).unwrap()
    }

    fn placeholder(&self, name: &str, dtype: DType, dims: &[i64]) -> NodeId {
        let mut attrs = AttrMap::new();
        attrs.insert("dtype".into(), AttrValue::Type(dtype));
        attrs.insert("shape".into(), AttrValue::Shape(PartialShape::from_i64(dims).unwrap()));
        self.add("Placeholder", name, &[], attrs).unwrap()
    }

    fn op(&self, op: &str, name: &str, inputs: &[NodeId]) -> NodeId {
        self.add(op, name, inputs, AttrMap::new()).unwrap()
    }

    fn fetch(&self, feeds: Vec<(NodeId, Tensor)>, fetches: &[NodeId]) -> Result<Vec<Tensor>> {
        let feeds = feeds.into_iter().map(|(n, t)| (Endpoint::new(n, 0), t)).collect();
        let fetches: Vec<Endpoint> = fetches.iter().map(|&n| Endpoint::new(n, 0)).collect();
        self.session.run(feeds, &fetches, &[])
    }
}

fn values<T: Element>(t: &Tensor) -> Vec<T> {
    t.as_slice::<T>().unwrap().to_vec()
}

#[test]
fn the_reference_example_multiplies_five_by_six() {
    let f = fixture();
    let a = f.constant("a", &[], &[5.0f32]);
    let b = f.constant("b", &[], &[6.0f32]);
    let c = f.op("Mul", "mul", &[a, b]);
    let out = f.fetch(vec![], &[c, a, b]).unwrap();
    assert_eq!(values::<f32>(&out[0]), [30.0]);
    assert_eq!(out[0].shape().rank(), 0);
    assert_eq!((values::<f32>(&out[1]), values::<f32>(&out[2])), (vec![5.0], vec![6.0]));
}

#[test]
fn placeholders_are_fed_and_broadcast() {
    let f = fixture();
    let x = f.placeholder("x", DType::Int32, &[-1, 3]);
    let b = f.constant("b", &[3], &[10i32, 20, 30]);
    let y = f.op("AddV2", "y", &[x, b]);
    let out = f.fetch(vec![(x, f.tensor(&[2, 3], &[1i32, 2, 3, 4, 5, 6]))], &[y]).unwrap();
    assert_eq!(out[0].shape().dims(), [2, 3]);
    assert_eq!(values::<i32>(&out[0]), [11, 22, 33, 14, 25, 36]);
}

#[test]
fn matmul_computes_products_for_each_dtype_and_transpose() {
    let f = fixture();
    // a = [[1,2,3],[4,5,6]], b = [[7,8],[9,10],[11,12]]; a·b = [[58,64],[139,154]].
    let a = f.constant("a", &[2, 3], &[1.0f32, 2., 3., 4., 5., 6.]);
    let b = f.constant("b", &[3, 2], &[7.0f32, 8., 9., 10., 11., 12.]);
    let ab = f.op("MatMul", "ab", &[a, b]);
    assert_eq!(values::<f32>(&f.fetch(vec![], &[ab]).unwrap()[0]), [58., 64., 139., 154.]);

    // aᵀ·aᵀᵀ = aᵀ·a = [[17,22,27],[22,29,36],[27,36,45]].
    let mut attrs = AttrMap::new();
    attrs.insert("transpose_a".into(), AttrValue::Bool(true));
    let ata = f.add("MatMul", "ata", &[a, a], attrs).unwrap();
    let out = f.fetch(vec![], &[ata]).unwrap();
    assert_eq!(out[0].shape().dims(), [3, 3]);
    assert_eq!(values::<f32>(&out[0]), [17., 22., 27., 22., 29., 36., 27., 36., 45.]);

    let ai = f.constant("ai", &[2, 3], &[1i64, 2, 3, 4, 5, 6]);
    let mut attrs = AttrMap::new();
    attrs.insert("transpose_b".into(), AttrValue::Bool(true));
    let aat = f.add("MatMul", "aat", &[ai, ai], attrs).unwrap();
    // a·aᵀ = [[14,32],[32,77]].
    assert_eq!(values::<i64>(&f.fetch(vec![], &[aat]).unwrap()[0]), [14, 32, 32, 77]);

    let h = f.constant("h", &[1, 2], &[f16::from_f32(1.5), f16::from_f32(2.0)]);
    let hh = f.constant("hh", &[2, 1], &[f16::from_f32(4.0), f16::from_f32(0.25)]);
    let p = f.op("MatMul", "p", &[h, hh]);
    assert_eq!(values::<f16>(&f.fetch(vec![], &[p]).unwrap()[0]), [f16::from_f32(6.5)]);
}

#[test]
fn large_matmul_matches_a_closed_form() {
    // a[i][k] = 1, b[k][j] = j: entry (i, j) is k·j, computed on the parallel gemm path.
    let f = fixture();
    let (m, k, n) = (96, 128, 80);
    let b_data: Vec<f64> = (0..k * n).map(|i| (i % n) as f64).collect();
    let b = f.constant("b", &[k, n], &b_data);
    let a64 = f.constant("a64", &[m, k], &vec![1.0f64; m * k]);
    let p = f.op("MatMul", "p", &[a64, b]);
    let out = values::<f64>(&f.fetch(vec![], &[p]).unwrap()[0]);
    assert!(out.iter().enumerate().all(|(i, &v)| v == (k * (i % n)) as f64));
}

#[test]
fn an_unfed_placeholder_is_an_error_naming_it() {
    let f = fixture();
    let x = f.placeholder("x", DType::Float32, &[-1, 3]);
    let err = f.fetch(vec![], &[x]).unwrap_err();
    assert_eq!(err.code, Code::InvalidArgument);
    assert_eq!(err.node.as_deref(), Some("x"));
    assert_eq!(
        err.message,
        "You must feed a value for placeholder tensor 'x' with dtype float32 and shape [?,3]"
    );
}

#[test]
fn feeds_are_checked_against_dtype_and_shape() {
    let f = fixture();
    let x = f.placeholder("x", DType::Float32, &[-1, 3]);
    let err = f.fetch(vec![(x, f.tensor(&[3], &[1i32, 2, 3]))], &[x]).unwrap_err();
    assert_eq!(err.code, Code::InvalidArgument);
    assert!(err.message.contains("dtype int32") && err.message.contains("x:0"), "{}", err.message);
    let err = f.fetch(vec![(x, f.tensor(&[2, 2], &[1f32; 4]))], &[x]).unwrap_err();
    assert_eq!(
        err.message,
        "Cannot feed value of shape [2,2] for Tensor 'x:0', which has shape [?,3]"
    );
}

#[test]
fn runtime_shape_errors_come_from_kernels_with_the_node() {
    let f = fixture();
    let x = f.placeholder("x", DType::Float32, &[-1, -1]);
    let y = f.placeholder("y", DType::Float32, &[-1, -1]);
    let p = f.op("MatMul", "prod", &[x, y]);
    let err = f
        .fetch(vec![(x, f.tensor(&[2, 3], &[0f32; 6])), (y, f.tensor(&[4, 5], &[0f32; 20]))], &[p])
        .unwrap_err();
    assert_eq!(err.code, Code::InvalidArgument);
    assert_eq!(err.node.as_deref(), Some("prod"));
    assert_eq!(err.message, "Matrix size-incompatible: In[0]: [2,3], In[1]: [4,5]");
    let s = f.op("AddV2", "sum", &[x, y]);
    let err = f
        .fetch(vec![(x, f.tensor(&[2, 3], &[0f32; 6])), (y, f.tensor(&[2, 2], &[0f32; 4]))], &[s])
        .unwrap_err();
    assert_eq!(err.message, "Incompatible shapes: [2,3] vs. [2,2]");
}

#[test]
fn feeding_an_intermediate_cuts_the_graph() {
    let f = fixture();
    let x = f.placeholder("x", DType::Float32, &[]);
    let two = f.constant("two", &[], &[2.0f32]);
    let y = f.op("Mul", "y", &[x, two]);
    let z = f.op("AddV2", "z", &[y, two]);
    // x is never fed: y is, so x's placeholder must not run.
    let out = f.fetch(vec![(y, f.tensor(&[], &[10.0f32]))], &[z, y]).unwrap();
    assert_eq!(values::<f32>(&out[0]), [12.0]);
    assert_eq!(values::<f32>(&out[1]), [10.0], "a fed tensor that is fetched returns the feed");
}

#[test]
fn plans_are_cached_per_signature_and_survive_graph_growth() {
    let f = fixture();
    let a = f.constant("a", &[], &[1.0f32]);
    let b = f.op("AddV2", "b", &[a, a]);
    for _ in 0..3 {
        assert_eq!(values::<f32>(&f.fetch(vec![], &[b]).unwrap()[0]), [2.0]);
    }
    assert_eq!(f.session.num_cached_plans(), 1);
    let c = f.op("Mul", "c", &[b, b]);
    assert_eq!(values::<f32>(&f.fetch(vec![], &[c, b, c]).unwrap()[2]), [4.0]);
    assert_eq!(values::<f32>(&f.fetch(vec![], &[b]).unwrap()[0]), [2.0]);
    assert_eq!(f.session.num_cached_plans(), 2);
}

#[test]
fn targets_run_and_noop_fetches_nothing() {
    let f = fixture();
    let noop = f.op("NoOp", "init", &[]);
    let out = f.session.run(vec![], &[], &[noop]).unwrap();
    assert!(out.is_empty());
}

#[test]
fn a_closed_session_refuses_runs() {
    let f = fixture();
    let a = f.constant("a", &[], &[1.0f32]);
    f.session.close();
    f.session.close();
    let err = f.fetch(vec![], &[a]).unwrap_err();
    assert_eq!(err.code, Code::Cancelled);
    assert_eq!(err.message, "Session has been closed.");
}

#[test]
fn closing_gives_back_the_device_regions_no_tensor_uses() {
    let f = fixture();
    let x = f.placeholder("x", DType::Float32, &[-1]);
    let y = f.op("Square", "y", &[x]);
    let z = f.op("AddV2", "z", &[y, x]);
    // Kept alive across the close: it takes the first region (2 MiB).
    let kept = f.tensor(&[4], &[1.0f32, 2.0, 3.0, 4.0]);
    // 4 MiB fed and 4 MiB computed: two more regions (4 and 8 MiB, as regions double).
    let feed = f.tensor(&[1 << 20], &vec![3.0f32; 1 << 20]);
    let out = f.fetch(vec![(x, feed)], &[z]).unwrap();
    assert_eq!(values::<f32>(&out[0])[..2], [12.0, 12.0]);
    drop(out);
    assert_eq!(f.allocator.stats().bytes_reserved, 14 << 20);
    f.session.close();
    // Only the region holding `kept` is still reserved.
    let stats = f.allocator.stats();
    assert_eq!((stats.bytes_reserved, stats.bytes_in_use), (2 << 20, 16));
    assert_eq!(values::<f32>(&kept), [1.0, 2.0, 3.0, 4.0]);
    drop(kept);
    assert_eq!(f.allocator.release_free_memory(), 2 << 20);
    assert_eq!(f.allocator.stats().bytes_reserved, 0);
}

#[test]
fn intermediates_are_released_after_their_last_use() {
    let f = fixture();
    let x = f.placeholder("x", DType::Float32, &[-1]);
    let mut last = x;
    for i in 0..20 {
        last = f.op("AddV2", &format!("add{i}"), &[last, last]);
    }
    let n = 1 << 16;
    let out = f.fetch(vec![(x, f.tensor(&[n], &vec![1.0f32; n]))], &[last]).unwrap();
    assert_eq!(values::<f32>(&out[0])[0], (1u32 << 20) as f32);
    let peak = f.allocator.stats().peak_bytes_in_use;
    // The feed, one live intermediate and the one being written: a handful of buffers,
    // never the twenty a keep-everything executor would hold.
    assert!(peak <= 4 * (n as u64) * 4, "peak {peak} bytes");
}

/// `width` independent branches from one feed, summed pairwise at the end: branch i multiplies
/// by (i+1), then doubles `depth` times.
fn lattice(f: &Fixture, width: usize, depth: usize) -> (NodeId, NodeId) {
    let x = f.placeholder("x", DType::Float64, &[-1]);
    let mut tips = Vec::new();
    for i in 0..width {
        let k = f.constant(&format!("k{i}"), &[], &[(i + 1) as f64]);
        let mut t = f.op("Mul", &format!("m{i}"), &[x, k]);
        for d in 0..depth {
            t = f.op("AddV2", &format!("b{i}_{d}"), &[t, t]);
        }
        tips.push(t);
    }
    while tips.len() > 1 {
        let (a, b) = (tips.remove(0), tips.remove(0));
        let n = f.graph.read().unwrap().num_nodes();
        tips.push(f.op("AddV2", &format!("s{n}"), &[a, b]));
    }
    (x, tips[0])
}

#[test]
fn independent_branches_give_the_same_result_on_every_scheduler() {
    // sum over i of x·(i+1)·2^depth = x · 2^depth · width(width+1)/2
    let (width, depth) = (16, 6);
    let expected = |x: f64| x * 64.0 * (16.0 * 17.0 / 2.0);
    for inter_op_threads in [0, 1, 2, 4] {
        let options = SessionOptions { inter_op_threads, ..Default::default() };
        let f = fixture_with(&options);
        let (x, out) = lattice(&f, width, depth);
        for _ in 0..5 {
            let feed = f.tensor(&[3], &[1.0f64, -0.5, 3.0]);
            let got = values::<f64>(&f.fetch(vec![(x, feed)], &[out]).unwrap()[0]);
            assert_eq!(got, [expected(1.0), expected(-0.5), expected(3.0)], "{inter_op_threads}");
        }
    }
}

#[test]
fn an_error_in_one_branch_fails_the_run_and_the_session_stays_usable() {
    let f = fixture_with(&SessionOptions { inter_op_threads: 4, ..Default::default() });
    let x = f.placeholder("x", DType::Float32, &[-1]);
    let y = f.placeholder("y", DType::Float32, &[-1]);
    let ok = f.op("AddV2", "ok", &[x, x]);
    let bad = f.op("AddV2", "bad", &[x, y]);
    let both = f.op("Mul", "both", &[ok, bad]);
    let feeds =
        |n: usize| vec![(x, f.tensor(&[2], &[1f32, 2.])), (y, f.tensor(&[n], &vec![1f32; n]))];
    let err = f.fetch(feeds(3), &[both]).unwrap_err();
    assert_eq!((err.code, err.node.as_deref()), (Code::InvalidArgument, Some("bad")));
    assert_eq!(values::<f32>(&f.fetch(feeds(2), &[both]).unwrap()[0]), [4.0, 12.0]);
}

#[test]
fn control_inputs_order_steps_and_run_their_dependencies() {
    let f = fixture();
    let a = f.constant("a", &[], &[1.0f32]);
    let unfed = f.placeholder("p", DType::Float32, &[]);
    let gate = f.op("Identity", "gate", &[unfed]);
    let id = f
        .graph
        .write()
        .unwrap()
        .add_node(NodeSpec {
            op: "Identity".into(),
            name: "after_gate".into(),
            inputs: vec![Endpoint::new(a, 0)],
            control_inputs: vec![gate],
            ..Default::default()
        })
        .unwrap();
    // The control input pulls in the unfed placeholder, so the run must fail naming it…
    let err = f.fetch(vec![], &[id]).unwrap_err();
    assert_eq!(err.node.as_deref(), Some("p"));
    // …and succeeds once it is fed.
    let out = f.fetch(vec![(unfed, f.tensor(&[], &[0.0f32]))], &[id]).unwrap();
    assert_eq!(values::<f32>(&out[0]), [1.0]);
}

#[test]
fn a_callable_runs_its_signature_repeatedly_and_only_on_its_session() {
    let f = fixture();
    let x = f.placeholder("x", DType::Int32, &[-1]);
    let y = f.op("Mul", "y", &[x, x]);
    let sig = RunSignature {
        feeds: vec![Endpoint::new(x, 0)],
        fetches: vec![Endpoint::new(y, 0)],
        targets: vec![],
    };
    let callable = f.session.prepare(sig.clone()).unwrap();
    assert_eq!(callable.num_feeds(), 1);
    for n in 1..4 {
        let (out, _) = f
            .session
            .run_callable(&callable, vec![f.tensor(&[2], &[n, -n])], &RunOptions::default())
            .unwrap();
        assert_eq!(values::<i32>(&out[0]), [n * n, n * n]);
    }
    let err = f
        .session
        .run_callable(&callable, vec![f.tensor(&[2], &[1.0f32, 2.0])], &RunOptions::default())
        .unwrap_err();
    assert_eq!(err.code, Code::InvalidArgument);

    let other = fixture();
    let err =
        other.session.run_callable(&callable, vec![f.tensor(&[1], &[1])], &RunOptions::default());
    assert_eq!(err.unwrap_err().code, Code::InvalidArgument);
    f.session.close();
    let err = f.session.run_callable(&callable, vec![f.tensor(&[1], &[1])], &RunOptions::default());
    assert_eq!(err.unwrap_err().code, Code::Cancelled);
}

#[test]
fn a_run_past_its_timeout_fails_with_deadline_exceeded() {
    let f = fixture();
    let x = f.placeholder("x", DType::Float32, &[-1]);
    let mut last = x;
    for i in 0..50 {
        last = f.op("AddV2", &format!("a{i}"), &[last, x]);
    }
    let options = RunOptions { timeout: Some(std::time::Duration::from_nanos(1)), trace: false };
    let feeds = vec![(Endpoint::new(x, 0), f.tensor(&[4096], &[1f32; 4096]))];
    let err = f.session.run_with_options(feeds, &[Endpoint::new(last, 0)], &[], &options);
    assert_eq!(err.unwrap_err().code, Code::DeadlineExceeded);
    let generous = RunOptions { timeout: Some(std::time::Duration::from_secs(60)), trace: false };
    let feeds = vec![(Endpoint::new(x, 0), f.tensor(&[1], &[1f32]))];
    let (out, _) =
        f.session.run_with_options(feeds, &[Endpoint::new(last, 0)], &[], &generous).unwrap();
    assert_eq!(values::<f32>(&out[0]), [51.0]);
}

#[test]
fn tracing_records_every_executed_node() {
    // Without plan-time rewrites, which would fold `b` into a constant.
    let f = fixture_with(&SessionOptions { rewrites: RewriteOptions::NONE, ..Default::default() });
    let a = f.constant("a", &[2], &[1.0f64, 2.0]);
    let b = f.op("Mul", "b", &[a, a]);
    let c = f.op("AddV2", "c", &[b, a]);
    let options = RunOptions { timeout: None, trace: true };
    let (out, meta) =
        f.session.run_with_options(vec![], &[Endpoint::new(c, 0)], &[], &options).unwrap();
    assert_eq!(values::<f64>(&out[0]), [2.0, 6.0]);
    let mut nodes: Vec<(&str, &str, u64)> =
        meta.step_stats.iter().map(|s| (s.node.as_str(), s.op.as_str(), s.output_bytes)).collect();
    nodes.sort();
    assert_eq!(nodes, [("a", "Const", 16), ("b", "Mul", 16), ("c", "AddV2", 16)]);
    assert!(meta.step_stats.iter().all(|s| s.device.ends_with("device:CPU:0")));
    let (_, quiet) = f
        .session
        .run_with_options(vec![], &[Endpoint::new(c, 0)], &[], &RunOptions::default())
        .unwrap();
    assert!(quiet.step_stats.is_empty());
}

#[test]
fn partial_runs_feed_and_fetch_piecewise_reusing_values() {
    // TF's own example: r1 = a + b; r2 = r1 · c, fed a, b, then c.
    let f = fixture();
    let a = f.placeholder("a", DType::Float32, &[]);
    let b = f.placeholder("b", DType::Float32, &[]);
    let c = f.placeholder("c", DType::Float32, &[]);
    let r1 = f.op("AddV2", "r1", &[a, b]);
    let r2 = f.op("Mul", "r2", &[r1, c]);
    let e = |n| Endpoint::new(n, 0);
    let sig = RunSignature {
        feeds: vec![e(a), e(b), e(c)],
        fetches: vec![e(r1), e(r2)],
        targets: vec![],
    };
    let h = f.session.partial_run_setup(sig).unwrap();
    let opts = RunOptions::default();
    let feed = |n, v: f32| (e(n), f.tensor(&[], &[v]));

    // r2 needs c, which has not been fed: an error that leaves the run usable.
    let err = f.session.partial_run(&h, vec![feed(a, 1.0), feed(b, 2.0)], &[e(r2)], &[], &opts);
    assert_eq!(err.unwrap_err().code, Code::InvalidArgument);
    let out = f.session.partial_run(&h, vec![feed(a, 1.0), feed(b, 2.0)], &[e(r1)], &[], &opts);
    assert_eq!(values::<f32>(&out.unwrap()[0]), [3.0]);
    // Feeding a again, fetching r1 again, or feeding something undeclared are errors.
    for (feeds, fetches) in
        [(vec![feed(a, 5.0)], vec![]), (vec![], vec![e(r1)]), (vec![feed(r1, 0.0)], vec![])]
    {
        let err = f.session.partial_run(&h, feeds, &fetches, &[], &opts).unwrap_err();
        assert_eq!(err.code, Code::InvalidArgument, "{err}");
    }
    let out = f.session.partial_run(&h, vec![feed(c, 17.0)], &[e(r2)], &[], &opts).unwrap();
    assert_eq!(values::<f32>(&out[0]), [51.0]);
    // Every fetch fetched: the run is over and its handle gone.
    let err = f.session.partial_run(&h, vec![], &[], &[], &opts).unwrap_err();
    assert!(err.message.contains("No partial run"), "{err}");
}

fn pinned(f: &Fixture, name: &str, device: &str, input: NodeId) -> NodeId {
    f.graph
        .write()
        .unwrap()
        .add_node(NodeSpec {
            op: "Mul".into(),
            name: name.into(),
            inputs: vec![Endpoint::new(input, 0), Endpoint::new(input, 0)],
            device: device.into(),
            ..Default::default()
        })
        .unwrap()
}

#[test]
fn nodes_run_on_the_device_they_request() {
    let f = fixture_on(2, &SessionOptions::default());
    let a = f.constant("a", &[], &[3.0f32]);
    let on1 = pinned(&f, "on1", "/device:CPU:1", a);
    let anywhere = pinned(&f, "anywhere", "", on1);
    let options = RunOptions { timeout: None, trace: true };
    let (out, meta) =
        f.session.run_with_options(vec![], &[Endpoint::new(anywhere, 0)], &[], &options).unwrap();
    assert_eq!(values::<f32>(&out[0]), [81.0]);
    let device_of = |n: &str| meta.step_stats.iter().find(|s| s.node == n).unwrap().device.clone();
    assert_eq!(device_of("on1"), "/job:localhost/replica:0/task:0/device:CPU:1");
    assert_eq!(device_of("anywhere"), "/job:localhost/replica:0/task:0/device:CPU:0");
}

#[test]
fn an_unsatisfiable_device_is_an_error_unless_placement_is_soft() {
    let hard = fixture_on(1, &SessionOptions::default());
    let a = hard.constant("a", &[], &[2.0f32]);
    let gpu = pinned(&hard, "gpu", "/device:GPU:0", a);
    let err = hard.fetch(vec![], &[gpu]).unwrap_err();
    assert_eq!((err.code, err.node.as_deref()), (Code::InvalidArgument, Some("gpu")));
    assert!(err.message.contains("Cannot assign a device for operation gpu"), "{err}");

    let soft = fixture_on(1, &SessionOptions { allow_soft_placement: true, ..Default::default() });
    let a = soft.constant("a", &[], &[2.0f32]);
    let gpu = pinned(&soft, "gpu", "/device:GPU:0", a);
    assert_eq!(values::<f32>(&soft.fetch(vec![], &[gpu]).unwrap()[0]), [4.0]);
}
