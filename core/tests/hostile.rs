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
        // A size of a size is a type error (a size is a number), which
        // DynamoDB Local reports before the operator count.
        (
            format!("{}a{} = :v", "size(".repeat(600), ")".repeat(600)),
            "operator or function: size, operand type: N",
        ),
        // Nested deeper than the parser descends (680 levels), the
        // expression is refused by its operator count before any operand's
        // type is known (Local, which descends all the way, names the
        // type): a listed difference of the emulator.
        (
            format!("{}a{} = :v", "size((".repeat(340), "))".repeat(340)),
            "too many operators",
        ),
        (
            format!("size(size(a)) = :v{}", " AND a = :v".repeat(300)),
            "operator or function: size, operand type: N",
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

#[test]
fn a_number_padded_to_a_megabyte_is_substituted_short() {
    // Its size is two bytes, so a thousand uses fit every limit; each use
    // must not copy (nor each comparison read) a megabyte of zeros.
    let padded = format!("{}1", "0".repeat(1 << 20));
    let values: BTreeMap<String, AttributeValue> = [
        (":v".to_owned(), AttributeValue::N(padded.parse().unwrap())),
        (
            ":l".to_owned(),
            AttributeValue::L(vec![AttributeValue::Ns(vec![padded.parse().unwrap()])]),
        ),
    ]
    .into();
    let uses = vec![":v"; 99].join(", ");
    let text = format!("a IN ({uses}, :l)");
    let names = BTreeMap::new();
    let cond = Parser::new(&names, &values)
        .condition(&text, ExpressionKind::Condition)
        .unwrap();
    let Condition::In { list, .. } = &cond else {
        panic!("{cond:?}")
    };
    assert_eq!(list.len(), 100);
    // (Numbers compare by value: the text is what is checked.)
    for o in &list[..99] {
        assert!(
            matches!(o, Operand::Value(AttributeValue::N(n)) if n.as_str() == "1"),
            "{o:?}"
        );
    }
    let Operand::Value(AttributeValue::L(l)) = &list[99] else {
        panic!("{:?}", list[99])
    };
    assert!(matches!(&l[..], [AttributeValue::Ns(ns)] if ns[0].as_str() == "1"));
    // The value given is untouched, and equal to what was substituted.
    assert_eq!(values[":v"], AttributeValue::from(1));
    assert!(matches!(&values[":v"], AttributeValue::N(n) if n.as_str().len() > 1 << 20));
}

#[test]
fn deep_redundant_parentheses_are_a_validation_error_not_a_limit() {
    // DynamoDB Local answers a ValidationException however deep they go;
    // only the operator count and the expression's size are limits.
    for depth in [641, 2000] {
        let text = format!("{}a = :v{}", "(".repeat(depth), ")".repeat(depth));
        match parse_condition(&text) {
            Err(Error::InvalidRequest { message }) => {
                assert!(message.contains("redundant parentheses"), "{message}")
            }
            other => panic!("{depth} levels: {other:?}"),
        }
    }
}

#[test]
fn caller_built_trees_render_evaluate_and_drop_on_a_small_stack() {
    on_small_stack(|| {
        // A long chain of ANDs, as `Condition::all` builds it.
        let all = Condition::all((0..100_000).map(|i| attr("a").ne(i))).expect("conditions");
        let item = Item::new().with("a", -1);
        assert!(all.evaluate(&item));
        let mut attrs = ExpressionAttributes::default();
        let text = all.render(&mut attrs);
        assert!(
            text.starts_with("#n0 <> :v0 AND #n0 <> :v1"),
            "{}",
            &text[..40]
        );
        assert_eq!(attrs.values.len(), 100_000);
        assert_eq!(all.paths().len(), 100_000);
        drop(all);
        // Right-deep and NOT chains.
        let mut c = attr("a").exists();
        for _ in 0..100_000 {
            c = attr("a").exists().and(c.negate());
        }
        let _ = c.evaluate(&item);
        drop(c);
        // size(size(...)) 100,000 deep.
        let mut o = Operand::from(attr("a"));
        for _ in 0..100_000 {
            o = Operand::Size(Box::new(o));
        }
        let c = o.eq(1);
        assert!(!c.evaluate(&item));
        let text = c.render(&mut ExpressionAttributes::default());
        assert!(text.starts_with("size(size("));
        drop(c);
        // list_append 100,000 deep: refused by apply_update, rendered, dropped.
        let mut s = SetOperand::from(attr("l"));
        for _ in 0..100_000 {
            s = SetOperand::list_append(s, AttributeValue::L(vec![]));
        }
        let update = Update::new().set(attr("l"), s);
        let mut target = Item::new().with("l", AttributeValue::L(vec![]));
        let e = apply_update(&mut target, &update).expect_err("too deep");
        assert!(message(e).contains("nests functions"));
        assert!(
            update
                .render(&mut ExpressionAttributes::default())
                .starts_with("SET #n0 = list_append(list_append(")
        );
        drop(update);
    });
}

#[test]
fn nasty_requests_change_nothing_on_a_small_stack() {
    on_small_stack(|| {
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("a runtime");
        rt.block_on(async {
            let backend = MemoryBackend::new();
            let t = "hostile";
            backend
                .create_table(TableDefinition::new(
                    t,
                    KeySchema::hash("id", ScalarType::S),
                ))
                .await
                .unwrap();
            backend
                .put_item(PutItem::new(t, Item::new().with("id", "k")))
                .await
                .unwrap();
            for (text, _) in nasty() {
                let put = PutItem::new(t, Item::new().with("id", "k").with("new", 1))
                    .condition_expression(text.as_str())
                    .value(":v", 1);
                backend.put_item(put).await.expect_err("refused");
                let mut query =
                    Query::new(t, &dynamodb_mapper::expr::KeyCondition::hash("id", "k"));
                query.filter_expression = Some(text.clone());
                query
                    .expression_attributes
                    .values
                    .insert(":v".to_owned(), AttributeValue::from(1));
                backend.query(query).await.expect_err("refused");
                let mut key_query =
                    Query::new(t, &dynamodb_mapper::expr::KeyCondition::hash("id", "k"));
                key_query.key_condition_expression = text.replace('a', "id");
                key_query
                    .expression_attributes
                    .values
                    .insert(":v".to_owned(), AttributeValue::from("k"));
                backend.query(key_query).await.expect_err("refused");
            }
            assert_eq!(
                backend.engine().all_items(t).unwrap(),
                vec![Item::new().with("id", "k")]
            );
        });
    });
}

#[test]
fn a_deep_key_in_a_transaction_is_refused_before_it_is_copied() {
    // The value itself is built and dropped on a large stack: dropping a
    // 50,000-deep value is the value type's concern; the emulator's answer
    // (and that it copies nothing of the key) is what is checked here.
    std::thread::Builder::new()
        .stack_size(512 * 1024 * 1024)
        .spawn(|| {
            let mut deep = AttributeValue::from(1);
            for _ in 0..50_000 {
                deep = AttributeValue::L(vec![deep]);
            }
            let rt = tokio::runtime::Builder::new_current_thread()
                .build()
                .expect("a runtime");
            rt.block_on(async {
                let backend = MemoryBackend::new();
                backend
                    .create_table(TableDefinition::new(
                        "deep",
                        KeySchema::hash("id", ScalarType::S),
                    ))
                    .await
                    .unwrap();
                let update =
                    dynamodb_mapper::backend::UpdateItem::new("deep", Item::new().with("id", deep))
                        .update_expression("SET a = :v")
                        .value(":v", 1);
                let e = backend
                    .transact_write_items(dynamodb_mapper::backend::TransactWrite {
                        items: vec![dynamodb_mapper::backend::TransactWriteItem::Update(update)],
                        ..Default::default()
                    })
                    .await
                    .expect_err("refused");
                // A list is no key value: the whole transaction is refused,
                // as DynamoDB Local refuses it.
                let Error::InvalidRequest { message } = &e else {
                    panic!("a refusal: {e:?}")
                };
                assert_eq!(message, "Invalid attribute value type");
                assert!(backend.engine().all_items("deep").unwrap().is_empty());
            });
        })
        .expect("a thread")
        .join()
        .expect("no panic");
}

#[test]
fn create_table_checks_the_time_to_live_attribute_name() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a runtime");
    rt.block_on(async {
        let backend = MemoryBackend::new();
        for name in [String::new(), "t".repeat(256)] {
            let def = TableDefinition::new("ttl_table", KeySchema::hash("id", ScalarType::S))
                .with_ttl(name);
            let e = backend.create_table(def).await.expect_err("refused");
            assert_eq!(
                message(e),
                "Names of key attributes and attributes projected into an index must be between 1 and 255 characters, inclusive"
            );
        }
        let def = TableDefinition::new("ttl_table", KeySchema::hash("id", ScalarType::S))
            .with_ttl("t".repeat(255));
        backend.create_table(def).await.expect("accepted");
    });
}

#[test]
fn huge_definitions_are_refused_without_a_quadratic_walk() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a runtime");
    rt.block_on(async {
        let backend = MemoryBackend::new();
        // 200,000 indexes of distinct names (DynamoDB allows 20), and one
        // projecting 200,000 names twice: each compared with all before
        // it, 2 x 10^10 comparisons.
        let mut def = TableDefinition::new("wide_table", KeySchema::hash("id", ScalarType::S));
        for n in 0..200_000 {
            def = def.with_global_index(
                format!("index{n}"),
                KeySchema::hash("id", ScalarType::S),
                dynamodb_mapper::IndexProjection::KeysOnly,
            );
        }
        let e = backend.create_table(def).await.expect_err("refused");
        assert!(message(e).contains("GlobalSecondaryIndex count exceeds"));
        let names: Vec<String> = (0..200_000).map(|n| format!("a{}", n % 100_000)).collect();
        let def = TableDefinition::new("wide_table", KeySchema::hash("id", ScalarType::S))
            .with_global_index(
                "byid",
                KeySchema::hash("id", ScalarType::S),
                dynamodb_mapper::IndexProjection::Include(names),
            );
        let e = backend.create_table(def).await.expect_err("refused");
        assert_eq!(message(e), "Cannot have two attributes with the same name");
    });
}

/// A memory store with the table `costly` (hash key `id`), on a
/// current-thread runtime.
fn costly_store() -> (tokio::runtime::Runtime, MemoryBackend) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a runtime");
    let backend = MemoryBackend::new();
    rt.block_on(backend.create_table(TableDefinition::new(
        "costly",
        KeySchema::hash("id", ScalarType::S),
    )))
    .unwrap();
    (rt, backend)
}

#[test]
fn costly_expressions_over_large_items_take_linear_time() {
    let (rt, backend) = costly_store();
    rt.block_on(async {
        // `contains` of a 100 KB binary in a 300 KB one, 150 times: a
        // comparison at every offset is 3 x 10^12 byte steps.
        let mut needle = vec![0u8; 99_999];
        needle.push(1);
        let item = Item::new()
            .with("id", "k")
            .with("a", AttributeValue::B(vec![0u8; 300_000]))
            .with("b", AttributeValue::B(needle));
        backend
            .put_item(PutItem::new("costly", item))
            .await
            .unwrap();
        let filter = vec!["contains(a, b)"; 150].join(" OR ");
        let mut scan = dynamodb_mapper::backend::Scan::new("costly");
        scan.filter_expression = Some(filter);
        let page = backend.scan(scan).await.unwrap();
        assert_eq!((page.count, page.scanned_count), (0, 1));

        // A placeholder holding a number padded to a megabyte, referenced
        // a thousand times, is measured once.
        let padded = format!("{}1", "0".repeat(1 << 20));
        let refs = vec![":v"; 100].join(",");
        let condition = vec![format!("n IN({refs})"); 10].join(" OR ");
        let put = PutItem::new("costly", Item::new().with("id", "p"))
            .condition_expression(condition.as_str())
            .value(":v", AttributeValue::N(padded.parse().unwrap()));
        expect_conflict(backend.put_item(put).await);

        // `SET a000=l, a001=l, ...` of a 400 KB list stops once the values
        // set outgrow an item, before copying it 500 times.
        let list = AttributeValue::L(vec![AttributeValue::Null; 200_000]);
        backend
            .put_item(PutItem::new(
                "costly",
                Item::new().with("id", "l").with("l", list),
            ))
            .await
            .unwrap();
        let sets: Vec<String> = (0..500).map(|n| format!("a{n:03}=l")).collect();
        let update =
            dynamodb_mapper::backend::UpdateItem::new("costly", Item::new().with("id", "l"))
                .update_expression(format!("SET {}", sets.join(",")));
        let e = backend.update_item(update).await.expect_err("too large");
        assert_eq!(
            message(e),
            "Item size to update has exceeded the maximum allowed size"
        );
    });
}

fn expect_conflict<T: std::fmt::Debug>(r: Result<T, Error>) {
    match r {
        Err(Error::Conflict { .. }) => {}
        other => panic!("expected the condition to fail, got {other:?}"),
    }
}
