//! Enums whose set of values a server may extend: an unknown value is kept
//! as `Other(String)` instead of failing the whole response.

/// Declares a string enum with a catch-all `Other(String)` variant, with
/// `as_str`, `parse` (trimmed, case-insensitive, never fails), `Display`,
/// and serde (the calling crate's `serde`).
///
/// ```
/// source::open_enum! {
///     /// A session's state.
///     pub enum State {
///         /// Usable.
///         Authorized = "AUTHORIZED",
///         /// Ended.
///         Closed = "CLOSED",
///     }
/// }
/// assert_eq!(State::parse(" authorized "), State::Authorized);
/// assert_eq!(State::parse("PAUSED"), State::Other("PAUSED".into()));
/// assert_eq!(State::Closed.to_string(), "CLOSED");
/// ```
#[macro_export]
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
            /// The value as the server writes it.
            pub fn as_str(&self) -> &str {
                match self {
                    $( $name::$variant => $text, )*
                    $name::Other(s) => s,
                }
            }

            /// Reads a value, trimmed and case-insensitively; never fails.
            pub fn parse(s: &str) -> $name {
                let t = s.trim();
                $( if t.eq_ignore_ascii_case($text) { return $name::$variant; } )*
                $name::Other(t.to_owned())
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = <String as ::serde::Deserialize>::deserialize(d)?;
                Ok($name::parse(&s))
            }
        }

        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }
    };
}
