//! The run's memory budget (`[limits] memory`): the columns the catalog
//! keeps, and the working memory kernels reserve, share it.
//!
//! Kept columns are a cache: least recently used first, they are evicted to
//! make room for a newer column or for a kernel's reservation, so a run
//! over tables larger than memory reads a column again rather than keeping
//! everything. A reservation waits while others hold the budget; one larger
//! than the whole budget runs alone, so the budget bounds how many big
//! kernels run at once, and a single column pair is never refused.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};

use arrow::array::{Array, ArrayRef};
use mltest_kernels::Summary;

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
    /// Reservations waiting, in the order they asked: first come, first
    /// served, so a big one is not starved by small ones that keep fitting.
    queue: VecDeque<u64>,
    next_ticket: u64,
    tick: u64,
    columns: HashMap<ColumnKey, Kept>,
    /// Summaries learned while kernels read columns: a few numbers each,
    /// kept for the run outside the budget.
    summaries: HashMap<ColumnKey, Summary>,
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
        while self
            .reserved
            .saturating_add(self.cached)
            .saturating_add(bytes)
            > limit
        {
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

    /// Whether a column of `bytes` is worth keeping: at most a sixteenth
    /// of the budget, so that many columns fit at once. Larger ones are
    /// streamed: passes over more columns than fit would evict each one
    /// before its next use, and reading it again costs the same decode
    /// without the copy.
    pub(crate) fn would_keep(&self, bytes: u64) -> bool {
        bytes <= self.limit / 16
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
        if state.columns.contains_key(&key) || state.reserved.saturating_add(bytes) > self.limit {
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

    /// A summary learned earlier in the run.
    pub(crate) fn summary(&self, key: ColumnKey) -> Option<Summary> {
        self.lock().summaries.get(&key).cloned()
    }

    pub(crate) fn learn_summary(&self, key: ColumnKey, summary: &Summary) {
        self.lock().summaries.insert(key, summary.clone());
    }

    /// Working memory for a kernel: waits until it fits beside the other
    /// reservations (kept columns are evicted for it), or runs alone when
    /// it is larger than the budget. Released when dropped.
    pub(crate) fn reserve(self: &Arc<Self>, bytes: u64) -> Reservation {
        let mut state = self.lock();
        let ticket = state.next_ticket;
        state.next_ticket += 1;
        state.queue.push_back(ticket);
        while state.queue.front() != Some(&ticket)
            || (state.holders > 0 && state.reserved.saturating_add(bytes) > self.limit)
        {
            state = self.freed.wait(state).unwrap_or_else(|p| p.into_inner());
        }
        state.queue.pop_front();
        state.make_room(self.limit, bytes.min(self.limit));
        state.reserved = state.reserved.saturating_add(bytes);
        state.holders += 1;
        drop(state);
        // The next in line may fit beside this one.
        self.freed.notify_all();
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
        state.reserved = state.reserved.saturating_sub(self.bytes);
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
        // Room for exactly 16 such columns, each the largest kept.
        let memory = Memory::new(one * 16);
        for i in 0..16 {
            memory.keep((0, i), &column(1000));
        }
        assert_eq!(memory.usage(), (0, 16 * one, 16));
        assert!(memory.get((0, 0)).is_some());
        // Column 1 is now the oldest: one more evicts it, and only it.
        memory.keep((0, 16), &column(1000));
        assert!(memory.get((0, 1)).is_none());
        assert!(memory.get((0, 0)).is_some() && memory.get((0, 16)).is_some());
        assert_eq!(memory.usage(), (0, 16 * one, 16));
    }

    #[test]
    fn a_column_larger_than_a_sixteenth_of_the_budget_is_not_kept() {
        let memory = Memory::new(column(1000).get_array_memory_size() as u64 * 15);
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
