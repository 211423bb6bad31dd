//! The kernels run directly (no session): each test builds a kernel through the registry, as
//! the executor does, and checks values and error codes worked out by hand.

use sessionflow_alloc::CpuAllocator;
use sessionflow_core::{
    Allocator, AttrMap, AttrValue, Code, DType, DeviceType, KernelContext, KernelRegistry,
    NodeView, Result, Status, Tensor, TensorShape,
};
use std::sync::Arc;

fn allocator() -> Arc<dyn Allocator> {
    Arc::new(CpuAllocator::default())
}

fn text(dims: &[usize], values: &[&str]) -> Tensor {
    let values = values.iter().map(|s| s.as_bytes().to_vec()).collect();
    Tensor::from_strings(TensorShape::new(dims), values).unwrap()
}

fn floats(dims: &[usize], values: &[f32]) -> Tensor {
    Tensor::from_slice(&allocator(), TensorShape::new(dims), values).unwrap()
}

/// Builds `op`'s kernel through the registry and runs it on `inputs`.
fn run(
    op: &str,
    attrs: AttrMap,
    inputs: Vec<Tensor>,
    output_types: &[DType],
) -> Result<Vec<Tensor>> {
    let mut registry = KernelRegistry::new();
    super::register(&mut registry);
    let factory = registry
        .find(op, DeviceType::CPU, None)
        .ok_or_else(|| Status::not_found(format!("no kernel for {op}")))?;
    let input_types: Vec<DType> = inputs.iter().map(Tensor::dtype).collect();
    let node = NodeView { name: op, op, attrs: &attrs, input_types: &input_types, output_types };
    let kernel = factory(&node)?;
    let alloc = allocator();
    let mut ctx = KernelContext::new(inputs, output_types.len(), &alloc);
    kernel.compute(&mut ctx)?;
    ctx.into_outputs()
}

fn save(prefix: &str, names: &[&str], tensors: Vec<Tensor>) -> Result<()> {
    let slices = vec![""; names.len()];
    let mut inputs =
        vec![text(&[], &[prefix]), text(&[names.len()], names), text(&[names.len()], &slices)];
    inputs.extend(tensors);
    run("SaveV2", AttrMap::new(), inputs, &[]).map(|_| ())
}

fn restore(prefix: &str, names: &[&str], slices: &[&str], dtypes: &[DType]) -> Result<Vec<Tensor>> {
    let mut attrs = AttrMap::new();
    attrs.insert("dtypes".into(), AttrValue::ListType(dtypes.to_vec()));
    let inputs =
        vec![text(&[], &[prefix]), text(&[names.len()], names), text(&[slices.len()], slices)];
    run("RestoreV2", attrs, inputs, dtypes)
}

#[test]
fn save_then_restore_gives_the_values_back_in_the_order_asked() {
    let dir = tempfile::tempdir().unwrap();
    let prefix = dir.path().join("model.ckpt-3").to_string_lossy().into_owned();
    let step = Tensor::scalar(&allocator(), 42i64).unwrap();
    save(
        &prefix,
        &["w", "step", "label"],
        vec![floats(&[2], &[1.5, -2.]), step, text(&[1], &["cat"])],
    )
    .unwrap();
    let out = restore(
        &prefix,
        &["label", "w", "step"],
        &["", "", ""],
        &[DType::String, DType::Float32, DType::Int64],
    )
    .unwrap();
    assert_eq!(out[0].as_strings().unwrap(), &[b"cat".to_vec()]);
    assert_eq!(
        (out[1].shape().dims(), out[1].as_slice::<f32>().unwrap()),
        (&[2][..], &[1.5, -2.][..])
    );
    assert_eq!((out[2].shape().rank(), out[2].as_slice::<i64>().unwrap()), (0, &[42][..]));
}

#[test]
fn restore_errors_name_the_tensor_or_the_path() {
    let dir = tempfile::tempdir().unwrap();
    let prefix = dir.path().join("m").to_string_lossy().into_owned();
    save(&prefix, &["dense/kernel"], vec![floats(&[1], &[1.])]).unwrap();

    let e = restore(&prefix, &["dense/bias"], &[""], &[DType::Float32]).unwrap_err();
    assert_eq!(
        (e.code, e.message.as_str()),
        (Code::NotFound, "Key dense/bias not found in checkpoint")
    );

    let e = restore(&prefix, &["dense/kernel"], &[""], &[DType::Int32]).unwrap_err();
    assert_eq!(e.code, Code::InvalidArgument);
    assert_eq!(
        e.message,
        "tensor_name = dense/kernel; expected dtype int32 does not equal original dtype float32"
    );

    let missing = dir.path().join("other").to_string_lossy().into_owned();
    let e = restore(&missing, &["dense/kernel"], &[""], &[DType::Float32]).unwrap_err();
    assert_eq!(e.code, Code::NotFound);
    assert!(e.message.contains(&missing), "{e}");
}

#[test]
fn slices_and_mismatched_counts_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let prefix = dir.path().join("m").to_string_lossy().into_owned();
    let e = restore(&prefix, &["part"], &["4 0,2"], &[DType::Float32]).unwrap_err();
    assert_eq!(e.code, Code::Unimplemented);
    assert!(e.message.contains("tensor part as the slice '4 0,2'"), "{e}");

    let e = restore(&prefix, &["a", "b"], &["", ""], &[DType::Float32]).unwrap_err();
    assert_eq!(e.code, Code::InvalidArgument, "{e}");

    let inputs = vec![text(&[2], &[&prefix, "x"]), text(&[0], &[]), text(&[0], &[])];
    let e = run("SaveV2", AttrMap::new(), inputs, &[]).unwrap_err();
    assert_eq!(e.code, Code::InvalidArgument);
    assert_eq!(e.message, "Input prefix should have a single element, got 2 instead.");
}

#[test]
fn a_tensorflow_checkpoint_restores() {
    let prefix =
        concat!(env!("CARGO_MANIFEST_DIR"), "/../../__test__/fixtures/checkpoint/tf_model");
    let out =
        restore(prefix, &["dense/kernel", "counts"], &["", ""], &[DType::Float32, DType::Int32])
            .unwrap();
    // The script's values: arange(6) * 0.5 - 1 as [3, 2], and arange(4) - 2.
    assert_eq!(out[0].shape().dims(), &[3, 2]);
    assert_eq!(out[0].as_slice::<f32>().unwrap(), &[-1., -0.5, 0., 0.5, 1., 1.5]);
    assert_eq!(out[1].as_slice::<i32>().unwrap(), &[-2, -1, 0, 1]);
}

#[test]
fn sharded_pieces_are_named_and_merged() {
    let int = |v: i32| Tensor::scalar(&allocator(), v).unwrap();
    let name = run(
        "ShardedFilename",
        AttrMap::new(),
        vec![text(&[], &["m_temp/part"]), int(3), int(8)],
        &[DType::String],
    )
    .unwrap();
    assert_eq!(name[0].as_strings().unwrap(), &[b"m_temp/part-00003-of-00008".to_vec()]);
    let spec =
        run("ShardedFilespec", AttrMap::new(), vec![text(&[], &["m"]), int(8)], &[DType::String])
            .unwrap();
    assert_eq!(spec[0].as_strings().unwrap(), &[b"m-?????-of-00008".to_vec()]);

    let dir = tempfile::tempdir().unwrap();
    let path = |p: &str| dir.path().join(p).to_string_lossy().into_owned();
    save(&path("tmp/part-00000-of-00002"), &["a"], vec![floats(&[1], &[1.])]).unwrap();
    save(&path("tmp/part-00001-of-00002"), &["b"], vec![floats(&[1], &[2.])]).unwrap();
    let mut attrs = AttrMap::new();
    attrs.insert("delete_old_dirs".into(), AttrValue::Bool(true));
    attrs.insert("allow_missing_files".into(), AttrValue::Bool(false));
    let parts = text(&[2], &[&path("tmp/part-00000-of-00002"), &path("tmp/part-00001-of-00002")]);
    run("MergeV2Checkpoints", attrs, vec![parts, text(&[], &[&path("model")])], &[]).unwrap();
    let out =
        restore(&path("model"), &["b", "a"], &["", ""], &[DType::Float32, DType::Float32]).unwrap();
    assert_eq!(
        (out[0].as_slice::<f32>().unwrap(), out[1].as_slice::<f32>().unwrap()),
        (&[2.][..], &[1.][..])
    );
    assert!(!dir.path().join("tmp").exists());
}
