use dynamodb_mapper::repository::{KeyOf, Table};
use dynamodb_mapper::{Model, RepositoryExt};
use dynamodb_mapper_memory::MemoryBackend;
use serde::{Deserialize, Serialize};

#[derive(Model, Serialize, Deserialize)]
#[model(table = "events")]
struct Event {
    #[model(hash_key)]
    stream: String,
    #[model(range_key)]
    seq: u64,
}

fn main() {
    // A number for a string hash key; a hash key alone for a composite key.
    let _ = KeyOf::<Event>::new((5, 3));
    let _ = KeyOf::<Event>::new("s1");
    let events = Table::<Event>::new(MemoryBackend::new());
    let _ = events.get(("s1", "3"));
}
