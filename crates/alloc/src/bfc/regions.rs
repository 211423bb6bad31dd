//! The regions of a BFC allocator and, per region, which in-use chunk starts at each 256-byte
//! unit: TensorFlow's `RegionManager`. Finding the chunk of a pointer given back is a binary
//! search over the (few, doubling) regions and one indexed load, with no hashing.

use super::chunks::{ChunkId, MIN_ALLOCATION};

/// No in-use chunk starts at this unit.
const NONE: u32 = u32::MAX;

/// The most 256-byte units all regions together may span, so that every chunk id (at most one
/// chunk per unit is alive) fits the tables' `u32` entries with [`NONE`] to spare: 1 TiB.
pub(crate) const MAX_UNITS: usize = NONE as usize;

/// One region: its span and its table.
#[derive(Debug)]
struct Region {
    addr: usize,
    size: usize,
    /// Entry `i`: the in-use chunk starting at `addr + i * 256`, or [`NONE`].
    in_use: Vec<u32>,
}

/// All regions, sorted by address.
#[derive(Debug, Default)]
pub(crate) struct Regions {
    all: Vec<Region>,
    units: usize,
}

impl Regions {
    /// Adds a region of `size` bytes (a multiple of 256) at `addr`; the caller has checked
    /// with [`fits`](Self::fits) that it fits.
    pub fn add(&mut self, addr: usize, size: usize) {
        let units = size / MIN_ALLOCATION;
        self.units += units;
        let at = self.all.partition_point(|r| r.addr < addr);
        self.all.insert(at, Region { addr, size, in_use: vec![NONE; units] });
    }

    /// Whether `size` more bytes of regions stay within [`MAX_UNITS`].
    pub fn fits(&self, size: usize) -> bool {
        self.units.saturating_add(size / MIN_ALLOCATION) <= MAX_UNITS
    }

    /// (start address, bytes) of every region.
    pub fn spans(&self) -> impl Iterator<Item = (usize, usize)> + '_ {
        self.all.iter().map(|r| (r.addr, r.size))
    }

    /// Number of regions.
    pub fn len(&self) -> usize {
        self.all.len()
    }

    /// Forgets the region starting at `addr`; false when no region starts there.
    pub fn remove(&mut self, addr: usize) -> bool {
        let Ok(at) = self.all.binary_search_by_key(&addr, |r| r.addr) else {
            return false;
        };
        let region = self.all.remove(at);
        debug_assert!(region.in_use.iter().all(|&e| e == NONE), "a removed region is all free");
        self.units -= region.size / MIN_ALLOCATION;
        true
    }

    /// The table entry for `addr`, if it lies in a region on a unit boundary.
    fn entry(&mut self, addr: usize) -> Option<&mut u32> {
        let after = self.all.partition_point(|r| r.addr <= addr);
        let region = &mut self.all[after.checked_sub(1)?];
        let offset = addr - region.addr;
        if !offset.is_multiple_of(MIN_ALLOCATION) {
            return None;
        }
        region.in_use.get_mut(offset / MIN_ALLOCATION)
    }

    /// Records that in-use chunk `id` starts at `addr` (inside a region, on a unit boundary).
    pub fn set_in_use(&mut self, addr: usize, id: ChunkId) {
        debug_assert!(id < MAX_UNITS, "at most one chunk per unit is alive");
        match self.entry(addr) {
            Some(entry) => *entry = id as u32,
            None => debug_assert!(false, "chunk at {addr:#x} lies outside every region"),
        }
    }

    /// The in-use chunk starting at `addr`, forgotten; None for an address no in-use chunk
    /// starts at.
    pub fn take_in_use(&mut self, addr: usize) -> Option<ChunkId> {
        let entry = self.entry(addr)?;
        let id = std::mem::replace(entry, NONE);
        (id != NONE).then_some(id as ChunkId)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_map_to_their_region_and_unit() {
        let mut r = Regions::default();
        r.add(0x10_0000, 4096);
        r.add(0x1000, 1024);
        assert_eq!(r.spans().collect::<Vec<_>>(), [(0x1000, 1024), (0x10_0000, 4096)]);
        r.set_in_use(0x1000 + 512, 7);
        r.set_in_use(0x10_0000, 3);
        assert_eq!(r.take_in_use(0x1000 + 512), Some(7));
        assert_eq!(r.take_in_use(0x1000 + 512), None, "taken once");
        assert_eq!(r.take_in_use(0x10_0000), Some(3));
        assert_eq!(r.take_in_use(0x10_0000 + 4096), None, "past the end");
        assert_eq!(r.take_in_use(0x10), None, "before every region");
        assert_eq!(r.take_in_use(0x1000 + 100), None, "not on a unit boundary");
        assert!(r.remove(0x1000));
        assert!(!r.remove(0x1000), "removed once");
        assert_eq!(r.spans().collect::<Vec<_>>(), [(0x10_0000, 4096)]);
        assert!(r.fits(MAX_UNITS * MIN_ALLOCATION - 4096), "its units are free again");
    }
}
