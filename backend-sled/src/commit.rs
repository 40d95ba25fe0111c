//! Group commit: the flush before acknowledging a write, shared by the
//! writers that wait for it.
//!
//! A writer takes a ticket once its write is applied, then waits until a
//! flush that *began after* its ticket was taken has finished. One flush
//! runs at a time; the writers that arrive while it runs are all covered
//! by the next one, which the first of them to wake starts. A write is
//! thus never acknowledged before a flush that covers it, and a crowd of
//! writers pays for one flush per round instead of one each.
//!
//! A writer waits either on a thread ([`GroupCommit::wait_durable`], the
//! engine's `sync`) or as a future ([`GroupCommit::durable`], what the
//! backend awaits after an item write on a multi-thread runtime): a task
//! waiting for another's flush then holds no thread, so that the writers
//! of a round cost one blocked thread (the leader's), not one each.

use std::sync::{Condvar, Mutex, MutexGuard};
use std::task::{Poll, Waker};

use tokio::runtime::RuntimeFlavor;

use dynamodb_mapper::Error;

/// The state of the flushes, under [`GroupCommit`]'s mutex.
#[derive(Debug, Default)]
struct Rounds {
    /// Tickets handed out: one per write waiting to be durable.
    issued: u64,
    /// Every ticket up to this one is durable.
    durable: u64,
    /// A flush is running.
    flushing: bool,
    /// Flushes run (each covering one or more tickets).
    flushes: u64,
    /// The tasks waiting for the flush that runs (see
    /// [`GroupCommit::durable`]), woken when it finishes.
    wakers: Vec<Waker>,
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

/// Flushes shared by the writers waiting for them (see the module).
#[derive(Debug, Default)]
pub(crate) struct GroupCommit {
    rounds: Mutex<Rounds>,
    finished: Condvar,
}

impl GroupCommit {
    fn lock(&self) -> MutexGuard<'_, Rounds> {
        self.rounds.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The writes and flushes so far.
    pub(crate) fn figures(&self) -> CommitFigures {
        let rounds = self.lock();
        CommitFigures {
            writes: rounds.issued,
            flushes: rounds.flushes,
        }
    }

    /// Takes the ticket of a writer whose write is applied.
    fn ticket(&self) -> u64 {
        let mut rounds = self.lock();
        rounds.issued += 1;
        rounds.issued
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

    /// Runs the next flush, which covers every ticket issued so far (each
    /// taken after its write was applied), then wakes every waiter.
    fn lead(&self, mut rounds: MutexGuard<'_, Rounds>, flush: impl FnOnce() -> Result<(), Error>) {
        rounds.flushing = true;
        let (from, to) = (rounds.durable, rounds.issued);
        drop(rounds);
        let result = flush();
        let mut rounds = self.lock();
        rounds.flushing = false;
        rounds.flushes += 1;
        match &result {
            Ok(()) => rounds.durable = rounds.durable.max(to),
            Err(e) => rounds.failed = Some((from, to, Failure::of(e))),
        }
        let wakers = std::mem::take(&mut rounds.wakers);
        drop(rounds);
        self.finished.notify_all();
        for w in wakers {
            w.wake();
        }
    }

    /// Returns once every write applied before this call is durable:
    /// after a `flush` that began after this call began (run here, or by
    /// another writer), or with the error of that flush.
    pub(crate) fn wait_durable(&self, flush: impl Fn() -> Result<(), Error>) -> Result<(), Error> {
        let ticket = self.ticket();
        let mut rounds = self.lock();
        loop {
            if let Some(outcome) = Self::outcome(&rounds, ticket) {
                return outcome;
            }
            if rounds.flushing {
                rounds = self
                    .finished
                    .wait(rounds)
                    .unwrap_or_else(|e| e.into_inner());
                continue;
            }
            self.lead(rounds, &flush);
            rounds = self.lock();
        }
    }

    /// [`wait_durable`](Self::wait_durable) as a future: it covers the
    /// writes applied before its first poll, and while another writer's
    /// flush runs it waits without holding a thread. A flush it leads
    /// blocks in place (`block_in_place`) on a multi-thread tokio runtime,
    /// so that the thread's other tasks move on, and runs inline anywhere
    /// else.
    pub(crate) async fn durable(
        &self,
        flush: impl Fn() -> Result<(), Error> + Sync,
    ) -> Result<(), Error> {
        let ticket = self.ticket();
        std::future::poll_fn(|cx| {
            loop {
                let mut rounds = self.lock();
                if let Some(outcome) = Self::outcome(&rounds, ticket) {
                    return Poll::Ready(outcome);
                }
                if rounds.flushing {
                    if !rounds.wakers.iter().any(|w| w.will_wake(cx.waker())) {
                        rounds.wakers.push(cx.waker().clone());
                    }
                    return Poll::Pending;
                }
                match tokio::runtime::Handle::try_current() {
                    Ok(h) if h.runtime_flavor() == RuntimeFlavor::MultiThread => {
                        tokio::task::block_in_place(|| self.lead(rounds, &flush));
                    }
                    _ => self.lead(rounds, &flush),
                }
            }
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicU64, Ordering};

    #[test]
    fn a_writer_alone_flushes_once_per_write() {
        let commit = GroupCommit::default();
        let flushes = AtomicU64::new(0);
        for _ in 0..3 {
            commit
                .wait_durable(|| {
                    flushes.fetch_add(1, Ordering::SeqCst);
                    Ok(())
                })
                .unwrap();
        }
        assert_eq!(flushes.load(Ordering::SeqCst), 3);
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
        // A "store": writes bump `applied`; a flush copies it to `flushed`.
        let commit = Arc::new(GroupCommit::default());
        let applied = Arc::new(AtomicU64::new(0));
        let flushed = Arc::new(AtomicU64::new(0));
        let flushes = Arc::new(AtomicU64::new(0));
        let writers: Vec<_> = (0..8)
            .map(|_| {
                let (commit, applied, flushed, flushes) = (
                    commit.clone(),
                    applied.clone(),
                    flushed.clone(),
                    flushes.clone(),
                );
                std::thread::spawn(move || {
                    for _ in 0..50 {
                        let mine = applied.fetch_add(1, Ordering::SeqCst) + 1;
                        commit
                            .wait_durable(|| {
                                let upto = applied.load(Ordering::SeqCst);
                                std::thread::sleep(std::time::Duration::from_millis(1));
                                flushed.fetch_max(upto, Ordering::SeqCst);
                                flushes.fetch_add(1, Ordering::SeqCst);
                                Ok(())
                            })
                            .unwrap();
                        assert!(
                            flushed.load(Ordering::SeqCst) >= mine,
                            "write {mine} acknowledged before it was flushed"
                        );
                    }
                })
            })
            .collect();
        for w in writers {
            w.join().unwrap();
        }
        let flushes = flushes.load(Ordering::SeqCst);
        assert!((1..=400).contains(&flushes), "{flushes} flushes");
        assert_eq!(
            commit.figures(),
            CommitFigures {
                writes: 400,
                flushes
            }
        );
    }

    /// 16 tasks on two worker threads, each writing (bumping `applied`)
    /// then awaiting [`GroupCommit::durable`] (a flush copies `applied`
    /// to `flushed`), with synchronous waiters among them on the
    /// flavor's blocking threads: no write acknowledged before a flush
    /// covered it, and flushes shared.
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
        let commit = Arc::new(GroupCommit::default());
        let applied = Arc::new(AtomicU64::new(0));
        let flushed = Arc::new(AtomicU64::new(0));
        let flush = {
            let (applied, flushed) = (applied.clone(), flushed.clone());
            move || {
                let upto = applied.load(Ordering::SeqCst);
                std::thread::sleep(std::time::Duration::from_micros(300));
                flushed.fetch_max(upto, Ordering::SeqCst);
                Ok(())
            }
        };
        rt.block_on(async {
            let writers: Vec<_> = (0..16)
                .map(|w| {
                    let (commit, applied, flushed, flush) = (
                        commit.clone(),
                        applied.clone(),
                        flushed.clone(),
                        flush.clone(),
                    );
                    tokio::spawn(async move {
                        for _ in 0..50 {
                            let mine = applied.fetch_add(1, Ordering::SeqCst) + 1;
                            if w % 4 == 0 {
                                let (commit, flush) = (commit.clone(), flush.clone());
                                tokio::task::spawn_blocking(move || commit.wait_durable(flush))
                                    .await
                                    .unwrap()
                                    .unwrap();
                            } else {
                                commit.durable(&flush).await.unwrap();
                            }
                            assert!(
                                flushed.load(Ordering::SeqCst) >= mine,
                                "write {mine} acknowledged before it was flushed"
                            );
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
    fn a_failed_flush_fails_the_writers_it_covered_and_the_next_one_retries() {
        let commit = GroupCommit::default();
        let err = commit
            .wait_durable(|| {
                Err(Error::Corrupt {
                    message: "disk on fire".to_owned(),
                })
            })
            .unwrap_err();
        assert!(matches!(err, Error::Corrupt { ref message } if message == "disk on fire"));
        commit.wait_durable(|| Ok(())).unwrap();
    }
}
