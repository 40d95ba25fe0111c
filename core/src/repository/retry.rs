//! The retry policy: backoff with jitter, and the rounds of batch requests.

use std::time::Duration;

use crate::trace::MODEL;

/// How the repository retries: unprocessed batch keys and items and
/// throttled batch requests (with exponential backoff and jitter), updates
/// that meet a concurrent change, auto-increment keys taken by direct
/// writes, and waits for a table to become active.
///
/// Single-item reads and writes are not retried here: a backend retries
/// throttling itself (the DynamoDB backend through the SDK's retry settings).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct RetryPolicy {
    /// Batch attempts in a row that make no progress before giving up with
    /// [`Error::Unprocessed`](crate::Error::Unprocessed) (default 8).
    pub max_attempts: u32,
    /// The first backoff delay (default 25 ms); it doubles each attempt.
    pub base_delay: Duration,
    /// The longest backoff delay (default 2 s).
    pub max_delay: Duration,
    /// Retries of `update` and `modify` after a concurrent change (default 100).
    pub max_conflict_retries: u32,
    /// Counter values tried by an auto-increment create before giving up
    /// (default 10).
    pub max_key_attempts: u32,
    /// How long table creation and deletion are awaited (default 10 minutes).
    pub table_wait: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 8,
            base_delay: Duration::from_millis(25),
            max_delay: Duration::from_secs(2),
            max_conflict_retries: 100,
            max_key_attempts: 10,
            table_wait: Duration::from_secs(600),
        }
    }
}

impl RetryPolicy {
    /// The delay before retry number `attempt` (1-based): exponential, with
    /// "equal jitter" (between half and all of the exponential delay).
    pub fn backoff(&self, attempt: u32) -> Duration {
        let exp = self.base_delay.saturating_mul(
            1u32.checked_shl(attempt.saturating_sub(1))
                .unwrap_or(u32::MAX),
        );
        let cap = exp.min(self.max_delay);
        let half = cap / 2;
        half + half.mul_f64(fastrand::f64())
    }

    /// Pauses before retry `attempt` after a concurrent change: not at all
    /// for the first two, then a short jittered backoff (at most 50 ms), so
    /// that writers racing for one item spread out.
    pub(crate) async fn after_conflict(&self, attempt: u32) {
        if attempt > 2 {
            let pause = self.backoff(attempt - 2).min(Duration::from_millis(50));
            tokio::time::sleep(pause).await;
        }
    }
}

/// The rounds of a batch request that leave work undone: the retries stop
/// after the policy's number of rounds in a row without progress, with a
/// backoff before each retry.
pub(crate) struct Rounds<'a> {
    policy: &'a RetryPolicy,
    table: &'a str,
    what: &'static str,
    pub(crate) attempt: u32,
}

impl<'a> Rounds<'a> {
    pub(crate) fn new(policy: &'a RetryPolicy, table: &'a str, what: &'static str) -> Self {
        Rounds {
            policy,
            table,
            what,
            attempt: 0,
        }
    }

    /// After a round that left `left` of `before` requests undone: true
    /// (after the backoff) to retry, false to give up.
    pub(crate) async fn retry(&mut self, before: usize, left: usize) -> bool {
        self.attempt = if left < before { 1 } else { self.attempt + 1 };
        if self.attempt >= self.policy.max_attempts {
            return false;
        }
        tracing::debug!(target: MODEL, table = %self.table, what = self.what, unprocessed = left, attempt = self.attempt, "retrying unprocessed requests");
        tokio::time::sleep(self.policy.backoff(self.attempt)).await;
        true
    }
}
