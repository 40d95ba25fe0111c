//! SigV4 `Authorization` headers: the access key and the region of a
//! request, and the optional access-key check.
//!
//! SDKs sign every request (`AWS4-HMAC-SHA256 Credential=AKID/20240101/
//! us-east-1/dynamodb/aws4_request, SignedHeaders=..., Signature=...`). By
//! default any request is accepted, signed or not. When the server is given
//! access keys, a request must be signed with one of them: unsigned requests
//! get DynamoDB's `MissingAuthenticationTokenException`, others its
//! `UnrecognizedClientException`. Signatures are not verified (the server
//! knows no secret keys): the check keeps clients configured for another
//! account or environment from writing here by mistake, it is not security.

use crate::error::ApiError;

/// What the `Authorization` header says.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Credential<'a> {
    /// The access key id.
    pub(crate) access_key: &'a str,
    /// The region of the credential scope.
    pub(crate) region: &'a str,
}

/// Reads the credential of a SigV4 `Authorization` header.
pub(crate) fn credential(header: &str) -> Option<Credential<'_>> {
    let rest = header.trim().strip_prefix("AWS4-HMAC-SHA256")?;
    let scope = rest
        .split(',')
        .map(str::trim)
        .find_map(|part| part.strip_prefix("Credential="))?;
    let mut parts = scope.split('/');
    let access_key = parts.next().filter(|k| !k.is_empty())?;
    let _date = parts.next()?;
    let region = parts.next().filter(|r| !r.is_empty())?;
    Some(Credential { access_key, region })
}

/// Checks a request's `Authorization` header against the configured keys.
pub(crate) fn check<'h>(
    header: Option<&'h str>,
    keys: Option<&[String]>,
) -> Result<Option<Credential<'h>>, ApiError> {
    let credential = header.and_then(credential);
    let Some(keys) = keys else {
        return Ok(credential);
    };
    match &credential {
        None if header.is_none() => Err(ApiError::missing_authentication()),
        None => Err(ApiError::unrecognized_client()),
        Some(c) if keys.iter().any(|k| k == c.access_key) => Ok(credential),
        Some(_) => Err(ApiError::unrecognized_client()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-west-2/dynamodb/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7";

    #[test]
    fn reads_the_credential_scope() {
        assert_eq!(
            credential(HEADER),
            Some(Credential {
                access_key: "AKIDEXAMPLE",
                region: "us-west-2"
            })
        );
        assert_eq!(credential("Basic abc"), None);
        assert_eq!(credential("AWS4-HMAC-SHA256 Signature=x"), None);
    }

    #[test]
    fn keys_are_checked_only_when_configured() {
        assert!(check(None, None).is_ok());
        let keys = vec!["AKIDEXAMPLE".to_owned()];
        assert!(check(Some(HEADER), Some(&keys)).is_ok());
        let e = check(None, Some(&keys)).unwrap_err();
        assert_eq!(e.name(), "MissingAuthenticationTokenException");
        let other = vec!["OTHER".to_owned()];
        let e = check(Some(HEADER), Some(&other)).unwrap_err();
        assert_eq!(e.name(), "UnrecognizedClientException");
        let e = check(Some("garbage"), Some(&keys)).unwrap_err();
        assert_eq!(e.name(), "UnrecognizedClientException");
    }
}
