//! Errors that say which item, expressions refused for naming attributes
//! the model does not have, and key values of the key's own Rust types.

use std::collections::BTreeMap;

use dynamodb_mapper::expr::{Update, attr};
use dynamodb_mapper::repository::{QuerySpec, ScanSpec, Tracked};
use dynamodb_mapper::{
    AttributeValue, Binary, EpochSeconds, Error, Item, Repository, RepositoryExt, StringSet,
    Timestamp,
};
use dynamodb_mapper_tests::models::{Doc, Event, Note, Sale, Status, User};
use dynamodb_mapper_tests::{Case, Env, cases};
use futures::TryStreamExt;

use crate::behind_back;

pub fn cases() -> Vec<Case> {
    cases![
        a_conflict_names_the_key_and_decodes_the_stored_item,
        a_composite_key_is_named_in_its_order,
        a_conflict_of_a_store_that_names_no_key_is_named,
        unknown_attributes_refused_in_updates_and_conditions,
        unknown_attributes_refused_in_filters,
        unknown_attributes_allowed_on_request,
        model_attributes_are_never_refused,
        a_flattened_model_takes_any_attribute,
        queries_take_the_key_types,
        a_key_of_another_type_is_refused_naming_both,
        mapped_types_convert_to_values,
        get_takes_borrowed_keys,
    ]
}

fn t(text: &str) -> Timestamp {
    Timestamp::parse(text).unwrap()
}

fn event(stream: &str, seq: u64) -> Event {
    Event {
        stream: stream.into(),
        seq,
        kind: "click".into(),
        at: t("2026-01-01T00:00:00Z"),
        payload: "p".into(),
    }
}

fn sale(id: &str, status: Status, at: &str) -> Sale {
    Sale {
        id: id.into(),
        status,
        at: t(at),
        cents: 100,
    }
}

#[track_caller]
fn conflict_key(e: &Error) -> Option<&str> {
    match e {
        Error::Conflict { key, .. } => key.as_deref(),
        other => panic!("expected a conflict, got {other:?}"),
    }
}

async fn a_conflict_names_the_key_and_decodes_the_stored_item(env: Env) {
    let users = env.table::<User>().await;
    users.create(User::new("alice")).await.unwrap();

    // An update whose condition is false.
    let e = users
        .update(
            "alice",
            Update::new().set(attr("energy"), 1),
            Some(attr("energy").gt(500)),
        )
        .await
        .unwrap_err();
    assert_eq!(conflict_key(&e), Some("alice"));
    assert!(e.to_string().contains("key alice"), "{e}");
    let stored: User = e.stored_as::<User>().expect("the stored item").unwrap();
    assert_eq!(stored, User::new("alice"));

    // A guarded save of a stale copy: the stored item is the newer one.
    let mut stale = users.get_consistent("alice").await.unwrap().unwrap();
    behind_back(&users, "alice", Update::new().set(attr("energy"), 7)).await;
    stale.energy = 3;
    let e = users.save(&mut stale).await.unwrap_err();
    assert_eq!(conflict_key(&e), Some("alice"));
    assert_eq!(e.stored_as::<User>().unwrap().unwrap().energy, 7);

    // A guarded delete of the stale copy.
    let e = users.delete(&mut stale).await.unwrap_err();
    assert_eq!(conflict_key(&e), Some("alice"));
    assert_eq!(e.stored_as::<User>().unwrap().unwrap().energy, 7);

    // A stored item that does not map to the model: the error says which.
    behind_back(&users, "alice", Update::new().set(attr("energy"), "lots")).await;
    let e = users
        .update(
            "alice",
            Update::new().set(attr("name"), "A"),
            Some(attr("admin").eq(true)),
        )
        .await
        .unwrap_err();
    match e.stored_as::<User>() {
        Some(Err(Error::ReadMapping { key, table, .. })) => {
            assert_eq!(key, "alice");
            assert_eq!(table, users.table_name());
        }
        other => panic!("expected a mapping error naming the key, got {other:?}"),
    }
    // Other errors carry no stored item.
    let missing = users
        .update("nobody", Update::new().set(attr("energy"), 1), None)
        .await
        .unwrap_err();
    assert!(missing.stored_as::<User>().is_none(), "{missing:?}");
}

async fn a_composite_key_is_named_in_its_order(env: Env) {
    let events = env.table::<Event>().await;
    events.create(event("s1", 3)).await.unwrap();
    let mut a = events.get_consistent(("s1", 3)).await.unwrap().unwrap();
    let mut b = a.clone();
    a.payload = "a".into();
    events.save(&mut a).await.unwrap();
    b.payload = "b".into();
    let e = events.save(&mut b).await.unwrap_err();
    assert_eq!(conflict_key(&e), Some("(s1, 3)"));
    assert_eq!(e.stored_as::<Event>().unwrap().unwrap().payload, "a");
    // A new value whose key is taken says so with the key's text.
    let e = events.create(event("s1", 3)).await.unwrap_err();
    assert!(
        matches!(&e, Error::AlreadyExists { key, .. } if key == "(s1, 3)"),
        "{e:?}"
    );
}

async fn a_conflict_of_a_store_that_names_no_key_is_named(env: Env) {
    // The fault layer, like DynamoDB's answer, cannot tell a composite
    // key's hash part: the repository names the key of its own writes.
    let events = env.table::<Event>().await;
    events.create(event("s1", 3)).await.unwrap();
    let mut e1 = events.get_consistent(("s1", 3)).await.unwrap().unwrap();
    e1.payload = "c".into();
    env.faults.conflict_next_writes(1);
    let e = events.save(&mut e1).await.unwrap_err();
    env.faults.conflict_next_writes(0);
    assert_eq!(conflict_key(&e), Some("(s1, 3)"));
    assert!(e.to_string().contains("key (s1, 3)"), "{e}");
}

#[track_caller]
fn unknown(result: Result<impl std::fmt::Debug, Error>, names: &[&str], context: &str) -> String {
    match result {
        Err(e @ Error::UnknownAttributes { .. }) => {
            let Error::UnknownAttributes {
                names: got,
                context: what,
                ..
            } = &e
            else {
                unreachable!()
            };
            assert_eq!(got, names);
            assert_eq!(what, context);
            e.to_string()
        }
        other => panic!("expected unknown attributes {names:?}, got {other:?}"),
    }
}

async fn unknown_attributes_refused_in_updates_and_conditions(env: Env) {
    let users = env.table::<User>().await;
    users.create(User::new("alice")).await.unwrap();
    let before = users.get_consistent("alice").await.unwrap().unwrap();

    let typo = Update::new().set(attr("nmae"), "Al").set(attr("energy"), 5);
    let text = unknown(
        users.update("alice", typo.clone(), None).await,
        &["nmae"],
        "the update",
    );
    assert!(text.contains("did you mean `name`?"), "{text}");
    assert!(text.contains(users.table_name()), "{text}");
    unknown(
        users.upsert("bob", typo, None).await,
        &["nmae"],
        "the update",
    );
    let text = unknown(
        users
            .update(
                "alice",
                Update::new().set(attr("energy"), 5),
                Some(attr("enrgy").gt(1).and(attr("zzz").exists())),
            )
            .await,
        &["enrgy", "zzz"],
        "the condition",
    );
    assert!(text.contains("`zzz`,") || text.contains("`zzz`;"), "{text}");
    // Nothing was written.
    let after = users.get_consistent("alice").await.unwrap().unwrap();
    assert_eq!(after.into_inner(), before.into_inner());
    assert!(users.get_consistent("bob").await.unwrap().is_none());

    // Through the transaction builder too.
    let mut tx = dynamodb_mapper::transaction::Transaction::new();
    unknown(
        tx.update(
            &users,
            "alice",
            Update::new().remove(attr("nick_name")),
            None,
        )
        .map(|_| ()),
        &["nick_name"],
        "the update",
    );
    unknown(
        tx.check(&users, "alice", &attr("admn").eq(true))
            .map(|_| ()),
        &["admn"],
        "the condition",
    );
    assert!(tx.is_empty());
}

async fn unknown_attributes_refused_in_filters(env: Env) {
    let events = env.table::<Event>().await;
    events.create(event("s1", 1)).await.unwrap();
    let filter = attr("paylod").eq("p");
    let query = QuerySpec::new("s1").filter(filter.clone());
    unknown(
        events.query_page(query.clone(), None).await,
        &["paylod"],
        "the filter",
    );
    unknown(
        events.query(query).try_collect::<Vec<_>>().await,
        &["paylod"],
        "the filter",
    );
    let scan = ScanSpec::new().filter(filter);
    unknown(
        events.scan_page(scan.clone(), None).await,
        &["paylod"],
        "the filter",
    );
    unknown(
        events.scan(scan.clone()).try_collect::<Vec<_>>().await,
        &["paylod"],
        "the filter",
    );
    let mut segments = events.parallel_scan(scan, 2);
    let first = segments.remove(0);
    unknown(
        first.try_collect::<Vec<_>>().await,
        &["paylod"],
        "the filter",
    );
}

async fn unknown_attributes_allowed_on_request(env: Env) {
    let users = env.table::<User>().await;
    users.create(User::new("alice")).await.unwrap();
    let open = users.clone().allow_unknown_attributes();
    assert!(open.allows_unknown_attributes() && !users.allows_unknown_attributes());
    let audit = Update::new().set(attr("audited_by"), "ops");
    open.update("alice", audit, Some(attr("audited_by").not_exists()))
        .await
        .unwrap();
    let found: Vec<_> = open
        .scan(ScanSpec::new().filter(attr("audited_by").eq("ops")))
        .try_collect()
        .await
        .unwrap();
    assert_eq!(found.len(), 1);
    // The attribute outside the model is stored, and kept by a save.
    let mut alice = users.get_consistent("alice").await.unwrap().unwrap();
    assert_eq!(
        alice.stored().unwrap().get("audited_by"),
        Some(&AttributeValue::S("ops".into()))
    );
    alice.energy = 11;
    users.save(&mut alice).await.unwrap();
    // The strict table still refuses it.
    unknown(
        users
            .scan_page(ScanSpec::new().filter(attr("audited_by").eq("ops")), None)
            .await,
        &["audited_by"],
        "the filter",
    );
}

async fn model_attributes_are_never_refused(env: Env) {
    // Fields, nested paths, the version attribute, index keys.
    let docs = env.table::<Doc>().await;
    docs.create(Doc {
        id: "d1".into(),
        body: "b".into(),
        version: 0,
        note: None,
    })
    .await
    .unwrap();
    let doc = docs
        .update(
            "d1",
            Update::new().set(attr("note"), "n"),
            Some(attr("version").ge(1).and(attr("id").exists())),
        )
        .await
        .unwrap();
    assert_eq!(doc.note.as_deref(), Some("n"));
    let users = env.table::<User>().await;
    users.create(User::new("alice")).await.unwrap();
    users
        .update(
            "alice",
            Update::new().set(attr("address").key("city"), "Lyon"),
            Some(attr("address").exists()),
        )
        .await
        .unwrap();
    let sales = env.table::<Sale>().await;
    sales
        .create(sale("x1", Status::Paid, "2026-02-01T00:00:00Z"))
        .await
        .unwrap();
    let page = sales
        .query_page(
            QuerySpec::new(Status::Paid)
                .index("by_status")
                .filter(attr("cents").ge(1)),
            None,
        )
        .await
        .unwrap();
    assert_eq!(page.items.len(), 1);
}

async fn a_flattened_model_takes_any_attribute(env: Env) {
    let notes = env.table::<Note>().await;
    let extra = BTreeMap::from([("colour".to_owned(), AttributeValue::S("red".into()))]);
    notes
        .create(Note {
            id: "n1".into(),
            extra,
        })
        .await
        .unwrap();
    let note = notes
        .update(
            "n1",
            Update::new().set(attr("size"), 3),
            Some(attr("colour").eq("red")),
        )
        .await
        .unwrap();
    assert_eq!(note.extra.get("size"), Some(&AttributeValue::N(3.into())));
    let found: Vec<_> = notes
        .scan(ScanSpec::new().filter(attr("size").eq(3)))
        .try_collect()
        .await
        .unwrap();
    assert_eq!(found.len(), 1);
}

async fn queries_take_the_key_types(env: Env) {
    let sales = env.table::<Sale>().await;
    for (id, status, at) in [
        ("a", Status::Paid, "2026-01-01T00:00:00Z"),
        ("b", Status::Paid, "2026-03-01T00:00:00Z"),
        ("c", Status::New, "2026-03-02T00:00:00Z"),
    ] {
        sales.create(sale(id, status, at)).await.unwrap();
    }
    // An enum index hash key, a timestamp range condition.
    let spec = QuerySpec::new(Status::Paid)
        .index("by_status")
        .range_ge(t("2026-02-01T00:00:00Z"));
    let ids = ids(sales.query(spec)).await;
    assert_eq!(ids, ["b"]);
    let spec = QuerySpec::new(Status::Paid)
        .index("by_status")
        .range_between(t("2025-01-01T00:00:00Z"), t("2026-12-31T00:00:00Z"));
    assert_eq!(ids_of(sales.query(spec)).await, 2);
    // The table's own key, borrowed or owned; a range key of integers.
    let events = env.table::<Event>().await;
    for seq in 1..=4 {
        events.create(event("s1", seq)).await.unwrap();
    }
    let stream = String::from("s1");
    let page = events
        .query_page(QuerySpec::new(&stream).range_between(2u64, 3u64), None)
        .await
        .unwrap();
    let seqs: Vec<u64> = page.items.iter().map(|e| e.seq).collect();
    assert_eq!(seqs, [2, 3]);
    let page = events
        .query_page(QuerySpec::new("s1").range_lt(2).reverse(), None)
        .await
        .unwrap();
    assert_eq!(page.items.len(), 1);
    // An AttributeValue is still taken as it is.
    let page = events
        .query_page(QuerySpec::new(AttributeValue::S("s1".into())), None)
        .await
        .unwrap();
    assert_eq!(page.items.len(), 4);
}

async fn ids(stream: dynamodb_mapper::repository::ItemStream<Sale>) -> Vec<String> {
    let items: Vec<Tracked<Sale>> = stream.try_collect().await.unwrap();
    items.into_iter().map(|s| s.into_inner().id).collect()
}

async fn ids_of(stream: dynamodb_mapper::repository::ItemStream<Sale>) -> usize {
    ids(stream).await.len()
}

#[track_caller]
fn invalid(result: Result<impl std::fmt::Debug, Error>) -> String {
    match result {
        Err(Error::InvalidRequest { message }) => message,
        other => panic!("expected an invalid request, got {other:?}"),
    }
}

async fn a_key_of_another_type_is_refused_naming_both(env: Env) {
    let users = env.table::<User>().await;
    users.create(User::new("7")).await.unwrap();
    let message = invalid(users.query_page(QuerySpec::new(7), None).await);
    for part in [
        "hash key `id`",
        "S (a string)",
        "N (a number)",
        users.table_name(),
    ] {
        assert!(message.contains(part), "{part:?} in {message}");
    }
    let message = invalid(users.query(QuerySpec::new(7)).try_collect::<Vec<_>>().await);
    assert!(message.contains("hash key `id`"), "{message}");

    let events = env.table::<Event>().await;
    let message = invalid(
        events
            .query_page(QuerySpec::new("s1").range_eq("3"), None)
            .await,
    );
    for part in ["range key `seq`", "N (a number)", "S (a string)"] {
        assert!(message.contains(part), "{part:?} in {message}");
    }
    let message = invalid(
        events
            .query_page(QuerySpec::new("s1").range_begins_with("1"), None)
            .await,
    );
    assert!(message.contains("begins_with"), "{message}");
    // An index's own key types: `kind` is a string, `at` a timestamp.
    let message = invalid(
        events
            .query_page(QuerySpec::new(1).index("by_kind"), None)
            .await,
    );
    assert!(
        message.contains("hash key `kind` of index `by_kind`"),
        "{message}"
    );
    let message = invalid(
        events
            .query_page(QuerySpec::new("s1").index("by_at").range_gt(5), None)
            .await,
    );
    assert!(
        message.contains("range key `at` of index `by_at`"),
        "{message}"
    );
    // `None` maps to NULL, which no key is.
    let message = invalid(
        events
            .query_page(QuerySpec::new(None::<String>), None)
            .await,
    );
    assert!(message.contains("NULL"), "{message}");
}

async fn mapped_types_convert_to_values(env: Env) {
    // Timestamps, epoch seconds, binary and sets convert to values as the
    // mapper stores them, so expressions take them directly.
    let at = t("2026-01-01T00:00:00Z");
    assert_eq!(
        AttributeValue::from(at),
        dynamodb_mapper::to_value(&at).unwrap()
    );
    assert_eq!(
        AttributeValue::from(EpochSeconds(5)),
        dynamodb_mapper::to_value(&EpochSeconds(5)).unwrap()
    );
    let bytes = Binary(vec![1, 2]);
    assert_eq!(
        AttributeValue::from(bytes.clone()),
        dynamodb_mapper::to_value(&bytes).unwrap()
    );
    let tags: StringSet = ["b", "a"].into_iter().map(String::from).collect();
    assert_eq!(
        AttributeValue::from(tags.clone()),
        dynamodb_mapper::to_value(&tags).unwrap()
    );
    let numbers: dynamodb_mapper::NumberSet<u32> = [3, 1].into_iter().collect();
    assert_eq!(
        AttributeValue::from(numbers.clone()),
        dynamodb_mapper::to_value(&numbers).unwrap()
    );
    let item = Item::new().with("at", at).with("tags", tags.clone());
    assert_eq!(item.get("at"), Some(&AttributeValue::S(at.to_string())));

    let events = env.table::<Event>().await;
    events.create(event("s1", 1)).await.unwrap();
    let found: Vec<_> = events
        .scan(ScanSpec::new().filter(attr("at").le(at)))
        .try_collect()
        .await
        .unwrap();
    assert_eq!(found.len(), 1);
    let users = env.table::<User>().await;
    users.create(User::new("alice")).await.unwrap();
    let alice = users
        .update("alice", Update::new().set(attr("tags"), tags.clone()), None)
        .await
        .unwrap();
    assert_eq!(alice.tags, tags);
}

async fn get_takes_borrowed_keys(env: Env) {
    let users = env.table::<User>().await;
    users.create(User::new("alice")).await.unwrap();
    let owned = String::from("alice");
    let boxed: Box<str> = "alice".into();
    assert!(users.get("alice").await.unwrap().is_some());
    assert!(users.get(&owned).await.unwrap().is_some());
    assert!(users.get(owned.as_str()).await.unwrap().is_some());
    assert!(users.get(boxed).await.unwrap().is_some());
    let events = env.table::<Event>().await;
    events.create(event("s1", 3)).await.unwrap();
    let stream = String::from("s1");
    let seq = 3u64;
    assert!(events.get_consistent(("s1", 3)).await.unwrap().is_some());
    assert!(
        events
            .get_consistent((&stream, &seq))
            .await
            .unwrap()
            .is_some()
    );
    assert!(
        events
            .get_consistent((stream.as_str(), seq))
            .await
            .unwrap()
            .is_some()
    );
    assert!(events.get_consistent((&stream, 4)).await.unwrap().is_none());
}
