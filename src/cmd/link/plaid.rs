//! `link --source NAME` for Plaid: a Link token, a one-page site on
//! 127.0.0.1 that opens Plaid Link and posts the public token back, its
//! exchange for the Item's access token (kept in the store only), and the
//! `accounts:` block to paste.
//!
//! `--public-token TOKEN` exchanges a public token obtained elsewhere
//! (Hosted Link, the sandbox's `/sandbox/public_token/create`) with no
//! browser. `--item ITEM_ID` repairs an Item that needs its user again
//! (`ITEM_LOGIN_REQUIRED`) in Link's update mode: the Item keeps its
//! access token and its accounts their ids.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::mpsc;
use std::time::Duration;

use anyhow::Context as _;
use importer::{Config, SourceConfig};
use plaid::{Account, AccountType, Client, ItemAccess, LinkTokenRequest, Secret, Settings};
use source::terminal::line;
use source::yaml;
use store::SourceStore;

use crate::cli::LinkArgs;
use crate::config_path::Located;
use crate::context::Context;
use crate::exit::{Outcome, usage};
use crate::sources::plaid::{credential_key, item_ids, save_accounts};
use crate::ui;

/// Links a new Item (or repairs one with `--item`) and prints what to
/// paste into the configuration.
pub fn run(
    ctx: &Context,
    located: &Located,
    config: &Config,
    source: &SourceConfig,
    args: &LinkArgs,
) -> anyhow::Result<Outcome> {
    if args.bank.is_some() {
        return Err(usage(format!(
            "link: --bank is for GoCardless; Plaid Link lets you choose the bank (source {})",
            source.name
        )));
    }
    let settings = Settings::from_source(source)
        .map_err(|e| usage(format!("{}: {e}", located.path.display())))?;
    let client = settings
        .client()
        .build()
        .map_err(|e| usage(e.to_string()))?;
    let name = store::SourceName::new(source.name.as_str())
        .map_err(|e| usage(format!("source {}: {e}", source.name)))?;
    let file = crate::connect::open_store_file(located, config)?;
    let store = file.source(&name);
    let timeout = Duration::from_secs(args.timeout);

    if let Some(item) = args.item.as_deref() {
        return repair(
            ctx,
            &client,
            &store,
            &source.name,
            item.trim(),
            args,
            timeout,
        );
    }
    let public_token = match args.public_token.as_deref() {
        Some(t) => Secret::new(t.trim()),
        None => {
            let mut request = LinkTokenRequest::new("gc-beancount", &user_id(&source.name));
            request.country_codes = vec!["US".to_owned(), "CA".to_owned()];
            request.days_requested = args.history_days;
            let token = client
                .create_link_token(&request)
                .map_err(anyhow::Error::from)?;
            browser_link(&token.link_token, timeout, "choose your bank and log in")?
        }
    };
    let access = client.exchange_public_token(&public_token)?;
    let item_id = access
        .item_id
        .clone()
        .context("Plaid's exchange gave no item id")?;
    store.set_credential(&credential_key(&item_id), &access.access_token)?;
    let accounts = client.accounts(&access)?.accounts;
    save_accounts(&store, &item_id, &accounts, ctx.clock.now())?;
    let institution = client
        .item(&access)
        .ok()
        .and_then(|r| r.item.institution_name.or(r.item.institution_id));
    ui::info(format!(
        "linked item {} ({}) with {} account{}; its access token is in the store. Paste this \
         into {}:",
        line(&item_id),
        line(institution.as_deref().unwrap_or("institution unknown")),
        accounts.len(),
        if accounts.len() == 1 { "" } else { "s" },
        located.path.display()
    ));
    let block = accounts_block(&source.name, institution.as_deref(), &accounts);
    crate::output::write(None, &block)?;
    Ok(Outcome::Success)
}

/// Update mode: the user logs in again through Link (unless
/// `--public-token` says it was done elsewhere), then the Item is checked.
fn repair(
    ctx: &Context,
    client: &Client,
    store: &SourceStore,
    source_name: &str,
    item_id: &str,
    args: &LinkArgs,
    timeout: Duration,
) -> anyhow::Result<Outcome> {
    let Some(token) = store.credential(&credential_key(item_id))? else {
        let linked = item_ids(store)?;
        return Err(usage(format!(
            "--item {item_id}: no such Item is linked to source {source_name} (linked: {})",
            if linked.is_empty() {
                "none".to_owned()
            } else {
                linked.join(", ")
            }
        )));
    };
    let access = ItemAccess::new(token).with_item_id(item_id);
    if args.public_token.is_none() {
        let request = LinkTokenRequest::new("gc-beancount", &user_id(source_name));
        let link = client.create_update_link_token(&request, &access)?;
        // Update mode's public token need not be exchanged: the Item keeps
        // its access token.
        browser_link(&link.link_token, timeout, "log in to your bank again")?;
    }
    let item = client.item(&access)?.item;
    if item.login_required() {
        anyhow::bail!(
            "item {item_id} still needs its user to log in again; run `gc-beancount link \
             --source {source_name} --item {item_id}` and finish Plaid Link"
        );
    }
    let accounts = client.accounts(&access)?.accounts;
    save_accounts(store, item_id, &accounts, ctx.clock.now())?;
    ui::note(format!(
        "item {} is repaired; its {} account{} keep their ids, so the configuration stays as it is",
        line(item_id),
        accounts.len(),
        if accounts.len() == 1 { "" } else { "s" }
    ));
    Ok(Outcome::Success)
}

/// A stable id of this user for Plaid (not personal data).
fn user_id(source_name: &str) -> String {
    format!("gc-beancount-{source_name}")
}

/// The ready-to-paste `accounts:` block: ids, names, currencies, credit
/// and loan accounts under `Liabilities:`. Server text reaches the YAML
/// only through `source::yaml`.
fn accounts_block(source_name: &str, institution: Option<&str>, accounts: &[Account]) -> String {
    let bank = institution.unwrap_or("Bank");
    let mut names: Vec<(String, Option<String>)> = accounts
        .iter()
        .map(|a| {
            let name = crate::suggest::account_name(bank, a.balances.currency(), None);
            let name = match (a.kind.is_liability(), name.strip_prefix("Assets")) {
                (true, Some(rest)) => format!("Liabilities{rest}"),
                _ => name,
            };
            // The user's (or the bank's short) name tells the accounts
            // apart; the official one is a product's long name.
            let hint = (!a.name.trim().is_empty())
                .then(|| a.name.clone())
                .or_else(|| a.official_name.clone());
            (name, hint)
        })
        .collect();
    crate::suggest::disambiguate(&mut names);
    let mut out = String::from("accounts:\n");
    for (a, (account, _)) in accounts.iter().zip(names) {
        out.push_str(&format!("  - id: {}\n", yaml::scalar(&a.account_id)));
        out.push_str(&format!("    name: {}\n", crate::suggest::handle(&account)));
        out.push_str(&format!("    source: {}\n", yaml::scalar(source_name)));
        out.push_str(&format!("    account: {account}\n"));
        if let Some(c) = a.balances.currency() {
            out.push_str(&format!("    currency: {}\n", yaml::scalar(c)));
        }
        let kind = match (&a.kind, a.subtype.as_deref()) {
            (AccountType::Other(k), _) if k.is_empty() => None,
            (k, Some(sub)) => Some(format!("{}/{sub}", k.as_str())),
            (k, None) => Some(k.as_str().to_owned()),
        };
        let mask = a.mask.as_deref().map(|m| format!("••{m}"));
        let about: Vec<&str> = [Some(a.name.as_str()), mask.as_deref(), kind.as_deref()]
            .into_iter()
            .flatten()
            .filter(|s| !s.trim().is_empty())
            .collect();
        if !about.is_empty() {
            out.push_str(&format!("    # {}\n", yaml::comment(&about.join(", "))));
        }
    }
    out
}

/// Serves the page that opens Plaid Link with `link_token` on a free port
/// of 127.0.0.1 until it posts back Link's public token (or that the user
/// left Link), and returns the token.
fn browser_link(link_token: &Secret, timeout: Duration, what: &str) -> anyhow::Result<Secret> {
    let listener = TcpListener::bind("127.0.0.1:0").context("cannot listen on 127.0.0.1")?;
    let port = listener.local_addr()?.port();
    let nonce = nonce();
    let page = page(link_token, &nonce);
    ui::info(format!(
        "Open http://127.0.0.1:{port}/ in a browser on this computer; in Plaid Link, {what}.\n\
         waiting (Ctrl-C to stop) ..."
    ));
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { continue };
            match serve(stream, port, &page, &nonce) {
                Ok(Some(answer)) => {
                    let _ = tx.send(answer);
                    return;
                }
                Ok(None) => {}
                Err(e) => tracing::debug!("a request to the link page failed: {e}"),
            }
        }
    });
    match rx.recv_timeout(timeout) {
        Ok(Link::Token(token)) => Ok(token),
        Ok(Link::Exit(why)) => anyhow::bail!(
            "Plaid Link was closed before linking ({}); run `gc-beancount link` again",
            line(&why)
        ),
        Err(_) => anyhow::bail!(
            "Plaid Link gave no answer within {} s; run `gc-beancount link` again",
            timeout.as_secs()
        ),
    }
}

/// What the page posted.
enum Link {
    Token(Secret),
    Exit(String),
}

/// A value a page of another site cannot guess, so only our page can post
/// a token back.
fn nonce() -> String {
    use std::hash::{BuildHasher, Hasher};
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    (0..2)
        .map(|i| {
            let mut h = std::collections::hash_map::RandomState::new().build_hasher();
            h.write_u128(nanos);
            h.write_u8(i);
            format!("{:016x}", h.finish())
        })
        .collect()
}

/// The one page: Plaid's `link-initialize.js`, opened at once, posting
/// the result to `/done`.
fn page(link_token: &Secret, nonce: &str) -> String {
    // JSON strings in a script: `</` escaped so no text closes the tag.
    let js = |s: &str| {
        serde_json::to_string(s)
            .unwrap_or_default()
            .replace("</", "<\\/")
    };
    format!(
        r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>gc-beancount: link a bank with Plaid</title>
<script src="https://cdn.plaid.com/link/v2/stable/link-initialize.js"></script></head>
<body><p id="s">Opening Plaid Link&hellip;</p>
<script>
const say = t => document.getElementById("s").textContent = t;
const post = body => fetch("/done", {{method: "POST", headers: {{"Content-Type": "application/json"}},
  body: JSON.stringify(Object.assign({{nonce: {nonce}}}, body)}});
const handler = Plaid.create({{
  token: {token},
  onSuccess: (public_token) => post({{public_token}}).then(
    () => say("Linked. You can close this tab and go back to the terminal."),
    () => say("Linked, but the terminal did not answer: run the command again.")),
  onExit: (err) => post({{exit: err ? (err.error_code || "error") : "closed"}}).then(
    () => say("Plaid Link was closed: nothing was linked.")),
}});
handler.open();
</script></body></html>
"#,
        nonce = js(nonce),
        token = js(link_token.expose()),
    )
}

/// One request to the page's server; `Some` once the page posted its
/// result.
fn serve(
    mut stream: TcpStream,
    port: u16,
    page: &str,
    nonce: &str,
) -> std::io::Result<Option<Link>> {
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let (method, path, host, body_start, length) = loop {
        let n = stream.read(&mut chunk)?;
        if n == 0 {
            return Ok(None);
        }
        buf.extend_from_slice(&chunk[..n]);
        if buf.len() > 64 * 1024 {
            respond(
                &mut stream,
                "413 Payload Too Large",
                "text/plain",
                "too large",
            )?;
            return Ok(None);
        }
        let mut headers = [httparse::EMPTY_HEADER; 32];
        let mut req = httparse::Request::new(&mut headers);
        match req.parse(&buf) {
            Ok(httparse::Status::Complete(at)) => {
                let header = |name: &str| {
                    req.headers
                        .iter()
                        .find(|h| h.name.eq_ignore_ascii_case(name))
                        .map(|h| String::from_utf8_lossy(h.value).trim().to_owned())
                };
                let length = header("content-length")
                    .and_then(|l| l.parse::<usize>().ok())
                    .unwrap_or(0);
                break (
                    req.method.unwrap_or_default().to_owned(),
                    req.path.unwrap_or_default().to_owned(),
                    header("host").unwrap_or_default(),
                    at,
                    length,
                );
            }
            Ok(httparse::Status::Partial) => {}
            Err(_) => {
                respond(&mut stream, "400 Bad Request", "text/plain", "bad request")?;
                return Ok(None);
            }
        }
    };
    // Another name for this address (DNS rebinding) is refused.
    if host != format!("127.0.0.1:{port}") && host != format!("localhost:{port}") {
        respond(&mut stream, "403 Forbidden", "text/plain", "forbidden")?;
        return Ok(None);
    }
    match (method.as_str(), path.as_str()) {
        ("GET", "/") => {
            respond(&mut stream, "200 OK", "text/html; charset=utf-8", page)?;
            Ok(None)
        }
        ("POST", "/done") if length <= 16 * 1024 => {
            let mut body = buf[body_start..].to_vec();
            while body.len() < length {
                let n = stream.read(&mut chunk)?;
                if n == 0 {
                    break;
                }
                body.extend_from_slice(&chunk[..n]);
            }
            let posted: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
            if posted["nonce"].as_str() != Some(nonce) {
                respond(&mut stream, "403 Forbidden", "text/plain", "forbidden")?;
                return Ok(None);
            }
            respond(&mut stream, "200 OK", "text/plain", "ok")?;
            if let Some(token) = posted["public_token"].as_str().filter(|t| !t.is_empty()) {
                return Ok(Some(Link::Token(Secret::new(token))));
            }
            let why = posted["exit"].as_str().unwrap_or("closed").to_owned();
            Ok(Some(Link::Exit(why)))
        }
        _ => {
            respond(&mut stream, "404 Not Found", "text/plain", "not found")?;
            Ok(None)
        }
    }
}

fn respond(stream: &mut TcpStream, status: &str, kind: &str, body: &str) -> std::io::Result<()> {
    write!(
        stream,
        "HTTP/1.1 {status}\r\nContent-Type: {kind}\r\nContent-Length: {}\r\nCache-Control: no-store\r\n\
         Referrer-Policy: no-referrer\r\nX-Frame-Options: DENY\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )?;
    stream.flush()
}
