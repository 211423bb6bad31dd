//! fp32 MatMul kernels alone, no session: the Vulkan kernel on device-resident operands
//! (submission and wait included, transfers not) next to the CPU kernel (gemm) on host
//! operands, in GFLOP/s. On a CPU-only machine the Vulkan device is lavapipe, which runs the
//! shader on the same cores. Skips the Vulkan half, saying why, without a Vulkan device.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use sessionflow::core::{
    Allocator, AttrMap, AttrValue, DType, DeviceType, KernelContext, KernelRegistry, NodeView,
};
use sessionflow::host_allocator;
use sessionflow_alloc::{BfcAllocator, BfcOptions};
use sessionflow_benches::tensor;
use sessionflow_kernels_vulkan::{VulkanContext, VulkanRegions, kernels};
use std::hint::black_box;
use std::sync::Arc;

fn matmul(c: &mut Criterion) {
    let mut group = c.benchmark_group("matmul_kernel_f32");
    group.sample_size(10);
    let vulkan = match VulkanContext::shared() {
        Ok(ctx) => {
            eprintln!("Vulkan device: {} ({})", ctx.info().name, ctx.info().device_type);
            let options = BfcOptions {
                memory_limit: Some(1 << 30),
                allow_growth: true,
                initial_region_bytes: 1 << 20,
            };
            let bfc =
                BfcAllocator::new("VULKAN_0_bfc", VulkanRegions::new(Arc::clone(&ctx)), options)
                    .expect("a growing allocator takes no memory up front");
            Some((ctx, Arc::new(bfc) as Arc<dyn Allocator>))
        }
        Err(status) => {
            eprintln!("the Vulkan half skips: {status}");
            None
        }
    };
    let mut cpu_kernels = KernelRegistry::new();
    sessionflow_kernels_cpu::register_kernels(&mut cpu_kernels);
    let attrs: AttrMap = [
        ("transpose_a".to_owned(), AttrValue::Bool(false)),
        ("transpose_b".to_owned(), AttrValue::Bool(false)),
        ("T".to_owned(), AttrValue::Type(DType::Float32)),
    ]
    .into();
    let types = [DType::Float32, DType::Float32];
    let view = NodeView {
        name: "p",
        op: "MatMul",
        attrs: &attrs,
        input_types: &types,
        output_types: &types[..1],
    };
    let factory =
        cpu_kernels.find("MatMul", DeviceType::CPU, Some(DType::Float32)).expect("CPU MatMul");
    let cpu = factory(&view).expect("MatMul attrs");
    for n in [256usize, 512, 1024] {
        let data: Vec<f32> = (0..n * n).map(|i| (i % 7) as f32 * 0.25).collect();
        let host = tensor(&[n, n], &data);
        // 2·n³ flops per product; criterion's "elements" here are flops.
        group.throughput(Throughput::Elements(2 * (n as u64).pow(3)));
        group.bench_function(format!("cpu_gemm/{n}x{n}"), |bench| {
            bench.iter(|| {
                let mut ctx =
                    KernelContext::new(vec![host.clone(), host.clone()], 1, host_allocator());
                cpu.compute(&mut ctx).unwrap();
                black_box(ctx.into_outputs().unwrap())
            })
        });
        if let Some((ctx, alloc)) = &vulkan {
            let a = host.to_device(alloc).unwrap();
            group.bench_function(format!("vulkan/{n}x{n}"), |bench| {
                bench.iter(|| black_box(kernels::matmul(ctx, alloc, &a, &a, false, false).unwrap()))
            });
        }
    }
    group.finish();
}

criterion_group!(benches, matmul);
criterion_main!(benches);
