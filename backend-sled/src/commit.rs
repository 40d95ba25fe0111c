//! Group commit: the flush before acknowledging a write, shared by the
//! writers that wait for it.
//!
//! A writer takes a ticket once its write is applied, then waits until a
//! flush that *began after* its ticket was taken has finished. Flushes
//! run one at a time, each covering every ticket taken before it began,
//! so the writers that arrive while one runs are all covered by the next.
//! A write is thus never acknowledged before a flush that covers it, and
//! a crowd of writers pays for one flush per round instead of one each.
//!
//! Who flushes: a writer alone (no flush running, no other ticket
//! waiting, the flusher asleep) flushes on its own thread, sparing the
//! two thread switches of a hand-off to the flusher and back. Every other
//! flush runs on a thread of its own, the flusher: the writers that
//! arrive while a flush runs wait for the flusher's next one, and a
//! writer's own flush wakes the flusher when it ends should tickets wait.
//!
//! The flusher never waits for a crowd: it starts the next flush as soon
//! as the last one ends and a ticket waits, so the disk is never idle
//! while a write waits for it. Measured on a 2-core machine with a
//! virtual disk (`SLED_BENCH_PROFILE=durable16` of the `sled` bench),
//! this beats gathering the writers released by a flush before starting
//! the next (waiting for them up to a fraction of a flush) with 2, 4 and
//! 16 writers, and equals it with 64: a writer's wake-up and write take
//! about as long as the fixed cost of a flush, so waiting for a crowd
//! costs more than the extra flush it saves.
//!
//! A writer waits either on a thread ([`GroupCommit::wait_durable`], the
//! engine's `sync`) or as a future ([`GroupCommit::durable`], what the
//! backend awaits after an item write): the future holds no thread while
//! it waits for the flusher. A task that flushes alone does so inside
//! `block_in_place` on a multi-thread runtime's worker (the worker's other
//! tasks move to another thread meanwhile), and never on a current-thread
//! runtime (its tasks always wait for the flusher), so the writers of a
//! tokio runtime never stall its other tasks on the disk. The flusher
//! sleeps while no ticket waits; a writer wakes it only then, and is woken
//! itself only by the flush that covers its ticket.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::task::{Poll, Waker};
use std::thread::JoinHandle;

use dynamodb_mapper::Error;

/// The state of the flushes, under [`Shared`]'s mutex.
#[derive(Debug, Default)]
struct Rounds {
    /// Tickets handed out: one per write waiting to be durable.
    issued: u64,
    /// Every ticket up to this one is durable.
    durable: u64,
    /// Every ticket up to this one was covered by a finished flush (that
    /// succeeded or failed).
    covered: u64,
    /// Flushes run (each covering one or more tickets).
    flushes: u64,
    /// The flusher sleeps, waiting for tickets.
    idle: bool,
    /// A flush is running (the flusher's or a lone writer's): flushes
    /// run one at a time.
    flushing: bool,
    /// The store is closing: the flusher finishes the flushes owed and stops.
    closing: bool,
    /// The tasks waiting (see [`GroupCommit::durable`]), each with its
    /// ticket, woken by the flush that covers it.
    wakers: Vec<(u64, Waker)>,
    /// The last flush that failed: the tickets it covered, `(from, to]`,
    /// and its error (each writer it covered gets a copy).
    failed: Option<(u64, u64, Failure)>,
}

impl Rounds {
    /// Claims the next flush, covering every ticket taken so far: the
    /// tickets `(from, to]`.
    fn claim(&mut self) -> (u64, u64) {
        self.flushing = true;
        (self.covered, self.issued)
    }
}

/// A failed flush's error, kept to give each writer it covered a copy.
#[derive(Clone, Debug)]
struct Failure {
    corrupt: bool,
    message: String,
}

impl Failure {
    fn of(e: &Error) -> Self {
        match e {
            Error::Corrupt { message } => Failure {
                corrupt: true,
                message: message.clone(),
            },
            e => Failure {
                corrupt: false,
                message: e.to_string(),
            },
        }
    }

    fn error(&self) -> Error {
        if self.corrupt {
            Error::Corrupt {
                message: self.message.clone(),
            }
        } else {
            Error::Backend {
                message: self.message.clone(),
                source: None,
            }
        }
    }
}

/// How many writes waited to be durable, and how many flushes made them so.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CommitFigures {
    /// Writes that waited for a flush before being acknowledged.
    pub writes: u64,
    /// Flushes run for them: `writes / flushes` is how many writes a
    /// flush covered on average.
    pub flushes: u64,
}

/// What the writers and the flusher share.
#[derive(Debug, Default)]
struct Shared {
    rounds: Mutex<Rounds>,
    /// The flusher waits here for a ticket.
    work: Condvar,
    /// Writers waiting on a thread wait here for a flush to finish.
    finished: Condvar,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Rounds> {
        self.rounds.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Runs the flush claimed with [`Rounds::claim`], covering the
    /// tickets `(from, to]`, then records it and wakes the writers it
    /// covered (and the flusher, should tickets wait); returns the lock
    /// again.
    fn flush_round(
        &self,
        (from, to): (u64, u64),
        flush: &dyn Fn() -> Result<(), Error>,
    ) -> MutexGuard<'_, Rounds> {
        // A panic here would leave every writer waiting forever.
        let result = catch_unwind(AssertUnwindSafe(flush)).unwrap_or_else(|_| {
            Err(Error::Backend {
                message: "the flush of the store panicked".to_owned(),
                source: None,
            })
        });
        let mut rounds = self.lock();
        rounds.flushing = false;
        rounds.flushes += 1;
        rounds.covered = to;
        match &result {
            Ok(()) => rounds.durable = rounds.durable.max(to),
            Err(e) => rounds.failed = Some((from, to, Failure::of(e))),
        }
        let woken: Vec<_> = if rounds.wakers.is_empty() {
            Vec::new()
        } else {
            let (woken, waiting): (Vec<_>, Vec<_>) = std::mem::take(&mut rounds.wakers)
                .into_iter()
                .partition(|(ticket, _)| *ticket <= to);
            rounds.wakers = waiting;
            woken
        };
        // The flusher sleeps while a writer's flush runs: tickets that
        // came meanwhile (or the store closing) are its to handle now.
        let wake_flusher = rounds.idle && (rounds.issued > rounds.covered || rounds.closing);
        if wake_flusher {
            rounds.idle = false;
        }
        drop(rounds);
        if wake_flusher {
            self.work.notify_one();
        }
        self.finished.notify_all();
        for (_, w) in woken {
            w.wake();
        }
        self.lock()
    }

    /// The flusher: while tickets wait and no flush runs, runs the next
    /// flush, covering every ticket taken before it began, and wakes the
    /// writers it covered; sleeps when none waits; stops once the store
    /// is closing and no ticket is owed a flush.
    fn run(&self, flush: &dyn Fn() -> Result<(), Error>) {
        let mut rounds = self.lock();
        loop {
            let waiting = rounds.issued - rounds.covered;
            if waiting > 0 && !rounds.flushing {
                let claim = rounds.claim();
                drop(rounds);
                rounds = self.flush_round(claim, flush);
                continue;
            }
            if waiting == 0 && rounds.closing {
                return;
            }
            // Tickets wait while a lone writer's flush runs: it wakes the
            // flusher when done.
            rounds.idle = true;
            rounds = self.work.wait(rounds).unwrap_or_else(|e| e.into_inner());
            rounds.idle = false;
        }
    }
}

/// The flush of the store, shared by the flusher and lone writers.
type Flush = Arc<dyn Fn() -> Result<(), Error> + Send + Sync>;

/// Flushes shared by the writers waiting for them, run by a flusher
/// thread or by a lone writer (see the module). Dropping it lets the
/// flusher finish the flushes owed, then joins it.
pub(crate) struct GroupCommit {
    shared: Arc<Shared>,
    flush: Flush,
    flusher: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for GroupCommit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GroupCommit")
            .field("shared", &self.shared)
            .finish_non_exhaustive()
    }
}

impl GroupCommit {
    /// Starts the flusher, which makes the writes durable with `flush`.
    pub(crate) fn start(
        flush: impl Fn() -> Result<(), Error> + Send + Sync + 'static,
    ) -> Result<Self, Error> {
        let shared = Arc::new(Shared::default());
        let flush: Flush = Arc::new(flush);
        let flusher = {
            let (shared, flush) = (shared.clone(), flush.clone());
            std::thread::Builder::new()
                .name("sled-group-commit".to_owned())
                .spawn(move || shared.run(&*flush))
                .map_err(|e| Error::backend("cannot start the store's flusher thread", e))?
        };
        Ok(GroupCommit {
            shared,
            flush,
            flusher: Some(flusher),
        })
    }

    /// The writes and flushes so far.
    pub(crate) fn figures(&self) -> CommitFigures {
        let rounds = self.shared.lock();
        CommitFigures {
            writes: rounds.issued,
            flushes: rounds.flushes,
        }
    }

    /// Takes the ticket of a writer whose write is applied, waking the
    /// flusher if it sleeps and the tickets it waits for are there.
    #[cfg(test)]
    fn ticket(&self) -> u64 {
        match self.ticket_or_flush(false) {
            Ok(ticket) => ticket,
            Err(_) => unreachable!("a ticket taken without its own flush"),
        }
    }

    /// Takes a writer's ticket; with `alone`, when no flush runs, no other
    /// ticket waits and the flusher sleeps, the writer flushes itself:
    /// `Err` is the flush it claimed.
    fn ticket_or_flush(&self, alone: bool) -> Result<u64, (u64, u64)> {
        let mut rounds = self.shared.lock();
        rounds.issued += 1;
        let ticket = rounds.issued;
        if alone
            && rounds.idle
            && !rounds.flushing
            && !rounds.closing
            && rounds.issued - rounds.covered == 1
        {
            return Err(rounds.claim());
        }
        // While a lone writer's flush runs, the flusher is woken by it.
        let wake = rounds.idle && !rounds.flushing;
        if wake {
            rounds.idle = false;
        }
        drop(rounds);
        if wake {
            self.shared.work.notify_one();
        }
        Ok(ticket)
    }

    /// A lone writer's flush, on its own thread: covers its ticket (the
    /// last taken) and every one before.
    fn flush_alone(&self, claim: (u64, u64)) -> Result<(), Error> {
        let ticket = claim.1;
        let rounds = self.shared.flush_round(claim, &*self.flush);
        Self::outcome(&rounds, ticket).unwrap_or_else(|| {
            Err(Error::Backend {
                message: "a flush did not cover its writer".to_owned(),
                source: None,
            })
        })
    }

    /// The answer of a ticket's wait, once its flush has finished.
    fn outcome(rounds: &Rounds, ticket: u64) -> Option<Result<(), Error>> {
        if rounds.durable >= ticket {
            return Some(Ok(()));
        }
        match &rounds.failed {
            Some((from, to, failure)) if *from < ticket && ticket <= *to => {
                Some(Err(failure.error()))
            }
            _ => None,
        }
    }

    /// Returns once every write applied before this call is durable:
    /// after a flush that began after this call began, or with the error
    /// of that flush. Blocks the thread.
    pub(crate) fn wait_durable(&self) -> Result<(), Error> {
        let ticket = match self.ticket_or_flush(true) {
            Ok(ticket) => ticket,
            Err(claim) => return self.flush_alone(claim),
        };
        let mut rounds = self.shared.lock();
        loop {
            if let Some(outcome) = Self::outcome(&rounds, ticket) {
                return outcome;
            }
            rounds = self
                .shared
                .finished
                .wait(rounds)
                .unwrap_or_else(|e| e.into_inner());
        }
    }

    /// [`wait_durable`](Self::wait_durable) as a future: it covers the
    /// writes applied before its first poll, and waits without holding a
    /// thread (woken by the flush that covers it).
    pub(crate) async fn durable(&self) -> Result<(), Error> {
        // On a worker of a multi-thread runtime, a lone writer's flush
        // hands the worker's other tasks to another thread meanwhile
        // (`block_in_place`; outside a worker, it just runs). A
        // current-thread runtime has no other thread: its writers always
        // wait for the flusher.
        let in_place = tokio::runtime::Handle::try_current()
            .is_ok_and(|h| h.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread);
        let ticket = match self.ticket_or_flush(in_place) {
            Ok(ticket) => ticket,
            Err(claim) => return tokio::task::block_in_place(|| self.flush_alone(claim)),
        };
        std::future::poll_fn(|cx| {
            let mut rounds = self.shared.lock();
            if let Some(outcome) = Self::outcome(&rounds, ticket) {
                return Poll::Ready(outcome);
            }
            match rounds.wakers.iter_mut().find(|(t, _)| *t == ticket) {
                Some((_, w)) if w.will_wake(cx.waker()) => {}
                Some((_, w)) => w.clone_from(cx.waker()),
                None => rounds.wakers.push((ticket, cx.waker().clone())),
            }
            Poll::Pending
        })
        .await
    }
}

impl Drop for GroupCommit {
    fn drop(&mut self) {
        self.shared.lock().closing = true;
        self.shared.work.notify_one();
        if let Some(flusher) = self.flusher.take() {
            let _ = flusher.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
    use tokio::runtime::RuntimeFlavor;

    /// A "store": writes bump `applied`; a flush copies it to `flushed`
    /// after a pause.
    #[derive(Clone, Default)]
    struct Store {
        applied: Arc<AtomicU64>,
        flushed: Arc<AtomicU64>,
        flushes: Arc<AtomicU64>,
    }

    impl Store {
        fn commit(&self, pause: std::time::Duration) -> GroupCommit {
            let store = self.clone();
            GroupCommit::start(move || {
                let upto = store.applied.load(Ordering::SeqCst);
                std::thread::sleep(pause);
                store.flushed.fetch_max(upto, Ordering::SeqCst);
                store.flushes.fetch_add(1, Ordering::SeqCst);
                Ok(())
            })
            .unwrap()
        }

        /// Applies a write: its number.
        fn write(&self) -> u64 {
            self.applied.fetch_add(1, Ordering::SeqCst) + 1
        }

        fn assert_durable(&self, write: u64) {
            assert!(
                self.flushed.load(Ordering::SeqCst) >= write,
                "write {write} acknowledged before it was flushed"
            );
        }

        /// A writer on a thread of its own: `writes` writes, each waited
        /// for and checked durable.
        fn writer(&self, commit: &Arc<GroupCommit>, writes: usize) -> std::thread::JoinHandle<()> {
            let (commit, store) = (commit.clone(), self.clone());
            std::thread::spawn(move || {
                for _ in 0..writes {
                    let w = store.write();
                    commit.wait_durable().unwrap();
                    store.assert_durable(w);
                }
            })
        }
    }

    #[test]
    fn a_writer_alone_flushes_once_per_write() {
        let store = Store::default();
        let commit = store.commit(std::time::Duration::ZERO);
        for _ in 0..3 {
            let w = store.write();
            commit.wait_durable().unwrap();
            store.assert_durable(w);
        }
        assert_eq!(store.flushes.load(Ordering::SeqCst), 3);
        assert_eq!(
            commit.figures(),
            CommitFigures {
                writes: 3,
                flushes: 3
            }
        );
    }

    /// A store whose flushes note the thread they ran on.
    fn noting_threads() -> (GroupCommit, Arc<Mutex<Vec<std::thread::ThreadId>>>) {
        let threads = Arc::new(Mutex::new(Vec::new()));
        let commit = {
            let threads = threads.clone();
            GroupCommit::start(move || {
                threads.lock().unwrap().push(std::thread::current().id());
                Ok(())
            })
            .unwrap()
        };
        (commit, threads)
    }

    /// Waits until the flusher sleeps.
    fn settle(commit: &GroupCommit) {
        while !commit.shared.lock().idle {
            std::thread::yield_now();
        }
    }

    #[test]
    fn a_writer_alone_flushes_on_its_own_thread() {
        let (commit, threads) = noting_threads();
        settle(&commit);
        for _ in 0..3 {
            commit.wait_durable().unwrap();
        }
        let me = std::thread::current().id();
        assert_eq!(*threads.lock().unwrap(), vec![me; 3]);
    }

    #[test]
    fn a_task_alone_flushes_in_place_on_a_multi_thread_runtime_only() {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .build()
            .unwrap();
        let (commit, threads) = noting_threads();
        let commit = Arc::new(commit);
        settle(&commit);
        let on = rt.block_on({
            let commit = commit.clone();
            rt.spawn(async move {
                commit.durable().await.unwrap();
                std::thread::current().id()
            })
        });
        assert_eq!(*threads.lock().unwrap(), vec![on.unwrap()]);
        // A current-thread runtime's task waits for the flusher.
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        settle(&commit);
        rt.block_on(commit.durable()).unwrap();
        let threads = threads.lock().unwrap();
        assert_eq!(threads.len(), 2);
        assert_ne!(threads[1], std::thread::current().id());
    }

    #[test]
    fn writers_that_pile_up_on_a_lone_writers_flush_share_the_flushers_next() {
        let store = Store::default();
        let commit = Arc::new(store.commit(std::time::Duration::from_millis(20)));
        settle(&commit);
        let first = store.writer(&commit, 1);
        // The first writer's flush is running: 8 more pile up behind it.
        while !commit.shared.lock().flushing {
            std::thread::yield_now();
        }
        let crowd: Vec<_> = (0..8).map(|_| store.writer(&commit, 1)).collect();
        first.join().unwrap();
        for w in crowd {
            w.join().unwrap();
        }
        let flushes = store.flushes.load(Ordering::SeqCst);
        assert!(
            (2..=4).contains(&flushes),
            "{flushes} flushes for a lone writer and a crowd of 8"
        );
        assert_eq!(commit.figures().writes, 9);
    }

    #[test]
    fn each_write_waits_for_a_flush_that_began_after_it() {
        let store = Store::default();
        let commit = Arc::new(store.commit(std::time::Duration::from_millis(1)));
        let writers: Vec<_> = (0..8).map(|_| store.writer(&commit, 50)).collect();
        for w in writers {
            w.join().unwrap();
        }
        let flushes = store.flushes.load(Ordering::SeqCst);
        assert!((1..=400).contains(&flushes), "{flushes} flushes");
        assert_eq!(
            commit.figures(),
            CommitFigures {
                writes: 400,
                flushes
            }
        );
    }

    /// 16 tasks on two worker threads (or one), each writing then
    /// awaiting [`GroupCommit::durable`], with synchronous waiters among
    /// them on the runtime's blocking threads: no write acknowledged
    /// before a flush covered it, and flushes shared.
    fn tasks_share_flushes_and_wait_for_theirs(flavor: RuntimeFlavor) {
        let rt = match flavor {
            RuntimeFlavor::CurrentThread => tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap(),
            _ => tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .unwrap(),
        };
        let store = Store::default();
        let commit = Arc::new(store.commit(std::time::Duration::from_micros(300)));
        rt.block_on(async {
            let writers: Vec<_> = (0..16)
                .map(|w| {
                    let (commit, store) = (commit.clone(), store.clone());
                    tokio::spawn(async move {
                        for _ in 0..50 {
                            let mine = store.write();
                            if w % 4 == 0 {
                                let commit = commit.clone();
                                tokio::task::spawn_blocking(move || commit.wait_durable())
                                    .await
                                    .unwrap()
                                    .unwrap();
                            } else {
                                commit.durable().await.unwrap();
                            }
                            store.assert_durable(mine);
                        }
                    })
                })
                .collect();
            for w in writers {
                w.await.unwrap();
            }
        });
        let figures = commit.figures();
        assert_eq!(figures.writes, 800);
        assert!(
            figures.flushes < 800,
            "{} flushes for 800 writes: none shared",
            figures.flushes
        );
    }

    #[test]
    fn tasks_share_flushes_on_a_multi_thread_runtime() {
        tasks_share_flushes_and_wait_for_theirs(RuntimeFlavor::MultiThread);
    }

    #[test]
    fn tasks_share_flushes_on_a_current_thread_runtime() {
        tasks_share_flushes_and_wait_for_theirs(RuntimeFlavor::CurrentThread);
    }

    #[test]
    fn a_writer_that_stops_does_not_hold_back_the_others() {
        let store = Store::default();
        let commit = Arc::new(store.commit(std::time::Duration::from_millis(1)));
        // A crowd of 8 writes once each; then one writer goes on alone.
        let crowd: Vec<_> = (0..8).map(|_| store.writer(&commit, 1)).collect();
        for w in crowd {
            w.join().unwrap();
        }
        for _ in 0..20 {
            let w = store.write();
            commit.wait_durable().unwrap();
            store.assert_durable(w);
        }
        assert_eq!(commit.figures().writes, 28);
    }

    #[test]
    fn a_failed_flush_fails_the_writers_it_covered_and_the_next_one_retries() {
        let failing = Arc::new(AtomicBool::new(true));
        let commit = {
            let failing = failing.clone();
            GroupCommit::start(move || {
                if failing.swap(false, Ordering::SeqCst) {
                    return Err(Error::Corrupt {
                        message: "disk on fire".to_owned(),
                    });
                }
                Ok(())
            })
            .unwrap()
        };
        let err = commit.wait_durable().unwrap_err();
        assert!(matches!(err, Error::Corrupt { ref message } if message == "disk on fire"));
        commit.wait_durable().unwrap();
    }

    #[test]
    fn a_panicking_flush_fails_its_writers_and_the_flusher_goes_on() {
        let panicking = Arc::new(AtomicBool::new(true));
        let commit = {
            let panicking = panicking.clone();
            GroupCommit::start(move || {
                if panicking.swap(false, Ordering::SeqCst) {
                    panic!("flush exploded");
                }
                Ok(())
            })
            .unwrap()
        };
        let err = commit.wait_durable().unwrap_err();
        assert!(matches!(err, Error::Backend { .. }), "{err}");
        commit.wait_durable().unwrap();
    }

    #[test]
    fn dropping_it_runs_the_flush_owed_and_stops_the_flusher() {
        let store = Store::default();
        let commit = store.commit(std::time::Duration::from_millis(1));
        let w = store.write();
        // A ticket whose waiter went away: its flush still runs.
        commit.ticket();
        drop(commit);
        store.assert_durable(w);
    }
}
