//! Hostile expressions and requests: each is a clear error (or a correct
//! answer), never a stack overflow, on a thread with a 2 MB stack, through
//! the parser, the evaluator and the memory emulator.

use std::collections::BTreeMap;

use dynamodb_mapper::backend::{Backend, PutItem, Query};
use dynamodb_mapper::expr::{
    Condition, ExpressionAttributes, ExpressionKind, Operand, Parser, SetOperand, Update,
    apply_update, attr,
};
use dynamodb_mapper::{AttributeValue, Error, Item, KeySchema, ScalarType, TableDefinition};
use dynamodb_mapper_memory::MemoryBackend;

/// Runs `f` on a thread with a 2 MB stack (a tokio worker's default).
fn on_small_stack(f: impl FnOnce() + Send + 'static) {
    std::thread::Builder::new()
        .stack_size(2 * 1024 * 1024)
        .spawn(f)
        .expect("a thread")
        .join()
        .expect("no panic and no overflow");
}

fn values() -> BTreeMap<String, AttributeValue> {
    [(":v".to_owned(), AttributeValue::from(1))].into()
}

fn parse_condition(text: &str) -> Result<Condition, Error> {
    let names = BTreeMap::new();
    let values = values();
    Parser::new(&names, &values).condition(text, ExpressionKind::Condition)
}

fn message(e: Error) -> String {
    match e {
        Error::InvalidRequest { message } | Error::LimitExceeded { message } => message,
        other => other.to_string(),
    }
}

/// The nastiest texts within DynamoDB's 4 KB, and what each must answer.
fn nasty() -> Vec<(String, &'static str)> {
    vec![
        (
            format!("{}a = :v{}", "(".repeat(1500), ")".repeat(1500)),
            "redundant parentheses",
        ),
        (format!("{}a = :v", "(".repeat(2000)), ""),
        (
            format!("{}a = :v", "NOT ".repeat(1000)),
            "too many operators",
        ),
        (
            format!("{}a{} = :v", "size(".repeat(600), ")".repeat(600)),
            "too many operators",
        ),
        (
            format!("{}a{} = :v", "size((".repeat(340), "))".repeat(340)),
            "too many operators",
        ),
        (vec!["a = :v"; 370].join(" AND "), "too many operators"),
        (vec!["a = :v"; 400].join(" OR "), "too many operators"),
        (
            format!("{}a = :v{}", "NOT (".repeat(550), ")".repeat(550)),
            "too many operators",
        ),
        (format!("{}a = :v", "a = :v AND (".repeat(330)), ""),
    ]
}

#[test]
fn nasty_expressions_are_refused_on_a_small_stack() {
    on_small_stack(|| {
        for (text, expected) in nasty() {
            assert!(text.len() <= 4096, "{} bytes", text.len());
            let e = parse_condition(&text).expect_err("refused");
            let m = message(e);
            assert!(m.contains(expected), "{}...: {m}", &text[..40]);
        }
    });
}
