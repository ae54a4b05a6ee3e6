//! Every example payload under `shared/providers/enablebanking/examples/`
//! is read by the client's types: captured responses (nocfo's fixtures),
//! the API reference's own examples, Actual's hand-written mocks, the
//! error bodies seen in the wild, and the official Postman collection.

use std::collections::BTreeMap;
use std::path::PathBuf;

use enablebanking::{
    Access, Account, AccountIdentification, Amount, Aspsp, AspspId, AuthStart, AuthorizedSession,
    Balance, BalanceType, BankTransactionCode, CashAccountType, CreditDebit, Error, ErrorBody,
    ErrorCode, GenericIdentification, Operation, Party, SessionInfo, SessionStatus,
    TransactionRecord, TransactionStatus,
};
use serde_json::{Value, json};

fn dir() -> PathBuf {
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/providers/enablebanking/examples"
    ))
}

fn read(rel: &str) -> String {
    let path = dir().join(rel);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn value(rel: &str) -> Value {
    serde_json::from_str(&read(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

fn typed<T: serde::de::DeserializeOwned>(v: &Value, what: &str) -> T {
    serde_json::from_value(v.clone()).unwrap_or_else(|e| panic!("{what}: {e}\n{v}"))
}

#[test]
fn captured_responses() {
    let mut seen = Vec::new();
    for entry in std::fs::read_dir(dir().join("nocfo-sdk-fixtures")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "json") {
            continue;
        }
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let v = value(&format!("nocfo-sdk-fixtures/{name}"));
        match name.as_str() {
            "aspsps_response.json" => {
                let banks: Vec<Aspsp> = typed(&v["aspsps"], &name);
                assert_eq!(banks.len(), v["aspsps"].as_array().unwrap().len());
                let aktia = banks.iter().find(|b| b.name == "Aktia").unwrap();
                assert_eq!(aktia.max_consent().unwrap().as_secs(), 3600);
                let dnb = banks.iter().find(|b| b.name == "DNB").unwrap();
                assert_eq!(dnb.required_psu_headers, ["psu-ip-address"]);
            }
            "account_balances_response.json" => {
                let balances: Vec<Balance> = typed(&v["balances"], &name);
                assert_eq!(balances[0].balance_type, BalanceType::InterimAvailable);
                assert_eq!(balances[0].balance_amount.amount.to_string(), "2107.45");
                assert_eq!(balances[0].reference_date, None);
            }
            "account_details_response.json" => {
                let a: Account = typed(&v, &name);
                assert_eq!(a.iban(), Some("FI2439390058811110"));
                assert_eq!(a.display_name(), Some("My account nickname"));
                assert_eq!(a.identification_hashes.len(), 4);
            }
            "account_transactions_1_response.json" | "account_transactions_2_response.json" => {
                let records: Vec<TransactionRecord> = typed(&v["transactions"], &name);
                for r in &records {
                    let t = r.parse().unwrap();
                    assert_eq!(t.status, TransactionStatus::Booked);
                    assert_eq!(t.credit_debit_indicator, Some(CreditDebit::Debit));
                    assert!(t.signed_amount().is_sign_negative());
                    assert!(t.entry_reference.is_some());
                    assert!(t.counterparty().unwrap().name.is_some());
                }
                // The raw JSON keeps what the types do not name.
                assert!(
                    records[0]
                        .value()
                        .get("debtor_account_additional_identification")
                        .is_some()
                );
            }
            "authorize_user_session_response.json" => {
                let s: AuthorizedSession = typed(&v, &name);
                assert_eq!(s.aspsp, AspspId::new("S-Pankki", "FI"));
                assert_eq!(
                    s.accounts[0].cash_account_type,
                    Some(CashAccountType::Current)
                );
                assert!(s.access.valid_until.is_some());
            }
            "start_user_session_response.json" => {
                let s: AuthStart = typed(&v, &name);
                assert_eq!(s.url.host_str(), Some("tilisy.enablebanking.com"));
            }
            other => panic!("no reader for {other}"),
        }
        seen.push(name);
    }
    assert_eq!(seen.len(), 7, "{seen:?}");
}

/// An object of each property's first example.
fn from_properties(schema: &Value) -> Value {
    let mut o = serde_json::Map::new();
    if let Some(props) = schema["property_examples"].as_object() {
        for (k, examples) in props {
            o.insert(k.clone(), examples[0].clone());
        }
    }
    Value::Object(o)
}

#[test]
fn the_api_reference_s_examples() {
    let v = value("spec-schema-examples.json");
    let schemas = v["schemas"].as_object().unwrap();
    let amount = json!({"currency": "EUR", "amount": "1.23"});
    for (name, schema) in schemas {
        let example = if schema["example"].is_object() {
            schema["example"].clone()
        } else {
            from_properties(schema)
        };
        match name.as_str() {
            "Transaction" => {
                let mut t = from_properties(schema);
                t["transaction_amount"] = amount.clone();
                let r = TransactionRecord::from_json(&t.to_string()).unwrap();
                let t = r.parse().unwrap();
                assert_eq!(
                    t.remittance_information,
                    ["RF07850352502356628678117", "Gift for Alex"]
                );
                assert_eq!(t.signed_amount().to_string(), "1.23");
                assert_eq!(
                    t.counterparty_account().unwrap().iban.as_deref(),
                    Some("FI8638798819867751")
                );
                assert_eq!(
                    t.creditor_account_additional_identification[0]
                        .scheme_name
                        .as_deref(),
                    Some("BBAN")
                );
            }
            "AmountType" => assert_eq!(typed::<Amount>(&example, name).amount.to_string(), "1.23"),
            "BankTransactionCode" => {
                assert_eq!(
                    typed::<BankTransactionCode>(&example, name)
                        .sub_code
                        .as_deref(),
                    Some("32")
                )
            }
            "PartyIdentification" => {
                assert_eq!(
                    typed::<Party>(&example, name).name.as_deref(),
                    Some("MyPreferredAisp")
                )
            }
            "AccountIdentification" => {
                assert!(
                    typed::<AccountIdentification>(&example, name)
                        .iban
                        .is_some()
                )
            }
            "GenericIdentification" => {
                assert_eq!(
                    typed::<GenericIdentification>(&example, name)
                        .scheme_name
                        .as_deref(),
                    Some("BBAN")
                )
            }
            "BalanceResource" => {
                let mut b = example.clone();
                b["balance_amount"] = amount.clone();
                assert!(typed::<Balance>(&b, name).balance_type.is_booked());
            }
            "AccountResource" => {
                assert!(
                    typed::<Account>(&example, name)
                        .identification_hash
                        .is_some()
                )
            }
            "GetSessionResponse" => {
                let s: SessionInfo = typed(&example, name);
                assert_eq!(s.status, SessionStatus::Authorized);
                assert_eq!(s.accounts_data[0].uid, s.accounts[0]);
            }
            "AuthorizeSessionResponse" | "Access" => {
                let access = if name == "Access" {
                    example.clone()
                } else {
                    example["access"].clone()
                };
                assert!(typed::<Access>(&access, name).valid_until.is_some());
            }
            "StartAuthorizationRequest" => {
                // A request: its parts are what `AuthRequest` writes.
                assert!(typed::<AspspId>(&example["aspsp"], name).name == "Nordea");
            }
            "StartAuthorizationResponse" => {
                assert!(
                    typed::<AuthStart>(&example, name)
                        .url
                        .as_str()
                        .contains("sessionid")
                )
            }
            "ASPSP" => assert_eq!(typed::<AspspId>(&example, name).country, "FI"),
            "ASPSPData" => {
                let a: Aspsp = typed(&example, name);
                assert_eq!(a.max_consent().unwrap().as_secs(), 15_552_000);
                assert_eq!(a.required_psu_headers, ["Psu-Ip-Address"]);
            }
            "ErrorResponse" => {
                let b: ErrorBody = typed(&example, name);
                assert_eq!(b.error, Some(ErrorCode::PsuHeaderNotProvided));
                let e = Error::from_response(
                    Operation::new("GET balances"),
                    422,
                    &example.to_string(),
                    &[],
                );
                assert!(matches!(e, Error::PsuHeadersRequired { .. }), "{e:?}");
            }
            "Credential" => {
                // Part of an authentication method; kept in the raw answer.
                let aspsp = json!({"name": "X", "auth_methods": [{"psu_type": "personal", "approach": "EMBEDDED",
                    "hidden_method": false, "credentials": [example]}]});
                assert_eq!(typed::<Aspsp>(&aspsp, name).auth_methods.len(), 1);
            }
            other => panic!("no reader for schema {other}"),
        }
    }
}

/// Actual's hand-written TypeScript mocks, read as JSON: keys quoted,
/// single quotes made double, trailing commas dropped, a date expression
/// replaced by a date, references to earlier mocks replaced by them.
fn ts_consts(src: &str) -> BTreeMap<String, Value> {
    let mut out = BTreeMap::new();
    let mut rest = src;
    while let Some(i) = rest.find("export const ") {
        rest = &rest[i + "export const ".len()..];
        let name: String = rest
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        let start = rest.find(['{', '[']).unwrap();
        let body = balanced(&rest[start..]);
        let json = ts_to_json(body, &out);
        let v: Value =
            serde_json::from_str(&json).unwrap_or_else(|e| panic!("{name}: {e}\n{json}"));
        out.insert(name, v);
        rest = &rest[start + body.len()..];
    }
    out
}

/// The bracketed text at the start of `s`, brackets matched outside strings.
fn balanced(s: &str) -> &str {
    let mut depth = 0;
    let mut quote = None;
    for (i, c) in s.char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '\'' | '"') => quote = Some(c),
            (None, '{' | '[') => depth += 1,
            (None, '}' | ']') => {
                depth -= 1;
                if depth == 0 {
                    return &s[..=i];
                }
            }
            _ => {}
        }
    }
    panic!("unbalanced: {s}")
}

fn ts_to_json(src: &str, known: &BTreeMap<String, Value>) -> String {
    let src = match src.find("new Date(") {
        Some(i) => {
            let end = src[i..].find(".toISOString()").unwrap() + i + ".toISOString()".len();
            format!("{}'2026-06-01T00:00:00.000Z'{}", &src[..i], &src[end..])
        }
        None => src.to_owned(),
    };
    let chars: Vec<char> = src.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '\'' || c == '"' {
            let end = (i + 1..chars.len()).find(|&j| chars[j] == c).unwrap();
            let text: String = chars[i + 1..end].iter().collect();
            out.push_str(&serde_json::to_string(&text).unwrap());
            i = end + 1;
        } else if c.is_alphabetic() || c == '_' {
            let end = (i..chars.len())
                .find(|&j| !(chars[j].is_alphanumeric() || chars[j] == '_'))
                .unwrap_or(chars.len());
            let word: String = chars[i..end].iter().collect();
            let next = chars[end..].iter().find(|c| !c.is_whitespace());
            if next == Some(&':') {
                out.push_str(&format!("\"{word}\""));
            } else if let Some(v) = known.get(&word) {
                out.push_str(&v.to_string());
            } else {
                out.push_str(&word);
            }
            i = end;
        } else if c == ','
            && chars[i + 1..]
                .iter()
                .find(|c| !c.is_whitespace())
                .is_some_and(|n| matches!(n, '}' | ']'))
        {
            i += 1;
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

#[test]
fn actual_s_mocks() {
    let consts = ts_consts(&read("actual-mocks/fixtures.ts"));
    assert_eq!(consts.len(), 14, "{:?}", consts.keys());
    for (name, v) in &consts {
        match name.as_str() {
            "mockAspsp" => {
                assert!(typed::<Aspsp>(v, name).serves(&enablebanking::PsuType::Personal))
            }
            "mockAspspList" => assert_eq!(typed::<Vec<Aspsp>>(v, name).len(), 3),
            "mockSessionAccount" | "mockSessionAccountNoName" | "mockSessionAccountMinimal" => {
                let a: Account = typed(v, name);
                assert!(a.uid.is_some());
                assert_eq!(
                    a.identification_hash.is_some(),
                    name == "mockSessionAccount"
                );
            }
            "mockSession" => assert_eq!(typed::<AuthorizedSession>(v, name).accounts.len(), 1),
            "mockAuthResponse" => {
                assert_eq!(
                    typed::<AuthStart>(v, name).authorization_id.as_deref(),
                    Some("auth-id-123")
                )
            }
            "mockBalance" | "mockNegativeBalance" => {
                let b: Balance = typed(v, name);
                assert_eq!(
                    b.balance_amount.amount.is_sign_negative(),
                    name == "mockNegativeBalance"
                );
            }
            _ => {
                let r = TransactionRecord::from_json(&v.to_string()).unwrap();
                let t = r.parse().unwrap_or_else(|e| panic!("{name}: {e}"));
                match name.as_str() {
                    "mockCreditTransaction" => assert_eq!(t.signed_amount().to_string(), "100.50"),
                    // Signed by the bank and marked debit: negative once.
                    "mockDebitTransaction" => assert_eq!(t.signed_amount().to_string(), "-25.99"),
                    "mockPendingTransaction" => {
                        assert!(t.status.is_pending());
                        assert_eq!(t.booking_date, None);
                        assert_eq!(t.signed_amount().to_string(), "-10.00");
                    }
                    "mockTransactionNoPayee" | "mockTransactionMinimal" => {
                        assert_eq!(t.credit_debit_indicator, None);
                        assert!(t.counterparty().is_none());
                    }
                    other => panic!("no reader for {other}"),
                }
            }
        }
    }
}

#[test]
fn error_bodies_seen_in_the_wild() {
    let md = read("real-world-error-bodies.md");
    let mut bodies = Vec::new();
    let mut i = 0;
    while let Some(j) = md[i..].find("{\"") {
        let at = i + j;
        let mut stream = serde_json::Deserializer::from_str(&md[at..]).into_iter::<Value>();
        match stream.next() {
            Some(Ok(v)) => {
                bodies.push((v, md[at..at + stream.byte_offset()].to_owned()));
                i = at + stream.byte_offset();
            }
            _ => i = at + 2,
        }
    }
    let kinds: Vec<String> = bodies
        .iter()
        .map(|(v, text)| {
            let status = v["code"].as_u64().or(v["status"].as_u64()).unwrap_or(400) as u16;
            let e = Error::from_response(Operation::new("GET transactions"), status, text, &[]);
            if let Error::WrongPeriod { date_from, .. } = &e {
                assert_eq!(date_from.unwrap().to_string(), "2025-11-17");
            }
            format!("{e:?}")
                .split_whitespace()
                .next()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert_eq!(
        kinds,
        [
            "WrongPeriod",
            "ApplicationInactive",
            "BankDailyLimit",
            "Invalid",
            "Invalid",
            "SessionEnded"
        ],
        "{bodies:?}"
    );
}

#[test]
fn the_official_postman_collection() {
    let v = value("official-samples/postman_collection.json");
    let mut paths = Vec::new();
    fn walk(items: &Value, paths: &mut Vec<(String, String)>) {
        for item in items.as_array().unwrap() {
            if item.get("item").is_some() {
                walk(&item["item"], paths);
                continue;
            }
            let req = &item["request"];
            let path: Vec<&str> = req["url"]["path"]
                .as_array()
                .map(|p| p.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            paths.push((req["method"].as_str().unwrap().to_owned(), path.join("/")));
            for resp in item["response"].as_array().into_iter().flatten() {
                if let Some(body) = resp["body"].as_str().filter(|b| !b.trim().is_empty()) {
                    serde_json::from_str::<Value>(body).expect("response bodies are JSON");
                }
            }
            if let Some(body) = req["body"]["raw"]
                .as_str()
                .filter(|b| b.contains("valid_until"))
            {
                // The sample's authorisation request: its bank reads as ours.
                let b: Value = serde_json::from_str(body).unwrap();
                assert_eq!(
                    typed::<AspspId>(&b["aspsp"], "auth body"),
                    AspspId::new("Nordea", "FI")
                );
                assert_eq!(b["psu_type"], "personal");
            }
        }
    }
    walk(&v["item"], &mut paths);
    // Every account-information call of the sample is one the client makes.
    for (method, path) in &paths {
        let covered = match (
            method.as_str(),
            path.split('/').collect::<Vec<_>>().as_slice(),
        ) {
            ("GET", ["application"] | ["aspsps"] | ["sessions", _]) => true,
            ("POST", ["auth"] | ["sessions"]) => true,
            ("GET", ["accounts", _, "balances" | "transactions" | "details"]) => true,
            (_, ["payments", ..]) => false,
            other => panic!("an AIS call the client lacks: {other:?}"),
        };
        let _ = covered;
    }
    assert!(paths.iter().any(|(_, p)| p.ends_with("/transactions")));
}
