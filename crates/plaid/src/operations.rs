//! The operations of Plaid's API that an importer needs, as methods of
//! [`Client`]. `/transactions/sync` paged to the end is in `sync.rs`.

use chrono::{DateTime, FixedOffset};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use crate::client::{Call, Safety};
use crate::error::Operation;
use crate::model::{
    AccountsResponse, ItemAccess, ItemResponse, LinkToken, LinkTokenRequest, SandboxItemRequest,
};
use crate::{Client, Error, Secret};

/// The most days of history `days_requested` may ask for.
const MAX_DAYS_REQUESTED: u32 = 730;

impl Client {
    /// `POST /link/token/create`: a Link token to link a new Item.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for a blank client name or user id, or no
    /// country or product; otherwise Plaid's refusal (bad keys, an
    /// unapproved country or product, …). Retried only when the request
    /// cannot have been processed.
    pub fn create_link_token(&self, request: &LinkTokenRequest) -> Result<LinkToken, Error> {
        let op = Operation::new("/link/token/create", None);
        if request.products.iter().all(|p| p.trim().is_empty()) {
            return Err(invalid(
                &op,
                "name at least one product, e.g. `transactions`",
            ));
        }
        let mut body = link_body(&op, request)?;
        body.insert("products".into(), json!(request.products));
        if let Some(days) = request.days_requested {
            check_days(&op, days)?;
            body.insert("transactions".into(), json!({ "days_requested": days }));
        }
        self.link_token(op, body, Vec::new())
    }

    /// `POST /link/token/create` in update mode: a Link token that lets the
    /// user log in again to an Item in `ITEM_LOGIN_REQUIRED` (or renew its
    /// consent). The Item keeps its access token and account ids; the
    /// public token Link gives afterwards need not be exchanged.
    /// `request.products` and `days_requested` are not sent (update mode
    /// takes none).
    ///
    /// # Errors
    /// As [`Client::create_link_token`]; [`Error::InvalidAccessToken`]
    /// when Plaid does not know the Item.
    pub fn create_update_link_token(
        &self,
        request: &LinkTokenRequest,
        item: &ItemAccess,
    ) -> Result<LinkToken, Error> {
        let op = Operation::new("/link/token/create", item.item_id.as_deref());
        let mut body = link_body(&op, request)?;
        body.insert(
            "access_token".into(),
            json!(token(&op, &item.access_token)?),
        );
        self.link_token(op, body, vec![&item.access_token])
    }

    fn link_token(
        &self,
        op: Operation,
        body: Map<String, Value>,
        secrets: Vec<&Secret>,
    ) -> Result<LinkToken, Error> {
        #[derive(Deserialize)]
        struct Answer {
            link_token: Secret,
            #[serde(default)]
            expiration: Option<String>,
        }
        let answer: Answer = self.fetch(&Call {
            op: op.clone(),
            path: "link/token/create",
            body: Value::Object(body),
            safety: Safety::Create,
            secret_answer: true,
            secrets,
        })?;
        if answer.link_token.expose().trim().is_empty() {
            return Err(malformed(&op, "the answer has an empty `link_token`"));
        }
        Ok(LinkToken {
            link_token: answer.link_token,
            expiration: answer
                .expiration
                .as_deref()
                .and_then(|t| DateTime::<FixedOffset>::parse_from_rfc3339(t.trim()).ok()),
        })
    }

    /// `POST /item/public_token/exchange`: the access token and id of the
    /// Item a public token (from Link, Hosted Link or the sandbox) stands
    /// for. A public token can be exchanged once, within 30 minutes.
    ///
    /// # Errors
    /// [`Error::Rejected`] (`INVALID_PUBLIC_TOKEN`) for a used, expired or
    /// unknown public token, and Plaid's other refusals. Retried only when
    /// the request cannot have been processed, since a second exchange of
    /// the same token would fail.
    pub fn exchange_public_token(&self, public_token: &Secret) -> Result<ItemAccess, Error> {
        let op = Operation::new("/item/public_token/exchange", None);
        #[derive(Deserialize)]
        struct Answer {
            access_token: Secret,
            #[serde(default)]
            item_id: String,
        }
        let answer: Answer = self.fetch(&Call {
            op: op.clone(),
            path: "item/public_token/exchange",
            body: json!({ "public_token": token(&op, public_token)? }),
            safety: Safety::Create,
            secret_answer: true,
            secrets: vec![public_token],
        })?;
        if answer.access_token.expose().trim().is_empty() || answer.item_id.trim().is_empty() {
            return Err(malformed(
                &op,
                "the answer lacks the `access_token` or the `item_id`",
            ));
        }
        Ok(ItemAccess::new(answer.access_token).with_item_id(&answer.item_id))
    }

    /// `POST /sandbox/public_token/create`: a public token for a new
    /// sandbox Item, made without Link (for tests and scripts; the sandbox
    /// only).
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for a blank institution or no product;
    /// Plaid's refusals otherwise.
    pub fn create_sandbox_public_token(
        &self,
        request: &SandboxItemRequest,
    ) -> Result<Secret, Error> {
        let op = Operation::new("/sandbox/public_token/create", None);
        let institution = request.institution_id.trim();
        if institution.is_empty() {
            return Err(invalid(&op, "the institution id is blank"));
        }
        if request.initial_products.iter().all(|p| p.trim().is_empty()) {
            return Err(invalid(
                &op,
                "name at least one product, e.g. `transactions`",
            ));
        }
        let mut options = Map::new();
        if let Some(days) = request.days_requested {
            check_days(&op, days)?;
            options.insert("transactions".into(), json!({ "days_requested": days }));
        }
        if let Some(user) = &request.override_username {
            options.insert("override_username".into(), json!(user));
        }
        if let Some(password) = &request.override_password {
            options.insert("override_password".into(), json!(password));
        }
        let mut body = Map::new();
        body.insert("institution_id".into(), json!(institution));
        body.insert("initial_products".into(), json!(request.initial_products));
        if !options.is_empty() {
            body.insert("options".into(), Value::Object(options));
        }
        #[derive(Deserialize)]
        struct Answer {
            public_token: Secret,
        }
        let answer: Answer = self.fetch(&Call {
            op: op.clone(),
            path: "sandbox/public_token/create",
            body: Value::Object(body),
            safety: Safety::Create,
            secret_answer: true,
            secrets: Vec::new(),
        })?;
        if answer.public_token.expose().trim().is_empty() {
            return Err(malformed(&op, "the answer has an empty `public_token`"));
        }
        Ok(answer.public_token)
    }

    /// `POST /item/get`: the Item, with its error (`ITEM_LOGIN_REQUIRED`
    /// shows here rather than failing) and the time of its last pull.
    ///
    /// # Errors
    /// [`Error::InvalidAccessToken`] for an unknown Item, and the transient
    /// failures after their retries.
    pub fn item(&self, item: &ItemAccess) -> Result<ItemResponse, Error> {
        let op = Operation::new("/item/get", item.item_id.as_deref());
        self.read(op, "item/get", item, None)
    }

    /// `POST /accounts/get`: the Item's accounts with the balances Plaid
    /// has cached (as fresh as its last pull; free and less limited than
    /// [`Client::balances`]).
    ///
    /// # Errors
    /// [`Error::ItemLoginRequired`], [`Error::InvalidAccessToken`], and the
    /// transient failures after their retries.
    pub fn accounts(&self, item: &ItemAccess) -> Result<AccountsResponse, Error> {
        let op = Operation::new("/accounts/get", item.item_id.as_deref());
        self.read(op, "accounts/get", item, None)
    }

    /// `POST /accounts/balance/get`: balances asked from the institution
    /// now, for every account or only `account_ids`. Plaid allows 5 calls a
    /// minute per Item; past that [`Error::RateLimited`]
    /// (`ACCOUNTS_BALANCE_GET_LIMIT`) comes after the retries allowed, and
    /// [`Client::accounts`] still has the cached balances.
    ///
    /// # Errors
    /// As [`Client::accounts`], and [`Error::RateLimited`].
    pub fn balances(
        &self,
        item: &ItemAccess,
        account_ids: &[&str],
    ) -> Result<AccountsResponse, Error> {
        let op = Operation::new("/accounts/balance/get", item.item_id.as_deref());
        let options = (!account_ids.is_empty()).then(|| {
            let ids: Vec<&str> = account_ids.iter().map(|s| s.trim()).collect();
            json!({ "account_ids": ids })
        });
        self.read(op, "accounts/balance/get", item, options)
    }

    /// A read about one Item: its access token and `options` in the body.
    fn read<T: serde::de::DeserializeOwned>(
        &self,
        op: Operation,
        path: &'static str,
        item: &ItemAccess,
        options: Option<Value>,
    ) -> Result<T, Error> {
        let mut body = Map::new();
        body.insert(
            "access_token".into(),
            json!(token(&op, &item.access_token)?),
        );
        if let Some(options) = options {
            body.insert("options".into(), options);
        }
        self.fetch(&Call {
            op,
            path,
            body: Value::Object(body),
            safety: Safety::Read,
            secret_answer: false,
            secrets: vec![&item.access_token],
        })
    }
}

/// The body every Link token request shares.
fn link_body(op: &Operation, request: &LinkTokenRequest) -> Result<Map<String, Value>, Error> {
    let name = request.client_name.trim();
    let user = request.client_user_id.trim();
    if name.is_empty() {
        return Err(invalid(op, "the client name (shown in Link) is blank"));
    }
    if user.is_empty() {
        return Err(invalid(op, "the client user id is blank"));
    }
    let countries: Vec<String> = request
        .country_codes
        .iter()
        .map(|c| c.trim().to_ascii_uppercase())
        .filter(|c| !c.is_empty())
        .collect();
    if countries.is_empty() {
        return Err(invalid(op, "name at least one country code, e.g. `US`"));
    }
    let mut body = Map::new();
    body.insert("client_name".into(), json!(name));
    body.insert("language".into(), json!(request.language.trim()));
    body.insert("country_codes".into(), json!(countries));
    body.insert("user".into(), json!({ "client_user_id": user }));
    if let Some(uri) = &request.redirect_uri {
        body.insert("redirect_uri".into(), json!(uri.trim()));
    }
    Ok(body)
}

pub(crate) fn check_days(op: &Operation, days: u32) -> Result<(), Error> {
    if (1..=MAX_DAYS_REQUESTED).contains(&days) {
        Ok(())
    } else {
        Err(invalid(
            op,
            &format!("days_requested must be 1 to {MAX_DAYS_REQUESTED}, not {days}"),
        ))
    }
}

/// A token's text (as given: the redaction of answers looks for exactly
/// it), or an error naming the operation when it is blank.
fn token<'a>(op: &Operation, token: &'a Secret) -> Result<&'a str, Error> {
    if token.expose().trim().is_empty() {
        return Err(invalid(op, "the token is empty"));
    }
    Ok(token.expose())
}

fn invalid(op: &Operation, message: &str) -> Error {
    Error::InvalidArgument {
        op: op.clone(),
        message: message.to_owned(),
    }
}

fn malformed(op: &Operation, reason: &str) -> Error {
    Error::Malformed {
        op: op.clone(),
        status: 200,
        reason: reason.to_owned(),
        body_start: String::new(),
    }
}
