//! One block: prefix-compressed entries, then the restart offsets and their count.

use prost::encoding::{decode_varint, encode_varint};
use sessionflow_core::{Result, Status};

/// Every 16th key is stored whole (LevelDB's default `block_restart_interval`).
const RESTART_INTERVAL: usize = 16;

/// Builds one block from entries added in key order.
#[derive(Debug)]
pub(crate) struct BlockBuilder {
    buffer: Vec<u8>,
    restarts: Vec<u32>,
    /// Entries since the last restart point.
    counter: usize,
    last_key: Vec<u8>,
}

impl BlockBuilder {
    pub fn new() -> Self {
        BlockBuilder { buffer: Vec::new(), restarts: vec![0], counter: 0, last_key: Vec::new() }
    }

    /// Whether no entry was added since the last reset.
    pub fn is_empty(&self) -> bool {
        self.buffer.is_empty()
    }

    /// The size the finished block will have.
    pub fn size_estimate(&self) -> usize {
        self.buffer.len() + 4 * self.restarts.len() + 4
    }

    /// Appends an entry: shared key length, unshared length and value length as varints,
    /// then the unshared key bytes and the value. The caller keeps keys increasing and
    /// lengths within `u32` (the format's limit).
    pub fn add(&mut self, key: &[u8], value: &[u8]) {
        let shared = if self.counter < RESTART_INTERVAL {
            self.last_key.iter().zip(key).take_while(|(a, b)| a == b).count()
        } else {
            // Block offsets stay below 4 GiB: the table builder cuts blocks at 256 KiB and
            // refuses entries of 4 GiB or more.
            self.restarts.push(self.buffer.len() as u32);
            self.counter = 0;
            0
        };
        encode_varint(shared as u64, &mut self.buffer);
        encode_varint((key.len() - shared) as u64, &mut self.buffer);
        encode_varint(value.len() as u64, &mut self.buffer);
        self.buffer.extend_from_slice(&key[shared..]);
        self.buffer.extend_from_slice(value);
        self.last_key.clear();
        self.last_key.extend_from_slice(key);
        self.counter += 1;
    }

    /// The finished block's bytes; the builder is empty again afterwards.
    pub fn finish(&mut self) -> Vec<u8> {
        let mut out = std::mem::take(&mut self.buffer);
        for r in &self.restarts {
            out.extend_from_slice(&r.to_le_bytes());
        }
        out.extend_from_slice(&(self.restarts.len() as u32).to_le_bytes());
        *self = BlockBuilder::new();
        out
    }
}

/// The entries of a block, in order: whole keys and their values. DataLoss when an entry's
/// lengths point outside the block or its shared prefix is longer than the previous key.
pub(crate) fn block_entries(contents: &[u8]) -> Result<Vec<(Vec<u8>, &[u8])>> {
    let corrupt = |what: &str| Status::data_loss(format!("bad block contents: {what}"));
    let count_at = contents.len().checked_sub(4).ok_or_else(|| corrupt("shorter than 4 bytes"))?;
    let count = <[u8; 4]>::try_from(&contents[count_at..]).map(u32::from_le_bytes).unwrap_or(0);
    let count = count as usize;
    let restarts_len = count.checked_mul(4).filter(|&n| n <= count_at);
    let Some(restarts_len) = restarts_len else {
        return Err(corrupt(&format!("{count} restart points do not fit")));
    };
    if count == 0 && count_at > 0 {
        return Err(corrupt("entries without a restart point"));
    }
    let mut data = &contents[..count_at - restarts_len];
    let mut entries = Vec::new();
    let mut key: Vec<u8> = Vec::new();
    while !data.is_empty() {
        let mut varint = || {
            decode_varint(&mut data)
                .ok()
                .and_then(|v| usize::try_from(v).ok())
                .ok_or_else(|| corrupt("bad entry header"))
        };
        let (shared, unshared, value_len) = (varint()?, varint()?, varint()?);
        if shared > key.len() {
            return Err(corrupt(&format!(
                "an entry shares {shared} bytes with a key of {}",
                key.len()
            )));
        }
        let end = unshared.checked_add(value_len).filter(|&n| n <= data.len());
        let Some(end) = end else {
            return Err(corrupt("an entry runs past the end of the block"));
        };
        key.truncate(shared);
        key.extend_from_slice(&data[..unshared]);
        entries.push((key.clone(), &data[unshared..end]));
        data = &data[end..];
    }
    Ok(entries)
}
