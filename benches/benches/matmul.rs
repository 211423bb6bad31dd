//! fp32 MatMul throughput through a session (feed, kernel, fetch), in GFLOP/s.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use sessionflow::core::{AttrMap, DType};
use sessionflow::graph::Endpoint;
use sessionflow_benches::{Bench, tensor};
use std::hint::black_box;

fn matmul(c: &mut Criterion) {
    let mut group = c.benchmark_group("matmul_f32");
    group.sample_size(20);
    for n in [256usize, 1024, 2048] {
        let b = Bench::new();
        let x = b.placeholder("x", DType::Float32);
        let y = b.placeholder("y", DType::Float32);
        let p = b.add("MatMul", "p", &[x, y], AttrMap::new());
        let data: Vec<f32> = (0..n * n).map(|i| (i % 7) as f32 * 0.25).collect();
        let (tx, ty) = (tensor(&[n, n], &data), tensor(&[n, n], &data));
        let feeds = || vec![(Endpoint::new(x, 0), tx.clone()), (Endpoint::new(y, 0), ty.clone())];
        // 2·n³ flops per product; criterion's "elements" here are flops.
        group.throughput(Throughput::Elements(2 * (n as u64).pow(3)));
        group.bench_function(format!("{n}x{n}"), |bench| {
            bench.iter(|| black_box(b.session.run(feeds(), &[Endpoint::new(p, 0)], &[]).unwrap()))
        });
    }
    group.finish();
}

criterion_group!(benches, matmul);
criterion_main!(benches);
