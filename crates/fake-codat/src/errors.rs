//! Error bodies as Codat writes them (see the `error.*` fixtures).

use serde_json::{Value, json};

/// `{statusCode, service, error, correlationId, canBeRetried,
/// detailedErrorCode}`.
pub fn body(status: u16, service: &str, error: &str, correlation: &str) -> Value {
    json!({
        "statusCode": status,
        "service": service,
        "error": error,
        "correlationId": correlation,
        "canBeRetried": "Unknown",
        "detailedErrorCode": 0,
    })
}

/// A 400 with validation errors, one per `(itemId, message)`.
pub fn validation(error: &str, items: &[(String, String)], correlation: &str) -> Value {
    let mut b = body(400, "PublicApi", error, correlation);
    let errors: Vec<Value> = items
        .iter()
        .map(|(id, m)| json!({"itemId": id, "message": m, "validatorName": "PublicApi"}))
        .collect();
    b["validation"] = json!({"errors": errors, "warnings": []});
    b
}

/// What Codat says for `status` when nothing more specific applies.
pub fn for_status(status: u16, correlation: &str) -> Value {
    let error = match status {
        400 => "Error processing request - not valid.",
        401 => "Unauthorized",
        402 => {
            "You have exceeded the 50-company limit that applies to a Free plan. We recommend that you delete any companies you no longer need and retry the request."
        }
        403 => "You are using an outdated API key or a key not associated with that resource.",
        404 => "Not found",
        405 => "Method not allowed",
        408 => "The request timed out.",
        409 => "The data set has not been requested.",
        422 => "The request could not be processed.",
        429 => "You have made too many requests in a given amount of time; please retry later.",
        503 => "The Codat API is temporarily offline for maintenance. Please try again later.",
        s if s >= 500 => "There is a problem with our server. Please try again later.",
        _ => "The request failed.",
    };
    body(status, "PublicApi", error, correlation)
}
