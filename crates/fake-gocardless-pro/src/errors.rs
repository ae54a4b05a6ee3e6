//! Error bodies as GoCardless writes them (see the official clients'
//! fixtures in `shared/providers/gocardless-pro/fixtures/error.*.json`):
//! `{"error": {type, code, message, documentation_url, request_id, errors}}`.
//! The 404, 405, 410 and header errors follow the same shape; their exact
//! wording is not published and is this fake's.

use serde_json::{Value, json};

const DOCS: &str = "https://developer.gocardless.com/api-reference#";

/// The common shape.
pub fn body(
    status: u16,
    kind: &str,
    message: &str,
    anchor: &str,
    errors: Value,
    request_id: &str,
) -> Value {
    json!({"error": {
        "message": message,
        "documentation_url": format!("{DOCS}{anchor}"),
        "type": kind,
        "request_id": request_id,
        "code": status,
        "errors": errors,
    }})
}

/// One reason-coded error: `{reason, message}`.
pub fn reasoned(status: u16, kind: &str, reason: &str, message: &str, request_id: &str) -> Value {
    body(
        status,
        kind,
        message,
        reason,
        json!([{"reason": reason, "message": message}]),
        request_id,
    )
}

/// A `validation_failed` about one query parameter.
pub fn validation(field: &str, message: &str, request_id: &str) -> Value {
    body(
        422,
        "validation_failed",
        "Validation failed",
        "validation_failed",
        json!([{"field": field, "message": message, "request_pointer": format!("/{field}")}]),
        request_id,
    )
}

pub fn unauthorized(request_id: &str) -> Value {
    reasoned(
        401,
        "invalid_api_usage",
        "unauthorized",
        "Unauthorized",
        request_id,
    )
}

pub fn not_found(request_id: &str) -> Value {
    reasoned(
        404,
        "invalid_api_usage",
        "resource_not_found",
        "Resource not found",
        request_id,
    )
}

pub fn gone(request_id: &str) -> Value {
    reasoned(
        410,
        "invalid_api_usage",
        "gone",
        "Payout items are only available for payouts created in the last 6 months",
        request_id,
    )
}

/// The body of a 429 (without a request id, as in the official fixture).
pub fn rate_limited() -> Value {
    json!({"error": {
        "documentation_url": format!("{DOCS}rate_limit_exceeded"),
        "message": "Rate limit exceeded",
        "type": "invalid_api_usage",
        "code": 429,
        "errors": [{"reason": "rate_limit_exceeded", "message": "Rate limit exceeded"}],
    }})
}

/// The body the fake gives an injected status.
pub fn for_status(status: u16, request_id: &str) -> Value {
    match status {
        400 => reasoned(
            400,
            "invalid_api_usage",
            "invalid_document_structure",
            "Invalid document structure",
            request_id,
        ),
        401 => unauthorized(request_id),
        403 => reasoned(
            403,
            "invalid_api_usage",
            "insufficient_permissions",
            "Insufficient permissions",
            request_id,
        ),
        404 => not_found(request_id),
        405 => reasoned(
            405,
            "invalid_api_usage",
            "method_not_allowed",
            "Method not allowed",
            request_id,
        ),
        409 => reasoned(
            409,
            "invalid_state",
            "conflict",
            "The resource is being changed by another request",
            request_id,
        ),
        410 => gone(request_id),
        422 => validation("limit", "must be a number", request_id),
        429 => rate_limited(),
        s if s >= 500 => body(
            s,
            "gocardless",
            "Uh-oh!",
            "internal_error",
            json!([]),
            request_id,
        ),
        s => reasoned(
            s,
            "invalid_api_usage",
            "unexpected",
            "Unexpected error",
            request_id,
        ),
    }
}
