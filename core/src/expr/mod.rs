//! DynamoDB's expression language as a typed AST.
//!
//! Conditions (and filters), updates, key conditions and projections are
//! built with builders, rendered to DynamoDB expression strings in which
//! every attribute name and value is a placeholder (`#n0`, `:v0`), parsed
//! back from DynamoDB strings with DynamoDB's precedence and errors, and
//! evaluated against an [`Item`](crate::Item) the way DynamoDB does.
//!
//! ```
//! use dynamodb_mapper::expr::{attr, ExpressionAttributes, Update};
//!
//! let condition = attr("energy").gt(10).and(attr("tags").contains("admin")).or(attr("id").not_exists());
//! let update = Update::new().set(attr("energy"), attr("energy").plus(5)).remove(attr("temp"));
//!
//! let mut placeholders = ExpressionAttributes::default();
//! let text = condition.render(&mut placeholders);
//! assert_eq!(text, "#n0 > :v0 AND contains(#n1, :v1) OR attribute_not_exists(#n2)");
//! assert_eq!(update.render(&mut placeholders), "SET #n0 = #n0 + :v2 REMOVE #n3");
//! assert_eq!(placeholders.names["#n1"], "tags");
//! ```

mod attributes;
mod condition;
mod eval;
mod key;
mod parse;
mod path;
mod project;
mod reserved;
mod update;

pub use attributes::ExpressionAttributes;
pub use condition::{Comparator, Condition, Operand};
pub use eval::{UpdateOutcome, apply_update, compare_scalars, resolve};
pub use key::{KeyCondition, Projection, RangeCondition};
#[cfg(feature = "emulator")]
pub(crate) use parse::key_condition_on;
pub use parse::{ExpressionKind, Parser, check_attribute_maps, java_hash_set_order};
pub use path::{Path, PathElement, attr};
pub use project::{Projector, project};
pub use update::{SetOperand, SetValue, Update};
