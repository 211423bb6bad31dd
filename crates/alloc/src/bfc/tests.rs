use super::*;
use proptest::prelude::*;
use sessionflow_core::{Code, TENSOR_ALIGNMENT};
use std::sync::Arc;

fn fixed(limit: usize) -> BfcAllocator {
    let options =
        BfcOptions { memory_limit: Some(limit), allow_growth: false, ..Default::default() };
    BfcAllocator::host(options).expect("a small host region")
}

fn growing(initial: usize, limit: Option<usize>) -> BfcAllocator {
    let options =
        BfcOptions { memory_limit: limit, allow_growth: true, initial_region_bytes: initial };
    BfcAllocator::host(options).expect("growth obtains nothing up front")
}

fn free(a: &BfcAllocator, ptr: NonNull<u8>, bytes: usize) {
    // SAFETY: every test passes back what it allocated, once.
    unsafe { a.deallocate(ptr, bytes) };
}

#[test]
fn split_and_coalesce() {
    let a = fixed(4096);
    let pa = a.allocate(256).unwrap();
    let pb = a.allocate(512).unwrap();
    let pc = a.allocate(256).unwrap();
    assert_eq!(pb.as_ptr() as usize, pa.as_ptr() as usize + 256, "split in address order");
    assert_eq!(pc.as_ptr() as usize, pb.as_ptr() as usize + 512);
    assert_eq!(a.bfc_stats().largest_free_chunk, 4096 - 1024);
    free(&a, pb, 512);
    free(&a, pa, 256);
    let s = a.bfc_stats();
    assert_eq!(s.free_bytes, 4096 - 256);
    // A and B merged into one 768-byte chunk; the tail after C is the other free chunk.
    assert_eq!(s.largest_free_chunk, 4096 - 1024);
    let merged = a.allocate(768).unwrap();
    assert_eq!(merged, pa, "the coalesced chunk serves a request as large as A and B");
    free(&a, merged, 768);
    free(&a, pc, 256);
    let s = a.bfc_stats();
    assert_eq!((s.free_bytes, s.largest_free_chunk, s.fragmentation), (4096, 4096, 0.0));
}

#[test]
fn best_fit_picks_the_smallest_chunk_that_fits() {
    let a = fixed(1 << 16);
    // Free holes of 1024, 512 and 768 bytes separated by live chunks.
    let sizes = [1024, 256, 512, 256, 768, 256];
    let ptrs: Vec<_> = sizes.iter().map(|&s| a.allocate(s).unwrap()).collect();
    for i in [0, 2, 4] {
        free(&a, ptrs[i], sizes[i]);
    }
    assert_eq!(a.allocate(600).unwrap(), ptrs[4], "768 is the best fit for 600");
    assert_eq!(a.allocate(300).unwrap(), ptrs[2], "512 is the best fit for 300");
    assert_eq!(a.allocate(1000).unwrap(), ptrs[0]);
    assert!(a.bfc_stats().fragmentation == 0.0, "only the tail is free");
}

#[test]
fn growth_obtains_doubling_regions() {
    let a = growing(1024, None);
    assert_eq!(a.bfc_stats().num_regions, 0);
    let p = a.allocate(1024).unwrap();
    assert_eq!(a.bfc_stats().num_regions, 1);
    let q = a.allocate(1024).unwrap();
    let s = a.bfc_stats();
    assert_eq!((s.num_regions, s.region_bytes), (2, 1024 + 2048));
    let big = a.allocate(100_000).unwrap();
    assert_eq!(a.bfc_stats().num_regions, 3);
    for (ptr, bytes) in [(p, 1024), (q, 1024), (big, 100_000)] {
        free(&a, ptr, bytes);
    }
    assert_eq!(a.bfc_stats().chunk_bytes_in_use, 0);
}

#[test]
fn a_limit_gives_resource_exhausted_and_the_allocator_recovers() {
    for a in [fixed(8192), growing(1024, Some(8192))] {
        let held = a.allocate(4096).unwrap();
        let err = a.allocate(6000).unwrap_err();
        assert_eq!(err.code, Code::ResourceExhausted);
        assert!(err.message.contains("6000 bytes"), "{}", err.message);
        assert!(err.message.contains("4096 bytes in use"), "{}", err.message);
        assert!(err.message.contains("limit 8192"), "{}", err.message);
        assert!(err.message.contains("largest free chunk"), "{}", err.message);
        assert_eq!(a.stats().bytes_in_use, 4096, "a refused request holds nothing");
        let small = a.allocate(2000).unwrap();
        free(&a, small, 2000);
        free(&a, held, 4096);
        assert!(a.bfc_stats().region_bytes <= 8192);
    }
}

#[test]
fn growth_off_needs_a_limit() {
    let options = BfcOptions { allow_growth: false, ..Default::default() };
    assert_eq!(BfcAllocator::host(options).unwrap_err().code, Code::InvalidArgument);
}

#[test]
fn stats_count_requested_bytes() {
    let a = fixed(1 << 16);
    let p = a.allocate(100).unwrap();
    let q = a.allocate(3000).unwrap();
    free(&a, p, 100);
    let r = a.allocate(10).unwrap();
    let s = a.stats();
    assert_eq!(
        (s.num_allocs, s.bytes_in_use, s.peak_bytes_in_use, s.largest_alloc_size, s.bytes_limit),
        (3, 3010, 3100, 3000, Some(1 << 16))
    );
    assert_eq!(a.bfc_stats().chunk_bytes_in_use, 256 + 3072);
    free(&a, q, 3000);
    free(&a, r, 10);
    assert_eq!(a.stats().bytes_in_use, 0);
}

#[test]
fn reused_memory_is_zeroed() {
    let a = fixed(1 << 16);
    let p = a.allocate(1000).unwrap();
    // SAFETY: p holds 1000 bytes for this test alone.
    unsafe { p.as_ptr().write_bytes(0xAB, 1000) };
    free(&a, p, 1000);
    let q = a.allocate(1000).unwrap();
    assert_eq!(q, p, "the same chunk is reused");
    // SAFETY: q holds 1000 bytes.
    let bytes = unsafe { std::slice::from_raw_parts(q.as_ptr(), 1000) };
    assert!(bytes.iter().all(|&b| b == 0));
    free(&a, q, 1000);
}

#[test]
fn unzeroed_memory_is_fresh_zeros_or_earlier_bytes_and_counted_alike() {
    let a = fixed(1 << 16);
    let p = a.allocate_unzeroed(1000).unwrap();
    // SAFETY: p holds 1000 bytes for this test alone.
    let fresh = unsafe { std::slice::from_raw_parts_mut(p.as_ptr(), 1000) };
    assert!(fresh.iter().all(|&b| b == 0), "a fresh region is zero-filled");
    fresh.fill(0xAB);
    free(&a, p, 1000);
    let q = a.allocate_unzeroed(600).unwrap();
    assert_eq!(q, p, "the same chunk is reused");
    // SAFETY: q holds 600 bytes.
    let reused = unsafe { std::slice::from_raw_parts(q.as_ptr(), 600) };
    assert!(reused.iter().all(|&b| b == 0xAB), "reused memory is not filled again");
    let s = a.stats();
    assert_eq!((s.num_allocs, s.bytes_in_use, s.peak_bytes_in_use), (2, 600, 1000));
    free(&a, q, 600);
    let r = a.allocate(600).unwrap();
    // SAFETY: r holds 600 bytes.
    let zeroed = unsafe { std::slice::from_raw_parts(r.as_ptr(), 600) };
    assert!(zeroed.iter().all(|&b| b == 0), "allocate still zero-fills reused memory");
    free(&a, r, 600);
}

#[test]
fn pointers_in_every_region_are_found_when_given_back() {
    let a = growing(1024, None);
    // Regions of 1 KiB, 2 KiB, 4 KiB, … each holding a few chunks.
    let ptrs: Vec<_> = (0..40).map(|i| (a.allocate(256 + i * 64).unwrap(), 256 + i * 64)).collect();
    assert!(a.bfc_stats().num_regions >= 4, "{:?}", a.bfc_stats());
    for &(p, bytes) in ptrs.iter().rev().step_by(2).chain(ptrs.iter().step_by(2)) {
        free(&a, p, bytes);
    }
    let s = a.bfc_stats();
    assert_eq!((s.base.bytes_in_use, s.chunk_bytes_in_use), (0, 0));
    assert_eq!(s.free_bytes, s.region_bytes);
}

#[test]
fn every_pointer_is_aligned() {
    let a = growing(4096, None);
    let ptrs: Vec<_> = (1..50).map(|i| (a.allocate(i * 37).unwrap(), i * 37)).collect();
    assert!(ptrs.iter().all(|(p, _)| (p.as_ptr() as usize).is_multiple_of(TENSOR_ALIGNMENT)));
    for (p, bytes) in ptrs {
        free(&a, p, bytes);
    }
}

#[test]
fn many_threads_allocate_and_free_concurrently() {
    let a = Arc::new(growing(1 << 16, None));
    let threads: Vec<_> = (0..8u8)
        .map(|t| {
            let a = Arc::clone(&a);
            std::thread::spawn(move || {
                for round in 0..200usize {
                    let bytes = 1 + (round * 131 + t as usize * 977) % 20_000;
                    let p = a.allocate(bytes).unwrap();
                    // SAFETY: p holds `bytes` bytes owned by this thread until freed.
                    let buf = unsafe { std::slice::from_raw_parts_mut(p.as_ptr(), bytes) };
                    assert!(buf.iter().all(|&b| b == 0), "fresh memory is zero");
                    buf.fill(t.wrapping_add(round as u8));
                    std::thread::yield_now();
                    assert!(buf.iter().all(|&b| b == t.wrapping_add(round as u8)), "no overlap");
                    free(&a, p, bytes);
                }
            })
        })
        .collect();
    for t in threads {
        t.join().expect("no thread panics");
    }
    let s = a.bfc_stats();
    assert_eq!((s.base.num_allocs, s.base.bytes_in_use, s.chunk_bytes_in_use), (1600, 0, 0));
    assert_eq!(s.free_bytes, s.region_bytes, "everything coalesced back");
}

#[test]
fn releasing_free_regions_returns_every_region_once_all_is_freed() {
    let a = growing(4096, None);
    let small = a.allocate(1000).unwrap();
    // Larger than what is left of the first region: a second region of 8192 bytes.
    let large = a.allocate(8192).unwrap();
    let tail = a.allocate(100).unwrap();
    let s = a.bfc_stats();
    assert_eq!((s.num_regions, s.region_bytes), (2, 4096 + 8192));
    free(&a, small, 1000);
    free(&a, large, 8192);
    free(&a, tail, 100);
    assert_eq!(a.deallocate_free_regions(), 4096 + 8192);
    let s = a.bfc_stats();
    assert_eq!((s.num_regions, s.region_bytes, s.free_bytes, s.largest_free_chunk), (0, 0, 0, 0));
    assert_eq!(a.stats().bytes_reserved, 0);
    assert_eq!(a.stats().peak_bytes_in_use, 8192 + 1000 + 100, "the counters are kept");
    assert_eq!(a.deallocate_free_regions(), 0, "nothing is left to release");
    // The allocator grows again afterwards, continuing the doubling (next region 16 KiB).
    let again = a.allocate(300).unwrap();
    // SAFETY: the chunk spans at least 300 bytes of a live region, used by this test alone.
    unsafe { again.as_ptr().write_bytes(7, 300) };
    let s = a.bfc_stats();
    assert_eq!((s.num_regions, s.region_bytes, s.base.bytes_in_use), (1, 16384, 300));
    free(&a, again, 300);
}

#[test]
fn releasing_keeps_regions_that_hold_a_live_chunk() {
    let a = growing(4096, None);
    let kept = a.allocate(1000).unwrap();
    let large = a.allocate(8192).unwrap();
    free(&a, large, 8192);
    assert_eq!(a.deallocate_free_regions(), 8192, "only the second region is all free");
    let s = a.bfc_stats();
    assert_eq!((s.num_regions, s.region_bytes, s.free_bytes), (1, 4096, 4096 - 1024));
    // The live chunk is still found when given back, and its region then released.
    free(&a, kept, 1000);
    assert_eq!(a.deallocate_free_regions(), 4096);
    assert_eq!(a.stats().bytes_reserved, 0);
}

#[test]
fn without_growth_the_reserved_region_stays() {
    let a = fixed(4096);
    let p = a.allocate(256).unwrap();
    free(&a, p, 256);
    assert_eq!(a.deallocate_free_regions(), 0);
    assert_eq!(a.stats().bytes_reserved, 4096);
    free(&a, a.allocate(4096).unwrap(), 4096);
}

/// Host regions of at most 4 KiB each, at most `capacity` of them at once, counted.
struct SmallRegions {
    capacity: usize,
    live: Arc<std::sync::atomic::AtomicUsize>,
}

impl RegionProvider for SmallRegions {
    fn alloc_region(&self, bytes: usize) -> Result<NonNull<u8>> {
        use std::sync::atomic::Ordering::SeqCst;
        assert!(bytes <= 4096, "asked for {bytes} bytes, above the largest region");
        if self.live.fetch_add(1, SeqCst) >= self.capacity {
            self.live.fetch_sub(1, SeqCst);
            return Err(Status::resource_exhausted("no more regions"));
        }
        HostRegions.alloc_region(bytes)
    }

    fn max_region_bytes(&self) -> usize {
        4096
    }

    unsafe fn free_region(&self, ptr: NonNull<u8>, bytes: usize) {
        self.live.fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
        // SAFETY: the region came from HostRegions with this size.
        unsafe { HostRegions.free_region(ptr, bytes) }
    }

    unsafe fn zero(&self, ptr: NonNull<u8>, bytes: usize) {
        // SAFETY: the caller's contract is HostRegions'.
        unsafe { HostRegions.zero(ptr, bytes) }
    }
}

#[test]
fn a_reservation_larger_than_the_largest_region_is_split_into_regions() {
    let options =
        BfcOptions { memory_limit: Some(10_000), allow_growth: false, initial_region_bytes: 256 };
    let provider = SmallRegions { capacity: 8, live: Arc::default() };
    let a = BfcAllocator::new("small", provider, options).unwrap();
    // 10,000 bytes round down to 9,984: two regions of 4,096 and one of 1,792.
    assert_eq!(a.stats().bytes_reserved, 9984);
    assert_eq!(a.bfc_stats().num_regions, 3);
    let p = a.allocate(4096).unwrap();
    let e = a.allocate(4096 + 256).unwrap_err();
    assert_eq!(e.code, Code::ResourceExhausted, "no chunk spans two regions");
    // SAFETY: p came from a.allocate(4096) above and is given back once.
    unsafe { a.deallocate(p, 4096) };

    // A provider that runs out part way: an error, and the regions obtained are given back.
    let live = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let provider = SmallRegions { capacity: 2, live: Arc::clone(&live) };
    let failed = BfcAllocator::new("small", provider, options);
    assert_eq!(failed.err().map(|e| e.code), Some(Code::ResourceExhausted));
    assert_eq!(live.load(std::sync::atomic::Ordering::SeqCst), 0, "nothing leaked");
}

proptest! {
    #[test]
    fn random_sequences_never_overlap_and_count_exactly(
        ops in prop::collection::vec((any::<bool>(), 1usize..40_000, any::<prop::sample::Index>()), 1..200),
        growth in any::<bool>(),
    ) {
        let a = if growth { growing(4096, Some(1 << 20)) } else { fixed(1 << 20) };
        // The model: live allocations as (start, bytes).
        let mut live: Vec<(usize, usize)> = Vec::new();
        for (alloc, bytes, pick) in ops {
            if alloc || live.is_empty() {
                match a.allocate(bytes) {
                    Ok(p) => {
                        let start = p.as_ptr() as usize;
                        for &(s, b) in &live {
                            prop_assert!(start + bytes <= s || s + b <= start, "overlap");
                        }
                        live.push((start, bytes));
                    }
                    Err(e) => prop_assert_eq!(e.code, Code::ResourceExhausted),
                }
            } else {
                let (start, b) = live.swap_remove(pick.index(live.len()));
                // SAFETY: start came from allocate and is non-null.
                free(&a, unsafe { NonNull::new_unchecked(start as *mut u8) }, b);
            }
            let s = a.bfc_stats();
            prop_assert_eq!(s.base.bytes_in_use, live.iter().map(|&(_, b)| b as u64).sum::<u64>());
            prop_assert_eq!(s.free_bytes + s.chunk_bytes_in_use, s.region_bytes);
            prop_assert!(s.region_bytes <= 1 << 20);
        }
        for (start, b) in live {
            // SAFETY: as above.
            free(&a, unsafe { NonNull::new_unchecked(start as *mut u8) }, b);
        }
        let s = a.bfc_stats();
        prop_assert_eq!(s.free_bytes, s.region_bytes);
        // Everything coalesced: each region is one free chunk again.
        if s.num_regions <= 1 {
            prop_assert_eq!(s.fragmentation, 0.0);
        }
        let released = a.deallocate_free_regions() as u64;
        if growth {
            prop_assert_eq!(released, s.region_bytes, "every region was free");
            prop_assert_eq!(a.stats().bytes_reserved, 0);
        } else {
            prop_assert_eq!(released, 0);
        }
    }
}
