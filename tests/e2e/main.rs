//! End-to-end tests of the `gc-beancount` binary, in one test binary: the
//! commands run as a user runs them, against the in-process fake GoCardless
//! server, every ledger judged by `bean-check`.

mod common;

mod bank_link;
mod cli;
mod enablebanking;
mod export;
mod extract;
mod flow;
mod gocardless_pro;
mod import;
mod plaid;
mod reconcile;
mod rules;
mod simplefin;
