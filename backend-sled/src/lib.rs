//! The sled backend of `dynamodb-mapper`: a DynamoDB emulator whose data is
//! kept on disk with sled, surviving restarts. The default store of the
//! examples: nothing to install.
