//! The op test table, one module per op family, linked into a single test binary. Expected
//! values are worked out by hand or computed with numpy/TensorFlow and written as literals.

mod agreement;
mod array;
// `core` would shadow the language's `core` crate inside this binary.
#[path = "core.rs"]
mod core_ops;
mod forwarding;
mod gradients;
mod image;
mod indexing;
mod linalg;
mod math;
mod nn_activation;
mod nn_conv;
mod nn_fused;
mod random;
mod reduction;
mod space_batch;
mod state;
mod vulkan_random;

/// A test file that is not declared above would silently never run (`autotests = false`).
#[test]
fn every_test_file_is_a_module_of_this_binary() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests");
    let this = include_str!("all.rs");
    let mut missing = Vec::new();
    for entry in std::fs::read_dir(&dir).expect("tests/ is readable") {
        let name = entry.expect("a directory entry").file_name().into_string().unwrap_or_default();
        let Some(module) = name.strip_suffix(".rs") else { continue };
        if module == "all" {
            continue;
        }
        let declared = this.contains(&format!("\nmod {module};"))
            || this.contains(&format!("#[path = \"{module}.rs\"]"));
        if !declared {
            missing.push(name);
        }
    }
    assert!(missing.is_empty(), "tests/ files not declared in tests/all.rs: {missing:?}");
}
