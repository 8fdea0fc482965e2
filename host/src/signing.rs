//! Department signing keys (Ed25519, through `ed25519-dalek`): a department signs each component
//! it uploads, and the host checks the signature against the key the admin registered for it.
//!
//! Files are the standard ones, so a department can use OpenSSL instead of `yiwang plugin`:
//! the private key is PKCS#8 PEM (`openssl genpkey -algorithm ed25519`), the public key SPKI PEM
//! (`openssl pkey -pubout`), and the signature is over the component's bytes, written as base64
//! text (`yiwang plugin sign`) or as the raw 64 bytes (`openssl pkeyutl -sign -rawin`).

use anyhow::{Context, bail};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use ed25519_dalek::pkcs8::spki::der::pem::LineEnding;
use ed25519_dalek::pkcs8::{DecodePrivateKey, DecodePublicKey, EncodePrivateKey, EncodePublicKey};
use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use rand::RngCore;

/// A new key pair as `(private PEM, public PEM)`.
pub fn generate() -> anyhow::Result<(String, String)> {
    let mut seed = [0u8; 32];
    rand::rng().fill_bytes(&mut seed);
    let key = SigningKey::from_bytes(&seed);
    let private = key
        .to_pkcs8_pem(LineEnding::LF)
        .context("encoding the private key")?
        .to_string();
    let public = key
        .verifying_key()
        .to_public_key_pem(LineEnding::LF)
        .context("encoding the public key")?;
    Ok((private, public))
}

/// A private key from its PKCS#8 PEM text.
pub fn private_key(pem: &str) -> anyhow::Result<SigningKey> {
    SigningKey::from_pkcs8_pem(pem.trim())
        .map_err(|e| anyhow::anyhow!("not an Ed25519 private key in PKCS#8 PEM: {e}"))
}

/// A public key from its SPKI PEM text.
pub fn public_key(pem: &str) -> anyhow::Result<VerifyingKey> {
    VerifyingKey::from_public_key_pem(pem.trim())
        .map_err(|e| anyhow::anyhow!("not an Ed25519 public key in SPKI PEM: {e}"))
}

/// The public half of a private key, as SPKI PEM.
pub fn public_pem(key: &SigningKey) -> anyhow::Result<String> {
    Ok(key.verifying_key().to_public_key_pem(LineEnding::LF)?)
}

/// Signs `data`; the result is what goes in the `.sig` file (base64 and a newline).
pub fn sign(key: &SigningKey, data: &[u8]) -> String {
    let signature = key.sign(data);
    format!("{}\n", STANDARD.encode(signature.to_bytes()))
}

/// A signature file: base64 text of the 64 bytes, or the 64 raw bytes.
pub fn signature(file: &[u8]) -> anyhow::Result<Signature> {
    if file.len() == Signature::BYTE_SIZE {
        return Ok(Signature::from_bytes(file.try_into().expect("64 bytes")));
    }
    let text = std::str::from_utf8(file)
        .ok()
        .map(str::trim)
        .context("a signature is 64 raw bytes or their base64 text")?;
    let bytes = STANDARD
        .decode(text)
        .context("the signature is not valid base64")?;
    let Ok(bytes) = <[u8; 64]>::try_from(bytes.as_slice()) else {
        bail!(
            "an Ed25519 signature is 64 bytes, this one decodes to {}",
            bytes.len()
        );
    };
    Ok(Signature::from_bytes(&bytes))
}

/// Whether `signature` is `key`'s over exactly `data`.
pub fn verifies(key: &VerifyingKey, data: &[u8], signature: &Signature) -> bool {
    key.verify(data, signature).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signature_verifies_under_its_key_only_and_for_its_bytes_only() {
        let (private, public) = generate().unwrap();
        let (_, other_public) = generate().unwrap();
        let key = private_key(&private).unwrap();
        assert_eq!(public_pem(&key).unwrap(), public);
        let file = sign(&key, b"component bytes");
        let sig = signature(file.as_bytes()).unwrap();
        assert!(verifies(
            &public_key(&public).unwrap(),
            b"component bytes",
            &sig
        ));
        assert!(!verifies(
            &public_key(&public).unwrap(),
            b"component byteZ",
            &sig
        ));
        assert!(!verifies(
            &public_key(&other_public).unwrap(),
            b"component bytes",
            &sig
        ));
        // The raw form OpenSSL writes is read as well.
        let raw = STANDARD.decode(file.trim()).unwrap();
        assert_eq!(signature(&raw).unwrap(), sig);
    }

    #[test]
    fn malformed_files_are_named() {
        assert!(signature(b"not base64 !!").is_err());
        let short = signature(STANDARD.encode([1u8; 10]).as_bytes()).unwrap_err();
        assert!(short.to_string().contains("decodes to 10"), "{short}");
        assert!(public_key("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----").is_err());
        assert!(private_key("hello").is_err());
    }
}
