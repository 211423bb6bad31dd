//! Test support: the device (or a printed reason to skip), random inputs, the CPU kernels as
//! the reference, and comparisons with stated tolerances.

use crate::{VulkanContext, VulkanRegions};
use sessionflow_alloc::{BfcAllocator, BfcOptions, CpuAllocator};
use sessionflow_core::{
    Allocator, AttrMap, DType, DeviceType, KernelContext, KernelRegistry, NodeView, Tensor,
    TensorShape,
};
use std::io::Write;
use std::sync::{Arc, LazyLock, Once};

/// The process's Vulkan context, or None after saying (once, past the test harness's output
/// capture) why the Vulkan tests skip.
pub(crate) fn context() -> Option<Arc<VulkanContext>> {
    match VulkanContext::shared() {
        Ok(ctx) => Some(ctx),
        Err(status) => {
            static SAID: Once = Once::new();
            SAID.call_once(|| {
                // Straight to the stream: print! output of passing tests is captured.
                let _ = writeln!(
                    std::io::stderr(),
                    "sessionflow-kernels-vulkan: Vulkan tests skip: no Vulkan device ({status})"
                );
            });
            None
        }
    }
}

/// A device to run kernels on: the context and a BFC allocator over its memory.
pub(crate) struct Gpu {
    pub ctx: Arc<VulkanContext>,
    pub alloc: Arc<dyn Allocator>,
}

/// The test device, or None (with the reason printed) when there is no Vulkan.
pub(crate) fn gpu() -> Option<&'static Gpu> {
    static GPU: LazyLock<Option<Gpu>> = LazyLock::new(|| {
        let ctx = context()?;
        let options = BfcOptions {
            memory_limit: Some((ctx.info().memory_bytes / 2) as usize),
            allow_growth: true,
            initial_region_bytes: 1 << 20,
        };
        let bfc = BfcAllocator::new("VULKAN_0_bfc", VulkanRegions::new(Arc::clone(&ctx)), options)
            .expect("a growing allocator needs no memory up front");
        Some(Gpu { ctx, alloc: Arc::new(bfc) })
    });
    GPU.as_ref()
}

/// Host memory for inputs and results.
pub(crate) fn host() -> &'static Arc<dyn Allocator> {
    static HOST: LazyLock<Arc<dyn Allocator>> = LazyLock::new(|| Arc::new(CpuAllocator::default()));
    &HOST
}

impl Gpu {
    /// A float32 tensor on the device with these dims and values.
    pub fn f32(&self, dims: &[usize], data: &[f32]) -> Tensor {
        let t = Tensor::from_slice(host(), TensorShape::new(dims), data).expect("test data fits");
        self.ctx.upload(&self.alloc, &t).expect("upload")
    }

    /// A device tensor's shape and values, read back.
    pub fn read(&self, t: &Tensor) -> (Vec<usize>, Vec<f32>) {
        let h = self.ctx.download(t, host()).expect("download");
        (h.shape().dims().to_vec(), h.as_slice::<f32>().expect("float32").to_vec())
    }
}

/// Deterministic uniform numbers (xorshift64*), so failures reproduce.
pub(crate) struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    /// Uniform in [lo, hi).
    pub fn uniform(&mut self, n: usize, lo: f32, hi: f32) -> Vec<f32> {
        (0..n)
            .map(|_| {
                self.0 ^= self.0 >> 12;
                self.0 ^= self.0 << 25;
                self.0 ^= self.0 >> 27;
                let bits = self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 40;
                lo + (hi - lo) * (bits as f32 / (1u64 << 24) as f32)
            })
            .collect()
    }
}

/// Runs the CPU kernel of `op` on host `inputs`: the reference the Vulkan kernels are
/// compared with.
pub(crate) fn cpu(op: &str, attrs: AttrMap, inputs: Vec<Tensor>, outputs: usize) -> Vec<Tensor> {
    static KERNELS: LazyLock<KernelRegistry> = LazyLock::new(|| {
        let mut r = KernelRegistry::new();
        sessionflow_kernels_cpu::register_kernels(&mut r);
        r
    });
    let input_types: Vec<DType> = inputs.iter().map(Tensor::dtype).collect();
    let output_types = vec![DType::Float32; outputs];
    let view = NodeView {
        name: op,
        op,
        attrs: &attrs,
        input_types: &input_types,
        output_types: &output_types,
    };
    let factory = KERNELS.find(op, DeviceType::CPU, Some(DType::Float32)).expect("a CPU kernel");
    let kernel = factory(&view).expect("CPU kernel attrs");
    let mut ctx = KernelContext::new(inputs, outputs, host());
    kernel.compute(&mut ctx).expect("CPU kernel");
    ctx.into_outputs().expect("CPU outputs")
}

/// A host float32 tensor.
pub(crate) fn host_f32(dims: &[usize], data: &[f32]) -> Tensor {
    Tensor::from_slice(host(), TensorShape::new(dims), data).expect("test data fits")
}

/// Asserts `|got − want| ≤ tol(i)` elementwise, with NaN only where NaN is wanted.
pub(crate) fn assert_close(what: &str, got: &[f32], want: &[f32], tol: impl Fn(usize) -> f32) {
    assert_eq!(got.len(), want.len(), "{what}: lengths");
    for (i, (&g, &w)) in got.iter().zip(want).enumerate() {
        let ok = if w.is_nan() {
            g.is_nan()
        } else if w.is_infinite() {
            g == w
        } else {
            (g - w).abs() <= tol(i)
        };
        assert!(ok, "{what}: element {i}: got {g}, want {w} (tolerance {})", tol(i));
    }
}

/// The bound on the rounding error of a sum of `n` terms whose magnitudes add up to `mass`,
/// in float32 in any order: γₙ·mass with γₙ = n·ε/(1 − n·ε) (Higham, "Accuracy and
/// Stability of Numerical Algorithms", 3.1). Two computations each within it differ by at
/// most twice that.
pub(crate) fn sum_error_bound(n: usize, mass: f32) -> f32 {
    let ne = n as f32 * f32::EPSILON;
    ne / (1.0 - ne).max(0.5) * mass
}

/// The attrs of a CPU Conv2D, DepthwiseConv2dNative, MaxPool or AvgPool over NHWC (`ksize`
/// for the poolings, `dilations` for the convolutions).
pub(crate) fn window_attrs(
    padding: &str,
    strides: [i64; 2],
    dilations: Option<[i64; 2]>,
    ksize: Option<[i64; 2]>,
) -> AttrMap {
    use sessionflow_core::AttrValue;
    let four = |[h, w]: [i64; 2]| AttrValue::ListInt(vec![1, h, w, 1]);
    let mut attrs = AttrMap::new();
    attrs.insert("T".into(), AttrValue::Type(DType::Float32));
    attrs.insert("padding".into(), AttrValue::String(padding.into()));
    attrs.insert("data_format".into(), AttrValue::String("NHWC".into()));
    attrs.insert("strides".into(), four(strides));
    if let Some(d) = dilations {
        attrs.insert("dilations".into(), four(d));
    }
    if let Some(k) = ksize {
        attrs.insert("ksize".into(), four(k));
    }
    attrs
}

/// A convolution test case: input dims, filter dims, padding, strides, dilations.
pub(crate) type ConvCase = ([usize; 4], [usize; 4], &'static str, [usize; 2], [usize; 2]);

/// A pooling test case: input dims, window, padding, strides.
pub(crate) type PoolCase = ([usize; 4], [usize; 2], &'static str, [usize; 2]);
