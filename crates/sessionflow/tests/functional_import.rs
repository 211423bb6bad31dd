//! TF2's functional control flow imported: a tf.function with a tf.cond inside a
//! tf.while_loop, as TensorFlow 2.21 writes its graph (StatelessWhile and StatelessIf calling
//! functions of the GraphDef's library; made by scripts/fixtures/make_graphdef_fixtures.py),
//! is inlined into TF1's dataflow ops at import and gives TensorFlow's outputs.

use sessionflow::core::{Code, Tensor, TensorShape};
use sessionflow::graph::Graph;
use sessionflow::graphdef::{ImportOptions, Returned, decode, import};
use sessionflow::{SessionConfig, host_allocator, open_session};
use std::path::PathBuf;
use std::sync::{Arc, RwLock};

fn fixture(name: &str) -> Vec<u8> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../__test__/fixtures/graphdef");
    std::fs::read(root.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// A float32 `.npy` file (version 1, little-endian, C order) as its shape and values.
fn npy(name: &str) -> (Vec<usize>, Vec<f32>) {
    let bytes = fixture(name);
    assert_eq!(&bytes[..6], b"\x93NUMPY", "{name} is not .npy");
    let header_len = u16::from_le_bytes([bytes[8], bytes[9]]) as usize;
    let header = std::str::from_utf8(&bytes[10..10 + header_len]).unwrap();
    assert!(header.contains("'<f4'") && header.contains("'fortran_order': False"), "{header}");
    let dims = header.split("'shape': (").nth(1).unwrap().split(')').next().unwrap();
    let shape = dims
        .split(',')
        .filter(|d| !d.trim().is_empty())
        .map(|d| d.trim().parse().unwrap())
        .collect();
    let data = bytes[10 + header_len..]
        .chunks_exact(4)
        .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect();
    (shape, data)
}

#[test]
fn a_tf2_function_graph_with_stateless_while_and_if_gives_tensorflows_outputs() {
    let graph_def = decode(&fixture("tf2_functional.pb")).unwrap();
    let ops: Vec<&str> = graph_def.node.iter().map(|n| n.op.as_str()).collect();
    assert!(ops.contains(&"StatelessWhile"), "{ops:?}");
    let mut graph = Graph::new();
    let options = ImportOptions {
        return_elements: vec!["x:0".into(), "Identity:0".into()],
        ..ImportOptions::default()
    };
    let imported = import(&mut graph, &graph_def, &options, host_allocator()).unwrap();
    let [Returned::Tensor(x), Returned::Tensor(y)] = imported.returned[..] else {
        panic!("two tensors were asked for: {:?}", imported.returned)
    };
    let lowered: Vec<&str> = graph.nodes().iter().map(|n| n.op()).collect();
    for op in ["Enter", "Exit", "NextIteration", "LoopCond", "Switch", "Merge"] {
        assert!(lowered.contains(&op), "{op} missing from {lowered:?}");
    }
    let session = open_session(Arc::new(RwLock::new(graph)), &SessionConfig::default()).unwrap();
    let (x_shape, x_values) = npy("tf2_functional.x_0.npy");
    let feed = Tensor::from_slice(host_allocator(), TensorShape::new(x_shape), &x_values).unwrap();
    let got = session.run(vec![(x, feed)], &[y], &[]).unwrap();
    let (want_shape, want) = npy("tf2_functional.Identity_0.npy");
    assert_eq!(got[0].shape().dims(), &want_shape[..]);
    for (g, w) in got[0].as_slice::<f32>().unwrap().iter().zip(&want) {
        assert!((g - w).abs() <= 1e-5 * w.abs().max(1.0), "{g} vs TensorFlow's {w}");
    }
}

#[test]
fn a_function_missing_from_the_library_is_not_found() {
    let mut graph_def = decode(&fixture("tf2_functional.pb")).unwrap();
    graph_def.library = None;
    let mut graph = Graph::new();
    let error =
        import(&mut graph, &graph_def, &ImportOptions::default(), host_allocator()).unwrap_err();
    assert_eq!(error.code, Code::NotFound, "{error}");
    assert!(error.message.contains("does not hold"), "{error}");
    assert_eq!(graph.num_nodes(), 0, "a failed import adds nothing");
}
