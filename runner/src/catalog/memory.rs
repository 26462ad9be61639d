//! The run's memory budget (`[limits] memory`): the columns the catalog
//! keeps, and the working memory kernels reserve, share it.
//!
//! Kept columns are a cache: least recently used first, they are evicted to
//! make room for a newer column or for a kernel's reservation, so a run
//! over tables larger than memory reads a column again rather than keeping
//! everything. A reservation waits while others hold the budget; one larger
//! than the whole budget runs alone, so the budget bounds how many big
//! kernels run at once, and a single column pair is never refused.

use std::collections::HashMap;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};

use arrow::array::{Array, ArrayRef};

/// A kept column: (table serial, column index).
pub(crate) type ColumnKey = (usize, usize);

#[derive(Debug)]
pub(crate) struct Memory {
    limit: u64,
    state: Mutex<State>,
    freed: Condvar,
}

#[derive(Debug, Default)]
struct State {
    reserved: u64,
    cached: u64,
    /// Reservations being held.
    holders: usize,
    tick: u64,
    columns: HashMap<ColumnKey, Kept>,
}

#[derive(Debug)]
struct Kept {
    array: ArrayRef,
    bytes: u64,
    used: u64,
}

impl State {
    /// Evicts least recently used columns until `bytes` more fit.
    fn make_room(&mut self, limit: u64, bytes: u64) {
        while self.reserved + self.cached + bytes > limit {
            let Some(oldest) = self
                .columns
                .iter()
                .min_by_key(|(_, kept)| kept.used)
                .map(|(key, _)| *key)
            else {
                return;
            };
            if let Some(kept) = self.columns.remove(&oldest) {
                self.cached -= kept.bytes;
            }
        }
    }
}

impl Memory {
    pub(crate) fn new(limit: u64) -> Arc<Memory> {
        Arc::new(Memory {
            limit,
            state: Mutex::new(State::default()),
            freed: Condvar::new(),
        })
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Whether a column of `bytes` is worth keeping: one that fills more
    /// than half the budget would evict everything else for itself.
    pub(crate) fn would_keep(&self, bytes: u64) -> bool {
        bytes <= self.limit / 2
    }

    /// A kept column, marked as used now.
    pub(crate) fn get(&self, key: ColumnKey) -> Option<ArrayRef> {
        let mut state = self.lock();
        state.tick += 1;
        let tick = state.tick;
        state.columns.get_mut(&key).map(|kept| {
            kept.used = tick;
            kept.array.clone()
        })
    }

    /// Keeps a column if it is worth keeping, evicting older ones for it;
    /// never waits, and never evicts for a column that would not fit.
    pub(crate) fn keep(&self, key: ColumnKey, array: &ArrayRef) {
        let bytes = array.get_array_memory_size() as u64;
        if !self.would_keep(bytes) {
            return;
        }
        let mut state = self.lock();
        if state.columns.contains_key(&key) || state.reserved + bytes > self.limit {
            return;
        }
        state.make_room(self.limit, bytes);
        state.tick += 1;
        let used = state.tick;
        state.cached += bytes;
        state.columns.insert(
            key,
            Kept {
                array: array.clone(),
                bytes,
                used,
            },
        );
    }

    /// Working memory for a kernel: waits until it fits beside the other
    /// reservations (kept columns are evicted for it), or runs alone when
    /// it is larger than the budget. Released when dropped.
    pub(crate) fn reserve(self: &Arc<Self>, bytes: u64) -> Reservation {
        let mut state = self.lock();
        while state.holders > 0 && state.reserved + bytes > self.limit {
            state = self.freed.wait(state).unwrap_or_else(|p| p.into_inner());
        }
        state.make_room(self.limit, bytes.min(self.limit));
        state.reserved += bytes;
        state.holders += 1;
        Reservation {
            memory: self.clone(),
            bytes,
        }
    }

    #[cfg(test)]
    fn usage(&self) -> (u64, u64, usize) {
        let state = self.lock();
        (state.reserved, state.cached, state.columns.len())
    }
}

/// Reserved working memory, given back on drop.
#[derive(Debug)]
pub(crate) struct Reservation {
    memory: Arc<Memory>,
    bytes: u64,
}

impl Drop for Reservation {
    fn drop(&mut self) {
        let mut state = self.memory.lock();
        state.reserved -= self.bytes;
        state.holders -= 1;
        drop(state);
        self.memory.freed.notify_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::Float64Array;
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::time::Duration;

    fn column(rows: usize) -> ArrayRef {
        Arc::new(Float64Array::from(vec![1.0; rows]))
    }

    #[test]
    fn kept_columns_are_evicted_least_recently_used_first() {
        let one = column(1000).get_array_memory_size() as u64;
        let memory = Memory::new(one * 2 + one / 2);
        memory.keep((0, 0), &column(1000));
        memory.keep((0, 1), &column(1000));
        assert!(memory.get((0, 0)).is_some());
        // Column 1 is now the oldest: the third evicts it.
        memory.keep((0, 2), &column(1000));
        assert!(memory.get((0, 1)).is_none());
        assert!(memory.get((0, 0)).is_some() && memory.get((0, 2)).is_some());
        assert_eq!(memory.usage().1, 2 * one);
    }

    #[test]
    fn a_column_larger_than_half_the_budget_is_not_kept() {
        let memory = Memory::new(100);
        memory.keep((0, 0), &column(1000));
        assert_eq!(memory.usage(), (0, 0, 0));
    }

    #[test]
    fn reservations_evict_columns_and_wait_for_each_other() {
        let one = column(1000).get_array_memory_size() as u64;
        let memory = Memory::new(one * 2);
        memory.keep((0, 0), &column(1000));
        let first = memory.reserve(one * 2);
        // The kept column made way for the reservation.
        assert_eq!(memory.usage(), (one * 2, 0, 0));
        let waited = Arc::new(AtomicU64::new(0));
        let handle = {
            let (memory, waited) = (memory.clone(), waited.clone());
            std::thread::spawn(move || {
                let _second = memory.reserve(one);
                waited.store(1, Ordering::SeqCst);
            })
        };
        std::thread::sleep(Duration::from_millis(100));
        assert_eq!(waited.load(Ordering::SeqCst), 0, "the second did not wait");
        drop(first);
        handle.join().unwrap();
        assert_eq!(waited.load(Ordering::SeqCst), 1);
        assert_eq!(memory.usage().0, 0);
    }

    #[test]
    fn a_reservation_larger_than_the_budget_runs_alone() {
        let memory = Memory::new(10);
        let big = memory.reserve(1000);
        assert_eq!(memory.usage().0, 1000);
        drop(big);
        let _again = memory.reserve(1000);
    }
}
