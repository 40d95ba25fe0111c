//! Conflict detection: the Python mapper's cases, and more.

use dynamodb_mapper::expr::{Update, attr};
use dynamodb_mapper::repository::{SaveMode, Tracked};
use dynamodb_mapper::{AttributeValue, Error, Repository, RepositoryExt, StringSet};
use dynamodb_mapper_tests::models::{Address, Doc, User};
use dynamodb_mapper_tests::{Case, Env, cases};

use crate::{behind_back, expect_conflict, k};

pub fn cases() -> Vec<Case> {
    cases![
        stale_save,
        stale_delete,
        new_over_existing,
        attribute_added_behind_back,
        attribute_removed_behind_back,
        boolean_changed_behind_back,
        set_and_map_changed_behind_back,
        unchanged_item_saves_again,
        overwrite_mode,
        delete_of_never_saved,
        delete_then_save_is_new,
        version_checked_and_incremented,
        version_ignores_other_attributes,
        unknown_attributes_survive_a_save,
        unknown_attribute_changed_behind_back,
        a_field_set_to_none_is_removed,
        a_guard_over_4_kb_is_refused_before_sending,
    ]
}

async fn a_guard_over_4_kb_is_refused_before_sending(env: Env) {
    let users = env.table::<User>().await;
    let mut raw = dynamodb_mapper::to_item(&User::new("wide")).unwrap();
    for i in 0..300 {
        raw.insert(format!("extra{i}"), AttributeValue::from(i));
    }
    users
        .backend()
        .put_item(dynamodb_mapper::backend::PutItem::new(
            users.table_name(),
            raw,
        ))
        .await
        .unwrap();
    let mut wide = users.get_consistent(k("wide")).await.unwrap().unwrap();
    wide.energy = 11;
    match users.save(&mut wide).await {
        Err(Error::LimitExceeded { message }) => {
            assert!(
                message.contains("4096") && message.contains("version"),
                "{message}"
            );
        }
        other => panic!("expected the 4 KB limit, got {other:?}"),
    }
    let now = users.get_consistent(k("wide")).await.unwrap().unwrap();
    assert_eq!(now.energy, 10);
}

async fn unknown_attributes_survive_a_save(env: Env) {
    let users = env.table::<User>().await;
    users.create(User::new("alice")).await.unwrap();
    // A newer version of the service (or another one) adds an attribute
    // this model does not know.
    behind_back(&users, "alice", Update::new().set(attr("loyalty"), 7)).await;
    let mut alice = users.get_consistent(k("alice")).await.unwrap().unwrap();
    alice.energy = 42;
    users.save(&mut alice).await.unwrap();
    let raw = users
        .backend()
        .get_item(
            dynamodb_mapper::backend::GetItem::new(
                users.table_name(),
                dynamodb_mapper::Item::new().with("id", "alice"),
            )
            .consistent(true),
        )
        .await
        .unwrap()
        .item
        .unwrap();
    assert_eq!(
        raw.get("loyalty"),
        Some(&AttributeValue::from(7)),
        "{raw:?}"
    );
    assert_eq!(raw.get("energy"), Some(&AttributeValue::from(42)));
    // The saved value remembers it, so the next guarded save is exact.
    assert_eq!(
        alice.stored().and_then(|s| s.get("loyalty")),
        Some(&AttributeValue::from(7))
    );
    alice.energy = 43;
    users.save(&mut alice).await.unwrap();
    let now = users.get_consistent(k("alice")).await.unwrap().unwrap();
    assert_eq!(now.energy, 43);
    assert_eq!(
        now.stored().and_then(|s| s.get("loyalty")),
        Some(&AttributeValue::from(7))
    );
}

async fn unknown_attribute_changed_behind_back(env: Env) {
    let users = env.table::<User>().await;
    users.create(User::new("alice")).await.unwrap();
    behind_back(&users, "alice", Update::new().set(attr("loyalty"), 7)).await;
    let mut alice = users.get_consistent(k("alice")).await.unwrap().unwrap();
    behind_back(&users, "alice", Update::new().set(attr("loyalty"), 8)).await;
    alice.energy = 42;
    let stored = expect_conflict(users.save(&mut alice).await).expect("the stored item");
    assert_eq!(stored.get("loyalty"), Some(&AttributeValue::from(8)));
    let now = users.get_consistent(k("alice")).await.unwrap().unwrap();
    assert_eq!(now.energy, 10, "the conflicting save changed nothing");
}

async fn a_field_set_to_none_is_removed(env: Env) {
    let users = env.table::<User>().await;
    let mut u = User::new("alice");
    u.nickname = Some("al".into());
    users.create(u).await.unwrap();
    behind_back(&users, "alice", Update::new().set(attr("loyalty"), 7)).await;
    let mut alice = users.get_consistent(k("alice")).await.unwrap().unwrap();
    alice.nickname = None;
    users.save(&mut alice).await.unwrap();
    let now = users.get_consistent(k("alice")).await.unwrap().unwrap();
    assert_eq!(now.nickname, None);
    let stored = now.stored().unwrap();
    assert!(!stored.contains_key("nickname"), "{stored:?}");
    assert_eq!(stored.get("loyalty"), Some(&AttributeValue::from(7)));
}

async fn stale_save(env: Env) {
    let users = env.table::<User>().await;
    users.create(User::new("alice")).await.unwrap();
    let mut first = users.get_consistent(k("alice")).await.unwrap().unwrap();
    let mut second = users.get_consistent(k("alice")).await.unwrap().unwrap();
    first.energy = 20;
    users.save(&mut first).await.unwrap();
    second.energy = 30;
    let stored = expect_conflict(users.save(&mut second).await).expect("the stored item");
    assert_eq!(stored.get("energy"), Some(&AttributeValue::from(20)));
    let now = users.get_consistent(k("alice")).await.unwrap().unwrap();
    assert_eq!(now.energy, 20, "the stale save changed nothing");
    // Reloaded, the second writer succeeds.
    let mut second = now;
    second.energy = 30;
    users.save(&mut second).await.unwrap();
    assert_eq!(
        users
            .get_consistent(k("alice"))
            .await
            .unwrap()
            .unwrap()
            .energy,
        30
    );
}

async fn stale_delete(env: Env) {
    let users = env.table::<User>().await;
    users.create(User::new("alice")).await.unwrap();
    let mut first = users.get_consistent(k("alice")).await.unwrap().unwrap();
    let mut second = users.get_consistent(k("alice")).await.unwrap().unwrap();
    first.name = "Alicia".into();
    users.save(&mut first).await.unwrap();
    expect_conflict(users.delete(&mut second).await);
    assert!(!second.is_new(), "a failed delete keeps the loaded state");
    assert!(users.get_consistent(k("alice")).await.unwrap().is_some());
    users.delete(&mut first).await.unwrap();
    assert!(first.is_new());
    assert!(users.get_consistent(k("alice")).await.unwrap().is_none());
}

async fn new_over_existing(env: Env) {
    let users = env.table::<User>().await;
    users.create(User::new("alice")).await.unwrap();
    let mut other = User::new("alice");
    other.energy = 99;
    match users.create(other.clone()).await {
        Err(Error::AlreadyExists { table, key }) => {
            assert_eq!(table, users.table_name());
            assert!(key.contains("alice"), "{key}");
        }
        other => panic!("expected AlreadyExists, got {other:?}"),
    }
    let mut tracked = Tracked::new(other);
    assert!(matches!(
        users.save(&mut tracked).await,
        Err(Error::AlreadyExists { .. })
    ));
    assert!(tracked.is_new());
    assert_eq!(
        users
            .get_consistent(k("alice"))
            .await
            .unwrap()
            .unwrap()
            .energy,
        10
    );
}

async fn attribute_added_behind_back(env: Env) {
    let users = env.table::<User>().await;
    users.create(User::new("alice")).await.unwrap();
    let mut loaded = users.get_consistent(k("alice")).await.unwrap().unwrap();
    assert_eq!(loaded.nickname, None);
    behind_back(&users, "alice", Update::new().set(attr("nickname"), "Al")).await;
    loaded.energy += 1;
    expect_conflict(users.save(&mut loaded).await);
    let now = users.get_consistent(k("alice")).await.unwrap().unwrap();
    assert_eq!((now.nickname.as_deref(), now.energy), (Some("Al"), 10));
}

async fn attribute_removed_behind_back(env: Env) {
    let users = env.table::<User>().await;
    let mut user = User::new("alice");
    user.nickname = Some("Al".into());
    users.create(user).await.unwrap();
    let mut loaded = users.get_consistent(k("alice")).await.unwrap().unwrap();
    behind_back(&users, "alice", Update::new().remove(attr("nickname"))).await;
    loaded.energy += 1;
    expect_conflict(users.save(&mut loaded).await);
    assert_eq!(
        users
            .get_consistent(k("alice"))
            .await
            .unwrap()
            .unwrap()
            .nickname,
        None
    );
}

async fn boolean_changed_behind_back(env: Env) {
    let users = env.table::<User>().await;
    users.create(User::new("alice")).await.unwrap();
    let mut loaded = users.get_consistent(k("alice")).await.unwrap().unwrap();
    behind_back(&users, "alice", Update::new().set(attr("admin"), true)).await;
    loaded.name = "Alicia".into();
    expect_conflict(users.save(&mut loaded).await);
    let now = users.get_consistent(k("alice")).await.unwrap().unwrap();
    assert!(now.admin);
    assert_eq!(now.name, "Alice");
}

async fn set_and_map_changed_behind_back(env: Env) {
    let users = env.table::<User>().await;
    let mut user = User::new("alice");
    user.tags = StringSet::from(["a".to_owned(), "b".to_owned()]);
    users.create(user).await.unwrap();

    // A set member added.
    let mut loaded = users.get_consistent(k("alice")).await.unwrap().unwrap();
    let more = AttributeValue::Ss(vec!["c".into()]);
    behind_back(&users, "alice", Update::new().add(attr("tags"), more)).await;
    expect_conflict(users.save(&mut loaded).await);

    // A nested map attribute changed.
    let mut loaded = users.get_consistent(k("alice")).await.unwrap().unwrap();
    behind_back(
        &users,
        "alice",
        Update::new().set(attr("address").key("zip"), "99999"),
    )
    .await;
    loaded.energy = 1;
    expect_conflict(users.save(&mut loaded).await);

    // Reloaded: sets and maps compare equal to what is stored, so it saves.
    let mut loaded = users.get_consistent(k("alice")).await.unwrap().unwrap();
    assert_eq!(loaded.tags.len(), 3);
    assert_eq!(
        loaded.address,
        Some(Address {
            street: "1 Main St".into(),
            zip: "99999".into()
        })
    );
    loaded.energy = 1;
    users.save(&mut loaded).await.unwrap();
}

async fn unchanged_item_saves_again(env: Env) {
    let users = env.table::<User>().await;
    let mut user = users.create(User::new("alice")).await.unwrap();
    users.save(&mut user).await.unwrap();
    user.energy = 11;
    users.save(&mut user).await.unwrap();
    user.nickname = Some("Al".into());
    users.save(&mut user).await.unwrap();
    user.nickname = None;
    users.save(&mut user).await.unwrap();
    let now = users.get_consistent(k("alice")).await.unwrap().unwrap();
    assert_eq!(*now, *user);
    assert_eq!(now.stored(), user.stored());
}

async fn overwrite_mode(env: Env) {
    let users = env.table::<User>().await;
    users.create(User::new("alice")).await.unwrap();
    let mut first = users.get_consistent(k("alice")).await.unwrap().unwrap();
    let mut second = users.get_consistent(k("alice")).await.unwrap().unwrap();
    first.energy = 20;
    users.save(&mut first).await.unwrap();
    second.energy = 30;
    users
        .save_with(&mut second, SaveMode::Overwrite)
        .await
        .unwrap();
    assert_eq!(
        users
            .get_consistent(k("alice"))
            .await
            .unwrap()
            .unwrap()
            .energy,
        30
    );
    // A new value over an existing one, overwriting.
    let mut fresh = Tracked::new(User::new("alice"));
    users
        .save_with(&mut fresh, SaveMode::Overwrite)
        .await
        .unwrap();
    assert_eq!(
        users
            .get_consistent(k("alice"))
            .await
            .unwrap()
            .unwrap()
            .energy,
        10
    );
    // put() overwrites too.
    let mut user = User::new("alice");
    user.energy = 40;
    users.put(&user).await.unwrap();
    assert_eq!(
        users
            .get_consistent(k("alice"))
            .await
            .unwrap()
            .unwrap()
            .energy,
        40
    );
}

async fn delete_of_never_saved(env: Env) {
    let users = env.table::<User>().await;
    let mut never = Tracked::new(User::new("alice"));
    let refused = |r: Result<(), Error>| match r {
        Err(Error::InvalidRequest { message }) => {
            assert!(message.contains("never saved"), "{message}")
        }
        other => panic!("expected a refusal of a never-saved value, got {other:?}"),
    };
    refused(users.delete(&mut never).await);
    // Even when an item has that key, a never-loaded value cannot delete it.
    users.create(User::new("alice")).await.unwrap();
    refused(users.delete(&mut never).await);
    assert!(users.get_consistent(k("alice")).await.unwrap().is_some());
}

async fn delete_then_save_is_new(env: Env) {
    let users = env.table::<User>().await;
    let mut user = users.create(User::new("alice")).await.unwrap();
    users.delete(&mut user).await.unwrap();
    assert!(user.is_new());
    users.save(&mut user).await.unwrap();
    assert!(users.get_consistent(k("alice")).await.unwrap().is_some());

    // Deleted, then someone else creates the key: saving is "already exists".
    users.delete(&mut user).await.unwrap();
    users.create(User::new("alice")).await.unwrap();
    assert!(matches!(
        users.save(&mut user).await,
        Err(Error::AlreadyExists { .. })
    ));
}

async fn version_checked_and_incremented(env: Env) {
    let docs = env.table::<Doc>().await;
    let created = docs
        .create(Doc {
            id: "d".into(),
            body: "one".into(),
            version: 0,
            note: None,
        })
        .await
        .unwrap();
    // A first version no earlier incarnation of the item can hold (the
    // time of creation, in microseconds): see the version attribute.
    let v1 = created.version;
    assert!(v1 > 1_600_000_000_000_000, "{v1}");
    let mut a = docs.get_consistent(k("d")).await.unwrap().unwrap();
    let mut b = docs.get_consistent(k("d")).await.unwrap().unwrap();
    a.body = "two".into();
    docs.save(&mut a).await.unwrap();
    assert_eq!(a.version, v1 + 1);
    b.body = "three".into();
    let stored = expect_conflict(docs.save(&mut b).await).expect("stored item");
    assert_eq!(stored.get("version"), Some(&AttributeValue::from(v1 + 1)));
    assert_eq!(b.version, v1, "a failed save leaves the version as it was");
    expect_conflict(docs.delete(&mut b).await);

    let now = docs.get_consistent(k("d")).await.unwrap().unwrap();
    assert_eq!((now.body.as_str(), now.version), ("two", v1 + 1));

    // Overwrite skips the check but still counts the version up.
    docs.save_with(&mut b, SaveMode::Overwrite).await.unwrap();
    assert_eq!(b.version, v1 + 1);

    // A delete keeps the version: the next save creates the item anew,
    // its version continuing after the deleted one.
    let mut c = docs.get_consistent(k("d")).await.unwrap().unwrap();
    docs.delete(&mut c).await.unwrap();
    assert_eq!(c.version, v1 + 1);
    assert!(c.is_new());
    docs.save(&mut c).await.unwrap();
    assert_eq!(c.version, v1 + 2);
    assert_eq!(
        docs.get_consistent(k("d")).await.unwrap().unwrap().version,
        v1 + 2
    );
}

async fn version_ignores_other_attributes(env: Env) {
    let docs = env.table::<Doc>().await;
    docs.create(Doc {
        id: "d".into(),
        body: "one".into(),
        version: 0,
        note: None,
    })
    .await
    .unwrap();
    let mut loaded = docs.get_consistent(k("d")).await.unwrap().unwrap();
    // A writer that does not count versions changes another attribute:
    // with a version attribute, only the version is compared.
    docs.backend()
        .update_item(
            dynamodb_mapper::backend::UpdateItem::new(
                docs.table_name(),
                dynamodb_mapper::Item::new().with("id", "d"),
            )
            .update(&Update::new().set(attr("note"), "n")),
        )
        .await
        .unwrap();
    loaded.body = "two".into();
    let v = loaded.version;
    docs.save(&mut loaded).await.unwrap();
    // The save writes what it changed (`body`, the version): the other
    // writer's `note` is kept, not overwritten with the stale `None`.
    let now = docs.get_consistent(k("d")).await.unwrap().unwrap();
    assert_eq!(
        (now.body.as_str(), now.version, now.note.as_deref()),
        ("two", v + 1, Some("n"))
    );
    assert_eq!(
        loaded.note.as_deref(),
        None,
        "the saved value is as the caller left it"
    );
    assert_eq!(
        loaded.stored().and_then(|s| s.get("note")),
        Some(&dynamodb_mapper::AttributeValue::from("n")),
        "the stored form remembers what is stored"
    );
}
