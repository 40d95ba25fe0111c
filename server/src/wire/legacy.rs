//! DynamoDB's legacy request members, answered by rewriting them into the
//! expressions that say the same thing.
//!
//! Before expressions, DynamoDB's API had `AttributesToGet`,
//! `KeyConditions`, `QueryFilter`, `ScanFilter`, `Expected`,
//! `ConditionalOperator` and `AttributeUpdates`, and DynamoDB (and
//! DynamoDB Local) still serve them; older SDKs, the Python mapper this
//! library descends from, and many test suites send them. Each is checked
//! as DynamoDB checks it, with its messages, and then becomes an expression
//! over generated placeholders (`#l0`, `:l0`), so the engine has one
//! mechanism for both forms:
//!
//! | legacy | expression |
//! |---|---|
//! | `AttributesToGet: [a, b]` | `ProjectionExpression: #l0, #l1` |
//! | `EQ`, `NE`, `LE`, `LT`, `GE`, `GT` | `=`, `<>`, `<=`, `<`, `>=`, `>` |
//! | `NOT_NULL`, `NULL` | `attribute_exists`, `attribute_not_exists` |
//! | `CONTAINS`, `BEGINS_WITH`, `IN`, `BETWEEN` | `contains`, `begins_with`, `IN`, `BETWEEN` |
//! | `NOT_CONTAINS` | `attribute_exists(a) AND NOT contains(a, v)` (false when `a` is absent, as DynamoDB answers) |
//! | `Expected: {a: {Value: v}}`, `{Exists: false}` | `a = v`, `attribute_not_exists(a)` |
//! | `AttributeUpdates` `PUT`, `DELETE`, `ADD` | `SET a = v`, `REMOVE a` or `DELETE a v`, `ADD a v` (a list: `SET a = list_append(if_not_exists(a, []), v)`) |
//!
//! Names are always placeholders, so a legacy name is the attribute's whole
//! name (`a.b` is one top-level attribute, as in DynamoDB). A request that
//! mixes the two forms, or gives placeholder maps to legacy members, is
//! refused in DynamoDB's words. The few engine messages that name the
//! expression form are reworded to the legacy form's ([`Rewritten::reword`]).

use serde_json::{Map, Value};

use dynamodb_mapper::AttributeValue;

use super::{Obj, Path, Segment, value};
use crate::error::ApiError;

/// The members of the legacy form and of the expression form of one request.
struct Form {
    legacy: &'static [&'static str],
    expressions: &'static [&'static str],
}

const GET: Form = Form {
    legacy: &["AttributesToGet"],
    expressions: &["ProjectionExpression"],
};
const PUT_DELETE: Form = Form {
    legacy: &["Expected", "ConditionalOperator"],
    expressions: &["ConditionExpression"],
};
const UPDATE: Form = Form {
    legacy: &["AttributeUpdates", "Expected", "ConditionalOperator"],
    expressions: &["UpdateExpression", "ConditionExpression"],
};
const QUERY: Form = Form {
    legacy: &[
        "AttributesToGet",
        "KeyConditions",
        "QueryFilter",
        "ConditionalOperator",
    ],
    expressions: &[
        "KeyConditionExpression",
        "FilterExpression",
        "ProjectionExpression",
    ],
};
const SCAN: Form = Form {
    legacy: &["AttributesToGet", "ScanFilter", "ConditionalOperator"],
    expressions: &["FilterExpression", "ProjectionExpression"],
};

/// What a request's legacy members were rewritten from, to word the
/// engine's messages as DynamoDB words them for that form.
#[derive(Default)]
pub(crate) struct Rewritten {
    /// The values the request's legacy members gave, by their placeholders.
    values: Vec<String>,
    /// `QueryFilter` or `ScanFilter`.
    filter: Option<&'static str>,
    key_conditions: bool,
    updates: bool,
    conditions: bool,
}

impl Rewritten {
    /// `e` in the words DynamoDB uses for the legacy member it came from.
    pub(crate) fn reword(&self, e: ApiError) -> ApiError {
        let m = e.message();
        let of_value = m
            .strip_prefix("ExpressionAttributeValues contains invalid value: ")
            .and_then(|rest| rest.rsplit_once(" for key "))
            .filter(|(_, key)| self.values.iter().any(|v| v == key));
        let reworded = if let Some((fault, _)) = of_value {
            // A legacy value is not a placeholder's: its fault alone.
            Some(fault.to_owned())
        } else if let Some(f) = self.filter
            && let Some(rest) = m.strip_prefix("Filter Expression can only contain")
        {
            Some(format!("{f} can only contain{rest}"))
        } else if self.updates
            && m.starts_with("An operand in the update expression has an incorrect data type")
        {
            Some("Type mismatch for attribute to update".to_owned())
        } else if (self.conditions || self.filter.is_some() || self.key_conditions)
            && m.contains("The BETWEEN operator requires upper bound to be greater than or equal to lower bound")
        {
            Some(
                "The BETWEEN condition was provided a range where the lower bound is greater than the upper bound"
                    .to_owned(),
            )
        } else {
            None
        };
        match reworded {
            Some(text) => e.with_message(text),
            None => e,
        }
    }
}

/// Rewrites the legacy members of `body`, a request of `op`, into
/// expressions (in place), or refuses them in DynamoDB's words.
pub(crate) fn rewrite(op: &str, body: &mut Value) -> Result<Rewritten, ApiError> {
    let form = match op {
        "GetItem" => &GET,
        "PutItem" | "DeleteItem" => &PUT_DELETE,
        "UpdateItem" => &UPDATE,
        "Query" => &QUERY,
        "Scan" => &SCAN,
        "BatchGetItem" => return batch_get(body),
        _ => return Ok(Rewritten::default()),
    };
    let Value::Object(map) = body else {
        return Ok(Rewritten::default());
    };
    // A bad table name is named before any other fault of the request.
    if let Some(Value::String(t)) = map.get("TableName")
        && super::is_bad_table_name(t)
    {
        return Ok(Rewritten::default());
    }
    let Some(plan) = plan(op, form, map)? else {
        return Ok(Rewritten::default());
    };
    let rewritten = Rewritten {
        values: plan.generated_values.clone(),
        filter: ["QueryFilter", "ScanFilter"]
            .into_iter()
            .find(|m| present(map, m)),
        key_conditions: present(map, "KeyConditions"),
        updates: present(map, "AttributeUpdates"),
        conditions: present(map, "Expected"),
    };
    plan.apply(form, map);
    Ok(rewritten)
}

/// `BatchGetItem`: each table's `AttributesToGet`.
fn batch_get(body: &mut Value) -> Result<Rewritten, ApiError> {
    let Some(Value::Object(tables)) = body.get_mut("RequestItems") else {
        return Ok(Rewritten::default());
    };
    for table in tables.values_mut() {
        if let Value::Object(t) = table
            && let Some(plan) = plan("BatchGetItem", &GET, t)?
        {
            plan.apply(&GET, t);
        }
    }
    Ok(Rewritten::default())
}

fn present(map: &Map<String, Value>, member: &str) -> bool {
    map.get(member).is_some_and(|v| !v.is_null())
}

/// The `members` that `map` has.
fn present_of(map: &Map<String, Value>, members: &[&'static str]) -> Vec<&'static str> {
    members
        .iter()
        .copied()
        .filter(|m| present(map, m))
        .collect()
}

/// The expressions and placeholders a request's legacy members become.
#[derive(Default)]
struct Plan {
    expressions: Vec<(&'static str, String)>,
    /// The placeholders of the values this plan made.
    generated_values: Vec<String>,
    names: Map<String, Value>,
    values: Map<String, Value>,
}

impl Plan {
    /// A new placeholder for the attribute `name`.
    fn name(&mut self, name: &str) -> String {
        let p = fresh("#l", &self.names);
        self.names.insert(p.clone(), Value::String(name.to_owned()));
        p
    }

    /// A new placeholder for the value `v`.
    fn value(&mut self, v: &Value) -> String {
        let p = fresh(":l", &self.values);
        self.values.insert(p.clone(), v.clone());
        self.generated_values.push(p.clone());
        p
    }

    /// Replaces the legacy members of `map` with the plan's expressions.
    fn apply(self, form: &Form, map: &mut Map<String, Value>) {
        for m in form.legacy {
            map.remove(*m);
        }
        for (member, text) in self.expressions {
            map.insert(member.to_owned(), Value::String(text));
        }
        if !self.names.is_empty() {
            map.insert(
                "ExpressionAttributeNames".to_owned(),
                Value::Object(self.names),
            );
        }
        if !self.values.is_empty() {
            map.insert(
                "ExpressionAttributeValues".to_owned(),
                Value::Object(self.values),
            );
        }
    }
}

/// The first of `prefix0`, `prefix1`, ... that `taken` does not hold.
fn fresh(prefix: &str, taken: &Map<String, Value>) -> String {
    (taken.len()..)
        .map(|i| format!("{prefix}{i}"))
        .find(|p| !taken.contains_key(p))
        .unwrap_or_default()
}

/// The plan of a request's legacy members; `None` when it has none.
fn plan(op: &str, form: &Form, map: &Map<String, Value>) -> Result<Option<Plan>, ApiError> {
    let legacy = present_of(map, form.legacy);
    if legacy.is_empty() {
        return Ok(None);
    }
    // `KeyConditions` may go with a filter or projection expression, as in
    // DynamoDB; every other pair of a legacy and an expression member is
    // refused, naming the members that clash.
    let clash = |l: &str, e: &str| l != "KeyConditions" || e == "KeyConditionExpression";
    let expressions = present_of(map, form.expressions);
    let clashing: Vec<&str> = legacy
        .iter()
        .copied()
        .filter(|l| expressions.iter().any(|e| clash(l, e)))
        .collect();
    if !clashing.is_empty() {
        let with: Vec<&str> = expressions
            .iter()
            .copied()
            .filter(|e| clashing.iter().any(|l| clash(l, e)))
            .collect();
        return Err(ApiError::validation(format!(
            "Can not use both expression and non-expression parameters in the same request: Non-expression parameters: {{{}}} Expression parameters: {{{}}}",
            clashing.join(", "),
            with.join(", ")
        )));
    }
    if expressions.is_empty() && present(map, "ExpressionAttributeNames") {
        return Err(ApiError::validation(
            "ExpressionAttributeNames can only be specified when using expressions",
        ));
    }
    if expressions.is_empty() && present(map, "ExpressionAttributeValues") {
        let null = match op {
            "UpdateItem" => "UpdateExpression and ConditionExpression are null",
            "PutItem" | "DeleteItem" => "ConditionExpression is null",
            "Query" => "FilterExpression and KeyConditionExpression are null",
            _ => "FilterExpression is null",
        };
        return Err(ApiError::validation(format!(
            "ExpressionAttributeValues can only be specified when using expressions: {null}"
        )));
    }
    let req = Obj {
        map,
        path: Path::ROOT,
    };
    // The caller's placeholders (of the expressions beside `KeyConditions`)
    // are kept, and the generated ones chosen apart from them.
    let mut plan = Plan {
        names: req
            .map("ExpressionAttributeNames")?
            .cloned()
            .unwrap_or_default(),
        values: req
            .map("ExpressionAttributeValues")?
            .cloned()
            .unwrap_or_default(),
        ..Plan::default()
    };
    // Without `KeyConditions` (a `QueryFilter` alone, say), the query's
    // own check asks for them.
    if let Some(kc) = req.map("KeyConditions")? {
        let text = key_conditions(&req, kc, &mut plan)?;
        plan.expressions.push(("KeyConditionExpression", text));
    }
    let filter = ["Expected", "QueryFilter", "ScanFilter"]
        .into_iter()
        .find(|m| form.legacy.contains(m) && present(map, m));
    let operator = req.str("ConditionalOperator")?;
    match filter.map(|m| (m, req.map(m))) {
        Some((member, conditions)) => {
            let conditions = conditions?.into_iter().flatten();
            if operator.is_some() && conditions.clone().count() < 2 {
                return Err(ApiError::validation(
                    "ConditionalOperator can only be used when Filter or Expected has two or more elements",
                ));
            }
            let joiner = match operator {
                None | Some("AND") => " AND ",
                Some("OR") => " OR ",
                Some(other) => {
                    return Err(ApiError::validation(format!(
                        "1 validation error detected: Value '{other}' at 'conditionalOperator' failed to satisfy constraint: Member must satisfy enum value set: [AND, OR]"
                    )));
                }
            };
            let path = req.at(member);
            let mut parts = Vec::new();
            for (name, c) in conditions {
                let c = super::entry(&path, name, c)?;
                parts.push(condition(name, &c, member == "Expected", &mut plan)?);
            }
            if !parts.is_empty() {
                let target = if member == "Expected" {
                    "ConditionExpression"
                } else {
                    "FilterExpression"
                };
                plan.expressions.push((target, parts.join(joiner)));
            }
        }
        None if operator.is_some() => {
            return Err(ApiError::validation(
                "ConditionalOperator cannot be used without Filter or Expected",
            ));
        }
        None => {}
    }
    if let Some(names) = req.list("AttributesToGet")? {
        if names.is_empty() {
            return Err(ApiError::validation(format!(
                "1 validation error detected: Value '[]' at '{}' failed to satisfy constraint: Member must have length greater than or equal to 1",
                req.at("AttributesToGet")
            )));
        }
        let mut seen = std::collections::BTreeSet::new();
        let mut parts = Vec::with_capacity(names.len());
        for (i, n) in names.iter().enumerate() {
            let Value::String(n) = n else {
                let at = req.at("AttributesToGet");
                let at = at.child(Segment::Index(i));
                return Err(super::wrong_type(n, "String", &at));
            };
            if !seen.insert(n.as_str()) {
                return Err(ApiError::validation(format!(
                    "One or more parameter values were invalid: Duplicate value in attribute name: {n}"
                )));
            }
            parts.push(plan.name(n));
        }
        {
            match req.str("Select")? {
                Some("ALL_ATTRIBUTES") => {
                    return Err(ApiError::validation(
                        "Cannot specify the AttributesToGet when choosing to get ALL_ATTRIBUTES",
                    ));
                }
                Some("COUNT") => {
                    return Err(ApiError::validation(
                        "Cannot specify the AttributesToGet when choosing to get only the Count",
                    ));
                }
                Some("ALL_PROJECTED_ATTRIBUTES") => {
                    return Err(ApiError::validation(
                        "Cannot specify the AttributesToGet when choosing to get ALL_PROJECTED_ATTRIBUTES",
                    ));
                }
                _ => {}
            }
            plan.expressions
                .push(("ProjectionExpression", parts.join(", ")));
        }
    }
    if let Some(updates) = req.map("AttributeUpdates")?
        && let Some(text) = attribute_updates(&req, updates, &mut plan)?
    {
        plan.expressions.push(("UpdateExpression", text));
    }
    Ok(Some(plan))
}

/// A legacy comparison operator: its expression, how many values it takes
/// (`None`: one or more) and the value types it accepts (`None`: any).
struct Operator {
    name: &'static str,
    arity: Option<usize>,
    types: Option<&'static [&'static str]>,
}

const SCALARS: &[&str] = &["S", "N", "B"];

const OPERATORS: &[Operator] = &[
    op("EQ", Some(1), None),
    op("NE", Some(1), None),
    op("LE", Some(1), Some(SCALARS)),
    op("LT", Some(1), Some(SCALARS)),
    op("GE", Some(1), Some(SCALARS)),
    op("GT", Some(1), Some(SCALARS)),
    op("NOT_NULL", Some(0), None),
    op("NULL", Some(0), None),
    op("CONTAINS", Some(1), Some(SCALARS)),
    op("NOT_CONTAINS", Some(1), Some(SCALARS)),
    op("BEGINS_WITH", Some(1), Some(&["S", "B"])),
    op("IN", None, Some(SCALARS)),
    op("BETWEEN", Some(2), Some(SCALARS)),
];

const fn op(
    name: &'static str,
    arity: Option<usize>,
    types: Option<&'static [&'static str]>,
) -> Operator {
    Operator { name, arity, types }
}

/// The operator named by `c`'s `ComparisonOperator`, refused in
/// DynamoDB's words when missing or not one of its operators.
fn operator_of(c: &Obj<'_>) -> Result<&'static Operator, ApiError> {
    let at = c.at("ComparisonOperator");
    match c.str("ComparisonOperator")? {
        None => Err(ApiError::validation(format!(
            "1 validation error detected: Value null at '{at}' failed to satisfy constraint: Member must not be null"
        ))),
        Some(name) => OPERATORS.iter().find(|o| o.name == name).ok_or_else(|| {
            ApiError::validation(format!(
                "1 validation error detected: Value '{name}' at '{at}' failed to satisfy constraint: Member must satisfy enum value set: [IN, NULL, BETWEEN, LT, NOT_CONTAINS, EQ, GT, NOT_NULL, NE, LE, BEGINS_WITH, GE, CONTAINS]"
            ))
        }),
    }
}

/// The type code of a value (`S`, `SS`, `L`, ...).
fn kind(v: &AttributeValue) -> &'static str {
    match v {
        AttributeValue::S(_) => "S",
        AttributeValue::N(_) => "N",
        AttributeValue::B(_) => "B",
        AttributeValue::Ss(_) => "SS",
        AttributeValue::Ns(_) => "NS",
        AttributeValue::Bs(_) => "BS",
        AttributeValue::M(_) => "M",
        AttributeValue::L(_) => "L",
        AttributeValue::Null => "NULL",
        AttributeValue::Bool(_) => "BOOL",
    }
}

fn invalid(text: impl std::fmt::Display) -> ApiError {
    ApiError::validation(format!("One or more parameter values were invalid: {text}"))
}

/// The checked values of `c`'s `AttributeValueList` (or its `Value`).
fn operands(c: &Obj<'_>, member: &'static str) -> Result<Vec<(Value, &'static str)>, ApiError> {
    let at = c.at(member);
    let raw: Vec<Value> = match member {
        "Value" => c.get("Value").into_iter().cloned().collect(),
        _ => c.list(member)?.unwrap_or_default().to_vec(),
    };
    let mut out = Vec::with_capacity(raw.len());
    for (i, v) in raw.into_iter().enumerate() {
        let here = at.child(Segment::Index(i));
        let parsed = value::from_json(&v, if member == "Value" { &at } else { &here })?;
        out.push((v, kind(&parsed)));
    }
    Ok(out)
}

/// The expression of the legacy condition `c` on the attribute `name`
/// (`Value` and `Exists` allowed when `expected`, as in `Expected`).
fn condition(name: &str, c: &Obj<'_>, expected: bool, plan: &mut Plan) -> Result<String, ApiError> {
    let has_value = expected && c.has("Value");
    let has_list = c.has("AttributeValueList");
    if has_value && has_list {
        return Err(invalid(format_args!(
            "Value and AttributeValueList cannot be used together for Attribute: {name}"
        )));
    }
    if !expected || c.has("ComparisonOperator") {
        if expected && c.has("Exists") {
            return Err(invalid(format_args!(
                "Exists and ComparisonOperator cannot be used together for Attribute: {name}"
            )));
        }
        let spec = operator_of(c)?;
        let values = operands(
            c,
            if has_value {
                "Value"
            } else {
                "AttributeValueList"
            },
        )?;
        if expected && values.is_empty() && spec.arity != Some(0) && !has_list {
            return Err(invalid(format_args!(
                "Value or AttributeValueList must be used with ComparisonOperator: {} for Attribute: {name}",
                spec.name
            )));
        }
        return comparison(name, spec, &values, plan);
    }
    if has_list {
        return Err(invalid(format_args!(
            "AttributeValueList can only be used with a ComparisonOperator for Attribute: {name}"
        )));
    }
    match (c.bool("Exists")?, has_value) {
        (Some(false), true) => Err(invalid(format_args!(
            "Value cannot be used when Exists is false for Attribute: {name}"
        ))),
        (Some(false), false) => Ok(format!("attribute_not_exists({})", plan.name(name))),
        (exists, false) => Err(invalid(format_args!(
            "Value must be provided when Exists is {} for Attribute: {name}",
            if exists.is_some() { "true" } else { "null" }
        ))),
        (_, true) => {
            let (v, _) = operands(c, "Value")?.remove(0);
            Ok(format!("{} = {}", plan.name(name), plan.value(&v)))
        }
    }
}

/// The expression of `spec` over `values` on the attribute `name`, after
/// DynamoDB's checks of their number and types.
fn comparison(
    name: &str,
    spec: &Operator,
    values: &[(Value, &'static str)],
    plan: &mut Plan,
) -> Result<String, ApiError> {
    let operator = spec.name;
    let count_ok = match spec.arity {
        Some(n) => values.len() == n,
        None => !values.is_empty(),
    };
    if !count_ok {
        return Err(invalid(format_args!(
            "Invalid number of argument(s) for the {operator} ComparisonOperator"
        )));
    }
    if values.len() > 1 && values.iter().any(|(_, k)| *k != values[0].1) {
        return Err(invalid(
            "AttributeValues inside AttributeValueList must be of same type",
        ));
    }
    if let Some(types) = spec.types
        && let Some((_, k)) = values.iter().find(|(_, k)| !types.contains(k))
    {
        return Err(invalid(format_args!(
            "ComparisonOperator {operator} is not valid for {k} AttributeValue type"
        )));
    }
    let n = plan.name(name);
    let v: Vec<String> = values.iter().map(|(v, _)| plan.value(v)).collect();
    Ok(match operator {
        "EQ" => format!("{n} = {}", v[0]),
        "NE" => format!("{n} <> {}", v[0]),
        "LE" => format!("{n} <= {}", v[0]),
        "LT" => format!("{n} < {}", v[0]),
        "GE" => format!("{n} >= {}", v[0]),
        "GT" => format!("{n} > {}", v[0]),
        "NOT_NULL" => format!("attribute_exists({n})"),
        "NULL" => format!("attribute_not_exists({n})"),
        "CONTAINS" => format!("contains({n}, {})", v[0]),
        "NOT_CONTAINS" => format!("(attribute_exists({n}) AND NOT contains({n}, {}))", v[0]),
        "BEGINS_WITH" => format!("begins_with({n}, {})", v[0]),
        "IN" => format!("{n} IN ({})", v.join(", ")),
        _ => format!("{n} BETWEEN {} AND {}", v[0], v[1]),
    })
}

/// `KeyConditions` as a key condition expression.
fn key_conditions(
    req: &Obj<'_>,
    kc: &Map<String, Value>,
    plan: &mut Plan,
) -> Result<String, ApiError> {
    match kc.len() {
        0 => {
            return Err(ApiError::validation("Conditions must be at least length 1"));
        }
        1 | 2 => {}
        _ => {
            return Err(ApiError::validation(
                "Conditions can be of length 1 or 2 only",
            ));
        }
    }
    let path = req.at("KeyConditions");
    let mut parts = Vec::with_capacity(2);
    for (name, c) in kc {
        let c = super::entry(&path, name, c)?;
        let spec = operator_of(&c)?;
        let values = operands(&c, "AttributeValueList")?;
        if kc.len() == 1 && spec.name != "EQ" {
            // The only condition is the partition key's, which takes `EQ`.
            comparison(name, spec, &values, &mut Plan::default())?;
            return Err(ApiError::validation("Query key condition not supported"));
        }
        if !matches!(
            spec.name,
            "EQ" | "LE" | "LT" | "GE" | "GT" | "BEGINS_WITH" | "BETWEEN"
        ) {
            // Checked after the values, as DynamoDB checks them.
            comparison(name, spec, &values, &mut Plan::default())?;
            return Err(ApiError::validation(
                "Attempted conditional constraint is not an indexable operation",
            ));
        }
        parts.push(comparison(name, spec, &values, plan)?);
    }
    Ok(parts.join(" AND "))
}

/// DynamoDB's name of a value's type in `AttributeUpdates` messages.
fn type_word(kind: &str) -> &'static str {
    match kind {
        "S" => "STRING",
        "N" => "NUMBER",
        "B" => "BINARY",
        "BOOL" => "BOOLEAN",
        "NULL" => "NULL",
        "L" => "LIST",
        "M" => "MAP",
        "SS" => "STRING_SET",
        "NS" => "NUMBER_SET",
        _ => "BINARY_SET",
    }
}

/// `AttributeUpdates` as an update expression; `None` when it is empty.
fn attribute_updates(
    req: &Obj<'_>,
    updates: &Map<String, Value>,
    plan: &mut Plan,
) -> Result<Option<String>, ApiError> {
    let path = req.at("AttributeUpdates");
    let (mut set, mut remove, mut add, mut delete) = (vec![], vec![], vec![], vec![]);
    for (name, u) in updates {
        let u = super::entry(&path, name, u)?;
        let action = u.str("Action")?.unwrap_or("PUT");
        if !matches!(action, "PUT" | "ADD" | "DELETE") {
            return Err(ApiError::validation(format!(
                "1 validation error detected: Value '{action}' at '{}' failed to satisfy constraint: Member must satisfy enum value set: [ADD, DELETE, PUT]",
                u.at("Action")
            )));
        }
        let value = operands(&u, "Value")?.into_iter().next();
        let Some((v, k)) = value else {
            if action != "DELETE" {
                return Err(invalid(
                    "Only DELETE action is allowed when no attribute value is specified",
                ));
            }
            remove.push(plan.name(name));
            continue;
        };
        let is_set = matches!(k, "SS" | "NS" | "BS");
        match action {
            "PUT" => set.push(format!("{} = {}", plan.name(name), plan.value(&v))),
            "DELETE" if is_set => {
                delete.push(format!("{} {}", plan.name(name), plan.value(&v)));
            }
            "DELETE" => {
                return Err(invalid(format_args!(
                    "DELETE action with value is not supported for the type {}",
                    type_word(k)
                )));
            }
            _ if is_set || k == "N" => add.push(format!("{} {}", plan.name(name), plan.value(&v))),
            _ if k == "L" => {
                let n = plan.name(name);
                let empty = plan.value(&serde_json::json!({ "L": [] }));
                set.push(format!(
                    "{n} = list_append(if_not_exists({n}, {empty}), {})",
                    plan.value(&v)
                ));
            }
            _ => {
                return Err(invalid(format_args!(
                    "ADD action is not supported for the type {}",
                    type_word(k)
                )));
            }
        }
    }
    let clauses: Vec<String> = [
        ("SET", set),
        ("REMOVE", remove),
        ("ADD", add),
        ("DELETE", delete),
    ]
    .into_iter()
    .filter(|(_, parts)| !parts.is_empty())
    .map(|(word, parts)| format!("{word} {}", parts.join(", ")))
    .collect();
    Ok((!clauses.is_empty()).then(|| clauses.join(" ")))
}
