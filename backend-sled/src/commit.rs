//! Group commit: the flush before acknowledging a write, shared by the
//! writers that wait for it.
//!
//! A writer takes a ticket once its write is applied, then waits until a
//! flush that *began after* its ticket was taken has finished. The flushes
//! run on a thread of their own, the flusher, one at a time: each covers
//! every ticket taken before it began, so the writers that arrive while
//! one runs are all covered by the next. A write is thus
//! never acknowledged before a flush that covers it, and a crowd of
//! writers pays for one flush per round instead of one each.
//!
//! After a flush, the flusher gathers the crowd before the next: it waits
//! for as many tickets as there were writers waiting when that flush
//! ended (those it released, back with their next write, and those that
//! arrived meanwhile), but at most half that flush's duration. A crowd of
//! writers thus shares one flush, instead of splitting into halves that
//! alternate (each flush covering only the writers that arrived during the
//! last); a writer alone never waits (its crowd is itself), and one that
//! does not come back delays the others by half a flush at most.
//!
//! A writer waits either on a thread ([`GroupCommit::wait_durable`], the
//! engine's `sync`) or as a future ([`GroupCommit::durable`], what the
//! backend awaits after an item write): the future holds no thread while
//! it waits, and no writer ever runs a flush itself, so the writers of a
//! tokio runtime never block its threads on the disk. The flusher sleeps
//! while no ticket waits; a writer wakes it only then, and is woken itself
//! only by the flush that covers its ticket.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::task::{Poll, Waker};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

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
    /// How many waiting tickets wake the flusher: one, or the crowd it
    /// gathers (see the module).
    wanted: u64,
    /// The store is closing: the flusher finishes the flushes owed and stops.
    closing: bool,
    /// The tasks waiting (see [`GroupCommit::durable`]), each with its
    /// ticket, woken by the flush that covers it.
    wakers: Vec<(u64, Waker)>,
    /// The last flush that failed: the tickets it covered, `(from, to]`,
    /// and its error (each writer it covered gets a copy).
    failed: Option<(u64, u64, Failure)>,
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

    /// The flusher: while tickets wait, gathers the crowd (see the
    /// module), runs the next flush, covering every ticket taken before
    /// it began, and wakes the writers it covered; sleeps when none
    /// waits; stops once the store is closing and no ticket is owed a
    /// flush.
    fn run(&self, flush: impl Fn() -> Result<(), Error>) {
        let mut rounds = self.lock();
        // The crowd to gather, and until when.
        let (mut crowd, mut gather_until) = (1, Instant::now());
        loop {
            let waiting = rounds.issued - rounds.covered;
            let now = Instant::now();
            // A writer alone (a crowd of one) is never waited for with a timer.
            let gathering = crowd > 1 && waiting < crowd && now < gather_until && !rounds.closing;
            if waiting > 0 && !gathering {
                let (from, to) = (rounds.covered, rounds.issued);
                drop(rounds);
                let began = Instant::now();
                // A panic here would leave every writer waiting forever.
                let result = catch_unwind(AssertUnwindSafe(&flush)).unwrap_or_else(|_| {
                    Err(Error::Backend {
                        message: "the flush of the store panicked".to_owned(),
                        source: None,
                    })
                });
                let took = began.elapsed();
                rounds = self.lock();
                rounds.flushes += 1;
                rounds.covered = to;
                match &result {
                    Ok(()) => rounds.durable = rounds.durable.max(to),
                    Err(e) => rounds.failed = Some((from, to, Failure::of(e))),
                }
                crowd = rounds.issued - from;
                gather_until = Instant::now() + took / 2;
                let (woken, waiting): (Vec<_>, Vec<_>) = std::mem::take(&mut rounds.wakers)
                    .into_iter()
                    .partition(|(ticket, _)| *ticket <= to);
                rounds.wakers = waiting;
                drop(rounds);
                self.finished.notify_all();
                for (_, w) in woken {
                    w.wake();
                }
                rounds = self.lock();
                continue;
            }
            if waiting == 0 && rounds.closing {
                return;
            }
            rounds.wanted = if gathering { crowd } else { 1 };
            rounds.idle = true;
            rounds = if gathering {
                let wait = gather_until
                    .saturating_duration_since(now)
                    .max(Duration::from_micros(1));
                self.work
                    .wait_timeout(rounds, wait)
                    .unwrap_or_else(|e| e.into_inner())
                    .0
            } else {
                self.work.wait(rounds).unwrap_or_else(|e| e.into_inner())
            };
            rounds.idle = false;
        }
    }
}

/// Flushes shared by the writers waiting for them, run by a flusher
/// thread (see the module). Dropping it lets the flusher finish the
/// flushes owed, then joins it.
#[derive(Debug)]
pub(crate) struct GroupCommit {
    shared: Arc<Shared>,
    flusher: Option<JoinHandle<()>>,
}

impl GroupCommit {
    /// Starts the flusher, which makes the writes durable with `flush`.
    pub(crate) fn start(
        flush: impl Fn() -> Result<(), Error> + Send + 'static,
    ) -> Result<Self, Error> {
        let shared = Arc::new(Shared::default());
        let flusher = {
            let shared = shared.clone();
            std::thread::Builder::new()
                .name("sled-group-commit".to_owned())
                .spawn(move || shared.run(flush))
                .map_err(|e| Error::backend("cannot start the store's flusher thread", e))?
        };
        Ok(GroupCommit {
            shared,
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
    fn ticket(&self) -> u64 {
        let mut rounds = self.shared.lock();
        rounds.issued += 1;
        let ticket = rounds.issued;
        let wake = rounds.idle && rounds.issued - rounds.covered >= rounds.wanted;
        if wake {
            rounds.idle = false;
        }
        drop(rounds);
        if wake {
            self.shared.work.notify_one();
        }
        ticket
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
        let ticket = self.ticket();
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
        let ticket = self.ticket();
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

    #[test]
    fn each_write_waits_for_a_flush_that_began_after_it() {
        let store = Store::default();
        let commit = Arc::new(store.commit(std::time::Duration::from_millis(1)));
        let writers: Vec<_> = (0..8)
            .map(|_| {
                let (commit, store) = (commit.clone(), store.clone());
                std::thread::spawn(move || {
                    for _ in 0..50 {
                        let w = store.write();
                        commit.wait_durable().unwrap();
                        store.assert_durable(w);
                    }
                })
            })
            .collect();
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
        let crowd: Vec<_> = (0..8)
            .map(|_| {
                let (commit, store) = (commit.clone(), store.clone());
                std::thread::spawn(move || {
                    let w = store.write();
                    commit.wait_durable().unwrap();
                    store.assert_durable(w);
                })
            })
            .collect();
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
