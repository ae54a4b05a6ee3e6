//! Enums whose set of values Enable Banking (or a bank behind it) may
//! extend: an unknown value is kept as `Other(String)` instead of failing
//! the whole response.

/// Declares a string enum with a catch-all `Other(String)` variant, with
/// `as_str`, `parse` (case-insensitive, never fails), `Display`, and serde.
macro_rules! open_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident = $text:literal, )*
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )*
            /// A value this crate does not know, as sent (trimmed).
            Other(String),
        }

        impl $name {
            /// The value as Enable Banking writes it.
            pub fn as_str(&self) -> &str {
                match self {
                    $( $name::$variant => $text, )*
                    $name::Other(s) => s,
                }
            }

            /// Reads a value, case-insensitively; never fails.
            pub fn parse(s: &str) -> $name {
                let t = s.trim();
                $( if t.eq_ignore_ascii_case($text) { return $name::$variant; } )*
                $name::Other(t.to_owned())
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = String::deserialize(d)?;
                Ok($name::parse(&s))
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }
    };
}

pub(crate) use open_enum;
