use super::{TableBuilder, read_table};
use sessionflow_core::Code;

/// The `.index` file TensorFlow 2.21 wrote for `a = [0, 1, 2]` (float32) and `b = 7` (int64),
/// laid out by hand. Only the four CRC32C words come from TensorFlow's file rather than from
/// working by hand.
#[rustfmt::skip]
const TF_INDEX: [u8; 138] = [
    // Data block, offset 0, 53 bytes. Entry "": shared 0, unshared 0, value 6 bytes (the
    // BundleHeaderProto: num_shards 1; version { producer 1 }).
    0, 0, 6, 0x08, 1, 0x1a, 2, 0x08, 1,
    // Entry "a": shared 0, unshared 1, value 15 bytes: dtype 1 (float), shape { dim { size 3 } },
    // size 12, crc32c (fixed32).
    0, 1, 15, b'a', 0x08, 1, 0x12, 4, 0x12, 2, 0x08, 3, 0x28, 12, 0x35, 0xe9, 0x09, 0x50, 0x3f,
    // Entry "b": shared 0 (no common prefix with "a"), unshared 1, value 13 bytes: dtype 9
    // (int64), shape {} (present, empty), offset 12, size 8, crc32c.
    0, 1, 13, b'b', 0x08, 9, 0x12, 0, 0x20, 12, 0x28, 8, 0x35, 0xbb, 0xd7, 0x9f, 0x11,
    // Restart offsets [0], count 1.
    0, 0, 0, 0, 1, 0, 0, 0,
    // Trailer: no compression, masked CRC32C.
    0, 0x70, 0xd3, 0x4e, 0x82,
    // Metaindex block, offset 58, 8 bytes: no entries, restart offsets [0], count 1; trailer.
    0, 0, 0, 0, 1, 0, 0, 0,
    0, 0xc0, 0xf2, 0xa1, 0xb0,
    // Index block, offset 71, 14 bytes: key "c" (the short successor of the last key "b"),
    // value the data block's handle (offset 0, size 53); restarts [0], count 1; trailer.
    0, 1, 2, b'c', 0, 53,
    0, 0, 0, 0, 1, 0, 0, 0,
    0, 0x7e, 0x2c, 0x7d, 0x04,
    // Footer: metaindex handle (58, 8), index handle (71, 14), zero padding to 40 bytes...
    58, 8, 71, 14,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0,
    // ...and the magic number 0xdb4775248b80fb57, low half first.
    0x57, 0xfb, 0x80, 0x8b, 0x24, 0x75, 0x47, 0xdb,
];

fn tf_entries() -> Vec<(Vec<u8>, Vec<u8>)> {
    vec![
        (b"".to_vec(), TF_INDEX[3..9].to_vec()),
        (b"a".to_vec(), TF_INDEX[13..28].to_vec()),
        (b"b".to_vec(), TF_INDEX[32..45].to_vec()),
    ]
}

#[test]
fn a_tiny_table_has_the_hand_worked_layout() {
    let mut builder = TableBuilder::new();
    for (k, v) in tf_entries() {
        builder.add(&k, &v).unwrap();
    }
    assert_eq!(builder.finish(), TF_INDEX);
}

#[test]
fn the_tiny_table_reads_back() {
    assert_eq!(read_table(&TF_INDEX).unwrap(), tf_entries());
}

fn numbered_entries(n: usize) -> Vec<(Vec<u8>, Vec<u8>)> {
    (0..n).map(|i| (format!("layer_{:03}/kernel", i).into_bytes(), vec![i as u8; i % 7])).collect()
}

#[test]
fn many_entries_round_trip_across_restarts_and_blocks() {
    for block_size in [64, 1024, 256 * 1024] {
        let entries = numbered_entries(200);
        let mut builder = TableBuilder::with_block_size(block_size);
        for (k, v) in &entries {
            builder.add(k, v).unwrap();
        }
        let bytes = builder.finish();
        assert_eq!(read_table(&bytes).unwrap(), entries, "block size {block_size}");
    }
}

#[test]
fn keys_out_of_order_are_refused() {
    let mut builder = TableBuilder::new();
    builder.add(b"b", b"").unwrap();
    assert_eq!(builder.add(b"a", b"").unwrap_err().code, Code::InvalidArgument);
    assert_eq!(builder.add(b"b", b"").unwrap_err().code, Code::InvalidArgument, "a duplicate");
}

#[test]
fn every_flipped_byte_is_detected_or_harmless_padding() {
    let entries = numbered_entries(40);
    let mut builder = TableBuilder::with_block_size(128);
    for (k, v) in &entries {
        builder.add(k, v).unwrap();
    }
    let bytes = builder.finish();
    // The footer's zero padding after the two handles carries nothing.
    let footer_before_magic = bytes.len() - 48..bytes.len() - 8;
    for i in 0..bytes.len() {
        let mut damaged = bytes.clone();
        damaged[i] ^= 0x10;
        match read_table(&damaged) {
            Err(e) => assert_eq!(e.code, Code::DataLoss, "byte {i}: {e}"),
            Ok(read) => {
                assert!(footer_before_magic.contains(&i) && bytes[i] == 0, "byte {i} went unseen");
                assert_eq!(read, entries, "byte {i}");
            }
        }
    }
}

#[test]
fn every_truncation_is_data_loss() {
    for len in 0..TF_INDEX.len() {
        let e = read_table(&TF_INDEX[..len]).unwrap_err();
        assert_eq!(e.code, Code::DataLoss, "{len} bytes: {e}");
    }
}

#[test]
fn a_bad_magic_number_is_named() {
    let mut damaged = TF_INDEX;
    damaged[137] = 0;
    let e = read_table(&damaged).unwrap_err();
    assert_eq!(e.code, Code::DataLoss);
    assert!(e.message.contains("bad magic number"), "{e}");
}
