//! A string tensor's bytes in a bundle, TensorFlow's encoding: the elements' lengths as
//! varint64s, then the masked CRC32C of those lengths, then the elements' bytes back to back.
//!
//! The lengths' checksum is taken over each length as a little-endian `u32` (a `u64` when it
//! does not fit: older checkpoints had only 32-bit lengths). The entry's checksum covers the
//! lengths that way, the stored length checksum and all the bytes.

use crate::crc;
use prost::encoding::{decode_varint, encode_varint};
use sessionflow_core::{Result, Status};

/// `crc` extended over `len` as TensorFlow checksums a string length.
fn extend_with_length(crc: u32, len: u64) -> u32 {
    match u32::try_from(len) {
        Ok(short) => crc::extend(crc, &short.to_le_bytes()),
        Err(_) => crc::extend(crc, &len.to_le_bytes()),
    }
}

/// The encoding of `values`, and its (unmasked) CRC32C for the entry.
pub(crate) fn encode(values: &[Vec<u8>]) -> (Vec<u8>, u32) {
    let total: usize = values.iter().map(Vec::len).sum();
    let mut out = Vec::with_capacity(values.len() * 2 + 4 + total);
    let mut crc = 0;
    for v in values {
        encode_varint(v.len() as u64, &mut out);
        crc = extend_with_length(crc, v.len() as u64);
    }
    let length_checksum = crc::mask(crc).to_le_bytes();
    out.extend_from_slice(&length_checksum);
    crc = crc::extend(crc, &length_checksum);
    for v in values {
        out.extend_from_slice(v);
        crc = crc::extend(crc, v);
    }
    (out, crc)
}

/// The `count` strings encoded in `bytes` (exactly), and the (unmasked) CRC32C of the
/// encoding. DataLoss when the lengths run past the bytes, their checksum does not match, or
/// bytes are left over.
pub(crate) fn decode(key: &str, mut bytes: &[u8], count: usize) -> Result<(Vec<Vec<u8>>, u32)> {
    let corrupt = |what: &str| Status::data_loss(format!("string tensor {key}: {what}"));
    // Each length takes at least one byte: a larger count cannot be right (and must not size
    // an allocation).
    if count > bytes.len() {
        return Err(corrupt("more elements than bytes"));
    }
    let mut lengths = Vec::with_capacity(count);
    let mut crc = 0;
    for _ in 0..count {
        let len = decode_varint(&mut bytes).map_err(|_| corrupt("bad length"))?;
        crc = extend_with_length(crc, len);
        lengths.push(len);
    }
    let Some((stored, rest)) = bytes.split_first_chunk::<4>() else {
        return Err(corrupt("the lengths run past its bytes"));
    };
    if crc::unmask(u32::from_le_bytes(*stored)) != crc {
        return Err(corrupt("the length checksum does not match"));
    }
    crc = crc::extend(crc, stored);
    bytes = rest;
    let mut values = Vec::with_capacity(count);
    for len in lengths {
        let len = usize::try_from(len).ok().filter(|&n| n <= bytes.len());
        let Some(len) = len else {
            return Err(corrupt("an element runs past its bytes"));
        };
        let (value, rest) = bytes.split_at(len);
        crc = crc::extend(crc, value);
        values.push(value.to_vec());
        bytes = rest;
    }
    if !bytes.is_empty() {
        return Err(corrupt("bytes are left after the last element"));
    }
    Ok((values, crc))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_encoding_is_lengths_their_checksum_then_bytes() {
        let values = vec![b"ab".to_vec(), Vec::new(), b"xyz".to_vec()];
        let (bytes, crc) = encode(&values);
        let lengths_crc = crc::crc32c(&[2, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0]);
        let mut expected = vec![2, 0, 3];
        expected.extend_from_slice(&crc::mask(lengths_crc).to_le_bytes());
        expected.extend_from_slice(b"abxyz");
        assert_eq!(bytes, expected);
        let whole = crc::extend(crc::extend(lengths_crc, &expected[3..7]), b"abxyz");
        assert_eq!(crc, whole);
        assert_eq!(decode("s", &bytes, 3).unwrap(), (values, whole));
    }

    #[test]
    fn damage_is_data_loss() {
        let (bytes, _) = encode(&[b"hello".to_vec(), b"world".to_vec()]);
        for i in 0..bytes.len() {
            let mut damaged = bytes.clone();
            damaged[i] ^= 1;
            // A flipped string byte keeps the lengths and their checksum valid: the entry's
            // checksum catches it (the reader's test covers that).
            if i >= 6 {
                continue;
            }
            assert!(decode("s", &damaged, 2).is_err(), "byte {i}");
        }
        for len in 0..bytes.len() {
            assert_eq!(
                decode("s", &bytes[..len], 2).unwrap_err().code,
                sessionflow_core::Code::DataLoss
            );
        }
        assert!(decode("s", &bytes, 3).is_err(), "a third element");
        assert!(decode("s", &bytes, 1_000_000).is_err(), "a huge count");
    }
}
