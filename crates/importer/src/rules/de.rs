//! Reading rules from YAML. Every check fails inside `Deserialize`, so the
//! YAML deserialiser attaches the line and column of the offending key or
//! value to the error.

use std::fmt;
use std::marker::PhantomData;

use regex::Regex;
use serde::Deserialize;
use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

use super::amount::AmountConditionError;
use super::{Actions, AmountCondition, Condition, Pattern, Rule, Template, normalize_iban};
use crate::beancount;

const RULE_KEYS: &[&str] = &[
    "if",
    "name",
    "account",
    "payee",
    "narration",
    "tags",
    "links",
    "metadata",
    "flag",
    "skip",
];

const CONDITION_KEYS: &[&str] = &[
    "payee",
    "narration",
    "text",
    "iban",
    "amount",
    "currency",
    "account",
    "code",
    "mcc",
    "field",
];

/// Beancount's flags (`*` booked, `!` needs review, and the letters
/// Beancount reserves).
const FLAGS: &str = "*!&#?%PSTCURM";

/// The nearest of `valid` to `key`, if it is near enough to be a typo.
pub(crate) fn suggest<'a>(key: &str, valid: &[&'a str]) -> Option<&'a str> {
    valid
        .iter()
        .map(|v| (strsim::damerau_levenshtein(key, v), *v))
        .filter(|(d, v)| *d <= 2.max(v.len() / 3))
        .min_by_key(|(d, _)| *d)
        .map(|(_, v)| v)
}

/// A key checked against a list of valid keys.
pub(crate) struct KeySeed {
    pub(crate) valid: &'static [&'static str],
    pub(crate) what: &'static str,
}

impl<'de> DeserializeSeed<'de> for KeySeed {
    type Value = &'static str;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        scalar(d, |key| {
            if let Some(k) = self.valid.iter().find(|v| **v == key) {
                return Ok(*k);
            }
            let hint = match suggest(&key, self.valid) {
                Some(s) => format!("did you mean `{s}`? "),
                None => String::new(),
            };
            Err(format!(
                "unknown {} `{key}`: {hint}(valid: {})",
                self.what,
                self.valid.join(", ")
            ))
        })
    }
}

/// Any YAML scalar as text: `mcc: 5411` and `amount: -12.5` are fine.
struct Scalar(String);

impl<'de> Deserialize<'de> for Scalar {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        scalar(d, |s| Ok(Scalar(s)))
    }
}

/// Reads a scalar as text and checks it with `check` while the YAML
/// deserialiser still points at it, so an error carries the scalar's line
/// and column rather than its parent's. Rules use it, and so do files of
/// the same language (bank presets).
///
/// # Errors
/// What `check` says, at the scalar's position; or a scalar that is not a
/// string, number or boolean.
pub fn scalar<'de, D, T, F>(d: D, check: F) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    F: FnOnce(String) -> Result<T, String>,
{
    struct V<F>(F);
    impl<T, F: FnOnce(String) -> Result<T, String>> V<F> {
        fn run<E: de::Error>(self, s: String) -> Result<T, E> {
            (self.0)(s).map_err(E::custom)
        }
    }
    impl<T, F: FnOnce(String) -> Result<T, String>> Visitor<'_> for V<F> {
        type Value = T;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a string or a number")
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<T, E> {
            self.run(v.to_owned())
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<T, E> {
            self.run(v.to_string())
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<T, E> {
            self.run(v.to_string())
        }
        fn visit_f64<E: de::Error>(self, v: f64) -> Result<T, E> {
            self.run(v.to_string())
        }
        fn visit_bool<E: de::Error>(self, v: bool) -> Result<T, E> {
            self.run(v.to_string())
        }
    }
    d.deserialize_any(V(check))
}

impl<'de> Deserialize<'de> for Pattern {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        scalar(d, |source| {
            Regex::new(&source)
                .map(Pattern)
                .map_err(|e| format!("invalid regex `{source}`: {e}"))
        })
    }
}

impl<'de> Deserialize<'de> for AmountCondition {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        scalar(d, |source| {
            source
                .parse()
                .map_err(|e: AmountConditionError| e.to_string())
        })
    }
}

/// A checked Beancount account name.
struct AccountName(String);

impl<'de> Deserialize<'de> for AccountName {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        scalar(d, |s| {
            beancount::check_account(&s)?;
            Ok(AccountName(s))
        })
    }
}

/// A tag or link name (without `#`/`^`).
struct TagName(String);

impl<'de> Deserialize<'de> for TagName {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        scalar(d, |s| {
            let bare = s
                .strip_prefix('#')
                .or_else(|| s.strip_prefix('^'))
                .unwrap_or(&s);
            beancount::check_tag(bare)?;
            Ok(TagName(bare.to_owned()))
        })
    }
}

/// One value or a list of them (`institutions: X` or `[X, Y]`), for the
/// files written in the rules' language (bank presets too).
pub struct OneOrMany<T>(pub Vec<T>);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for OneOrMany<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for V<T> {
            type Value = OneOrMany<T>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a value or a list of values")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut out = Vec::new();
                while let Some(v) = seq.next_element()? {
                    out.push(v);
                }
                Ok(OneOrMany(out))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                T::deserialize(de::value::StrDeserializer::new(v)).map(|t| OneOrMany(vec![t]))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
                self.visit_str(&v.to_string())
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
                self.visit_str(&v.to_string())
            }
        }
        d.deserialize_any(V(PhantomData))
    }
}

/// A metadata key as Beancount accepts it: a lower-case letter, then
/// letters, digits, `-` and `_`.
struct MetaKey(String);

impl<'de> Deserialize<'de> for MetaKey {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        scalar(d, |s| {
            beancount::check_meta_key(&s)?;
            Ok(MetaKey(s))
        })
    }
}

/// A map in the order written, for the files written in the rules'
/// language (bank presets too).
pub struct Ordered<K, V>(pub Vec<(K, V)>);

impl<'de, K: Deserialize<'de>, V: Deserialize<'de>> Deserialize<'de> for Ordered<K, V> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Vis<K, V>(PhantomData<(K, V)>);
        impl<'de, K: Deserialize<'de>, V: Deserialize<'de>> Visitor<'de> for Vis<K, V> {
            type Value = Ordered<K, V>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a map")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut out = Vec::new();
                while let Some(entry) = map.next_entry()? {
                    out.push(entry);
                }
                Ok(Ordered(out))
            }
        }
        d.deserialize_map(Vis(PhantomData))
    }
}

struct Flag(char);

impl<'de> Deserialize<'de> for Flag {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        scalar(d, |s| {
            let mut chars = s.chars();
            match (chars.next(), chars.next()) {
                (Some(c), None) if FLAGS.contains(c) => Ok(Flag(c)),
                _ => Err(format!(
                    "`{s}` is not a Beancount flag: use `*` (cleared), `!` (to review) or one of {FLAGS}"
                )),
            }
        })
    }
}

/// The `if:` map.
struct Conditions(Vec<Condition>);

impl<'de> Deserialize<'de> for Conditions {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Conditions;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a map of conditions, e.g. { payee: \"(?i)tesco\", amount: \"< 0\" }")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Conditions, A::Error> {
                let mut out = Vec::new();
                let mut seen: Vec<&str> = Vec::new();
                let seed = || KeySeed {
                    valid: CONDITION_KEYS,
                    what: "condition",
                };
                while let Some(key) = map.next_key_seed(seed())? {
                    if seen.contains(&key) {
                        return Err(de::Error::custom(format!("condition `{key}` given twice")));
                    }
                    seen.push(key);
                    match key {
                        "payee" => out.push(Condition::Payee(map.next_value()?)),
                        "narration" => out.push(Condition::Narration(map.next_value()?)),
                        "text" => out.push(Condition::Text(map.next_value()?)),
                        "code" => out.push(Condition::Code(map.next_value()?)),
                        "mcc" => out.push(Condition::Mcc(map.next_value()?)),
                        "amount" => out.push(Condition::Amount(map.next_value()?)),
                        "iban" => {
                            let Scalar(s) = map.next_value()?;
                            out.push(Condition::Iban(normalize_iban(&s)));
                        }
                        "currency" => {
                            let Scalar(s) = map.next_value()?;
                            out.push(Condition::Currency(s.trim().to_ascii_uppercase()));
                        }
                        "account" => {
                            let Scalar(s) = map.next_value()?;
                            out.push(Condition::Account(s));
                        }
                        "field" => {
                            let Ordered(fields) = map.next_value::<Ordered<String, Pattern>>()?;
                            if fields.is_empty() {
                                return Err(de::Error::custom(
                                    "`field:` needs at least one `path: regex` entry",
                                ));
                            }
                            out.extend(fields.into_iter().map(|(p, r)| Condition::Field(p, r)));
                        }
                        _ => unreachable!("KeySeed returns only valid keys"),
                    }
                }
                Ok(Conditions(out))
            }
        }
        d.deserialize_map(V)
    }
}

impl<'de> Deserialize<'de> for Rule {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Rule;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a rule: a map with `if:` conditions and actions such as `account:`")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Rule, A::Error> {
                let mut conditions = Vec::new();
                let mut name = None;
                let mut actions = Actions::default();
                let (mut payee, mut narration, mut metadata) = (None, None, Vec::new());
                let mut seen: Vec<&str> = Vec::new();
                let seed = || KeySeed {
                    valid: RULE_KEYS,
                    what: "rule key",
                };
                while let Some(key) = map.next_key_seed(seed())? {
                    if seen.contains(&key) {
                        return Err(de::Error::custom(format!("rule key `{key}` given twice")));
                    }
                    seen.push(key);
                    match key {
                        "if" => conditions = map.next_value::<Conditions>()?.0,
                        "name" => name = Some(map.next_value::<Scalar>()?.0),
                        "account" => actions.account = Some(map.next_value::<AccountName>()?.0),
                        "payee" => payee = Some(map.next_value::<Scalar>()?.0),
                        "narration" => narration = Some(map.next_value::<Scalar>()?.0),
                        "tags" => {
                            let OneOrMany(t) = map.next_value::<OneOrMany<TagName>>()?;
                            actions.tags = t.into_iter().map(|t| t.0).collect();
                        }
                        "links" => {
                            let OneOrMany(t) = map.next_value::<OneOrMany<TagName>>()?;
                            actions.links = t.into_iter().map(|t| t.0).collect();
                        }
                        "metadata" => {
                            let Ordered(m) = map.next_value::<Ordered<MetaKey, Scalar>>()?;
                            metadata = m.into_iter().map(|(k, v)| (k.0, v.0)).collect();
                        }
                        "flag" => actions.flag = Some(map.next_value::<Flag>()?.0),
                        "skip" => actions.skip = map.next_value()?,
                        _ => unreachable!("KeySeed returns only valid keys"),
                    }
                }
                let regexes: Vec<(usize, &Regex)> = conditions
                    .iter()
                    .enumerate()
                    .filter_map(|(i, c)| match c {
                        Condition::Payee(p)
                        | Condition::Narration(p)
                        | Condition::Text(p)
                        | Condition::Code(p)
                        | Condition::Mcc(p)
                        | Condition::Field(_, p) => Some((i, &p.0)),
                        _ => None,
                    })
                    .collect();
                let template = |what: &str, s: &str| {
                    Template::parse(s, &regexes)
                        .map_err(|e| de::Error::custom(format!("rule `{what}`: {e}")))
                };
                actions.payee = payee.map(|s| template("payee", &s)).transpose()?;
                actions.narration = narration.map(|s| template("narration", &s)).transpose()?;
                for (k, v) in metadata {
                    let t = template(&format!("metadata.{k}"), &v)?;
                    actions.metadata.push((k, t));
                }
                let does_something = actions.account.is_some()
                    || actions.payee.is_some()
                    || actions.narration.is_some()
                    || !actions.tags.is_empty()
                    || !actions.links.is_empty()
                    || !actions.metadata.is_empty()
                    || actions.flag.is_some()
                    || actions.skip;
                if !does_something {
                    return Err(de::Error::custom(
                        "this rule does nothing: give at least one action (account, payee, narration, tags, links, metadata, flag or skip: true)",
                    ));
                }
                Ok(Rule {
                    name,
                    conditions,
                    actions,
                })
            }
        }
        d.deserialize_map(V)
    }
}
