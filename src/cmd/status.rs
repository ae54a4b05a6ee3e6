//! `status`: per configured account, what the store holds and what the
//! bank still allows today; when access ends; the token's state.

use chrono::{DateTime, Utc};
use gocardless::TokenState;
use gocardless::store::Scope;
use serde_json::json;

use crate::cli::StatusArgs;
use crate::context::Context;
use crate::exit::Outcome;
use crate::fetching::human_duration;
use crate::sources::enablebanking as eb;
use crate::table::{Cell, Table};
use crate::ui::{self, Style};

/// Prints the status.
pub fn run(ctx: &Context, args: &StatusArgs) -> anyhow::Result<Outcome> {
    let (located, config) = ctx.config()?;
    let now = ctx.clock.now();
    let others = other_sources(&located, &config, now)?;
    let ttl = crate::settings::app(&config)?
        .cache_ttl
        .and_then(|t| chrono::Duration::from_std(t).ok())
        .unwrap_or(gocardless::store::DEFAULT_CACHE_TTL);
    let eb_rows = enablebanking_rows(&located, &config)?;
    if !config
        .sources
        .iter()
        .any(|s| s.provider == gocardless::PROVIDER)
    {
        let path = crate::connect::store_path(&located, &config)?;
        if args.json {
            let out = json!({
                "store": path.display().to_string(),
                "now": now.to_rfc3339(),
                "cache_ttl_seconds": ttl.num_seconds(),
                "accounts": eb_rows.iter().map(|r| r.to_json(now, ttl)).collect::<Vec<_>>(),
                "sources": others.iter().map(OtherSource::to_json).collect::<Vec<_>>(),
            });
            crate::output::write(None, &format!("{}\n", serde_json::to_string_pretty(&out)?))?;
            return Ok(Outcome::Success);
        }
        let color = ui::color_stdout();
        let mut out = format!("store:  {}\n", path.display());
        for r in &eb_rows {
            out.push('\n');
            out.push_str(&r.render(now, ttl, color));
        }
        out.extend(others.iter().map(|o| o.render(now)));
        crate::output::write(None, &out)?;
        return Ok(Outcome::Success);
    }
    let store = crate::connect::open_store(ctx, &located, &config)?;

    // Access expiry needs GoCardless (no bank budget); without credentials
    // or network the rest is still shown.
    let access = match crate::connect::client(ctx, &located, &config, &store) {
        Ok(client) => match crate::access::by_account(&client) {
            Ok(a) => Some(a),
            Err(e) => {
                ui::warn(format!(
                    "access expiry unknown: {}",
                    crate::errors::describe(&e, None)
                ));
                None
            }
        },
        Err(e) => {
            ui::warn(format!("access expiry unknown: {e}"));
            None
        }
    };
    let settings = crate::settings::gocardless(&config)?;
    let token = match settings.secret_id.as_deref() {
        Some(id) if !id.trim().is_empty() => Some(store.token_state(id.trim())?),
        _ => None,
    };

    let mut rows = Vec::new();
    for a in config.accounts.iter().filter(|a| !eb::reads(&config, a)) {
        let status = store.status(&a.id)?;
        let acc = access.as_ref().and_then(|m| m.get(&a.id)).cloned();
        rows.push((a, status, acc));
    }

    if args.json {
        let mut accounts: Vec<_> = rows
            .iter()
            .map(|(a, st, acc)| {
                json!({
                    "id": a.id,
                    "name": a.name,
                    "account": a.account,
                    "institution_id": acc.as_ref().map(|x| x.institution_id.clone()),
                    "requisition_id": acc.as_ref().map(|x| x.requisition_id.clone()),
                    "access_until": acc.as_ref().and_then(|x| x.until).map(|u| u.to_rfc3339()),
                    "linked": access.as_ref().map(|m| m.contains_key(&a.id)),
                    "scopes": st.scopes.iter().map(|s| json!({
                        "scope": s.scope.as_str(),
                        "last_fetch": s.last_fetch.map(|t| t.to_rfc3339()),
                        "fresh": s.last_fetch.map(|t| now - t < ttl),
                        "stored_responses": s.stored,
                        "remaining_today": s.budget.and_then(|b| b.remaining),
                        "daily_limit": s.budget.and_then(|b| b.limit),
                        "resets_at": s.budget.and_then(|b| b.reset_at).map(|t| t.to_rfc3339()),
                        "blocked_until": s.budget.and_then(|b| b.blocked_until()).filter(|t| *t > now).map(|t| t.to_rfc3339()),
                    })).collect::<Vec<_>>(),
                })
            })
            .collect();
        accounts.extend(eb_rows.iter().map(|r| r.to_json(now, ttl)));
        let out = json!({
            "store": store.path().display().to_string(),
            "now": now.to_rfc3339(),
            "cache_ttl_seconds": ttl.num_seconds(),
            "token": token.map(token_json),
            "accounts": accounts,
            "sources": others.iter().map(OtherSource::to_json).collect::<Vec<_>>(),
        });
        crate::output::write(None, &format!("{}\n", serde_json::to_string_pretty(&out)?))?;
        return Ok(Outcome::Success);
    }

    let color = ui::color_stdout();
    let mut out = String::new();
    out.push_str(&format!("store:  {}\n", store.path().display()));
    out.push_str(&format!(
        "token:  {}\n",
        token.map_or("(no secret_id configured)".to_owned(), |t| token_text(
            t, now
        ))
    ));
    for (a, st, acc) in &rows {
        out.push('\n');
        out.push_str(&format!(
            "{} ({}, {})\n",
            ui::paint(a.label(), Style::Bold, color),
            a.account,
            a.id
        ));
        let access_line = match (&access, acc) {
            (None, _) => "unknown".to_owned(),
            (Some(_), None) => ui::paint(
                "not linked by any requisition: `gc-beancount accounts` lists what is",
                Style::Red,
                color,
            ),
            (Some(_), Some(x)) => match x.until {
                None => "unknown".to_owned(),
                Some(u) => {
                    let left = (u - now).num_days();
                    let renew = format!(
                        "renew with `gc-beancount link --bank {} --wait`",
                        x.institution_id
                    );
                    if u <= now {
                        ui::paint(
                            &format!("ended {} — {renew}", u.format("%Y-%m-%d")),
                            Style::Red,
                            color,
                        )
                    } else if left <= 14 {
                        ui::paint(
                            &format!(
                                "until {} ({left} days left) — {renew}",
                                u.format("%Y-%m-%d")
                            ),
                            Style::Yellow,
                            color,
                        )
                    } else {
                        format!("until {} ({left} days left)", u.format("%Y-%m-%d"))
                    }
                }
            },
        };
        out.push_str(&format!("  access: {access_line}\n"));
        let mut table = Table::new(&["SCOPE", "LAST FETCH", "STATE", "LEFT TODAY", "RESETS"]);
        for s in &st.scopes {
            if s.scope == Scope::Metadata {
                continue;
            }
            let (last, state) = match s.last_fetch {
                None => ("never".to_owned(), Cell::styled("-", Style::Dim)),
                Some(t) => (
                    format!(
                        "{} ({} ago)",
                        t.format("%Y-%m-%d %H:%M UTC"),
                        human_duration(now - t)
                    ),
                    if now - t < ttl {
                        Cell::styled("fresh", Style::Green)
                    } else {
                        Cell::styled("stale", Style::Yellow)
                    },
                ),
            };
            let left = match s.budget {
                Some(b) if b.is_spent_at(now) => Cell::styled(
                    format!("0 of {}", b.limit.map_or("?".into(), |l| l.to_string())),
                    Style::Red,
                ),
                Some(b) if b.reset_at.is_some_and(|r| r <= now) => "reset".into(),
                Some(b) => format!(
                    "{} of {}",
                    b.remaining.map_or("?".into(), |r| r.to_string()),
                    b.limit.map_or("?".into(), |l| l.to_string())
                )
                .into(),
                None => "unknown".into(),
            };
            let resets = s
                .budget
                .and_then(|b| b.blocked_until().or(b.reset_at))
                .filter(|t| *t > now)
                .map_or_else(String::new, |t| moment(t, now));
            table.row(vec![
                s.scope.as_str().into(),
                last.into(),
                state,
                left,
                resets.into(),
            ]);
        }
        out.push_str(&table.render(2, color));
    }
    for r in &eb_rows {
        out.push('\n');
        out.push_str(&r.render(now, ttl, color));
    }
    out.extend(others.iter().map(|o| o.render(now)));
    crate::output::write(None, &out)?;
    Ok(Outcome::Success)
}

/// What the store holds of a source that `status` has no table for
/// (Plaid, SimpleFIN, GoCardless Pro): no request is made.
struct OtherSource<'c> {
    source: &'c importer::SourceConfig,
    /// Configured accounts that read from it.
    accounts: usize,
    /// When its last answer was stored; `None`: nothing stored yet.
    last: Option<DateTime<Utc>>,
    /// The tightest of its request budgets still in force: the one that
    /// stops it.
    budget: Option<store::Budget>,
}

/// The sources `status` has no table for, in configuration order, read
/// from the store alone (never creating it).
fn other_sources<'c>(
    located: &crate::config_path::Located,
    config: &'c importer::Config,
    now: DateTime<Utc>,
) -> anyhow::Result<Vec<OtherSource<'c>>> {
    let others: Vec<_> = config
        .sources
        .iter()
        .filter(|s| s.provider != gocardless::PROVIDER && s.provider != enablebanking::PROVIDER)
        .collect();
    if others.is_empty() {
        return Ok(Vec::new());
    }
    let path = crate::connect::store_path(located, config)?;
    let file = if path.is_file() {
        Some(store::Store::open(&path)?)
    } else {
        None
    };
    let mut out = Vec::new();
    for s in others {
        let mut row = OtherSource {
            source: s,
            accounts: config
                .accounts
                .iter()
                .filter(|a| a.source == s.name)
                .count(),
            last: None,
            budget: None,
        };
        if let (Some(f), Ok(name)) = (&file, store::SourceName::new(s.name.clone())) {
            let part = f.source(&name);
            let mut budgets = Vec::new();
            for subject in part.subjects()? {
                for r in part.responses(&subject)? {
                    row.last = row.last.max(Some(r.fetched_at));
                }
                budgets.extend(part.budgets(&subject)?.into_iter().map(|(_, b)| b));
            }
            row.budget = budgets
                .into_iter()
                .filter(|b| b.remaining.is_some() && b.reset_at.is_none_or(|r| r > now))
                .min_by_key(|b| b.remaining);
        }
        out.push(row);
    }
    Ok(out)
}

impl OtherSource<'_> {
    fn render(&self, now: DateTime<Utc>) -> String {
        let s = self.source;
        let mut out = format!(
            "\nsource {} (provider {}): {} account{} configured\n",
            s.name,
            s.provider,
            self.accounts,
            if self.accounts == 1 { "" } else { "s" }
        );
        match self.last {
            Some(at) => out.push_str(&format!(
                "  last answer stored {} ago ({})\n",
                human_duration(now - at),
                at.format("%Y-%m-%d %H:%M UTC")
            )),
            None => out.push_str("  nothing stored yet\n"),
        }
        if let Some(b) = &self.budget {
            out.push_str(&format!(
                "  requests left: {}{}{}\n",
                b.remaining.unwrap_or_default(),
                b.limit.map_or(String::new(), |l| format!(" of {l}")),
                b.reset_at.map_or(String::new(), |r| format!(
                    ", until {}",
                    r.format("%Y-%m-%d %H:%M UTC")
                ))
            ));
        }
        out
    }

    fn to_json(&self) -> serde_json::Value {
        json!({
            "source": self.source.name,
            "provider": self.source.provider,
            "accounts": self.accounts,
            "last_answer": self.last.map(|t| t.to_rfc3339()),
            "remaining_today": self.budget.and_then(|b| b.remaining),
            "daily_limit": self.budget.and_then(|b| b.limit),
            "resets_at": self.budget.and_then(|b| b.reset_at).map(|t| t.to_rfc3339()),
        })
    }
}

/// A configured account of an Enable Banking source, as the store knows
/// it.
struct EbRow<'c> {
    account: &'c importer::AccountConfig,
    source: String,
    /// The session holding it, if any.
    session: Option<eb::Linked>,
    scopes: Vec<store::ScopeSummary>,
    budgets: Vec<(String, store::Budget)>,
}

/// Every configured account of an Enable Banking source, in
/// configuration order (the store alone: no request).
fn enablebanking_rows<'c>(
    located: &crate::config_path::Located,
    config: &'c importer::Config,
) -> anyhow::Result<Vec<EbRow<'c>>> {
    if eb::sources(config).is_empty() {
        return Ok(Vec::new());
    }
    let file = crate::connect::open_store_file(located, config)?;
    let mut rows = Vec::new();
    for a in config.accounts.iter().filter(|a| eb::reads(config, a)) {
        let part = eb::part(config, &file, &a.source)?;
        let hash = a.id.trim();
        let session = eb::linked_sessions(&part)?
            .into_iter()
            .find(|s| s.accounts.iter().any(|x| x.is(hash)));
        rows.push(EbRow {
            account: a,
            source: a.source.clone(),
            session,
            scopes: part.summary(hash)?,
            budgets: part.budgets(hash)?,
        });
    }
    Ok(rows)
}

impl EbRow<'_> {
    fn relink(&self) -> String {
        match &self.session {
            Some(s) => eb::relink_command(&self.source, &s.aspsp),
            None => format!(
                "gc-beancount link --source {} --country CC --bank NAME",
                self.source
            ),
        }
    }

    /// Per scope: the last fetch, and the budget when it still counts.
    fn scope_rows(
        &self,
    ) -> impl Iterator<
        Item = (
            &'static str,
            Option<&store::ScopeSummary>,
            Option<store::Budget>,
        ),
    > + '_ {
        [eb::TRANSACTIONS, eb::BALANCES].into_iter().map(|scope| {
            (
                scope,
                self.scopes.iter().find(|s| s.scope == scope),
                self.budgets
                    .iter()
                    .find(|(s, _)| s == scope)
                    .map(|(_, b)| *b),
            )
        })
    }

    /// Reads left today: the budget's until it resets, else all.
    fn left(budget: Option<store::Budget>, now: DateTime<Utc>) -> i64 {
        budget
            .filter(|b| b.reset_at.is_some_and(|r| r > now))
            .and_then(|b| b.remaining)
            .unwrap_or(eb::DAILY_READS)
    }

    fn render(&self, now: DateTime<Utc>, ttl: chrono::Duration, color: bool) -> String {
        let a = self.account;
        let mut out = format!(
            "{} ({}, {})\n",
            ui::paint(a.label(), Style::Bold, color),
            a.account,
            a.id
        );
        let relink = format!("re-link with `{}`", self.relink());
        let access = match &self.session {
            None => ui::paint(
                &format!(
                    "in no session linked through source {}: {relink}",
                    self.source
                ),
                Style::Red,
                color,
            ),
            Some(s) => {
                let bank = format!(
                    "at {} ({}), source {}",
                    source::terminal::line(&s.aspsp.name),
                    source::terminal::line(&s.aspsp.country),
                    self.source
                );
                match s.valid_until.map(|u| eb::access_text(u, now)) {
                    None => format!("unknown end {bank} — {relink}"),
                    Some((text, None)) => ui::paint(
                        &format!("ended {text} {bank} — {relink}"),
                        Style::Red,
                        color,
                    ),
                    Some((text, Some(true))) => ui::paint(
                        &format!("until {text} {bank} — {relink}"),
                        Style::Yellow,
                        color,
                    ),
                    Some((text, Some(false))) => format!("until {text} {bank} — {relink}"),
                }
            }
        };
        out.push_str(&format!("  access: {access}\n"));
        let mut table = Table::new(&["SCOPE", "LAST FETCH", "STATE", "LEFT TODAY", "RESETS"]);
        for (scope, summary, budget) in self.scope_rows() {
            let (last, state) = match summary {
                None => ("never".to_owned(), Cell::styled("-", Style::Dim)),
                Some(s) => (
                    format!(
                        "{} ({} ago)",
                        s.last_fetch.format("%Y-%m-%d %H:%M UTC"),
                        human_duration(now - s.last_fetch)
                    ),
                    if now - s.last_fetch < ttl {
                        Cell::styled("fresh", Style::Green)
                    } else {
                        Cell::styled("stale", Style::Yellow)
                    },
                ),
            };
            let left = EbRow::left(budget, now);
            let left_cell = if left <= 0 {
                Cell::styled(format!("0 of {}", eb::DAILY_READS), Style::Red)
            } else {
                format!("{left} of {}", eb::DAILY_READS).into()
            };
            let resets = budget
                .and_then(|b| b.reset_at)
                .filter(|t| *t > now)
                .map_or_else(String::new, |t| moment(t, now));
            table.row(vec![
                scope.into(),
                last.into(),
                state,
                left_cell,
                resets.into(),
            ]);
        }
        out.push_str(&table.render(2, color));
        out
    }

    fn to_json(&self, now: DateTime<Utc>, ttl: chrono::Duration) -> serde_json::Value {
        let a = self.account;
        json!({
            "id": a.id,
            "name": a.name,
            "account": a.account,
            "provider": enablebanking::PROVIDER,
            "source": self.source,
            "bank": self.session.as_ref().map(|s| s.aspsp.name.clone()),
            "country": self.session.as_ref().map(|s| s.aspsp.country.clone()),
            "access_until": self.session.as_ref().and_then(|s| s.valid_until).map(|u| u.to_rfc3339()),
            "linked": self.session.is_some(),
            "relink": self.relink(),
            "scopes": self.scope_rows().map(|(scope, s, b)| json!({
                "scope": scope,
                "last_fetch": s.map(|s| s.last_fetch.to_rfc3339()),
                "fresh": s.map(|s| now - s.last_fetch < ttl),
                "stored_responses": s.map_or(0, |s| s.stored),
                "remaining_today": EbRow::left(b, now),
                "daily_limit": eb::DAILY_READS,
                "resets_at": b.and_then(|b| b.reset_at).filter(|t| *t > now).map(|t| t.to_rfc3339()),
            })).collect::<Vec<_>>(),
        })
    }
}

fn token_text(t: TokenState, now: DateTime<Utc>) -> String {
    match t {
        TokenState::Missing => "none usable stored: the next run logs in (token/new)".to_owned(),
        TokenState::AccessValid {
            access_until,
            refresh_until,
        } => format!(
            "valid for {} (refreshable until {})",
            human_duration(access_until - now),
            refresh_until.format("%Y-%m-%d")
        ),
        TokenState::RefreshValid { refresh_until } => format!(
            "access token expired; the next run refreshes it (refresh token valid until {})",
            refresh_until.format("%Y-%m-%d")
        ),
    }
}

fn token_json(t: TokenState) -> serde_json::Value {
    match t {
        TokenState::Missing => json!({"state": "missing"}),
        TokenState::AccessValid {
            access_until,
            refresh_until,
        } => json!({
            "state": "valid", "access_expires": access_until.to_rfc3339(), "refresh_expires": refresh_until.to_rfc3339()
        }),
        TokenState::RefreshValid { refresh_until } => {
            json!({"state": "refreshable", "refresh_expires": refresh_until.to_rfc3339()})
        }
    }
}

/// `2026-11-21 00:00 UTC (in 3 h 12 min)`.
fn moment(t: DateTime<Utc>, now: DateTime<Utc>) -> String {
    format!(
        "{} (in {})",
        t.format("%Y-%m-%d %H:%M UTC"),
        human_duration(t - now)
    )
}
