//! Paths into values: where a mapping error or a validation violation is.
//!
//! Both [`crate::MappingError`] and [`crate::Violation`] name the place in
//! a value they concern with a [`FieldPath`], a list of segments that
//! displays the way DynamoDB document paths read: `address.zip`,
//! `tags[2]`, `lines[0].sku`.

use std::fmt;

/// One step of a path into a value: a field or map key, or a list index.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum PathSegment {
    /// A struct field or map key.
    Key(String),
    /// A list, tuple or set position.
    Index(usize),
}

/// A path into a value, outermost segment first. Empty for the value itself.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct FieldPath(Vec<PathSegment>);

impl FieldPath {
    /// The empty path: the value itself.
    pub fn new() -> Self {
        FieldPath(Vec::new())
    }

    /// The segments, outermost first.
    pub fn segments(&self) -> &[PathSegment] {
        &self.0
    }

    /// True for the value itself.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Enters a field or map key.
    pub fn push_key(&mut self, key: impl Into<String>) {
        self.0.push(PathSegment::Key(key.into()));
    }

    /// Enters a list position.
    pub fn push_index(&mut self, index: usize) {
        self.0.push(PathSegment::Index(index));
    }

    /// Enters a segment.
    pub fn push(&mut self, segment: PathSegment) {
        self.0.push(segment);
    }

    /// Leaves the innermost segment.
    pub fn pop(&mut self) {
        self.0.pop();
    }

    /// This path inside an outer segment: `zip` within `[3]` is `[3].zip`.
    pub fn within(mut self, outer: PathSegment) -> Self {
        self.0.insert(0, outer);
        self
    }
}

impl From<Vec<PathSegment>> for FieldPath {
    fn from(segments: Vec<PathSegment>) -> Self {
        FieldPath(segments)
    }
}

impl fmt::Display for FieldPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        format_path(&self.0, f)
    }
}

impl PartialEq<str> for FieldPath {
    fn eq(&self, other: &str) -> bool {
        let text = self.to_string();
        text.as_str() == other
    }
}

impl PartialEq<&str> for FieldPath {
    fn eq(&self, other: &&str) -> bool {
        self == *other
    }
}

/// Writes a path the way DynamoDB document paths read.
pub(crate) fn format_path(segments: &[PathSegment], f: &mut impl fmt::Write) -> fmt::Result {
    for (i, seg) in segments.iter().enumerate() {
        match seg {
            PathSegment::Key(k) => {
                if i > 0 {
                    f.write_char('.')?;
                }
                f.write_str(k)?;
            }
            PathSegment::Index(n) => write!(f, "[{n}]")?,
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_read_like_document_paths() {
        let mut p = FieldPath::new();
        p.push_key("lines");
        p.push_index(0);
        p.push_key("sku");
        assert_eq!(p.to_string(), "lines[0].sku");
        assert_eq!(
            p.clone().within(PathSegment::Index(3)).to_string(),
            "[3].lines[0].sku"
        );
        assert_eq!(FieldPath::new().to_string(), "");
        assert_eq!(p, "lines[0].sku");
    }
}
