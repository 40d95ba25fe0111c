//! Benchmarks of dynamodb-mapper beside other DynamoDB emulators: see `benches/`.
