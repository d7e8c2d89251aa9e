//! How many threads a matrix product may use, and the small pool that runs
//! the split products.
//!
//! A product is split in two (or more) only when it is large enough for
//! the second core to pay for waking it: batch-32 products of a dense
//! network run faster on one thread. The count is `KERUST_NUM_THREADS`, or
//! [`set_num_threads`], or else the number of cores (at most
//! [`MAX_THREADS`]).

use std::cell::UnsafeCell;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, OnceLock};
use std::time::{Duration, Instant};

use super::background;

/// The most threads one product is split over.
///
/// ```
/// kerust::tensor::set_num_threads(100);
/// assert_eq!(kerust::tensor::num_threads(), kerust::tensor::MAX_THREADS);
/// kerust::tensor::set_num_threads(0);
/// ```
pub const MAX_THREADS: usize = 8;

/// 0 = not set by [`set_num_threads`].
static REQUESTED: AtomicUsize = AtomicUsize::new(0);

/// Sets how many threads a large matrix product may use; 0 restores the
/// default (`KERUST_NUM_THREADS`, else the number of cores). Values above
/// [`MAX_THREADS`] are capped.
///
/// ```
/// kerust::tensor::set_num_threads(1); // one core only, e.g. on a shared server
/// assert_eq!(kerust::tensor::num_threads(), 1);
/// kerust::tensor::set_num_threads(0);
/// ```
pub fn set_num_threads(n: usize) {
    REQUESTED.store(n.min(MAX_THREADS), Ordering::Relaxed);
}

/// The number of threads a large matrix product uses now.
///
/// ```
/// assert!(kerust::tensor::num_threads() >= 1);
/// ```
pub fn num_threads() -> usize {
    match REQUESTED.load(Ordering::Relaxed) {
        0 => default_threads(),
        n => n,
    }
}

fn default_threads() -> usize {
    static DEFAULT: OnceLock<usize> = OnceLock::new();
    *DEFAULT.get_or_init(|| {
        std::env::var("KERUST_NUM_THREADS")
            .ok()
            .and_then(|v| v.trim().parse::<usize>().ok())
            .filter(|&n| n > 0)
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
            .min(MAX_THREADS)
    })
}

/// A job shared with the helpers: run part `i`.
type Job = dyn Fn(usize) + Sync;

/// How long an idle helper keeps polling for the next part before it
/// sleeps. A training step issues its products a few dozen microseconds
/// apart; waking a sleeping thread costs about as much as a small product.
const SPIN: Duration = Duration::from_micros(300);

/// One helper thread and the hand-off between it and the caller.
struct Helper {
    shared: Arc<Shared>,
}

#[derive(Default)]
struct Shared {
    /// The current job (lifetime erased) and part; written before `posted`
    /// is bumped, read after it is seen.
    job: UnsafeCell<Option<(*const Job, usize)>>,
    /// Jobs handed over so far.
    posted: AtomicUsize,
    /// Jobs finished so far.
    finished: AtomicUsize,
    panicked: AtomicBool,
    /// Guards the sleep protocol.
    sleeping: Mutex<bool>,
    wake: Condvar,
}

// SAFETY: `job` is written only by the caller while the helper is idle
// (posted == finished) and read only by the helper after it sees `posted`
// change; the pointer it holds is kept alive by `run_parts` until the
// helper reports the part finished.
unsafe impl Sync for Shared {}
unsafe impl Send for Shared {}

impl Helper {
    /// A new helper thread, or `None` if the system cannot start one (the
    /// caller then runs that part itself).
    fn spawn() -> Option<Helper> {
        let shared: Arc<Shared> = Arc::default();
        let theirs = shared.clone();
        std::thread::Builder::new()
            .name("kerust-gemm".into())
            .spawn(move || helper_loop(&theirs))
            .ok()?;
        Some(Helper { shared })
    }

    fn post(&self, job: *const Job, part: usize) {
        let s = &*self.shared;
        // SAFETY: the helper is idle (its previous job finished), so nobody reads `job` now.
        unsafe { *s.job.get() = Some((job, part)) };
        s.posted.fetch_add(1, Ordering::SeqCst);
        self.wake();
    }

    /// Wakes the helper if it sleeps.
    fn wake(&self) {
        let s = &*self.shared;
        let sleeping = s.sleeping.lock().unwrap_or_else(|e| e.into_inner());
        if *sleeping {
            s.wake.notify_one();
        }
    }

    /// Waits (doing background work meanwhile, then spinning, then
    /// yielding) until the helper's part is done.
    fn join(&self) -> bool {
        let s = &*self.shared;
        let target = s.posted.load(Ordering::SeqCst);
        let mut spins = 0u32;
        while s.finished.load(Ordering::Acquire) != target {
            if background::help() {
                continue;
            }
            spins += 1;
            if spins < 1 << 14 {
                std::hint::spin_loop();
            } else {
                std::thread::yield_now();
            }
        }
        s.panicked.swap(false, Ordering::Relaxed)
    }
}

fn helper_loop(s: &Shared) {
    let mut seen = 0;
    loop {
        // Poll for a while (doing background work meanwhile), then sleep
        // until woken. One pause between polls: a pause takes ~25 ns on
        // this project's machines, so a longer backoff would leave a
        // posted part waiting for up to microseconds. The clock is read
        // only while idle, every 64 polls: reading it after every
        // background unit (32 per batch) cost 1–3 % of a small step.
        let mut idle_since: Option<Instant> = None;
        let mut polls = 0u32;
        while s.posted.load(Ordering::SeqCst) == seen {
            if background::help() {
                idle_since = None;
                polls = 0;
                continue;
            }
            std::hint::spin_loop();
            polls = polls.wrapping_add(1);
            if polls.is_multiple_of(64) {
                match idle_since {
                    None => idle_since = Some(Instant::now()),
                    Some(since) if since.elapsed() >= SPIN => break,
                    Some(_) => {}
                }
            }
        }
        if s.posted.load(Ordering::SeqCst) == seen {
            let mut sleeping = s.sleeping.lock().unwrap_or_else(|e| e.into_inner());
            *sleeping = true;
            while s.posted.load(Ordering::SeqCst) == seen && !background::pending() {
                sleeping = s.wake.wait(sleeping).unwrap_or_else(|e| e.into_inner());
            }
            *sleeping = false;
            if s.posted.load(Ordering::SeqCst) == seen {
                // Woken for background work: go back to polling.
                continue;
            }
        }
        seen = s.posted.load(Ordering::SeqCst);
        // SAFETY: `post` wrote the job before bumping `posted`.
        let Some((job, part)) = (unsafe { *s.job.get() }) else {
            // Unreachable: `posted` moves only after a job is written.
            s.finished.store(seen, Ordering::Release);
            continue;
        };
        // SAFETY: `run_parts` keeps the job alive until `finished` catches up.
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| unsafe { (*job)(part) }));
        if outcome.is_err() {
            s.panicked.store(true, Ordering::Relaxed);
        }
        s.finished.store(seen, Ordering::Release);
    }
}

static POOL: Mutex<Vec<Helper>> = Mutex::new(Vec::new());

/// Wakes sleeping helpers for background work; if the pool is in use, its
/// helpers are awake anyway (or the owner of the work does it).
pub(crate) fn wake_helpers() {
    if let Ok(pool) = POOL.try_lock() {
        if pool.is_empty() {
            drop(pool);
            // Start the helper that background work is meant for.
            run_parts(2, &|_| {});
            return;
        }
        pool.iter().for_each(Helper::wake);
    }
}

/// Runs `job(0)`, …, `job(parts − 1)`, part 0 on the calling thread and the
/// others on helper threads, and returns when all are done. If the pool is
/// busy (another thread is using it), every part runs here.
pub(crate) fn run_parts<'a>(parts: usize, job: &'a (dyn Fn(usize) + Sync + 'a)) {
    let mut pool = match POOL.try_lock() {
        Ok(pool) if parts > 1 => pool,
        _ => {
            // Every part runs here; as on the pool, a panic is raised only
            // after all of them have run.
            let mut first_panic = None;
            for p in 0..parts {
                if let Err(e) = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| job(p))) {
                    first_panic.get_or_insert(e);
                }
            }
            if let Some(payload) = first_panic {
                std::panic::resume_unwind(payload);
            }
            return;
        }
    };
    while pool.len() < parts - 1 {
        match Helper::spawn() {
            Some(helper) => pool.push(helper),
            None => break,
        }
    }
    // Parts beyond the helpers there are run here, after part 0.
    let helpers = pool.len().min(parts - 1);
    // SAFETY: the job's lifetime is erased to hand it to the helpers; every
    // helper is joined below, before this function returns.
    let ptr: *const Job =
        unsafe { std::mem::transmute::<&'a (dyn Fn(usize) + Sync + 'a), &'static Job>(job) };
    for (i, helper) in pool.iter().take(helpers).enumerate() {
        helper.post(ptr, i + 1);
    }
    // Even if part 0 panics, the helpers must finish with the job before
    // this frame (which owns it) unwinds.
    let mine = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        job(0);
        (helpers + 1..parts).for_each(job);
    }));
    let panicked = pool.iter().take(helpers).fold(false, |p, h| h.join() | p);
    drop(pool);
    if let Err(payload) = mine {
        std::panic::resume_unwind(payload);
    }
    assert!(!panicked, "a gemm helper thread panicked");
}

/// Calls `f(lo, hi)` on disjoint ranges covering `0..len`, one per thread
/// (as many as [`num_threads`] allows), and returns when all are done.
pub(crate) fn for_each_chunk(len: usize, f: &(dyn Fn(usize, usize) + Sync)) {
    let ranges = chunk_ranges(len);
    run_parts(ranges.len(), &|p| f(ranges[p].start, ranges[p].end));
}

/// The ranges [`for_each_chunk`] splits `0..len` into: one per thread,
/// consecutive, disjoint, covering it exactly (empty ones possible when
/// `len` is small).
pub(crate) fn chunk_ranges(len: usize) -> Vec<std::ops::Range<usize>> {
    let parts = num_threads().clamp(1, len.max(1));
    // Chunk boundaries on multiples of 16 elements keep vector loops aligned.
    let bound = |p: usize| (len * p / parts) / 16 * 16;
    (0..parts)
        .map(|p| bound(p)..if p + 1 == parts { len } else { bound(p + 1) })
        .collect()
}

/// Calls `f(first, items)` on consecutive runs of the `per_item`-long items
/// of `data`, one run per thread, where `first` is the index of the run's
/// first item; returns when all are done. Images of a batch are processed
/// this way, each thread writing its own.
pub(crate) fn for_each_items_mut(data: &mut [f32], per_item: usize, f: &(dyn Fn(usize, &mut [f32]) + Sync)) {
    let items = data.len().checked_div(per_item).unwrap_or(0);
    let parts = num_threads().clamp(1, items.max(1));
    let start = SharedMut::new(data);
    let bound = |p: usize| items * p / parts;
    let job = |p: usize| {
        let (lo, hi) = (bound(p), bound(p + 1));
        // SAFETY: parts cover disjoint item ranges of `data`, which stays
        // borrowed mutably until every part has finished.
        let chunk = unsafe { start.slice(lo * per_item, (hi - lo) * per_item) };
        f(lo, chunk);
    };
    run_parts(parts, &job);
}

/// The base pointer of a slice whose disjoint chunks the pool's threads
/// write.
pub(crate) struct SharedMut {
    ptr: *mut f32,
    len: usize,
}

impl SharedMut {
    /// Shares `data` with the pool's threads for the duration of a call.
    pub(crate) fn new(data: &mut [f32]) -> SharedMut {
        SharedMut {
            ptr: data.as_mut_ptr(),
            len: data.len(),
        }
    }

    /// The `len` elements from element `start` on.
    ///
    /// # Panics
    /// If they do not lie within the slice given to [`SharedMut::new`]:
    /// the bounds are checked here, never trusted.
    ///
    /// # Safety
    /// That slice must outlive the result, and no other thread may use
    /// these elements meanwhile.
    #[allow(clippy::mut_from_ref)]
    pub(crate) unsafe fn slice(&self, start: usize, len: usize) -> &mut [f32] {
        assert!(
            start.checked_add(len).is_some_and(|end| end <= self.len),
            "elements {start}..{start}+{len} of a shared slice of {}",
            self.len
        );
        // SAFETY: in bounds (checked above); alive and unshared as the
        // caller promises.
        unsafe { std::slice::from_raw_parts_mut(self.ptr.add(start), len) }
    }
}

// SAFETY: used only to hand disjoint chunks of one slice to the pool's threads.
unsafe impl Sync for SharedMut {}
unsafe impl Send for SharedMut {}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicU64;

    #[test]
    fn every_part_runs_once() {
        let seen = AtomicU64::new(0);
        run_parts(3, &|p| {
            seen.fetch_add(1 << (8 * p), Ordering::SeqCst);
        });
        assert_eq!(seen.load(Ordering::SeqCst), 1 | 1 << 8 | 1 << 16);
    }

    #[test]
    fn chunks_cover_the_range_exactly_once() {
        for len in [0, 1, 15, 16, 17, 1000, 40_000] {
            let count: Vec<AtomicU64> = (0..len).map(|_| AtomicU64::new(0)).collect();
            for_each_chunk(len, &|lo, hi| {
                for c in &count[lo..hi] {
                    c.fetch_add(1, Ordering::SeqCst);
                }
            });
            assert!(count.iter().all(|c| c.load(Ordering::SeqCst) == 1), "len {len}");
        }
    }

    #[test]
    fn items_are_split_into_whole_runs() {
        for items in [0, 1, 2, 3, 32, 33] {
            let mut data = vec![0.0f32; items * 5];
            for_each_items_mut(&mut data, 5, &|first, run| {
                assert_eq!(run.len() % 5, 0);
                for (i, item) in run.chunks_mut(5).enumerate() {
                    item.fill((first + i) as f32);
                }
            });
            for (i, item) in data.chunks(5).enumerate() {
                assert!(item.iter().all(|&v| v == i as f32), "{items} items");
            }
        }
    }

    #[test]
    fn a_panicking_part_is_reported_after_the_others_finish() {
        let done = AtomicU64::new(0);
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            run_parts(2, &|p| {
                if p == 0 {
                    panic!("part 0 fails");
                }
                done.fetch_add(1, Ordering::SeqCst);
            });
        }));
        assert!(result.is_err());
        assert_eq!(
            done.load(Ordering::SeqCst),
            1,
            "the helper's part still ran to completion"
        );
    }
}
