//! Timestamps: [`Timestamp`] as fixed-width UTC ISO-8601 text, and
//! [`EpochSeconds`] as a number, for DynamoDB's time-to-live attributes.
//!
//! A `Timestamp` is stored as `YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ`, always 30
//! characters, so that the order of the text is the order of time: a
//! timestamp works as a range key and in `BETWEEN` conditions, and round
//! trips to the nanosecond. It works anywhere a string does: nested in maps,
//! lists, and in sets (`Set<Timestamp>` is a string set).

use std::fmt;
use std::str::FromStr;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::de::{self, Deserialize, Deserializer, Visitor};
use serde::ser::{Serialize, Serializer};

/// Seconds from the Unix epoch to 0000-01-01T00:00:00Z.
const MIN_SECS: i64 = -62_167_219_200;
/// Seconds from the Unix epoch to 9999-12-31T23:59:59Z.
const MAX_SECS: i64 = 253_402_300_799;

/// A UTC instant with nanosecond precision, between the years 0000 and 9999.
///
/// ```
/// use dynamodb_mapper::Timestamp;
///
/// let t: Timestamp = "2024-02-29T12:30:00.5+01:00".parse()?;
/// assert_eq!(t.to_string(), "2024-02-29T11:30:00.500000000Z");
/// assert!(t < "2024-02-29T11:30:01Z".parse()?);
/// # Ok::<(), dynamodb_mapper::TimestampError>(())
/// ```
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp {
    secs: i64,
    nanos: u32,
}

/// Why a text or a time is not a valid [`Timestamp`].
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TimestampError {
    /// The text is not an RFC 3339 / ISO-8601 date-time with an offset.
    #[error("`{0}` is not an ISO-8601 timestamp like 2024-01-31T12:00:00Z")]
    Syntax(String),
    /// Outside the years 0000 to 9999 (fixed-width text needs four-digit years).
    #[error("{0} is outside the years 0000 to 9999")]
    OutOfRange(String),
}

fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ => {
            if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 {
                29
            } else {
                28
            }
        }
    }
}

impl Timestamp {
    /// The earliest timestamp: 0000-01-01T00:00:00Z.
    pub const MIN: Timestamp = Timestamp {
        secs: MIN_SECS,
        nanos: 0,
    };
    /// The latest timestamp: 9999-12-31T23:59:59.999999999Z.
    pub const MAX: Timestamp = Timestamp {
        secs: MAX_SECS,
        nanos: 999_999_999,
    };
    /// 1970-01-01T00:00:00Z.
    pub const UNIX_EPOCH: Timestamp = Timestamp { secs: 0, nanos: 0 };

    /// The current time.
    pub fn now() -> Timestamp {
        // The system clock is within years 0000-9999 on any real machine.
        Timestamp::try_from(SystemTime::now()).unwrap_or(Timestamp::UNIX_EPOCH)
    }

    /// From seconds and nanoseconds since the Unix epoch.
    pub fn from_unix(secs: i64, nanos: u32) -> Result<Timestamp, TimestampError> {
        if nanos >= 1_000_000_000 || !(MIN_SECS..=MAX_SECS).contains(&secs) {
            return Err(TimestampError::OutOfRange(format!(
                "{secs}s {nanos}ns since the Unix epoch"
            )));
        }
        Ok(Timestamp { secs, nanos })
    }

    /// From whole seconds since the Unix epoch.
    pub fn from_unix_seconds(secs: i64) -> Result<Timestamp, TimestampError> {
        Timestamp::from_unix(secs, 0)
    }

    /// From milliseconds since the Unix epoch.
    pub fn from_unix_millis(millis: i64) -> Result<Timestamp, TimestampError> {
        Timestamp::from_unix(
            millis.div_euclid(1000),
            (millis.rem_euclid(1000) * 1_000_000) as u32,
        )
    }

    /// From a calendar date and time of day in UTC.
    pub fn from_utc(
        year: i64,
        month: u32,
        day: u32,
        hour: u32,
        minute: u32,
        second: u32,
        nanos: u32,
    ) -> Result<Timestamp, TimestampError> {
        if !(0..=9999).contains(&year)
            || !(1..=12).contains(&month)
            || day == 0
            || day > days_in_month(year, month)
            || hour > 23
            || minute > 59
            || second > 59
            || nanos >= 1_000_000_000
        {
            return Err(TimestampError::OutOfRange(format!(
                "{year:04}-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}.{nanos:09}Z"
            )));
        }
        let days = days_from_civil(year, month, day);
        let secs =
            days * 86_400 + i64::from(hour) * 3600 + i64::from(minute) * 60 + i64::from(second);
        Timestamp::from_unix(secs, nanos)
    }

    /// Whole seconds since the Unix epoch (negative before 1970).
    pub fn unix_seconds(&self) -> i64 {
        self.secs
    }

    /// Nanoseconds past [`unix_seconds`](Self::unix_seconds).
    pub fn subsec_nanos(&self) -> u32 {
        self.nanos
    }

    /// Milliseconds since the Unix epoch.
    pub fn unix_millis(&self) -> i64 {
        self.secs * 1000 + i64::from(self.nanos / 1_000_000)
    }

    /// This timestamp moved by a duration, if the result is in range.
    pub fn checked_add(&self, d: Duration) -> Option<Timestamp> {
        let secs = self.secs.checked_add(i64::try_from(d.as_secs()).ok()?)?;
        let nanos = self.nanos + d.subsec_nanos();
        let (secs, nanos) = if nanos >= 1_000_000_000 {
            (secs.checked_add(1)?, nanos - 1_000_000_000)
        } else {
            (secs, nanos)
        };
        Timestamp::from_unix(secs, nanos).ok()
    }

    /// This timestamp moved back by a duration, if the result is in range.
    pub fn checked_sub(&self, d: Duration) -> Option<Timestamp> {
        let secs = self.secs.checked_sub(i64::try_from(d.as_secs()).ok()?)?;
        let (secs, nanos) = if self.nanos < d.subsec_nanos() {
            (
                secs.checked_sub(1)?,
                self.nanos + 1_000_000_000 - d.subsec_nanos(),
            )
        } else {
            (secs, self.nanos - d.subsec_nanos())
        };
        Timestamp::from_unix(secs, nanos).ok()
    }

    /// The fixed-width text: `YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ`.
    fn write_text(&self, out: &mut [u8; 30]) {
        let days = self.secs.div_euclid(86_400);
        let sod = self.secs.rem_euclid(86_400) as u32;
        let (y, m, d) = civil_from_days(days);
        let y = y as u32;
        // Two digits at a time, from a table (every value here is below
        // 100 where it is written).
        let pair = |out: &mut [u8; 30], at: usize, v: u32| {
            let i = (v % 100) as usize * 2;
            out[at] = DIGIT_PAIRS[i];
            out[at + 1] = DIGIT_PAIRS[i + 1];
        };
        pair(out, 0, y / 100);
        pair(out, 2, y);
        out[4] = b'-';
        pair(out, 5, m);
        out[7] = b'-';
        pair(out, 8, d);
        out[10] = b'T';
        pair(out, 11, sod / 3600);
        out[13] = b':';
        pair(out, 14, sod / 60 % 60);
        out[16] = b':';
        pair(out, 17, sod % 60);
        out[19] = b'.';
        let n = self.nanos;
        pair(out, 20, n / 10_000_000);
        pair(out, 22, n / 100_000);
        pair(out, 24, n / 1_000);
        pair(out, 26, n / 10);
        out[28] = b'0' + (n % 10) as u8;
        out[29] = b'Z';
    }

    /// The timestamp of text in exactly the form [`write_text`] writes
    /// (`YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ`, a valid date and time), read in one
    /// pass; `None` for any other text, which [`parse`](Self::parse) reads
    /// (and reports) the general way. Either way the result is the same.
    ///
    /// [`write_text`]: Self::write_text
    #[inline]
    fn parse_stored(b: &[u8]) -> Option<Timestamp> {
        let b: &[u8; 30] = b.try_into().ok()?;
        if b[4] != b'-'
            || b[7] != b'-'
            || b[10] != b'T'
            || b[13] != b':'
            || b[16] != b':'
            || b[19] != b'.'
            || b[29] != b'Z'
        {
            return None;
        }
        let pair = |at: usize| {
            let (hi, lo) = (b[at].wrapping_sub(b'0'), b[at + 1].wrapping_sub(b'0'));
            (hi <= 9 && lo <= 9).then_some(u32::from(hi) * 10 + u32::from(lo))
        };
        let last = b[28].wrapping_sub(b'0');
        let (Some(y1), Some(y2), Some(month), Some(day), Some(hour), Some(minute), Some(second)) = (
            pair(0),
            pair(2),
            pair(5),
            pair(8),
            pair(11),
            pair(14),
            pair(17),
        ) else {
            return None;
        };
        let (Some(n1), Some(n2), Some(n3), Some(n4), true) =
            (pair(20), pair(22), pair(24), pair(26), last <= 9)
        else {
            return None;
        };
        let year = y1 * 100 + y2;
        if !(1..=12).contains(&month)
            || day == 0
            || day > days_in_month(i64::from(year), month)
            || hour > 23
            || minute > 59
            || second > 59
        {
            return None;
        }
        let nanos = n1 * 10_000_000 + n2 * 100_000 + n3 * 1_000 + n4 * 10 + u32::from(last);
        let secs = days_from_civil(i64::from(year), month, day) * 86_400
            + i64::from(hour * 3600 + minute * 60 + second);
        // Years 0000 to 9999 are all in range.
        Some(Timestamp { secs, nanos })
    }

    /// Parses RFC 3339 text (`2024-01-31T12:00:00Z`, `2024-01-31T12:00:00.123+02:00`).
    pub fn parse(text: &str) -> Result<Timestamp, TimestampError> {
        // The stored form first: the read path parses every stored timestamp.
        match Timestamp::parse_stored(text.as_bytes()) {
            Some(t) => Ok(t),
            None => Timestamp::parse_general(text),
        }
    }

    /// [`parse`](Self::parse) of any form.
    fn parse_general(text: &str) -> Result<Timestamp, TimestampError> {
        let err = || TimestampError::Syntax(text.chars().take(64).collect());
        let b = text.as_bytes();
        if b.len() < 20
            || b[4] != b'-'
            || b[7] != b'-'
            || !matches!(b[10], b'T' | b't' | b' ')
            || b[13] != b':'
            || b[16] != b':'
        {
            return Err(err());
        }
        // Each field is read whole and checked once (an `Option` per field,
        // no error built unless one is missing): the read path parses every
        // stored timestamp.
        let (Some(year), Some(month), Some(day), Some(hour), Some(minute), Some(second)) = (
            digits(&b[0..4]),
            digits(&b[5..7]),
            digits(&b[8..10]),
            digits(&b[11..13]),
            digits(&b[14..16]),
            digits(&b[17..19]),
        ) else {
            return Err(err());
        };
        let mut i = 19;
        let mut nanos = 0u32;
        if b[i] == b'.' {
            i += 1;
            let start = i;
            while i < b.len() && b[i].is_ascii_digit() {
                i += 1;
            }
            let count = i - start;
            if count == 0 || count > 9 {
                return Err(err());
            }
            nanos = digits(&b[start..i]).ok_or_else(err)? * 10u32.pow((9 - count) as u32);
        }
        let offset_secs: i64 = match b.get(i) {
            Some(b'Z' | b'z') if i + 1 == b.len() => 0,
            Some(&sign @ (b'+' | b'-')) if i + 6 == b.len() && b[i + 3] == b':' => {
                let (Some(h), Some(m)) = (digits(&b[i + 1..i + 3]), digits(&b[i + 4..i + 6]))
                else {
                    return Err(err());
                };
                if h > 23 || m > 59 {
                    return Err(err());
                }
                let s = i64::from(h * 3600 + m * 60);
                if sign == b'-' { -s } else { s }
            }
            _ => return Err(err()),
        };
        let local = Timestamp::from_utc(i64::from(year), month, day, hour, minute, second, nanos)
            .map_err(|_| err())?;
        Timestamp::from_unix(local.secs - offset_secs, local.nanos)
            .map_err(|_| TimestampError::OutOfRange(text.chars().take(64).collect()))
    }
}

/// `00`, `01`, ... `99`: the two digits of each value below 100.
const DIGIT_PAIRS: &[u8; 200] = b"\
0001020304050607080910111213141516171819\
2021222324252627282930313233343536373839\
4041424344454647484950515253545556575859\
6061626364656667686970717273747576777879\
8081828384858687888990919293949596979899";

/// The value of a run of at most nine ASCII digits; `None` if any byte is
/// not a digit.
#[inline]
fn digits(s: &[u8]) -> Option<u32> {
    s.iter().try_fold(0u32, |acc, &c| {
        let d = c.wrapping_sub(b'0');
        (d <= 9).then(|| acc * 10 + u32::from(d))
    })
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut buf = [0u8; 30];
        self.write_text(&mut buf);
        // Only ASCII digits and separators were written.
        f.write_str(std::str::from_utf8(&buf).map_err(|_| fmt::Error)?)
    }
}

impl fmt::Debug for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Timestamp({self})")
    }
}

impl FromStr for Timestamp {
    type Err = TimestampError;
    fn from_str(s: &str) -> Result<Self, TimestampError> {
        Timestamp::parse(s)
    }
}

impl TryFrom<SystemTime> for Timestamp {
    type Error = TimestampError;
    fn try_from(t: SystemTime) -> Result<Self, TimestampError> {
        match t.duration_since(UNIX_EPOCH) {
            Ok(d) => Timestamp::UNIX_EPOCH.checked_add(d),
            Err(e) => Timestamp::UNIX_EPOCH.checked_sub(e.duration()),
        }
        .ok_or_else(|| TimestampError::OutOfRange(format!("{t:?}")))
    }
}

impl From<Timestamp> for SystemTime {
    fn from(t: Timestamp) -> SystemTime {
        if t.secs >= 0 {
            UNIX_EPOCH + Duration::new(t.secs as u64, t.nanos)
        } else {
            UNIX_EPOCH - Duration::from_secs(t.secs.unsigned_abs())
                + Duration::from_nanos(u64::from(t.nanos))
        }
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut buf = [0u8; 30];
        self.write_text(&mut buf);
        serializer.serialize_str(std::str::from_utf8(&buf).map_err(serde::ser::Error::custom)?)
    }
}

struct TimestampVisitor;

impl Visitor<'_> for TimestampVisitor {
    type Value = Timestamp;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an ISO-8601 timestamp string")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Timestamp, E> {
        Timestamp::parse(v).map_err(E::custom)
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_str(TimestampVisitor)
    }
}

/// Seconds since the Unix epoch, stored as a number: the form DynamoDB's
/// time-to-live feature reads.
///
/// ```
/// use dynamodb_mapper::{EpochSeconds, Timestamp};
/// use std::time::Duration;
///
/// let expires = EpochSeconds::now() + Duration::from_secs(3600);
/// assert!(expires > EpochSeconds::now());
/// assert_eq!(EpochSeconds(0).to_timestamp(), Some(Timestamp::UNIX_EPOCH));
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct EpochSeconds(pub i64);

impl EpochSeconds {
    /// The current time, rounded down to the second.
    pub fn now() -> EpochSeconds {
        EpochSeconds(Timestamp::now().unix_seconds())
    }

    /// As a [`Timestamp`], if within years 0000 to 9999.
    pub fn to_timestamp(self) -> Option<Timestamp> {
        Timestamp::from_unix_seconds(self.0).ok()
    }
}

impl From<Timestamp> for EpochSeconds {
    fn from(t: Timestamp) -> Self {
        EpochSeconds(t.unix_seconds())
    }
}

impl std::ops::Add<Duration> for EpochSeconds {
    type Output = EpochSeconds;
    fn add(self, d: Duration) -> EpochSeconds {
        EpochSeconds(
            self.0
                .saturating_add(i64::try_from(d.as_secs()).unwrap_or(i64::MAX)),
        )
    }
}

impl std::ops::Sub<Duration> for EpochSeconds {
    type Output = EpochSeconds;
    fn sub(self, d: Duration) -> EpochSeconds {
        EpochSeconds(
            self.0
                .saturating_sub(i64::try_from(d.as_secs()).unwrap_or(i64::MAX)),
        )
    }
}

impl Serialize for EpochSeconds {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_i64(self.0)
    }
}

impl<'de> Deserialize<'de> for EpochSeconds {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        i64::deserialize(d).map(EpochSeconds)
    }
}

#[cfg(feature = "chrono")]
mod chrono_conv {
    use super::*;
    use chrono::{DateTime, Utc};

    impl TryFrom<DateTime<Utc>> for Timestamp {
        type Error = TimestampError;
        fn try_from(t: DateTime<Utc>) -> Result<Self, TimestampError> {
            Timestamp::from_unix(t.timestamp(), t.timestamp_subsec_nanos())
        }
    }

    impl From<Timestamp> for DateTime<Utc> {
        fn from(t: Timestamp) -> Self {
            // Years 0000-9999 are within chrono's range.
            DateTime::from_timestamp(t.secs, t.nanos).unwrap_or_default()
        }
    }
}

#[cfg(feature = "time")]
mod time_conv {
    use super::*;
    use time::OffsetDateTime;

    impl TryFrom<OffsetDateTime> for Timestamp {
        type Error = TimestampError;
        fn try_from(t: OffsetDateTime) -> Result<Self, TimestampError> {
            Timestamp::from_unix(t.unix_timestamp(), t.nanosecond())
        }
    }

    impl TryFrom<Timestamp> for OffsetDateTime {
        type Error = time::error::ComponentRange;
        fn try_from(t: Timestamp) -> Result<Self, Self::Error> {
            OffsetDateTime::from_unix_timestamp_nanos(
                i128::from(t.secs) * 1_000_000_000 + i128::from(t.nanos),
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_width_text() {
        assert_eq!(
            Timestamp::UNIX_EPOCH.to_string(),
            "1970-01-01T00:00:00.000000000Z"
        );
        assert_eq!(Timestamp::MIN.to_string(), "0000-01-01T00:00:00.000000000Z");
        assert_eq!(Timestamp::MAX.to_string(), "9999-12-31T23:59:59.999999999Z");
        let t = Timestamp::from_utc(2024, 2, 29, 23, 59, 58, 123_456_789).unwrap();
        assert_eq!(t.to_string(), "2024-02-29T23:59:58.123456789Z");
        assert_eq!(Timestamp::parse(&t.to_string()).unwrap(), t);
    }

    #[test]
    fn parse_forms() {
        let t = Timestamp::parse("2024-01-31T12:00:00Z").unwrap();
        assert_eq!(Timestamp::parse("2024-01-31T14:30:00+02:30").unwrap(), t);
        assert_eq!(Timestamp::parse("2024-01-31T11:00:00-01:00").unwrap(), t);
        assert_eq!(Timestamp::parse("2024-01-31t12:00:00.0z").unwrap(), t);
        for bad in [
            "",
            "2024-01-31",
            "2024-02-30T00:00:00Z",
            "2024-01-31T24:00:00Z",
            "2024-01-31T12:00:00",
            "2024-01-31T12:00:00.Z",
            "2024-01-31T12:00:00.1234567890Z",
            "20x4-01-31T12:00:00Z",
        ] {
            assert!(Timestamp::parse(bad).is_err(), "{bad}");
        }
        assert!(matches!(
            Timestamp::parse("0000-01-01T00:00:00+01:00"),
            Err(TimestampError::OutOfRange(_))
        ));
    }

    #[test]
    fn stored_form_read_as_the_general_parser_reads_it() {
        let mut texts: Vec<String> = Vec::new();
        for secs in (-62_167_219_200i64..=253_402_300_799).step_by(7_777_777_777) {
            for nanos in [0, 1, 9, 10, 123_456_789, 999_999_999] {
                texts.push(Timestamp::from_unix(secs, nanos).unwrap().to_string());
            }
        }
        texts.push(Timestamp::MAX.to_string());
        texts.push(Timestamp::MIN.to_string());
        for good in texts.clone() {
            // One byte changed at each position, to a digit or not.
            for at in 0..good.len() {
                for c in [b'0', b'1', b'2', b'3', b'9', b'x', b'-', b'Z', b't'] {
                    let mut b = good.clone().into_bytes();
                    b[at] = c;
                    texts.push(String::from_utf8(b).unwrap());
                }
            }
        }
        texts.extend(
            [
                "2023-02-29T00:00:00.000000000Z",
                "2024-02-29T00:00:00.000000000Z",
                "2024-04-31T00:00:00.000000000Z",
                "2024-00-10T00:00:00.000000000Z",
                "2024-13-10T00:00:00.000000000Z",
                "2024-01-00T00:00:00.000000000Z",
                "2024-01-01T24:00:00.000000000Z",
                "2024-01-01T23:60:00.000000000Z",
                "2024-01-01T23:59:60.000000000Z",
                "2024-01-01t23:59:59.000000000z",
                "2024-01-01T23:59:59.000000000+00:00",
            ]
            .map(String::from),
        );
        for text in &texts {
            assert_eq!(
                Timestamp::parse(text),
                Timestamp::parse_general(text),
                "{text}"
            );
        }
        for t in [Timestamp::MIN, Timestamp::MAX, Timestamp::UNIX_EPOCH] {
            assert_eq!(Timestamp::parse_stored(t.to_string().as_bytes()), Some(t));
        }
    }

    #[test]
    fn system_time_round_trip() {
        let now = SystemTime::now();
        let t = Timestamp::try_from(now).unwrap();
        assert_eq!(SystemTime::from(t), now);
        let before = UNIX_EPOCH - Duration::new(10, 5);
        assert_eq!(
            SystemTime::from(Timestamp::try_from(before).unwrap()),
            before
        );
    }
}
