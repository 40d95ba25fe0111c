//! Strategies for validation rules: `range` bounds, `regex` patterns and
//! `one_of` choices, as `#[derive(Arbitrary)]` uses them.

use std::fmt;

use proptest::arbitrary::any;
use proptest::sample;
use proptest::strategy::{BoxedStrategy, Just, Strategy};
use regex_syntax::hir::{self, Hir, HirKind};

use super::values::flush;
use crate::number::Number;
use crate::time::Timestamp;
use crate::validate::Validate;

/// A type whose values `range(min = .., max = ..)` bounds, and how to
/// generate them within bounds (both inclusive).
#[diagnostic::on_unimplemented(
    message = "#[derive(Arbitrary)] cannot generate a `{Self}` within a `range`",
    label = "ranges are generated for integers, floats, `Number` and `Timestamp`",
    note = "give the field its own strategy: #[proptest(strategy = ...)]"
)]
pub trait Bounded: Sized + fmt::Debug {
    /// Values from `min` to `max`, both included (`min` alone when `max < min`).
    fn between(min: Self, max: Self) -> BoxedStrategy<Self>;
    /// Values from `min` up.
    fn at_least(min: Self) -> BoxedStrategy<Self>;
    /// Values up to `max`.
    fn at_most(max: Self) -> BoxedStrategy<Self>;
}

macro_rules! bounded_ints {
    ($($t:ty => $lo:expr, $hi:expr;)*) => {$(
        impl Bounded for $t {
            fn between(min: $t, max: $t) -> BoxedStrategy<$t> {
                if max < min {
                    return Just(min).boxed();
                }
                (min..=max).boxed()
            }
            fn at_least(min: $t) -> BoxedStrategy<$t> {
                Self::between(min, $hi)
            }
            fn at_most(max: $t) -> BoxedStrategy<$t> {
                Self::between($lo, max)
            }
        }
    )*};
}

const I128_BOUND: i128 = 10i128.pow(38) - 1;
const U128_BOUND: u128 = 10u128.pow(38) - 1;

bounded_ints! {
    i8 => i8::MIN, i8::MAX;
    i16 => i16::MIN, i16::MAX;
    i32 => i32::MIN, i32::MAX;
    i64 => i64::MIN, i64::MAX;
    i128 => -I128_BOUND, I128_BOUND;
    isize => isize::MIN, isize::MAX;
    u8 => u8::MIN, u8::MAX;
    u16 => u16::MIN, u16::MAX;
    u32 => u32::MIN, u32::MAX;
    u64 => u64::MIN, u64::MAX;
    u128 => u128::MIN, U128_BOUND;
    usize => usize::MIN, usize::MAX;
}

/// The largest magnitude a DynamoDB number has, as an `f64`.
const F64_LIMIT: f64 = 9.9e125;

impl Bounded for f64 {
    fn between(min: f64, max: f64) -> BoxedStrategy<f64> {
        // DynamoDB stores no infinity: the bounds are within its range.
        let (min, max) = (min.max(-F64_LIMIT), max.min(F64_LIMIT));
        if max.partial_cmp(&min).is_none_or(|o| o.is_lt()) {
            return Just(min).boxed();
        }
        prop_oneof_bounds(min, max)
    }
    fn at_least(min: f64) -> BoxedStrategy<f64> {
        Self::between(min, F64_LIMIT.max(min))
    }
    fn at_most(max: f64) -> BoxedStrategy<f64> {
        Self::between((-F64_LIMIT).min(max), max)
    }
}

/// The bounds themselves now and then, values between them otherwise.
fn prop_oneof_bounds(min: f64, max: f64) -> BoxedStrategy<f64> {
    proptest::prop_oneof![
        1 => Just(min),
        1 => Just(max),
        6 => (min..=max).prop_map(move |v| {
            let v = flush(v);
            if v < min || v > max { min } else { v }
        }),
    ]
    .boxed()
}

impl Bounded for f32 {
    fn between(min: f32, max: f32) -> BoxedStrategy<f32> {
        let (min, max) = (min.max(f32::MIN), max.min(f32::MAX));
        if max.partial_cmp(&min).is_none_or(|o| o.is_lt()) {
            return Just(min).boxed();
        }
        proptest::prop_oneof![1 => Just(min), 1 => Just(max), 6 => min..=max].boxed()
    }
    fn at_least(min: f32) -> BoxedStrategy<f32> {
        Self::between(min, f32::MAX.max(min))
    }
    fn at_most(max: f32) -> BoxedStrategy<f32> {
        Self::between(f32::MIN.min(max), max)
    }
}

impl Bounded for Number {
    fn between(min: Number, max: Number) -> BoxedStrategy<Number> {
        if max < min {
            return Just(min).boxed();
        }
        let (lo, hi) = (min.to_f64(), max.to_f64());
        let (a, b) = (min.clone(), max.clone());
        let inside = f64::between(lo, hi).prop_map(move |v| {
            // Within the bounds as numbers, whatever the rounding.
            match Number::from_f64(v) {
                Ok(n) if n >= min && n <= max => n,
                _ => min.clone(),
            }
        });
        proptest::prop_oneof![1 => Just(a), 1 => Just(b), 6 => inside].boxed()
    }
    fn at_least(min: Number) -> BoxedStrategy<Number> {
        let max = Number::parse("9.9E125").unwrap_or_else(|_| Number::zero());
        Self::between(min.clone(), if max < min { min } else { max })
    }
    fn at_most(max: Number) -> BoxedStrategy<Number> {
        let min = Number::parse("-9.9E125").unwrap_or_else(|_| Number::zero());
        Self::between(if max < min { max.clone() } else { min }, max)
    }
}

impl Bounded for Timestamp {
    fn between(min: Timestamp, max: Timestamp) -> BoxedStrategy<Timestamp> {
        if max < min {
            return Just(min).boxed();
        }
        let (lo, hi) = (min.unix_seconds(), max.unix_seconds());
        (lo..=hi, 0u32..1_000_000_000)
            .prop_map(move |(s, n)| match Timestamp::from_unix(s, n) {
                Ok(t) if t >= min && t <= max => t,
                _ => min,
            })
            .boxed()
    }
    fn at_least(min: Timestamp) -> BoxedStrategy<Timestamp> {
        Self::between(min, Timestamp::MAX)
    }
    fn at_most(max: Timestamp) -> BoxedStrategy<Timestamp> {
        Self::between(Timestamp::MIN, max)
    }
}

/// One of these values (`one_of(...)`), shrinking towards the first.
pub fn one_of<T: Clone + fmt::Debug + 'static>(values: Vec<T>) -> BoxedStrategy<T> {
    sample::select(values).boxed()
}

/// Strings in which `pattern` matches, the way `regex = "..."` checks them
/// (a match anywhere; anchor with `^...$` for the whole string). Anchors
/// and word boundaries are dropped to generate, and every string is
/// checked against the pattern itself, so a pattern whose boundaries the
/// generated text misses is rejected rather than wrong. A pattern that
/// does not compile gives an error.
pub fn string_matching(pattern: &str) -> Result<BoxedStrategy<String>, regex::Error> {
    let re = regex::Regex::new(pattern)?;
    let hir = regex_syntax::ParserBuilder::new()
        .build()
        .parse(pattern)
        .ok()
        .map(|h| without_looks(&h));
    let generated = hir.and_then(|h| proptest::string::string_regex_parsed(&h).ok());
    Ok(match generated {
        Some(s) => s
            .prop_filter("matches the pattern", move |v| re.is_match(v))
            .boxed(),
        None => any::<String>()
            .prop_filter("matches the pattern", move |v| re.is_match(v))
            .boxed(),
    })
}

/// `hir` with every anchor and word boundary replaced by the empty
/// pattern. Recursion is bounded by the parser's nesting limit.
fn without_looks(h: &Hir) -> Hir {
    match h.kind() {
        HirKind::Look(_) => Hir::empty(),
        HirKind::Concat(subs) => Hir::concat(subs.iter().map(without_looks).collect()),
        HirKind::Alternation(subs) => Hir::alternation(subs.iter().map(without_looks).collect()),
        HirKind::Repetition(rep) => Hir::repetition(hir::Repetition {
            min: rep.min,
            max: rep.max,
            greedy: rep.greedy,
            sub: Box::new(without_looks(&rep.sub)),
        }),
        HirKind::Capture(cap) => Hir::capture(hir::Capture {
            index: cap.index,
            name: cap.name.clone(),
            sub: Box::new(without_looks(&cap.sub)),
        }),
        _ => h.clone(),
    }
}

/// [`string_matching`] for the derive, whose patterns compiled when it ran.
#[doc(hidden)]
pub fn __pattern(pattern: &str) -> BoxedStrategy<String> {
    string_matching(pattern).unwrap_or_else(|_| Just(String::new()).boxed())
}

/// Whether a value passes its validation rules, for any type: through
/// [`Validate`] when the type implements it (autoref specialisation on a
/// concrete type: `(&Probe(&v)).__is_valid()`), true otherwise.
#[doc(hidden)]
pub struct Probe<'a, T>(pub &'a T);

#[doc(hidden)]
pub trait ViaValidate {
    fn __is_valid(&self) -> bool;
}

impl<T: Validate> ViaValidate for Probe<'_, T> {
    fn __is_valid(&self) -> bool {
        self.0.validate().is_ok()
    }
}

#[doc(hidden)]
pub trait ViaNothing {
    fn __is_valid(&self) -> bool;
}

impl<T> ViaNothing for &Probe<'_, T> {
    fn __is_valid(&self) -> bool {
        true
    }
}
