//! fp32 Conv2D throughput through a session (feed, kernel, fetch), in GFLOP/s, for the shapes
//! that dominate image models: a 3×3 SAME convolution, 1×1 convolutions, a strided 3×3, the
//! same 3×3 in NCHW (transposes around the NHWC kernel), and the shapes either side of where
//! the direct kernel hands over to im2col + gemm (window × input depth 1152 and 2304).

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use sessionflow::core::{AttrMap, AttrValue, DType};
use sessionflow::graph::Endpoint;
use sessionflow_benches::{Bench, tensor};
use std::hint::black_box;

/// One benchmarked convolution: NHWC input dims, HWIO filter dims, stride, layout.
struct Case {
    name: &'static str,
    input: [usize; 4],
    filter: [usize; 4],
    stride: usize,
    nchw: bool,
}

const CASES: [Case; 7] = [
    Case {
        name: "3x3_same_56x56x64",
        input: [1, 56, 56, 64],
        filter: [3, 3, 64, 64],
        stride: 1,
        nchw: false,
    },
    Case {
        name: "1x1_56x56x64to256",
        input: [1, 56, 56, 64],
        filter: [1, 1, 64, 256],
        stride: 1,
        nchw: false,
    },
    Case {
        name: "3x3_s2_112x112x32",
        input: [1, 112, 112, 32],
        filter: [3, 3, 32, 64],
        stride: 2,
        nchw: false,
    },
    Case {
        name: "1x1_14x14x512to512",
        input: [1, 14, 14, 512],
        filter: [1, 1, 512, 512],
        stride: 1,
        nchw: false,
    },
    Case {
        name: "3x3_same_28x28x128to128",
        input: [1, 28, 28, 128],
        filter: [3, 3, 128, 128],
        stride: 1,
        nchw: false,
    },
    Case {
        name: "3x3_same_14x14x256to256",
        input: [1, 14, 14, 256],
        filter: [3, 3, 256, 256],
        stride: 1,
        nchw: false,
    },
    Case {
        name: "3x3_same_56x56x64_nchw",
        input: [1, 56, 56, 64],
        filter: [3, 3, 64, 64],
        stride: 1,
        nchw: true,
    },
];

fn conv2d(c: &mut Criterion) {
    let mut group = c.benchmark_group("conv2d_f32");
    for case in &CASES {
        let b = Bench::new();
        let x = b.placeholder("x", DType::Float32);
        let f = b.placeholder("f", DType::Float32);
        let s = case.stride as i64;
        let mut attrs = AttrMap::new();
        let (strides, format) =
            if case.nchw { (vec![1, 1, s, s], "NCHW") } else { (vec![1, s, s, 1], "NHWC") };
        attrs.insert("strides".into(), AttrValue::ListInt(strides));
        attrs.insert("padding".into(), AttrValue::String("SAME".into()));
        attrs.insert("data_format".into(), AttrValue::String(format.into()));
        let y = b.add("Conv2D", "y", &[x, f], attrs);
        let [n, h, w, ci] = case.input;
        let [kh, kw, _, co] = case.filter;
        let input_dims = if case.nchw { [n, ci, h, w] } else { [n, h, w, ci] };
        let data: Vec<f32> = (0..n * h * w * ci).map(|i| (i % 13) as f32 * 0.125 - 0.75).collect();
        let weights: Vec<f32> =
            (0..kh * kw * ci * co).map(|i| (i % 7) as f32 * 0.0625 - 0.1875).collect();
        let (tx, tf) = (tensor(&input_dims, &data), tensor(&case.filter, &weights));
        let feeds = || vec![(Endpoint::new(x, 0), tx.clone()), (Endpoint::new(f, 0), tf.clone())];
        let (oh, ow) = (h.div_ceil(case.stride), w.div_ceil(case.stride));
        // 2 flops per multiply-add; criterion's "elements" here are flops.
        group.throughput(Throughput::Elements((2 * n * oh * ow * co * kh * kw * ci) as u64));
        group.bench_function(case.name, |bench| {
            bench.iter(|| black_box(b.session.run(feeds(), &[Endpoint::new(y, 0)], &[]).unwrap()))
        });
    }
    group.finish();
}

criterion_group!(benches, conv2d);
criterion_main!(benches);
