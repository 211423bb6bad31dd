use super::{BundleReader, BundleWriter, data_filename, index_filename, merge_bundles};
use half::{bf16, f16};
use sessionflow_alloc::CpuAllocator;
use sessionflow_core::{Allocator, Code, DType, Element, Tensor, TensorShape};
use std::sync::Arc;

fn allocator() -> Arc<dyn Allocator> {
    Arc::new(CpuAllocator::default())
}

fn tensor<T: Element>(dims: &[usize], data: &[T]) -> Tensor {
    Tensor::from_slice(&allocator(), TensorShape::new(dims), data).unwrap()
}

fn strings(dims: &[usize], data: &[&str]) -> Tensor {
    let values = data.iter().map(|s| s.as_bytes().to_vec()).collect();
    Tensor::from_strings(TensorShape::new(dims), values).unwrap()
}

/// The checkpoint TensorFlow 2.21 wrote with `scripts/fixtures/tf_checkpoint.py write`.
fn tf_fixture() -> String {
    concat!(env!("CARGO_MANIFEST_DIR"), "/../../__test__/fixtures/checkpoint/tf_model").to_owned()
}

/// The fixture's variables, from the script's formulas (worked out here, not read back).
fn tf_fixture_tensors() -> Vec<(&'static str, Tensor)> {
    vec![
        ("counts", tensor(&[4], &[-2i32, -1, 0, 1])),
        ("dense/bias", tensor(&[2], &[0.5f32, 0.75])),
        ("dense/kernel", tensor(&[3, 2], &[-1f32, -0.5, 0., 0.5, 1., 1.5])),
        ("global_step", tensor(&[], &[1_234_567_890_123i64])),
        ("half", tensor(&[3], &[f16::from_f32(0.5), f16::from_f32(-2.), f16::MAX])),
        ("mask", tensor(&[2, 2], &[true, false, false, true])),
        ("scale", tensor(&[3], &[0f64, 1. / 3., 2. / 3.])),
        ("vocab", strings(&[3], &["alpha", "", "βeta"])),
    ]
}

fn assert_same(a: &Tensor, b: &Tensor, what: &str) {
    assert_eq!((a.dtype(), a.shape()), (b.dtype(), b.shape()), "{what}");
    if a.dtype() == DType::String {
        assert_eq!(a.as_strings().unwrap(), b.as_strings().unwrap(), "{what}");
    } else {
        assert_eq!(a.as_bytes().unwrap(), b.as_bytes().unwrap(), "{what}");
    }
}

#[test]
fn a_checkpoint_written_by_tensorflow_reads_here() {
    let mut reader = BundleReader::open(&tf_fixture()).unwrap();
    let listed: Vec<_> = reader.entries().unwrap().into_iter().map(|e| e.name).collect();
    let expected = tf_fixture_tensors();
    assert_eq!(listed, expected.iter().map(|(n, _)| *n).collect::<Vec<_>>());
    for (name, want) in &expected {
        let got = reader.read(name, &allocator()).unwrap();
        assert_same(&got, want, name);
    }
    let info = reader.entry("dense/kernel").unwrap();
    assert_eq!((info.dtype().unwrap(), info.shape.dims()), (DType::Float32, &[3, 2][..]));
}

#[test]
fn our_files_equal_tensorflows_byte_for_byte() {
    let dir = tempfile::tempdir().unwrap();
    let prefix = dir.path().join("model").to_string_lossy().into_owned();
    let mut writer = BundleWriter::new(&prefix).unwrap();
    // TensorFlow's Saver adds the tensors sorted by name, which fixes the data file's order.
    for (name, t) in tf_fixture_tensors() {
        writer.add(name, &t).unwrap();
    }
    writer.finish().unwrap();
    let tf = tf_fixture();
    for (ours, theirs) in [
        (index_filename(&prefix), index_filename(&tf)),
        (data_filename(&prefix, 0, 1), data_filename(&tf, 0, 1)),
    ] {
        assert_eq!(std::fs::read(ours).unwrap(), std::fs::read(&theirs).unwrap(), "{theirs}");
    }
}

#[test]
fn every_dtype_round_trips() {
    let dir = tempfile::tempdir().unwrap();
    let prefix = dir.path().join("sub/dir/ckpt-7").to_string_lossy().into_owned();
    let tensors = vec![
        ("f32", tensor(&[2, 2], &[1.5f32, -0., f32::INFINITY, f32::MIN_POSITIVE])),
        ("f64", tensor(&[1], &[std::f64::consts::PI])),
        ("f16", tensor(&[2], &[f16::from_f32(1.), f16::from_f32(-0.25)])),
        ("bf16", tensor(&[2], &[bf16::from_f32(3.), bf16::from_f32(-1.)])),
        ("i8", tensor(&[3], &[-128i8, 0, 127])),
        ("i16", tensor(&[2], &[-32768i16, 7])),
        ("i32", tensor(&[], &[-5i32])),
        ("i64", tensor(&[2], &[i64::MIN, i64::MAX])),
        ("u8", tensor(&[2], &[0u8, 255])),
        ("bool", tensor(&[3], &[true, false, true])),
        ("empty", tensor::<f32>(&[0, 3], &[])),
        ("text", strings(&[2, 2], &["", "a", "bc", &"x".repeat(300)])),
        ("no strings", strings(&[0], &[])),
    ];
    let mut writer = BundleWriter::new(&prefix).unwrap();
    for (name, t) in tensors.iter().rev() {
        writer.add(name, t).unwrap();
    }
    writer.finish().unwrap();
    let mut reader = BundleReader::open(&prefix).unwrap();
    assert_eq!(reader.num_shards(), 1);
    for (name, want) in &tensors {
        assert_same(&reader.read(name, &allocator()).unwrap(), want, name);
    }
    let names: Vec<_> = reader.entries().unwrap().into_iter().map(|e| e.name).collect();
    let mut sorted: Vec<_> = tensors.iter().map(|(n, _)| n.to_string()).collect();
    sorted.sort();
    assert_eq!(names, sorted);
    // No temporary file is left behind.
    let files = std::fs::read_dir(dir.path().join("sub/dir")).unwrap().count();
    assert_eq!(files, 2);
}

#[test]
fn the_writer_refuses_duplicates_and_the_empty_key() {
    let dir = tempfile::tempdir().unwrap();
    let prefix = dir.path().join("m").to_string_lossy().into_owned();
    let mut writer = BundleWriter::new(&prefix).unwrap();
    writer.add("v", &tensor(&[], &[1f32])).unwrap();
    let dup = writer.add("v", &tensor(&[], &[2f32])).unwrap_err();
    assert_eq!(
        (dup.code, dup.message.as_str()),
        (Code::InvalidArgument, "Adding duplicate key: v")
    );
    assert_eq!(writer.add("", &tensor(&[], &[2f32])).unwrap_err().code, Code::InvalidArgument);
    drop(writer);
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0, "the unfinished file is removed");
}

/// A copy of the TensorFlow fixture in a fresh directory, for damaging.
fn fixture_copy(dir: &tempfile::TempDir) -> String {
    let prefix = dir.path().join("copy").to_string_lossy().into_owned();
    let tf = tf_fixture();
    std::fs::copy(index_filename(&tf), index_filename(&prefix)).unwrap();
    std::fs::copy(data_filename(&tf, 0, 1), data_filename(&prefix, 0, 1)).unwrap();
    prefix
}

fn flip(path: &str, at: usize) {
    let mut bytes = std::fs::read(path).unwrap();
    bytes[at] ^= 0x01;
    std::fs::write(path, bytes).unwrap();
}

#[test]
fn a_corrupt_data_byte_is_data_loss_for_its_tensor_only() {
    let dir = tempfile::tempdir().unwrap();
    let prefix = fixture_copy(&dir);
    // dense/kernel's bytes start at 24 (after counts' 16 and dense/bias' 8 bytes).
    flip(&data_filename(&prefix, 0, 1), 24 + 5);
    let mut reader = BundleReader::open(&prefix).unwrap();
    let e = reader.read("dense/kernel", &allocator()).unwrap_err();
    assert_eq!(e.code, Code::DataLoss);
    assert!(e.message.contains("Checksum does not match for key dense/kernel"), "{e}");
    assert!(reader.read("dense/bias", &allocator()).is_ok());
    // A string byte (vocab's last element) is caught by the entry checksum too.
    let data = data_filename(&prefix, 0, 1);
    let len = std::fs::metadata(&data).unwrap().len() as usize;
    flip(&data, len - 1);
    let e = BundleReader::open(&prefix).unwrap().read("vocab", &allocator()).unwrap_err();
    assert_eq!(e.code, Code::DataLoss, "{e}");
}

#[test]
fn every_corrupt_index_byte_is_refused_or_harmless() {
    let dir = tempfile::tempdir().unwrap();
    let prefix = fixture_copy(&dir);
    let index = index_filename(&prefix);
    let good = std::fs::read(&index).unwrap();
    for at in 0..good.len() {
        let mut damaged = good.clone();
        damaged[at] ^= 0x01;
        std::fs::write(&index, &damaged).unwrap();
        match BundleReader::open(&prefix) {
            Err(e) => {
                assert_eq!(e.code, Code::DataLoss, "byte {at}: {e}");
                assert!(e.message.contains(&index), "names the file: {e}");
            }
            // Only the footer's zero padding carries nothing.
            Ok(_) => assert!((good.len() - 48..good.len() - 8).contains(&at) && good[at] == 0),
        }
    }
}

#[test]
fn missing_and_truncated_files_are_reported() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nope").to_string_lossy().into_owned();
    let e = BundleReader::open(&missing).unwrap_err();
    assert_eq!(e.code, Code::NotFound);
    assert!(e.message.contains(&missing), "{e}");

    let prefix = fixture_copy(&dir);
    let mut reader = BundleReader::open(&prefix).unwrap();
    let e = reader.read("dense/gamma", &allocator()).unwrap_err();
    assert_eq!(
        (e.code, e.message.as_str()),
        (Code::NotFound, "Key dense/gamma not found in checkpoint")
    );

    let data = data_filename(&prefix, 0, 1);
    let bytes = std::fs::read(&data).unwrap();
    std::fs::write(&data, &bytes[..bytes.len() - 3]).unwrap();
    let mut reader = BundleReader::open(&prefix).unwrap();
    assert_eq!(reader.read("vocab", &allocator()).unwrap_err().code, Code::DataLoss);
    assert!(reader.read("counts", &allocator()).is_ok(), "earlier tensors are intact");

    std::fs::remove_file(&data).unwrap();
    let e = BundleReader::open(&prefix).unwrap().read("counts", &allocator()).unwrap_err();
    assert_eq!(e.code, Code::NotFound);
    assert!(e.message.contains(".data-00000-of-00001"), "{e}");
}

#[test]
fn bundles_merge_into_one_with_two_shards() {
    let dir = tempfile::tempdir().unwrap();
    let path = |name: &str| dir.path().join(name).to_string_lossy().into_owned();
    let (a, b, merged) = (path("tmp/part-0"), path("tmp/part-1"), path("model"));
    for (prefix, name, value) in [(&a, "x", 1f32), (&b, "w", 2f32)] {
        let mut writer = BundleWriter::new(prefix).unwrap();
        writer.add(name, &tensor(&[1], &[value])).unwrap();
        writer.finish().unwrap();
    }
    merge_bundles(&[&a, &b], &merged, true, false).unwrap();
    let mut reader = BundleReader::open(&merged).unwrap();
    assert_eq!(reader.num_shards(), 2);
    assert_same(&reader.read("x", &allocator()).unwrap(), &tensor(&[1], &[1f32]), "x");
    assert_same(&reader.read("w", &allocator()).unwrap(), &tensor(&[1], &[2f32]), "w");
    assert!(std::path::Path::new(&data_filename(&merged, 1, 2)).exists());
    assert!(!dir.path().join("tmp").exists(), "the emptied directory is removed");

    let e = merge_bundles(&[&merged, &merged], &path("again"), false, false).unwrap_err();
    assert_eq!(e.code, Code::InvalidArgument, "duplicate tensors: {e}");
    assert!(merge_bundles(&[&path("gone")], &path("m2"), false, true).is_err());
}
