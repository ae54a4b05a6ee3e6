//! Suggested Beancount account names for newly linked bank accounts.

/// `Assets:<Institution>:<Currency>` (`Liabilities:` for a card account,
/// ISO 20022 cash account type `CARD`), each part made a valid Beancount
/// account component (ASCII letters and digits, starting with a capital).
///
/// ```text
/// ("Crédit Agricole", "EUR") -> Assets:CreditAgricole:EUR
/// ```
pub fn account_name(
    institution: &str,
    currency: Option<&str>,
    cash_account_type: Option<&str>,
) -> String {
    let root = match cash_account_type {
        Some(t) if t.trim().eq_ignore_ascii_case("CARD") => "Liabilities",
        _ => "Assets",
    };
    let bank = component(institution).unwrap_or_else(|| "Bank".to_owned());
    match currency.and_then(component) {
        Some(cur) => format!("{root}:{bank}:{cur}"),
        None => format!("{root}:{bank}"),
    }
}

/// A short command-line handle from a suggested account (made of ASCII
/// letters and digits by [`account_name`]): `Assets:Revolut:EUR` ->
/// `revolut-eur`.
pub fn handle(account: &str) -> String {
    account
        .split(':')
        .skip(1)
        .map(str::to_lowercase)
        .collect::<Vec<_>>()
        .join("-")
}

/// Makes names unique by appending a component from each account's own
/// name or, failing that, a counter.
pub fn disambiguate(names: &mut [(String, Option<String>)]) {
    let snapshot: Vec<String> = names.iter().map(|(n, _)| n.clone()).collect();
    let mut used = std::collections::HashSet::new();
    for (i, (name, hint)) in names.iter_mut().enumerate() {
        let dup = snapshot
            .iter()
            .enumerate()
            .any(|(j, n)| j != i && *n == *name);
        if dup && let Some(extra) = hint.as_deref().and_then(component) {
            *name = format!("{name}:{extra}");
        }
        let base = name.clone();
        let mut n = 2;
        while !used.insert(name.clone()) {
            *name = format!("{base}{n}");
            n += 1;
        }
    }
}

/// One account component: words capitalised and joined, common Latin
/// accents folded, anything else dropped.
fn component(text: &str) -> Option<String> {
    let mut out = String::new();
    for word in text.split(|c: char| !c.is_alphanumeric()) {
        let folded: String = word.chars().filter_map(fold).collect();
        let mut chars = folded.chars();
        if let Some(first) = chars.next() {
            out.push(first.to_ascii_uppercase());
            let rest: String = chars.collect();
            // Keep acronyms (HSBC, ING) as they are; lower nothing else.
            out.push_str(&rest);
        }
    }
    if out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert(0, 'X');
    }
    (!out.is_empty()).then_some(out)
}

fn fold(c: char) -> Option<char> {
    if c.is_ascii_alphanumeric() {
        return Some(c);
    }
    let base = match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' => 'a',
        'À' | 'Á' | 'Â' | 'Ã' | 'Ä' | 'Å' => 'A',
        'ç' => 'c',
        'Ç' => 'C',
        'è' | 'é' | 'ê' | 'ë' => 'e',
        'È' | 'É' | 'Ê' | 'Ë' => 'E',
        'ì' | 'í' | 'î' | 'ï' => 'i',
        'Ì' | 'Í' | 'Î' | 'Ï' => 'I',
        'ñ' => 'n',
        'Ñ' => 'N',
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' => 'o',
        'Ò' | 'Ó' | 'Ô' | 'Õ' | 'Ö' | 'Ø' => 'O',
        'ù' | 'ú' | 'û' | 'ü' => 'u',
        'Ù' | 'Ú' | 'Û' | 'Ü' => 'U',
        'ý' | 'ÿ' => 'y',
        'ß' => 's',
        _ => return None,
    };
    Some(base)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_valid_components() {
        let name = |bank, cur, kind| account_name(bank, cur, kind);
        assert_eq!(
            name("Crédit Agricole", Some("EUR"), None),
            "Assets:CreditAgricole:EUR"
        );
        assert_eq!(
            name("HSBC UK", Some("GBP"), Some("CACC")),
            "Assets:HSBCUK:GBP"
        );
        assert_eq!(
            name("HSBC UK", Some("GBP"), Some("CARD")),
            "Liabilities:HSBCUK:GBP"
        );
        assert_eq!(name("1st bank", None, None), "Assets:X1stBank");
        assert_eq!(name("", Some("eur"), None), "Assets:Bank:Eur");
    }

    #[test]
    fn duplicates_get_the_account_name_or_a_counter() {
        let mut names = vec![
            ("Assets:Rev:EUR".to_owned(), Some("Main".to_owned())),
            ("Assets:Rev:EUR".to_owned(), Some("Savings pot".to_owned())),
            ("Assets:Rev:GBP".to_owned(), None),
            ("Assets:X:EUR".to_owned(), None),
            ("Assets:X:EUR".to_owned(), None),
        ];
        disambiguate(&mut names);
        let got: Vec<&str> = names.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(
            got,
            [
                "Assets:Rev:EUR:Main",
                "Assets:Rev:EUR:SavingsPot",
                "Assets:Rev:GBP",
                "Assets:X:EUR",
                "Assets:X:EUR2"
            ]
        );
    }
}
