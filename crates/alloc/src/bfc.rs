//! A best-fit-with-coalescing allocator in the manner of TensorFlow's `BFCAllocator`: large
//! regions from a [`RegionProvider`], cut into chunks on demand, free chunks found by best fit
//! in size bins and merged with free neighbours when given back.

mod chunks;
mod regions;
#[cfg(test)]
mod tests;

use crate::region::{HostRegions, RegionProvider};
use chunks::{Bins, Chunk, ChunkId, Chunks, MIN_ALLOCATION};
use regions::Regions;
use sessionflow_core::{Allocator, AllocatorStats, MemoryKind, Result, Status};
use std::fmt;
use std::ptr::NonNull;
use std::sync::{Mutex, MutexGuard, PoisonError};

/// How a [`BfcAllocator`] obtains memory.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BfcOptions {
    /// The most region memory the allocator will hold; None for no limit (growth only).
    pub memory_limit: Option<usize>,
    /// Obtain regions on demand, doubling their size each time (TensorFlow's
    /// `allow_growth`). When false, the whole `memory_limit` is reserved up front, as one
    /// region or as few as the provider's largest region allows, and a limit is required.
    pub allow_growth: bool,
    /// The size of the first region when growing.
    pub initial_region_bytes: usize,
}

impl Default for BfcOptions {
    fn default() -> Self {
        BfcOptions { memory_limit: None, allow_growth: true, initial_region_bytes: 1 << 20 }
    }
}

/// [`AllocatorStats`] plus what only a pooling allocator knows.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct BfcStats {
    /// The counters every allocator keeps (`bytes_in_use` counts requested bytes).
    pub base: AllocatorStats,
    /// Regions obtained from the provider.
    pub num_regions: usize,
    /// Bytes in those regions.
    pub region_bytes: u64,
    /// Bytes in chunks handed out (requests rounded up to 256 bytes, plus unsplit tails).
    pub chunk_bytes_in_use: u64,
    /// Bytes in free chunks.
    pub free_bytes: u64,
    /// The largest request that can be met without growing.
    pub largest_free_chunk: u64,
    /// `1 − largest_free_chunk / free_bytes`: 0 when the free memory is one piece, toward 1 as
    /// it splinters. 0 when nothing is free.
    pub fragmentation: f64,
}

/// Best-fit-with-coalescing allocator over a device's regions. Thread-safe through one mutex
/// around the bookkeeping (as TensorFlow's); zeroing of reused memory happens outside it.
pub struct BfcAllocator<P: RegionProvider = HostRegions> {
    name: String,
    provider: P,
    options: BfcOptions,
    state: Mutex<State>,
}

/// Everything behind the mutex.
#[derive(Debug, Default)]
struct State {
    chunks: Chunks,
    bins: Bins,
    /// The regions, to find the in-use chunk of a pointer given back and to free them on drop.
    regions: Regions,
    region_bytes: usize,
    next_region_bytes: usize,
    chunk_bytes_in_use: usize,
    stats: AllocatorStats,
}

impl BfcAllocator<HostRegions> {
    /// A BFC allocator over host memory, named `"bfc_cpu"`.
    pub fn host(options: BfcOptions) -> Result<Self> {
        BfcAllocator::new("bfc_cpu", HostRegions, options)
    }

    /// A BFC allocator over host memory with the given name (a device's, e.g. `CPU_0_bfc`).
    pub fn host_named(name: impl Into<String>, options: BfcOptions) -> Result<Self> {
        BfcAllocator::new(name, HostRegions, options)
    }
}

impl<P: RegionProvider> BfcAllocator<P> {
    /// An allocator taking its regions from `provider`. Without growth the whole limit is
    /// obtained now, so a limit the device cannot supply fails here rather than later.
    pub fn new(name: impl Into<String>, provider: P, options: BfcOptions) -> Result<Self> {
        let mut state = State {
            next_region_bytes: round_up(options.initial_region_bytes.max(1))
                .ok_or_else(|| Status::invalid_argument("initial_region_bytes is too large"))?,
            ..State::default()
        };
        // Regions are whole chunks, so the usable limit is a multiple of the chunk unit.
        let limit = options.memory_limit.map(|l| l / MIN_ALLOCATION * MIN_ALLOCATION);
        state.stats.bytes_limit = options.memory_limit.map(|l| l as u64);
        if !options.allow_growth {
            let Some(limit) = limit.filter(|&l| l > 0) else {
                return Err(Status::invalid_argument(
                    "a BFC allocator without growth needs a memory limit of at least 256 bytes",
                ));
            };
            if !state.regions.fits(limit) {
                return Err(Status::invalid_argument(
                    "a BFC allocator holds at most 1 TiB of regions",
                ));
            }
            let largest =
                (provider.max_region_bytes() / MIN_ALLOCATION * MIN_ALLOCATION).max(MIN_ALLOCATION);
            let mut reserved = 0;
            while reserved < limit {
                let size = (limit - reserved).min(largest);
                match provider.alloc_region(size) {
                    Ok(ptr) => state.add_region(ptr.as_ptr() as usize, size),
                    Err(status) => {
                        for (addr, size) in state.regions.spans() {
                            // SAFETY: each region just came from this provider with this size,
                            // and nothing has been handed out of it.
                            unsafe {
                                provider.free_region(NonNull::new_unchecked(addr as *mut u8), size)
                            };
                        }
                        return Err(status);
                    }
                }
                reserved += size;
            }
        }
        Ok(BfcAllocator { name: name.into(), provider, options, state: Mutex::new(state) })
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while locked can only come from a broken invariant in debug builds; the
        // bookkeeping is then suspect either way, so carrying on is no worse than panicking.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// A snapshot of the counters, with region and fragmentation figures.
    pub fn bfc_stats(&self) -> BfcStats {
        self.lock().bfc_stats()
    }

    /// Gives every region holding no allocation back to the provider (TensorFlow's
    /// `DeallocateFreeRegions`) and returns the bytes released; regions with a live chunk stay.
    /// An allocator without growth keeps its up-front region: it could never obtain memory
    /// again, and that region is the reservation it was asked to make.
    pub fn deallocate_free_regions(&self) -> usize {
        if !self.options.allow_growth {
            return 0;
        }
        let released = self.lock().take_free_regions();
        let mut bytes = 0;
        for (addr, size) in released {
            // SAFETY: the region came from this provider with this size, and its only chunk,
            // free, has just left the bookkeeping, so nothing hands out or uses its memory.
            unsafe { self.provider.free_region(NonNull::new_unchecked(addr as *mut u8), size) };
            bytes += size;
        }
        bytes
    }

    /// Obtains a region large enough for `rounded` bytes, within the limit. Tries the next
    /// doubling first and halves on refusal, as TensorFlow does, so a device close to full
    /// still yields what it can.
    fn grow(&self, state: &mut State, rounded: usize) -> std::result::Result<(), String> {
        if !self.options.allow_growth {
            return Err("growth is off".into());
        }
        let limit = self.options.memory_limit.map(|l| l / MIN_ALLOCATION * MIN_ALLOCATION);
        let available = limit.map_or(usize::MAX, |l| l.saturating_sub(state.region_bytes));
        if rounded > available {
            return Err("the memory limit would be exceeded".into());
        }
        if !state.regions.fits(rounded) {
            return Err("the chunk tables are full (1 TiB of regions)".into());
        }
        let mut size = state.next_region_bytes;
        while size < rounded {
            size = size.saturating_mul(2);
        }
        size = size.min(available);
        if !state.regions.fits(size) {
            size = rounded;
        }
        let ptr = loop {
            match self.provider.alloc_region(size) {
                Ok(ptr) => break ptr,
                Err(status) if size == rounded => {
                    return Err(format!("the device refused a region: {}", status.message));
                }
                Err(_) => size = round_up(size / 2).map_or(rounded, |half| half.max(rounded)),
            }
        };
        state.add_region(ptr.as_ptr() as usize, size);
        if size >= state.next_region_bytes {
            state.next_region_bytes = size.saturating_mul(2);
        }
        Ok(())
    }

    fn exhausted(&self, state: &State, bytes: usize, why: &str) -> Status {
        Status::resource_exhausted(format!(
            "OOM when allocating {bytes} bytes with the {} allocator ({why}): {} bytes in use \
             in {} chunk bytes, {} bytes in {} regions, limit {}, largest free chunk {} bytes",
            self.name,
            state.stats.bytes_in_use,
            state.chunk_bytes_in_use,
            state.region_bytes,
            state.regions.len(),
            self.options.memory_limit.map_or_else(|| "none".to_string(), |l| l.to_string()),
            state.bins.largest(),
        ))
    }
}

impl<P: RegionProvider> BfcAllocator<P> {
    /// A chunk for `bytes` (> 0), growing if need be, and whether it may hold non-zero bytes.
    fn take_chunk(&self, bytes: usize) -> Result<(NonNull<u8>, bool)> {
        debug_assert!(bytes > 0, "zero-byte buffers never reach the allocator");
        let mut state = self.lock();
        let Some(rounded) = round_up(bytes) else {
            return Err(self.exhausted(&state, bytes, "size too large"));
        };
        let (addr, dirty) = match state.take(rounded, bytes) {
            Some(found) => found,
            None => {
                if let Err(why) = self.grow(&mut state, rounded) {
                    return Err(self.exhausted(&state, bytes, &why));
                }
                // A fresh region of at least `rounded` bytes is now free.
                state.take(rounded, bytes).expect("a new region fits the request")
            }
        };
        drop(state);
        // SAFETY: regions are never at address 0 (they come from NonNull pointers) and a
        // chunk address lies inside one.
        Ok((unsafe { NonNull::new_unchecked(addr as *mut u8) }, dirty))
    }
}

/// `bytes` rounded up to whole chunk units; None on overflow.
fn round_up(bytes: usize) -> Option<usize> {
    Some(bytes.checked_next_multiple_of(MIN_ALLOCATION)?.max(MIN_ALLOCATION))
}

impl State {
    fn add_region(&mut self, addr: usize, size: usize) {
        self.regions.add(addr, size);
        self.region_bytes += size;
        let chunk =
            Chunk { addr, size, requested: 0, in_use: false, prev: None, next: None, dirty: false };
        let id = self.chunks.add(chunk);
        self.bins.insert(id, &self.chunks[id]);
    }

    /// Removes every region that is one free chunk from the bookkeeping and returns their
    /// spans, for the caller to free.
    fn take_free_regions(&mut self) -> Vec<(usize, usize)> {
        let free: Vec<(usize, usize, ChunkId)> = self
            .regions
            .spans()
            .filter_map(|(addr, size)| Some((addr, size, self.bins.find(addr, size)?)))
            .collect();
        for &(addr, size, id) in &free {
            self.bins.remove(id, &self.chunks[id]);
            self.chunks.remove(id);
            let removed = self.regions.remove(addr);
            debug_assert!(removed, "the span came from the region list");
            self.region_bytes -= size;
        }
        free.into_iter().map(|(addr, size, _)| (addr, size)).collect()
    }

    /// Takes the best-fitting free chunk for `rounded` bytes out of the bins, splits off the
    /// tail when it can serve another request, and marks it in use. Returns its address and
    /// whether it needs zeroing.
    fn take(&mut self, rounded: usize, bytes: usize) -> Option<(usize, bool)> {
        let id = self.bins.best_fit(rounded)?;
        self.bins.remove(id, &self.chunks[id]);
        let chunk = self.chunks[id].clone();
        if chunk.size - rounded >= MIN_ALLOCATION {
            let tail = Chunk {
                addr: chunk.addr + rounded,
                size: chunk.size - rounded,
                requested: 0,
                in_use: false,
                prev: Some(id),
                next: chunk.next,
                dirty: chunk.dirty,
            };
            let tail_id = self.chunks.add(tail);
            if let Some(next) = chunk.next {
                self.chunks[next].prev = Some(tail_id);
            }
            self.chunks[id].next = Some(tail_id);
            self.chunks[id].size = rounded;
            self.bins.insert(tail_id, &self.chunks[tail_id]);
        }
        let chunk = &mut self.chunks[id];
        chunk.in_use = true;
        chunk.requested = bytes;
        self.chunk_bytes_in_use += chunk.size;
        self.regions.set_in_use(chunk.addr, id);
        let s = &mut self.stats;
        s.num_allocs += 1;
        s.bytes_in_use += bytes as u64;
        s.peak_bytes_in_use = s.peak_bytes_in_use.max(s.bytes_in_use);
        s.largest_alloc_size = s.largest_alloc_size.max(bytes as u64);
        Some((chunk.addr, chunk.dirty))
    }

    /// Marks the chunk at `addr` free and merges it with free neighbours.
    fn give_back(&mut self, addr: usize, bytes: usize) {
        let Some(mut id) = self.regions.take_in_use(addr) else {
            debug_assert!(false, "deallocate of a pointer this allocator did not hand out");
            return;
        };
        let chunk = &mut self.chunks[id];
        debug_assert_eq!(chunk.requested, bytes, "deallocate with a different size");
        self.stats.bytes_in_use -= chunk.requested as u64;
        self.chunk_bytes_in_use -= chunk.size;
        chunk.in_use = false;
        chunk.requested = 0;
        chunk.dirty = true;
        if let Some(next) = chunk.next.filter(|&n| !self.chunks[n].in_use) {
            self.bins.remove(next, &self.chunks[next]);
            self.merge(id, next);
        }
        if let Some(prev) = self.chunks[id].prev.filter(|&p| !self.chunks[p].in_use) {
            self.bins.remove(prev, &self.chunks[prev]);
            self.merge(prev, id);
            id = prev;
        }
        self.bins.insert(id, &self.chunks[id]);
    }

    /// Folds free chunk `b` into its free predecessor `a`; neither is in a bin.
    fn merge(&mut self, a: ChunkId, b: ChunkId) {
        let b_chunk = self.chunks[b].clone();
        debug_assert_eq!(self.chunks[a].addr + self.chunks[a].size, b_chunk.addr);
        let a_chunk = &mut self.chunks[a];
        a_chunk.size += b_chunk.size;
        a_chunk.next = b_chunk.next;
        a_chunk.dirty |= b_chunk.dirty;
        if let Some(next) = b_chunk.next {
            self.chunks[next].prev = Some(a);
        }
        self.chunks.remove(b);
    }

    fn bfc_stats(&self) -> BfcStats {
        let free = self.bins.free_bytes();
        let largest = self.bins.largest();
        BfcStats {
            base: self.stats,
            num_regions: self.regions.len(),
            region_bytes: self.region_bytes as u64,
            chunk_bytes_in_use: self.chunk_bytes_in_use as u64,
            free_bytes: free as u64,
            largest_free_chunk: largest as u64,
            fragmentation: if free == 0 { 0.0 } else { 1.0 - largest as f64 / free as f64 },
        }
    }
}

impl<P: RegionProvider> Allocator for BfcAllocator<P> {
    fn name(&self) -> &str {
        &self.name
    }

    fn allocate(&self, bytes: usize) -> Result<NonNull<u8>> {
        let (ptr, dirty) = self.take_chunk(bytes)?;
        if dirty {
            // SAFETY: the chunk is in use by this caller alone and spans at least `bytes`
            // bytes of a live region. Zeroing after unlocking keeps large memsets from
            // serialising other threads.
            unsafe { self.provider.zero(ptr, bytes) };
        }
        Ok(ptr)
    }

    fn allocate_unzeroed(&self, bytes: usize) -> Result<NonNull<u8>> {
        // Every byte of a region is initialised: regions come zero-filled from the provider
        // and are only ever written with initialised values, so a reused chunk needs no fill.
        self.take_chunk(bytes).map(|(ptr, _)| ptr)
    }

    unsafe fn deallocate(&self, ptr: NonNull<u8>, bytes: usize) {
        self.lock().give_back(ptr.as_ptr() as usize, bytes);
    }

    fn release_free_memory(&self) -> u64 {
        self.deallocate_free_regions() as u64
    }

    fn memory_kind(&self) -> MemoryKind {
        self.provider.memory_kind()
    }

    unsafe fn read_device(&self, ptr: NonNull<u8>, out: &mut [u8]) -> Result<()> {
        // SAFETY: the caller's range lies in one of our chunks, so in one of our regions.
        unsafe { self.provider.read(ptr, out) }
    }

    unsafe fn write_device(&self, ptr: NonNull<u8>, data: &[u8]) -> Result<()> {
        // SAFETY: as in read_device, and the caller alone uses the range.
        unsafe { self.provider.write(ptr, data) }
    }

    fn stats(&self) -> AllocatorStats {
        let s = self.bfc_stats();
        AllocatorStats {
            bytes_reserved: s.region_bytes,
            largest_free_block_bytes: s.largest_free_chunk,
            fragmentation: s.fragmentation,
            ..s.base
        }
    }
}

impl<P: RegionProvider> fmt::Debug for BfcAllocator<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BfcAllocator")
            .field("name", &self.name)
            .field("options", &self.options)
            .field("stats", &self.bfc_stats())
            .finish()
    }
}

impl<P: RegionProvider> Drop for BfcAllocator<P> {
    fn drop(&mut self) {
        let state = self.state.get_mut().unwrap_or_else(PoisonError::into_inner);
        for (addr, size) in state.regions.spans() {
            // SAFETY: each region came from this provider with this size, and tensors hold
            // their allocator alive, so no chunk of it is used after the allocator is gone.
            unsafe { self.provider.free_region(NonNull::new_unchecked(addr as *mut u8), size) };
        }
    }
}
