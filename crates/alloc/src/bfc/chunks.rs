//! The bookkeeping behind the BFC allocator: chunks linked in address order within a region,
//! and free chunks sorted into size bins.

use std::collections::BTreeSet;

/// Every chunk size is a multiple of this, and no chunk is smaller: TensorFlow's
/// `kMinAllocationSize`. It keeps the number of chunks (and so the bookkeeping) bounded and
/// every chunk start aligned to far more than `TENSOR_ALIGNMENT`.
pub(crate) const MIN_ALLOCATION: usize = 256;

/// Bin `i` holds free chunks of `[256 << i, 256 << (i + 1))` bytes; the last one holds all
/// larger chunks too (256 MiB and up).
pub(crate) const NUM_BINS: usize = 21;

// One bit per bin in `Bins::occupied`.
const _: () = assert!(NUM_BINS <= 32);

/// Index of a chunk in the [`Chunks`] arena.
pub(crate) type ChunkId = usize;

/// A piece of a region: handed out whole, or free.
#[derive(Clone, Debug)]
pub(crate) struct Chunk {
    /// Start address.
    pub addr: usize,
    /// Bytes, a multiple of [`MIN_ALLOCATION`].
    pub size: usize,
    /// Bytes the caller asked for; 0 while free.
    pub requested: usize,
    pub in_use: bool,
    /// The neighbours in address order within the same region.
    pub prev: Option<ChunkId>,
    pub next: Option<ChunkId>,
    /// Whether the chunk may hold non-zero bytes. Fresh regions are zero, so the first use of
    /// their memory needs no zeroing; anything freed is dirty.
    pub dirty: bool,
}

/// All chunks, addressed by id; ids of merged-away chunks are reused so the arena stays as
/// large as the most chunks ever alive at once.
#[derive(Debug, Default)]
pub(crate) struct Chunks {
    all: Vec<Chunk>,
    spare: Vec<ChunkId>,
}

impl Chunks {
    pub fn add(&mut self, chunk: Chunk) -> ChunkId {
        match self.spare.pop() {
            Some(id) => {
                self.all[id] = chunk;
                id
            }
            None => {
                self.all.push(chunk);
                self.all.len() - 1
            }
        }
    }

    pub fn remove(&mut self, id: ChunkId) {
        self.spare.push(id);
    }
}

impl std::ops::Index<ChunkId> for Chunks {
    type Output = Chunk;
    fn index(&self, id: ChunkId) -> &Chunk {
        &self.all[id]
    }
}

impl std::ops::IndexMut<ChunkId> for Chunks {
    fn index_mut(&mut self, id: ChunkId) -> &mut Chunk {
        &mut self.all[id]
    }
}

/// The bin a chunk of `size` (≥ [`MIN_ALLOCATION`]) bytes belongs in.
pub(crate) fn bin_index(size: usize) -> usize {
    let units = (size / MIN_ALLOCATION).max(1);
    (units.ilog2() as usize).min(NUM_BINS - 1)
}

/// Free chunks by size. Within a bin they are ordered by (size, address), so the first chunk
/// at least as large as a request is its best fit, with ties going to the lowest address
/// (which keeps memory packed toward the start of regions).
#[derive(Debug)]
pub(crate) struct Bins {
    bins: Vec<BTreeSet<(usize, usize, ChunkId)>>,
    /// Bit `i` set when bin `i` holds a chunk, so a search skips empty bins in one step.
    occupied: u32,
    free_bytes: usize,
}

impl Default for Bins {
    fn default() -> Self {
        Bins { bins: vec![BTreeSet::new(); NUM_BINS], occupied: 0, free_bytes: 0 }
    }
}

impl Bins {
    pub fn insert(&mut self, id: ChunkId, chunk: &Chunk) {
        debug_assert!(!chunk.in_use);
        let bin = bin_index(chunk.size);
        self.bins[bin].insert((chunk.size, chunk.addr, id));
        self.occupied |= 1 << bin;
        self.free_bytes += chunk.size;
    }

    pub fn remove(&mut self, id: ChunkId, chunk: &Chunk) {
        let bin = bin_index(chunk.size);
        let removed = self.bins[bin].remove(&(chunk.size, chunk.addr, id));
        debug_assert!(removed, "a free chunk is always in its bin");
        if self.bins[bin].is_empty() {
            self.occupied &= !(1 << bin);
        }
        self.free_bytes -= chunk.size;
    }

    /// The smallest free chunk of at least `size` bytes. Every chunk in a higher bin than
    /// `size`'s is larger than `size`, so only the first non-empty candidate matters.
    pub fn best_fit(&self, size: usize) -> Option<ChunkId> {
        // The occupied bins from `size`'s own upward, lowest first.
        let mut candidates = self.occupied & (u32::MAX << bin_index(size));
        while candidates != 0 {
            let bin = candidates.trailing_zeros() as usize;
            if let Some(&(_, _, id)) = self.bins[bin].range((size, 0, 0)..).next() {
                return Some(id);
            }
            candidates &= candidates - 1;
        }
        None
    }

    /// The free chunk of exactly `size` bytes at `addr`, if there is one.
    pub fn find(&self, addr: usize, size: usize) -> Option<ChunkId> {
        let bin = &self.bins[bin_index(size)];
        bin.range((size, addr, 0)..=(size, addr, ChunkId::MAX)).next().map(|&(_, _, id)| id)
    }

    /// Bytes in free chunks.
    pub fn free_bytes(&self) -> usize {
        self.free_bytes
    }

    /// The size of the largest free chunk, 0 when none is free.
    pub fn largest(&self) -> usize {
        self.bins.iter().rev().find_map(|bin| bin.last()).map_or(0, |&(size, _, _)| size)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bins_are_powers_of_two_from_256() {
        assert_eq!(bin_index(256), 0);
        assert_eq!(bin_index(511), 0);
        assert_eq!(bin_index(512), 1);
        assert_eq!(bin_index(1 << 20), 12);
        assert_eq!(bin_index(usize::MAX), NUM_BINS - 1);
    }
}
