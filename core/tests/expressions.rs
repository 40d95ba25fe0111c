//! The expression language: parsing with DynamoDB's errors, evaluation,
//! updates, projections, and render/parse round trips.

use std::collections::BTreeMap;

use dynamodb_mapper::expr::{
    Condition, ExpressionAttributes, ExpressionKind, KeyCondition, Parser, Path, Projection,
    RangeCondition, SetOperand, Update, apply_update, attr, project,
};
use dynamodb_mapper::{AttributeValue, Error, Item, KeySchema, Number, ScalarType};
use proptest::prelude::*;

fn n(s: &str) -> AttributeValue {
    AttributeValue::N(s.parse::<Number>().unwrap())
}

fn s(v: &str) -> AttributeValue {
    AttributeValue::S(v.into())
}

fn ss(v: &[&str]) -> AttributeValue {
    AttributeValue::Ss(v.iter().map(|x| x.to_string()).collect())
}

type Names = BTreeMap<String, String>;
type Values = BTreeMap<String, AttributeValue>;

fn names(pairs: &[(&str, &str)]) -> Names {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn values(pairs: &[(&str, AttributeValue)]) -> Values {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect()
}

fn cond(text: &str, names: &Names, values: &Values) -> Result<Condition, Error> {
    let mut p = Parser::new(names, values);
    let c = p.condition(text, ExpressionKind::Condition)?;
    p.finish()?;
    Ok(c)
}

fn update(text: &str, names: &Names, values: &Values) -> Result<Update, Error> {
    let mut p = Parser::new(names, values);
    let u = p.update(text)?;
    p.finish()?;
    Ok(u)
}

fn message(r: Result<impl std::fmt::Debug, Error>) -> String {
    match r {
        Err(Error::InvalidRequest { message }) | Err(Error::LimitExceeded { message }) => message,
        other => panic!("expected an invalid request, got {other:?}"),
    }
}

fn item() -> Item {
    Item::new()
        .with("id", "x")
        .with("n", n("5"))
        .with("s", s("héllo"))
        .with("tags", ss(&["a", "b"]))
        .with(
            "nums",
            AttributeValue::Ns(vec!["1".parse().unwrap(), "2".parse().unwrap()]),
        )
        .with("l", AttributeValue::L(vec![s("a"), s("b")]))
        .with(
            "m",
            AttributeValue::M([("x".to_string(), n("1")), ("y".to_string(), n("2"))].into()),
        )
        .with("flag", AttributeValue::Bool(true))
}

// ---------------------------------------------------------------------------
// Parse errors, with DynamoDB Local's messages.

#[test]
fn syntax_errors_name_the_token_and_its_neighbours() {
    let v = values(&[(":v", n("1"))]);
    assert_eq!(
        message(update("SET a = ", &Names::new(), &Values::new())),
        "Invalid UpdateExpression: Syntax error; token: \"<EOF>\", near: \"= \""
    );
    assert_eq!(
        message(update("SET a :v", &Names::new(), &v)),
        "Invalid UpdateExpression: Syntax error; token: \":v\", near: \"a :v\""
    );
    assert_eq!(
        message(cond("a = = :v", &Names::new(), &v)),
        "Invalid ConditionExpression: Syntax error; token: \"=\", near: \"= = :v\""
    );
    assert_eq!(
        message(cond("attribute_exists(a", &Names::new(), &Values::new())),
        "Invalid ConditionExpression: Syntax error; token: \"<EOF>\", near: \"a\""
    );
    assert_eq!(
        message(update("SET a = :v $", &Names::new(), &v)),
        "Invalid UpdateExpression: Syntax error; token: \"$\", near: \":v $\""
    );
    assert_eq!(
        message(cond("a = 1", &Names::new(), &Values::new())),
        "Invalid ConditionExpression: Syntax error; token: \"1\", near: \"= 1\""
    );
    assert_eq!(
        message(update("SET n = n + n - :v", &Names::new(), &v)),
        "Invalid UpdateExpression: Syntax error; token: \"-\", near: \"n - :v\""
    );
    assert_eq!(
        message(update("SET l[-1] = :v", &Names::new(), &v)),
        "Invalid UpdateExpression: Syntax error; token: \"-\", near: \"[-1\""
    );
    assert_eq!(
        message(update("SET l[1.5] = :v", &Names::new(), &v)),
        "Invalid UpdateExpression: Syntax error; token: \".\", near: \"1.5\""
    );
    assert_eq!(
        message(update("", &Names::new(), &Values::new())),
        "Invalid UpdateExpression: The expression can not be empty;"
    );
    assert_eq!(
        message(update("  ", &Names::new(), &Values::new())),
        "Invalid UpdateExpression: Syntax error; token: \"<EOF>\", near: \"  \""
    );
    assert_eq!(
        message(update("SET a = :v SET b = :v", &Names::new(), &v)),
        "Invalid UpdateExpression: The \"SET\" section can only be used once in an update expression;"
    );
}

#[test]
fn placeholders_must_be_defined_and_used() {
    assert_eq!(
        message(update("SET a = :nope", &Names::new(), &Values::new())),
        "Invalid UpdateExpression: An expression attribute value used in expression is not defined; attribute value: :nope"
    );
    assert_eq!(
        message(update(
            "SET #nope = :v",
            &Names::new(),
            &values(&[(":v", n("1"))])
        )),
        "Invalid UpdateExpression: An expression attribute name used in the document path is not defined; attribute name: #nope"
    );
    assert_eq!(
        message(cond(
            "a = :v",
            &Names::new(),
            &values(&[(":v", n("1")), (":u2", n("1")), (":unused", n("2"))])
        )),
        "Value provided in ExpressionAttributeValues unused in expressions: keys: {:unused, :u2}"
    );
    assert_eq!(
        message(cond(
            "a = :v",
            &names(&[("#u", "x")]),
            &values(&[(":v", n("1"))])
        )),
        "Value provided in ExpressionAttributeNames unused in expressions: keys: {#u}"
    );
}

#[test]
fn reserved_words_and_functions() {
    let v = values(&[(":v", n("1"))]);
    assert_eq!(
        message(cond(
            "attribute_exists(name)",
            &Names::new(),
            &Values::new()
        )),
        "Invalid ConditionExpression: Attribute name is a reserved keyword; reserved keyword: name"
    );
    assert_eq!(
        message(update("SET a.Status = :v", &Names::new(), &v)),
        "Invalid UpdateExpression: Attribute name is a reserved keyword; reserved keyword: Status"
    );
    assert_eq!(
        message(cond("foo(a)", &Names::new(), &Values::new())),
        "Invalid ConditionExpression: Invalid function name; function: foo"
    );
    assert_eq!(
        message(cond("ATTRIBUTE_EXISTS(a)", &Names::new(), &Values::new())),
        "Invalid ConditionExpression: Invalid function name; function: ATTRIBUTE_EXISTS"
    );
    assert_eq!(
        message(update(
            "SET a = attribute_exists(b)",
            &Names::new(),
            &Values::new()
        )),
        "Invalid UpdateExpression: The function is not allowed in an update expression; function: attribute_exists"
    );
    assert_eq!(
        message(cond("list_append(a, b) = :v", &Names::new(), &v)),
        "Invalid ConditionExpression: The function is not allowed in a condition expression; function: list_append"
    );
    // A function that is a condition, used as a comparison's operand.
    for f in [
        "attribute_exists(l)",
        "begins_with(l, :v)",
        "contains(l, :v)",
    ] {
        let name = f.split('(').next().unwrap_or_default();
        assert_eq!(
            message(cond(&format!("{f} = :v"), &Names::new(), &v)),
            format!(
                "Invalid ConditionExpression: The function is not allowed to be used this way in an expression; function: {name}"
            )
        );
    }
    assert_eq!(
        message(cond("size(s)", &Names::new(), &Values::new())),
        "Invalid ConditionExpression: The function is not allowed to be used this way in an expression; function: size"
    );
    assert_eq!(
        message(cond(
            "attribute_type(a, :t)",
            &Names::new(),
            &values(&[(":t", s("XX"))])
        )),
        "Invalid ConditionExpression: Invalid attribute type name found; type: XX, valid types: {N,BS,L,B,NULL,M,S,SS,NS,BOOL}"
    );
    assert_eq!(
        message(update("SET a = if_not_exists(:v, a)", &Names::new(), &v)),
        "Invalid UpdateExpression: Operator or function requires a document path; operator or function: if_not_exists"
    );
    assert_eq!(
        message(update(
            "SET a = list_append(a, b, c)",
            &Names::new(),
            &Values::new()
        )),
        "Invalid UpdateExpression: Incorrect number of operands for operator or function; operator or function: list_append, number of operands: 3"
    );
    // Keywords are case-insensitive; function names are not.
    update("set a = :v remove b", &Names::new(), &v).unwrap();
}

#[test]
fn operand_checks() {
    assert_eq!(
        message(cond("a = a", &Names::new(), &Values::new())),
        "Invalid ConditionExpression: The first operand must be distinct from the remaining operands for this operator or function; operator: =, first operand: [a]"
    );
    assert_eq!(
        message(cond(
            "a BETWEEN :h AND :l",
            &Names::new(),
            &values(&[(":h", n("5")), (":l", n("1"))])
        )),
        "Invalid ConditionExpression: The BETWEEN operator requires upper bound to be greater than or equal to lower bound; lower bound operand: AttributeValue: {N:5}, upper bound operand: AttributeValue: {N:1}"
    );
    let many: Values = (0..101)
        .map(|i| (format!(":v{i}"), n(&i.to_string())))
        .collect();
    let list: Vec<String> = many.keys().cloned().collect();
    assert_eq!(
        message(cond(
            &format!("a IN ({})", list.join(", ")),
            &Names::new(),
            &many
        )),
        "Invalid ConditionExpression: The IN operator is provided with too many operands; number of operands: 101"
    );
    assert_eq!(
        message(cond(
            ":x < :y",
            &Names::new(),
            &values(&[(":x", AttributeValue::Bool(true)), (":y", n("1"))])
        )),
        "Invalid ConditionExpression: Incorrect operand type for operator or function; operator or function: <, operand type: BOOL"
    );
    assert_eq!(
        message(cond(
            "begins_with(s, :n)",
            &Names::new(),
            &values(&[(":n", n("1"))])
        )),
        "Invalid ConditionExpression: Incorrect operand type for operator or function; operator or function: begins_with, operand type: N"
    );
    assert_eq!(
        message(update(
            "ADD a :s",
            &Names::new(),
            &values(&[(":s", s("x"))])
        )),
        "Invalid UpdateExpression: Incorrect operand type for operator or function; operator: ADD, operand type: STRING, typeSet: ALLOWED_FOR_ADD_OPERAND"
    );
    assert_eq!(
        message(update(
            "DELETE a :s",
            &Names::new(),
            &values(&[(":s", s("x"))])
        )),
        "Invalid UpdateExpression: Incorrect operand type for operator or function; operator: DELETE, operand type: STRING, typeSet: ALLOWED_FOR_DELETE_OPERAND"
    );
    assert_eq!(
        message(update(
            "SET l = list_append(l, :s)",
            &Names::new(),
            &values(&[(":s", s("x"))])
        )),
        "Invalid UpdateExpression: Incorrect operand type for operator or function; operator or function: list_append, operand type: S"
    );
    assert_eq!(
        message(cond(
            "((a = :v))",
            &Names::new(),
            &values(&[(":v", n("1"))])
        )),
        "Invalid ConditionExpression: The expression has redundant parentheses;"
    );
    // Two values compared is fine, as is size(:v).
    cond(
        ":a = :b",
        &Names::new(),
        &values(&[(":a", n("1")), (":b", n("1"))]),
    )
    .unwrap();
    cond(
        "size(:v) > :z",
        &Names::new(),
        &values(&[(":v", s("abc")), (":z", n("0"))]),
    )
    .unwrap();
    // A parenthesised operand.
    cond("(a) = :v", &Names::new(), &values(&[(":v", n("1"))])).unwrap();
}

#[test]
fn overlapping_and_conflicting_paths() {
    let v = values(&[(":x", n("1")), (":y", n("2"))]);
    assert_eq!(
        message(update("SET a = :x, a.b = :y", &Names::new(), &v)),
        "Invalid UpdateExpression: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [a], path two: [a, b]"
    );
    assert_eq!(
        message(update(
            "SET a = :x REMOVE a",
            &Names::new(),
            &values(&[(":x", n("1"))])
        )),
        "Invalid UpdateExpression: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [a], path two: [a]"
    );
    assert_eq!(
        message(update("SET a.b = :x, a[0] = :y", &Names::new(), &v)),
        "Invalid UpdateExpression: Two document paths conflict with each other; must remove or rewrite one of these paths; path one: [a, b], path two: [a, [0]]"
    );
    assert_eq!(
        message(update("SET #a = :x, a.b = :y", &names(&[("#a", "a")]), &v)),
        "Invalid UpdateExpression: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [a], path two: [a, b]"
    );
    update("SET a.b = :x, a.c = :y", &Names::new(), &v).unwrap();
    let (no_names, no_values) = (Names::new(), Values::new());
    let mut p = Parser::new(&no_names, &no_values);
    assert_eq!(
        message(p.projection("m, m.a")),
        "Invalid ProjectionExpression: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [m], path two: [m, a]"
    );
    let deep = vec!["x"; 33].join(".");
    assert!(matches!(
        p.projection(&deep),
        Err(Error::LimitExceeded { .. })
    ));
    assert_eq!(
        message(p.projection(&deep)),
        "Invalid ProjectionExpression: The document path has too many nesting levels; nesting levels: 33"
    );
}

#[test]
fn key_conditions() {
    let key = KeySchema::hash("pk", ScalarType::S).with_range("sk", ScalarType::N);
    let no_names = Names::new();
    let parse = |text: &str, v: &Values| {
        let mut p = Parser::new(&no_names, v);
        p.key_condition(text, &key)
    };
    let v = values(&[(":p", s("a")), (":s", n("1")), (":t", n("5"))]);
    assert_eq!(
        parse(
            "sk > :s AND pk = :p",
            &values(&[(":p", s("a")), (":s", n("1"))])
        )
        .unwrap(),
        KeyCondition::hash("pk", s("a")).range("sk", RangeCondition::Gt(n("1")))
    );
    assert_eq!(
        parse("(pk = :p) AND (sk BETWEEN :s AND :t)", &v).unwrap(),
        KeyCondition::hash("pk", s("a")).range("sk", RangeCondition::Between(n("1"), n("5")))
    );
    assert_eq!(
        message(parse(
            "pk = :p OR sk = :s",
            &values(&[(":p", s("a")), (":s", n("1"))])
        )),
        "Invalid operator used in KeyConditionExpression: OR"
    );
    assert_eq!(
        message(parse("sk = :s", &values(&[(":s", n("1"))]))),
        "Query condition missed key schema element"
    );
    assert_eq!(
        message(parse("pk < :p", &values(&[(":p", s("a"))]))),
        "Query key condition not supported"
    );
    assert_eq!(
        message(parse("pk = :p AND sk > :s AND sk < :t", &v)),
        "KeyConditionExpressions must only contain one condition per key"
    );
    assert_eq!(
        message(parse("pk = :s", &values(&[(":s", n("1"))]))),
        "One or more parameter values were invalid: Condition parameter type does not match schema type"
    );
    assert_eq!(
        message(parse(
            "pk = :p AND begins_with(sk, :s)",
            &values(&[(":p", s("a")), (":s", n("1"))])
        )),
        "Invalid KeyConditionExpression: Incorrect operand type for operator or function; operator or function: begins_with, operand type: N"
    );
}

// ---------------------------------------------------------------------------
// Evaluation.

fn eval(text: &str, vals: &[(&str, AttributeValue)]) -> bool {
    cond(text, &Names::new(), &values(vals))
        .unwrap()
        .evaluate(&item())
}

#[test]
fn comparisons_follow_dynamodb() {
    assert!(eval("n = :v", &[(":v", n("5.0"))]));
    assert!(!eval("n = :v", &[(":v", s("5"))]));
    assert!(
        eval("n <> :v", &[(":v", s("5"))]),
        "different types are unequal"
    );
    assert!(
        eval("nope <> :v", &[(":v", n("1"))]),
        "<> is true when the attribute is missing"
    );
    assert!(!eval("nope < :v", &[(":v", n("1"))]));
    assert!(
        !eval("n < :v", &[(":v", s("9"))]),
        "ordering across types is false"
    );
    assert!(eval("NOT (n < :v)", &[(":v", s("9"))]));
    assert!(eval(
        "n BETWEEN :a AND :b",
        &[(":a", n("5")), (":b", n("6"))]
    ));
    assert!(!eval(
        "n BETWEEN :a AND :b",
        &[(":a", n("6")), (":b", n("7"))]
    ));
    assert!(eval("n IN (:a, :b)", &[(":a", n("1")), (":b", n("5"))]));
    assert!(
        eval("tags = :t", &[(":t", ss(&["b", "a"]))]),
        "sets compare as sets"
    );
    assert!(eval("s > :v", &[(":v", s("h"))]));
    assert!(eval(
        "m.x = :v AND l[1] = :w",
        &[(":v", n("1")), (":w", s("b"))]
    ));
}

#[test]
fn functions_follow_dynamodb() {
    assert!(eval("attribute_exists(m.x)", &[]));
    assert!(eval("attribute_not_exists(m.z)", &[]));
    assert!(eval("attribute_type(tags, :t)", &[(":t", s("SS"))]));
    assert!(eval("begins_with(s, :p)", &[(":p", s("hé"))]));
    assert!(!eval("begins_with(n, :p)", &[(":p", s("5"))]));
    assert!(eval("contains(s, :p)", &[(":p", s("ll"))]));
    assert!(eval("contains(tags, :p)", &[(":p", s("a"))]));
    assert!(eval("contains(nums, :p)", &[(":p", n("1.0"))]));
    assert!(!eval("contains(tags, :p)", &[(":p", n("1"))]));
    assert!(eval("contains(l, :p)", &[(":p", s("b"))]));
    assert!(
        eval("size(s) = :v", &[(":v", n("5"))]),
        "size counts characters"
    );
    assert!(eval(
        "size(tags) = :v AND size(m) = :v AND size(l) = :v",
        &[(":v", n("2"))]
    ));
    assert!(
        !eval("size(n) >= :z", &[(":z", n("0"))]),
        "no size for numbers"
    );
    assert!(!eval(
        "size(flag) >= :z OR size(nope) >= :z",
        &[(":z", n("0"))]
    ));
}

#[test]
fn precedence_is_dynamodbs() {
    // NOT binds tighter than AND, AND tighter than OR.
    assert!(eval(
        "n = :a OR n = :b AND n = :c",
        &[(":a", n("5")), (":b", n("0")), (":c", n("0"))]
    ));
    assert!(!eval(
        "(n = :a OR n = :b) AND n = :c",
        &[(":a", n("5")), (":b", n("0")), (":c", n("0"))]
    ));
    assert!(eval(
        "NOT n = :a OR n = :b",
        &[(":a", n("0")), (":b", n("0"))]
    ));
}

// ---------------------------------------------------------------------------
// Updates.

fn apply(text: &str, vals: &[(&str, AttributeValue)]) -> Result<Item, Error> {
    let u = update(text, &Names::new(), &values(vals))?;
    let mut it = item();
    apply_update(&mut it, &u)?;
    Ok(it)
}

#[test]
fn set_add_delete_remove() {
    let it = apply("SET a = n, n = :v", &[(":v", n("9"))]).unwrap();
    assert_eq!(it["a"], n("5"), "values are read before the update");
    assert_eq!(it["n"], n("9"));
    let it = apply("SET n = n + :v", &[(":v", n("0.5"))]).unwrap();
    assert_eq!(it["n"], n("5.5"));
    let it = apply(
        "SET x = if_not_exists(x, :z) + :v",
        &[(":z", n("0")), (":v", n("1"))],
    )
    .unwrap();
    assert_eq!(it["x"], n("1"));
    let it = apply(
        "SET l = list_append(:f, l)",
        &[(":f", AttributeValue::L(vec![s("first")]))],
    )
    .unwrap();
    assert_eq!(it["l"], AttributeValue::L(vec![s("first"), s("a"), s("b")]));
    let it = apply(
        "SET l[10] = :v, l[20] = :w",
        &[(":v", s("z")), (":w", s("y"))],
    )
    .unwrap();
    assert_eq!(
        it["l"],
        AttributeValue::L(vec![s("a"), s("b"), s("z"), s("y")])
    );
    let it = apply("REMOVE l[0], l[1], m.nope, l[100]", &[]).unwrap();
    assert_eq!(it["l"], AttributeValue::L(vec![]));
    let it = apply(
        "ADD n :v, newn :v, tags :t",
        &[(":v", n("-5")), (":t", ss(&["b", "c"]))],
    )
    .unwrap();
    assert_eq!(it["n"], n("0"));
    assert_eq!(it["newn"], n("-5"));
    assert_eq!(it["tags"], ss(&["a", "b", "c"]));
    let it = apply("DELETE tags :t", &[(":t", ss(&["a", "b", "zz"]))]).unwrap();
    assert!(!it.contains_key("tags"), "emptied sets are removed");
    let it = apply("SET m.z = :v ADD m.x :v", &[(":v", n("1"))]).unwrap();
    assert_eq!(it["m"].as_m().unwrap()["z"], n("1"));
    assert_eq!(it["m"].as_m().unwrap()["x"], n("2"));
}

#[test]
fn update_errors_change_nothing() {
    let missing = "The provided expression refers to an attribute that does not exist in the item";
    let wrong = "An operand in the update expression has an incorrect data type";
    let path = "The document path provided in the update expression is invalid for update";
    assert_eq!(
        message(apply("SET a = nope + :v", &[(":v", n("1"))])),
        missing
    );
    assert_eq!(message(apply("SET x = l[5]", &[])), missing);
    assert_eq!(message(apply("SET a = s + :v", &[(":v", n("1"))])), wrong);
    assert_eq!(message(apply("ADD s :v", &[(":v", n("1"))])), wrong);
    assert_eq!(
        message(apply(
            "ADD tags :v",
            &[(":v", AttributeValue::Ns(vec!["1".parse().unwrap()]))]
        )),
        wrong
    );
    assert_eq!(
        message(apply(
            "SET l = list_append(n, :v)",
            &[(":v", AttributeValue::L(vec![]))]
        )),
        wrong
    );
    assert_eq!(message(apply("SET nope.x = :v", &[(":v", n("1"))])), path);
    assert_eq!(message(apply("SET m[0] = :v", &[(":v", n("1"))])), path);
    assert_eq!(message(apply("SET s[0] = :v", &[(":v", n("1"))])), path);
    assert_eq!(message(apply("REMOVE nope.x.y", &[])), path);
    assert_eq!(message(apply("REMOVE m.x.y", &[])), path);
    assert_eq!(
        message(apply(
            "SET n = n + :v",
            &[(":v", n("99999999999999999999999999999999999999"))]
        )),
        "DynamoDB only supports precision up to 38 digits"
    );
    // A failure after some actions applied leaves the item as it was.
    let u = update(
        "SET a = :v ADD s :v",
        &Names::new(),
        &values(&[(":v", n("1"))]),
    )
    .unwrap();
    let mut it = item();
    assert!(apply_update(&mut it, &u).is_err());
    assert_eq!(it, item());
}

#[test]
fn projections_compact_lists_and_keep_structure() {
    let it = Item::new()
        .with(
            "m",
            AttributeValue::M(
                [
                    ("a".to_string(), n("1")),
                    (
                        "b".to_string(),
                        AttributeValue::M(
                            [("c".to_string(), s("deep")), ("d".to_string(), s("other"))].into(),
                        ),
                    ),
                ]
                .into(),
            ),
        )
        .with(
            "lst",
            AttributeValue::L(vec![
                s("zero"),
                s("one"),
                AttributeValue::M([("k".to_string(), s("v"))].into()),
            ]),
        )
        .with("top", "t");
    let (no_names, no_values) = (Names::new(), Values::new());
    let p = |text: &str| {
        let mut parser = Parser::new(&no_names, &no_values);
        project(&it, &parser.projection(text).unwrap().0)
    };
    assert_eq!(
        p("m.a, m.b.c"),
        Item::new().with(
            "m",
            AttributeValue::M(
                [
                    ("a".to_string(), n("1")),
                    (
                        "b".to_string(),
                        AttributeValue::M([("c".to_string(), s("deep"))].into())
                    )
                ]
                .into()
            )
        )
    );
    assert_eq!(
        p("lst[2], lst[0]"),
        Item::new().with(
            "lst",
            AttributeValue::L(vec![s("zero"), it["lst"].as_l().unwrap()[2].clone()])
        )
    );
    assert_eq!(p("lst[9], m.zz"), Item::new());
    assert_eq!(p("top"), Item::new().with("top", "t"));
}

// ---------------------------------------------------------------------------
// Render then parse gives the same AST.

fn name() -> impl Strategy<Value = String> {
    // Any text works: names are always placeholders.
    prop_oneof![
        "[a-z]{1,6}",
        ".{1,8}",
        Just("name".to_string()),
        Just("a.b".to_string())
    ]
}

fn path() -> impl Strategy<Value = Path> {
    (
        name(),
        proptest::collection::vec(
            prop_oneof![name().prop_map(Err), (0usize..20).prop_map(Ok)],
            0..3,
        ),
    )
        .prop_map(|(head, rest)| {
            rest.into_iter().fold(attr(head), |p, e| match e {
                Ok(i) => p.index(i),
                Err(k) => p.key(k),
            })
        })
}

fn scalar() -> impl Strategy<Value = AttributeValue> {
    prop_oneof![
        (-1000i64..1000).prop_map(AttributeValue::from),
        "[a-z]{0,5}".prop_map(AttributeValue::S),
        proptest::collection::vec(any::<u8>(), 1..4).prop_map(AttributeValue::B),
    ]
}

fn any_value() -> impl Strategy<Value = AttributeValue> {
    prop_oneof![
        scalar(),
        any::<bool>().prop_map(AttributeValue::Bool),
        Just(AttributeValue::Null),
        proptest::collection::btree_set("[a-z]{1,3}", 1..3)
            .prop_map(|s| AttributeValue::Ss(s.into_iter().collect())),
        proptest::collection::vec(scalar(), 0..3).prop_map(AttributeValue::L),
    ]
}

/// Two paths that are different, so that `a = b` is allowed.
fn two_paths() -> impl Strategy<Value = (Path, Path)> {
    (path(), path()).prop_filter("distinct", |(a, b)| a != b)
}

fn leaf_condition() -> impl Strategy<Value = Condition> {
    let ordered = prop_oneof![Just(0), Just(1), Just(2), Just(3)];
    prop_oneof![
        (path(), any_value()).prop_map(|(p, v)| p.eq(v)),
        (path(), any_value()).prop_map(|(p, v)| p.ne(v)),
        (path(), scalar(), ordered).prop_map(|(p, v, o)| match o {
            0 => p.lt(v),
            1 => p.le(v),
            2 => p.gt(v),
            _ => p.ge(v),
        }),
        two_paths().prop_map(|(a, b)| a.eq(b)),
        (path(), -100i64..100, 0i64..100).prop_map(|(p, lo, d)| p.between(lo, lo + d)),
        (path(), proptest::collection::vec(any_value(), 1..5)).prop_map(|(p, vs)| p.is_in(vs)),
        path().prop_map(Path::exists),
        path().prop_map(Path::not_exists),
        path().prop_map(|p| p.has_type(dynamodb_mapper::ValueType::Ss)),
        (path(), "[a-z]{0,3}").prop_map(|(p, v)| p.begins_with(v)),
        (path(), any_value()).prop_map(|(p, v)| p.contains(v)),
        (path(), 0i64..10).prop_map(|(p, v)| p.size().gt(v)),
    ]
}

fn condition() -> impl Strategy<Value = Condition> {
    leaf_condition().prop_recursive(4, 24, 2, |inner| {
        prop_oneof![
            (inner.clone(), inner.clone()).prop_map(|(a, b)| a.and(b)),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| a.or(b)),
            inner.prop_map(Condition::negate),
        ]
    })
}

fn set_value() -> impl Strategy<Value = dynamodb_mapper::expr::SetValue> {
    prop_oneof![
        any_value().prop_map(Into::into),
        path().prop_map(Into::into),
        (path(), -10i64..10).prop_map(|(p, v)| p.plus(v)),
        (path(), -10i64..10).prop_map(|(p, v)| p.minus(v)),
        (path(), any_value()).prop_map(|(p, v)| p.if_not_exists(v).into()),
        (path(), proptest::collection::vec(scalar(), 0..2))
            .prop_map(|(p, v)| SetOperand::list_append(p, AttributeValue::L(v)).into()),
    ]
}

fn update_strategy() -> impl Strategy<Value = Update> {
    (
        proptest::collection::vec(set_value(), 0..3),
        0usize..3,
        proptest::collection::vec(-5i64..5, 0..2),
        proptest::collection::vec(proptest::collection::btree_set("[a-z]{1,3}", 1..3), 0..2),
    )
        .prop_filter("at least one action", |(s, r, a, d)| {
            !s.is_empty() || *r > 0 || !a.is_empty() || !d.is_empty()
        })
        .prop_map(|(sets, removes, adds, deletes)| {
            // Distinct target attributes, so that no two paths overlap.
            let mut k = 0;
            let mut next = || {
                k += 1;
                attr(format!("t{k}"))
            };
            let mut u = Update::new();
            for v in sets {
                u = u.set(next(), v);
            }
            for _ in 0..removes {
                u = u.remove(next().index(1));
            }
            for v in adds {
                u = u.add(next(), v);
            }
            for v in deletes {
                u = u.delete(next(), AttributeValue::Ss(v.into_iter().collect()));
            }
            u
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1024))]

    #[test]
    fn conditions_round_trip(c in condition()) {
        let mut attrs = ExpressionAttributes::default();
        let text = c.render(&mut attrs);
        let mut p = Parser::new(&attrs.names, &attrs.values);
        let parsed = p.condition(&text, ExpressionKind::Condition).unwrap_or_else(|e| panic!("{text}: {e}"));
        p.finish().unwrap();
        prop_assert_eq!(parsed, c);
    }

    #[test]
    fn updates_round_trip(u in update_strategy()) {
        let mut attrs = ExpressionAttributes::default();
        let text = u.render(&mut attrs);
        let mut p = Parser::new(&attrs.names, &attrs.values);
        let parsed = p.update(&text).unwrap_or_else(|e| panic!("{text}: {e}"));
        p.finish().unwrap();
        prop_assert_eq!(parsed, u);
    }

    #[test]
    fn projections_round_trip(paths in proptest::collection::btree_set("[a-z]{1,4}", 1..5)) {
        let proj = Projection::attributes(paths);
        let mut attrs = ExpressionAttributes::default();
        let text = proj.render(&mut attrs);
        let mut p = Parser::new(&attrs.names, &attrs.values);
        prop_assert_eq!(p.projection(&text).unwrap(), proj);
    }

    #[test]
    fn key_conditions_round_trip(h in "[a-z]{1,5}", lo in -100i64..100, d in 0i64..100, which in 0..7) {
        let key = KeySchema::hash("pk", ScalarType::S).with_range("sk", ScalarType::N);
        let v = AttributeValue::from(lo);
        let range = match which {
            0 => None,
            1 => Some(RangeCondition::Eq(v)),
            2 => Some(RangeCondition::Lt(v)),
            3 => Some(RangeCondition::Le(v)),
            4 => Some(RangeCondition::Gt(v)),
            5 => Some(RangeCondition::Ge(v)),
            _ => Some(RangeCondition::Between(v, AttributeValue::from(lo + d))),
        };
        let mut kc = KeyCondition::hash("pk", h.as_str());
        if let Some(r) = range {
            kc = kc.range("sk", r);
        }
        let mut attrs = ExpressionAttributes::default();
        let text = kc.render(&mut attrs);
        let mut p = Parser::new(&attrs.names, &attrs.values);
        prop_assert_eq!(p.key_condition(&text, &key).unwrap(), kc);
    }
}
