//! The pacer records its waits at debug level on the `database_access`
//! target.

use std::sync::{Arc, Mutex};

use dynamodb_mapper::backend::{Backend, Layered, PutItem};
use dynamodb_mapper::layers::{Pacer, SimulatedThroughput};
use dynamodb_mapper::{Item, KeySchema, ScalarType, TableDefinition};
use dynamodb_mapper_memory::MemoryBackend;

/// Records the events of the pacer's target: level, and whether they say
/// how long they wait.
#[derive(Clone, Default)]
struct Recorder(Arc<Mutex<Vec<(tracing::Level, bool)>>>);

struct HasWait(bool);

impl tracing::field::Visit for HasWait {
    fn record_debug(&mut self, field: &tracing::field::Field, _: &dyn std::fmt::Debug) {
        self.0 |= field.name() == "wait_ms";
    }
}

impl tracing::Subscriber for Recorder {
    fn enabled(&self, _: &tracing::Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, _: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        tracing::span::Id::from_u64(1)
    }
    fn record(&self, _: &tracing::span::Id, _: &tracing::span::Record<'_>) {}
    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}
    fn event(&self, event: &tracing::Event<'_>) {
        if event.metadata().target() == dynamodb_mapper::trace::DATABASE_ACCESS {
            let mut wait = HasWait(false);
            event.record(&mut wait);
            self.0
                .lock()
                .unwrap()
                .push((*event.metadata().level(), wait.0));
        }
    }
    fn enter(&self, _: &tracing::span::Id) {}
    fn exit(&self, _: &tracing::span::Id) {}
}

#[test]
fn waits_are_traced_at_debug_level_on_database_access() {
    let recorder = Recorder::default();
    tracing::subscriber::with_default(recorder.clone(), || {
        tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .start_paused(true)
            .build()
            .unwrap()
            .block_on(async {
                let sim = SimulatedThroughput::new();
                sim.set_enabled(true);
                let pacer = Pacer::new();
                pacer.set_enabled(true);
                let store = Layered::new(pacer, Layered::new(sim, MemoryBackend::new()));
                let def = TableDefinition::new("traced", KeySchema::hash("id", ScalarType::S))
                    .with_throughput(10, 2);
                store.create_table(def).await.unwrap();
                for n in 0..5 {
                    let item = Item::new().with("id", format!("k{n}"));
                    store.put_item(PutItem::new("traced", item)).await.unwrap();
                }
            });
    });
    let events = recorder.0.lock().unwrap();
    let waits: Vec<_> = events.iter().filter(|(_, wait)| *wait).collect();
    assert!(!waits.is_empty(), "{events:?}");
    assert!(
        waits
            .iter()
            .all(|(level, _)| *level == tracing::Level::DEBUG)
    );
}
