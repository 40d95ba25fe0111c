//! The pacer's settings and its live figures.

use std::time::Duration;

use crate::layers::capacity::CapacityKey;

/// How a [`Pacer`](super::Pacer) paces. Start from the default and change
/// what you need:
///
/// ```
/// use dynamodb_mapper::layers::{Pacer, PacingSettings};
///
/// let mut settings = PacingSettings::default();
/// settings.target = 0.8; // leave a fifth of the capacity to others
/// let pacer = Pacer::new();
/// pacer.set_settings(settings);
/// pacer.set_enabled(true);
/// ```
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct PacingSettings {
    /// The fraction of a table's (or index's) provisioned capacity the
    /// pacer uses (default 0.95: full use with a margin for other clients,
    /// clock drift and estimates; the simulated benchmark reaches 95% of
    /// provisioned with no throttled request).
    pub target: f64,
    /// How much unused paced capacity a bucket keeps, as time at its rate
    /// (default 1 s): after a pause, at most this much goes out at once.
    pub burst: Duration,
    /// The factor applied to a bucket's rate on throttling (default 0.7).
    pub decrease: f64,
    /// At most one decrease per bucket in this interval (default 1 s):
    /// the requests already in flight when capacity ran out are throttled
    /// together, and count as one signal.
    pub decrease_interval: Duration,
    /// How fast a rate recovers after a decrease: this fraction of the
    /// target rate per second (of the current rate, when the capacity is
    /// unknown; default 0.02, back from 70% to 100% in about 15 s).
    pub recovery: f64,
    /// The lowest rate a bucket is slowed to, in units per second (default 1).
    pub min_rate: f64,
    /// Table definitions are read again this often (default 5 minutes),
    /// to follow changes of provisioned capacity.
    pub refresh: Duration,
    /// And after a throttle, at most this often per table (default 30 s).
    pub refresh_after_throttle: Duration,
    /// How many times the pacer sends a throttled request again, each time
    /// taking capacity again at the lowered rate (default 10; 0 gives the
    /// throttle to the caller at once).
    pub max_retries: u32,
}

impl Default for PacingSettings {
    fn default() -> Self {
        PacingSettings {
            target: 0.95,
            burst: Duration::from_secs(1),
            decrease: 0.7,
            decrease_interval: Duration::from_secs(1),
            recovery: 0.02,
            min_rate: 1.0,
            refresh: Duration::from_secs(300),
            refresh_after_throttle: Duration::from_secs(30),
            max_retries: 10,
        }
    }
}

impl PacingSettings {
    /// The settings with every value in its range (a target in (0, 1], a
    /// decrease in (0, 1), no negative rate).
    pub(crate) fn sanitized(mut self) -> Self {
        if !(self.target > 0.0 && self.target <= 1.0) {
            self.target = PacingSettings::default().target;
        }
        if !(self.decrease > 0.0 && self.decrease < 1.0) {
            self.decrease = PacingSettings::default().decrease;
        }
        if !(self.recovery >= 0.0 && self.recovery.is_finite()) {
            self.recovery = PacingSettings::default().recovery;
        }
        if !(self.min_rate > 0.0 && self.min_rate.is_finite()) {
            self.min_rate = PacingSettings::default().min_rate;
        }
        self
    }
}

/// One bucket of a [`Pacer`](super::Pacer), as
/// [`Pacer::figures`](super::Pacer::figures) reads it.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct PacingFigures {
    /// The table or global index, and read or write.
    pub key: CapacityKey,
    /// The provisioned capacity, in units per second (`None`: on demand or unknown).
    pub provisioned: Option<f64>,
    /// The rate requests are paced at now, in units per second (`None`:
    /// not limited, as on an on-demand table that has not throttled).
    pub rate: Option<f64>,
    /// Units in the bucket (negative while requests are paying back).
    pub balance: f64,
    /// Units consumed by the requests paced through this bucket.
    pub consumed: f64,
    /// Requests that took capacity from this bucket (retries included).
    pub requests: u64,
    /// Throttling signals: throttled requests, and batch answers with
    /// unprocessed work.
    pub throttles: u64,
    /// Requests that had to wait for capacity.
    pub waits: u64,
    /// The time they waited, in all.
    pub waited: Duration,
}
