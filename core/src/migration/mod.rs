//! Schema versions: items written by older versions of a model are
//! detected and upgraded, on the raw item, before they are mapped.
//!
//! A model declares its current version and the steps from each older one
//! with [`Migrations`] (`#[model(migrations = path::to::fn)]` names a
//! function that builds them). The version is kept in an attribute of the
//! item (`schema_version` unless named otherwise), never in the key; an
//! item without it is version 1, unless detectors say otherwise (tried
//! from the highest version down; the first that matches wins). Each step
//! turns an item of version `n` into one of version `n + 1`; they run in
//! numeric order (2 before 11) from the item's version to the current one.
//!
//! ```
//! use dynamodb_mapper::migration::Migrations;
//! use dynamodb_mapper::{AttributeValue, Item};
//!
//! let m = Migrations::new(3)
//!     // v1 -> v2: `name` becomes `full_name`.
//!     .step(1, |mut item: Item| {
//!         if let Some(v) = item.remove("name") {
//!             item.insert("full_name".into(), v);
//!         }
//!         Ok::<_, std::convert::Infallible>(item)
//!     })
//!     // v2 -> v3: a default for a new attribute.
//!     .step(2, |item: Item| Ok::<_, std::convert::Infallible>(item.with("active", true)))
//!     // Legacy items without the attribute: `full_name` means v2, `name`
//!     // v1 (with detectors, an item none of them recognises is an error).
//!     .detect(2, |item| item.contains_key("full_name"))
//!     .detect(1, |item| item.contains_key("name"));
//!
//! let old = Item::new().with("id", "a").with("name", "Ada");
//! let new = m.upgrade(old.clone()).unwrap().expect("upgraded");
//! assert_eq!(new.get("full_name"), Some(&AttributeValue::from("Ada")));
//! assert_eq!(new.get("schema_version"), Some(&AttributeValue::from(3)));
//! ```

mod bulk;

use std::collections::BTreeMap;
use std::fmt;
use std::sync::OnceLock;

use crate::error::BoxError;
use crate::number::Number;
use crate::value::{AttributeValue, Item};

pub use bulk::{BulkOptions, BulkProgress, BulkReport, Checkpoint};

/// The default name of the schema version attribute.
pub const DEFAULT_ATTRIBUTE: &str = "schema_version";

type Step = Box<dyn Fn(Item) -> Result<Item, BoxError> + Send + Sync>;
type Detector = Box<dyn Fn(&Item) -> bool + Send + Sync>;

/// A model's schema versions: the current one, the attribute that holds
/// it, the steps from each older version, and detectors for items that do
/// not carry the attribute.
pub struct Migrations {
    current: u32,
    /// The version attribute's number for `current` (as written).
    current_stamp: Number,
    attribute: String,
    steps: BTreeMap<u32, Step>,
    detectors: BTreeMap<u32, Detector>,
    /// [`Migrations::check`]'s verdict, computed on the first read (the
    /// builder methods reset it).
    checked: OnceLock<Result<(), String>>,
}

impl fmt::Debug for Migrations {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Migrations")
            .field("current", &self.current)
            .field("attribute", &self.attribute)
            .field("steps", &self.steps.keys().collect::<Vec<_>>())
            .field("detectors", &self.detectors.keys().collect::<Vec<_>>())
            .finish()
    }
}

/// Why an item could not be brought to the current version.
#[derive(Debug)]
#[non_exhaustive]
pub enum MigrationFailure {
    /// The item has no version attribute and no detector recognised it
    /// (with detectors, an item none of them matches is not assumed to be
    /// version 1).
    Undetected,
    /// The item's version is above the model's: written by a newer version
    /// of the program. Loading it would drop what this version does not know.
    FromTheFuture {
        /// The stored version.
        stored: u32,
        /// The model's.
        current: u32,
    },
    /// The version attribute does not hold a version number.
    BadVersion(String),
    /// A step failed.
    Step {
        /// The version the step starts from.
        from: u32,
        /// The step's own error.
        cause: BoxError,
    },
    /// The model's migrations are inconsistent (a step missing, ...).
    Chain(String),
}

impl fmt::Display for MigrationFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MigrationFailure::Undetected => {
                f.write_str("no detector recognised the item's schema version")
            }
            MigrationFailure::FromTheFuture { stored, current } => write!(
                f,
                "the item has schema version {stored}, newer than the model's {current}: it was written by a newer version of the program"
            ),
            MigrationFailure::BadVersion(v) => {
                write!(
                    f,
                    "the schema version attribute holds {v}, not a version number"
                )
            }
            MigrationFailure::Step { from, cause } => write!(
                f,
                "the migration from version {from} to {} failed: {cause}",
                from + 1
            ),
            MigrationFailure::Chain(m) => write!(f, "the model's migrations are inconsistent: {m}"),
        }
    }
}

impl Migrations {
    /// A model at version `current` (at least 1), its version kept in
    /// `schema_version`.
    pub fn new(current: u32) -> Self {
        Migrations {
            current,
            current_stamp: Number::from(current),
            attribute: DEFAULT_ATTRIBUTE.to_owned(),
            steps: BTreeMap::new(),
            detectors: BTreeMap::new(),
            checked: OnceLock::new(),
        }
    }

    /// Keeps the version in another attribute.
    pub fn attribute(mut self, name: impl Into<String>) -> Self {
        self.attribute = name.into();
        self.checked = OnceLock::new();
        self
    }

    /// The step from version `from` to `from + 1`, on the raw item. It may
    /// fail with its own error; the read then fails naming the key, the
    /// step and the cause.
    pub fn step<E>(
        mut self,
        from: u32,
        step: impl Fn(Item) -> Result<Item, E> + Send + Sync + 'static,
    ) -> Self
    where
        E: Into<BoxError>,
    {
        self.steps
            .insert(from, Box::new(move |item| step(item).map_err(Into::into)));
        self.checked = OnceLock::new();
        self
    }

    /// A detector: items without the version attribute for which it holds
    /// are of `version`. Detectors are tried from the highest version down.
    pub fn detect(
        mut self,
        version: u32,
        detector: impl Fn(&Item) -> bool + Send + Sync + 'static,
    ) -> Self {
        self.detectors.insert(version, Box::new(detector));
        self.checked = OnceLock::new();
        self
    }

    /// The current version.
    pub fn current(&self) -> u32 {
        self.current
    }

    /// The attribute holding the version.
    pub fn version_attribute(&self) -> &str {
        &self.attribute
    }

    /// Checks the chain: a current version of at least 1, one step from
    /// each older version, detectors for existing versions, a named attribute.
    pub fn check(&self) -> Result<(), String> {
        if self.current == 0 {
            return Err("the current schema version must be at least 1".to_owned());
        }
        if self.attribute.is_empty() {
            return Err("the schema version attribute needs a name".to_owned());
        }
        for from in 1..self.current {
            if !self.steps.contains_key(&from) {
                return Err(format!("no step from version {from} to {}", from + 1));
            }
        }
        if let Some(extra) = self.steps.keys().find(|&&f| f == 0 || f >= self.current) {
            return Err(format!(
                "a step from version {extra}, outside 1..{}",
                self.current
            ));
        }
        if let Some(v) = self.detectors.keys().find(|&&v| v == 0 || v > self.current) {
            return Err(format!(
                "a detector for version {v}, outside 1..={}",
                self.current
            ));
        }
        Ok(())
    }

    /// The schema version of a stored item.
    pub fn version_of(&self, item: &Item) -> Result<u32, MigrationFailure> {
        match self.stamp_of(item) {
            Some(stamp) => Self::stamped_version(stamp),
            None => self.detected_version(item),
        }
    }

    /// The version a version attribute holds.
    fn stamped_version(stamp: &AttributeValue) -> Result<u32, MigrationFailure> {
        match stamp {
            AttributeValue::N(n) => n
                .as_str()
                .parse::<u32>()
                .ok()
                .filter(|v| *v > 0)
                .ok_or_else(|| MigrationFailure::BadVersion(n.to_string())),
            other => Err(MigrationFailure::BadVersion(format!("{other:?}"))),
        }
    }

    /// The version of an item without the attribute, by the detectors.
    fn detected_version(&self, item: &Item) -> Result<u32, MigrationFailure> {
        if self.detectors.is_empty() {
            return Ok(1);
        }
        self.detectors
            .iter()
            .rev()
            .find(|(_, d)| d(item))
            .map(|(v, _)| *v)
            .ok_or(MigrationFailure::Undetected)
    }

    /// True when the item is at the current version (by its attribute or
    /// its detectors).
    pub fn is_current(&self, item: &Item) -> Result<bool, MigrationFailure> {
        let v = self.version_of(item)?;
        if v > self.current {
            return Err(MigrationFailure::FromTheFuture {
                stored: v,
                current: self.current,
            });
        }
        Ok(v == self.current && item.contains_key(&self.attribute))
    }

    /// The item brought to the current version, with the version attribute
    /// set; `None` when it already is (attribute included).
    pub fn upgrade(&self, item: Item) -> Result<Option<Item>, MigrationFailure> {
        match self.version_to_upgrade(&item)? {
            None => Ok(None),
            Some(from) => self.run_steps(item, from).map(Some),
        }
    }

    /// [`Migrations::upgrade`] of a borrowed item: an item already at the
    /// current version is not copied (the read path of current items).
    #[inline]
    pub fn upgraded(&self, item: &Item) -> Result<Option<Item>, MigrationFailure> {
        match self.version_to_upgrade(item)? {
            None => Ok(None),
            Some(from) => self.run_steps(item.clone(), from).map(Some),
        }
    }

    /// The version an item must be upgraded from, or `None` when it is
    /// current (and says so).
    /// The chain is checked once (on every read it would cost as much as
    /// the rest), and the attribute looked up once.
    fn version_to_upgrade(&self, item: &Item) -> Result<Option<u32>, MigrationFailure> {
        if let Err(m) = self.checked.get_or_init(|| self.check()) {
            return Err(MigrationFailure::Chain(m.clone()));
        }
        let (from, stamped) = match self.stamp_of(item) {
            // The common case, the stamp this version writes, without
            // parsing it (any other text is parsed as usual).
            Some(AttributeValue::N(n)) if n.as_str() == self.current_stamp.as_str() => {
                return Ok(None);
            }
            Some(stamp) => (Self::stamped_version(stamp)?, true),
            None => (self.detected_version(item)?, false),
        };
        if from > self.current {
            return Err(MigrationFailure::FromTheFuture {
                stored: from,
                current: self.current,
            });
        }
        if from == self.current && stamped {
            return Ok(None);
        }
        Ok(Some(from))
    }

    /// True when the chain is consistent and `stamp` (the item's version
    /// attribute, if it has one) is the one this version writes: the item
    /// is current, as [`upgraded`](Self::upgraded) would find it.
    #[inline]
    pub(crate) fn is_current_stamp(&self, stamp: Option<&AttributeValue>) -> bool {
        matches!(stamp, Some(AttributeValue::N(n)) if n.as_str() == self.current_stamp.as_str())
            && self.checked.get_or_init(|| self.check()).is_ok()
    }

    /// The item's version attribute. Items of a few attributes are scanned
    /// comparing lengths first: cheaper than the ordered search, each step
    /// of which compares bytes (this runs on every read).
    #[inline]
    fn stamp_of<'a>(&self, item: &'a Item) -> Option<&'a AttributeValue> {
        const SCAN_UP_TO: usize = 16;
        if item.len() <= SCAN_UP_TO {
            let name = self.attribute.as_str();
            item.iter()
                .find(|(k, _)| k.as_str() == name)
                .map(|(_, v)| v)
        } else {
            item.get(&self.attribute)
        }
    }

    fn run_steps(&self, mut item: Item, from: u32) -> Result<Item, MigrationFailure> {
        for (step_from, step) in self.steps.range(from..self.current) {
            item = step(item).map_err(|cause| MigrationFailure::Step {
                from: *step_from,
                cause,
            })?;
        }
        item.insert(self.attribute.clone(), self.stamp());
        Ok(item)
    }

    /// The version attribute's value for the current version.
    pub fn stamp(&self) -> AttributeValue {
        AttributeValue::N(self.current_stamp.clone())
    }
}
