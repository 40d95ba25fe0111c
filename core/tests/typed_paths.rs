//! Typed attribute paths from the derive: what they render to, how values
//! are mapped, and that the repository and the memory backend take what
//! they build unchanged.

use std::collections::{BTreeMap, HashMap};

use dynamodb_mapper::expr::{
    Condition, ExpressionAttributes, Projection, RangeCondition, Update, apply_update, attr,
};
use dynamodb_mapper::fields::{
    ConditionOf, IntoCondition, IntoUpdate, ProjectionOf, UpdateOf, model_attributes,
    unknown_attributes,
};
use dynamodb_mapper::{
    AttributeValue, Error, Item, Model, Number, QuerySpec, Repository, RepositoryExt, StringSet,
    Table, Timestamp, Validate, to_item,
};
use dynamodb_mapper_memory::MemoryBackend;
use futures::TryStreamExt;
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
enum Status {
    Pending,
    Paid,
    Shipped,
}

#[derive(Validate, Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(rename_all = "camelCase")]
struct Address {
    street_name: String,
    #[serde(rename = "postcode")]
    zip: String,
    geo: Option<Geo>,
}

#[derive(Validate, Serialize, Deserialize, Clone, Debug, PartialEq)]
struct Geo {
    lat: f64,
    lon: f64,
}

#[derive(Validate, Serialize, Deserialize, Clone, Debug, PartialEq)]
struct Line {
    sku: String,
    quantity: u32,
}

#[derive(Model, Serialize, Deserialize, Clone, Debug, PartialEq)]
#[model(
    table = "orders",
    gsi(name = "by_region", hash = "region", range = "placed_at")
)]
#[serde(rename_all = "camelCase")]
struct Order {
    #[model(hash_key)]
    customer: String,
    #[model(range_key)]
    seq: u64,
    status: Status,
    region: String,
    total_cents: i64,
    amount: Number,
    placed_at: Timestamp,
    tags: StringSet,
    shipping: Option<Address>,
    lines: Vec<Line>,
    notes: Option<String>,
    prices: BTreeMap<String, i64>,
    by_day: HashMap<u32, Vec<String>>,
    #[serde(rename = "v")]
    #[model(version)]
    version: u64,
    #[serde(skip)]
    cache: Option<String>,
    parent: Option<Box<Self>>,
}

fn order(customer: &str, seq: u64) -> Order {
    Order {
        customer: customer.into(),
        seq,
        status: Status::Pending,
        region: if seq.is_multiple_of(2) {
            "eu".into()
        } else {
            "us".into()
        },
        total_cents: 1000,
        amount: Number::from(10),
        placed_at: Timestamp::from_unix_seconds(1_700_000_000 + seq as i64).unwrap(),
        tags: ["new".to_string()].into(),
        shipping: Some(Address {
            street_name: "Main St".into(),
            zip: "75001".into(),
            geo: None,
        }),
        lines: vec![Line {
            sku: "a-1".into(),
            quantity: 1,
        }],
        notes: Some("ring twice".into()),
        prices: [("EUR".to_string(), 900)].into(),
        by_day: HashMap::new(),
        version: 0,
        cache: None,
        parent: None,
    }
}

fn render_update(u: &Update) -> (String, ExpressionAttributes) {
    let mut ctx = ExpressionAttributes::default();
    (u.render(&mut ctx), ctx)
}

fn render_condition(c: &Condition) -> (String, ExpressionAttributes) {
    let mut ctx = ExpressionAttributes::default();
    (c.render(&mut ctx), ctx)
}

#[test]
fn paths_follow_serde_names() {
    let f = Order::fields();
    assert_eq!(f.total_cents.path(), attr("totalCents"));
    assert_eq!(f.version.path(), attr("v"));
    assert_eq!(f.placed_at.to_string(), "placedAt");
    assert_eq!(
        f.shipping.fields().zip.path(),
        attr("shipping").key("postcode")
    );
    assert_eq!(
        f.shipping.fields().street_name.path(),
        attr("shipping").key("streetName")
    );
    assert_eq!(
        f.shipping.fields().geo.fields().lat.path(),
        attr("shipping").key("geo").key("lat")
    );
    assert_eq!(
        f.lines.at(3).fields().quantity.path(),
        attr("lines").index(3).key("quantity")
    );
    assert_eq!(f.prices.key("EUR").path(), attr("prices").key("EUR"));
    assert_eq!(
        f.by_day.key(7).at(0).path(),
        attr("byDay").key("7").index(0)
    );
    assert_eq!(
        f.parent.fields().parent.fields().seq.path(),
        attr("parent").key("parent").key("seq")
    );
    assert_eq!(f.customer.attribute(), "customer");
}

#[test]
fn updates_map_values_as_the_item_does() {
    let f = Order::fields();
    let paid_at = Timestamp::from_unix_seconds(1_800_000_000).unwrap();
    let update = f
        .status
        .set(Status::Paid)
        .and(f.total_cents.add(250))
        .and(f.amount.set(12))
        .and(f.placed_at.set(paid_at))
        .and(f.tags.add(["gift", "vip"]))
        .and(f.tags.delete(vec!["new"]))
        .and(f.notes.remove())
        .and(f.shipping.fields().zip.set("75002"))
        .and(f.lines.at(0).fields().quantity.set(3))
        .and(f.lines.append([Line {
            sku: "b-2".into(),
            quantity: 2,
        }]))
        .and(f.prices.key("USD").set(1000))
        .build()
        .unwrap();
    assert_eq!(
        update.set[0],
        (attr("status"), AttributeValue::S("PAID".into()).into())
    );
    assert_eq!(
        update.set[2],
        (
            attr("placedAt"),
            AttributeValue::S("2027-01-15T08:00:00.000000000Z".into()).into()
        )
    );

    // Applied to the stored item, the update gives the value the same
    // changes made in Rust would.
    let mut item = to_item(&order("ada", 1)).unwrap();
    apply_update(&mut item, &update).unwrap();
    let changed: Order = dynamodb_mapper::from_item(item).unwrap();
    let mut expected = order("ada", 1);
    expected.status = Status::Paid;
    expected.total_cents += 250;
    expected.amount = Number::from(12);
    expected.placed_at = paid_at;
    expected.tags = ["gift".to_string(), "vip".to_string()].into();
    expected.notes = None;
    expected.shipping.as_mut().unwrap().zip = "75002".into();
    expected.lines[0].quantity = 3;
    expected.lines.push(Line {
        sku: "b-2".into(),
        quantity: 2,
    });
    expected.prices.insert("USD".into(), 1000);
    assert_eq!(changed, expected);
}

#[test]
fn absent_values_remove_or_change_nothing() {
    let f = Order::fields();
    // An empty set is an absent attribute: setting it removes the attribute.
    let u = f.tags.set(StringSet::new()).build().unwrap();
    assert_eq!(u, Update::new().remove(attr("tags")));
    // Adding or deleting no member is no action.
    let u = f
        .tags
        .add(StringSet::new())
        .and(f.tags.delete(StringSet::new()))
        .build()
        .unwrap();
    assert!(u.is_empty());
    // set_or_remove
    let u = f.notes.set_or_remove(None::<String>).build().unwrap();
    assert_eq!(u, Update::new().remove(attr("notes")));
    let u = f.notes.set_or_remove(Some("hi")).build().unwrap();
    assert_eq!(u, Update::new().set(attr("notes"), "hi"));
}

#[test]
fn arithmetic_and_list_updates_render_as_dynamodb_expects() {
    let f = Order::fields();
    let u = f
        .total_cents
        .increment(5)
        .and(f.seq.decrement(1))
        .and(f.lines.prepend(vec![Line {
            sku: "z".into(),
            quantity: 1,
        }]))
        .and(f.notes.set_if_not_exists("first"))
        .build()
        .unwrap();
    let (text, ctx) = render_update(&u);
    assert_eq!(
        text,
        "SET #n0 = #n0 + :v0, #n1 = #n1 - :v1, #n2 = list_append(:v2, if_not_exists(#n2, :v3)), #n3 = if_not_exists(#n3, :v4)"
    );
    assert_eq!(ctx.names["#n0"], "totalCents");
    assert_eq!(ctx.values[":v3"], AttributeValue::L(Vec::new()));
}

#[test]
fn conditions_map_values_and_evaluate_on_items() {
    let f = Order::fields();
    let item = to_item(&order("ada", 1)).unwrap();
    let holds = |c: ConditionOf<Order>| c.build().unwrap().evaluate(&item);

    assert!(holds(f.status.eq(Status::Pending)));
    assert!(!holds(f.status.eq(Status::Shipped)));
    assert!(holds(f.status.ne(Status::Paid)));
    assert!(holds(f.total_cents.between(999, 1001)));
    assert!(holds(f.total_cents.gt(999) & f.total_cents.le(1000)));
    assert!(holds(f.amount.ge(10) & f.amount.lt(Number::from(11))));
    assert!(holds(f.status.is_in([Status::Paid, Status::Pending])));
    assert!(holds(f.tags.contains("new")));
    assert!(holds(f.lines.contains(Line {
        sku: "a-1".into(),
        quantity: 1
    })));
    assert!(holds(f.notes.contains("twice")));
    assert!(holds(f.shipping.fields().street_name.begins_with("Main")));
    assert!(holds(f.placed_at.begins_with("2023-11")));
    assert!(holds(
        f.notes.exists() & f.shipping.fields().geo.not_exists()
    ));
    assert!(holds(f.lines.size().eq(1) | f.tags.size().gt(5)));
    assert!(holds(f.prices.key("EUR").lt(1000)));
    assert!(holds(f.lines.at(0).fields().quantity.eq(1)));
    assert!(holds(!f.status.eq(Status::Shipped)));
    assert!(holds(f.total_cents.has_type(dynamodb_mapper::ValueType::N)));
    assert!(holds(
        f.placed_at
            .lt(Timestamp::from_unix_seconds(1_800_000_000).unwrap())
    ));
    // An untyped condition joins a typed one, for attributes outside the model.
    assert!(holds(
        f.status
            .eq(Status::Pending)
            .and(attr("legacy").not_exists())
    ));
    assert!(ConditionOf::all([f.notes.exists(), f.tags.exists()]).is_some_and(holds));
}

#[test]
fn mapping_errors_name_the_path_and_come_out_once() {
    #[derive(Model, Serialize, Deserialize)]
    #[model(table = "readings")]
    struct Reading {
        #[model(hash_key)]
        id: String,
        value: f64,
        geo: Option<Geo>,
    }
    let f = Reading::fields();
    let err = f
        .value
        .set(1.0)
        .and(f.geo.fields().lat.set(f64::NAN))
        .build()
        .unwrap_err();
    match err {
        Error::Mapping(e) => assert_eq!(e.path(), "geo.lat", "{e}"),
        other => panic!("{other:?}"),
    }
    let err = f.value.gt(f64::INFINITY).and(f.value.lt(2.0)).build();
    assert!(matches!(err, Err(Error::Mapping(_))), "{err:?}");
    // A value stored as absent cannot be compared.
    let err = Order::fields()
        .tags
        .eq(StringSet::new())
        .build()
        .unwrap_err();
    assert!(err.to_string().contains("not_exists"), "{err}");
}

#[test]
fn range_key_conditions_and_projections() {
    let f = Order::fields();
    assert_eq!(f.seq.key_eq(3).unwrap(), RangeCondition::Eq(3.into()));
    assert_eq!(
        f.seq.key_between(1, 9).unwrap(),
        RangeCondition::Between(1.into(), 9.into())
    );
    assert_eq!(
        f.customer.key_begins_with("ad"),
        RangeCondition::BeginsWith("ad".into())
    );
    let at = Timestamp::from_unix_seconds(1_700_000_000).unwrap();
    assert_eq!(
        f.placed_at.key_ge(at).unwrap(),
        RangeCondition::Ge(AttributeValue::S(at.to_string()))
    );
    let p: Projection = ProjectionOf::new()
        .with(&f.status)
        .with(&f.shipping.fields().zip)
        .into();
    assert_eq!(
        p,
        Projection::new([attr("status"), attr("shipping").key("postcode")])
    );
}

#[test]
fn unknown_attributes_lists_what_the_model_does_not_know() {
    let known = model_attributes::<Order>();
    for name in ["customer", "seq", "status", "totalCents", "v", "parent"] {
        assert!(known.contains(name), "{name}");
    }
    assert!(!known.contains("cache"), "skipped by serde");
    let update = Update::new()
        .set(attr("stauts"), "paid")
        .set(attr("totalCents"), attr("totl_cents").plus(1))
        .remove(attr("shipping").key("zip"))
        .add(attr("tagz"), 1);
    let condition = attr("status").eq("x").and(
        attr("a")
            .size()
            .gt(1)
            .or(!attr("b").contains(attr("stauts"))),
    );
    assert_eq!(
        unknown_attributes::<Order>(&(&update, &condition)),
        ["stauts", "totl_cents", "tagz", "a", "b"]
    );
    assert_eq!(
        unknown_attributes::<Order>(&Projection::attributes(["status", "nope"])),
        ["nope"]
    );
    // Whatever typed paths build is known, by construction.
    let f = Order::fields();
    let typed = f
        .status
        .set(Status::Paid)
        .and(f.lines.at(0).remove())
        .build()
        .unwrap();
    assert!(unknown_attributes::<Order>(&typed).is_empty());
    // A deep condition is walked without recursion.
    let mut deep = attr("status").exists();
    for _ in 0..100_000 {
        deep = deep.and(attr("x").exists()).negate();
    }
    assert_eq!(unknown_attributes::<Order>(&deep), ["x"]);
    std::mem::forget(deep); // Condition's own drop recurses; not this test's subject.
}

/// What a repository method taking `impl IntoUpdate<T>` could do.
fn accepts<M>(update: impl IntoUpdate<M>, condition: impl IntoCondition<M>) -> (Update, Condition) {
    (
        update.into_update().unwrap(),
        condition.into_condition().unwrap(),
    )
}

#[test]
fn typed_and_untyped_expressions_convert_the_same_way() {
    let f = Order::fields();
    let (u, c) = accepts::<Order>(f.status.set(Status::Paid), f.status.eq(Status::Pending));
    let (u2, c2) = accepts::<Order>(
        Update::new().set(attr("status"), "PAID"),
        attr("status").eq("PENDING"),
    );
    assert_eq!((u, c), (u2, c2));
    let all: UpdateOf<Order> = [f.status.set(Status::Paid), f.notes.remove()]
        .into_iter()
        .collect();
    assert_eq!(all.build().unwrap().set.len(), 1);
    let (text, _) = render_condition(
        &(f.status.eq(Status::Paid) | f.notes.exists())
            .build()
            .unwrap(),
    );
    assert_eq!(text, "#n0 = :v0 OR attribute_exists(#n1)");
}

#[tokio::test]
async fn the_repository_and_the_memory_backend_take_typed_expressions() -> Result<(), Error> {
    let orders = Table::<Order>::new(MemoryBackend::new()).with_name("typed_paths_orders");
    orders.create_table().await?;
    for seq in 1..=5 {
        orders.create(order("ada", seq)).await?;
    }
    let f = Order::fields();

    // A typed update on a typed condition.
    let updated = orders
        .update(
            ("ada".to_string(), 2u64),
            f.status
                .set(Status::Paid)
                .and(f.tags.add(["gift"]))
                .build()?,
            Some(f.status.eq(Status::Pending).build()?),
        )
        .await?;
    assert_eq!(updated.status, Status::Paid);
    assert!(updated.tags.contains("gift"));
    // The same condition no longer holds: a conflict.
    let again = orders
        .update(
            ("ada".to_string(), 2u64),
            f.total_cents.add(1).build()?,
            Some(f.status.eq(Status::Pending).build()?),
        )
        .await;
    assert!(matches!(again, Err(Error::Conflict { .. })), "{again:?}");

    // A query with a typed range key condition and a typed filter.
    let found: Vec<u64> = orders
        .query(
            QuerySpec::new("ada")
                .range(f.seq.key_between(2, 4)?)
                .filter(f.status.ne(Status::Paid).build()?),
        )
        .map_ok(|o| o.seq)
        .try_collect()
        .await?;
    assert_eq!(found, [3, 4]);

    // On the index, whose key is the enum and the timestamp.
    let eu: Vec<u64> = orders
        .query(
            QuerySpec::new("eu").index("by_region").range(
                f.placed_at
                    .key_ge(Timestamp::from_unix_seconds(1_700_000_000).unwrap())?,
            ),
        )
        .map_ok(|o| o.seq)
        .try_collect()
        .await?;
    assert_eq!(eu, [2, 4]);
    Ok(())
}

#[test]
fn a_struct_without_fields_and_a_generic_struct_still_derive() {
    #[derive(Validate, Serialize)]
    struct Empty {}
    #[derive(Validate, Serialize)]
    struct Wrapper<T> {
        inner: T,
    }
    let _ = <Empty as dynamodb_mapper::fields::Document>::fields_at::<Order>(None);
    let _ = Wrapper { inner: 1 };
    let _: Item = Item::new();
}

#[derive(Model, Serialize, Deserialize, Clone, Debug, PartialEq)]
#[model(table = "notes")]
struct Note {
    #[model(hash_key)]
    id: String,
    #[serde(flatten)]
    extra: BTreeMap<String, AttributeValue>,
}

#[test]
fn a_flattened_model_knows_every_name() {
    assert!(Note::schema().flattened && !Order::schema().flattened);
    let update = Update::new().set(attr("anything"), 1);
    assert!(unknown_attributes::<Note>(&update).is_empty());
    assert!(
        dynamodb_mapper::fields::refuse_unknown_attributes::<Note>("t", "the update", &update)
            .is_ok()
    );
}

#[test]
fn refusals_name_the_attributes_and_suggest_the_closest() {
    use dynamodb_mapper::fields::refuse_unknown_attributes;
    let update = Update::new()
        .set(attr("stauts"), "x")
        .set(attr("totl_cents"), 1)
        .set(attr("zzzz"), 1);
    match refuse_unknown_attributes::<Order>("orders", "the update", &update) {
        Err(e @ Error::UnknownAttributes { .. }) => {
            let text = e.to_string();
            assert!(text.starts_with("the update on table `orders` names attributes that the model `Order` does not have"), "{text}");
            assert!(text.contains("`stauts` (did you mean `status`?)"), "{text}");
            assert!(text.contains("`zzzz`"), "{text}");
            let Error::UnknownAttributes {
                names,
                suggestions,
                model,
                ..
            } = e
            else {
                unreachable!()
            };
            assert_eq!(names, ["stauts", "totl_cents", "zzzz"]);
            assert_eq!(model, "Order");
            assert_eq!(suggestions[0].as_deref(), Some("status"));
            assert_eq!(suggestions[2], None);
        }
        other => panic!("expected unknown attributes, got {other:?}"),
    }
    // A hostile name is refused without comparing it at length.
    let long = "s".repeat(1 << 20);
    let update = Update::new().set(attr(long.as_str()), 1);
    assert!(matches!(
        refuse_unknown_attributes::<Order>("orders", "the update", &update),
        Err(Error::UnknownAttributes { suggestions, .. }) if suggestions == [None]
    ));
}
