//! The application's private key and the JWTs signed with it.

use std::fmt;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Duration, Utc};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde::Serialize;

use source::Secret;

use crate::Error;

/// The JWT's issuer, as Enable Banking requires it.
pub const JWT_ISSUER: &str = "enablebanking.com";
/// The JWT's audience, as Enable Banking requires it.
pub const JWT_AUDIENCE: &str = "api.enablebanking.com";
/// The longest JWT lifetime Enable Banking accepts.
pub const MAX_JWT_LIFETIME: std::time::Duration = std::time::Duration::from_secs(86_400);

/// The application's RSA private key, which signs every request's JWT.
///
/// Read from the `.pem` file downloaded when the application was
/// registered (PKCS#8 `BEGIN PRIVATE KEY` or PKCS#1 `BEGIN RSA PRIVATE
/// KEY`). `Debug` never shows it, and no error quotes it.
///
/// ```
/// let pem = fake_enablebanking::keys::APPLICATION_PRIVATE_KEY;
/// let key = enablebanking::PrivateKey::from_pem(pem.as_bytes()).unwrap();
/// assert_eq!(format!("{key:?}"), "PrivateKey([redacted])");
/// ```
#[derive(Clone)]
pub struct PrivateKey {
    key: EncodingKey,
}

impl fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PrivateKey([redacted])")
    }
}

impl PrivateKey {
    /// Reads the key from a PEM file that only its owner may read.
    ///
    /// # Errors
    /// [`Error::KeyPermissions`] when the group or others may read or
    /// write the file (on Unix: `mode & 0o077 != 0`; fix with `chmod 600`),
    /// [`Error::Key`] when it cannot be read or is not an RSA private key.
    pub fn from_file(path: &Path) -> Result<PrivateKey, Error> {
        let key_error = |reason: String| Error::Key {
            path: Some(path.to_path_buf()),
            reason,
        };
        let meta =
            std::fs::metadata(path).map_err(|e| key_error(format!("cannot read it: {e}")))?;
        if !meta.is_file() {
            return Err(key_error("is not a file".to_owned()));
        }
        check_permissions(path, &meta)?;
        let pem = Secret::new(
            std::fs::read_to_string(path).map_err(|e| key_error(format!("cannot read it: {e}")))?,
        );
        PrivateKey::parse(pem.expose().as_bytes(), Some(path.to_path_buf()))
    }

    /// Reads the key from PEM text.
    ///
    /// # Errors
    /// [`Error::Key`] when it is not an RSA private key in PEM form.
    pub fn from_pem(pem: &[u8]) -> Result<PrivateKey, Error> {
        PrivateKey::parse(pem, None)
    }

    fn parse(pem: &[u8], path: Option<PathBuf>) -> Result<PrivateKey, Error> {
        let invalid = |detail: &dyn fmt::Display| Error::Key {
            path: path.clone(),
            reason: format!(
                "not an RSA private key in PEM form (BEGIN PRIVATE KEY or BEGIN RSA PRIVATE KEY): \
                 {detail}; use the .pem file downloaded when the application was registered"
            ),
        };
        // jsonwebtoken's messages name the kind of failure, never the key.
        let key = EncodingKey::from_rsa_pem(pem).map_err(|e| invalid(&e))?;
        let key = PrivateKey { key };
        // The key is checked only when used: sign once now, so that a bad
        // key is reported where it is configured.
        key.sign("check", DateTime::UNIX_EPOCH, Duration::minutes(1))
            .map_err(|e| invalid(&e))?;
        Ok(key)
    }

    /// A JWT for application `kid`, valid from `now` for `lifetime`.
    pub(crate) fn sign(
        &self,
        kid: &str,
        now: DateTime<Utc>,
        lifetime: Duration,
    ) -> Result<Secret, jsonwebtoken::errors::Error> {
        #[derive(Serialize)]
        struct Claims<'a> {
            iss: &'a str,
            aud: &'a str,
            iat: i64,
            exp: i64,
        }
        let mut header = Header::new(Algorithm::RS256);
        header.kid = Some(kid.to_owned());
        let claims = Claims {
            iss: JWT_ISSUER,
            aud: JWT_AUDIENCE,
            iat: now.timestamp(),
            exp: (now + lifetime).timestamp(),
        };
        jsonwebtoken::encode(&header, &claims, &self.key).map(Secret::new)
    }
}

#[cfg(unix)]
fn check_permissions(path: &Path, meta: &std::fs::Metadata) -> Result<(), Error> {
    use std::os::unix::fs::PermissionsExt;
    let mode = meta.permissions().mode() & 0o7777;
    if mode & 0o077 != 0 {
        return Err(Error::KeyPermissions {
            path: path.to_path_buf(),
            mode,
        });
    }
    Ok(())
}

#[cfg(not(unix))]
fn check_permissions(_: &Path, _: &std::fs::Metadata) -> Result<(), Error> {
    Ok(())
}

/// A JWT with the instant it expires.
#[derive(Debug, Clone)]
pub(crate) struct Jwt {
    pub(crate) token: Secret,
    pub(crate) expires: DateTime<Utc>,
}
