//! HMAC-SHA256 signatures in MLflow's webhook layout, both ways: the gate
//! verifies MLflow's deliveries with it, and triggers sign what they send,
//! so a receiver can verify mltest's POSTs with the same few lines.
//!
//! `v1,` + base64(HMAC-SHA256(key = secret, msg = "{id}.{timestamp}.{body}")).

use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::Sha256;

fn mac(secret: &str, id: &str, timestamp: &str, body: &[u8]) -> Hmac<Sha256> {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes keys of any length");
    mac.update(id.as_bytes());
    mac.update(b".");
    mac.update(timestamp.as_bytes());
    mac.update(b".");
    mac.update(body);
    mac
}

/// The signature header's value.
pub(crate) fn sign(secret: &str, id: &str, timestamp: &str, body: &[u8]) -> String {
    let tag = mac(secret, id, timestamp, body).finalize().into_bytes();
    format!(
        "v1,{}",
        base64::engine::general_purpose::STANDARD.encode(tag)
    )
}

/// Whether `header` signs the message under any of `secrets` (two during a
/// rotation). The comparison is constant-time.
pub(crate) fn verify(
    secrets: &[String],
    id: &str,
    timestamp: &str,
    body: &[u8],
    header: &str,
) -> bool {
    let Some(encoded) = header.trim().strip_prefix("v1,") else {
        return false;
    };
    let Ok(tag) = base64::engine::general_purpose::STANDARD.decode(encoded.trim()) else {
        return false;
    };
    secrets
        .iter()
        .filter(|s| !s.is_empty())
        .any(|secret| mac(secret, id, timestamp, body).verify_slice(&tag).is_ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signs_and_verifies_with_either_secret() {
        let sig = sign("old", "d1", "1700000000", b"{\"a\": 1}");
        let both = ["new".to_string(), "old".to_string()];
        assert!(verify(&both, "d1", "1700000000", b"{\"a\": 1}", &sig));
        assert!(!verify(&both[..1], "d1", "1700000000", b"{\"a\": 1}", &sig));
        assert!(!verify(&both, "d2", "1700000000", b"{\"a\": 1}", &sig));
        assert!(!verify(&both, "d1", "1700000001", b"{\"a\": 1}", &sig));
        assert!(!verify(&both, "d1", "1700000000", b"{\"a\":1}", &sig));
        assert!(!verify(
            &both,
            "d1",
            "1700000000",
            b"{\"a\": 1}",
            "v1,not base64!"
        ));
        assert!(!verify(
            &both,
            "d1",
            "1700000000",
            b"{\"a\": 1}",
            sig.trim_start_matches("v1,")
        ));
        assert!(!verify(
            &[String::new()],
            "d1",
            "1700000000",
            b"",
            &sign("", "d1", "1700000000", b"")
        ));
    }

    /// The layout MLflow documents: base64 of HMAC-SHA256 over
    /// `id.timestamp.body`, checked against a value Python's hmac computes:
    /// base64.b64encode(hmac.new(b"s3cret", b"abc.1700000000.{}", "sha256").digest())
    #[test]
    fn matches_pythons_hmac() {
        assert_eq!(
            sign("s3cret", "abc", "1700000000", b"{}"),
            format!("v1,{}", PY)
        );
    }
    const PY: &str = include_str!("testdata/hmac-python.txt");
}
