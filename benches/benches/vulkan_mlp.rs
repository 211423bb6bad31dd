//! One inference step of an MLP (784-512-512-10, ReLU, softmax, batch 128: the network of
//! `benches/js/train_mlp.bench.mjs`, forward only, since the training ops have no Vulkan
//! kernels) through a session, with every node but the fed input pinned to the Vulkan device,
//! next to the same graph on the CPU. Each step feeds the batch from the host (uploaded) and
//! fetches the probabilities (downloaded); the weights are constants, which the device keeps
//! after the first run. On a CPU-only machine the Vulkan device is lavapipe, which runs the
//! shaders on the same cores. Skips the Vulkan half, saying why, without a Vulkan device.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use sessionflow::core::{AttrMap, AttrValue, DType, PartialShape, Tensor};
use sessionflow::graph::{Endpoint, Graph, NodeId, NodeSpec};
use sessionflow::{RunOptions, Session, SessionConfig, open_session, vulkan_status};
use sessionflow_benches::tensor;
use std::hint::black_box;
use std::sync::{Arc, RwLock};

const BATCH: usize = 128;
const LAYERS: [usize; 4] = [784, 512, 512, 10];
const VULKAN: &str = "/job:localhost/replica:0/task:0/device:VULKAN:0";

/// Deterministic values in [-scale, scale) (a linear congruential generator), so both devices
/// see the same weights and batch.
fn values(n: usize, seed: u32, scale: f32) -> Vec<f32> {
    let mut s = seed;
    (0..n)
        .map(|_| {
            s = s.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            ((s >> 8) as f32 / (1u32 << 24) as f32 * 2.0 - 1.0) * scale
        })
        .collect()
}

/// The forward graph with its nodes on `device` ("" for the default, the CPU): the fed batch
/// and the fetched probabilities.
struct Mlp {
    session: Session,
    x: NodeId,
    probs: NodeId,
}

impl Mlp {
    fn new(device: &str) -> Mlp {
        let graph = Arc::new(RwLock::new(Graph::new()));
        let (x, probs) = {
            let mut g = graph.write().expect("nothing else holds the graph yet");
            let mut add = |op: &str, name: String, inputs: &[NodeId], attrs: AttrMap| {
                g.add_node(NodeSpec {
                    op: op.into(),
                    name,
                    inputs: inputs.iter().map(|&n| Endpoint::new(n, 0)).collect(),
                    attrs,
                    device: if op == "Placeholder" { String::new() } else { device.into() },
                    ..Default::default()
                })
                .unwrap_or_else(|e| panic!("the benchmark graph is invalid: {e}"))
            };
            let constant = |t: Tensor| -> AttrMap {
                [
                    ("dtype".to_owned(), AttrValue::Type(DType::Float32)),
                    ("value".to_owned(), AttrValue::Tensor(t)),
                ]
                .into()
            };
            let shape = PartialShape::from_i64(&[BATCH as i64, LAYERS[0] as i64])
                .expect("a valid static shape");
            let x = add(
                "Placeholder",
                "x".into(),
                &[],
                [
                    ("dtype".to_owned(), AttrValue::Type(DType::Float32)),
                    ("shape".to_owned(), AttrValue::Shape(shape)),
                ]
                .into(),
            );
            let mut h = x;
            for (l, pair) in LAYERS.windows(2).enumerate() {
                let (inputs, units) = (pair[0], pair[1]);
                // Glorot-uniform scale, as the training bench initialises its weights.
                let limit = (6.0 / (inputs + units) as f32).sqrt();
                let w = tensor(&[inputs, units], &values(inputs * units, 7 + l as u32, limit));
                let w = add("Const", format!("w{l}"), &[], constant(w));
                let b = tensor(&[units], &values(units, 70 + l as u32, 0.1));
                let b = add("Const", format!("b{l}"), &[], constant(b));
                h = add("MatMul", format!("matmul{l}"), &[h, w], AttrMap::new());
                h = add("BiasAdd", format!("bias{l}"), &[h, b], AttrMap::new());
                if l + 2 < LAYERS.len() {
                    h = add("Relu", format!("relu{l}"), &[h], AttrMap::new());
                }
            }
            let probs = add("Softmax", "probs".into(), &[h], AttrMap::new());
            (x, probs)
        };
        let session = open_session(graph, &SessionConfig::default())
            .unwrap_or_else(|e| panic!("cannot open a session: {e}"));
        Mlp { session, x, probs }
    }

    /// The probabilities for `batch`, on the host.
    fn probs(&self, batch: &Tensor) -> Vec<f32> {
        let feeds = vec![(Endpoint::new(self.x, 0), batch.clone())];
        let values = self
            .session
            .run(feeds, &[Endpoint::new(self.probs, 0)], &[])
            .unwrap_or_else(|e| panic!("the MLP step failed: {e}"));
        values[0].as_slice::<f32>().unwrap_or_else(|e| panic!("{e}")).to_vec()
    }

    fn step(&self, batch: &Tensor, options: &RunOptions) -> sessionflow::RunMetadata {
        let feeds = vec![(Endpoint::new(self.x, 0), batch.clone())];
        let (values, meta) = self
            .session
            .run_with_options(feeds, &[Endpoint::new(self.probs, 0)], &[], options)
            .unwrap_or_else(|e| panic!("the MLP step failed: {e}"));
        black_box(values);
        meta
    }
}

fn mlp(c: &mut Criterion) {
    let mut group = c.benchmark_group("mlp_784_512_512_10_forward_b128");
    group.sample_size(20);
    // 2·batch·in·out flops per layer's product; criterion's "elements" here are flops.
    let flops: usize = LAYERS.windows(2).map(|p| 2 * BATCH * p[0] * p[1]).sum();
    group.throughput(Throughput::Elements(flops as u64));
    let batch = tensor(&[BATCH, LAYERS[0]], &values(BATCH * LAYERS[0], 1, 1.0));
    let quiet = RunOptions::default();

    let cpu = Mlp::new("");
    group.bench_function("cpu", |bench| bench.iter(|| cpu.step(&batch, &quiet)));

    match vulkan_status() {
        Ok(()) => {
            let vulkan = Mlp::new("/device:VULKAN:0");
            // The figure means something only if the math ran on the device: check once.
            let traced = vulkan.step(&batch, &RunOptions { trace: true, ..Default::default() });
            for stats in traced.step_stats.iter().filter(|s| s.op != "Placeholder") {
                assert_eq!(stats.device, VULKAN, "{} ({}) left the device", stats.node, stats.op);
            }
            // And only if it computed the same thing (a few roundings apart).
            let (want, got) = (cpu.probs(&batch), vulkan.probs(&batch));
            for (w, g) in want.iter().zip(&got) {
                assert!((w - g).abs() <= 1e-5, "Vulkan {g} against CPU {w}");
            }
            group.bench_function("vulkan", |bench| bench.iter(|| vulkan.step(&batch, &quiet)));
        }
        Err(status) => eprintln!("the Vulkan half skips: {status}"),
    }
    group.finish();
}

criterion_group!(benches, mlp);
criterion_main!(benches);
