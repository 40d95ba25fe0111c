//! Deep validation of model values.
//!
//! Rules are declared on fields with `#[validate(...)]` and checked by
//! [`Validate::validate`], which walks nested structs, options and
//! collections and reports every violation with its path (`address.zip`,
//! `tags[2]`), not only the first. Validation runs before every write.
//!
//! | rule | applies to | example |
//! |---|---|---|
//! | `range(min = .., max = ..)` | anything ordered | `#[validate(range(min = 0, max = 150))]` |
//! | `length(min = .., max = ..)` | strings (in characters), collections, binary | `#[validate(length(min = 1, max = 64))]` |
//! | `regex = ".."` | strings | `#[validate(regex = "^[a-z0-9_]+$")]` |
//! | `one_of(..)` | anything comparable | `#[validate(one_of("red", "green"))]` |
//! | `custom = path` | anything: `fn(&T) -> Result<(), String>` | `#[validate(custom = check_isbn)]` |
//! | `nested` | types that implement [`Validate`], through `Option`, `Vec`, maps | `#[validate(nested)]` |
//! | `each(..)` | collections: the rules apply to every element | `#[validate(each(length(max = 20)))]` |
//!
//! Rules on an `Option<T>` field apply to the value when it is `Some`.
//!
//! ```
//! use dynamodb_mapper::Validate;
//! use serde::Serialize;
//!
//! #[derive(Validate, Serialize)]
//! struct Address {
//!     #[validate(regex = "^[0-9]{5}$")]
//!     zip: String,
//! }
//!
//! #[derive(Validate, Serialize)]
//! struct Person {
//!     #[validate(length(min = 1))]
//!     name: String,
//!     #[validate(nested)]
//!     address: Address,
//!     #[validate(each(length(max = 5)))]
//!     tags: Vec<String>,
//! }
//!
//! let p = Person {
//!     name: "".into(),
//!     address: Address { zip: "1234".into() },
//!     tags: vec!["ok".into(), "ok".into(), "far too long".into()],
//! };
//! let errors = p.validate().unwrap_err();
//! let paths: Vec<String> = errors.violations().iter().map(|v| v.path.to_string()).collect();
//! assert_eq!(paths, ["name", "address.zip", "tags[2]"]);
//! ```

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet, VecDeque};
use std::fmt;

pub use crate::path::FieldPath;
use crate::path::PathSegment;
use crate::set::{Binary, Set};

/// A value that can check itself against its declared rules.
///
/// Derive it with `#[derive(Validate)]` (or `#[derive(Model)]`, which
/// implements it too).
pub trait Validate {
    /// Checks every rule, returning all violations at once.
    fn validate(&self) -> Result<(), ValidationErrors> {
        let mut report = Report::default();
        self.validate_at(&mut FieldPath::default(), &mut report);
        report.into_result()
    }

    /// Checks every rule, recording violations under `path`.
    fn validate_at(&self, path: &mut FieldPath, report: &mut Report);
}

/// Collects violations during validation.
#[derive(Debug, Default)]
pub struct Report(Vec<Violation>);

impl Report {
    /// Records a violation at `path`.
    pub fn push(&mut self, path: &FieldPath, rule: &'static str, message: impl Into<String>) {
        self.0.push(Violation {
            path: path.clone(),
            rule,
            message: message.into(),
        });
    }

    /// `Ok` when nothing was recorded.
    pub fn into_result(self) -> Result<(), ValidationErrors> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(ValidationErrors(self.0))
        }
    }
}

/// One broken rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Violation {
    /// Where: `name`, `address.zip`, `tags[2]` (empty for the value itself).
    pub path: FieldPath,
    /// Which rule: `range`, `length`, `regex`, `one_of`, `custom`, or a
    /// name given by the model.
    pub rule: &'static str,
    /// What is wrong, in words.
    pub message: String,
}

impl Violation {
    /// The same violation, inside an outer segment (`[3]` for the fourth
    /// value of a batch).
    pub fn within(mut self, outer: crate::path::PathSegment) -> Self {
        self.path = self.path.within(outer);
        self
    }
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            write!(f, "`(value)` {} ({})", self.message, self.rule)
        } else {
            write!(f, "`{}` {} ({})", self.path, self.message, self.rule)
        }
    }
}

impl std::error::Error for Violation {}

/// Every rule a value broke, each with its path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValidationErrors(Vec<Violation>);

impl ValidationErrors {
    /// The violations, in the order of the fields.
    pub fn violations(&self) -> &[Violation] {
        &self.0
    }

    /// A single violation (for checks made outside a derived rule).
    pub fn single(path: FieldPath, rule: &'static str, message: impl Into<String>) -> Self {
        ValidationErrors(vec![Violation {
            path,
            rule,
            message: message.into(),
        }])
    }
}

impl FromIterator<Violation> for ValidationErrors {
    fn from_iter<I: IntoIterator<Item = Violation>>(iter: I) -> Self {
        ValidationErrors(iter.into_iter().collect())
    }
}

impl fmt::Display for ValidationErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "validation failed: ")?;
        for (i, v) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{v}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ValidationErrors {}

impl<T: Validate + ?Sized> Validate for Box<T> {
    fn validate_at(&self, path: &mut FieldPath, report: &mut Report) {
        (**self).validate_at(path, report);
    }
}

impl<T: Validate> Validate for Option<T> {
    fn validate_at(&self, path: &mut FieldPath, report: &mut Report) {
        if let Some(v) = self {
            v.validate_at(path, report);
        }
    }
}

fn validate_indexed<'a, T: Validate + 'a>(
    items: impl Iterator<Item = &'a T>,
    path: &mut FieldPath,
    report: &mut Report,
) {
    for (i, v) in items.enumerate() {
        path.push_index(i);
        v.validate_at(path, report);
        path.pop();
    }
}

impl<T: Validate> Validate for Vec<T> {
    fn validate_at(&self, path: &mut FieldPath, report: &mut Report) {
        validate_indexed(self.iter(), path, report);
    }
}

impl<T: Validate> Validate for [T] {
    fn validate_at(&self, path: &mut FieldPath, report: &mut Report) {
        validate_indexed(self.iter(), path, report);
    }
}

impl<T: Validate, const N: usize> Validate for [T; N] {
    fn validate_at(&self, path: &mut FieldPath, report: &mut Report) {
        validate_indexed(self.iter(), path, report);
    }
}

impl<T: Validate> Validate for VecDeque<T> {
    fn validate_at(&self, path: &mut FieldPath, report: &mut Report) {
        validate_indexed(self.iter(), path, report);
    }
}

impl<K: fmt::Display, V: Validate, S> Validate for HashMap<K, V, S> {
    fn validate_at(&self, path: &mut FieldPath, report: &mut Report) {
        let mut entries: Vec<(String, &V)> = self.iter().map(|(k, v)| (k.to_string(), v)).collect();
        entries.sort_by(|a, b| a.0.cmp(&b.0));
        for (k, v) in entries {
            path.push_key(k);
            v.validate_at(path, report);
            path.pop();
        }
    }
}

impl<K: fmt::Display, V: Validate> Validate for BTreeMap<K, V> {
    fn validate_at(&self, path: &mut FieldPath, report: &mut Report) {
        for (k, v) in self {
            path.push_key(k.to_string());
            v.validate_at(path, report);
            path.pop();
        }
    }
}

/// Rule implementations called by the derived [`Validate`] code.
#[doc(hidden)]
pub mod rules {
    use super::*;

    /// Something with a length: characters for strings, elements for collections, bytes for binary.
    pub trait HasLength {
        /// The length.
        fn length(&self) -> usize;
    }

    impl HasLength for str {
        fn length(&self) -> usize {
            self.chars().count()
        }
    }
    impl HasLength for String {
        fn length(&self) -> usize {
            self.chars().count()
        }
    }
    impl<T> HasLength for Vec<T> {
        fn length(&self) -> usize {
            self.len()
        }
    }
    impl<T> HasLength for [T] {
        fn length(&self) -> usize {
            self.len()
        }
    }
    impl<T> HasLength for VecDeque<T> {
        fn length(&self) -> usize {
            self.len()
        }
    }
    impl<K, V, S> HasLength for HashMap<K, V, S> {
        fn length(&self) -> usize {
            self.len()
        }
    }
    impl<K, V> HasLength for BTreeMap<K, V> {
        fn length(&self) -> usize {
            self.len()
        }
    }
    impl<T, S> HasLength for HashSet<T, S> {
        fn length(&self) -> usize {
            self.len()
        }
    }
    impl<T> HasLength for BTreeSet<T> {
        fn length(&self) -> usize {
            self.len()
        }
    }
    impl<T: Ord> HasLength for Set<T> {
        fn length(&self) -> usize {
            self.len()
        }
    }
    impl HasLength for Binary {
        fn length(&self) -> usize {
            self.0.len()
        }
    }
    impl<T: HasLength + ?Sized> HasLength for &T {
        fn length(&self) -> usize {
            (**self).length()
        }
    }
    impl<T: HasLength + ?Sized> HasLength for Box<T> {
        fn length(&self) -> usize {
            (**self).length()
        }
    }

    /// A collection whose elements `each(...)` rules apply to.
    pub trait Elements {
        /// The element type.
        type Elem;
        /// Calls `f` with each element's path segment and the element.
        fn for_each_element(&self, f: &mut dyn FnMut(PathSegment, &Self::Elem));
    }

    macro_rules! indexed {
        ($($t:ty),*) => {$(
            impl<T> Elements for $t {
                type Elem = T;
                fn for_each_element(&self, f: &mut dyn FnMut(PathSegment, &T)) {
                    for (i, v) in self.iter().enumerate() {
                        f(PathSegment::Index(i), v);
                    }
                }
            }
        )*};
    }
    indexed!(Vec<T>, [T], VecDeque<T>, BTreeSet<T>);

    impl<T, const N: usize> Elements for [T; N] {
        type Elem = T;
        fn for_each_element(&self, f: &mut dyn FnMut(PathSegment, &T)) {
            for (i, v) in self.iter().enumerate() {
                f(PathSegment::Index(i), v);
            }
        }
    }

    impl<T: Ord> Elements for Set<T> {
        type Elem = T;
        fn for_each_element(&self, f: &mut dyn FnMut(PathSegment, &T)) {
            for (i, v) in self.iter().enumerate() {
                f(PathSegment::Index(i), v);
            }
        }
    }

    impl<K: fmt::Display, V> Elements for BTreeMap<K, V> {
        type Elem = V;
        fn for_each_element(&self, f: &mut dyn FnMut(PathSegment, &V)) {
            for (k, v) in self {
                f(PathSegment::Key(k.to_string()), v);
            }
        }
    }

    impl<K: fmt::Display, V, S> Elements for HashMap<K, V, S> {
        type Elem = V;
        fn for_each_element(&self, f: &mut dyn FnMut(PathSegment, &V)) {
            let mut entries: Vec<(String, &V)> =
                self.iter().map(|(k, v)| (k.to_string(), v)).collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            for (k, v) in entries {
                f(PathSegment::Key(k), v);
            }
        }
    }

    /// `range(min, max)`: both bounds inclusive.
    pub fn range<T: PartialOrd + fmt::Debug>(
        v: &T,
        min: Option<T>,
        max: Option<T>,
        path: &FieldPath,
        report: &mut Report,
    ) {
        if let Some(min) = min {
            // NaN is outside every range.
            if !matches!(
                v.partial_cmp(&min),
                Some(std::cmp::Ordering::Greater | std::cmp::Ordering::Equal)
            ) {
                report.push(
                    path,
                    "range",
                    format!("must be at least {min:?}, but is {v:?}"),
                );
                return;
            }
        }
        if let Some(max) = max
            && !matches!(
                v.partial_cmp(&max),
                Some(std::cmp::Ordering::Less | std::cmp::Ordering::Equal)
            )
        {
            report.push(
                path,
                "range",
                format!("must be at most {max:?}, but is {v:?}"),
            );
        }
    }

    /// `length(min, max)`: both bounds inclusive.
    pub fn length<T: HasLength + ?Sized>(
        v: &T,
        min: Option<usize>,
        max: Option<usize>,
        path: &FieldPath,
        report: &mut Report,
    ) {
        let n = v.length();
        if let Some(min) = min
            && n < min
        {
            report.push(
                path,
                "length",
                format!("must have a length of at least {min}, but has {n}"),
            );
            return;
        }
        if let Some(max) = max
            && n > max
        {
            report.push(
                path,
                "length",
                format!("must have a length of at most {max}, but has {n}"),
            );
        }
    }

    /// `regex = "..."`: the whole pattern must match somewhere in the text
    /// (anchor it with `^...$` to match the whole text).
    pub fn regex<T: AsRef<str> + ?Sized>(
        v: &T,
        re: &regex::Regex,
        path: &FieldPath,
        report: &mut Report,
    ) {
        if !re.is_match(v.as_ref()) {
            report.push(
                path,
                "regex",
                format!("must match the pattern `{}`", re.as_str()),
            );
        }
    }

    /// `one_of(...)`.
    pub fn one_of<T: PartialEq<U> + fmt::Debug + ?Sized, U: fmt::Debug>(
        v: &T,
        allowed: &[U],
        path: &FieldPath,
        report: &mut Report,
    ) {
        if !allowed.iter().any(|a| v == a) {
            report.push(
                path,
                "one_of",
                format!("must be one of {allowed:?}, but is {v:?}"),
            );
        }
    }

    /// `custom = function`.
    pub fn custom<T: ?Sized>(
        v: &T,
        check: impl Fn(&T) -> Result<(), String>,
        path: &FieldPath,
        report: &mut Report,
    ) {
        if let Err(message) = check(v) {
            report.push(path, "custom", message);
        }
    }

    /// Compiles a pattern checked at compile time by the derive.
    pub fn compile(pattern: &str) -> regex::Regex {
        // The derive macro refuses patterns that do not compile.
        regex::Regex::new(pattern).unwrap_or_else(|_| regex::Regex::new("$^").expect("valid"))
    }
}
