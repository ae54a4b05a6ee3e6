//! `link --source NAME --country CC [--bank NAME]` for Enable Banking:
//! without a bank, the country's banks; with one, a consent as long as the
//! bank allows, the user's authorisation at the bank, and the session
//! saved in the store, with the `accounts:` block to paste.
//!
//! The bank sends the browser back to the application's redirect URL with
//! `?code=…&state=…`. When that URL is on this machine (`http://127.0.0.1:
//! PORT/…`), a one-shot listener catches it; otherwise the user pastes the
//! address the browser ended on, at the prompt or later with
//! `--callback URL`. Either way the state must be the one this link sent.

use std::collections::HashMap;
use std::io::{BufRead, IsTerminal, Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::time::{Duration, Instant};

use anyhow::{Context as _, anyhow, bail};
use enablebanking::{AspspId, AuthRequest, Client, PsuType};
use importer::{Config, SourceConfig};
use serde::{Deserialize, Serialize};
use source::Secret;
use source::terminal::line;
use source::yaml;
use url::{Host, Url};

use crate::cli::LinkArgs;
use crate::config_path::Located;
use crate::context::Context;
use crate::exit::{Outcome, usage};
use crate::sources::enablebanking::{self as eb, LinkedAccount};
use crate::table::Table;
use crate::ui;

/// The longest consent asked for, whatever the bank allows.
const MAX_CONSENT: chrono::Duration = chrono::Duration::days(180);

/// The consent asked for when the bank does not say its longest.
const DEFAULT_CONSENT: chrono::Duration = chrono::Duration::days(90);

/// The key a link waiting for `--callback` is saved under.
const PENDING: &str = "pending-auth";

/// A link started and waiting for the address the bank sent the browser
/// to.
#[derive(Serialize, Deserialize)]
struct Pending {
    state: String,
    aspsp: AspspId,
}

/// Links a bank through the Enable Banking source `source`.
pub fn run(
    ctx: &Context,
    located: &Located,
    config: &Config,
    source: &SourceConfig,
    args: &LinkArgs,
) -> anyhow::Result<Outcome> {
    let settings = eb::settings(located, config, source)?;
    let file = crate::connect::open_store_file(located, config)?;
    let part = eb::part(config, &file, &source.name)?;
    // Linking reads no account data: no PSU headers needed.
    let client = eb::client(ctx, &settings, false)?;
    let link = Link {
        ctx,
        located,
        config,
        source: &source.name,
        part: &part,
        client: &client,
    };

    if let Some(pasted) = &args.callback {
        let Some(saved) = part.credential(PENDING)? else {
            return Err(usage(format!(
                "--callback: no link of source {} is waiting for the bank's answer; start one \
                 with `gc-beancount link --source {} --country CC --bank NAME`",
                source.name, source.name
            )));
        };
        let pending: Pending = serde_json::from_str(saved.expose())
            .context("the link waiting in the store cannot be read; start it again")?;
        let url = Url::parse(pasted.trim()).map_err(|e| {
            usage(format!(
                "--callback: not an address ({e}); give the whole address the browser was sent \
                 to, starting with https://"
            ))
        })?;
        let code = back(&url, &pending.state).into_code(&link.again(&pending.aspsp))?;
        part.remove_credential(PENDING)?;
        return link.finish(&pending.aspsp, &code);
    }

    let Some(country) = args.country.as_deref().map(str::trim) else {
        return Err(usage(format!(
            "link --source {}: --country CC is needed (two letters, such as FI): the banks are \
             listed by country",
            source.name
        )));
    };
    let banks = client.aspsps(Some(country))?;
    let Some(wanted) = args.bank.as_deref().map(str::trim) else {
        list_banks(&banks, &source.name, country)?;
        return Ok(Outcome::Success);
    };
    let bank = choose(&banks, wanted, &source.name, country)?;
    let aspsp = AspspId::new(
        &bank.name,
        if bank.country.trim().is_empty() {
            country.to_ascii_uppercase()
        } else {
            bank.country.clone()
        },
    );

    let now = ctx.clock.now();
    let longest = bank
        .max_consent()
        .and_then(|d| chrono::Duration::from_std(d).ok())
        .unwrap_or(DEFAULT_CONSENT)
        .min(MAX_CONSENT);
    // A little short of the longest: a clock ahead of the bank's would be
    // refused.
    let valid_until = now + longest - (longest / 100).min(chrono::Duration::minutes(10));

    // Listen before asking, so a port in use fails before a consent starts.
    let listener = match loopback(&settings.redirect_url) {
        Some(addr) => Some(TcpListener::bind(addr).map_err(|e| {
            anyhow!(
                "cannot listen on {addr} for the bank's redirect to {} ({e}); free the port, or \
                 register another redirect URL with the application and set it as \
                 `redirect_url:` of source {}",
                settings.redirect_url,
                source.name
            )
        })?),
        None => None,
    };
    let state = new_state();
    let start = client.start_authorization(&AuthRequest::new(
        aspsp.clone(),
        valid_until,
        settings.redirect_url.clone(),
        state.clone(),
    ))?;
    ui::info(format!(
        "consent at {} ({}) for {} days, until {}",
        aspsp.name,
        aspsp.country,
        longest.num_days(),
        valid_until.format("%Y-%m-%d")
    ));
    // The one thing the user must see, whatever `-q` says.
    eprintln!(
        "Open this link in a browser and give consent at the bank:\n\n  {}\n",
        line(start.url.as_str())
    );
    if eb::person_present() {
        open_browser(start.url.as_str());
    }

    let code = match listener {
        Some(listener) => {
            eprintln!(
                "waiting for the bank to send the browser back to {} (Ctrl-C to stop) ...",
                settings.redirect_url
            );
            wait_for_redirect(
                &listener,
                &settings.redirect_url,
                &state,
                Duration::from_secs(args.timeout),
            )?
            .into_code(&link.again(&aspsp))?
        }
        None if std::io::stdin().is_terminal() => {
            eprint!("Then paste the address the browser was sent to and press Enter:\n> ");
            let mut pasted = String::new();
            std::io::stdin().lock().read_line(&mut pasted)?;
            let url = Url::parse(pasted.trim())
                .map_err(|e| usage(format!("not an address ({e}); run the link again")))?;
            back(&url, &state).into_code(&link.again(&aspsp))?
        }
        None => {
            let pending = Pending {
                state,
                aspsp: aspsp.clone(),
            };
            part.set_credential(PENDING, &Secret::new(serde_json::to_string(&pending)?))?;
            eprintln!(
                "Then give the address the browser was sent to:\n\n  gc-beancount link --source \
                 {} --callback 'URL'\n",
                source.name
            );
            return Ok(Outcome::Success);
        }
    };
    link.finish(&aspsp, &code)
}

/// What a link needs once the code is known.
struct Link<'a> {
    ctx: &'a Context,
    located: &'a Located,
    config: &'a Config,
    source: &'a str,
    part: &'a store::SourceStore,
    client: &'a Client,
}

impl Link<'_> {
    /// The command that starts linking `aspsp` again.
    fn again(&self, aspsp: &AspspId) -> String {
        eb::relink_command(self.source, aspsp)
    }

    /// Turns the code into a session, saves it and prints the accounts
    /// not configured yet.
    fn finish(&self, aspsp: &AspspId, code: &str) -> anyhow::Result<Outcome> {
        let session = self.client.create_session(code)?;
        let without_hash = session
            .accounts
            .iter()
            .filter(|a| a.identification_hash.is_none())
            .count();
        let linked = eb::save_session(self.part, aspsp, &session, self.ctx.clock.now())?;
        ui::info(format!(
            "linked {} account{} at {}{}",
            linked.accounts.len(),
            if linked.accounts.len() == 1 { "" } else { "s" },
            aspsp.name,
            linked.valid_until.map_or(String::new(), |u| format!(
                "; access until {}",
                u.format("%Y-%m-%d")
            ))
        ));
        if without_hash > 0 {
            ui::warn(format!(
                "{without_hash} account{} came without an identification hash and cannot be \
                 configured",
                if without_hash == 1 { "" } else { "s" }
            ));
        }
        let new: Vec<&LinkedAccount> = linked
            .accounts
            .iter()
            .filter(|a| !self.config.accounts.iter().any(|c| a.is(c.id.trim())))
            .collect();
        let configured = linked.accounts.len() - new.len();
        if configured > 0 {
            ui::info(format!(
                "{configured} of them {} configured already: the configuration stays as it is",
                if configured == 1 { "is" } else { "are" }
            ));
        }
        if new.is_empty() {
            return Ok(Outcome::Success);
        }
        ui::info(format!("Paste this into {}:", self.located.path.display()));
        crate::output::write(None, &accounts_block(self.source, &aspsp.name, &new))?;
        Ok(Outcome::Success)
    }
}

/// The banks of a country, on stdout.
fn list_banks(banks: &[enablebanking::Aspsp], source: &str, country: &str) -> anyhow::Result<()> {
    if banks.is_empty() {
        ui::info(format!(
            "Enable Banking lists no bank in {country}; check the country code (two letters)"
        ));
        return Ok(());
    }
    let mut table = Table::new(&["BANK", "BIC", "CONSENT", "FOR"]);
    for b in banks {
        let days = b
            .max_consent()
            .map_or("?".to_owned(), |d| match d.as_secs() / 86_400 {
                0 => format!("{} h", d.as_secs() / 3600),
                n => format!("{n} days"),
            });
        let kinds: Vec<&str> = b.psu_types.iter().map(|t| t.as_str()).collect();
        table.row(vec![
            line(&b.name).into_owned().into(),
            line(b.bic.as_deref().unwrap_or("-")).into_owned().into(),
            days.into(),
            if kinds.is_empty() {
                "any".to_owned()
            } else {
                line(&kinds.join(", ")).into_owned()
            }
            .into(),
        ]);
    }
    crate::output::write(None, &table.render(0, ui::color_stdout()))?;
    ui::info(format!(
        "link one with `gc-beancount link --source {source} --country {} --bank NAME`",
        country.to_ascii_uppercase()
    ));
    Ok(())
}

/// The bank named `wanted` (case aside), one for personal accounts when
/// the bank is listed twice.
fn choose<'b>(
    banks: &'b [enablebanking::Aspsp],
    wanted: &str,
    source: &str,
    country: &str,
) -> anyhow::Result<&'b enablebanking::Aspsp> {
    let same: Vec<&enablebanking::Aspsp> = banks
        .iter()
        .filter(|b| b.name.trim().eq_ignore_ascii_case(wanted))
        .collect();
    if let Some(b) = same
        .iter()
        .find(|b| b.serves(&PsuType::Personal))
        .or(same.first())
    {
        return Ok(b);
    }
    let lower = wanted.to_lowercase();
    let close: Vec<String> = banks
        .iter()
        .filter(|b| b.name.to_lowercase().contains(&lower))
        .map(|b| line(&b.name).into_owned())
        .collect();
    Err(usage(format!(
        "--bank {wanted:?}: Enable Banking lists no such bank in {}{}; `gc-beancount link \
         --source {source} --country {}` lists them",
        country.to_ascii_uppercase(),
        if close.is_empty() {
            String::new()
        } else {
            format!(" (did you mean {}?)", close.join(", "))
        },
        country.to_ascii_uppercase()
    )))
}

/// The `accounts:` block for newly linked accounts: each by its stable
/// identification hash, the IBAN in a comment. Bank text reaches the YAML
/// only through `source::yaml`.
fn accounts_block(source: &str, bank: &str, accounts: &[&LinkedAccount]) -> String {
    let mut names: Vec<(String, Option<String>)> = accounts
        .iter()
        .map(|a| {
            (
                crate::suggest::account_name(bank, a.currency.as_deref(), a.kind.as_deref()),
                a.name.clone(),
            )
        })
        .collect();
    crate::suggest::disambiguate(&mut names);
    let mut out = String::from("accounts:\n");
    let mut handles = std::collections::HashSet::new();
    for (a, (account, _)) in accounts.iter().zip(names) {
        // `Assets:Nordea:EUR` → `nordea-eur`; a card account beside it,
        // `Liabilities:Nordea:EUR`, keeps its root to stay apart.
        let mut handle = crate::suggest::handle(&account);
        if !handles.insert(handle.clone()) {
            handle = account.to_lowercase().replace(':', "-");
            handles.insert(handle.clone());
        }
        out.push_str(&format!("  - id: {}\n", yaml::scalar(&a.hash)));
        out.push_str(&format!("    name: {handle}\n"));
        out.push_str(&format!("    source: {}\n", yaml::scalar(source)));
        out.push_str(&format!("    account: {account}\n"));
        if let Some(c) = &a.currency {
            out.push_str(&format!("    currency: {}\n", yaml::scalar(c)));
        }
        // A card account's purchases are dated by when they were made.
        if a.kind.as_deref() == Some("CARD") {
            out.push_str("    date: transaction\n");
        }
        let about: Vec<&str> = [a.name.as_deref(), a.iban.as_deref()]
            .into_iter()
            .flatten()
            .collect();
        if !about.is_empty() {
            out.push_str(&format!("    # {}\n", yaml::comment(&about.join(", "))));
        }
    }
    out
}

/// Where to listen for a redirect URL on this machine (plain http to a
/// loopback address); `None` for one the user must paste back.
fn loopback(url: &Url) -> Option<SocketAddr> {
    if url.scheme() != "http" {
        return None;
    }
    let port = url.port_or_known_default()?;
    match url.host()? {
        Host::Ipv4(ip) if ip.is_loopback() => Some((ip, port).into()),
        Host::Ipv6(ip) if ip.is_loopback() => Some((ip, port).into()),
        Host::Domain(d) if d.eq_ignore_ascii_case("localhost") => {
            Some((Ipv4Addr::LOCALHOST, port).into())
        }
        _ => None,
    }
}

/// An unguessable state: std's `RandomState` is keyed from the operating
/// system's randomness, and the state need only be unguessable.
fn new_state() -> String {
    use std::hash::{BuildHasher, Hasher};
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    (0..2u8)
        .map(|i| {
            let mut h = std::collections::hash_map::RandomState::new().build_hasher();
            h.write_u8(i);
            h.write_u128(nanos);
            format!("{:016x}", h.finish())
        })
        .collect()
}

/// What the bank's redirect says.
enum Back {
    Code(String),
    Denied(String),
    NoCode,
    WrongState,
}

impl Back {
    /// The code, or what went wrong and that `again` starts over.
    fn into_code(self, again: &str) -> anyhow::Result<String> {
        match self {
            Back::Code(c) => Ok(c),
            Back::Denied(why) => bail!(
                "the bank did not give consent ({}); start again with `{again}`",
                line(&why)
            ),
            Back::NoCode => {
                bail!("the bank sent the browser back without a code; start again with `{again}`")
            }
            Back::WrongState => bail!(
                "the address is the answer to another link than the one started (its state \
                 differs); start again with `{again}`"
            ),
        }
    }
}

/// Reads the bank's redirect: the state first (an answer to another link
/// is never used), then the code or the error.
fn back(url: &Url, state: &str) -> Back {
    let q: HashMap<String, String> = url.query_pairs().into_owned().collect();
    if q.get("state").map(String::as_str) != Some(state) {
        return Back::WrongState;
    }
    if let Some(error) = q.get("error") {
        let detail = q
            .get("error_description")
            .map_or(String::new(), |d| format!(": {d}"));
        return Back::Denied(format!("{error}{detail}"));
    }
    match q.get("code").map(|c| c.trim()) {
        Some(c) if !c.is_empty() => Back::Code(c.to_owned()),
        _ => Back::NoCode,
    }
}

/// Answers requests on `listener` until the bank's redirect comes (other
/// paths get 404, another link's answer 400) or `timeout` passes.
fn wait_for_redirect(
    listener: &TcpListener,
    redirect: &Url,
    state: &str,
    timeout: Duration,
) -> anyhow::Result<Back> {
    listener.set_nonblocking(true)?;
    let deadline = Instant::now() + timeout;
    loop {
        match listener.accept() {
            Ok((stream, _)) => {
                if let Some(back) = serve(stream, redirect, state) {
                    return Ok(back);
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                if Instant::now() >= deadline {
                    bail!(
                        "no answer from the bank after {} s; run the link again",
                        timeout.as_secs()
                    );
                }
                std::thread::sleep(Duration::from_millis(100));
            }
            Err(e) => return Err(e).context("waiting for the bank's redirect"),
        }
    }
}

/// Answers one request; what the bank said when it was the redirect.
fn serve(mut stream: TcpStream, redirect: &Url, state: &str) -> Option<Back> {
    let _ = stream.set_nonblocking(false);
    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
    let Some(target) = request_target(&mut stream) else {
        respond(
            &mut stream,
            "400 Bad Request",
            "Not a request gc-beancount understands.",
        );
        return None;
    };
    let Ok(url) = redirect.join(&target) else {
        respond(
            &mut stream,
            "400 Bad Request",
            "Not a request gc-beancount understands.",
        );
        return None;
    };
    if url.path() != redirect.path() {
        respond(&mut stream, "404 Not Found", "Not found.");
        return None;
    }
    let back = back(&url, state);
    let (status, text) = match &back {
        Back::Code(_) => (
            "200 OK",
            "gc-beancount has the bank's consent: you can close this window.",
        ),
        Back::Denied(_) => (
            "200 OK",
            "The bank did not give consent; gc-beancount says what to do.",
        ),
        Back::NoCode => ("400 Bad Request", "The bank sent no code."),
        Back::WrongState => {
            respond(
                &mut stream,
                "400 Bad Request",
                "This answer is for another link than the one gc-beancount started.",
            );
            ui::warn("ignored a redirect for another link (its state differs)");
            return None;
        }
    };
    respond(&mut stream, status, text);
    Some(back)
}

/// The target of a `GET` request (`/callback?code=…`), its head read up to
/// 16 KiB.
fn request_target(stream: &mut TcpStream) -> Option<String> {
    let mut head = Vec::new();
    let mut buf = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = stream.read(&mut buf).ok()?;
        if n == 0 || head.len() > 16 * 1024 {
            break;
        }
        head.extend_from_slice(&buf[..n]);
    }
    let text = String::from_utf8_lossy(&head);
    let mut words = text.lines().next()?.split_whitespace();
    match (words.next(), words.next()) {
        (Some("GET"), Some(target)) if target.starts_with('/') => Some(target.to_owned()),
        _ => None,
    }
}

fn respond(stream: &mut TcpStream, status: &str, text: &str) {
    let _ = write!(
        stream,
        "HTTP/1.1 {status}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: {}\r\n\
         Connection: close\r\n\r\n{text}",
        text.len()
    );
    let _ = stream.flush();
}

/// Opens `url` in the user's browser, if the system says how.
fn open_browser(url: &str) {
    let opener = if cfg!(target_os = "macos") {
        "open"
    } else {
        "xdg-open"
    };
    let spawned = std::process::Command::new(opener)
        .arg(url)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn();
    if let Ok(mut child) = spawned {
        std::thread::spawn(move || child.wait());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_state_decides_before_the_code() {
        let url = |q: &str| Url::parse(&format!("https://example.org/cb?{q}")).unwrap();
        assert!(matches!(back(&url("code=c1&state=s1"), "s1"), Back::Code(c) if c == "c1"));
        assert!(matches!(
            back(&url("code=c1&state=s2"), "s1"),
            Back::WrongState
        ));
        assert!(matches!(back(&url("code=c1"), "s1"), Back::WrongState));
        assert!(matches!(
            back(&url("error=access_denied&error_description=no&state=s1"), "s1"),
            Back::Denied(d) if d == "access_denied: no"
        ));
        assert!(matches!(back(&url("state=s1&code="), "s1"), Back::NoCode));
    }

    #[test]
    fn only_plain_http_to_this_machine_is_listened_for() {
        let at = |u: &str| loopback(&Url::parse(u).unwrap());
        assert_eq!(
            at("http://127.0.0.1:8765/callback"),
            Some("127.0.0.1:8765".parse().unwrap())
        );
        assert_eq!(
            at("http://localhost:9/cb"),
            Some("127.0.0.1:9".parse().unwrap())
        );
        assert_eq!(at("https://127.0.0.1:8765/callback"), None);
        assert_eq!(at("https://example.org/callback"), None);
        assert_ne!(new_state(), new_state());
    }

    #[test]
    fn the_block_is_yaml_that_reads_back() {
        let a = LinkedAccount {
            hash: "x\"y=".into(),
            hashes: vec![],
            uid: None,
            iban: Some("FI00\u{2028}base_url: http://evil/".into()),
            name: Some("Card".into()),
            currency: Some("EUR".into()),
            kind: Some("CARD".into()),
        };
        let block = accounts_block("eb", "Nordea", &[&a]);
        let config = importer::config::from_str(
            &format!("sources:\n  eb: {{provider: enablebanking}}\n{block}"),
            "c.yaml",
        )
        .unwrap();
        assert_eq!(config.accounts[0].id, "x\"y=");
        assert_eq!(config.accounts[0].account, "Liabilities:Nordea:EUR");
        let twice = accounts_block(
            "eb",
            "Nordea",
            &[
                &a,
                &LinkedAccount {
                    kind: None,
                    ..a.clone()
                },
            ],
        );
        assert!(twice.contains("name: nordea-eur\n"), "{twice}");
        assert!(twice.contains("name: assets-nordea-eur\n"), "{twice}");
        assert!(
            config
                .source("eb")
                .unwrap()
                .settings
                .get("base_url")
                .is_none()
        );
    }
}
