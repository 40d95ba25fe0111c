//! Bulk migration: every outdated item of a table rewritten at the current
//! schema version, beside live writers, resumably, at a bounded rate.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use futures::StreamExt;
use futures::stream::FuturesUnordered;

use crate::backend::{Backend, GetItem, Scan};
use crate::error::{Error, Result};
use crate::layers::Budget;
use crate::model::Model;
use crate::repository::{Repository, RepositoryExt, Table};
use crate::trace::MODEL;
use crate::value::{AttributeValue, Item};

/// How a bulk migration runs.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct BulkOptions {
    /// Segments of the parallel scan, read at once (default 4).
    pub segments: u32,
    /// Items read per scan request (default 100).
    pub page_size: u32,
    /// Count what would be migrated, write nothing.
    pub dry_run: bool,
    /// The capacity budget of the migration's reads and writes (a share of
    /// the table's capacity, or units per second), paced by the backend's
    /// [`Pacer`](crate::layers::Pacer) (every backend of this library has
    /// one); `None`: the repository's
    /// ([`Table::with_budget`](crate::Table::with_budget)), if any, or
    /// unlimited.
    pub budget: Option<Budget>,
    /// Where to start: a checkpoint saved from an earlier run.
    pub resume: Option<Checkpoint>,
    /// Attempts on one item that keeps changing under the migration.
    pub max_conflict_retries: u32,
}

impl Default for BulkOptions {
    fn default() -> Self {
        BulkOptions {
            segments: 4,
            page_size: 100,
            dry_run: false,
            budget: None,
            resume: None,
            max_conflict_retries: 20,
        }
    }
}

impl BulkOptions {
    /// Counts without writing.
    pub fn dry_run(mut self) -> Self {
        self.dry_run = true;
        self
    }

    /// Starts where a checkpoint says.
    pub fn resume(mut self, checkpoint: Checkpoint) -> Self {
        self.resume = Some(checkpoint);
        self
    }

    /// At most this many capacity units per second, of reads and of
    /// writes: the budget [`Budget::units_per_second`].
    pub fn capacity_per_second(self, units: f64) -> Self {
        self.budget(Budget::units_per_second(units))
    }

    /// Runs within this capacity budget.
    pub fn budget(mut self, budget: Budget) -> Self {
        self.budget = Some(budget);
        self
    }

    /// Segments of the parallel scan.
    pub fn segments(mut self, segments: u32) -> Self {
        self.segments = segments.clamp(1, 1_000_000);
        self
    }
}

/// Where one segment stands.
#[derive(Clone, Debug, PartialEq)]
enum Position {
    Start,
    After(Item),
    Done,
}

/// Where a bulk migration stands: per segment, the last item whose page is
/// done. Save its [`token`](Self::token) as the migration goes; pass it
/// back ([`BulkOptions::resume`]) to go on after a crash or a stop.
#[derive(Clone, Debug, PartialEq)]
pub struct Checkpoint {
    segments: Vec<Position>,
}

impl Checkpoint {
    fn new(segments: u32) -> Self {
        Checkpoint {
            segments: vec![Position::Start; segments as usize],
        }
    }

    /// True when every segment is done.
    pub fn is_done(&self) -> bool {
        self.segments.iter().all(|p| *p == Position::Done)
    }

    /// The checkpoint as URL-safe text.
    pub fn token(&self) -> String {
        let mut item = Item::new().with("segments", self.segments.len() as u64);
        for (i, p) in self.segments.iter().enumerate() {
            match p {
                Position::Start => {}
                Position::Done => {
                    item.insert(format!("s{i}"), AttributeValue::from("done"));
                }
                Position::After(key) => {
                    item.insert(format!("s{i}"), AttributeValue::M(key.clone().into_map()));
                }
            }
        }
        URL_SAFE_NO_PAD.encode(crate::codec::encode_item(&item))
    }

    /// A checkpoint from its text.
    pub fn parse(token: &str) -> Result<Self> {
        let bad = || Error::invalid("not a migration checkpoint this library gave out");
        let bytes = URL_SAFE_NO_PAD.decode(token).map_err(|_| bad())?;
        let item = crate::codec::decode_item(&bytes).map_err(|_| bad())?;
        let n = item
            .get("segments")
            .and_then(AttributeValue::as_n)
            .and_then(|n| n.to_u64().ok())
            .filter(|n| (1..=1_000_000).contains(n))
            .ok_or_else(bad)?;
        let mut segments = Vec::with_capacity(n as usize);
        for i in 0..n {
            segments.push(match item.get(&format!("s{i}")) {
                None => Position::Start,
                Some(AttributeValue::S(s)) if s == "done" => Position::Done,
                Some(AttributeValue::M(m)) => Position::After(Item::from(m.clone())),
                Some(_) => return Err(bad()),
            });
        }
        Ok(Checkpoint { segments })
    }
}

/// Counts of a bulk migration, as it goes and at the end.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct BulkProgress {
    /// Items read.
    pub scanned: u64,
    /// Items rewritten at the current version (counted, in a dry run).
    pub migrated: u64,
    /// Items already current.
    pub current: u64,
    /// Conflicts with live writers (each retried).
    pub conflicts: u64,
    /// Items that could not be migrated (see [`BulkReport::failed`]).
    pub failures: u64,
}

/// The outcome of a bulk migration.
#[derive(Clone, Debug)]
pub struct BulkReport {
    /// The counts.
    pub counts: BulkProgress,
    /// The keys that failed, each with why.
    pub failed: Vec<(String, String)>,
    /// Where it stopped (done, unless it was stopped).
    pub checkpoint: Checkpoint,
    /// How long it took.
    pub elapsed: Duration,
}

struct Shared<'f> {
    counts: BulkProgress,
    failed: Vec<(String, String)>,
    checkpoint: Checkpoint,
    report: &'f mut (dyn FnMut(&BulkProgress, &Checkpoint) + Send),
}

impl<T: Model> Table<T> {
    /// Migrates every outdated item of the table to the model's current
    /// schema version: a parallel scan finds them, and each is rewritten
    /// with a guarded save (conditional on the item being as it was read;
    /// on a conflict it is read again and retried), so it is safe beside
    /// live writers. Idempotent: a second run migrates nothing. Resumable:
    /// `on_progress` is called after each page with the counts and a
    /// [`Checkpoint`] to save; pass it back in [`BulkOptions::resume`].
    pub async fn migrate_items(
        &self,
        options: BulkOptions,
        on_progress: &mut (dyn FnMut(&BulkProgress, &Checkpoint) + Send),
    ) -> Result<BulkReport> {
        let Some(migrations) = T::migrations() else {
            return Err(Error::InvalidRequest {
                message: format!(
                    "the model of table `{}` declares no migrations",
                    self.table_name()
                ),
            });
        };
        migrations.check().map_err(|m| Error::InvalidRequest {
            message: format!("the model's migrations are inconsistent: {m}"),
        })?;
        let start = Instant::now();
        let checkpoint = match options.resume.clone() {
            Some(c) => c,
            None => Checkpoint::new(options.segments.max(1)),
        };
        let total = checkpoint.segments.len() as u32;
        tracing::info!(target: MODEL, table = %self.table_name(), segments = total, dry_run = options.dry_run, "bulk migration started");
        let shared = Mutex::new(Shared {
            counts: BulkProgress::default(),
            failed: Vec::new(),
            checkpoint,
            report: on_progress,
        });
        let mut running: FuturesUnordered<_> = (0..total)
            .map(|s| {
                let work = self.migrate_segment(s, total, &options, &shared);
                let budget = options.budget.clone();
                async move {
                    match budget {
                        Some(b) => b.scope(work).await,
                        None => work.await,
                    }
                }
            })
            .collect();
        let mut first_error = None;
        while let Some(result) = running.next().await {
            if let Err(e) = result
                && first_error.is_none()
            {
                first_error = Some(e);
            }
        }
        drop(running);
        let shared = shared.into_inner().unwrap_or_else(|e| e.into_inner());
        if let Some(e) = first_error {
            return Err(e);
        }
        let report = BulkReport {
            counts: shared.counts,
            failed: shared.failed,
            checkpoint: shared.checkpoint,
            elapsed: start.elapsed(),
        };
        tracing::info!(target: MODEL, table = %self.table_name(), scanned = report.counts.scanned, migrated = report.counts.migrated, current = report.counts.current, conflicts = report.counts.conflicts, failures = report.counts.failures, elapsed_ms = report.elapsed.as_millis() as u64, "bulk migration done");
        Ok(report)
    }

    async fn migrate_segment(
        &self,
        segment: u32,
        total: u32,
        options: &BulkOptions,
        shared: &Mutex<Shared<'_>>,
    ) -> Result<()> {
        let lock = || shared.lock().unwrap_or_else(|e| e.into_inner());
        let mut start = match &lock().checkpoint.segments[segment as usize] {
            Position::Done => return Ok(()),
            Position::Start => None,
            Position::After(k) => Some(k.clone()),
        };
        let Some(migrations) = T::migrations() else {
            return Ok(());
        };
        loop {
            let mut scan = Scan::new(self.table_name()).limit(options.page_size.max(1));
            if total > 1 {
                scan = scan.segment(segment, total);
            }
            let page = self.backend().scan(scan.start_after(start.clone())).await?;
            let mut counts = BulkProgress::default();
            let mut failed = Vec::new();
            for item in page.items {
                if self.is_counter_item(&item) {
                    continue;
                }
                counts.scanned += 1;
                match migrations.is_current(&item) {
                    Ok(true) => {
                        counts.current += 1;
                        continue;
                    }
                    Ok(false) if options.dry_run => {
                        counts.migrated += 1;
                        continue;
                    }
                    Ok(false) => {}
                    Err(failure) => {
                        counts.failures += 1;
                        failed.push((self.describe(&item), failure.to_string()));
                        continue;
                    }
                }
                match self
                    .migrate_one(item, options.max_conflict_retries, &mut counts)
                    .await
                {
                    Ok(()) => {}
                    Err((key, e)) => {
                        counts.failures += 1;
                        failed.push((key, e.to_string()));
                    }
                }
            }
            let next = page.last_evaluated_key;
            let mut s = lock();
            s.counts.scanned += counts.scanned;
            s.counts.migrated += counts.migrated;
            s.counts.current += counts.current;
            s.counts.conflicts += counts.conflicts;
            s.counts.failures += counts.failures;
            s.failed.extend(failed);
            s.checkpoint.segments[segment as usize] = match &next {
                Some(k) => Position::After(k.clone()),
                None => Position::Done,
            };
            let (progress, checkpoint) = (s.counts.clone(), s.checkpoint.clone());
            (s.report)(&progress, &checkpoint);
            drop(s);
            match next {
                Some(k) => start = Some(k),
                None => return Ok(()),
            }
        }
    }

    /// Rewrites one outdated item at the current version, re-reading it
    /// after each conflict with a live writer.
    async fn migrate_one(
        &self,
        item: Item,
        retries: u32,
        counts: &mut BulkProgress,
    ) -> std::result::Result<(), (String, Error)> {
        let Some(migrations) = T::migrations() else {
            return Ok(());
        };
        let key = T::schema().table.key.key_of(&item);
        let mut item = item;
        for _ in 0..=retries {
            let mut tracked = self
                .load_item(item.clone())
                .map_err(|e| (self.describe(&item), e))?;
            match self.save(&mut tracked).await {
                Ok(()) => {
                    counts.migrated += 1;
                    return Ok(());
                }
                Err(Error::Conflict { .. }) => {
                    counts.conflicts += 1;
                    let now = self
                        .backend()
                        .get_item(GetItem::new(self.table_name(), key.clone()).consistent(true))
                        .await
                        .map_err(|e| (self.describe(&item), e))?
                        .item;
                    match now {
                        // Deleted meanwhile: nothing to migrate.
                        None => return Ok(()),
                        Some(now) => {
                            if migrations.is_current(&now).unwrap_or(false) {
                                counts.current += 1;
                                return Ok(());
                            }
                            item = now;
                        }
                    }
                }
                Err(e) => return Err((self.describe(&item), e)),
            }
        }
        Err((
            self.describe(&item),
            Error::RetriesExhausted {
                operation: "migration".to_owned(),
                table: self.table_name().to_owned(),
                attempts: retries + 1,
                last: Box::new(Error::conflict(
                    self.table_name(),
                    Some(self.describe(&item)),
                    None,
                )),
            },
        ))
    }

    fn describe(&self, item: &Item) -> String {
        crate::transaction::describe_key::<T>(&T::schema().table.key.key_of(item))
    }
}
