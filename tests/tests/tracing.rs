//! Tracing: one span per repository operation on the model target, with
//! the table (and the key at debug level only); the backend's calls on the
//! database-access target; and the lines a person reads: at info, table
//! steps and long operations with counts, at debug one per request. On
//! every backend, one case at a time, under a process-wide subscriber (so
//! no other test's first use of a span can hide it from this one).

use std::sync::{Mutex, OnceLock};

use dynamodb_mapper::backend::{PutItem, TransactWrite, TransactWriteItem};
use dynamodb_mapper::{Repository, RepositoryExt, ScanSpec, Table, to_item};
use dynamodb_mapper_tests::models::User;
use dynamodb_mapper_tests::{Env, cases, run_suite_in_turn};
use futures::TryStreamExt;
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Level, Metadata, Subscriber};

fn main() {
    tracing::subscriber::set_global_default(Capture).expect("the only subscriber");
    run_suite_in_turn(
        "the tracing suite",
        cases![operations_are_traced, lines_at_info_and_debug],
    )
}

#[derive(Clone, Debug)]
struct SpanRecord {
    target: String,
    name: String,
    level: Level,
    fields: Vec<(String, String)>,
}

/// Every span, recorded.
fn recorded() -> &'static Mutex<Vec<SpanRecord>> {
    static SPANS: OnceLock<Mutex<Vec<SpanRecord>>> = OnceLock::new();
    SPANS.get_or_init(|| Mutex::new(Vec::new()))
}

/// Every event, recorded (with its message as the `message` field).
fn events() -> &'static Mutex<Vec<SpanRecord>> {
    static EVENTS: OnceLock<Mutex<Vec<SpanRecord>>> = OnceLock::new();
    EVENTS.get_or_init(|| Mutex::new(Vec::new()))
}

/// The highest level recorded now.
fn max_level() -> &'static Mutex<Level> {
    static MAX: OnceLock<Mutex<Level>> = OnceLock::new();
    MAX.get_or_init(|| Mutex::new(Level::TRACE))
}

struct Capture;

struct Fields<'a>(&'a mut Vec<(String, String)>);

impl Visit for Fields<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0.push((field.name().to_owned(), format!("{value:?}")));
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.push((field.name().to_owned(), value.to_owned()));
    }
}

impl Subscriber for Capture {
    fn register_callsite(&self, _: &'static Metadata<'static>) -> tracing::subscriber::Interest {
        tracing::subscriber::Interest::sometimes()
    }
    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        *metadata.level() <= *max_level().lock().unwrap()
    }
    fn new_span(&self, span: &Attributes<'_>) -> Id {
        let mut record = SpanRecord {
            target: span.metadata().target().to_owned(),
            name: span.metadata().name().to_owned(),
            level: *span.metadata().level(),
            fields: Vec::new(),
        };
        span.record(&mut Fields(&mut record.fields));
        let mut spans = recorded().lock().unwrap();
        spans.push(record);
        Id::from_u64(spans.len() as u64)
    }
    fn record(&self, span: &Id, values: &Record<'_>) {
        let mut spans = recorded().lock().unwrap();
        if let Some(record) = spans.get_mut(span.into_u64() as usize - 1) {
            values.record(&mut Fields(&mut record.fields));
        }
    }
    fn record_follows_from(&self, _: &Id, _: &Id) {}
    fn event(&self, event: &Event<'_>) {
        let mut record = SpanRecord {
            target: event.metadata().target().to_owned(),
            name: event.metadata().name().to_owned(),
            level: *event.metadata().level(),
            fields: Vec::new(),
        };
        event.record(&mut Fields(&mut record.fields));
        events().lock().unwrap().push(record);
    }
    fn enter(&self, _: &Id) {}
    fn exit(&self, _: &Id) {}
}

fn field<'a>(span: &'a SpanRecord, name: &str) -> Option<&'a str> {
    span.fields
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
}

/// The spans of a create, a get and a save, recorded up to `max`.
async fn traced(users: &Table<User>, id: &str, max: Level) -> Vec<SpanRecord> {
    let from = recorded().lock().unwrap().len();
    *max_level().lock().unwrap() = max;
    users.create(User::new(id)).await.unwrap();
    let mut user = users.get_consistent(id).await.unwrap().unwrap();
    user.energy += 1;
    users.save(&mut user).await.unwrap();
    *max_level().lock().unwrap() = Level::TRACE;
    recorded().lock().unwrap()[from..].to_vec()
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
        assert_eq!(span.level, Level::INFO);
        assert_eq!(field(span, "table"), Some(users.table_name()), "{span:?}");
        assert_eq!(field(span, "key"), Some("\"alice\""), "{span:?}");
    }
    let access: Vec<&SpanRecord> = spans
        .iter()
        .filter(|s| s.target == "dynamodb_mapper::database_access")
        .collect();
    assert!(
        access.len() >= 3,
        "the backend's calls are traced: {spans:#?}"
    );
    assert!(
        access
            .iter()
            .all(|s| field(s, "table") == Some(users.table_name())),
        "{access:#?}"
    );

    // Transactions, on their own target.
    let from = recorded().lock().unwrap().len();
    let put = PutItem::new(users.table_name(), to_item(&User::new("carol")).unwrap());
    env.backend
        .transact_write_items(TransactWrite {
            items: vec![TransactWriteItem::Put(put)],
            ..TransactWrite::default()
        })
        .await
        .unwrap();
    let spans_now = recorded().lock().unwrap()[from..].to_vec();
    assert!(
        spans_now
            .iter()
            .any(|s| s.target == "dynamodb_mapper::transactions"),
        "{spans_now:#?}"
    );

    // Above debug level, no attribute value is recorded.
    let spans = traced(&users, "bob", Level::INFO).await;
    assert_eq!(
        spans
            .iter()
            .filter(|s| s.target == "dynamodb_mapper::model")
            .count(),
        3,
        "{spans:#?}"
    );
    for span in spans {
        assert!(field(&span, "key").is_none(), "{span:?}");
        assert!(
            span.fields.iter().all(|(_, v)| !v.contains("bob")),
            "{span:?}"
        );
    }
}

/// The events `work` writes with events up to `max` enabled.
async fn logged(max: Level, work: impl std::future::Future<Output = ()>) -> Vec<SpanRecord> {
    let from = events().lock().unwrap().len();
    *max_level().lock().unwrap() = max;
    work.await;
    *max_level().lock().unwrap() = Level::TRACE;
    events().lock().unwrap()[from..].to_vec()
}

/// The one event whose message starts with `start`.
fn line<'a>(events: &'a [SpanRecord], start: &str) -> &'a SpanRecord {
    let found: Vec<&SpanRecord> = events
        .iter()
        .filter(|e| field(e, "message").is_some_and(|m| m.starts_with(start)))
        .collect();
    assert_eq!(found.len(), 1, "one line {start:?} in {events:#?}");
    found[0]
}

async fn lines_at_info_and_debug(env: Env) {
    let users = env.repo::<User>();
    let name = users.table_name().to_owned();
    let all: Vec<User> = (0..30)
        .map(|i| User::new(format!("secret-{i:02}")))
        .collect();
    let info = logged(Level::INFO, async {
        users.create_table().await.unwrap();
        users.put_many(&all).await.unwrap();
        let read: Vec<_> = users
            .scan(ScanSpec::new().page_size(7))
            .try_collect()
            .await
            .unwrap();
        assert_eq!(read.len(), 30);
    })
    .await;
    for start in ["table creation requested", "table active after"] {
        let e = line(&info, start);
        assert_eq!(
            (e.level, field(e, "table")),
            (Level::INFO, Some(name.as_str()))
        );
    }
    let started = line(&info, "put_many started: 30 items");
    assert_eq!(field(started, "items"), Some("30"));
    let done = line(&info, "put_many done: 30 items in 2 requests");
    assert_eq!(
        (
            field(done, "items"),
            field(done, "requests"),
            field(done, "outcome")
        ),
        (Some("30"), Some("2"), Some("ok"))
    );
    assert!(field(done, "elapsed_ms").is_some(), "{done:?}");
    line(&info, "scan started");
    // 30 items in pages of 7: 5 requests, the last short of the limit.
    let done = line(&info, "scan done: 30 items in 5 requests");
    assert_eq!(field(done, "table"), Some(name.as_str()));
    // At info: no request lines, and no attribute value.
    assert!(info.iter().all(|e| e.level <= Level::INFO), "{info:#?}");
    assert!(
        info.iter()
            .all(|e| e.fields.iter().all(|(_, v)| !v.contains("secret-"))),
        "{info:#?}"
    );

    let debug = logged(Level::DEBUG, async {
        users.get_consistent("secret-03").await.unwrap().unwrap();
        assert!(users.create(User::new("secret-03")).await.is_err());
    })
    .await;
    let requests: Vec<&SpanRecord> = debug
        .iter()
        .filter(|e| e.target == "dynamodb_mapper::database_access" && e.level == Level::DEBUG)
        .collect();
    let get = requests
        .iter()
        .find(|e| field(e, "operation") == Some("GetItem"))
        .unwrap_or_else(|| panic!("a GetItem line in {debug:#?}"));
    assert_eq!(
        (
            field(get, "table"),
            field(get, "key"),
            field(get, "outcome")
        ),
        (Some(name.as_str()), Some("id=secret-03"), Some("ok"))
    );
    assert!(
        field(get, "consumed_capacity").is_some_and(|c| c.parse::<f64>().is_ok()),
        "{get:?}"
    );
    let put = requests
        .iter()
        .find(|e| field(e, "operation") == Some("PutItem"))
        .unwrap_or_else(|| panic!("a PutItem line in {debug:#?}"));
    assert_eq!(
        (field(put, "table"), field(put, "outcome")),
        (Some(name.as_str()), Some("conditional_check_failed"))
    );
}
