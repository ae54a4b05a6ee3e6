//! Linking: Link tokens, what Plaid Link does with them in a browser
//! (played by [`State::complete_link`]), the sandbox's public tokens, and
//! their exchange for an access token.

use chrono::{DateTime, Duration, Utc};
use serde_json::{Value, json};

use super::items::DEFAULT_INSTITUTION;
use super::{Request, State, ts};
use crate::errors::{self, PlaidErr};
use crate::generate;

/// How long a public token can be exchanged.
const PUBLIC_TOKEN_TTL_MINUTES: i64 = 30;

/// A Link token and what it opens Link for.
pub struct LinkToken {
    expires: DateTime<Utc>,
    /// Update mode: the Item to repair. Otherwise a new Item.
    update: Option<usize>,
    days_requested: Option<u32>,
}

/// A public token: the Item it stands for, until exchanged or expired.
pub struct PublicToken {
    item: usize,
    expires: DateTime<Utc>,
    used: bool,
}

impl State {
    pub(super) fn link_token_create(&mut self, r: &Request) -> Result<Value, PlaidErr> {
        let mut missing = Vec::new();
        if r.str("client_name").is_none_or(|s| s.trim().is_empty()) {
            missing.push("client_name");
        }
        if r.str("language").is_none_or(|s| s.trim().is_empty()) {
            missing.push("language");
        }
        if r.body
            .get("country_codes")
            .and_then(Value::as_array)
            .is_none_or(Vec::is_empty)
        {
            missing.push("country_codes");
        }
        let user = r
            .body
            .get("user")
            .and_then(|u| u.get("client_user_id"))
            .and_then(Value::as_str);
        if user.is_none_or(|u| u.trim().is_empty()) {
            missing.push("user.client_user_id");
        }
        if !missing.is_empty() {
            return Err(errors::missing_fields(&missing.join(", ")));
        }
        let update = match r.str("access_token") {
            Some(_) => Some(self.item_of(r)?),
            None => None,
        };
        let products = r.body.get("products").and_then(Value::as_array);
        if update.is_none() && products.is_none_or(Vec::is_empty) {
            return Err(errors::invalid_field(
                "products must be a non-empty list unless an access_token is given (update mode)",
            ));
        }
        let days_requested = r
            .body
            .get("transactions")
            .and_then(|t| t.get("days_requested"))
            .and_then(Value::as_u64)
            .and_then(|d| u32::try_from(d).ok());
        let ttl = if update.is_some() {
            Duration::minutes(30)
        } else {
            Duration::hours(4)
        };
        let token = format!("link-sandbox-{}", generate::uuid(&mut self.rng));
        let expires = self.now + ttl;
        self.link_tokens.insert(
            token.clone(),
            LinkToken {
                expires,
                update,
                days_requested,
            },
        );
        Ok(json!({"link_token": token, "expiration": ts(expires)}))
    }

    /// What the user finishing Plaid Link does: a new Item (or, in update
    /// mode, the Item logged in again) and its public token. `None` for an
    /// unknown or expired Link token.
    pub fn complete_link(&mut self, link_token: &str) -> Option<String> {
        let t = self.link_tokens.get(link_token)?;
        if t.expires <= self.now {
            return None;
        }
        let item = match t.update {
            Some(i) => {
                self.items[i].login_required = false;
                i
            }
            None => {
                let days = t.days_requested.unwrap_or(self.opts.history_days);
                self.create_item(DEFAULT_INSTITUTION, days)
            }
        };
        Some(self.public_token_for(item))
    }

    /// A public token for Item number `item`.
    pub fn public_token_for(&mut self, item: usize) -> String {
        let token = format!("public-sandbox-{}", generate::uuid(&mut self.rng));
        self.public_tokens.insert(
            token.clone(),
            PublicToken {
                item,
                expires: self.now + Duration::minutes(PUBLIC_TOKEN_TTL_MINUTES),
                used: false,
            },
        );
        token
    }

    pub(super) fn sandbox_public_token_create(&mut self, r: &Request) -> Result<Value, PlaidErr> {
        let Some(institution) = r.str("institution_id") else {
            return Err(errors::missing_fields("institution_id"));
        };
        if !institution.starts_with("ins_") {
            return Err(errors::invalid_institution());
        }
        if r.body
            .get("initial_products")
            .and_then(Value::as_array)
            .is_none_or(Vec::is_empty)
        {
            return Err(errors::missing_fields("initial_products"));
        }
        let days = r
            .option("transactions")
            .and_then(|t| t.get("days_requested"))
            .and_then(Value::as_u64)
            .and_then(|d| u32::try_from(d).ok())
            .unwrap_or(self.opts.history_days);
        let institution = institution.to_owned();
        let item = self.create_item(&institution, days);
        Ok(json!({"public_token": self.public_token_for(item)}))
    }

    pub(super) fn public_token_exchange(&mut self, r: &Request) -> Result<Value, PlaidErr> {
        let Some(token) = r.str("public_token") else {
            return Err(errors::missing_fields("public_token"));
        };
        let now = self.now;
        let Some(t) = self.public_tokens.get_mut(token) else {
            return Err(errors::invalid_public_token(
                "provided public token is in an invalid format. expected format: \
                 public-<environment>-<identifier>",
            ));
        };
        if t.expires <= now {
            return Err(errors::invalid_public_token(
                "provided public token is expired. Public tokens expire 30 minutes after \
                 creation at which point they can no longer be exchanged",
            ));
        }
        if t.used {
            return Err(errors::invalid_public_token(
                "provided public token has already been exchanged",
            ));
        }
        t.used = true;
        let item = &self.items[t.item];
        Ok(json!({"access_token": item.access_token, "item_id": item.id}))
    }
}
