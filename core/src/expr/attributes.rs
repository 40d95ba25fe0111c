//! The placeholder maps a rendered expression fills.

use std::collections::BTreeMap;

use crate::value::AttributeValue;

/// Placeholders collected while rendering: `ExpressionAttributeNames` and
/// `ExpressionAttributeValues` of one request.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ExpressionAttributes {
    /// `#placeholder` -> attribute name.
    pub names: BTreeMap<String, String>,
    /// `:placeholder` -> value.
    pub values: BTreeMap<String, AttributeValue>,
}

impl ExpressionAttributes {
    /// The placeholder for an attribute name (the same name gets the same placeholder).
    pub fn name(&mut self, name: &str) -> String {
        if let Some((k, _)) = self
            .names
            .iter()
            .find(|(k, v)| v.as_str() == name && k.starts_with("#n"))
        {
            return k.clone();
        }
        let mut i = self.names.len();
        loop {
            let k = format!("#n{i}");
            if !self.names.contains_key(&k) {
                self.names.insert(k.clone(), name.to_owned());
                return k;
            }
            i += 1;
        }
    }

    /// A new placeholder for a value.
    pub fn value(&mut self, value: &AttributeValue) -> String {
        let mut i = self.values.len();
        loop {
            let k = format!(":v{i}");
            if !self.values.contains_key(&k) {
                self.values.insert(k.clone(), value.clone());
                return k;
            }
            i += 1;
        }
    }

    /// True when no placeholder was made.
    pub fn is_empty(&self) -> bool {
        self.names.is_empty() && self.values.is_empty()
    }
}
