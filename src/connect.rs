//! Building the GoCardless client and opening the store from the
//! configuration.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context as _;
use gocardless::Client;
use gocardless::store::{CacheOptions, CachedClient, Mode, Store};
use importer::Config;

use crate::config_path::Located;
use crate::context::Context;
use crate::exit::usage;

/// Where GoCardless users find their secret id and key.
pub const SECRETS_URL: &str = "https://bankaccountdata.gocardless.com/user-secrets/";

/// The store file for this configuration: its `store` key (relative to the
/// configuration file's folder), else `$GC_BEANCOUNT_STORE`, else the cache
/// folder.
pub fn store_path(located: &Located, config: &Config) -> anyhow::Result<PathBuf> {
    let app = crate::settings::app(config)?;
    let configured = app.store.as_deref().map(|p| {
        if p.is_relative() && !p.starts_with("~") {
            located.path.parent().unwrap_or(Path::new(".")).join(p)
        } else {
            p.to_path_buf()
        }
    });
    Ok(store::default_path(configured.as_deref()))
}

/// Opens (or creates) the store, as GoCardless' part of it.
pub fn open_store(ctx: &Context, located: &Located, config: &Config) -> anyhow::Result<Store> {
    let file = open_store_file(located, config)?;
    Ok(gocardless_part(ctx, &file))
}

/// Opens (or creates) the store file every source keeps its part in.
pub fn open_store_file(located: &Located, config: &Config) -> anyhow::Result<store::Store> {
    let path = store_path(located, config)?;
    tracing::info!("store: {}", path.display());
    Ok(store::Store::open(&path)?)
}

/// GoCardless' part of the store file.
pub fn gocardless_part(ctx: &Context, file: &store::Store) -> Store {
    Store::new(
        file.source(&store::SourceName::GOCARDLESS),
        ctx.clock.clone(),
    )
}

/// The secret id, or a usage error saying where to get it.
pub fn secret_id(located: &Located, settings: &gocardless::Settings) -> anyhow::Result<String> {
    match settings.secret_id.as_deref().map(str::trim) {
        Some(id) if !id.is_empty() => Ok(id.to_owned()),
        _ => Err(usage(format!(
            "{}: `secret_id` is not set; create a user secret at {SECRETS_URL} and put its id \
             and key in `secret_id` and `secret_key` (or ${{GC_SECRET_ID}} / ${{GC_SECRET_KEY}})",
            located.path.display()
        ))),
    }
}

/// A client for the configuration's credentials, keeping its tokens in
/// `store` so the next run need not log in again.
pub fn client(
    ctx: &Context,
    located: &Located,
    config: &Config,
    store: &Store,
) -> anyhow::Result<Client> {
    let settings = crate::settings::gocardless(config)?;
    let id = secret_id(located, &settings)?;
    let key = match &settings.secret_key {
        Some(k) if !k.is_empty() => k.clone(),
        _ => {
            return Err(usage(format!(
                "{}: `secret_key` is not set; it is shown once when you create a user secret at \
                 {SECRETS_URL}",
                located.path.display()
            )));
        }
    };
    let mut builder = Client::builder(id, key)
        .clock(ctx.clock.clone())
        .token_store(Arc::new(store.clone()));
    if let Some(url) = &settings.base_url {
        builder = builder.base_url(url);
    }
    builder
        .build()
        .map_err(|e| usage(e.to_string()))
        .with_context(|| format!("{}: cannot use this configuration", located.path.display()))
}

/// The client behind the store: answers from the store when it is fresh
/// enough or the bank must not be asked, and records every answer.
/// Offline, it needs no credentials and never touches the network.
pub fn cached(
    ctx: &Context,
    located: &Located,
    config: &Config,
    store: &Store,
    offline: bool,
    refresh: bool,
) -> anyhow::Result<CachedClient> {
    let mut options = CacheOptions {
        force: refresh,
        ..CacheOptions::default()
    };
    if let Some(ttl) = crate::settings::app(config)?.cache_ttl {
        options.cache_ttl = chrono::Duration::from_std(ttl).unwrap_or(options.cache_ttl);
    }
    if offline {
        options.mode = Mode::Offline;
        return Ok(CachedClient::offline(store.clone(), options)?);
    }
    let client = client(ctx, located, config, store)?;
    Ok(CachedClient::new(client, store.clone(), options)?)
}

/// An offline client over the store when the store file already exists
/// (never creating one): what `extract` and `rules test` use to know the
/// IBANs of the configured accounts, for transfers.
pub fn existing_store_offline(
    ctx: &Context,
    located: &Located,
    config: &Config,
) -> Option<CachedClient> {
    let path = store_path(located, config).ok()?;
    if !path.is_file() {
        return None;
    }
    let store = Store::open_with_clock(&path, ctx.clock.clone())
        .map_err(|e| tracing::info!("{e}; transfers are recognised by rules only"))
        .ok()?;
    CachedClient::offline(store, CacheOptions::default()).ok()
}
