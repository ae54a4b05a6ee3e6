//! Reading `learn:` from YAML: `learn: false`, or a map of settings.

use std::fmt;

use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, Visitor};

use super::LearnConfig;
use crate::rules::de::{KeySeed, scalar};

const KEYS: &[&str] = &["enabled", "min_confidence", "mark"];

struct Confidence(f64);

impl<'de> Deserialize<'de> for Confidence {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        scalar(d, |s| match s.trim().parse::<f64>() {
            Ok(x) if (0.0..=1.0).contains(&x) => Ok(Confidence(x)),
            _ => Err(format!(
                "min_confidence must be a number from 0 to 1 (e.g. 0.8), not `{s}`"
            )),
        })
    }
}

impl<'de> Deserialize<'de> for LearnConfig {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = LearnConfig;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("`false`, `true` or a map such as { min_confidence: 0.8, mark: true }")
            }
            fn visit_bool<E: de::Error>(self, enabled: bool) -> Result<LearnConfig, E> {
                Ok(LearnConfig {
                    enabled,
                    ..LearnConfig::default()
                })
            }
            fn visit_unit<E: de::Error>(self) -> Result<LearnConfig, E> {
                Ok(LearnConfig::default())
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<LearnConfig, A::Error> {
                let mut out = LearnConfig::default();
                let seed = || KeySeed {
                    valid: KEYS,
                    what: "learn setting",
                };
                while let Some(key) = map.next_key_seed(seed())? {
                    match key {
                        "enabled" => out.enabled = map.next_value()?,
                        "min_confidence" => out.min_confidence = map.next_value::<Confidence>()?.0,
                        "mark" => out.mark = map.next_value()?,
                        _ => unreachable!("KeySeed returns only valid keys"),
                    }
                }
                Ok(out)
            }
        }
        d.deserialize_any(V)
    }
}
