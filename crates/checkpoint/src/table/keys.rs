//! The short index keys LevelDB's bytewise comparator picks, so that index blocks stay small
//! and our tables match TensorFlow's byte for byte.

/// Shortens `start` to a key `k` with `start <= k < limit` (LevelDB's
/// `FindShortestSeparator`): where the two first differ, `start`'s byte is raised by one and
/// the rest cut off, when that stays below `limit`; otherwise `start` is kept.
pub(crate) fn shortest_separator(start: &mut Vec<u8>, limit: &[u8]) {
    let common = start.iter().zip(limit).take_while(|(a, b)| a == b).count();
    if common >= start.len().min(limit.len()) {
        // One is a prefix of the other: nothing shorter separates them.
        return;
    }
    let byte = start[common];
    if byte < 0xff && byte + 1 < limit[common] {
        start[common] = byte + 1;
        start.truncate(common + 1);
    }
}

/// Shortens `key` to a short key `k >= key` (LevelDB's `FindShortSuccessor`): its first byte
/// that is not `0xff`, raised by one, ends it.
pub(crate) fn short_successor(key: &mut Vec<u8>) {
    if let Some(i) = key.iter().position(|&b| b != 0xff) {
        key[i] += 1;
        key.truncate(i + 1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn separator(start: &[u8], limit: &[u8]) -> Vec<u8> {
        let mut s = start.to_vec();
        shortest_separator(&mut s, limit);
        s
    }

    fn successor(key: &[u8]) -> Vec<u8> {
        let mut k = key.to_vec();
        short_successor(&mut k);
        k
    }

    #[test]
    fn separators_are_short_and_between_the_keys() {
        assert_eq!(separator(b"dense/bias", b"dense/kernel"), b"dense/c");
        // 'b' + 1 is 'c', not below the limit's 'c': kept whole.
        assert_eq!(separator(b"ab", b"ac"), b"ab");
        assert_eq!(separator(b"abc", b"abcd"), b"abc", "a prefix of the limit");
        assert_eq!(separator(b"a\xff", b"b"), b"a\xff");
    }

    #[test]
    fn successors_raise_the_first_byte_below_0xff() {
        assert_eq!(successor(b"b"), b"c");
        assert_eq!(successor(b"\xff\xffx"), b"\xff\xffy");
        assert_eq!(successor(b"\xff"), b"\xff");
        assert_eq!(successor(b""), b"");
    }
}
