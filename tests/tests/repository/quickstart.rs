//! The quickstart example runs unchanged on every backend: its tour is
//! compiled here from the example's own source and run twice on one store.

use std::sync::Mutex;

use dynamodb_mapper::Error;
use dynamodb_mapper_tests::{Case, Env, Kind, cases};

#[allow(dead_code)]
#[path = "../../../examples/examples/quickstart.rs"]
mod example;

pub fn cases() -> Vec<Case> {
    cases![quickstart_tour]
}

async fn run(env: &Env) -> Vec<String> {
    let lines = Mutex::new(Vec::new());
    example::tour(env.backend.clone(), &|line| {
        lines.lock().unwrap().push(line)
    })
    .await
    .expect("the tour runs");
    lines.into_inner().unwrap()
}

fn has(lines: &[String], text: &str) {
    assert!(
        lines.iter().any(|l| l.contains(text)),
        "no line with {text:?} in {lines:#?}"
    );
}

async fn quickstart_tour(env: Env) {
    if env.kind == Kind::DynamoDb {
        // The example's table names are fixed: start from none on a shared server.
        for table in [
            "quickstart_users",
            "quickstart_events",
            "quickstart_tickets",
        ] {
            match env.backend.delete_table(table).await {
                Ok(_) | Err(Error::TableNotFound { .. }) => {}
                Err(e) => panic!("{e}"),
            }
        }
    }
    let first = run(&env).await;
    for text in [
        "table quickstart_users: ready",
        "created alice",
        "saved alice: visit number 1",
        "conflict detected",
        "refused: an item with key alice already exists",
        "refused: validation failed: `energy` must be at most 1000",
        "updated alice's tags: [\"admin\", \"regular\"]",
        "events 10 to 14: [10, 11, 12, 13, 14]",
        "latest three events: [59, 58, 57]",
        "logins (by the by_kind index): 20",
        "batch get bob: found",
        "batch get nobody: missing",
        "opened ticket #1",
    ] {
        has(&first, text);
    }
    assert!(
        !first.iter().any(|l| l.contains("unexpected")),
        "{first:#?}"
    );
    let second = run(&env).await;
    has(&second, "loaded alice from an earlier run: 1 visits");
    has(&second, "saved alice: visit number 2");
    has(&second, "opened ticket #2");
}
