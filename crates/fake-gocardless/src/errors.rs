//! Error bodies as the real API writes them (see `shared/fixtures/api/error_*.json`).

use serde_json::{Value, json};

/// `{summary, detail, status_code}`, the common shape.
pub fn summary_detail(status: u16, summary: &str, detail: &str) -> Value {
    json!({"summary": summary, "detail": detail, "status_code": status})
}

/// `{summary, detail, type, status_code}`, the shape of the account endpoints'
/// errors that come from the bank.
pub fn typed(status: u16, summary: &str, detail: &str, kind: &str) -> Value {
    json!({"summary": summary, "detail": detail, "type": kind, "status_code": status})
}

/// Field-keyed validation errors: `{field: {summary, detail}, …, status_code: 400}`.
pub fn fields(errors: &[(&str, Value)]) -> Value {
    let mut map = serde_json::Map::new();
    for (field, err) in errors {
        map.insert(field.to_string(), err.clone());
    }
    map.insert("status_code".into(), json!(400));
    Value::Object(map)
}

/// One field error `{summary, detail}`.
pub fn field(summary: &str, detail: &str) -> Value {
    json!({"summary": summary, "detail": detail})
}

/// A DRF-style list of messages for one field (`["This field is required."]`).
pub fn field_list(message: &str) -> Value {
    json!([message])
}

pub fn authentication_failed() -> Value {
    summary_detail(
        401,
        "Authentication failed",
        "No active account found with the given credentials",
    )
}

pub fn invalid_token() -> Value {
    summary_detail(401, "Invalid token", "Token is invalid or expired")
}

pub fn credentials_missing() -> Value {
    summary_detail(
        401,
        "Authentication credentials were not provided.",
        "Authentication credentials were not provided.",
    )
}

pub fn not_found() -> Value {
    json!({"detail": "Not found.", "summary": "Not found.", "status_code": 404})
}

pub fn account_not_found(id: &str) -> Value {
    summary_detail(
        404,
        &format!("Account ID {id} not found"),
        "Please check whether you specified a valid Account ID",
    )
}

/// 400 for a path id that is not a UUID, e.g. "Invalid Account ID".
pub fn invalid_uuid(what: &str, id: &str) -> Value {
    summary_detail(
        400,
        &format!("Invalid {what} ID"),
        &format!("{id} is not a valid {what} UUID. "),
    )
}

/// The body GoCardless sends when the end-user agreement behind an account expired.
pub fn eua_expired(status: u16, agreement: &str, days: u32, expired_on: &str) -> Value {
    summary_detail(
        status,
        &format!("End User Agreement (EUA) {agreement} has expired"),
        &format!(
            "EUA was valid for {days} days and it expired at {expired_on}. The end user must connect the account once more with new EUA and Requisition"
        ),
    )
}

/// The bank says access is gone (requisition deleted or access revoked).
pub fn access_expired(scope: &str) -> Value {
    typed(
        401,
        &format!("Couldn't update account {scope}"),
        "Access has expired or it has been revoked. To restore access reconnect the account.",
        "AccessExpiredError",
    )
}

/// The agreement does not cover this scope.
pub fn eua_scope(scope: &str) -> Value {
    summary_detail(
        403,
        "End User Agreement (EUA) access scope error",
        &format!(
            "EUA doesn't allow access to account {scope}. Check EUA access scope. Or create new EUA with correct access scope"
        ),
    )
}

/// The bank's daily limit (the 4 reads per day and scope).
pub fn bank_daily_limit(scope: &str) -> Value {
    typed(
        429,
        &format!("Couldn't update account {scope}"),
        "Daily request limit set by the Institution has been exceeded.",
        "RateLimitError",
    )
}

/// The API's own rate limit.
pub fn api_rate_limit(times: u32, period: &str, seconds: u64) -> Value {
    summary_detail(
        429,
        "Rate limit exceeded",
        &format!(
            "The rate limit for this resource is {times}/{period}. Please try again in {seconds} seconds"
        ),
    )
}

/// A realistic body for an injected status.
pub fn for_status(status: u16, scope: &str) -> Value {
    match status {
        400 => summary_detail(400, "Bad request", "The request could not be processed"),
        401 => invalid_token(),
        402 => summary_detail(402, "Payment Required", "Free usage limit exceeded"),
        403 => summary_detail(
            403,
            "IP address access denied",
            "Your IP 127.0.0.1 isn't whitelisted to perform this action",
        ),
        404 => not_found(),
        409 => summary_detail(
            409,
            "Account suspended",
            "This account or its requisition was suspended due to numerous errors that occurred while accessing it.",
        ),
        429 => api_rate_limit(100, "minute", 60),
        500 => typed(
            500,
            &format!("Couldn't update account {scope}"),
            "Request to Institution returned an error",
            "UnknownRequestError",
        ),
        503 => typed(
            503,
            &format!("Couldn't update account {scope}"),
            "Couldn't connect to Institution",
            "ConnectionError",
        ),
        s if s >= 500 => summary_detail(
            s,
            "Server Error",
            "A server error occurred. Please try again later.",
        ),
        s => summary_detail(s, "Error", "The request failed"),
    }
}
