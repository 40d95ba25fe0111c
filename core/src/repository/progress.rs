//! Long operations (batches and scans): one line when they start and one
//! when they end, with counts and elapsed time, and [`Progress`] reports
//! to the table's callback as they go.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::trace::MODEL;

/// How far a long operation of a [`Table`](super::Table) is: reported to
/// the callback given with [`Table::on_progress`](super::Table::on_progress)
/// after each batch request or page, and once more when it ends.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct Progress {
    /// The operation: `put_many`, `get_many`, `delete_many`, `scan`,
    /// `query` or `parallel_scan`.
    pub operation: &'static str,
    /// The table.
    pub table: String,
    /// Items done so far: written or deleted, keys read, or items a scan
    /// or query read (all segments of a parallel scan together).
    pub done: u64,
    /// How many there are in all, when known (the items or keys of a batch).
    pub total: Option<u64>,
    /// Time since the operation started.
    pub elapsed: Duration,
    /// True in the last report, when the operation has ended.
    pub finished: bool,
}

/// The callback of [`Table::on_progress`](super::Table::on_progress).
pub type ProgressFn = dyn Fn(&Progress) + Send + Sync;

/// One long operation in progress. Its end line is written when it is
/// dropped: after its last part finished, or when a stream is dropped
/// before its end (then it says `stopped`).
pub(crate) struct LongOp {
    operation: &'static str,
    table: Arc<str>,
    total: Option<u64>,
    /// Parts that must end for the whole to be done (segments).
    parts: u64,
    ended: AtomicU64,
    failed: AtomicBool,
    done: AtomicU64,
    requests: AtomicU64,
    start: Instant,
    /// Info level (batches, scans) or debug (query streams).
    info: bool,
    report: Option<Arc<ProgressFn>>,
    /// Serializes reports, so that `done` only grows for the callback.
    reporting: Mutex<()>,
}

/// An event at info or debug level on the model target.
macro_rules! op_event {
    ($info:expr, $($rest:tt)*) => {
        if $info {
            tracing::info!(target: MODEL, $($rest)*)
        } else {
            tracing::debug!(target: MODEL, $($rest)*)
        }
    };
}

tokio::task_local! {
    /// The long operation the current task works for (batches count
    /// their chunks into it).
    static CURRENT: Arc<LongOp>;
}

impl LongOp {
    /// Starts one: writes its start line.
    pub(crate) fn start(
        operation: &'static str,
        table: &Arc<str>,
        total: Option<usize>,
        parts: u32,
        info: bool,
        report: Option<Arc<ProgressFn>>,
    ) -> Arc<LongOp> {
        let total = total.map(|t| t as u64);
        match total {
            Some(items) => {
                op_event!(info, table = %table, items, "{operation} started: {items} items")
            }
            None if parts > 1 => {
                op_event!(info, table = %table, segments = parts, "{operation} started: {parts} segments")
            }
            None => op_event!(info, table = %table, "{operation} started"),
        }
        Arc::new(LongOp {
            operation,
            table: Arc::clone(table),
            total,
            parts: u64::from(parts.max(1)),
            ended: AtomicU64::new(0),
            failed: AtomicBool::new(false),
            done: AtomicU64::new(0),
            requests: AtomicU64::new(0),
            start: Instant::now(),
            info,
            report,
            reporting: Mutex::new(()),
        })
    }

    fn progress(&self, finished: bool) -> Progress {
        Progress {
            operation: self.operation,
            table: self.table.to_string(),
            done: self.done.load(Ordering::Relaxed),
            total: self.total,
            elapsed: self.start.elapsed(),
            finished,
        }
    }

    /// One request's items done.
    pub(crate) fn advance(&self, items: usize) {
        let _order = crate::layers::lock(&self.reporting);
        self.done.fetch_add(items as u64, Ordering::Relaxed);
        self.requests.fetch_add(1, Ordering::Relaxed);
        if let Some(report) = &self.report {
            report(&self.progress(false));
        }
    }

    /// One part ended, well or not.
    pub(crate) fn end(&self, ok: bool) {
        if !ok {
            self.failed.store(true, Ordering::Relaxed);
        }
        self.ended.fetch_add(1, Ordering::Relaxed);
    }

    /// Runs `work` with this operation current: the batch chunks it runs
    /// count into it.
    pub(crate) async fn scope<F: Future>(self: &Arc<Self>, work: F) -> F::Output {
        CURRENT.scope(Arc::clone(self), work).await
    }

    /// Counts a request's items into the current operation, if any.
    pub(crate) fn advance_current(items: usize) {
        let _ = CURRENT.try_with(|op| op.advance(items));
    }
}

impl Drop for LongOp {
    fn drop(&mut self) {
        let outcome = if self.failed.load(Ordering::Relaxed) {
            "failed"
        } else if self.ended.load(Ordering::Relaxed) >= self.parts {
            "ok"
        } else {
            "stopped"
        };
        let items = self.done.load(Ordering::Relaxed);
        let requests = self.requests.load(Ordering::Relaxed);
        let elapsed_ms = self.start.elapsed().as_millis() as u64;
        let operation = self.operation;
        op_event!(
            self.info,
            table = %self.table,
            items,
            requests,
            elapsed_ms,
            outcome,
            "{operation} {}: {items} items in {requests} requests, {elapsed_ms} ms",
            if outcome == "ok" { "done" } else { outcome }
        );
        if let Some(report) = &self.report {
            report(&self.progress(true));
        }
    }
}
