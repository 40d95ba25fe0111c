use dynamodb_mapper::{Model, Validate};
use serde::{Deserialize, Serialize};

#[derive(Validate, Serialize, Deserialize)]
struct Address {
    city: String,
}

#[derive(Model, Serialize, Deserialize)]
#[model(table = "orders")]
struct Order {
    #[model(hash_key)]
    id: String,
    status: String,
    total_cents: i64,
    shipping: Option<Address>,
}

fn main() {
    let f = Order::fields();
    let _ = f.stauts.set("paid");
    let _ = f.totl_cents.gt(100);
    let _ = f.shipping.fields().cty.eq("Paris");
}
