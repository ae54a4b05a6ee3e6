//! The private key file: its permissions, its formats, and errors that
//! never quote it.

use enablebanking::{Error, PrivateKey};
use fake_enablebanking::keys;

use crate::common::Fake;

#[cfg(unix)]
#[test]
fn a_key_readable_by_others_is_refused_with_the_fix() {
    let fake = Fake::default();
    for mode in [0o644, 0o640, 0o604, 0o660] {
        let path = fake.key_file("open.pem", keys::APPLICATION_PRIVATE_KEY, mode);
        let e = PrivateKey::from_file(&path).unwrap_err();
        assert!(matches!(e, Error::KeyPermissions { .. }), "{mode:o}: {e:?}");
        let text = e.to_string();
        assert!(
            text.contains(&format!("chmod 600 {}", path.display())),
            "{text}"
        );
    }
    for mode in [0o600, 0o400] {
        let path = fake.key_file("closed.pem", keys::APPLICATION_PRIVATE_KEY, mode);
        PrivateKey::from_file(&path).unwrap_or_else(|e| panic!("{mode:o}: {e}"));
    }
}

#[test]
fn pkcs1_and_pkcs8_keys_both_sign_accepted_jwts() {
    let fake = Fake::default();
    for pem in [
        keys::APPLICATION_PRIVATE_KEY,
        keys::APPLICATION_PRIVATE_KEY_PKCS1,
    ] {
        let path = fake.key_file("k.pem", pem, 0o600);
        let key = PrivateKey::from_file(&path).unwrap();
        let client = fake.builder_with(key).build().unwrap();
        client.application().unwrap();
    }
}

#[test]
fn an_unusable_key_is_reported_without_its_content() {
    let fake = Fake::default();
    let public = fake.key_file("pub.pem", keys::APPLICATION_PUBLIC_KEY, 0o600);
    let broken_text = keys::APPLICATION_PRIVATE_KEY.replace('A', "B");
    let broken = fake.key_file("broken.pem", &broken_text, 0o600);
    let garbage = fake.key_file("garbage.pem", "not a key at all", 0o600);
    for path in [&public, &broken, &garbage] {
        let e = PrivateKey::from_file(path).unwrap_err();
        assert!(matches!(e, Error::Key { .. }), "{e:?}");
        let text = format!("{e} {e:?}");
        assert!(text.contains(".pem file downloaded"), "{text}");
        for line in keys::APPLICATION_PUBLIC_KEY
            .lines()
            .chain(broken_text.lines())
            .skip(1)
            .take(3)
        {
            assert!(!text.contains(line), "{text}");
        }
    }
    let missing = fake.dir.path().join("missing.pem");
    let e = PrivateKey::from_file(&missing).unwrap_err();
    assert!(e.to_string().contains("cannot read it"), "{e}");
}
