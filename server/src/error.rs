//! DynamoDB's errors on the wire: [`ApiError`], and the mapping from the
//! library's [`Error`] kinds onto DynamoDB's exception names.

use dynamodb_mapper::{CancellationReason, Error, Item};
use serde::Serialize;
use serde::ser::SerializeMap;

use crate::wire::value::ItemJson;

/// The namespace DynamoDB puts before an exception's name in `__type`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Namespace {
    /// `com.amazonaws.dynamodb.v20120810`: the service's own exceptions.
    DynamoDb,
    /// `com.amazon.coral.validate`: request validation.
    Validate,
    /// `com.amazon.coral.service`: the protocol layer (serialization,
    /// unknown operations, authentication).
    Service,
}

impl Namespace {
    fn prefix(self) -> &'static str {
        match self {
            Namespace::DynamoDb => "com.amazonaws.dynamodb.v20120810",
            Namespace::Validate => "com.amazon.coral.validate",
            Namespace::Service => "com.amazon.coral.service",
        }
    }
}

/// An error answer: an HTTP status and a JSON body with `__type` and
/// `message`, plus the fields some exceptions carry (`Item` of a failed
/// condition, `CancellationReasons` of a cancelled transaction).
#[derive(Debug)]
pub struct ApiError {
    namespace: Namespace,
    name: &'static str,
    status: u16,
    message: String,
    item: Option<Item>,
    reasons: Option<Vec<CancellationReason>>,
}

impl ApiError {
    fn new(namespace: Namespace, name: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            namespace,
            name,
            status: 400,
            message: message.into(),
            item: None,
            reasons: None,
        }
    }

    /// DynamoDB's `ValidationException`.
    pub fn validation(message: impl Into<String>) -> Self {
        ApiError::new(Namespace::Validate, "ValidationException", message)
    }

    /// The `SerializationException` of a body that is not the JSON expected.
    pub fn serialization(message: impl Into<String>) -> Self {
        ApiError::new(Namespace::Service, "SerializationException", message)
    }

    /// The `UnknownOperationException` of a target this server does not serve.
    pub fn unknown_operation(message: impl Into<String>) -> Self {
        ApiError::new(Namespace::Service, "UnknownOperationException", message)
    }

    /// `MissingAuthenticationTokenException`: no signature where one is required.
    pub fn missing_authentication() -> Self {
        ApiError::new(
            Namespace::Service,
            "MissingAuthenticationTokenException",
            "Request is missing Authentication Token",
        )
    }

    /// `UnrecognizedClientException`: an access key this server does not know.
    pub fn unrecognized_client() -> Self {
        ApiError::new(
            Namespace::Service,
            "UnrecognizedClientException",
            "The security token included in the request is invalid.",
        )
    }

    /// A request body over the size limit (HTTP 413).
    pub fn too_large(limit: usize) -> Self {
        let mut e = ApiError::validation(format!(
            "Request size exceeded the maximum allowed size: the request body is over {limit} bytes"
        ));
        e.status = 413;
        e
    }

    /// A request body that did not arrive in time (HTTP 408).
    pub fn request_timeout(timeout: std::time::Duration) -> Self {
        let mut e = ApiError::new(
            Namespace::Service,
            "RequestTimeoutException",
            format!(
                "The request body did not arrive within {} s",
                timeout.as_secs_f64()
            ),
        );
        e.status = 408;
        e
    }

    /// `InternalServerError` (HTTP 500): the backend failed.
    pub fn internal(message: impl Into<String>) -> Self {
        let mut e = ApiError::new(
            Namespace::DynamoDb,
            "InternalServerError",
            format!("Internal server error: {}", message.into()),
        );
        e.status = 500;
        e
    }

    /// The HTTP status.
    pub fn status(&self) -> u16 {
        self.status
    }

    /// The exception's name, without its namespace (`ValidationException`).
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// The message.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The same exception with `message` instead.
    pub(crate) fn with_message(mut self, message: String) -> Self {
        self.message = message;
        self
    }

    /// The JSON body.
    pub fn body(&self) -> Vec<u8> {
        // Serializing maps of strings cannot fail.
        serde_json::to_vec(self).unwrap_or_default()
    }
}

impl Serialize for ApiError {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(None)?;
        m.serialize_entry(
            "__type",
            &format_args!("{}#{}", self.namespace.prefix(), self.name),
        )?;
        m.serialize_entry("message", &self.message)?;
        if let Some(item) = &self.item {
            m.serialize_entry("Item", &ItemJson(item))?;
        }
        if let Some(reasons) = &self.reasons {
            // The exception's own member is `Message`; SDKs read either.
            m.serialize_entry("Message", &self.message)?;
            m.serialize_entry("CancellationReasons", &Reasons(reasons))?;
        }
        m.end()
    }
}

struct Reasons<'a>(&'a [CancellationReason]);

impl Serialize for Reasons<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.iter().map(Reason))
    }
}

struct Reason<'a>(&'a CancellationReason);

impl Serialize for Reason<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let r = self.0;
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("Code", r.code.as_str())?;
        if let Some(message) = &r.message {
            m.serialize_entry("Message", message)?;
        }
        if let Some(item) = &r.item {
            m.serialize_entry("Item", &ItemJson(item))?;
        }
        m.end()
    }
}

fn service(name: &'static str, message: impl Into<String>) -> ApiError {
    ApiError::new(Namespace::DynamoDb, name, message)
}

fn conditional_check_failed() -> ApiError {
    service(
        "ConditionalCheckFailedException",
        "The conditional request failed",
    )
}

impl From<Error> for ApiError {
    /// Each kind of the library's errors as the exception DynamoDB sends for it.
    fn from(e: Error) -> Self {
        match e {
            Error::InvalidRequest { message } => ApiError::validation(message),
            Error::LimitExceeded { message } => {
                if message.contains("item collection") || message.contains("Item collection") {
                    service("ItemCollectionSizeLimitExceededException", message)
                } else if dynamodb_mapper::rules::is_limit_message(&message) {
                    // Item size, batch sizes, nesting: DynamoDB reports
                    // these as validation errors.
                    ApiError::validation(message)
                } else {
                    service("LimitExceededException", message)
                }
            }
            Error::Validation(v) => ApiError::validation(v.to_string()),
            Error::Mapping(m) => ApiError::validation(m.to_string()),
            Error::Conflict { stored, .. } => {
                let mut e = conditional_check_failed();
                e.item = stored.map(|b| *b);
                e
            }
            Error::AlreadyExists { .. } => conditional_check_failed(),
            Error::TransactionCanceled { reasons } => {
                let codes: Vec<&str> = reasons.iter().map(|r| r.code.as_str()).collect();
                let mut e = service(
                    "TransactionCanceledException",
                    format!(
                        "Transaction cancelled, please refer cancellation reasons for specific reasons [{}]",
                        codes.join(", ")
                    ),
                );
                e.reasons = Some(reasons);
                e
            }
            Error::TransactionConflict { message } => {
                service("TransactionConflictException", message)
            }
            Error::IdempotencyMismatch { message } => {
                service("IdempotentParameterMismatchException", message)
            }
            Error::Throttled { message } => {
                if message
                    .to_ascii_lowercase()
                    .contains("provisioned throughput")
                {
                    service("ProvisionedThroughputExceededException", message)
                } else {
                    service("ThrottlingException", message)
                }
            }
            Error::TableNotFound { table } => service(
                "ResourceNotFoundException",
                format!("Requested resource not found: Table: {table} not found"),
            ),
            // DynamoDB Local's message, which names neither.
            Error::IndexNotFound { .. } => {
                service("ResourceNotFoundException", "Requested resource not found")
            }
            Error::NotFound { table, key } => service(
                "ResourceNotFoundException",
                format!("Requested resource not found: no item with key {key} in table {table}"),
            ),
            Error::TableInUse { message, .. } => service("ResourceInUseException", message),
            Error::Unsupported { message } => ApiError::unknown_operation(message),
            other => ApiError::internal(other.to_string()),
        }
    }
}
