//! Reading presets from YAML. Every check runs inside `Deserialize`, so
//! the YAML reader attaches the line and column of the offending key or
//! value to the error (for checks that need a whole step, such as capture
//! references, the position is the step's start).

use std::fmt;

use importer::Status;
use importer::rules::AmountCondition;
use importer::rules::{OneOrMany, Ordered, scalar};
use regex::Regex;
use serde::Deserialize;
use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

use crate::balance::{BalanceDate, BalanceKind, BalancePreference};
use crate::catalogue::{Preset, Source};
use crate::condition::Condition;
use crate::field::{Field, Kind};
use crate::step::{Action, DateSource, Step};
use crate::template::Template;

const PRESET_KEYS: &[&str] = &["name", "description", "institutions", "steps", "balance"];

const STEP_KEYS: &[&str] = &[
    "name",
    "if",
    "unless",
    "stop",
    "join_with",
    "set",
    "append",
    "clear",
    "in",
    "replace",
    "remove",
    "unescape",
    "flip_sign",
    "date",
    "drop",
];

/// The keys of a step that are its action.
const ACTIONS: &[&str] = &[
    "set",
    "append",
    "clear",
    "replace",
    "remove",
    "unescape",
    "flip_sign",
    "date",
    "drop",
];

/// Condition keys besides field names.
const CONDITION_KEYS: &[&str] = &[
    "payee",
    "narration",
    "text",
    "iban",
    "amount",
    "currency",
    "code",
    "field",
    "status",
    "missing",
    "present",
];

const BALANCE_KEYS: &[&str] = &["use", "date", "negate", "plus"];

/// "unknown WHAT `name`: did you mean `x`? (valid: …)".
pub(crate) fn unknown(what: &str, name: &str, valid: &[&str]) -> String {
    let hint = valid
        .iter()
        .map(|v| (strsim::damerau_levenshtein(name, v), *v))
        .filter(|(d, v)| *d <= 2.max(v.len() / 3) || (name.len() >= 3 && v.starts_with(name)))
        .min_by_key(|(d, _)| *d)
        .map(|(_, v)| format!("did you mean `{v}`? "))
        .unwrap_or_default();
    format!(
        "unknown {what} `{name}`: {hint}(valid: {})",
        valid.join(", ")
    )
}

/// A key checked against a list, read at its own position.
struct Key {
    valid: &'static [&'static str],
    what: &'static str,
}

impl<'de> DeserializeSeed<'de> for Key {
    type Value = &'static str;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        scalar(d, |key| {
            self.valid
                .iter()
                .find(|v| **v == key)
                .copied()
                .ok_or_else(|| unknown(self.what, &key, self.valid))
        })
    }
}

struct Text(String);

impl<'de> Deserialize<'de> for Text {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        scalar(d, |s| Ok(Text(s)))
    }
}

/// `true`, the only value of the flag actions.
struct Yes;

impl<'de> Deserialize<'de> for Yes {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Yes;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("`true`")
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Yes, E> {
                match v {
                    true => Ok(Yes),
                    false => Err(E::custom(
                        "`false` does nothing here: write `true`, or remove the step",
                    )),
                }
            }
        }
        d.deserialize_bool(V)
    }
}

struct Pattern(Regex);

impl<'de> Deserialize<'de> for Pattern {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        scalar(d, |s| {
            Regex::new(&s)
                .map(Pattern)
                .map_err(|e| format!("invalid regex `{s}`: {e}"))
        })
    }
}

struct Tpl(Template);

impl<'de> Deserialize<'de> for Tpl {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        scalar(d, |s| Template::parse(&s).map(Tpl))
    }
}

/// What a step may do with a field; checked where the field is named.
type FieldCheck = fn(Field) -> Result<(), String>;

fn any_field(_: Field) -> Result<(), String> {
    Ok(())
}

fn settable(f: Field) -> Result<(), String> {
    if f.settable() {
        return Ok(());
    }
    Err(format!(
        "`{}` cannot be set (dates are set with `date:`, the status never)",
        f.name()
    ))
}

fn appendable(f: Field) -> Result<(), String> {
    if f.kind() == Kind::Lines {
        return Ok(());
    }
    Err(format!(
        "`{}` takes no lines: only remittance_array and remittance_structured_array do",
        f.name()
    ))
}

fn clearable(f: Field) -> Result<(), String> {
    if f.clearable() {
        return Ok(());
    }
    Err(format!(
        "`clear: {}`: only bank fields can be cleared (to drop a payee or narration, clear the fields it comes from)",
        f.name()
    ))
}

fn editable(f: Field) -> Result<(), String> {
    if f.editable() {
        return Ok(());
    }
    Err(format!(
        "`in: {}`: only text fields can be edited (amount, currency, status and dates cannot)",
        f.name()
    ))
}

/// One field name, checked.
struct FieldFor(FieldCheck);

impl<'de> DeserializeSeed<'de> for FieldFor {
    type Value = Field;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Field, D::Error> {
        scalar(d, |s| {
            let f = Field::parse(&s)?;
            (self.0)(f)?;
            Ok(f)
        })
    }
}

/// One field name or a list of them, each checked.
struct FieldsFor(FieldCheck);

impl<'de> DeserializeSeed<'de> for FieldsFor {
    type Value = Vec<Field>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Vec<Field>, D::Error> {
        struct V(FieldCheck);
        impl<'de> Visitor<'de> for V {
            type Value = Vec<Field>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a field name or a list of them")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Vec<Field>, E> {
                FieldFor(self.0)
                    .deserialize(de::value::StrDeserializer::new(v))
                    .map(|f| vec![f])
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<Field>, A::Error> {
                let mut out = Vec::new();
                while let Some(f) = seq.next_element_seed(FieldFor(self.0))? {
                    out.push(f);
                }
                if out.is_empty() {
                    return Err(de::Error::custom("name at least one field"));
                }
                Ok(out)
            }
        }
        d.deserialize_any(V(self.0))
    }
}

/// `set:`/`append:`: fields (checked where named) and their texts.
struct Targets(FieldCheck);

impl<'de> DeserializeSeed<'de> for Targets {
    type Value = Vec<(Field, Vec<Template>)>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        struct V(FieldCheck);
        impl<'de> Visitor<'de> for V {
            type Value = Vec<(Field, Vec<Template>)>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a map of field: text, e.g. { payee: \"$1\" }")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut out: Self::Value = Vec::new();
                while let Some(f) = map.next_key_seed(FieldFor(self.0))? {
                    if out.iter().any(|(g, _)| *g == f) {
                        return Err(de::Error::custom(format!("`{}` given twice", f.name())));
                    }
                    let OneOrMany(ts) = map.next_value::<OneOrMany<Tpl>>()?;
                    if ts.is_empty() {
                        return Err(de::Error::custom(format!("`{}` needs a text", f.name())));
                    }
                    out.push((f, ts.into_iter().map(|t| t.0).collect()));
                }
                if out.is_empty() {
                    return Err(de::Error::custom("name at least one field"));
                }
                Ok(out)
            }
        }
        d.deserialize_map(V(self.0))
    }
}

struct KindName(BalanceKind);

impl<'de> Deserialize<'de> for KindName {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        scalar(d, |s| BalanceKind::parse(&s).map(KindName))
    }
}

/// The `if:`/`unless:` map.
struct Conditions(Vec<Condition>);

/// A condition key: a fixed one or a field name.
enum CondKey {
    Fixed(&'static str),
    Field(Field),
}

impl<'de> Deserialize<'de> for CondKey {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        scalar(d, |key| {
            if let Some(k) = CONDITION_KEYS.iter().find(|k| **k == key) {
                return Ok(CondKey::Fixed(k));
            }
            match Field::parse(&key) {
                Ok(f) if f.kind() == Kind::Text || f.kind() == Kind::Lines => Ok(CondKey::Field(f)),
                _ => {
                    let mut valid: Vec<&str> = CONDITION_KEYS.to_vec();
                    valid.extend(TEXT_FIELDS.iter().map(|f| f.name()));
                    Err(unknown("condition", &key, &valid))
                }
            }
        })
    }
}

/// The bank fields a condition may name directly (payee and narration are
/// the rules' conditions of the same name).
const TEXT_FIELDS: &[Field] = &[
    Field::CreditorName,
    Field::UltimateCreditor,
    Field::CreditorIban,
    Field::DebtorName,
    Field::UltimateDebtor,
    Field::DebtorIban,
    Field::Remittance,
    Field::RemittanceArray,
    Field::RemittanceStructured,
    Field::RemittanceStructuredArray,
    Field::AdditionalInformation,
    Field::BankCode,
    Field::ProprietaryCode,
    Field::Mcc,
    Field::TransactionId,
    Field::InternalTransactionId,
    Field::EntryReference,
    Field::EndToEndId,
];

impl<'de> Deserialize<'de> for Conditions {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Conditions;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(
                    "a map of conditions, e.g. { remittance: \"^CARTE (.+)\", amount: \"< 0\" }",
                )
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Conditions, A::Error> {
                let mut out = Vec::new();
                let mut seen: Vec<String> = Vec::new();
                while let Some(key) = map.next_key::<CondKey>()? {
                    let name = match &key {
                        CondKey::Fixed(k) => (*k).to_owned(),
                        CondKey::Field(f) => f.name().to_owned(),
                    };
                    if seen.contains(&name) {
                        return Err(de::Error::custom(format!("condition `{name}` given twice")));
                    }
                    seen.push(name);
                    let c = match key {
                        CondKey::Field(f) => Condition::Field(f, map.next_value::<Pattern>()?.0),
                        CondKey::Fixed("payee") => Condition::Payee(map.next_value::<Pattern>()?.0),
                        CondKey::Fixed("narration") => {
                            Condition::Narration(map.next_value::<Pattern>()?.0)
                        }
                        CondKey::Fixed("text") => Condition::Text(map.next_value::<Pattern>()?.0),
                        CondKey::Fixed("code") => Condition::Code(map.next_value::<Pattern>()?.0),
                        CondKey::Fixed("iban") => {
                            let Text(s) = map.next_value()?;
                            Condition::Iban(importer::rules::normalize_iban(&s))
                        }
                        CondKey::Fixed("currency") => {
                            let Text(s) = map.next_value()?;
                            Condition::Currency(s.trim().to_ascii_uppercase())
                        }
                        CondKey::Fixed("amount") => {
                            let a = map.next_value::<AmountText>()?;
                            Condition::Amount(a.0)
                        }
                        CondKey::Fixed("status") => {
                            Condition::Status(map.next_value::<StatusName>()?.0)
                        }
                        CondKey::Fixed("missing") => {
                            Condition::Missing(map.next_value_seed(FieldsFor(any_field))?)
                        }
                        CondKey::Fixed("present") => {
                            Condition::Present(map.next_value_seed(FieldsFor(any_field))?)
                        }
                        CondKey::Fixed("field") => {
                            let Ordered(fields) = map.next_value::<Ordered<Text, Pattern>>()?;
                            if fields.is_empty() {
                                return Err(de::Error::custom(
                                    "`field:` needs at least one `path: regex` entry",
                                ));
                            }
                            out.extend(fields.into_iter().map(|(p, r)| Condition::Json(p.0, r.0)));
                            continue;
                        }
                        CondKey::Fixed(other) => {
                            return Err(de::Error::custom(format!(
                                "condition `{other}` is not handled"
                            )));
                        }
                    };
                    out.push(c);
                }
                Ok(Conditions(out))
            }
        }
        d.deserialize_map(V)
    }
}

struct AmountText(AmountCondition);

impl<'de> Deserialize<'de> for AmountText {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        scalar(d, |s| {
            s.parse()
                .map(AmountText)
                .map_err(|e: importer::rules::AmountConditionError| e.to_string())
        })
    }
}

struct StatusName(Status);

impl<'de> Deserialize<'de> for StatusName {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        scalar(d, |s| match s.trim() {
            "booked" => Ok(StatusName(Status::Booked)),
            "pending" => Ok(StatusName(Status::Pending)),
            other => Err(unknown("status", other, &["booked", "pending"])),
        })
    }
}

/// The value of `date:`.
struct DateValue(RawDate);

enum RawDate {
    Fields(Vec<Field>),
    Parse(Template, String),
}

impl<'de> Deserialize<'de> for DateValue {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        fn date_field<E: de::Error>(s: &str) -> Result<Field, E> {
            let f = Field::parse(s).map_err(E::custom)?;
            if f.kind() != Kind::Date {
                return Err(E::custom(format!(
                    "`{s}` is not a date field: use booking_date, value_date, booking_date_time or value_date_time, or `{{ from: TEXT, format: \"%d.%m.%Y\" }}`"
                )));
            }
            Ok(f)
        }
        impl<'de> Visitor<'de> for V {
            type Value = DateValue;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(
                    "a date field (value_date), a list of them, or { from: TEXT, format: FORMAT }",
                )
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<DateValue, E> {
                Ok(DateValue(RawDate::Fields(vec![date_field(v)?])))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<DateValue, A::Error> {
                let mut out = Vec::new();
                while let Some(Text(s)) = seq.next_element()? {
                    out.push(date_field(&s)?);
                }
                if out.is_empty() {
                    return Err(de::Error::custom("`date:` needs at least one date field"));
                }
                Ok(DateValue(RawDate::Fields(out)))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<DateValue, A::Error> {
                let (mut from, mut format) = (None, None);
                let key = || Key {
                    valid: &["from", "format"],
                    what: "`date:` key",
                };
                while let Some(k) = map.next_key_seed(key())? {
                    match k {
                        "from" => from = Some(map.next_value::<Tpl>()?.0),
                        _ => format = Some(map.next_value::<DateFormat>()?.0),
                    }
                }
                match (from, format) {
                    (Some(t), Some(f)) => Ok(DateValue(RawDate::Parse(t, f))),
                    _ => Err(de::Error::custom(
                        "`date:` with a map needs both `from:` (the text, e.g. \"$1\") and `format:` (e.g. \"%d.%m.%Y\")",
                    )),
                }
            }
        }
        d.deserialize_any(V)
    }
}

struct DateFormat(String);

impl<'de> Deserialize<'de> for DateFormat {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        scalar(d, |s| {
            use chrono::format::{Item, StrftimeItems};
            let items: Vec<Item<'_>> = StrftimeItems::new(&s).collect();
            if items.iter().any(|i| matches!(i, Item::Error)) || s.trim().is_empty() {
                return Err(format!(
                    "invalid date format `{s}`: use strftime codes such as `%d.%m.%Y` or `%Y-%m-%d`"
                ));
            }
            Ok(DateFormat(s))
        })
    }
}

impl<'de> Deserialize<'de> for Step {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Step;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a step: a map with an optional `if:` and one action such as `set:`")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Step, A::Error> {
                let mut name = None;
                let mut when = Vec::new();
                let mut unless = Vec::new();
                let mut stop = false;
                let mut join = None;
                let mut fields: Option<Vec<Field>> = None;
                let mut action: Option<(&str, RawAction)> = None;
                let mut seen: Vec<&str> = Vec::new();
                let key = || Key {
                    valid: STEP_KEYS,
                    what: "step key",
                };
                while let Some(k) = map.next_key_seed(key())? {
                    if seen.contains(&k) {
                        return Err(de::Error::custom(format!("step key `{k}` given twice")));
                    }
                    seen.push(k);
                    if ACTIONS.contains(&k)
                        && let Some((other, _)) = &action
                    {
                        return Err(de::Error::custom(format!(
                            "a step does one thing: `{other}` and `{k}` are two actions; split them into two steps"
                        )));
                    }
                    let a = match k {
                        "name" => {
                            name = Some(map.next_value::<Text>()?.0);
                            continue;
                        }
                        "if" => {
                            when = map.next_value::<Conditions>()?.0;
                            continue;
                        }
                        "unless" => {
                            unless = map.next_value::<Conditions>()?.0;
                            continue;
                        }
                        "stop" => {
                            stop = map.next_value()?;
                            continue;
                        }
                        "join_with" => {
                            join = Some(map.next_value::<String>()?);
                            continue;
                        }
                        "in" => {
                            fields = Some(map.next_value_seed(FieldsFor(editable))?);
                            continue;
                        }
                        "set" => RawAction::Targets(map.next_value_seed(Targets(settable))?),
                        "append" => RawAction::Targets(map.next_value_seed(Targets(appendable))?),
                        "clear" => RawAction::Clear(map.next_value_seed(FieldsFor(clearable))?),
                        "replace" => RawAction::Replace(map.next_value::<Replacements>()?.0),
                        "remove" => RawAction::Remove(map.next_value::<Tpl>()?.0),
                        "unescape" => {
                            map.next_value::<Yes>()?;
                            RawAction::Unescape
                        }
                        "flip_sign" => {
                            map.next_value::<Yes>()?;
                            RawAction::FlipSign
                        }
                        "drop" => {
                            map.next_value::<Yes>()?;
                            RawAction::Drop
                        }
                        "date" => RawAction::Date(map.next_value::<DateValue>()?.0),
                        other => {
                            return Err(de::Error::custom(format!(
                                "step key `{other}` is not handled"
                            )));
                        }
                    };
                    action = Some((k, a));
                }
                let Some((kind, raw)) = action else {
                    return Err(de::Error::custom(format!(
                        "this step does nothing: give one action ({})",
                        ACTIONS.join(", ")
                    )));
                };
                let needs_in = matches!(kind, "replace" | "remove" | "unescape");
                let fields = match (needs_in, fields) {
                    (true, Some(f)) => f,
                    (true, None) => {
                        return Err(de::Error::custom(format!(
                            "`{kind}:` needs `in:` naming the field(s) to change, e.g. `in: remittance`"
                        )));
                    }
                    (false, Some(_)) => {
                        return Err(de::Error::custom(format!(
                            "`in:` goes with replace, remove or unescape, not with `{kind}:`"
                        )));
                    }
                    (false, None) => Vec::new(),
                };
                let offer = Step::offer(&when);
                let resolve = |t: &mut Template| t.resolve(&offer).map_err(de::Error::custom);
                let action = match raw {
                    RawAction::Targets(mut targets) => {
                        for (_, ts) in &mut targets {
                            for t in ts {
                                resolve(t)?;
                            }
                        }
                        if kind == "set" {
                            Action::Set(targets)
                        } else {
                            Action::Append(targets)
                        }
                    }
                    RawAction::Clear(f) => Action::Clear(f),
                    RawAction::Replace(pairs) => Action::Replace(fields, pairs),
                    RawAction::Remove(mut t) => {
                        resolve(&mut t)?;
                        Action::Remove(fields, t)
                    }
                    RawAction::Unescape => Action::Unescape(fields),
                    RawAction::FlipSign => Action::FlipSign,
                    RawAction::Drop => Action::Drop,
                    RawAction::Date(RawDate::Fields(f)) => Action::Date(DateSource::Fields(f)),
                    RawAction::Date(RawDate::Parse(mut t, format)) => {
                        resolve(&mut t)?;
                        Action::Date(DateSource::Parse(t, format))
                    }
                };
                if matches!(action, Action::Drop) && stop {
                    return Err(de::Error::custom(
                        "`stop: true` with `drop: true` says nothing more: a dropped record goes through no further step",
                    ));
                }
                Ok(Step {
                    name,
                    when,
                    unless,
                    action,
                    stop,
                    join: join.unwrap_or_else(|| " ".to_owned()),
                })
            }
        }
        d.deserialize_map(V)
    }
}

enum RawAction {
    Targets(Vec<(Field, Vec<Template>)>),
    Clear(Vec<Field>),
    Replace(Vec<(Regex, String)>),
    Remove(Template),
    Unescape,
    FlipSign,
    Drop,
    Date(RawDate),
}

/// `replace:`'s map of regex to replacement, in order; each replacement
/// is checked against its regex where it is written.
struct Replacements(Vec<(Regex, String)>);

impl<'de> Deserialize<'de> for Replacements {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        struct With<'r>(&'r Regex);
        impl<'de> DeserializeSeed<'de> for With<'_> {
            type Value = String;
            fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<String, D::Error> {
                scalar(d, |with| check_replacement(self.0, &with).map(|()| with))
            }
        }
        impl<'de> Visitor<'de> for V {
            type Value = Replacements;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a map of `regex: replacement`, e.g. { '\\s+': ' ' }")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Replacements, A::Error> {
                let mut out = Vec::new();
                while let Some(Pattern(re)) = map.next_key()? {
                    let with = map.next_value_seed(With(&re))?;
                    out.push((re, with));
                }
                if out.is_empty() {
                    return Err(de::Error::custom(
                        "`replace:` needs at least one `regex: replacement` entry",
                    ));
                }
                Ok(Replacements(out))
            }
        }
        d.deserialize_map(V)
    }
}

/// Checks that `$1` and `${name}` in a replacement name groups of `re`
/// (the regex crate would silently insert nothing).
fn check_replacement(re: &Regex, with: &str) -> Result<(), String> {
    let mut rest = with;
    while let Some(at) = rest.find('$') {
        rest = &rest[at + 1..];
        if let Some(r) = rest.strip_prefix('$') {
            rest = r;
            continue;
        }
        let (name, after) = if let Some(r) = rest.strip_prefix('{') {
            match r.find('}') {
                Some(end) => (&r[..end], &r[end + 1..]),
                None => return Err(format!("unclosed `${{` in the replacement `{with}`")),
            }
        } else {
            let end = rest
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(rest.len());
            (&rest[..end], &rest[end..])
        };
        if name.is_empty() {
            return Err(format!(
                "`$` in the replacement `{with}` must name a group (`$1`, `${{name}}`); write `$$` for a `$`"
            ));
        }
        let exists = match name.parse::<usize>() {
            Ok(n) => n < re.captures_len(),
            Err(_) => re.capture_names().any(|n| n == Some(name)),
        };
        if !exists {
            return Err(format!(
                "the replacement `{with}` uses `${name}`, which `{}` does not capture (write `${{1}}x` when a letter follows a group number)",
                re.as_str()
            ));
        }
        rest = after;
    }
    Ok(())
}

impl<'de> Deserialize<'de> for BalancePreference {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = BalancePreference;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a map such as { use: [closingBooked, interimBooked] }")
            }
            fn visit_map<A: MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<BalancePreference, A::Error> {
                let mut order = None;
                let mut date = BalanceDate::default();
                let mut negate = false;
                let mut plus = Vec::new();
                let key = || Key {
                    valid: BALANCE_KEYS,
                    what: "balance key",
                };
                while let Some(k) = map.next_key_seed(key())? {
                    match k {
                        "use" => {
                            let OneOrMany(kinds) = map.next_value::<OneOrMany<KindName>>()?;
                            order = Some(kinds.into_iter().map(|k| k.0).collect::<Vec<_>>());
                        }
                        "date" => {
                            date = map.next_value::<DateName>()?.0;
                        }
                        "negate" => negate = map.next_value()?,
                        _ => {
                            let OneOrMany(kinds) = map.next_value::<OneOrMany<KindName>>()?;
                            plus = kinds.into_iter().map(|k| k.0).collect();
                            if let Some(bad) = plus.iter().find(|k| !k.is_reported()) {
                                return Err(de::Error::custom(format!(
                                    "`plus: {bad}`: only balance types the bank reports can be added"
                                )));
                            }
                        }
                    }
                }
                match order {
                    Some(order) if !order.is_empty() => Ok(BalancePreference {
                        order,
                        date,
                        negate,
                        plus,
                    }),
                    _ => Err(de::Error::custom(
                        "`balance:` needs `use:` with the balance types to try, best first, e.g. `use: [interimBooked]`",
                    )),
                }
            }
        }
        d.deserialize_map(V)
    }
}

struct DateName(BalanceDate);

impl<'de> Deserialize<'de> for DateName {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        scalar(d, |s| BalanceDate::parse(&s).map(DateName))
    }
}

/// A preset's name: what `preset: NAME` in the configuration says.
struct Name(String);

impl<'de> Deserialize<'de> for Name {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        scalar(d, |s| {
            let ok = s
                .bytes()
                .next()
                .is_some_and(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
                && s.bytes().all(|b| {
                    b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_'
                });
            if !ok {
                return Err(format!(
                    "invalid preset name `{s}`: use lower-case letters, digits, `-` and `_` (e.g. `my-bank`)"
                ));
            }
            if s == "none" {
                return Err(
                    "`none` is reserved (`preset: none` turns presets off): choose another name"
                        .to_owned(),
                );
            }
            Ok(Name(s))
        })
    }
}

/// An institution id as GoCardless spells it (`COMMERZBANK_COBADEFF`).
struct Institution(String);

impl<'de> Deserialize<'de> for Institution {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        scalar(d, |s| {
            let t = s.trim();
            if t.is_empty() || !t.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
                return Err(format!(
                    "invalid institution id `{s}`: an id is letters, digits and `_`, as the bank's `institution_id` (e.g. `COMMERZBANK_COBADEFF`)"
                ));
            }
            Ok(Institution(t.to_owned()))
        })
    }
}

impl<'de> Deserialize<'de> for Preset {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Preset;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(
                    "a preset: a map with `name:`, `institutions:` and `steps:` or `balance:`",
                )
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Preset, A::Error> {
                let mut name = None;
                let mut description = String::new();
                let mut institutions = Vec::new();
                let mut steps = Vec::new();
                let mut balance = None;
                let mut seen: Vec<&str> = Vec::new();
                let key = || Key {
                    valid: PRESET_KEYS,
                    what: "preset key",
                };
                while let Some(k) = map.next_key_seed(key())? {
                    if seen.contains(&k) {
                        return Err(de::Error::custom(format!("preset key `{k}` given twice")));
                    }
                    seen.push(k);
                    match k {
                        "name" => name = Some(map.next_value::<Name>()?.0),
                        "description" => {
                            description = map.next_value::<Text>()?.0.trim().to_owned()
                        }
                        "institutions" => {
                            let OneOrMany(ids) = map.next_value::<OneOrMany<Institution>>()?;
                            institutions = ids.into_iter().map(|i| i.0).collect();
                        }
                        "steps" => steps = map.next_value::<Vec<Step>>()?,
                        _ => balance = Some(map.next_value::<BalancePreference>()?),
                    }
                }
                let Some(name) = name else {
                    return Err(de::Error::custom(
                        "a preset needs a `name:` (what `preset: NAME` in the configuration refers to)",
                    ));
                };
                if steps.is_empty() && balance.is_none() {
                    return Err(de::Error::custom(format!(
                        "preset `{name}` does nothing: give `steps:` or `balance:`"
                    )));
                }
                Ok(Preset {
                    name,
                    description,
                    institutions,
                    steps,
                    balance,
                    source: Source::Builtin,
                })
            }
        }
        d.deserialize_map(V)
    }
}

/// A file of presets: one preset, or a list of them; read whole
/// ([`Preset`]) or as headers only ([`Header`]).
pub(crate) struct File<T>(pub(crate) Vec<T>);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for File<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(std::marker::PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for V<T> {
            type Value = File<T>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a preset (a map with `name:`) or a list of presets")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<File<T>, A::Error> {
                let mut out = Vec::new();
                while let Some(p) = seq.next_element::<T>()? {
                    out.push(p);
                }
                Ok(File(out))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<File<T>, A::Error> {
                let p = T::deserialize(de::value::MapAccessDeserializer::new(map))?;
                Ok(File(vec![p]))
            }
        }
        d.deserialize_any(V(std::marker::PhantomData))
    }
}

/// What the catalogue needs of a shipped preset before it is used: its
/// name and banks. The rest of the file (its steps, with their regexes)
/// is read only when the preset is chosen.
pub(crate) struct Header {
    pub(crate) name: String,
    pub(crate) institutions: Vec<String>,
}

impl<'de> Deserialize<'de> for Header {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Header;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a preset: a map with `name:`")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Header, A::Error> {
                let mut name = None;
                let mut institutions = Vec::new();
                while let Some(k) = map.next_key::<String>()? {
                    match k.as_str() {
                        "name" => name = Some(map.next_value::<Name>()?.0),
                        "institutions" => {
                            let OneOrMany(ids) = map.next_value::<OneOrMany<Institution>>()?;
                            institutions = ids.into_iter().map(|i| i.0).collect();
                        }
                        _ => {
                            map.next_value::<de::IgnoredAny>()?;
                        }
                    }
                }
                let name = name.ok_or_else(|| de::Error::custom("a preset needs a `name:`"))?;
                Ok(Header { name, institutions })
            }
        }
        d.deserialize_map(V)
    }
}
