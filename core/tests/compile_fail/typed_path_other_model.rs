use dynamodb_mapper::Model;
use serde::{Deserialize, Serialize};

#[derive(Model, Serialize, Deserialize)]
#[model(table = "orders")]
struct Order {
    #[model(hash_key)]
    id: String,
    status: String,
}

#[derive(Model, Serialize, Deserialize)]
#[model(table = "customers")]
struct Customer {
    #[model(hash_key)]
    id: String,
    name: String,
}

fn main() {
    // A condition on orders cannot take a customer's field.
    let _ = Order::fields()
        .status
        .eq("paid")
        .and(Customer::fields().name.eq("ada"));
}
