//! What the repository checks in the expressions and key values it is
//! given, before anything is sent: attribute names the model does not have
//! (unless the table allows them), and key values of another type than
//! the key's.

use super::{QuerySpec, ScanSpec, Table};
use crate::error::{Error, Result};
use crate::expr::RangeCondition;
use crate::fields::{NamedAttributes, refuse_unknown_attributes};
use crate::model::{KeyAttribute, Model, ScalarType};
use crate::value::{AttributeValue, ValueType};

/// A value type in words, for messages: `N (a number)`.
fn type_words(t: ValueType) -> String {
    let words = match t {
        ValueType::S => "a string",
        ValueType::N => "a number",
        ValueType::B => "binary",
        ValueType::Ss => "a string set",
        ValueType::Ns => "a number set",
        ValueType::Bs => "a binary set",
        ValueType::M => "a map",
        ValueType::L => "a list",
        ValueType::Bool => "a boolean",
        ValueType::Null => "null, as `None` maps",
    };
    format!("{t} ({words})")
}

impl<T: Model> Table<T> {
    /// Refuses an expression that names attributes the model does not
    /// have, unless this table allows them. `what` names the expression
    /// in the error (`"the update"`).
    pub(crate) fn check_names(
        &self,
        what: &str,
        expression: &(impl NamedAttributes + ?Sized),
    ) -> Result<()> {
        if self.allow_unknown {
            return Ok(());
        }
        refuse_unknown_attributes::<T>(&self.name, what, expression)
    }

    /// Checks a query before it is sent: its key values mapped and of
    /// the key's types, its filter's names known.
    pub(super) fn check_query(&self, spec: &QuerySpec) -> Result<()> {
        if let Some(m) = &spec.mapping {
            return Err(Error::Mapping(m.clone()));
        }
        let def = &T::schema().table;
        let key = match &spec.index {
            None => Some(&def.key),
            // An index the model does not declare is refused when the
            // request is built.
            Some(name) => def.index(name).map(|i| &i.key),
        };
        if let Some(key) = key {
            let whose = match &spec.index {
                None => format!("table `{}`", self.name),
                Some(i) => format!("index `{i}` of table `{}`", self.name),
            };
            self.check_key_value("hash", &key.hash, &spec.hash, &whose)?;
            if let (Some(range), Some(attribute)) = (&spec.range, &key.range) {
                self.check_range(range, attribute, &whose)?;
            }
        }
        self.check_names("the filter", &spec.filter)
    }

    /// Checks a scan before it is sent: its filter's names known.
    pub(super) fn check_scan(&self, spec: &ScanSpec) -> Result<()> {
        self.check_names("the filter", &spec.filter)
    }

    fn check_range(
        &self,
        range: &RangeCondition,
        attribute: &KeyAttribute,
        whose: &str,
    ) -> Result<()> {
        let values: Vec<&AttributeValue> = match range {
            RangeCondition::Eq(v)
            | RangeCondition::Lt(v)
            | RangeCondition::Le(v)
            | RangeCondition::Gt(v)
            | RangeCondition::Ge(v) => vec![v],
            RangeCondition::Between(a, b) => vec![a, b],
            RangeCondition::BeginsWith(v) => {
                if attribute.scalar_type == ScalarType::N {
                    return Err(Error::InvalidRequest {
                        message: format!(
                            "begins_with applies to string and binary keys, but the range key `{}` of {whose} is {}",
                            attribute.name,
                            type_words(ValueType::N)
                        ),
                    });
                }
                vec![v]
            }
        };
        for v in values {
            self.check_key_value("range", attribute, v, whose)?;
        }
        Ok(())
    }

    fn check_key_value(
        &self,
        role: &str,
        attribute: &KeyAttribute,
        value: &AttributeValue,
        whose: &str,
    ) -> Result<()> {
        let declared = attribute.scalar_type.value_type();
        let given = value.value_type();
        if given == declared {
            return Ok(());
        }
        Err(Error::InvalidRequest {
            message: format!(
                "the query's {role} key `{}` of {whose} is declared {}, but the value given is {}",
                attribute.name,
                type_words(declared),
                type_words(given)
            ),
        })
    }
}
