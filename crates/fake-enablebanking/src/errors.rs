//! Error bodies as Enable Banking writes them: `{"code", "message",
//! "error", "detail"}`, `error` and `detail` left out where the real API
//! leaves them out.

use serde_json::{Value, json};

/// `{code, message, error}` with an optional `detail`.
pub fn body(status: u16, error: &str, message: &str, detail: Option<Value>) -> Value {
    let mut b = json!({"code": status, "message": message, "error": error});
    if let Some(d) = detail {
        b["detail"] = d;
    }
    b
}

/// The inactive application's 403, without an `error` (as captured).
pub fn application_inactive() -> Value {
    json!({"code": 403, "message": "Application is not active"})
}

pub fn unauthorized(reason: &str) -> Value {
    body(
        401,
        "UNAUTHORIZED_ACCESS",
        "Unauthorized access",
        Some(json!(reason)),
    )
}

pub fn no_authorization() -> Value {
    body(
        401,
        "AUTHORIZATION_NOT_PROVIDED",
        "Authorization header is not provided",
        None,
    )
}

pub fn wrong_parameters(detail: &str) -> Value {
    body(
        422,
        "WRONG_REQUEST_PARAMETERS",
        "Wrong request parameters provided",
        Some(json!(detail)),
    )
}

/// The bank's daily limit, as Svea words it through Enable Banking.
pub fn bank_daily_limit(account: &str) -> Value {
    body(
        429,
        "ASPSP_RATE_LIMIT_EXCEEDED",
        &format!("limit for {account}"),
        None,
    )
}

/// `date_from` older than the bank's window; `earliest` is the first day
/// it allows.
pub fn wrong_period(days: u32, earliest: &str) -> Value {
    body(
        422,
        "WRONG_TRANSACTIONS_PERIOD",
        "Wrong transactions period requested",
        Some(json!({
            "message": format!("You can not request transactions more than {days} days in the past"),
            "date_from": earliest,
        })),
    )
}

pub fn session_ended(error: &str) -> Value {
    let message = match error {
        "EXPIRED_SESSION" => "Session expired",
        "REVOKED_SESSION" => "Session is revoked",
        "CLOSED_SESSION" => "Session is closed",
        _ => "Session is not authorized",
    };
    body(401, error, message, None)
}

pub fn not_found(error: &str, message: &str) -> Value {
    body(404, error, message, None)
}

/// A realistic body for an injected status.
pub fn for_status(status: u16) -> Value {
    match status {
        400 => wrong_parameters("Bad request"),
        401 => unauthorized("JWT is not valid"),
        403 => body(
            403,
            "ACCESS_DENIED",
            "Access to this resource is denied",
            None,
        ),
        404 => json!({"code": 404, "message": "Not Found"}),
        408 => body(408, "ASPSP_TIMEOUT", "Timeout interacting with ASPSP", None),
        422 => wrong_parameters("Unprocessable request"),
        429 => json!({"code": 429, "message": "Too many requests"}),
        500 => body(
            500,
            "ASPSP_ERROR",
            "Error interacting with ASPSP",
            Some(json!("The bank answered 500")),
        ),
        s => json!({"code": s, "message": "Internal Server Error"}),
    }
}
