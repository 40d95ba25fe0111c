//! An adaptive token bucket in capacity units: refilled at a rate that a
//! throttle lowers (multiplicative decrease) and time restores (additive
//! increase), up to the target share of the provisioned capacity.

use std::time::Duration;

use tokio::time::Instant;

use super::settings::PacingSettings;

/// Consumption over the last second or so, for a bucket whose capacity is
/// unknown: its first rate after a throttle is a fraction of it.
#[derive(Debug, Clone)]
struct Meter {
    since: Instant,
    units: f64,
    last_rate: f64,
}

impl Meter {
    fn new(now: Instant) -> Self {
        Meter {
            since: now,
            units: 0.0,
            last_rate: 0.0,
        }
    }

    fn add(&mut self, units: f64, now: Instant) {
        let elapsed = now.saturating_duration_since(self.since).as_secs_f64();
        if elapsed >= 1.0 {
            self.last_rate = self.units / elapsed;
            self.units = 0.0;
            self.since = now;
        }
        self.units += units.max(0.0);
    }

    fn rate(&self, now: Instant) -> f64 {
        let elapsed = now.saturating_duration_since(self.since).as_secs_f64();
        let current = if elapsed > 0.0 {
            self.units / elapsed.max(1.0)
        } else {
            0.0
        };
        self.last_rate.max(current)
    }
}

/// One bucket of capacity units.
#[derive(Debug, Clone)]
pub(super) struct PaceBucket {
    /// Provisioned units per second, when known.
    pub(super) provisioned: Option<f64>,
    /// The rate now; `None` while not limited (unknown capacity, no throttle yet).
    pub(super) rate: Option<f64>,
    pub(super) tokens: f64,
    at: Instant,
    last_decrease: Option<Instant>,
    /// The rate the last throttle came at: recovery slows near it.
    throttled_at: Option<f64>,
    meter: Meter,
    pub(super) consumed: f64,
    pub(super) requests: u64,
    pub(super) throttles: u64,
    pub(super) waits: u64,
    pub(super) waited: Duration,
}

impl PaceBucket {
    /// A bucket for this provisioned capacity (or none known), empty: the
    /// first request goes at once, the next ones at the rate (the store's
    /// burst capacity is not counted on).
    pub(super) fn new(provisioned: Option<f64>, settings: &PacingSettings, now: Instant) -> Self {
        let rate = provisioned.map(|p| (p * settings.target).max(settings.min_rate));
        PaceBucket {
            provisioned,
            rate,
            tokens: 0.0,
            at: now,
            last_decrease: None,
            throttled_at: None,
            meter: Meter::new(now),
            consumed: 0.0,
            requests: 0,
            throttles: 0,
            waits: 0,
            waited: Duration::ZERO,
        }
    }

    /// The highest rate: the target share of the provisioned capacity.
    fn ceiling(&self, settings: &PacingSettings) -> Option<f64> {
        self.provisioned
            .map(|p| (p * settings.target).max(settings.min_rate))
    }

    /// Brings the bucket to `now`: the rate recovers, tokens refill.
    pub(super) fn advance(&mut self, settings: &PacingSettings, now: Instant) {
        let elapsed = now.saturating_duration_since(self.at).as_secs_f64();
        self.at = now;
        let Some(rate) = self.rate else { return };
        let ceiling = self.ceiling(settings);
        // Near the rate that was throttled last, a quarter of the speed:
        // the capacity is probably there.
        let near = self.throttled_at.is_some_and(|w| rate >= 0.95 * w);
        let speed = if near { 0.25 } else { 1.0 };
        let step = settings.recovery * speed * ceiling.unwrap_or(rate) * elapsed;
        let mut next = rate + step;
        match ceiling {
            Some(c) => next = next.min(c),
            // Unknown capacity: probe upward, but not far past what is used.
            None => next = next.min((2.0 * self.meter.rate(now)).max(rate)),
        }
        let most = next * settings.burst.as_secs_f64();
        // Refill at the mean of the old and new rates.
        self.tokens = (self.tokens + elapsed * (rate + next) / 2.0).min(most);
        self.rate = Some(next);
    }

    /// How long until the bucket has capacity again (zero: now).
    pub(super) fn wait(&self) -> Duration {
        match self.rate {
            Some(rate) if self.tokens < 0.0 => {
                Duration::from_secs_f64((-self.tokens / rate).min(3600.0))
            }
            _ => Duration::ZERO,
        }
    }

    /// Takes a request's estimate (counts the request only, while the
    /// pacer is off and paces just a budget).
    pub(super) fn take(&mut self, units: f64, paced: bool) {
        self.requests += 1;
        if paced && self.rate.is_some() {
            self.tokens -= units;
        }
    }

    /// Replaces an estimate taken by what the request is charged (what it
    /// consumed; its estimate when it was throttled, so that a throttled
    /// request is not free to send again), and records what it consumed.
    pub(super) fn settle(
        &mut self,
        estimate: f64,
        charge: f64,
        consumed: f64,
        paced: bool,
        now: Instant,
    ) {
        if paced && self.rate.is_some() {
            self.tokens += estimate - charge;
        }
        self.consumed += consumed;
        self.meter.add(consumed, now);
    }

    /// A throttle: the rate goes down, at most once per interval, and the
    /// bucket keeps no capacity in hand.
    pub(super) fn throttled(&mut self, settings: &PacingSettings, now: Instant) {
        self.throttles += 1;
        let recent = self
            .last_decrease
            .is_some_and(|t| now.saturating_duration_since(t) < settings.decrease_interval);
        if recent {
            return;
        }
        self.last_decrease = Some(now);
        let from = self
            .rate
            .unwrap_or_else(|| self.meter.rate(now).max(settings.min_rate));
        self.throttled_at = Some(from);
        self.rate = Some((from * settings.decrease).max(settings.min_rate));
        self.tokens = self.tokens.min(0.0);
    }

    /// Follows a new provisioned capacity (a definition read again).
    pub(super) fn set_provisioned(&mut self, provisioned: Option<f64>, settings: &PacingSettings) {
        if provisioned == self.provisioned {
            return;
        }
        self.provisioned = provisioned;
        match self.ceiling(settings) {
            Some(c) => self.rate = Some(self.rate.map_or(c, |r| r.min(c))),
            None => self.rate = None,
        }
    }

    /// Follows new settings: the rate within the new ceiling.
    pub(super) fn apply_settings(&mut self, settings: &PacingSettings) {
        if let (Some(r), Some(c)) = (self.rate, self.ceiling(settings)) {
            self.rate = Some(r.min(c));
        }
    }
}
