//! Work handed to the gemm helper threads to do while they would otherwise
//! wait: `fit` gathers the next shuffled batch this way while the current
//! one trains.
//!
//! A background job is `n` independent units. The helpers claim units one
//! at a time between matrix-product parts, so a product is never held up
//! by more than one unit. The caller claims whatever is left when it needs
//! the result ([`Background::finish`]), so nothing ever waits on a helper
//! that is busy or asleep: the job is done on time either way.
//!
//! One job runs at a time; while it does, [`Background::start`] from
//! another thread runs its job at `finish` instead.
//!
//! **Invariant: a unit is run once, and `finish` returns only after it has
//! run.** A unit is claimed only by a compare-and-swap that moves `state`
//! from `(generation, i)` to `(generation, i + 1)` with `i < units`. The
//! owner changes `state` in `start` in two stores: first to `(g + 1,
//! CLOSED)`, before `job`, `units` and `done` are rewritten, then to
//! `(g + 1, 0)` to publish them. So every swap against an older state
//! fails (its generation is gone), no swap succeeds while the slot is
//! closed (`CLOSED` ≥ any `units`), and a swap that succeeds reads the
//! `job` and `units` published with its generation. Each claimed unit adds
//! one to `done` after it ran, so `done == units` means every unit of the
//! job has run, each once.

use std::cell::UnsafeCell;
use std::marker::PhantomData;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};

/// One unit of a job.
type Unit = dyn Fn(usize) + Sync;

/// The next-unit field of a slot being refilled: no job has this many
/// units (`start` posts fewer than 2^32 − 1), so nothing can be claimed.
const CLOSED: u64 = u32::MAX as u64;

/// The one job slot the helpers look at.
struct Slot {
    /// Generation in the high 32 bits, the next unclaimed unit in the low
    /// 32. A unit is claimed by a compare-and-swap, so a claim made against
    /// a finished generation fails.
    state: AtomicU64,
    /// Units of the current generation; written before `state` publishes it.
    units: AtomicUsize,
    /// Units finished.
    done: AtomicUsize,
    /// The job (lifetime erased); written before `state` publishes it.
    job: UnsafeCell<Option<*const Unit>>,
    /// Set when a unit run by a helper panicked.
    panicked: AtomicBool,
    /// Held by the caller that owns the slot.
    owner: Mutex<()>,
}

// SAFETY: `job` is written only by the owner while no unit is claimed or
// running, and read only by a thread that has just claimed a unit of the
// current generation, which the owner waits for before returning.
unsafe impl Sync for Slot {}

static SLOT: Slot = Slot {
    state: AtomicU64::new(0),
    units: AtomicUsize::new(0),
    done: AtomicUsize::new(0),
    job: UnsafeCell::new(None),
    panicked: AtomicBool::new(false),
    owner: Mutex::new(()),
};

/// A job running in the background; [`finish`](Background::finish) (or
/// dropping it) completes it.
pub(crate) struct Background<'a> {
    /// The slot, when this job was posted to the helpers.
    posted: Option<std::sync::MutexGuard<'static, ()>>,
    job: &'a (dyn Fn(usize) + Sync + 'a),
    units: usize,
    _borrows: PhantomData<&'a ()>,
}

impl<'a> Background<'a> {
    /// Offers `job(0)`, …, `job(units − 1)` to idle helper threads. With
    /// one thread allowed, or while another job holds the slot, the units
    /// all run at [`finish`](Background::finish).
    pub(crate) fn start(units: usize, job: &'a (dyn Fn(usize) + Sync + 'a)) -> Background<'a> {
        let mut me = Background {
            posted: None,
            job,
            units,
            _borrows: PhantomData,
        };
        if units == 0 || units as u64 >= CLOSED || super::threads::num_threads() < 2 {
            return me;
        }
        let Ok(owner) = SLOT.owner.try_lock() else {
            return me;
        };
        // Close the slot first: a helper may have read the previous state
        // (every unit claimed) and be about to read `units`. Once `units`
        // grows, its compare-and-swap against that old state would claim a
        // unit of the new job before `state` publishes it, a unit that would
        // then be claimed again. With the generation bumped here, that swap
        // fails; and the closed state's next unit (u32::MAX) is at least any
        // count of units, so nothing can be claimed until the job is posted.
        let generation = (SLOT.state.load(Ordering::Relaxed) >> 32).wrapping_add(1);
        SLOT.state.store(generation << 32 | CLOSED, Ordering::SeqCst);
        // SAFETY: the lifetime is erased for the helpers; `finish` (also
        // run on drop) waits for every claimed unit before `'a` can end.
        let ptr: *const Unit =
            unsafe { std::mem::transmute::<&'a (dyn Fn(usize) + Sync + 'a), &'static Unit>(job) };
        // SAFETY: we own the slot, the previous job is finished and the slot
        // is closed, so no other thread reads `job` now.
        unsafe { *SLOT.job.get() = Some(ptr) };
        SLOT.units.store(units, Ordering::Relaxed);
        SLOT.done.store(0, Ordering::Relaxed);
        SLOT.state.store(generation << 32, Ordering::Release);
        me.posted = Some(owner);
        super::threads::wake_helpers();
        me
    }

    /// Runs the units no helper has claimed, waits for those a helper is
    /// running, and returns when the whole job is done.
    ///
    /// # Panics
    /// If a unit panicked (on whichever thread ran it).
    pub(crate) fn finish(mut self) {
        let panicked = self.complete();
        assert!(!panicked, "a background unit panicked");
    }

    /// Completes the job; whether a helper's unit panicked.
    fn complete(&mut self) -> bool {
        if self.posted.is_none() {
            for unit in 0..self.units {
                (self.job)(unit);
            }
            self.units = 0;
            return false;
        }
        // Units run here panic here, after the helpers are waited for.
        let mine = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| while help_with(false) {}));
        let mut spins = 0u32;
        while SLOT.done.load(Ordering::Acquire) < self.units {
            spins += 1;
            if spins < 1 << 14 {
                std::hint::spin_loop();
            } else {
                std::thread::yield_now();
            }
        }
        // SAFETY: every unit is claimed and finished; nobody reads `job`.
        unsafe { *SLOT.job.get() = None };
        let panicked = SLOT.panicked.swap(false, Ordering::Relaxed);
        self.posted = None;
        self.units = 0;
        if let Err(payload) = mine {
            std::panic::resume_unwind(payload);
        }
        panicked
    }
}

impl Drop for Background<'_> {
    fn drop(&mut self) {
        // Dropped while unwinding or early: complete quietly.
        self.complete();
    }
}

/// Whether the current job has unclaimed units.
pub(crate) fn pending() -> bool {
    let state = SLOT.state.load(Ordering::Acquire);
    ((state & u64::from(u32::MAX)) as usize) < SLOT.units.load(Ordering::Acquire)
}

/// Claims and runs one unit of the current job on a helper thread; false
/// if none was left.
pub(crate) fn help() -> bool {
    help_with(true)
}

/// Claims and runs one unit; a panic is caught and recorded when `catch`
/// (on a helper), and propagates otherwise (on the owner).
fn help_with(catch: bool) -> bool {
    loop {
        let state = SLOT.state.load(Ordering::Acquire);
        let next = (state & u64::from(u32::MAX)) as usize;
        if next >= SLOT.units.load(Ordering::Acquire) {
            return false;
        }
        // A stale `units` (from a newer generation) cannot matter: the
        // swap fails unless `state` is still the one read above.
        if SLOT
            .state
            .compare_exchange_weak(state, state + 1, Ordering::AcqRel, Ordering::Acquire)
            .is_err()
        {
            continue;
        }
        // A successful claim is of a published generation, whose job was
        // written before `state` published it (see the module's invariant),
        // so the job is there.
        #[allow(clippy::expect_used)]
        // SAFETY: the claimed unit belongs to the current generation, whose
        // owner waits for it (via `done`) before the job can go away.
        let job = unsafe { (*SLOT.job.get()).expect("a posted job") };
        // A panicking unit still counts as done, or the owner would wait
        // forever; the owner's `finish` reports it.
        // SAFETY: as above.
        let run = || unsafe { (*job)(next) };
        if catch {
            if std::panic::catch_unwind(std::panic::AssertUnwindSafe(run)).is_err() {
                SLOT.panicked.store(true, Ordering::Relaxed);
            }
        } else {
            struct Done;
            impl Drop for Done {
                fn drop(&mut self) {
                    SLOT.done.fetch_add(1, Ordering::Release);
                }
            }
            let _done = Done;
            run();
            return true;
        }
        SLOT.done.fetch_add(1, Ordering::Release);
        return true;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicU32;

    #[test]
    fn every_unit_runs_exactly_once() {
        super::super::threads::set_num_threads(2);
        // Wake the helper pool.
        super::super::threads::run_parts(2, &|_| {});
        for units in [0, 1, 7, 64, 1000] {
            let counts: Vec<AtomicU32> = (0..units).map(|_| AtomicU32::new(0)).collect();
            let job = |i: usize| {
                counts[i].fetch_add(1, Ordering::SeqCst);
            };
            let bg = Background::start(units, &job);
            // Meanwhile the pool still runs products.
            super::super::threads::run_parts(2, &|_| {});
            bg.finish();
            assert!(
                counts.iter().all(|c| c.load(Ordering::SeqCst) == 1),
                "{units} units"
            );
        }
        super::super::threads::set_num_threads(0);
    }

    #[test]
    fn a_dropped_job_is_completed() {
        let counts: Vec<AtomicU32> = (0..50).map(|_| AtomicU32::new(0)).collect();
        let job = |i: usize| {
            counts[i].fetch_add(1, Ordering::SeqCst);
        };
        drop(Background::start(50, &job));
        assert!(counts.iter().all(|c| c.load(Ordering::SeqCst) == 1));
    }

    /// Many short jobs back to back, so that helpers still polling the
    /// previous job meet the next one being posted: each unit must run once.
    #[test]
    fn many_short_jobs_run_each_unit_once() {
        super::super::threads::set_num_threads(2);
        super::super::threads::run_parts(2, &|_| {});
        for round in 0..200_000u32 {
            let units = 1 + (round % 3) as usize;
            let counts: Vec<AtomicU32> = (0..units).map(|_| AtomicU32::new(0)).collect();
            let job = |i: usize| {
                counts[i].fetch_add(1, Ordering::SeqCst);
            };
            Background::start(units, &job).finish();
            for (i, c) in counts.iter().enumerate() {
                assert_eq!(c.load(Ordering::SeqCst), 1, "round {round}, unit {i} of {units}");
            }
        }
        super::super::threads::set_num_threads(0);
    }
}
