//! Block handles, block trailers and the footer.

use crate::crc;
use prost::encoding::{decode_varint, encode_varint};
use sessionflow_core::{Result, Status};

/// The table magic number: the footer's last 8 bytes.
const MAGIC: u64 = 0xdb47_7524_8b80_fb57;
/// Footer size: two handles of at most 20 bytes each, padded, then the magic number.
pub(crate) const FOOTER_LEN: usize = 48;
/// A compression byte and a masked CRC32C after every block.
const TRAILER_LEN: usize = 5;
const HANDLES_LEN: usize = FOOTER_LEN - 8;
/// The compression bytes LevelDB defines; TensorFlow writes bundle indexes uncompressed.
const NO_COMPRESSION: u8 = 0;
const SNAPPY: u8 = 1;

/// Where a block lies in the file (its trailer follows it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct BlockHandle {
    pub offset: u64,
    pub size: u64,
}

impl BlockHandle {
    /// Appends the handle: offset and size as varint64s.
    pub fn encode_to(&self, out: &mut Vec<u8>) {
        encode_varint(self.offset, out);
        encode_varint(self.size, out);
    }

    /// Reads a handle from the front of `input`, advancing it.
    pub fn decode_from(input: &mut &[u8]) -> Result<BlockHandle> {
        let bad = |_| Status::data_loss("bad block handle");
        let offset = decode_varint(input).map_err(bad)?;
        let size = decode_varint(input).map_err(bad)?;
        Ok(BlockHandle { offset, size })
    }
}

/// Appends `contents` as a block with its trailer, returning its handle.
pub(crate) fn append_block(out: &mut Vec<u8>, contents: &[u8]) -> BlockHandle {
    let handle = BlockHandle { offset: out.len() as u64, size: contents.len() as u64 };
    out.extend_from_slice(contents);
    out.push(NO_COMPRESSION);
    let crc = crc::extend(crc::crc32c(contents), &[NO_COMPRESSION]);
    out.extend_from_slice(&crc::mask(crc).to_le_bytes());
    handle
}

/// Appends the footer.
pub(crate) fn append_footer(out: &mut Vec<u8>, metaindex: BlockHandle, index: BlockHandle) {
    let start = out.len();
    metaindex.encode_to(out);
    index.encode_to(out);
    out.resize(start + HANDLES_LEN, 0);
    out.extend_from_slice(&(MAGIC as u32).to_le_bytes());
    out.extend_from_slice(&((MAGIC >> 32) as u32).to_le_bytes());
}

/// The metaindex and index handles from the footer at the end of `file`.
pub(crate) fn read_footer(file: &[u8]) -> Result<(BlockHandle, BlockHandle)> {
    let Some(footer) = file.len().checked_sub(FOOTER_LEN).map(|start| &file[start..]) else {
        return Err(Status::data_loss(format!(
            "file is too short ({} bytes) to be a sorted table",
            file.len()
        )));
    };
    let (handles, magic) = footer.split_at(HANDLES_LEN);
    let low = u32::from_le_bytes([magic[0], magic[1], magic[2], magic[3]]);
    let high = u32::from_le_bytes([magic[4], magic[5], magic[6], magic[7]]);
    if (u64::from(high) << 32 | u64::from(low)) != MAGIC {
        return Err(Status::data_loss("not a sorted table (bad magic number)"));
    }
    let mut input = handles;
    let metaindex = BlockHandle::decode_from(&mut input)?;
    let index = BlockHandle::decode_from(&mut input)?;
    Ok((metaindex, index))
}

/// The contents of the block at `handle`, after checking that it lies inside the file, that its
/// checksum matches, and that it is uncompressed.
pub(crate) fn read_block(file: &[u8], handle: BlockHandle) -> Result<&[u8]> {
    let start = usize::try_from(handle.offset).ok();
    let size = usize::try_from(handle.size).ok();
    let end = start.zip(size).and_then(|(s, n)| s.checked_add(n)?.checked_add(TRAILER_LEN));
    // Blocks never reach into the footer.
    let Some(block) = end
        .filter(|&e| e <= file.len().saturating_sub(FOOTER_LEN))
        .and_then(|e| file.get(start?..e))
    else {
        return Err(Status::data_loss(format!(
            "truncated block read: block at {} of {} bytes is past the end of the file",
            handle.offset, handle.size
        )));
    };
    let (contents_and_type, stored) = block.split_at(block.len() - 4);
    let stored = u32::from_le_bytes([stored[0], stored[1], stored[2], stored[3]]);
    let actual = crc::crc32c(contents_and_type);
    if crc::unmask(stored) != actual {
        return Err(Status::data_loss(format!(
            "block checksum mismatch: block at {} stores {:08x}, its bytes give {:08x}",
            handle.offset,
            crc::unmask(stored),
            actual
        )));
    }
    let (contents, kind) = contents_and_type.split_at(contents_and_type.len() - 1);
    match kind[0] {
        NO_COMPRESSION => Ok(contents),
        SNAPPY => Err(Status::unimplemented(
            "the table has a Snappy-compressed block, which sessionflow cannot read",
        )),
        other => Err(Status::data_loss(format!("bad block compression type {other}"))),
    }
}
