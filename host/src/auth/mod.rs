//! Accounts: argon2id password hashes, bearer tokens (random, stored only as their SHA-256), the
//! actor a stored user acts as, and the login throttle. The session cookie and the extractors
//! that read these from a request are HTTP's (`http::session`, `http::extract`).
//!
//! Knows storage's user and token methods; knows nothing of HTTP, items or cases.

pub mod throttle;

use argon2::Argon2;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use base64::Engine as _;
use rand::RngCore;
use sha2::{Digest, Sha256};

use crate::model::actor::{Actor, Role};
use crate::storage::UserRow;

/// Shortest password accepted.
pub const MIN_PASSWORD_LEN: usize = 8;

pub fn hash_password(password: &str) -> anyhow::Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    let hash = Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map_err(|e| anyhow::anyhow!("hashing password: {e}"))?;
    Ok(hash.to_string())
}

/// An argon2id hash brought from another system (an account import), as a PHC string. Returns
/// whether its cost is below this platform's own (memory and passes of `Argon2::default()`):
/// such a hash is kept as given, and the import says how many there were.
pub fn check_imported_hash(hash: &str) -> anyhow::Result<bool> {
    let parsed = PasswordHash::new(hash).map_err(|e| anyhow::anyhow!("not a PHC hash: {e}"))?;
    if parsed.algorithm != argon2::Algorithm::Argon2id.ident() {
        anyhow::bail!("not an argon2id hash (`{}`)", parsed.algorithm);
    }
    let params =
        argon2::Params::try_from(&parsed).map_err(|e| anyhow::anyhow!("argon2 parameters: {e}"))?;
    let ours = argon2::Params::default();
    Ok(params.m_cost() < ours.m_cost() || params.t_cost() < ours.t_cost())
}

pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|parsed| {
        Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok()
    })
}

/// Burns the time a real verification takes, so an unknown login answers as slowly as a known one.
pub fn verify_nothing(password: &str) {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let hash =
        DUMMY.get_or_init(|| hash_password("not-a-real-password").expect("hashing a constant"));
    let _ = verify_password(password, hash);
}

/// A new bearer token: 32 random bytes, URL-safe base64.
pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// What is stored for a token.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// The actor a stored user acts as.
pub fn actor_of(user: &UserRow) -> anyhow::Result<Actor> {
    let role = Role::parse(&user.role)
        .ok_or_else(|| anyhow::anyhow!("user {} has unknown role {}", user.id, user.role))?;
    Ok(Actor {
        id: user.id.to_string(),
        role,
        name: user.name.clone(),
        department: user.department.clone(),
        id_number: user.id_number.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_password_verifies_against_its_own_hash_only() {
        let hash = hash_password("correct horse").unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password("correct horse", &hash));
        assert!(!verify_password("wrong horse", &hash));
        assert!(!verify_password("correct horse", "not a hash"));
    }

    #[test]
    fn tokens_are_random_and_hashed() {
        let (a, b) = (new_token(), new_token());
        assert_ne!(a, b);
        assert_eq!(a.len(), 43);
        assert_eq!(token_hash(&a).len(), 64);
        assert_ne!(token_hash(&a), a);
    }
}
