//! The sled backend of `dynamodb-mapper`: a DynamoDB emulator whose data is
//! kept on disk with sled, surviving restarts. The default store of the
//! examples: nothing to install.
//!
//! It is the same emulation engine as the in-memory backend
//! ([`dynamodb_mapper::emulator`]), with the bytes kept in one sled tree:
//! table records, items and index entries under order-preserving keys, so
//! a query is a range scan of sled, never a full read and sort. Every write
//! (a transaction with its index entries included) is one sled batch,
//! applied atomically: after a crash each is wholly present or wholly
//! absent, and no index entry exists without its item.
//!
//! # Durability
//!
//! [`Durability::EveryWrite`] (the default) flushes sled to disk before a
//! write is acknowledged: an acknowledged write survives a crash. Writers
//! share flushes (group commit): the writers that arrive while a flush
//! runs are all made durable by the next one, and each is acknowledged
//! only after a flush that began after its write was applied. The flushes
//! run one at a time: a writer alone flushes on its own thread, a crowd's
//! flushes run on a thread of the store's own.
//! On a multi-thread tokio runtime an item write is applied on the task's
//! thread and its flush awaited: a writer waiting for its flush holds no
//! thread. On a current-thread runtime, writes run on tokio's blocking
//! threads.
//! [`Durability::Interval`] flushes in the background at that interval:
//! faster writes, and a crash loses at most the writes of the last interval
//! (never part of one).
//!
//! # Damage and recovery
//!
//! What sled 0.34 guarantees after a crash: its log is made of messages,
//! each with a CRC-32 checksum, and a batch is written with a manifest, so
//! on reopening sled replays the log up to the first message that is torn
//! or fails its checksum and discards everything after it. A crash thus
//! loses at most the writes not yet flushed (none that were acknowledged
//! under [`Durability::EveryWrite`]), and never part of a batch.
//!
//! What it cannot do: the same rule applies to damage in the middle of the
//! log (a flipped bit, a truncated file, a file from another store): sled
//! silently discards every write after that point, as after a crash. sled
//! keeps one copy of the data and no way to repair it; damage it does
//! notice (a bad snapshot file, unreadable segments) is an error or, in
//! 0.34, sometimes a panic inside sled.
//!
//! What this crate adds: a panic inside sled becomes [`Error::Corrupt`],
//! and opening a store checks, before any request is served, its format
//! version, every table record (each field; ids unique and in range),
//! every item (it decodes, has its key attributes, is stored under its
//! key), each index's entry count against the items that belong in it,
//! each entry pointing into its table, and no entries of an index the
//! table does not have. Every item read later is decoded and checked for
//! its key attributes again, and an index entry without its item is an
//! error, not a silently shorter page.
//! A store failing a check is refused with [`Error::Corrupt`] naming the
//! table, the record or key and the check; a read that meets a damaged
//! value says the same. No byte sequence makes the library panic.
//!
//! What cannot be detected: writes lost *consistently* (sled discarding a
//! whole tail of its log, with items and their index entries together)
//! leave a store that passes every check, only older; and a flip inside a
//! value that still decodes (a string's letter) is read as stored. There
//! is no repair: keep backups (copy the directory while no process has it
//! open, or export the tables with a scan) and restore from them.
//!
//! ```
//! use dynamodb_mapper::backend::{Backend, GetItem, PutItem};
//! use dynamodb_mapper::{Item, KeySchema, ScalarType, TableDefinition};
//! use dynamodb_mapper_sled::SledBackend;
//!
//! # tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap().block_on(async {
//! let dir = tempfile::tempdir().unwrap();
//! {
//!     let store = SledBackend::open(dir.path())?;
//!     store.create_table(TableDefinition::new("users", KeySchema::hash("id", ScalarType::S))).await?;
//!     store.put_item(PutItem::new("users", Item::new().with("id", "alice"))).await?;
//! }
//! // Reopened: the table and the item are still there.
//! let store = SledBackend::open(dir.path())?;
//! let got = store.get_item(GetItem::new("users", Item::new().with("id", "alice"))).await?;
//! assert!(got.item.is_some());
//! # Ok::<(), dynamodb_mapper::Error>(())
//! # }).unwrap();
//! ```

mod commit;
mod guard;

pub use commit::CommitFigures;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use dynamodb_mapper::backend::{Backend, Layered};
use dynamodb_mapper::emulator::{Emulator, EmulatorBackend, Pairs, Storage, SyncFuture, Writes};
use dynamodb_mapper::emulator_backend;
use dynamodb_mapper::layers::{Pacer, Traced};
use dynamodb_mapper::{Error, Timestamp};

/// When writes reach the disk.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Durability {
    /// Flush before acknowledging each write (the default); concurrent
    /// writers share flushes.
    EveryWrite,
    /// Flush in the background at this interval.
    Interval(Duration),
}

/// Settings of a [`SledBackend`].
#[derive(Clone, Debug)]
pub struct SledOptions {
    /// When writes reach the disk.
    pub durability: Durability,
    /// sled's page cache size in bytes (sled's default when `None`).
    pub cache_capacity: Option<u64>,
    /// How long an open waits for the store's lock to be released by an
    /// earlier handle in this process (sled's threads keep it for a moment
    /// after the last handle is dropped); default 5 s. A store held by
    /// another process is refused at once, naming that process.
    pub lock_wait: Duration,
}

impl Default for SledOptions {
    fn default() -> Self {
        SledOptions {
            durability: Durability::EveryWrite,
            cache_capacity: None,
            lock_wait: guard::RELEASE_WAIT,
        }
    }
}

/// A sled error as the library's: damage sled detected is [`Error::Corrupt`].
fn sled_error(context: &str, e: sled::Error) -> Error {
    match e {
        sled::Error::Corruption { .. } => Error::Corrupt {
            message: format!("{context}: {e}"),
        },
        e => Error::backend(format!("{context}: {e}"), e),
    }
}

/// One sled tree: the storage of [`SledBackend`].
#[derive(Debug)]
pub struct SledStorage {
    db: sled::Db,
    /// The flusher of [`Durability::EveryWrite`] (none on an interval).
    commit: Option<commit::GroupCommit>,
}

impl SledStorage {
    /// The sled database underneath.
    pub fn db(&self) -> &sled::Db {
        &self.db
    }
}

impl Storage for SledStorage {
    /// Keys as sled hands them out: a read copies none.
    type Key = sled::IVec;
    type Value = sled::IVec;

    fn get(&self, key: &[u8]) -> Result<Option<sled::IVec>, Error> {
        guard::unwind("reading", || self.db.get(key))?
            .map_err(|e| sled_error("reading from sled", e))
    }

    fn range(
        &self,
        start: &[u8],
        end: &[u8],
        reverse: bool,
        max: usize,
    ) -> Result<Pairs<sled::IVec, sled::IVec>, Error> {
        if start >= end {
            return Ok(Vec::new());
        }
        let entries: Result<Pairs<sled::IVec, sled::IVec>, sled::Error> =
            guard::unwind("reading", || {
                let range = self.db.range(start..end);
                // Room for the entries asked for (a small page's all of
                // them), not grown as they come.
                let mut entries = Vec::with_capacity(max.min(256));
                if reverse {
                    for e in range.rev().take(max) {
                        entries.push(e?);
                    }
                } else {
                    for e in range.take(max) {
                        entries.push(e?);
                    }
                }
                Ok(entries)
            })?;
        entries.map_err(|e| sled_error("reading from sled", e))
    }

    fn apply(&self, mut writes: Writes) -> Result<(), Error> {
        // One key is atomic by itself: sled's plain insert or remove, which
        // unlike a batch does not wait for a flush in progress (sled makes
        // every batch exclude flushes), so writers keep applying while the
        // group commit flushes.
        if writes.len() == 1
            && let Some((k, v)) = writes.pop()
        {
            return guard::unwind("writing", || match v {
                Some(v) => self.db.insert(k, &v[..]),
                None => self.db.remove(k),
            })?
            .map(|_| ())
            .map_err(|e| sled_error("writing to sled", e));
        }
        let mut batch = sled::Batch::default();
        for (k, v) in writes {
            match v {
                Some(v) => batch.insert(&k[..], &v[..]),
                None => batch.remove(&k[..]),
            }
        }
        guard::unwind("writing", || self.db.apply_batch(batch))?
            .map_err(|e| sled_error("writing to sled", e))
    }

    /// Under [`Durability::EveryWrite`], returns once a flush that began
    /// after this call has finished; the writers waiting at the same time
    /// share flushes (group commit).
    fn sync(&self) -> Result<(), Error> {
        match &self.commit {
            Some(commit) => commit.wait_durable(),
            None => Ok(()),
        }
    }

    /// [`sync`](Storage::sync) as a future (under
    /// [`Durability::EveryWrite`]): it holds no thread while it waits for
    /// the store's flusher thread; a writer alone flushes itself, in
    /// `block_in_place` on a runtime worker.
    fn sync_async(&self) -> Option<SyncFuture<'_>> {
        self.commit
            .as_ref()
            .map(|commit| Box::pin(commit.durable()) as SyncFuture<'_>)
    }
}

/// One flush of sled to disk.
fn flush(db: &sled::Db) -> Result<(), Error> {
    guard::unwind("flushing", || db.flush())?
        .map(|_| ())
        .map_err(|e| sled_error("flushing sled to disk", e))
}

/// The persistent DynamoDB emulator. Cheap to clone: clones share the store.
#[derive(Clone, Debug)]
pub struct SledBackend {
    stack: Arc<Layered<Traced, Layered<Pacer, EmulatorBackend<SledStorage>>>>,
    path: PathBuf,
    pacer: Pacer,
}

impl SledBackend {
    /// Opens (or creates) the store in a directory, flushing every write.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, Error> {
        Self::open_with(path, SledOptions::default())
    }

    /// Opens (or creates) the store in a directory with these settings.
    pub fn open_with(path: impl AsRef<Path>, options: SledOptions) -> Result<Self, Error> {
        let path = path.as_ref();
        if path.exists() && !path.is_dir() {
            return Err(Error::Backend {
                message: format!(
                    "cannot open the store at {}: it is a file, not a directory",
                    path.display()
                ),
                source: None,
            });
        }
        Self::open_config(sled::Config::new().path(path), path, &options)
    }

    /// A store in a new temporary directory, removed when the store is
    /// dropped (for tests). Writes are flushed on an interval.
    pub fn temporary() -> Result<Self, Error> {
        let config = sled::Config::new().temporary(true);
        let path = config.get_path();
        let options = SledOptions {
            durability: Durability::Interval(Duration::from_millis(500)),
            ..SledOptions::default()
        };
        Self::open_config(config, &path, &options)
    }

    fn open_config(
        mut config: sled::Config,
        path: &Path,
        options: &SledOptions,
    ) -> Result<Self, Error> {
        let shown = path.display();
        config = match options.durability {
            Durability::EveryWrite => config.flush_every_ms(None),
            Durability::Interval(d) => config.flush_every_ms(Some(
                u64::try_from(d.as_millis()).unwrap_or(u64::MAX).max(1),
            )),
        };
        if let Some(c) = options.cache_capacity {
            config = config.cache_capacity(c);
        }
        let db = guard::open(&config, path, options.lock_wait)?;
        let commit = match options.durability {
            Durability::EveryWrite => {
                let db = db.clone();
                Some(commit::GroupCommit::start(move || flush(&db))?)
            }
            Durability::Interval(_) => None,
        };
        let storage = SledStorage { db, commit };
        let engine = Emulator::open(storage).map_err(|e| match e {
            Error::Backend { message, source } => Error::Backend {
                message: format!("cannot open the store at {shown}: {message}"),
                source,
            },
            Error::Corrupt { message } => Error::Corrupt {
                message: format!("cannot open the store at {shown}: {message}"),
            },
            other => other,
        })?;
        let mut capabilities = Backend::capabilities(&engine);
        capabilities.name = "sled";
        capabilities.persistent = true;
        let blocking = options.durability == Durability::EveryWrite;
        let engine = EmulatorBackend::new(Arc::new(engine), capabilities, blocking);
        let pacer = Pacer::new();
        Ok(SledBackend {
            stack: Arc::new(Layered::new(Traced, Layered::new(pacer.clone(), engine))),
            path: path.to_path_buf(),
            pacer,
        })
    }

    /// The store's directory.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The emulation engine (for [`Emulator::verify_indexes`] and other tools).
    pub fn engine(&self) -> &Emulator<SledStorage> {
        self.stack.inner().inner().engine()
    }

    /// Flushes every write to disk now.
    pub fn flush(&self) -> Result<(), Error> {
        flush(self.engine().storage().db())
    }

    /// The group commit's figures since the store was opened: writes that
    /// waited for a flush under [`Durability::EveryWrite`], and the flushes
    /// that covered them (none under [`Durability::Interval`]).
    pub fn commit_figures(&self) -> CommitFigures {
        self.engine()
            .storage()
            .commit
            .as_ref()
            .map(commit::GroupCommit::figures)
            .unwrap_or_default()
    }

    /// Deletes the items whose time to live has passed.
    pub fn purge_expired(&self) -> Result<usize, Error> {
        self.engine().purge_expired(Timestamp::now())
    }

    /// Turns client-side pacing on or off: requests are paced to the
    /// target share of each table's provisioned capacity (see [`Pacer`]).
    /// The store itself does not throttle; stack a
    /// [`SimulatedThroughput`](dynamodb_mapper::layers::SimulatedThroughput)
    /// under another pacer to simulate capacity.
    pub fn set_pacing(&self, enabled: bool) {
        self.pacer.set_enabled(enabled);
    }

    /// The pacer of this store (shared by every clone): its settings, and
    /// its live figures per table and index ([`Pacer::figures`]).
    pub fn pacer(&self) -> &Pacer {
        &self.pacer
    }
}

emulator_backend!(impl[] for SledBackend => |s| s.stack);
