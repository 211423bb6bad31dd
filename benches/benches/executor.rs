//! The executor's cost per node: a chain of scalar AddV2 nodes, run from a cached plan.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use sessionflow::core::{AttrMap, DType};
use sessionflow::graph::Endpoint;
use sessionflow_benches::{Bench, tensor};
use std::hint::black_box;

fn chain(c: &mut Criterion) {
    let mut group = c.benchmark_group("executor_chain");
    for len in [1usize, 1_000, 10_000] {
        let b = Bench::new();
        let x = b.placeholder("x", DType::Float32);
        let mut last = x;
        for i in 0..len {
            last = b.add("AddV2", &format!("add{i}"), &[last, x], AttrMap::new());
        }
        let feed = tensor(&[], &[1.0f32]);
        group.throughput(Throughput::Elements(len as u64));
        group.bench_function(format!("{len}_nodes"), |bench| {
            bench.iter(|| {
                let feeds = vec![(Endpoint::new(x, 0), feed.clone())];
                black_box(b.session.run(feeds, &[Endpoint::new(last, 0)], &[]).unwrap())
            })
        });
    }
    group.finish();
}

criterion_group!(benches, chain);
criterion_main!(benches);
