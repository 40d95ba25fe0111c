//! Tracing: one span per repository operation on the model target, with
//! the table (and the key at debug level); the backend's calls on the
//! database-access target.

use std::sync::{Arc, Mutex};

use dynamodb_mapper::{Repository, Table};
use dynamodb_mapper_tests::models::User;
use dynamodb_mapper_tests::{Case, Env, cases};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Level, Metadata, Subscriber};

use crate::k;

pub fn cases() -> Vec<Case> {
    cases![operations_are_traced]
}

#[derive(Clone, Debug, Default)]
struct SpanRecord {
    target: String,
    name: String,
    fields: Vec<(String, String)>,
}

/// A subscriber that records spans, up to a maximum level.
struct Capture {
    max: Level,
    spans: Arc<Mutex<Vec<SpanRecord>>>,
}

struct Fields<'a>(&'a mut Vec<(String, String)>);

impl Visit for Fields<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0.push((field.name().to_owned(), format!("{value:?}")));
    }
}

impl Subscriber for Capture {
    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        *metadata.level() <= self.max
    }
    fn new_span(&self, span: &Attributes<'_>) -> Id {
        let mut record = SpanRecord {
            target: span.metadata().target().to_owned(),
            name: span.metadata().name().to_owned(),
            fields: Vec::new(),
        };
        span.record(&mut Fields(&mut record.fields));
        let mut spans = self.spans.lock().unwrap();
        spans.push(record);
        Id::from_u64(spans.len() as u64)
    }
    fn record(&self, span: &Id, values: &Record<'_>) {
        let mut spans = self.spans.lock().unwrap();
        if let Some(record) = spans.get_mut(span.into_u64() as usize - 1) {
            values.record(&mut Fields(&mut record.fields));
        }
    }
    fn record_follows_from(&self, _: &Id, _: &Id) {}
    fn event(&self, _: &Event<'_>) {}
    fn enter(&self, _: &Id) {}
    fn exit(&self, _: &Id) {}
}

fn field<'a>(span: &'a SpanRecord, name: &str) -> Option<&'a str> {
    span.fields
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
}

async fn traced(users: &Table<User>, id: &str, max: Level) -> Vec<SpanRecord> {
    let spans = Arc::new(Mutex::new(Vec::new()));
    let capture = Capture {
        max,
        spans: spans.clone(),
    };
    let dispatch = tracing::Dispatch::new(capture);
    // The operations run on this thread, under the capturing subscriber.
    let _guard = tracing::dispatcher::set_default(&dispatch);
    users.create(User::new(id)).await.unwrap();
    let mut alice = users.get_consistent(&k(id)).await.unwrap().unwrap();
    alice.energy += 1;
    users.save(&mut alice).await.unwrap();
    drop(_guard);
    spans.lock().unwrap().clone()
}

async fn operations_are_traced(env: Env) {
    let users = env.table::<User>().await;
    let spans = traced(&users, "alice", Level::DEBUG).await;
    let model: Vec<&SpanRecord> = spans
        .iter()
        .filter(|s| s.target == "dynamodb_mapper::model")
        .collect();
    let names: Vec<&str> = model.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["save", "get", "save"], "{spans:#?}");
    for span in &model {
        assert!(
            field(span, "table").is_some_and(|t| t.ends_with("_users")),
            "{span:?}"
        );
        assert!(
            field(span, "key").is_some_and(|key| key.contains("alice")),
            "{span:?}"
        );
    }
    assert!(
        spans
            .iter()
            .any(|s| s.target == "dynamodb_mapper::database_access"),
        "the backend's calls are traced: {spans:#?}"
    );

    // Above debug level, no attribute value is recorded.
    let spans = traced(&users, "bob", Level::INFO).await;
    let model: Vec<&SpanRecord> = spans
        .iter()
        .filter(|s| s.target == "dynamodb_mapper::model")
        .collect();
    assert_eq!(model.len(), 3);
    for span in spans {
        assert!(field(&span, "key").is_none(), "{span:?}");
    }
}
