//! DynamoDB's decimal number type.
//!
//! A DynamoDB number is a decimal of at most 38 significant digits whose
//! magnitude is zero or lies between 1E-130 and 9.9999999999999999999999999999999999999E+125.
//! [`Number`] keeps the exact text it was made from (so `"1.50"` stays
//! `"1.50"` on its way through the mapper) and compares and hashes by
//! numeric value: `"1"`, `"1.0"` and `"1e0"` are equal and `"10" > "9"`.

use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::str::FromStr;

use compact_str::{CompactString, ToCompactString};

/// The most significant digits a DynamoDB number may have.
pub const MAX_DIGITS: usize = 38;
/// The smallest decimal exponent of a non-zero number in scientific form (`d.ddd × 10^e`).
pub const MIN_EXPONENT: i64 = -130;
/// The largest decimal exponent of a number in scientific form (`d.ddd × 10^e`).
pub const MAX_EXPONENT: i64 = 125;

/// A DynamoDB number (`N`): an exact decimal, kept as the text it was given.
///
/// ```
/// use dynamodb_mapper::Number;
///
/// let a: Number = "1.50".parse()?;
/// let b: Number = "15e-1".parse()?;
/// assert_eq!(a, b);                 // equal by value
/// assert_eq!(a.as_str(), "1.50");   // the text is kept
/// assert!("10".parse::<Number>()? > "9".parse::<Number>()?);
/// assert!("1e126".parse::<Number>().is_err()); // out of DynamoDB's range
/// # Ok::<(), dynamodb_mapper::NumberError>(())
/// ```
#[derive(Clone)]
pub struct Number(CompactString);

/// Why a text or a value is not a valid DynamoDB number.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum NumberError {
    /// The text is not a decimal number.
    #[error("`{0}` is not a number")]
    Syntax(String),
    /// More than 38 significant digits.
    #[error("`{text}` has {digits} significant digits; DynamoDB numbers have at most 38")]
    TooManyDigits {
        /// The offending text (possibly shortened).
        text: String,
        /// How many significant digits it has.
        digits: usize,
    },
    /// Magnitude above 9.9999999999999999999999999999999999999E+125.
    #[error(
        "`{0}` is too large: DynamoDB numbers are at most 9.9999999999999999999999999999999999999E+125 in magnitude"
    )]
    Overflow(String),
    /// Non-zero magnitude below 1E-130.
    #[error(
        "`{0}` is too small: DynamoDB numbers other than zero are at least 1E-130 in magnitude"
    )]
    Underflow(String),
    /// NaN or an infinity.
    #[error("{0} is not a finite number; DynamoDB cannot store NaN or infinity")]
    NotFinite(String),
    /// The number does not fit the Rust type asked for.
    #[error("{text} does not fit in {target}")]
    OutOfRange {
        /// The number's text.
        text: String,
        /// The Rust type asked for.
        target: &'static str,
    },
}

fn shorten(text: &str) -> String {
    if text.len() <= 64 {
        text.to_owned()
    } else {
        let mut end = 60;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        format!("{}...", &text[..end])
    }
}

/// A number decomposed for comparison: `±0.d1 d2 ... dn × 10^(exp+1)`, that
/// is `d1.d2...dn × 10^exp`, with no leading or trailing zero digit.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Decomposed<'a> {
    negative: bool,
    /// Integer digits then fraction digits, as ASCII.
    int: &'a [u8],
    frac: &'a [u8],
    /// Index (into int ++ frac) of the first significant digit.
    first: usize,
    /// Number of significant digits; zero means the number is zero.
    count: usize,
    /// Exponent of the first significant digit in scientific form.
    exp: i64,
}

impl<'a> Decomposed<'a> {
    fn digit(&self, i: usize) -> u8 {
        if i < self.int.len() {
            self.int[i]
        } else {
            self.frac[i - self.int.len()]
        }
    }

    /// The significant digits, most significant first (ASCII).
    pub(crate) fn digits(&self) -> impl Iterator<Item = u8> + '_ {
        (self.first..self.first + self.count).map(move |i| self.digit(i))
    }

    pub(crate) fn is_zero(&self) -> bool {
        self.count == 0
    }

    pub(crate) fn is_negative(&self) -> bool {
        self.negative && self.count != 0
    }

    /// Exponent of the most significant digit (`d.ddd × 10^exp`).
    pub(crate) fn exponent(&self) -> i64 {
        self.exp
    }

    pub(crate) fn digit_count(&self) -> usize {
        self.count
    }

    /// The bytes DynamoDB counts for the number: one, plus one per pair
    /// of digits (pairs aligned on the decimal point, leading and trailing
    /// zero pairs dropped), plus one if negative. `0` is one byte; `110`
    /// and `0.123` are three.
    pub(crate) fn size(&self) -> usize {
        if self.is_zero() {
            return 1;
        }
        let first = self.exp;
        let last = first - self.count as i64 + 1;
        let pairs = (first.div_euclid(2) - last.div_euclid(2) + 1) as usize;
        1 + pairs + usize::from(self.is_negative())
    }

    fn cmp_magnitude(&self, other: &Self) -> Ordering {
        match (self.is_zero(), other.is_zero()) {
            (true, true) => return Ordering::Equal,
            (true, false) => return Ordering::Less,
            (false, true) => return Ordering::Greater,
            _ => {}
        }
        self.exp
            .cmp(&other.exp)
            .then_with(|| self.digits().cmp(other.digits()))
    }

    pub(crate) fn cmp_value(&self, other: &Self) -> Ordering {
        match (self.is_negative(), other.is_negative()) {
            (false, true) => Ordering::Greater,
            (true, false) => Ordering::Less,
            (false, false) => self.cmp_magnitude(other),
            (true, true) => other.cmp_magnitude(self),
        }
    }
}

/// Splits number text into its parts, checking the syntax:
/// `[+-]digits[.digits][(e|E)[+-]digits]` with at least one mantissa digit.
pub(crate) fn decompose(text: &str) -> Option<Decomposed<'_>> {
    decompose_integer(text.as_bytes()).or_else(|| decompose_any(text))
}

/// [`decompose`] of any text, sign, fraction and exponent included.
fn decompose_any(text: &str) -> Option<Decomposed<'_>> {
    let bytes = text.as_bytes();
    let mut i = 0;
    let mut negative = false;
    if let Some(&c) = bytes.first()
        && (c == b'-' || c == b'+')
    {
        negative = c == b'-';
        i = 1;
    }
    let int_start = i;
    while i < bytes.len() && bytes[i].is_ascii_digit() {
        i += 1;
    }
    let int = &bytes[int_start..i];
    let mut frac: &[u8] = &[];
    if i < bytes.len() && bytes[i] == b'.' {
        i += 1;
        let frac_start = i;
        while i < bytes.len() && bytes[i].is_ascii_digit() {
            i += 1;
        }
        frac = &bytes[frac_start..i];
    }
    if int.is_empty() && frac.is_empty() {
        return None;
    }
    let mut exp: i64 = 0;
    if i < bytes.len() && (bytes[i] == b'e' || bytes[i] == b'E') {
        i += 1;
        let mut exp_negative = false;
        if i < bytes.len() && (bytes[i] == b'-' || bytes[i] == b'+') {
            exp_negative = bytes[i] == b'-';
            i += 1;
        }
        let exp_start = i;
        while i < bytes.len() && bytes[i].is_ascii_digit() {
            // Saturate: anything beyond a billion is out of range anyway
            // (unless the mantissa is zero, where the exponent is moot).
            exp = (exp * 10 + i64::from(bytes[i] - b'0')).min(1_000_000_000);
            i += 1;
        }
        if i == exp_start {
            return None;
        }
        if exp_negative {
            exp = -exp;
        }
    }
    if i != bytes.len() {
        return None;
    }
    let total = int.len() + frac.len();
    let digit = |k: usize| {
        if k < int.len() {
            int[k]
        } else {
            frac[k - int.len()]
        }
    };
    let mut first = 0;
    while first < total && digit(first) == b'0' {
        first += 1;
    }
    if first == total {
        return Some(Decomposed {
            negative,
            int,
            frac,
            first: 0,
            count: 0,
            exp: 0,
        });
    }
    let mut last = total - 1;
    while digit(last) == b'0' {
        last -= 1;
    }
    let sci_exp = int.len() as i64 - 1 - first as i64 + exp;
    Some(Decomposed {
        negative,
        int,
        frac,
        first,
        count: last - first + 1,
        exp: sci_exp,
    })
}

/// [`decompose`] of the most common text, digits only (an unsigned
/// integer), without the general path's branches; `None` for anything
/// else (the general path then decides). The parts are those the general
/// path gives.
#[inline]
fn decompose_integer(bytes: &[u8]) -> Option<Decomposed<'_>> {
    if bytes.is_empty() || !bytes.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let Some(first) = bytes.iter().position(|&c| c != b'0') else {
        return Some(Decomposed {
            negative: false,
            int: bytes,
            frac: &[],
            first: 0,
            count: 0,
            exp: 0,
        });
    };
    // A digit other than 0 exists, so the last one is found.
    let last = bytes.iter().rposition(|&c| c != b'0').unwrap_or(first);
    Some(Decomposed {
        negative: false,
        int: bytes,
        frac: &[],
        first,
        count: last - first + 1,
        exp: bytes.len() as i64 - 1 - first as i64,
    })
}

/// Checks DynamoDB's rules on a decomposed number.
fn check(text: &str, d: &Decomposed<'_>) -> Result<(), NumberError> {
    if d.is_zero() {
        return Ok(());
    }
    if d.count > MAX_DIGITS {
        return Err(NumberError::TooManyDigits {
            text: shorten(text),
            digits: d.count,
        });
    }
    if d.exp > MAX_EXPONENT {
        return Err(NumberError::Overflow(shorten(text)));
    }
    if d.exp < MIN_EXPONENT {
        return Err(NumberError::Underflow(shorten(text)));
    }
    Ok(())
}

impl Number {
    /// Parses and validates number text (`"12"`, `"-1.5"`, `"6.02e23"`).
    pub fn parse(text: &str) -> Result<Self, NumberError> {
        Self::parse_sized(text).map(|(n, _)| n)
    }

    /// [`parse`](Self::parse), with the number's size as DynamoDB counts
    /// it (see [`AttributeValue::size`](crate::AttributeValue::size)),
    /// from the one decomposition that validates it.
    pub(crate) fn parse_sized(text: &str) -> Result<(Self, usize), NumberError> {
        let d = decompose(text).ok_or_else(|| NumberError::Syntax(shorten(text)))?;
        check(text, &d)?;
        Ok((Number(CompactString::from(text)), d.size()))
    }

    /// Zero.
    pub fn zero() -> Self {
        Number(CompactString::const_new("0"))
    }

    /// The text this number was made from.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub(crate) fn decomposed(&self) -> Decomposed<'_> {
        // The text was validated on construction.
        decompose(&self.0).unwrap_or(Decomposed {
            negative: false,
            int: b"0",
            frac: b"",
            first: 0,
            count: 0,
            exp: 0,
        })
    }

    /// True for any representation of zero.
    pub fn is_zero(&self) -> bool {
        self.decomposed().is_zero()
    }

    /// True for numbers below zero.
    pub fn is_negative(&self) -> bool {
        self.decomposed().is_negative()
    }

    /// Number of significant digits (leading and trailing zeros do not count).
    pub fn significant_digits(&self) -> usize {
        self.decomposed().digit_count()
    }

    /// The canonical text DynamoDB answers with: plain decimal notation, no
    /// exponent, no leading or trailing zero, no `+`, and `0` for zero
    /// (`"1.500"` -> `"1.5"`, `"1e3"` -> `"1000"`, `"-0"` -> `"0"`).
    pub fn canonical(&self) -> Number {
        let d = self.decomposed();
        if d.is_zero() {
            return Number::zero();
        }
        let mut out = CompactString::default();
        if d.is_negative() {
            out.push('-');
        }
        let digits: Vec<u8> = d.digits().collect();
        let exp = d.exponent();
        if exp < 0 {
            out.push_str("0.");
            for _ in 0..(-exp - 1) {
                out.push('0');
            }
            for &c in &digits {
                out.push(c as char);
            }
        } else {
            let int_len = exp as usize + 1;
            for k in 0..int_len.max(digits.len()) {
                if k == int_len {
                    out.push('.');
                }
                out.push(digits.get(k).map_or('0', |&c| c as char));
            }
        }
        Number(out)
    }

    /// True when the text is already in [canonical](Self::canonical) form.
    pub fn is_canonical(&self) -> bool {
        self.canonical().0 == self.0
    }

    /// The value as an `i64`, if it is an integer in range.
    pub fn to_i64(&self) -> Result<i64, NumberError> {
        if let Ok(v) = self.0.parse::<i64>() {
            return Ok(v);
        }
        let v = self.to_i128_general("i64")?;
        i64::try_from(v).map_err(|_| self.out_of_range("i64"))
    }

    /// The value as a `u64`, if it is a non-negative integer in range.
    pub fn to_u64(&self) -> Result<u64, NumberError> {
        if let Ok(v) = self.0.parse::<u64>() {
            return Ok(v);
        }
        let v = self.to_i128_general("u64")?;
        u64::try_from(v).map_err(|_| self.out_of_range("u64"))
    }

    /// The value as an `i128`, if it is an integer in range.
    pub fn to_i128(&self) -> Result<i128, NumberError> {
        if let Ok(v) = self.0.parse::<i128>() {
            return Ok(v);
        }
        self.to_i128_general("i128")
    }

    /// The value as a `u128`, if it is a non-negative integer in range.
    pub fn to_u128(&self) -> Result<u128, NumberError> {
        if let Ok(v) = self.0.parse::<u128>() {
            return Ok(v);
        }
        let d = self.decomposed();
        if d.is_negative() {
            return Err(self.out_of_range("u128"));
        }
        self.integer_magnitude(&d, "u128")
    }

    /// The value as the nearest `f64` (DynamoDB numbers can hold more
    /// precision than an `f64`).
    pub fn to_f64(&self) -> f64 {
        // Validated text is always in a form Rust's float parser accepts.
        self.0.parse::<f64>().unwrap_or(f64::NAN)
    }

    fn out_of_range(&self, target: &'static str) -> NumberError {
        NumberError::OutOfRange {
            text: shorten(&self.0),
            target,
        }
    }

    fn integer_magnitude(
        &self,
        d: &Decomposed<'_>,
        target: &'static str,
    ) -> Result<u128, NumberError> {
        if d.is_zero() {
            return Ok(0);
        }
        // An integer has no significant digit after the units digit.
        if d.exponent() < 0 || (d.digit_count() as i64) > d.exponent() + 1 {
            return Err(self.out_of_range(target));
        }
        let mut v: u128 = 0;
        for c in d.digits() {
            v = v
                .checked_mul(10)
                .and_then(|v| v.checked_add(u128::from(c - b'0')))
                .ok_or_else(|| self.out_of_range(target))?;
        }
        for _ in 0..(d.exponent() + 1 - d.digit_count() as i64) {
            v = v.checked_mul(10).ok_or_else(|| self.out_of_range(target))?;
        }
        Ok(v)
    }

    fn to_i128_general(&self, target: &'static str) -> Result<i128, NumberError> {
        let d = self.decomposed();
        let magnitude = self.integer_magnitude(&d, target)?;
        if d.is_negative() {
            if magnitude == 1u128 << 127 {
                return Ok(i128::MIN);
            }
            i128::try_from(magnitude)
                .map(|v| -v)
                .map_err(|_| self.out_of_range(target))
        } else {
            i128::try_from(magnitude).map_err(|_| self.out_of_range(target))
        }
    }

    /// Builds a number from a float; NaN, infinities and values outside
    /// DynamoDB's range are refused.
    pub fn from_f64(value: f64) -> Result<Self, NumberError> {
        if !value.is_finite() {
            return Err(NumberError::NotFinite(value.to_string()));
        }
        let mut buf = ryu::Buffer::new();
        let text = buf.format_finite(value);
        // ryu's text is `[-]digits[.digits][e[-]digits]` with at most 17
        // significant digits, within a relative 1e-16 of the value: for a
        // magnitude of zero or between 1e-129 and 1e124 its exponent is
        // between -130 and 124, so it is a valid DynamoDB number (the tests
        // check this against `parse`). Values nearer the limits are parsed.
        let magnitude = value.abs();
        if magnitude == 0.0 || (1e-129..=1e124).contains(&magnitude) {
            return Ok(Number(CompactString::from(text)));
        }
        Number::parse(text)
    }

    /// Builds a number from an `f32`; see [`Number::from_f64`].
    pub fn from_f32(value: f32) -> Result<Self, NumberError> {
        if !value.is_finite() {
            return Err(NumberError::NotFinite(value.to_string()));
        }
        let mut buf = ryu::Buffer::new();
        // Every finite `f32` (at most about 3.4e38, at least about 1.4e-45
        // in magnitude, 9 significant digits) is a valid DynamoDB number.
        Ok(Number(CompactString::from(buf.format_finite(value))))
    }

    /// Builds a number from an `i128`; more than 38 digits is refused.
    pub fn from_i128(value: i128) -> Result<Self, NumberError> {
        Number::parse(&value.to_compact_string())
    }

    /// Builds a number from a `u128`; more than 38 digits is refused.
    pub fn from_u128(value: u128) -> Result<Self, NumberError> {
        Number::parse(&value.to_compact_string())
    }
}

macro_rules! from_small_int {
    ($($t:ty),*) => {$(
        impl From<$t> for Number {
            fn from(value: $t) -> Self {
                // At most 20 characters: always a valid DynamoDB number.
                Number(value.to_compact_string())
            }
        }
    )*};
}
from_small_int!(i8, i16, i32, i64, isize, u8, u16, u32, u64, usize);

impl TryFrom<i128> for Number {
    type Error = NumberError;
    fn try_from(value: i128) -> Result<Self, NumberError> {
        Number::from_i128(value)
    }
}

impl TryFrom<u128> for Number {
    type Error = NumberError;
    fn try_from(value: u128) -> Result<Self, NumberError> {
        Number::from_u128(value)
    }
}

impl TryFrom<f64> for Number {
    type Error = NumberError;
    fn try_from(value: f64) -> Result<Self, NumberError> {
        Number::from_f64(value)
    }
}

impl TryFrom<f32> for Number {
    type Error = NumberError;
    fn try_from(value: f32) -> Result<Self, NumberError> {
        Number::from_f32(value)
    }
}

impl FromStr for Number {
    type Err = NumberError;
    fn from_str(s: &str) -> Result<Self, NumberError> {
        Number::parse(s)
    }
}

impl TryFrom<&str> for Number {
    type Error = NumberError;
    fn try_from(s: &str) -> Result<Self, NumberError> {
        Number::parse(s)
    }
}

impl TryFrom<String> for Number {
    type Error = NumberError;
    fn try_from(s: String) -> Result<Self, NumberError> {
        Number::parse(&s)
    }
}

impl fmt::Display for Number {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for Number {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Number({})", self.0)
    }
}

impl PartialEq for Number {
    fn eq(&self, other: &Self) -> bool {
        self.0 == other.0 || self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Number {}

impl PartialOrd for Number {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Number {
    fn cmp(&self, other: &Self) -> Ordering {
        self.decomposed().cmp_value(&other.decomposed())
    }
}

impl Hash for Number {
    fn hash<H: Hasher>(&self, state: &mut H) {
        let d = self.decomposed();
        if d.is_zero() {
            state.write_u8(0);
            return;
        }
        state.write_u8(if d.is_negative() { 1 } else { 2 });
        state.write_i64(d.exponent());
        for c in d.digits() {
            state.write_u8(c);
        }
        state.write_u8(0xff);
    }
}

mod arith;

impl Number {
    /// Exact sum, in canonical form; an error when the result is outside
    /// DynamoDB's range or needs more than 38 significant digits.
    pub fn checked_add(&self, other: &Number) -> Result<Number, NumberError> {
        arith::add(self, other, false)
    }

    /// Exact difference, in canonical form; see [`Number::checked_add`].
    pub fn checked_sub(&self, other: &Number) -> Result<Number, NumberError> {
        arith::add(self, other, true)
    }
}

#[cfg(test)]
mod tests;
