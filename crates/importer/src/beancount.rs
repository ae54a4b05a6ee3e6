//! Beancount's syntax rules: what an account name, a currency, a metadata
//! key, a tag or a link may look like, and how an amount is written.
//!
//! The checks follow Beancount 3's lexer with its default root account
//! names, so that anything accepted here parses in `bean-check`.

use rust_decimal::Decimal;

/// The five root accounts Beancount knows by default.
pub const ROOT_ACCOUNTS: [&str; 5] = ["Assets", "Liabilities", "Equity", "Income", "Expenses"];

/// Checks a Beancount account name such as `Assets:Bank:Checking`.
///
/// The first component must be one of [`ROOT_ACCOUNTS`]; every other
/// component starts with an ASCII capital or digit and goes on with ASCII
/// letters, digits or `-`, and may hold any non-ASCII character (CJK,
/// emoji, combining marks) except spaces and controls, as Beancount 3
/// reads them. There must be at least two components.
///
/// ```
/// use importer::beancount::check_account;
/// assert!(check_account("Assets:Bank:Checking").is_ok());
/// assert!(check_account("Assets:Bank:2024-Ä").is_ok());
/// assert!(check_account("Assets:銀行:Café").is_ok());
/// assert!(check_account("Assets:Bank:a b").is_err());
/// assert!(check_account("Assets").is_err());
/// assert!(check_account("Asets:Bank").is_err());
/// assert!(check_account("Assets:bank").is_err());
/// ```
pub fn check_account(name: &str) -> Result<(), String> {
    let mut parts = name.split(':');
    let root = parts.next().unwrap_or("");
    if !ROOT_ACCOUNTS.contains(&root) {
        return Err(format!(
            "invalid account name {name:?}: it must start with one of {}",
            ROOT_ACCOUNTS.join(", ")
        ));
    }
    let mut count = 0;
    for part in parts {
        count += 1;
        let mut chars = part.chars();
        // Beancount 3's lexer: an ASCII capital or digit first, then ASCII
        // letters, digits and '-'; any other (non-ASCII) character anywhere
        // (CJK, emoji, combining marks), but no space or control.
        let other = |c: char| !c.is_ascii() && !c.is_whitespace() && !c.is_control();
        let first_ok = chars
            .next()
            .is_some_and(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || other(c));
        let rest_ok = chars.all(|c| c.is_ascii_alphanumeric() || c == '-' || other(c));
        if !first_ok || !rest_ok {
            return Err(format!(
                "invalid account name {name:?}: the component {part:?} must start with an \
                 upper-case letter or a digit and contain only letters, digits, '-' and \
                 non-ASCII characters, with no space"
            ));
        }
    }
    if count == 0 {
        return Err(format!(
            "invalid account name {name:?}: it needs at least two components, like Assets:Bank"
        ));
    }
    Ok(())
}

/// Checks a commodity (currency) name such as `EUR`.
///
/// Beancount's rule: upper-case letters, digits and `'._-`, starting with a
/// letter, ending with a letter or digit, at most 24 characters.
///
/// ```
/// use importer::beancount::check_currency;
/// assert!(check_currency("EUR").is_ok());
/// assert!(check_currency("eur").is_err());
/// assert!(check_currency("").is_err());
/// ```
pub fn check_currency(c: &str) -> Result<(), String> {
    let b = c.as_bytes();
    let ok = !b.is_empty()
        && b.len() <= 24
        && b[0].is_ascii_uppercase()
        && b[b.len() - 1].is_ascii_uppercase() | b[b.len() - 1].is_ascii_digit()
        && b.iter()
            .all(|&x| x.is_ascii_uppercase() || x.is_ascii_digit() || b"'._-".contains(&x));
    if ok {
        Ok(())
    } else {
        Err(format!(
            "invalid currency {c:?}: expected upper-case letters like EUR (at most 24 \
             characters: A-Z, 0-9 and '._-, starting with a letter)"
        ))
    }
}

/// Checks a metadata key such as `gocardless_id`: a lower-case letter, then
/// at least one letter, digit, `-` or `_` (Beancount rejects one-letter keys).
///
/// ```
/// use importer::beancount::check_meta_key;
/// assert!(check_meta_key("card_scheme").is_ok());
/// assert!(check_meta_key("cardScheme").is_ok());
/// assert!(check_meta_key("CardScheme").is_err());
/// assert!(check_meta_key("k").is_err());
/// ```
pub fn check_meta_key(k: &str) -> Result<(), String> {
    let mut chars = k.chars();
    let ok = k.len() >= 2
        && chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if ok {
        Ok(())
    } else {
        Err(format!(
            "invalid metadata key {k:?}: it must start with a lower-case letter, be at least two \
             characters long and contain only letters, digits, '-' and '_'"
        ))
    }
}

/// Checks a tag or link name (without its `#` or `^`): letters, digits and
/// `-_/.`.
///
/// ```
/// use importer::beancount::check_tag;
/// assert!(check_tag("trip-2024").is_ok());
/// assert!(check_tag("two words").is_err());
/// ```
pub fn check_tag(t: &str) -> Result<(), String> {
    let ok = !t.is_empty()
        && t.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_/.".contains(c));
    if ok {
        Ok(())
    } else {
        Err(format!(
            "invalid tag {t:?}: use only letters, digits and -_/. (no '#', no spaces)"
        ))
    }
}

/// Writes an amount the way the importer shows it: the bank's digits kept,
/// at least two decimals, no trailing zeros beyond two.
///
/// ```
/// use importer::beancount::format_number;
/// use rust_decimal::Decimal;
/// let d = |s: &str| s.parse::<Decimal>().unwrap();
/// assert_eq!(format_number(d("-9")), "-9.00");
/// assert_eq!(format_number(d("-10.5000")), "-10.50");
/// assert_eq!(format_number(d("1.2345")), "1.2345");
/// assert_eq!(format_number(d("0.000")), "0.00");
/// ```
pub fn format_number(d: Decimal) -> String {
    as_written(d).to_string()
}

/// `d` in the form [`format_number`] writes: its `Display` is the text.
pub(crate) fn as_written(d: Decimal) -> Decimal {
    let mut n = d.normalize();
    if n.scale() < 2 {
        n.rescale(2);
    }
    if n.is_zero() {
        // Never write "-0.00".
        n.set_sign_positive(true);
    }
    n
}
