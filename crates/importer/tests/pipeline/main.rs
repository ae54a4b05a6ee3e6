//! The importer's tests, in one binary: conversion, categorisation,
//! deduplication and the ledger reader, on real-shaped GoCardless payloads
//! (through the `gocardless` crate's mapping) and on hand-built
//! transactions (the neutral path), every output judged by `bean-check`.

mod balances;
mod categorize;
mod convert;
mod dedup;
mod dedup_e2e;
mod escaping;
mod example;
mod extract_files;
mod fixtures;
mod fuzz;
mod hardening;
mod learn;
mod ledger;
mod neutral;
mod reconcile;
mod rules_test;
