//! Test key pairs (see `src/keys/README.md`): no Enable Banking
//! application knows them; they exist so that tests sign and check real
//! RS256 JWTs.

/// The test application's private key, PKCS#8 PEM.
pub const APPLICATION_PRIVATE_KEY: &str = include_str!("keys/application.pem");
/// The same key as PKCS#1 PEM (`BEGIN RSA PRIVATE KEY`).
pub const APPLICATION_PRIVATE_KEY_PKCS1: &str = include_str!("keys/application.pkcs1.pem");
/// The test application's public key, which the fake checks JWTs against.
pub const APPLICATION_PUBLIC_KEY: &str = include_str!("keys/application.pub.pem");
/// Another private key, which the fake refuses.
pub const OTHER_PRIVATE_KEY: &str = include_str!("keys/other.pem");
