use dynamodb_mapper::{Model, StringSet};
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, Clone, Copy)]
enum Status {
    Pending,
    Paid,
}

#[derive(Model, Serialize, Deserialize)]
#[model(table = "orders")]
struct Order {
    #[model(hash_key)]
    id: String,
    status: Status,
    total_cents: i64,
    tags: StringSet,
}

fn main() {
    let f = Order::fields();
    // A string where the enum is expected.
    let _ = f.status.set("paid");
    // An unsigned integer for a signed field.
    let _ = f.total_cents.eq(1u64);
    // A number for a set of strings.
    let _ = f.tags.add(3);
    // ADD on an enum, begins_with on a set.
    let _ = f.status.add(Status::Paid);
    let _ = f.tags.begins_with("a");
}
