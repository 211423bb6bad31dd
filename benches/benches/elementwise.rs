//! Elementwise throughput through a session: same-shape, scalar-broadcast and row-broadcast
//! binary ops on 1M float32 elements.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use sessionflow::core::{AttrMap, DType};
use sessionflow::graph::Endpoint;
use sessionflow_benches::{Bench, tensor};
use std::hint::black_box;

const ROWS: usize = 1024;
const COLS: usize = 1024;

fn elementwise(c: &mut Criterion) {
    let mut group = c.benchmark_group("elementwise_f32_1M");
    group.throughput(Throughput::Elements((ROWS * COLS) as u64));
    let data: Vec<f32> = (0..ROWS * COLS).map(|i| (i % 13) as f32 - 6.0).collect();
    let cases: [(&str, &str, Vec<usize>); 3] = [
        ("add_same_shape", "AddV2", vec![ROWS, COLS]),
        ("mul_scalar", "Mul", vec![]),
        ("add_row_broadcast", "AddV2", vec![COLS]),
    ];
    for (label, op, y_dims) in cases {
        let b = Bench::new();
        let x = b.placeholder("x", DType::Float32);
        let y = b.placeholder("y", DType::Float32);
        let z = b.add(op, "z", &[x, y], AttrMap::new());
        let tx = tensor(&[ROWS, COLS], &data);
        let y_len: usize = y_dims.iter().product();
        let ty = tensor(&y_dims, &data[..y_len]);
        group.bench_function(label, |bench| {
            bench.iter(|| {
                let feeds =
                    vec![(Endpoint::new(x, 0), tx.clone()), (Endpoint::new(y, 0), ty.clone())];
                black_box(b.session.run(feeds, &[Endpoint::new(z, 0)], &[]).unwrap())
            })
        });
    }
    group.finish();
}

criterion_group!(benches, elementwise);
criterion_main!(benches);
