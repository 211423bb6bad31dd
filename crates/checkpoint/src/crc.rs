//! CRC32C as LevelDB and TensorFlow store it: *masked*, so that a checksum computed over bytes
//! that themselves contain checksums stays well distributed.

/// LevelDB's mask constant.
const MASK_DELTA: u32 = 0xa282_ead8;

/// The CRC32C of `data`.
pub(crate) fn crc32c(data: &[u8]) -> u32 {
    crc32c::crc32c(data)
}

/// `crc` extended over `data`.
pub(crate) fn extend(crc: u32, data: &[u8]) -> u32 {
    crc32c::crc32c_append(crc, data)
}

/// The stored form of `crc`: rotated right by 15 bits, plus a constant.
pub(crate) fn mask(crc: u32) -> u32 {
    crc.rotate_right(15).wrapping_add(MASK_DELTA)
}

/// The CRC a stored (masked) checksum stands for.
pub(crate) fn unmask(masked: u32) -> u32 {
    masked.wrapping_sub(MASK_DELTA).rotate_left(15)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc32c_is_the_castagnoli_polynomial() {
        // The check value of CRC-32C (RFC 3720, appendix B.4): "123456789" → 0xE3069283.
        assert_eq!(crc32c(b"123456789"), 0xe306_9283);
        assert_eq!(extend(crc32c(b"1234"), b"56789"), 0xe306_9283);
    }

    #[test]
    fn masking_is_leveldbs_rotation_and_is_undone_by_unmask() {
        // By hand: 0x00000001 rotated right by 15 is 0x00020000; plus 0xa282ead8.
        assert_eq!(mask(1), 0xa284_ead8);
        for crc in [0, 1, 0xe306_9283, u32::MAX] {
            assert_eq!(unmask(mask(crc)), crc);
        }
    }
}
