//! Bad input over raw HTTP: garbage, truncated JSON, wrong content types,
//! unknown targets, bodies of 10 and 17 MB, deeply nested JSON, members
//! the library cannot express, unsigned or foreign requests, clients too slow or idle.
//! Each gets a DynamoDB-shaped error, and the server goes on serving.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::Arc;
use std::time::Duration;

use dynamodb_mapper_memory::MemoryBackend;
use dynamodb_mapper_server::{RunningServer, Server};
use serde_json::Value;

struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }

    /// Asserts a DynamoDB error of this name; returns its message.
    fn error(&self, name: &str) -> String {
        let j = self.json();
        let t = j["__type"].as_str().unwrap_or_default();
        assert_eq!(t.rsplit('#').next(), Some(name), "{j}");
        assert!(t.starts_with("com.amazon"), "{t}");
        let m = j["message"].as_str().unwrap_or_default().to_owned();
        assert!(!m.is_empty(), "an error message: {j}");
        m
    }
}

/// Sends one request on its own connection and reads the whole answer.
fn send(addr: SocketAddr, head: &[(&str, &str)], body: &[u8], chunked: bool) -> Answer {
    let mut s = TcpStream::connect(addr).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(30))).ok();
    let mut req = String::from("POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n");
    for (k, v) in head {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    if chunked {
        req.push_str("Transfer-Encoding: chunked\r\n\r\n");
    } else {
        req.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
    }
    // The server may answer (and close) before reading a refused body.
    let _ = s.write_all(req.as_bytes());
    if chunked {
        for c in body.chunks(1 << 20) {
            if s.write_all(format!("{:x}\r\n", c.len()).as_bytes())
                .is_err()
                || s.write_all(c).is_err()
                || s.write_all(b"\r\n").is_err()
            {
                break;
            }
        }
        let _ = s.write_all(b"0\r\n\r\n");
    } else {
        let _ = s.write_all(body);
    }
    let mut raw = Vec::new();
    let _ = s.read_to_end(&mut raw);
    let end = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a complete HTTP answer");
    let head = String::from_utf8_lossy(&raw[..end]).into_owned();
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|c| c.parse().ok())
        .expect("a status line");
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect();
    Answer {
        status,
        headers,
        body: raw[end + 4..].to_vec(),
    }
}

const JSON: (&str, &str) = ("Content-Type", "application/x-amz-json-1.0");

fn call(addr: SocketAddr, op: &str, body: &[u8]) -> Answer {
    let target = format!("DynamoDB_20120810.{op}");
    send(addr, &[JSON, ("X-Amz-Target", &target)], body, false)
}

fn start(server: Server) -> (tokio::runtime::Runtime, RunningServer) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime");
    let running = rt.block_on(server.run()).expect("the server starts");
    (rt, running)
}

fn memory() -> Server {
    Server::new(Arc::new(MemoryBackend::new()))
}

fn still_serving(addr: SocketAddr) {
    let a = call(addr, "ListTables", b"{}");
    assert_eq!(a.status, 200, "{}", String::from_utf8_lossy(&a.body));
    assert!(a.json()["TableNames"].is_array());
}

fn create_table(addr: SocketAddr, name: &str) {
    let body = format!(
        r#"{{"TableName":"{name}","KeySchema":[{{"AttributeName":"id","KeyType":"HASH"}}],"AttributeDefinitions":[{{"AttributeName":"id","AttributeType":"S"}}],"BillingMode":"PAY_PER_REQUEST"}}"#
    );
    let a = call(addr, "CreateTable", body.as_bytes());
    assert_eq!(a.status, 200, "{}", String::from_utf8_lossy(&a.body));
}

#[test]
fn every_answer_carries_a_request_id_and_the_crc32_of_its_body() {
    let (_rt, server) = start(memory());
    let addr = server.local_addr();
    for a in [
        call(addr, "ListTables", b"{}"),
        call(addr, "GetItem", b"nope"),
    ] {
        let id = a.header("x-amzn-RequestId").expect("a request id");
        assert_eq!(id.len(), 52);
        let crc: u32 = a.header("x-amz-crc32").expect("a crc").parse().unwrap();
        assert_eq!(crc, crc32fast::hash(&a.body));
        assert_eq!(a.header("Content-Type"), Some("application/x-amz-json-1.0"));
    }
    let a = call(addr, "ListTables", b"{}");
    let b = call(addr, "ListTables", b"{}");
    assert_ne!(a.header("x-amzn-RequestId"), b.header("x-amzn-RequestId"));
}

#[test]
fn malformed_bodies_are_serialization_errors() {
    let (_rt, server) = start(memory());
    let addr = server.local_addr();
    for body in [
        &b"garbage"[..],
        b"{\"TableName\":\"t\",\"Key\":{\"id\"",
        b"",
        b"[1,2]",
        b"\xff\xfe\x00",
        b"{\"TableName\":5,\"Key\":{}}",
        b"{\"TableName\":\"tab\",\"Key\":{\"id\":{\"N\":1}}}",
        b"{\"TableName\":\"tab\",\"Key\":{\"id\":{\"B\":\"!!\"}}}",
    ] {
        let a = call(addr, "GetItem", body);
        assert_eq!(a.status, 400);
        a.error("SerializationException");
    }
    still_serving(addr);
}

#[test]
fn wrong_content_types_and_targets_are_unknown_operations() {
    let (_rt, server) = start(memory());
    let addr = server.local_addr();
    let target = ("X-Amz-Target", "DynamoDB_20120810.ListTables");
    for ct in [
        "text/plain",
        "application/x-www-form-urlencoded",
        "application/xml",
    ] {
        let a = send(addr, &[("Content-Type", ct), target], b"{}", false);
        assert_eq!(a.status, 400);
        assert!(a.error("UnknownOperationException").contains(ct));
    }
    let a = send(addr, &[target], b"{}", false);
    a.error("UnknownOperationException");
    let a = send(
        addr,
        &[("Content-Type", "application/json"), target],
        b"{}",
        false,
    );
    assert_eq!(a.status, 200, "application/json is accepted");
    let a = send(addr, &[JSON], b"{}", false);
    assert!(
        a.error("UnknownOperationException")
            .contains("X-Amz-Target")
    );
    let a = send(
        addr,
        &[JSON, ("X-Amz-Target", "Foo.ListTables")],
        b"{}",
        false,
    );
    a.error("UnknownOperationException");
    // An operation with nothing to store answers as DynamoDB does.
    let a = call(addr, "DescribeLimits", b"{}");
    assert_eq!(a.status, 200);
    assert_eq!(a.json()["AccountMaxWriteCapacityUnits"], 80000);
    assert_eq!(a.json()["TableMaxReadCapacityUnits"], 40000);
    let a = call(addr, "NoSuchThing", b"{}");
    assert!(a.error("UnknownOperationException").contains("NoSuchThing"));
    let a = call(
        addr,
        "ExecuteStatement",
        b"{\"Statement\":\"SELECT * FROM t\"}",
    );
    assert!(
        a.error("UnknownOperationException")
            .contains("not implemented")
    );
    still_serving(addr);
}

#[test]
fn large_bodies_are_refused_before_parsing() {
    let (_rt, server) = start(memory());
    let addr = server.local_addr();
    create_table(addr, "big");
    // 10 MB of garbage: under the limit, read, not JSON.
    let garbage = vec![b'x'; 10 << 20];
    call(addr, "PutItem", &garbage).error("SerializationException");
    // A 10 MB item: valid JSON, over DynamoDB's 400 KB item limit.
    let item = format!(
        r#"{{"TableName":"big","Item":{{"id":{{"S":"a"}},"v":{{"S":"{}"}}}}}}"#,
        "a".repeat(10 << 20)
    );
    let a = call(addr, "PutItem", item.as_bytes());
    assert!(a.error("ValidationException").contains("Item size"));
    // 17 MB: over the 16 MB request limit, refused from Content-Length ...
    let huge = vec![b' '; 17 << 20];
    let a = call(addr, "PutItem", &huge);
    assert_eq!(a.status, 413);
    a.error("ValidationException");
    // ... and, sent without a length, as soon as the limit is passed.
    let target = ("X-Amz-Target", "DynamoDB_20120810.PutItem");
    let a = send(addr, &[JSON, target], &huge, true);
    assert_eq!(a.status, 413);
    still_serving(addr);
}

#[test]
fn deep_nesting_is_bounded() {
    let (_rt, server) = start(memory());
    let addr = server.local_addr();
    create_table(addr, "deep");
    let brackets = "[".repeat(100_000);
    call(addr, "PutItem", brackets.as_bytes()).error("SerializationException");
    let value = format!(
        "{}{}{}",
        r#"{"L":["#.repeat(50_000),
        r#"{"S":"x"}"#,
        "]}".repeat(50_000)
    );
    let body = format!(r#"{{"TableName":"deep","Item":{{"id":{{"S":"a"}},"v":{value}}}}}"#);
    call(addr, "PutItem", body.as_bytes()).error("SerializationException");
    let value = format!(
        "{}{}{}",
        r#"{"M":{"a":"#.repeat(40),
        r#"{"S":"x"}"#,
        "}}".repeat(40)
    );
    let body = format!(r#"{{"TableName":"deep","Item":{{"id":{{"S":"a"}},"v":{value}}}}}"#);
    let a = call(addr, "PutItem", body.as_bytes());
    assert!(a.error("ValidationException").contains("Nesting Levels"));
    still_serving(addr);
}

#[test]
fn requests_the_library_cannot_express_are_refused_by_name() {
    let (_rt, server) = start(memory());
    let addr = server.local_addr();
    create_table(addr, "unexpressed");
    let a = call(
        addr,
        "PutItem",
        br#"{"TableName":"unexpressed","Item":{"id":{"S":"a"}},"ReturnItemCollectionMetrics":"SIZE"}"#,
    );
    let m = a.error("ValidationException");
    assert!(m.contains("ReturnItemCollectionMetrics"), "{m}");
    // Nothing was written by the refused put.
    let a = call(addr, "Scan", br#"{"TableName":"unexpressed"}"#);
    assert_eq!(a.json()["Count"], 0);
}

#[test]
fn create_table_members_only_the_wire_can_spell_are_checked() {
    let (_rt, server) = start(memory());
    let addr = server.local_addr();
    let base = r#""AttributeDefinitions":[{"AttributeName":"id","AttributeType":"S"}],"KeySchema":[{"AttributeName":"id","KeyType":"HASH"}],"BillingMode":"PAY_PER_REQUEST""#;
    for (extra, message) in [
        (
            r#""GlobalSecondaryIndexes":[]"#,
            "GSI list is empty/invalid",
        ),
        (
            r#""StreamSpecification":{"StreamEnabled":false,"StreamViewType":"NEW_IMAGE"}"#,
            "Invalid StreamViewType: Stream StreamEnabled was false but a StreamViewType was present.",
        ),
    ] {
        let body = format!(r#"{{"TableName":"wire_checked",{base},{extra}}}"#);
        let a = call(addr, "CreateTable", body.as_bytes());
        assert_eq!(a.error("ValidationException"), message);
    }
    // An empty list of local indexes is no error (as in DynamoDB Local).
    let body = format!(r#"{{"TableName":"wire_checked",{base},"LocalSecondaryIndexes":[]}}"#);
    let a = call(addr, "CreateTable", body.as_bytes());
    assert_eq!(a.status, 200, "{}", String::from_utf8_lossy(&a.body));
}

#[test]
fn attribute_definitions_are_checked_with_local_messages() {
    let (_rt, server) = start(memory());
    let addr = server.local_addr();
    let ad = |names: &[&str]| {
        let defs: Vec<String> = names
            .iter()
            .map(|n| format!(r#"{{"AttributeName":"{n}","AttributeType":"S"}}"#))
            .collect();
        format!(r#""AttributeDefinitions":[{}]"#, defs.join(","))
    };
    let ranged = r#""KeySchema":[{"AttributeName":"h","KeyType":"HASH"},{"AttributeName":"r","KeyType":"RANGE"}]"#;
    let lsi = |hash: &str, range: &str| {
        format!(
            r#""LocalSecondaryIndexes":[{{"IndexName":"lll","KeySchema":[{{"AttributeName":"{hash}","KeyType":"HASH"}},{{"AttributeName":"{range}","KeyType":"RANGE"}}],"Projection":{{"ProjectionType":"ALL"}}}}]"#
        )
    };
    let gsi = r#""GlobalSecondaryIndexes":[{"IndexName":"ggg","KeySchema":[{"AttributeName":"g","KeyType":"HASH"}],"Projection":{"ProjectionType":"ALL"}}]"#;
    for (members, message) in [
        (ad(&[]), "No Attribute Schema Defined".to_owned()),
        (
            ad(&["x", "r"]),
            "Hash Key not specified in Attribute Definitions.  Type unknown.".to_owned(),
        ),
        (
            ad(&["h"]),
            "Range Key not specified in Attribute Definitions.  Type unknown.".to_owned(),
        ),
        (
            format!("{},{}", ad(&["h", "r"]), lsi("h", "l")),
            "Local Secondary Index range key not specified in Attribute Definitions.Type unknown."
                .to_owned(),
        ),
        (
            format!("{},{}", ad(&["h", "r", "l"]), lsi("x", "l")),
            "Local Secondary indices must have the same hash key as the main table".to_owned(),
        ),
        (
            format!("{},{gsi}", ad(&["h", "r"])),
            "Attribute g is not defined in AttributeDefinitions".to_owned(),
        ),
        (
            ad(&["h", "r", "x"]),
            "The number of attributes in key schema must match the number of attributes defined in attribute definitions."
                .to_owned(),
        ),
    ] {
        let body = format!(
            r#"{{"TableName":"defs_checked",{members},{ranged},"BillingMode":"PAY_PER_REQUEST"}}"#
        );
        let a = call(addr, "CreateTable", body.as_bytes());
        assert_eq!(a.error("ValidationException"), message, "{body}");
    }
    let a = call(addr, "DescribeTable", br#"{"TableName":"defs_checked"}"#);
    a.error("ResourceNotFoundException");
}

#[test]
fn a_bad_table_name_is_named_before_other_faults() {
    let (_rt, server) = start(memory());
    let addr = server.local_addr();
    let bad = "Invalid table/index name.  Table/index names must be between 3 and 255 characters long, and may contain only the characters a-z, A-Z, 0-9, '_', '-', and '.'";
    for (op, body) in [
        ("PutItem", r#"{"TableName":"a!"}"#),
        (
            "PutItem",
            r#"{"TableName":"a!","Item":{"h":{"S":"x"}},"ReturnValues":"BOGUS"}"#,
        ),
        ("GetItem", r#"{"TableName":"ab"}"#),
        ("Query", r#"{"TableName":"a!","Select":"BOGUS"}"#),
        ("UpdateTimeToLive", r#"{"TableName":"a!"}"#),
        ("CreateTable", r#"{"TableName":"a!"}"#),
        (
            "TransactWriteItems",
            r#"{"TransactItems":[{"ConditionCheck":{"TableName":"a!","Key":{"h":{"S":"x"}}}}]}"#,
        ),
    ] {
        let a = call(addr, op, body.as_bytes());
        assert_eq!(a.error("ValidationException"), bad, "{op} {body}");
    }
    // An ARN is the engine's to resolve: here, a missing table.
    let a = call(
        addr,
        "GetItem",
        br#"{"TableName":"arn:aws:dynamodb:us-east-1:000000000000:table/nosuch","Key":{"h":{"S":"x"}}}"#,
    );
    a.error("ResourceNotFoundException");
}

#[test]
fn missing_members_and_bad_enums_are_reported_together() {
    let (_rt, server) = start(memory());
    let addr = server.local_addr();
    let a = call(addr, "PutItem", br#"{"ReturnValues":"SOME"}"#);
    let m = a.error("ValidationException");
    assert!(m.starts_with("3 validation errors detected: "), "{m}");
    assert!(m.contains("Value null at 'tableName'"), "{m}");
    assert!(m.contains("Value null at 'item'"), "{m}");
    assert!(m.contains("Value 'SOME' at 'returnValues'"), "{m}");
    let a = call(
        addr,
        "TransactWriteItems",
        br#"{"TransactItems":[{"Put":{"Item":{"id":{"S":"a"}}}}]}"#,
    );
    let m = a.error("ValidationException");
    assert!(m.contains("'transactItems.1.member.put.tableName'"), "{m}");
}

#[test]
fn access_keys_are_enforced_when_configured() {
    let (_rt, server) = start(memory().access_keys(["AKIDGOOD"]));
    let addr = server.local_addr();
    let target = ("X-Amz-Target", "DynamoDB_20120810.ListTables");
    let a = send(addr, &[JSON, target], b"{}", false);
    a.error("MissingAuthenticationTokenException");
    let sign = |key: &str| {
        format!(
            "AWS4-HMAC-SHA256 Credential={key}/20240101/eu-west-1/dynamodb/aws4_request, SignedHeaders=host, Signature=00"
        )
    };
    let bad = sign("AKIDBAD");
    let a = send(addr, &[JSON, target, ("Authorization", &bad)], b"{}", false);
    a.error("UnrecognizedClientException");
    let good = sign("AKIDGOOD");
    let a = send(
        addr,
        &[JSON, target, ("Authorization", &good)],
        b"{}",
        false,
    );
    assert_eq!(a.status, 200);
}

#[test]
fn many_clients_at_once() {
    let (_rt, server) = start(memory());
    let addr = server.local_addr();
    create_table(addr, "many");
    put_from_clients(addr, "many", 16, 25);
    let a = call(addr, "Scan", br#"{"TableName":"many","Select":"COUNT"}"#);
    assert_eq!(a.json()["Count"], 400);
}

/// `clients` threads at once, each putting `each` items of its own into
/// `table`, every put answered 200.
fn put_from_clients(addr: std::net::SocketAddr, table: &'static str, clients: usize, each: usize) {
    let threads: Vec<_> = (0..clients)
        .map(|t| {
            std::thread::spawn(move || {
                for i in 0..each {
                    let body =
                        format!(r#"{{"TableName":"{table}","Item":{{"id":{{"S":"{t}-{i}"}}}}}}"#);
                    assert_eq!(call(addr, "PutItem", body.as_bytes()).status, 200);
                }
            })
        })
        .collect();
    for t in threads {
        t.join().expect("a client thread");
    }
}

#[test]
fn on_threads_of_its_own_many_clients_at_once_then_a_clean_stop() {
    let (rt, server) = start(memory().threads(2));
    let addr = server.local_addr();
    create_table(addr, "threads");
    put_from_clients(addr, "threads", 8, 25);
    let a = call(addr, "Scan", br#"{"TableName":"threads","Select":"COUNT"}"#);
    assert_eq!(a.json()["Count"], 200);
    // A connection kept open across the stop is answered, then closed.
    let mut open = TcpStream::connect(addr).expect("connect");
    open.set_read_timeout(Some(Duration::from_secs(30))).ok();
    let request = "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-amz-json-1.0\r\nX-Amz-Target: DynamoDB_20120810.ListTables\r\nContent-Length: 2\r\n\r\n{}";
    open.write_all(request.as_bytes()).expect("a request");
    let mut first = [0u8; 12];
    open.read_exact(&mut first).expect("an answer");
    assert_eq!(&first, b"HTTP/1.1 200");
    rt.block_on(server.stop());
    let mut rest = Vec::new();
    let _ = open.read_to_end(&mut rest);
    assert!(
        TcpStream::connect_timeout(&addr, Duration::from_secs(1)).is_err(),
        "the port is closed once stopped"
    );
}

/// Opens a connection and sends a request whose body stops after `sent`
/// of its `declared` bytes.
fn unfinished_request(addr: SocketAddr, declared: usize, sent: &[u8]) -> TcpStream {
    let mut s = TcpStream::connect(addr).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(30))).ok();
    let head = format!(
        "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-amz-json-1.0\r\nX-Amz-Target: DynamoDB_20120810.ListTables\r\nContent-Length: {declared}\r\n\r\n"
    );
    s.write_all(head.as_bytes()).expect("the headers");
    s.write_all(sent).expect("part of the body");
    s
}

#[test]
fn slow_and_idle_clients_are_cut_off_and_give_up_their_place() {
    let server = memory()
        .read_timeout(Duration::from_millis(300))
        .max_connections(1);
    let (_rt, server) = start(server);
    let addr = server.local_addr();
    // A body that never finishes is answered, and its connection closed.
    let mut slow = unfinished_request(addr, 100, b"{\"Ta");
    let mut raw = Vec::new();
    let _ = slow.read_to_end(&mut raw);
    let text = String::from_utf8_lossy(&raw);
    assert!(text.starts_with("HTTP/1.1 408"), "{text}");
    assert!(text.contains("RequestTimeoutException"), "{text}");
    // The one place is held by a client that sends nothing, until its
    // headers are overdue; then the next client is served.
    let idle = TcpStream::connect(addr).expect("connect");
    still_serving(addr);
    drop(idle);
}

#[test]
fn bodies_in_flight_share_a_budget_that_slow_clients_do_not_hold() {
    let store = MemoryBackend::new();
    let faults = store.faults().clone();
    let server = Server::new(Arc::new(store))
        .read_timeout(Duration::from_secs(5))
        .body_bytes_in_flight(100);
    let (_rt, server) = start(server);
    let addr = server.local_addr();
    create_table(addr, "budget");
    // A client declaring a large body and sending little holds no room:
    // others are served meanwhile.
    let _stalled = unfinished_request(addr, 1 << 20, b"{");
    still_serving(addr);
    // Two bodies of 60 bytes do not fit in 100 together: with every call
    // taking 300 ms, the second waits for the first to be answered.
    let latency = Duration::from_millis(300);
    faults.set_latency(Some(latency));
    let started = std::time::Instant::now();
    let clients: Vec<_> = (0..2)
        .map(|i| {
            std::thread::spawn(move || {
                let body = format!(r#"{{"TableName":"budget","Key":{{"id":{{"S":"{i:0>16}"}}}}}}"#);
                assert_eq!(body.len(), 60);
                assert_eq!(call(addr, "GetItem", body.as_bytes()).status, 200);
                started.elapsed()
            })
        })
        .collect();
    let mut took: Vec<Duration> = clients.into_iter().map(|c| c.join().unwrap()).collect();
    took.sort();
    assert!(
        took[1] >= 2 * latency,
        "the second request ran beside the first: {took:?}"
    );
    // A body larger than the whole budget is still served.
    faults.set_latency(None);
    let body = format!(
        r#"{{"TableName":"budget","Item":{{"id":{{"S":"a"}},"v":{{"S":"{}"}}}}}}"#,
        "x".repeat(1000)
    );
    assert_eq!(call(addr, "PutItem", body.as_bytes()).status, 200);
}

#[test]
fn nulls_where_values_belong_are_named() {
    let (_rt, server) = start(memory());
    let addr = server.local_addr();
    create_table(addr, "nulls");
    for (op, body, message) in [
        (
            "PutItem",
            r#"{"TableName":"nulls","Item":{"id":{"S":"a"},"v":null}}"#,
            "The supplied Item contains a null AttributeValue: v is null",
        ),
        (
            "GetItem",
            r#"{"TableName":"nulls","Key":{"id":null}}"#,
            "The supplied Item contains a null AttributeValue: id is null",
        ),
        (
            "UpdateItem",
            r#"{"TableName":"nulls","Key":{"id":{"S":"a"}},"UpdateExpression":"SET x = :v","ExpressionAttributeValues":{":v":null}}"#,
            "ExpressionAttributeValues contains invalid value: The supplied Item contains a null AttributeValue for key :v",
        ),
    ] {
        assert_eq!(
            call(addr, op, body.as_bytes()).error("ValidationException"),
            message
        );
    }
    let a = call(addr, "Scan", br#"{"TableName":"nulls"}"#);
    assert_eq!(a.json()["Count"], 0);
}

#[test]
fn capacity_for_an_on_demand_table_without_a_billing_mode_is_refused() {
    let (_rt, server) = start(memory());
    let addr = server.local_addr();
    create_table(addr, "on_demand");
    let capacity = r#""ProvisionedThroughput":{"ReadCapacityUnits":2,"WriteCapacityUnits":2}"#;
    let body = format!(r#"{{"TableName":"on_demand",{capacity}}}"#);
    let m = call(addr, "UpdateTable", body.as_bytes()).error("ValidationException");
    assert!(m.contains("when BillingMode is PAY_PER_REQUEST"), "{m}");
    let a = call(addr, "DescribeTable", br#"{"TableName":"on_demand"}"#);
    assert_eq!(
        a.json()["Table"]["BillingModeSummary"]["BillingMode"],
        "PAY_PER_REQUEST"
    );
    // Asked for by name, the switch is made.
    let body = format!(r#"{{"TableName":"on_demand","BillingMode":"PROVISIONED",{capacity}}}"#);
    let a = call(addr, "UpdateTable", body.as_bytes());
    assert_eq!(a.status, 200, "{}", String::from_utf8_lossy(&a.body));
    let a = call(addr, "DescribeTable", br#"{"TableName":"on_demand"}"#);
    assert_eq!(
        a.json()["Table"]["ProvisionedThroughput"]["ReadCapacityUnits"],
        2
    );
}

#[test]
fn invalid_expression_values_name_their_placeholder() {
    let (_rt, server) = start(memory());
    let addr = server.local_addr();
    create_table(addr, "values");
    for (value, message) in [
        (
            r#"{"N":"1e126"}"#,
            "Number overflow. Attempting to store a number with magnitude larger than supported range",
        ),
        (
            r#"{"N":"abc"}"#,
            "A value provided cannot be converted into a number",
        ),
        (
            r#"{"N":"111111111111111111111111111111111111111"}"#,
            "DynamoDB only supports precision up to 38 digits",
        ),
        (
            "{}",
            "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes",
        ),
        ("null", "The supplied Item contains a null AttributeValue"),
    ] {
        let body = format!(
            r#"{{"TableName":"values","Key":{{"id":{{"S":"a"}}}},"UpdateExpression":"SET x = :v","ExpressionAttributeValues":{{":v":{value}}}}}"#
        );
        assert_eq!(
            call(addr, "UpdateItem", body.as_bytes()).error("ValidationException"),
            format!("ExpressionAttributeValues contains invalid value: {message} for key :v")
        );
    }
    let a = call(addr, "Scan", br#"{"TableName":"values"}"#);
    assert_eq!(a.json()["Count"], 0);
}

#[test]
fn a_flood_of_empty_entries_is_counted_not_listed() {
    let (_rt, server) = start(memory());
    let addr = server.local_addr();
    create_table(addr, "flood");
    let entries = vec![r#"{"PutRequest":{}}"#; 200_000].join(",");
    let body = format!(r#"{{"RequestItems":{{"flood":[{entries}]}}}}"#);
    let a = call(addr, "BatchWriteItem", body.as_bytes());
    let m = a.error("ValidationException");
    assert!(
        m.starts_with("200000 validation errors detected: "),
        "{}",
        &m[..80]
    );
    assert!(m.ends_with("; and 199900 more"), "{}", &m[m.len() - 80..]);
    assert!(
        a.body.len() < 100_000,
        "an answer of {} bytes",
        a.body.len()
    );
    still_serving(addr);
}

#[test]
fn index_update_entries_count_each_action_they_hold() {
    let (_rt, server) = start(memory());
    let addr = server.local_addr();
    let create = r#"{"TableName":"entries","KeySchema":[{"AttributeName":"id","KeyType":"HASH"}],"AttributeDefinitions":[{"AttributeName":"id","AttributeType":"S"},{"AttributeName":"g","AttributeType":"S"}],"BillingMode":"PAY_PER_REQUEST","GlobalSecondaryIndexes":[{"IndexName":"gix","KeySchema":[{"AttributeName":"g","KeyType":"HASH"}],"Projection":{"ProjectionType":"ALL"}}]}"#;
    assert_eq!(call(addr, "CreateTable", create.as_bytes()).status, 200);
    let index = r#"{"IndexName":"hix","KeySchema":[{"AttributeName":"h","KeyType":"HASH"}],"Projection":{"ProjectionType":"ALL"}}"#;
    // A delete and a create in one entry are two online index changes,
    // refused as such before the create's missing definitions.
    let both = format!(
        r#"{{"TableName":"entries","GlobalSecondaryIndexUpdates":[{{"Delete":{{"IndexName":"gix"}},"Create":{index}}}]}}"#
    );
    let m = call(addr, "UpdateTable", both.as_bytes()).error("LimitExceededException");
    assert!(
        m.contains("Only 1 online index can be created or deleted"),
        "{m}"
    );
    let create_only = format!(
        r#"{{"TableName":"entries","GlobalSecondaryIndexUpdates":[{{"Create":{index}}}]}}"#
    );
    let m = call(addr, "UpdateTable", create_only.as_bytes()).error("ValidationException");
    assert_eq!(m, "No Attribute Schema Defined");
    let empty = br#"{"TableName":"entries","GlobalSecondaryIndexUpdates":[{}]}"#;
    let m = call(addr, "UpdateTable", empty).error("ValidationException");
    assert_eq!(m, "Update global secondary index action is null");
}
