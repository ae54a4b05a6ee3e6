//! Institutions, end-user agreements and requisitions through their lifecycle.

use crate::common;

use common::{Api, fixture};
use fake_gocardless::{FakeServer, Options};
use serde_json::{Value, json};

fn start() -> FakeServer {
    FakeServer::start(Options {
        accounts: 2,
        transactions_per_account: 10,
        ..Options::default()
    })
}

#[test]
fn institutions_filter_by_country_and_feature() {
    let s = start();
    let api = Api::login(&s);
    let all = api.get("/institutions/");
    assert_eq!(all.status, 200);
    let all = all.json.as_array().unwrap().clone();
    assert!(all.len() >= 5);
    for i in &all {
        assert!(i["transaction_total_days"].is_string());
        assert!(i["max_access_valid_for_days"].is_string());
        assert!(i["countries"].is_array());
        assert!(i["logo"].is_string());
    }
    let de = api.get("/institutions/?country=DE").json;
    let de = de.as_array().unwrap();
    assert!(!de.is_empty() && de.len() < all.len());
    assert!(
        de.iter()
            .all(|i| i["countries"].as_array().unwrap().contains(&json!("DE")))
    );
    let lower = api.get("/institutions/?country=de").json;
    assert_eq!(lower.as_array().unwrap().len(), de.len());

    let pending = api
        .get("/institutions/?pending_transactions_supported=true")
        .json;
    let no_pending = api
        .get("/institutions/?pending_transactions_supported=false")
        .json;
    let (p, n) = (pending.as_array().unwrap(), no_pending.as_array().unwrap());
    assert_eq!(p.len() + n.len(), all.len());
    assert!(p.iter().all(|i| {
        i["supported_features"]
            .as_array()
            .unwrap()
            .contains(&json!("pending_transactions"))
    }));
    let both = api
        .get("/institutions/?country=DE&business_accounts_supported=true&card_accounts_supported=true")
        .json;
    assert!(both.as_array().unwrap().len() < de.len());

    let bad = api.get("/institutions/?country=US");
    assert_eq!(bad.status, 400);
    assert_eq!(bad.json, fixture("api/error_400_invalid_country.json"));

    let one = api.get(&format!("/institutions/{}/", s.institution_id()));
    assert_eq!(one.status, 200);
    assert_eq!(one.json["id"], s.institution_id());
    assert!(one.json["supported_features"].is_array());
    assert_eq!(api.get("/institutions/NOPE_NOPE/").status, 404);
}

#[test]
fn agreements_are_validated_against_the_institution() {
    let s = start();
    let api = Api::login(&s);
    let a = api.post(
        "/agreements/enduser/",
        &json!({"institution_id": "SANDBOXFINANCE_SFIN0000", "max_historical_days": 180, "access_valid_for_days": 200}),
    );
    assert_eq!(a.status, 400);
    assert_eq!(
        a.json["max_historical_days"]["detail"],
        "max_historical_days must be > 0 and <= SANDBOXFINANCE_SFIN0000 transaction_total_days (90)"
    );
    assert_eq!(
        a.json["access_valid_for_days"]["detail"],
        "access_valid_for_days must be > 0 and <= 90"
    );
    assert_eq!(a.json["status_code"], 400);
    let a = api.post("/agreements/enduser/", &json!({"max_historical_days": 30}));
    assert_eq!(a.status, 400);
    assert_eq!(a.json["institution_id"], json!(["This field is required."]));
    let a = api.post(
        "/agreements/enduser/",
        &json!({"institution_id": "SANDBOXFINANCE_SFIN0000", "access_scope": ["balances", "money"]}),
    );
    assert_eq!(a.status, 400);
    assert!(a.json["access_scope"].is_object());
}

#[test]
fn agreement_lifecycle() {
    let s = start();
    let api = Api::login(&s);
    let created = api.post(
        "/agreements/enduser/",
        &json!({"institution_id": "FAKEBANK_FAKEDEB1", "max_historical_days": 730,
                "access_valid_for_days": 180, "access_scope": ["balances", "transactions"]}),
    );
    assert_eq!(created.status, 201, "{}", created.text);
    let id = created.json["id"].as_str().unwrap().to_string();
    assert_eq!(created.json["max_historical_days"], 730);
    assert_eq!(created.json["accepted"], Value::Null);
    assert_eq!(
        created.json["access_scope"],
        json!(["balances", "transactions"])
    );

    let got = api.get(&format!("/agreements/enduser/{id}/"));
    assert_eq!(got.json, created.json);

    let bad = api.put(
        &format!("/agreements/enduser/{id}/accept/"),
        &json!({"user_agent": "x"}),
    );
    assert_eq!(bad.status, 400);
    assert_eq!(bad.json["ip_address"], json!(["This field is required."]));
    let ok = api.put(
        &format!("/agreements/enduser/{id}/accept/"),
        &json!({"user_agent": "Mozilla/5.0", "ip_address": "192.0.2.1"}),
    );
    assert_eq!(ok.status, 200);
    assert!(ok.json["accepted"].is_string());
    let again = api.put(
        &format!("/agreements/enduser/{id}/accept/"),
        &json!({"user_agent": "Mozilla/5.0", "ip_address": "192.0.2.1"}),
    );
    assert_eq!(again.status, 405);

    let list = api.get("/agreements/enduser/?limit=1&offset=0");
    assert_eq!(list.json["count"], 2);
    assert_eq!(list.json["results"].as_array().unwrap().len(), 1);
    assert_eq!(list.json["results"][0]["id"], id.as_str(), "newest first");
    assert!(
        list.json["next"]
            .as_str()
            .unwrap()
            .ends_with("/agreements/enduser/?limit=1&offset=1")
    );
    assert_eq!(list.json["previous"], Value::Null);
    let page2 = api.get(list.json["next"].as_str().unwrap());
    assert_eq!(page2.json["next"], Value::Null);
    assert!(page2.json["previous"].is_string());

    let del = api.delete(&format!("/agreements/enduser/{id}/"));
    assert_eq!(del.status, 200);
    assert_eq!(del.json["summary"], "End User Agreement deleted");
    assert_eq!(api.get(&format!("/agreements/enduser/{id}/")).status, 404);
    assert_eq!(api.get("/agreements/enduser/not-a-uuid/").status, 400);
}

#[test]
fn reconfirmation() {
    let s = start();
    let api = Api::login(&s);
    let created = api.post(
        "/agreements/enduser/",
        &json!({"institution_id": "GLASGOW_MUTUAL_GLMUGB2L", "reconfirmation": true}),
    );
    assert_eq!(created.status, 201, "{}", created.text);
    let id = created.json["id"].as_str().unwrap().to_string();
    let path = format!("/agreements/enduser/{id}/reconfirm/");
    assert_eq!(api.post(&path, &json!({})).status, 400, "not accepted yet");
    api.put(
        &format!("/agreements/enduser/{id}/accept/"),
        &json!({"user_agent": "ua", "ip_address": "192.0.2.1"}),
    );
    assert_eq!(api.get(&path).status, 404);
    let r = api.post(&path, &json!({"redirect": "https://example.org/back"}));
    assert_eq!(r.status, 201);
    assert!(r.json["reconfirmation_url"].is_string());
    assert_eq!(r.json["redirect"], "https://example.org/back");
    assert_eq!(api.get(&path).json, r.json);
}

#[test]
fn requisition_lifecycle() {
    let s = start();
    let api = Api::login(&s);
    // The one made at start is linked with the generated accounts.
    let list = api.get("/requisitions/");
    assert_eq!(list.json["count"], 1);
    let first = &list.json["results"][0];
    assert_eq!(first["status"], "LN");
    assert_eq!(first["accounts"], json!(s.account_ids()));
    assert_eq!(first["id"], s.requisition_id());

    let missing = api.post("/requisitions/", &json!({}));
    assert_eq!(missing.status, 400);
    assert_eq!(
        missing.json,
        fixture("api/error_400_fields_required_spec.json")
    );

    let agreement = api.post(
        "/agreements/enduser/",
        &json!({"institution_id": "SANDBOXFINANCE_SFIN0000"}),
    );
    let agreement_id = agreement.json["id"].as_str().unwrap();
    let mismatch = api.post(
        "/requisitions/",
        &json!({"redirect": "https://example.org", "institution_id": "FAKEBANK_FAKEDEB1", "agreement": agreement_id}),
    );
    assert_eq!(mismatch.status, 400);
    assert_eq!(
        mismatch.json["agreement"]["summary"],
        "Incorrect Institution ID "
    );

    let r = api.post(
        "/requisitions/",
        &json!({"redirect": "https://example.org", "institution_id": "SANDBOXFINANCE_SFIN0000",
                "agreement": agreement_id, "reference": "ref-1", "user_language": "EN"}),
    );
    assert_eq!(r.status, 201, "{}", r.text);
    let id = r.json["id"].as_str().unwrap().to_string();
    assert_eq!(r.json["status"], "CR");
    assert_eq!(r.json["accounts"], json!([]));
    assert!(r.json["link"].as_str().unwrap().starts_with("https://"));
    assert_eq!(r.json["agreement"], agreement_id);

    let linked = s.link_requisition(&id);
    assert_eq!(linked.len(), 2);
    let got = api.get(&format!("/requisitions/{id}/"));
    assert_eq!(got.json["status"], "LN");
    assert_eq!(got.json["accounts"], json!(linked));
    let acc = api.get(&format!("/accounts/{}/", linked[0]));
    assert_eq!(acc.json["institution_id"], "SANDBOXFINANCE_SFIN0000");
    assert_eq!(
        api.get(&format!("/accounts/{}/transactions/", linked[0]))
            .status,
        200
    );
    // Linking accepted the agreement.
    assert!(
        api.get(&format!("/agreements/enduser/{agreement_id}/"))
            .json["accepted"]
            .is_string()
    );

    s.set_requisition_status(&id, "RJ");
    assert_eq!(
        api.get(&format!("/requisitions/{id}/")).json["status"],
        "RJ"
    );
    s.set_requisition_status(&id, "EX");
    let expired = api.get(&format!("/accounts/{}/balances/", linked[1]));
    assert_eq!(expired.status, 401);
    assert!(
        expired.json["summary"]
            .as_str()
            .unwrap()
            .contains(agreement_id)
    );

    let del = api.delete(&format!("/requisitions/{id}/"));
    assert_eq!(del.status, 200);
    assert_eq!(
        del.json["detail"],
        format!("Requisition {id} deleted with all its End User Agreements")
    );
    assert_eq!(api.get(&format!("/requisitions/{id}/")).status, 404);
    assert_eq!(
        api.get(&format!("/agreements/enduser/{agreement_id}/"))
            .status,
        404
    );
    let gone = api.get(&format!("/accounts/{}/transactions/", linked[0]));
    assert_eq!(gone.status, 401);
    assert_eq!(gone.json["type"], "AccessExpiredError");
}

#[test]
fn requisition_list_pages_follow_next() {
    let s = start();
    let api = Api::login(&s);
    for n in 0..6 {
        let r = api.post(
            "/requisitions/",
            &json!({"redirect": "https://example.org", "institution_id": "NORDLICHT_NLBKDEFF", "reference": format!("r{n}")}),
        );
        assert_eq!(r.status, 201);
        // Without an agreement, a default one is made for the institution.
        let a = api.get(&format!(
            "/agreements/enduser/{}/",
            r.json["agreement"].as_str().unwrap()
        ));
        assert_eq!(a.json["institution_id"], "NORDLICHT_NLBKDEFF");
    }
    let mut url = "/requisitions/?limit=3".to_string();
    let mut ids = Vec::new();
    let mut pages = 0;
    loop {
        let page = api.get(&url);
        assert_eq!(page.json["count"], 7);
        pages += 1;
        for r in page.json["results"].as_array().unwrap() {
            ids.push(r["id"].as_str().unwrap().to_string());
        }
        match page.json["next"].as_str() {
            Some(next) => url = next.to_string(),
            None => break,
        }
    }
    assert_eq!(pages, 3);
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 7);
    assert_eq!(api.get("/requisitions/?limit=abc").status, 400);
}

#[test]
fn wrong_method_and_unknown_path() {
    let s = start();
    let api = Api::login(&s);
    assert_eq!(api.delete("/institutions/").status, 405);
    assert_eq!(api.get("/nothing/here/").status, 404);
    assert_eq!(api.get("/token/new/").status, 405);
}

#[test]
fn agreements_run_out_on_the_clock() {
    let s = start();
    let id = s.account_ids()[0].clone();
    s.advance(chrono::Duration::days(59));
    let api = Api::login(&s);
    assert_eq!(api.get(&format!("/accounts/{id}/balances/")).status, 200);
    s.advance(chrono::Duration::days(1));
    let api = Api::login(&s);
    let a = api.get(&format!("/accounts/{id}/balances/"));
    assert_eq!(a.status, 401);
    assert!(a.json["summary"].as_str().unwrap().ends_with("has expired"));
    assert_eq!(
        a.json["detail"],
        "EUA was valid for 90 days and it expired at 2027-01-19. The end user must connect the account once more with new EUA and Requisition"
    );
    let r = api.get(&format!("/requisitions/{}/", s.requisition_id()));
    assert_eq!(r.json["status"], "EX");
    assert_eq!(
        api.get(&format!("/accounts/{id}/")).json["status"],
        "EXPIRED"
    );
}

#[test]
fn agreements_limit_scope_and_history() {
    let s = start();
    let api = Api::login(&s);
    let agreement = api.post(
        "/agreements/enduser/",
        &json!({"institution_id": "FAKEBANK_FAKEDEB1", "max_historical_days": 30,
                "access_scope": ["balances", "transactions"]}),
    );
    let r = api.post(
        "/requisitions/",
        &json!({"redirect": "https://example.org", "institution_id": "FAKEBANK_FAKEDEB1",
                "agreement": agreement.json["id"]}),
    );
    let rid = r.json["id"].as_str().unwrap();
    let id = s.link_requisition_with(rid, 1).remove(0);
    let d = api.get(&format!("/accounts/{id}/details/"));
    assert_eq!(d.status, 403);
    assert_eq!(d.json, for_details(fixture("api/error_403_eua_scope.json")));
    let t = api.get(&format!("/accounts/{id}/transactions/"));
    assert_eq!(t.status, 200);
    let oldest = (s.now().date_naive() - chrono::Days::new(30)).to_string();
    let booked = t.json["transactions"]["booked"].as_array().unwrap();
    assert!(!booked.is_empty());
    for tx in booked {
        let dates: Vec<&str> = ["bookingDate", "valueDate"]
            .iter()
            .filter_map(|k| tx.get(*k).and_then(Value::as_str))
            .collect();
        assert!(dates.iter().any(|d| *d >= oldest.as_str()), "{tx}");
    }
}

/// The fixture speaks of transactions; the same error for details.
fn for_details(mut v: Value) -> Value {
    let detail = v["detail"]
        .as_str()
        .unwrap()
        .replace("transactions", "details");
    v["detail"] = json!(detail);
    v
}
