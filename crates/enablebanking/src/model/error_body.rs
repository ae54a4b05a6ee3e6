//! Enable Banking's error body (`ErrorResponse`).

use serde::Deserialize;

use super::lenient;
use source::open_enum;

/// `{"message", "code", "error", "detail"}`: `message` is the only field
/// always there (`{"code":403,"message":"Application is not active"}` has
/// no `error`), and `detail` may be text or an object.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct ErrorBody {
    /// The message.
    #[serde(default, deserialize_with = "lenient::opt_text")]
    pub message: Option<String>,
    /// The HTTP status, repeated.
    #[serde(default, deserialize_with = "lenient::opt_u64")]
    pub code: Option<u64>,
    /// The error code.
    #[serde(default, deserialize_with = "opt_code")]
    pub error: Option<ErrorCode>,
    /// More: text, or an object (`{"message": …, "date_from": …}`).
    #[serde(default)]
    pub detail: Option<serde_json::Value>,
}

impl ErrorBody {
    /// Reads an error body; `None` when it is not a JSON object.
    pub fn from_json(body: &str) -> Option<ErrorBody> {
        let value: serde_json::Value = serde_json::from_str(body).ok()?;
        if !value.is_object() {
            return None;
        }
        serde_json::from_value(value).ok()
    }
}

fn opt_code<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<ErrorCode>, D::Error> {
    Ok(lenient::opt_id(d)?.map(|s| ErrorCode::parse(&s)))
}

open_enum! {
    /// Enable Banking's error codes (`ErrorCode`), those of account
    /// information.
    pub enum ErrorCode {
        /// The application may not use this resource.
        AccessDenied = "ACCESS_DENIED",
        /// No account with this id.
        AccountDoesNotExist = "ACCOUNT_DOES_NOT_EXIST",
        /// The session is already authorised.
        AlreadyAuthorized = "ALREADY_AUTHORIZED",
        /// The user cannot reach this account.
        AspspAccountNotAccessible = "ASPSP_ACCOUNT_NOT_ACCESSIBLE",
        /// The bank failed.
        AspspError = "ASPSP_ERROR",
        /// The bank did not answer in time.
        AspspTimeout = "ASPSP_TIMEOUT",
        /// The bank's limit of requests (4 a day without the user at most
        /// banks).
        AspspRateLimitExceeded = "ASPSP_RATE_LIMIT_EXCEEDED",
        /// The bank needs the user to act.
        AspspPsuActionRequired = "ASPSP_PSU_ACTION_REQUIRED",
        /// No `Authorization` header.
        AuthorizationNotProvided = "AUTHORIZATION_NOT_PROVIDED",
        /// The session was closed.
        ClosedSession = "CLOSED_SESSION",
        /// `date_to` without `date_from`.
        DateToWithoutDateFrom = "DATE_TO_WITHOUT_DATE_FROM",
        /// `date_from` in the future.
        DateFromInFuture = "DATE_FROM_IN_FUTURE",
        /// The authorisation code is too old.
        ExpiredAuthorizationCode = "EXPIRED_AUTHORIZATION_CODE",
        /// The session has expired.
        ExpiredSession = "EXPIRED_SESSION",
        /// Neither an IBAN nor another identification.
        InvalidAccountId = "INVALID_ACCOUNT_ID",
        /// Invalid host.
        InvalidHost = "INVALID_HOST",
        /// The IP address may not reach the resource.
        UnauthorizedIp = "UNAUTHORIZED_IP",
        /// No accounts linked to the application.
        NoAccountsAdded = "NO_ACCOUNTS_ADDED",
        /// A PSU header the bank requires is missing.
        PsuHeaderNotProvided = "PSU_HEADER_NOT_PROVIDED",
        /// A PSU header is invalid.
        PsuHeaderInvalid = "PSU_HEADER_INVALID",
        /// The redirect URL is not registered with the application.
        RedirectUriNotAllowed = "REDIRECT_URI_NOT_ALLOWED",
        /// The session was revoked.
        RevokedSession = "REVOKED_SESSION",
        /// No session with this id.
        SessionDoesNotExist = "SESSION_DOES_NOT_EXIST",
        /// The JWT was refused.
        UnauthorizedAccess = "UNAUTHORIZED_ACCESS",
        /// No such bank.
        WrongAspspProvided = "WRONG_ASPSP_PROVIDED",
        /// An unknown authorisation code.
        WrongAuthorizationCode = "WRONG_AUTHORIZATION_CODE",
        /// `date_from` after `date_to`.
        WrongDateInterval = "WRONG_DATE_INTERVAL",
        /// Wrong credentials.
        WrongCredentialsProvided = "WRONG_CREDENTIALS_PROVIDED",
        /// Wrong request parameters.
        WrongRequestParameters = "WRONG_REQUEST_PARAMETERS",
        /// The session is not in a state for this request.
        WrongSessionStatus = "WRONG_SESSION_STATUS",
        /// The period is longer than the bank allows.
        WrongTransactionsPeriod = "WRONG_TRANSACTIONS_PERIOD",
        /// The continuation key is unknown or of another session.
        WrongContinuationKey = "WRONG_CONTINUATION_KEY",
        /// No such transaction.
        TransactionDoesNotExist = "TRANSACTION_DOES_NOT_EXIST",
    }
}
