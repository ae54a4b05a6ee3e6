//! Plaid's error answers, with the messages its documentation shows.

use serde_json::{Value, json};

/// An error to answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlaidErr {
    pub status: u16,
    pub error_type: String,
    pub error_code: String,
    pub message: String,
    pub display: Option<&'static str>,
    pub suggested_action: Option<&'static str>,
}

impl PlaidErr {
    pub fn new(status: u16, error_type: &str, error_code: &str, message: &str) -> PlaidErr {
        PlaidErr {
            status,
            error_type: error_type.to_owned(),
            error_code: error_code.to_owned(),
            message: message.to_owned(),
            display: None,
            suggested_action: None,
        }
    }

    /// The error object, as a body (`request_id`) or inside an Item
    /// (`status`, no request id).
    pub fn json(&self, request_id: Option<&str>) -> Value {
        let mut v = json!({
            "error_type": self.error_type,
            "error_code": self.error_code,
            "error_code_reason": null,
            "error_message": self.message,
            "display_message": self.display,
            "causes": [],
            "documentation_url": format!(
                "https://plaid.com/docs/errors/#{}",
                self.error_code.to_ascii_lowercase()
            ),
            "suggested_action": self.suggested_action,
        });
        match request_id {
            Some(id) => v["request_id"] = json!(id),
            None => v["status"] = json!(self.status),
        }
        v
    }
}

pub fn missing_fields(fields: &str) -> PlaidErr {
    PlaidErr::new(
        400,
        "INVALID_REQUEST",
        "MISSING_FIELDS",
        &format!("the following required fields are missing: {fields}"),
    )
}

pub fn invalid_field(message: &str) -> PlaidErr {
    PlaidErr::new(400, "INVALID_REQUEST", "INVALID_FIELD", message)
}

pub fn invalid_body() -> PlaidErr {
    PlaidErr::new(
        400,
        "INVALID_REQUEST",
        "INVALID_BODY",
        "body could not be parsed as JSON",
    )
}

pub fn not_found() -> PlaidErr {
    PlaidErr::new(404, "INVALID_REQUEST", "NOT_FOUND", "not found")
}

pub fn invalid_api_keys() -> PlaidErr {
    PlaidErr::new(
        400,
        "INVALID_INPUT",
        "INVALID_API_KEYS",
        "invalid client_id or secret provided",
    )
}

pub fn invalid_access_token() -> PlaidErr {
    PlaidErr::new(
        400,
        "INVALID_INPUT",
        "INVALID_ACCESS_TOKEN",
        "could not find matching access token",
    )
}

pub fn invalid_public_token(message: &str) -> PlaidErr {
    PlaidErr::new(400, "INVALID_INPUT", "INVALID_PUBLIC_TOKEN", message)
}

pub fn invalid_account_id() -> PlaidErr {
    PlaidErr::new(
        400,
        "INVALID_INPUT",
        "INVALID_ACCOUNT_ID",
        "one or more of the account IDs is invalid",
    )
}

pub fn invalid_institution() -> PlaidErr {
    PlaidErr::new(
        400,
        "INVALID_INPUT",
        "INVALID_INSTITUTION",
        "invalid institution_id provided",
    )
}

pub fn item_login_required() -> PlaidErr {
    PlaidErr {
        display: Some(
            "the login details of this item have changed (credentials, MFA, or required user \
             action) and a user login is required to update this information",
        ),
        ..PlaidErr::new(
            400,
            "ITEM_ERROR",
            "ITEM_LOGIN_REQUIRED",
            "the login details of this item have changed (credentials, MFA, or required user \
             action) and a user login is required to update this information. use Link's update \
             mode to restore the item to a good state",
        )
    }
}

pub fn mutation_during_pagination() -> PlaidErr {
    PlaidErr::new(
        400,
        "TRANSACTIONS_ERROR",
        "TRANSACTIONS_SYNC_MUTATION_DURING_PAGINATION",
        "Underlying transaction data changed since last page was fetched. Please restart \
         pagination from last update.",
    )
}

pub fn rate_limit(code: &str) -> PlaidErr {
    PlaidErr::new(
        429,
        "RATE_LIMIT_EXCEEDED",
        code,
        "rate limit exceeded for attempts to access this item. please try again later",
    )
}

/// The rate-limit code of an endpoint.
pub fn rate_limit_code(path: &str) -> &'static str {
    match path {
        "/transactions/sync" => "TRANSACTIONS_SYNC_LIMIT",
        "/accounts/balance/get" => "ACCOUNTS_BALANCE_GET_LIMIT",
        "/accounts/get" => "ACCOUNTS_LIMIT",
        "/item/get" => "ITEM_GET_LIMIT",
        "/link/token/create" => "LINK_TOKEN_CREATE_LIMIT",
        _ => "RATE_LIMIT",
    }
}

/// Plaid's body for an injected status.
pub fn for_status(status: u16, path: &str) -> PlaidErr {
    match status {
        429 => rate_limit(rate_limit_code(path)),
        503 => PlaidErr::new(
            503,
            "API_ERROR",
            "PLANNED_MAINTENANCE",
            "the Plaid API is temporarily unavailable due to planned maintenance. visit \
             https://status.plaid.com/ for more information",
        ),
        400 => PlaidErr::new(
            400,
            "INSTITUTION_ERROR",
            "INSTITUTION_DOWN",
            "this institution is not currently responding to this request. please try again soon",
        ),
        s if s >= 500 => PlaidErr::new(
            s,
            "API_ERROR",
            "INTERNAL_SERVER_ERROR",
            "an unexpected error occurred",
        ),
        s => PlaidErr::new(s, "INVALID_REQUEST", "UNKNOWN", "the request failed"),
    }
}
