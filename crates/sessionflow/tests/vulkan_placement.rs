//! The Vulkan device in sessions: listed with its memory limit, `deviceCount: {VULKAN: 0}`
//! removes it, nodes pinned to it run there (inputs uploaded, fetches downloaded, host-memory
//! inputs such as reduction axes kept on the host), and nodes it has no kernel for fall back
//! to the CPU under soft placement. Skips, saying why, where no Vulkan device exists.

mod vulkan_support;

use sessionflow::core::{AttrMap, AttrValue, Code, MemoryKind, Tensor, TensorShape};
use sessionflow::graph::{Endpoint, NodeId};
use sessionflow::{RunOptions, Session, SessionConfig, host_allocator};
use std::collections::HashMap;
use vulkan_support::{Builder, CPU, VULKAN, floats, have_vulkan};

fn bool_attr(attrs: &[(&str, bool)]) -> AttrMap {
    attrs.iter().map(|(k, v)| ((*k).to_owned(), AttrValue::Bool(*v))).collect()
}

/// An MLP's forward pass — softmax(relu(x·W1 + b1)·W2 + b2) and the mean of its rows'
/// maxima — with every node on `device` ("" for the default).
fn mlp(b: &Builder, device: &str) -> (NodeId, NodeId, NodeId) {
    let x = b.placeholder(&[-1, 3]);
    let w1 = b.constant(
        floats(&[3, 4], &[0.5, -1., 0.25, 2., 1., 0.5, -0.5, 0., -1., 1., 1., 0.5]),
        device,
    );
    let b1 = b.constant(floats(&[4], &[0.1, -0.2, 0.3, 0.]), device);
    let w2 = b.constant(floats(&[4, 2], &[1., -1., 0.5, 2., -0.5, 1., 2., 0.]), device);
    let b2 = b.constant(floats(&[2], &[0., 1.]), device);
    let mm = bool_attr(&[("transpose_a", false), ("transpose_b", false)]);
    let h = b.add("MatMul", &[x, w1], mm.clone(), device);
    let h = b.add("BiasAdd", &[h, b1], AttrMap::new(), device);
    let h = b.add("Relu", &[h], AttrMap::new(), device);
    let logits = b.add("MatMul", &[h, w2], mm, device);
    let logits = b.add("AddV2", &[logits, b2], AttrMap::new(), device);
    let probs = b.add("Softmax", &[logits], AttrMap::new(), device);
    let axis = b.constant(
        Tensor::from_slice(host_allocator(), TensorShape::new([1]), &[1i32]).unwrap(),
        device,
    );
    let top = b.add("Max", &[probs, axis], bool_attr(&[("keep_dims", false)]), device);
    let axis0 = b.constant(
        Tensor::from_slice(host_allocator(), TensorShape::new([1]), &[0i32]).unwrap(),
        device,
    );
    let mean = b.add("Mean", &[top, axis0], bool_attr(&[("keep_dims", false)]), device);
    (x, probs, mean)
}

fn run(
    s: &Session,
    x: NodeId,
    xv: Tensor,
    fetches: &[NodeId],
    trace: bool,
) -> (Vec<Tensor>, HashMap<String, String>) {
    let fetches: Vec<Endpoint> = fetches.iter().map(|&n| Endpoint::new(n, 0)).collect();
    let options = RunOptions { trace, ..Default::default() };
    let (values, meta) =
        s.run_with_options(vec![(Endpoint::new(x, 0), xv)], &fetches, &[], &options).unwrap();
    let placed = meta.step_stats.into_iter().map(|st| (st.node, st.device)).collect();
    (values, placed)
}

#[test]
fn the_vulkan_device_is_listed_with_its_memory_limit_unless_counted_out() {
    if !have_vulkan() {
        return;
    }
    let b = Builder::new();
    let s = b.session(&SessionConfig::default());
    let names: Vec<&str> = s.devices().iter().map(|d| d.attributes().name.as_str()).collect();
    assert_eq!(names, [CPU, VULKAN], "the CPU first: it is the default placement");
    let vulkan = s.devices()[1].attributes();
    assert_eq!(vulkan.device_type.as_str(), "VULKAN");
    assert!(vulkan.memory_limit >= 64 << 20, "{vulkan:?}");
    let config =
        SessionConfig { device_count: HashMap::from([("VULKAN".into(), 0)]), ..Default::default() };
    let none = b.session(&config);
    assert_eq!(none.devices().len(), 1);
}

#[test]
fn an_mlp_pinned_to_vulkan_runs_there_and_matches_the_cpu() {
    if !have_vulkan() {
        return;
    }
    let xv =
        floats(&[5, 3], &[1., 2., 3., -1., 0.5, 2., 0., 0., 0., 3., -2., 1., 0.25, 0.75, -0.5]);
    let on_cpu = Builder::new();
    let (x, probs, mean) = mlp(&on_cpu, "");
    let (want, _) =
        run(&on_cpu.session(&SessionConfig::default()), x, xv.clone(), &[probs, mean], false);

    let on_vulkan = Builder::new();
    let (x, probs, mean) = mlp(&on_vulkan, "/device:VULKAN:0");
    let s = on_vulkan.session(&SessionConfig::default());
    let (got, placed) = run(&s, x, xv.clone(), &[probs, mean], true);
    for name in
        ["matmul", "biasadd", "relu", "matmul_1", "addv2", "softmax", "max", "mean", "const"]
    {
        assert_eq!(placed.get(name).map(String::as_str), Some(VULKAN), "{name}: {placed:?}");
    }
    for (g, w) in got.iter().zip(&want) {
        assert_eq!(g.memory_kind(), MemoryKind::Host, "fetches come back to the host");
        assert_eq!((g.dtype(), g.shape()), (w.dtype(), w.shape()));
        // Float32: a few roundings apart (sums in another order, exp to a few ulp).
        for (a, b) in g.as_slice::<f32>().unwrap().iter().zip(w.as_slice::<f32>().unwrap()) {
            assert!((a - b).abs() <= 1e-6 + 1e-5 * b.abs(), "{a} vs {b}");
        }
    }
    // Probabilities worked out independently for the third row (x = 0): h = relu(b1) =
    // [0.1, 0, 0.3, 0], logits = h·W2 + b2 = [0.1 − 0.15, −0.1 + 0.3 + 1] = [−0.05, 1.2].
    let p = got[0].as_slice::<f32>().unwrap();
    let e = (1.2f32 + 0.05).exp();
    assert!((p[4] - 1.0 / (1.0 + e)).abs() < 1e-6 && (p[5] - e / (1.0 + e)).abs() < 1e-6, "{p:?}");
    // A second run reuses the uploaded constants and gives the same values.
    let (again, _) = run(&s, x, xv, &[probs, mean], false);
    assert_eq!(again[1].as_slice::<f32>().unwrap(), got[1].as_slice::<f32>().unwrap());
}

#[test]
fn ops_without_a_vulkan_kernel_fall_back_to_the_cpu_under_soft_placement() {
    if !have_vulkan() {
        return;
    }
    let b = Builder::new();
    let x = b.placeholder(&[3]);
    let neg = b.add("Neg", &[x], AttrMap::new(), "/device:VULKAN:0");
    // Square has no Vulkan kernel; it reads a value that lives on the device.
    let square = b.add("Square", &[neg], AttrMap::new(), "/device:VULKAN:0");
    let relu = b.add("Relu", &[square], AttrMap::new(), "/device:VULKAN:0");
    let xv = floats(&[3], &[1., -2., 3.]);
    let hard = b.session(&SessionConfig::default());
    let fetch = [Endpoint::new(relu, 0)];
    let e = hard.run(vec![(Endpoint::new(x, 0), xv.clone())], &fetch, &[]).unwrap_err();
    assert_eq!(e.code, Code::InvalidArgument);
    assert!(e.message.contains("Cannot assign a device for operation square"), "{}", e.message);

    let soft = b.session(&SessionConfig { allow_soft_placement: true, ..Default::default() });
    let (values, placed) = run(&soft, x, xv.clone(), &[relu], true);
    assert_eq!(values[0].as_slice::<f32>().unwrap(), [1., 4., 9.]);
    assert_eq!(placed["neg"], VULKAN);
    assert_eq!(placed["square"], CPU, "downloaded for the CPU kernel");
    assert_eq!(placed["relu"], VULKAN, "uploaded again for the Vulkan kernel");

    // Without the device, the same pins fall back entirely.
    let config = SessionConfig {
        allow_soft_placement: true,
        device_count: HashMap::from([("VULKAN".into(), 0)]),
        ..Default::default()
    };
    let (values, placed) = run(&b.session(&config), x, xv, &[relu], true);
    assert_eq!(values[0].as_slice::<f32>().unwrap(), [1., 4., 9.]);
    assert!(placed.values().all(|d| d == CPU), "{placed:?}");
}

#[test]
fn device_memory_shows_in_the_vulkan_allocators_statistics() {
    if !have_vulkan() {
        return;
    }
    let b = Builder::new();
    let x = b.placeholder(&[-1]);
    let y = b.add("Exp", &[x], AttrMap::new(), "/device:VULKAN:0");
    let s = b.session(&SessionConfig::default());
    let n = 1 << 16;
    let (values, _) = run(&s, x, floats(&[n], &vec![0.0; n]), &[y], false);
    assert!(values[0].as_slice::<f32>().unwrap().iter().all(|&v| v == 1.0));
    let stats = s.devices()[1].allocator().stats();
    assert!(stats.peak_bytes_in_use >= (n * 4) as u64, "{stats:?}");
    assert_eq!(stats.bytes_in_use, 0, "nothing stays on the device after the run");
}
