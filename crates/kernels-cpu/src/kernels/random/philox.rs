//! Philox4x32-10 (Salmon, Moraes, Dror and Shaw, "Parallel random numbers: as easy as 1, 2,
//! 3", SC 2011): a counter-based generator. Each call encrypts a 128-bit counter under a
//! 64-bit key with ten rounds of multiply-xor, giving four 32-bit outputs, and steps the
//! counter; skipping ahead is an addition. Seeded as TensorFlow seeds it, so that the same
//! (seed, seed2) gives TensorFlow's sequence.

/// Round multipliers and key increments (the Weyl constants) from the paper.
const M0: u32 = 0xD251_1F53;
const M1: u32 = 0xCD9E_8D57;
const W0: u32 = 0x9E37_79B9;
const W1: u32 = 0xBB67_AE85;

/// Generator state: a 128-bit counter (little-endian words) and a 64-bit key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Philox {
    counter: [u32; 4],
    key: [u32; 2],
}

impl Philox {
    /// The generator for `(seed, seed2)`: the key is `seed`, the high half of the counter
    /// `seed2` (TensorFlow's `PhiloxRandom(seed_lo, seed_hi)`).
    pub(crate) fn new(seed: u64, seed2: u64) -> Philox {
        Philox {
            counter: [0, 0, seed2 as u32, (seed2 >> 32) as u32],
            key: [seed as u32, (seed >> 32) as u32],
        }
    }

    /// A generator with an explicit counter and key (for known-answer tests).
    #[cfg(test)]
    pub(crate) fn from_parts(counter: [u32; 4], key: [u32; 2]) -> Philox {
        Philox { counter, key }
    }

    /// Four random words; advances the counter by one.
    #[inline]
    pub(crate) fn next_block(&mut self) -> [u32; 4] {
        let mut c = self.counter;
        let mut k = self.key;
        for round in 0..10 {
            if round > 0 {
                k = [k[0].wrapping_add(W0), k[1].wrapping_add(W1)];
            }
            let p0 = u64::from(M0) * u64::from(c[0]);
            let p1 = u64::from(M1) * u64::from(c[2]);
            let (hi0, lo0) = ((p0 >> 32) as u32, p0 as u32);
            let (hi1, lo1) = ((p1 >> 32) as u32, p1 as u32);
            c = [hi1 ^ c[1] ^ k[0], lo1, hi0 ^ c[3] ^ k[1], lo0];
        }
        self.skip(1);
        c
    }

    /// Advances the counter by `count` blocks.
    pub(crate) fn skip(&mut self, count: u64) {
        let low = u64::from(self.counter[0]) | (u64::from(self.counter[1]) << 32);
        let (sum, carry) = low.overflowing_add(count);
        self.counter[0] = sum as u32;
        self.counter[1] = (sum >> 32) as u32;
        if carry {
            let high =
                (u64::from(self.counter[2]) | (u64::from(self.counter[3]) << 32)).wrapping_add(1);
            self.counter[2] = high as u32;
            self.counter[3] = (high >> 32) as u32;
        }
    }

    /// Reserves `count` blocks: returns the generator positioned at them and moves this one
    /// past them (TensorFlow's `GuardedPhiloxRandom::ReserveSamples128`).
    pub(crate) fn reserve(&mut self, count: u64) -> Philox {
        let start = self.clone();
        self.skip(count);
        start
    }
}

/// Hands out a generator's words one at a time (TensorFlow's `SingleSampleAdapter`), for
/// distributions that consume a variable number of words per output.
pub(crate) struct SingleSample<'a> {
    rng: &'a mut Philox,
    block: [u32; 4],
    used: usize,
}

impl<'a> SingleSample<'a> {
    pub(crate) fn new(rng: &'a mut Philox) -> Self {
        SingleSample { rng, block: [0; 4], used: 4 }
    }

    #[inline]
    pub(crate) fn next_word(&mut self) -> u32 {
        if self.used == 4 {
            self.block = self.rng.next_block();
            self.used = 0;
        }
        self.used += 1;
        self.block[self.used - 1]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Known-answer vectors of Philox4x32-10 from the Random123 distribution (kat_vectors).
    #[test]
    fn known_answers() {
        let mut g = Philox::from_parts([0; 4], [0; 2]);
        assert_eq!(g.next_block(), [0x6627_e8d5, 0xe169_c58d, 0xbc57_ac4c, 0x9b00_dbd8]);
        let mut g = Philox::from_parts([u32::MAX; 4], [u32::MAX; 2]);
        assert_eq!(g.next_block(), [0x408f_276d, 0x41c8_3b0e, 0xa20b_c7c6, 0x6d54_51fd]);
        let mut g = Philox::from_parts(
            [0x243f_6a88, 0x85a3_08d3, 0x1319_8a2e, 0x0370_7344],
            [0xa409_3822, 0x299f_31d0],
        );
        assert_eq!(g.next_block(), [0xd16c_fe09, 0x94fd_cceb, 0x5001_e420, 0x2412_6ea1]);
    }

    #[test]
    fn skip_carries_across_words() {
        let mut g = Philox::from_parts([u32::MAX, u32::MAX, 7, 0], [1, 2]);
        g.skip(1);
        assert_eq!(g.counter, [0, 0, 8, 0]);
        let mut a = Philox::new(5, 9);
        let mut b = a.clone();
        a.skip(3);
        for _ in 0..3 {
            b.next_block();
        }
        assert_eq!(a, b);
    }
}
