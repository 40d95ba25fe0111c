//! Single items: reads and writes, validation, partial updates, defaults,
//! and tables created from the model.

use dynamodb_mapper::backend::{PutItem, TableStatus};
use dynamodb_mapper::expr::{Update, attr};
use dynamodb_mapper::repository::Tracked;
use dynamodb_mapper::{
    AttributeValue, EpochSeconds, Error, Item, KeySchema, Model, Repository, RepositoryExt,
    ScalarType, TableDefinition,
};
use dynamodb_mapper_tests::models::{Doc, Event, Session, Settings, User};
use dynamodb_mapper_tests::{Case, Env, cases};

use crate::{expect_conflict, k};

pub fn cases() -> Vec<Case> {
    cases![
        crud,
        validation_before_every_write,
        update_partial,
        update_validated_and_atomic,
        update_bumps_version,
        defaults_on_load_and_construction,
        table_from_model,
        ensure_table_checks_keys,
        missing_table,
    ]
}

async fn crud(env: Env) {
    let users = env.table::<User>().await;
    assert!(users.get(k("alice")).await.unwrap().is_none());
    let created = users.create(User::new("alice")).await.unwrap();
    assert!(!created.is_new());
    let got = users.get_consistent(k("alice")).await.unwrap().unwrap();
    assert_eq!(*got, User::new("alice"));
    assert_eq!(got.stored(), created.stored());
    assert_eq!(
        got.stored()
            .unwrap()
            .get("address")
            .and_then(|a| a.as_m())
            .map(|m| m.len()),
        Some(2)
    );
    let mut got = got;
    got.energy = 20;
    users.save(&mut got).await.unwrap();
    assert_eq!(
        users
            .get_consistent(k("alice"))
            .await
            .unwrap()
            .unwrap()
            .energy,
        20
    );
    assert!(users.delete_key(k("alice")).await.unwrap());
    assert!(!users.delete_key(k("alice")).await.unwrap());
    assert!(users.get_consistent(k("alice")).await.unwrap().is_none());
}

async fn validation_before_every_write(env: Env) {
    let users = env.table::<User>().await;
    let mut bad = User::new("alice");
    bad.energy = 5000;
    bad.address.as_mut().unwrap().zip = "abc".into();
    match users.create(bad.clone()).await {
        Err(Error::Validation(v)) => {
            let paths: Vec<String> = v.violations().iter().map(|v| v.path.to_string()).collect();
            assert_eq!(paths, ["energy", "address.zip"]);
        }
        other => panic!("expected a validation error, got {other:?}"),
    }
    assert!(matches!(users.put(&bad).await, Err(Error::Validation(_))));
    assert!(
        users.get_consistent(k("alice")).await.unwrap().is_none(),
        "nothing written"
    );

    let mut user = users.create(User::new("alice")).await.unwrap();
    user.name = String::new();
    assert!(matches!(
        users.save(&mut user).await,
        Err(Error::Validation(_))
    ));
    assert!(matches!(
        users
            .save_with(&mut user, dynamodb_mapper::SaveMode::Overwrite)
            .await,
        Err(Error::Validation(_))
    ));
    assert_eq!(
        users
            .get_consistent(k("alice"))
            .await
            .unwrap()
            .unwrap()
            .name,
        "Alice"
    );

    // A batch is validated whole before anything is written.
    let mut many: Vec<User> = (0..3).map(|i| User::new(format!("u{i}"))).collect();
    many[1].energy = -1;
    many[2].address.as_mut().unwrap().zip = "1".into();
    match users.put_many(&many).await {
        Err(Error::Validation(v)) => {
            let paths: Vec<String> = v.violations().iter().map(|v| v.path.to_string()).collect();
            assert_eq!(paths, ["[1].energy", "[2].address.zip"]);
        }
        other => panic!("expected a validation error, got {other:?}"),
    }
    let keys: Vec<String> = (0..3).map(|i| format!("u{i}")).collect();
    assert!(
        users
            .get_many(&keys)
            .await
            .unwrap()
            .iter()
            .all(Option::is_none)
    );
}

async fn update_partial(env: Env) {
    let users = env.table::<User>().await;
    users.create(User::new("alice")).await.unwrap();
    let updated = users
        .update(
            k("alice"),
            Update::new()
                .set(attr("energy"), attr("energy").plus(5))
                .set(attr("nickname"), "Al"),
            Some(attr("admin").eq(false)),
        )
        .await
        .unwrap();
    assert_eq!(
        (updated.energy, updated.nickname.as_deref()),
        (15, Some("Al"))
    );
    let loaded = users.get_consistent(k("alice")).await.unwrap().unwrap();
    assert_eq!(loaded.stored(), updated.stored());

    // A false condition is a conflict, and nothing changes.
    let result = users
        .update(
            k("alice"),
            Update::new().set(attr("energy"), 0),
            Some(attr("energy").gt(100)),
        )
        .await;
    let stored = expect_conflict(result).expect("the stored item");
    assert_eq!(stored.get("energy"), Some(&AttributeValue::from(15)));
    assert_eq!(
        users
            .get_consistent(k("alice"))
            .await
            .unwrap()
            .unwrap()
            .energy,
        15
    );

    // On a missing key `update` is a typed not-found, writing nothing...
    let result = users
        .update(k("bob"), Update::new().set(attr("name"), "Bob"), None)
        .await;
    assert!(
        matches!(&result, Err(Error::NotFound { key, .. }) if key.contains("bob")),
        "{result:?}"
    );
    assert!(users.get_consistent(k("bob")).await.unwrap().is_none());
    // ...while `upsert` creates the item, if the result is a whole value.
    let created = users
        .upsert(
            k("bob"),
            Update::new()
                .set(attr("name"), "Bob")
                .set(attr("energy"), 1)
                .set(attr("admin"), true),
            Some(attr("id").not_exists()),
        )
        .await
        .unwrap();
    assert_eq!((created.name.as_str(), created.admin), ("Bob", true));
    // ...and refuses one that would not map back to the model, writing nothing.
    let result = users
        .upsert(k("carol"), Update::new().set(attr("energy"), 1), None)
        .await;
    assert!(matches!(result, Err(Error::Mapping(_))), "{result:?}");
    assert!(users.get_consistent(k("carol")).await.unwrap().is_none());

    // Updating a key attribute is DynamoDB's validation error.
    let result = users
        .update(k("alice"), Update::new().set(attr("id"), "x"), None)
        .await;
    assert!(
        matches!(result, Err(Error::InvalidRequest { .. })),
        "{result:?}"
    );
}

async fn update_validated_and_atomic(env: Env) {
    let users = env.table::<User>().await;
    users.create(User::new("alice")).await.unwrap();
    let result = users
        .update(
            k("alice"),
            Update::new().set(attr("energy"), attr("energy").plus(5000)),
            None,
        )
        .await;
    match result {
        Err(Error::Validation(v)) => assert_eq!(v.violations()[0].path, "energy"),
        other => panic!("expected a validation error, got {other:?}"),
    }
    // An update DynamoDB refuses (adding a number to a string) changes nothing.
    let result = users
        .update(
            k("alice"),
            Update::new().set(attr("energy"), 1).add(attr("name"), 1),
            None,
        )
        .await;
    assert!(
        matches!(result, Err(Error::InvalidRequest { .. })),
        "{result:?}"
    );
    assert_eq!(
        *users.get_consistent(k("alice")).await.unwrap().unwrap(),
        User::new("alice")
    );
}

async fn update_bumps_version(env: Env) {
    let docs = env.table::<Doc>().await;
    let doc = docs
        .create(Doc {
            id: "d".into(),
            body: "one".into(),
            version: 0,
            note: None,
        })
        .await
        .unwrap();
    let updated = docs
        .update(k("d"), Update::new().set(attr("note"), "n"), None)
        .await
        .unwrap();
    assert_eq!(
        (updated.version, updated.note.as_deref()),
        (doc.version + 1, Some("n"))
    );
    // The value loaded before the update is now stale.
    let mut doc = doc;
    doc.body = "two".into();
    expect_conflict(docs.save(&mut doc).await);
}

async fn defaults_on_load_and_construction(env: Env) {
    let settings = env.table::<Settings>().await;
    // An item written without the defaulted attributes (an older writer).
    env.backend
        .put_item(PutItem::new(
            settings.table_name(),
            Item::new().with("id", "old"),
        ))
        .await
        .unwrap();
    let old = settings.get_consistent(k("old")).await.unwrap().unwrap();
    assert_eq!(
        (old.theme.as_str(), old.retries, old.labels.len()),
        ("light", 3, 0)
    );
    // The stored form is what was stored: saving it back writes the defaults
    // and the conflict check compares against the item as it was.
    let mut old = old;
    assert_eq!(old.stored().unwrap().len(), 1);
    settings.save(&mut old).await.unwrap();
    let raw = env
        .backend
        .get_item(dynamodb_mapper::backend::GetItem::new(
            settings.table_name(),
            Item::new().with("id", "old"),
        ))
        .await
        .unwrap()
        .item
        .unwrap();
    assert_eq!(raw.get("theme"), Some(&AttributeValue::from("light")));

    let new = Settings {
        id: "new".into(),
        ..Settings::default()
    };
    let created = settings.create(new).await.unwrap();
    assert_eq!(created.retries, 3);
    assert_eq!(
        settings
            .get_consistent(k("new"))
            .await
            .unwrap()
            .unwrap()
            .theme,
        "light"
    );
}

async fn table_from_model(env: Env) {
    let events = env.repo::<Event>();
    events.create_table().await.unwrap();
    let d = env
        .backend
        .describe_table(events.table_name())
        .await
        .unwrap();
    assert_eq!(d.status, TableStatus::Active);
    assert_eq!(d.definition.key, Event::schema().table.key);
    assert_eq!(d.definition.index("by_kind").unwrap().key.hash.name, "kind");
    assert_eq!(
        d.definition
            .index("by_at")
            .unwrap()
            .key
            .range
            .as_ref()
            .unwrap()
            .name,
        "at"
    );
    assert!(matches!(
        events.create_table().await,
        Err(Error::TableInUse { .. })
    ));
    events.ensure_table().await.unwrap();

    let sessions = env.repo::<Session>();
    sessions.ensure_table().await.unwrap();
    sessions.ensure_table().await.unwrap();
    let ttl = env
        .backend
        .describe_time_to_live(sessions.table_name())
        .await
        .unwrap();
    assert!(ttl.enabled);
    assert_eq!(ttl.attribute.as_deref(), Some("expires"));
    let d = env
        .backend
        .describe_table(sessions.table_name())
        .await
        .unwrap();
    assert!(
        matches!(d.definition.billing, dynamodb_mapper::BillingMode::Provisioned(t) if t.read_capacity_units == 5)
    );
    sessions
        .create(Session {
            token: "t".into(),
            expires: EpochSeconds(2_000_000_000),
        })
        .await
        .unwrap();

    sessions.delete_table().await.unwrap();
    assert!(matches!(
        env.backend.describe_table(sessions.table_name()).await,
        Err(Error::TableNotFound { .. })
    ));
}

async fn ensure_table_checks_keys(env: Env) {
    let users = env.repo::<User>();
    // A table of that name exists with another key.
    env.backend
        .create_table(TableDefinition::new(
            users.table_name(),
            KeySchema::hash("id", ScalarType::N),
        ))
        .await
        .unwrap();
    match users.ensure_table().await {
        Err(Error::InvalidRequest { message }) => {
            assert!(
                message.contains("(id N)") && message.contains("(id S)"),
                "{message}"
            );
        }
        other => panic!("expected a key mismatch, got {other:?}"),
    }
    // A table lacking one of the model's indexes.
    let events = env.repo::<Event>();
    let mut def = Event::table_definition().with_name(events.table_name());
    def.indexes.retain(|i| i.name != "by_kind");
    env.backend.create_table(def).await.unwrap();
    match events.ensure_table().await {
        Err(Error::InvalidRequest { message }) => assert!(message.contains("by_kind"), "{message}"),
        other => panic!("expected a missing index, got {other:?}"),
    }
}

async fn missing_table(env: Env) {
    let users = env.repo::<User>();
    assert!(matches!(
        users.get(k("a")).await,
        Err(Error::TableNotFound { .. })
    ));
    assert!(matches!(
        users.create(User::new("a")).await,
        Err(Error::TableNotFound { .. })
    ));
    let mut t = Tracked::new(User::new("a"));
    assert!(matches!(
        users.save(&mut t).await,
        Err(Error::TableNotFound { .. })
    ));
}
