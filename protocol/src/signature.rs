//! The meter signature scheme as the plugin and the utility check it: the meter's public key
//! (SPKI PEM) and the verification of its signature over a [`MeterStatement`].
//!
//! Promises: a signature is ECDSA P-256 with SHA-256 over exactly [`MeterStatement::to_bytes`]
//! (domain-separated; binds protocol version, meter id, frame and commitment), stored as 64
//! bytes `r || s` with `s` low. [`verify_statement`] accepts exactly those: it refuses malformed
//! bytes, the high-`s` twin of a valid signature and invalid signatures, each with its own
//! [`SignatureError`]. Signing is the meter's (the `zkmeter-meter` crate).

use std::path::Path;

use p256::ecdsa::signature::Verifier;
use p256::ecdsa::{Signature, VerifyingKey};
use p256::pkcs8::{DecodePublicKey, EncodePublicKey, LineEnding};
use thiserror::Error;

use crate::error::FileError;
use crate::ids::{truncate_for_error, SignatureBytes};
use crate::statement::MeterStatement;

/// Cap on a key file, checked before parsing (a P-256 PEM key is under 300 bytes).
pub const MAX_KEY_FILE_BYTES: u64 = 16 * 1024;

const PUBLIC_LABEL: &str = "PUBLIC KEY";

/// Why a meter signature was refused.
#[derive(Debug, Error, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SignatureError {
    /// The signature bytes are not an ECDSA P-256 signature (r or s zero or not below n).
    #[error(
        "malformed meter signature: r and s must each be between 1 and n - 1 (n: the P-256 \
         group order)"
    )]
    Malformed,
    /// The signature has a high `s` (its malleable twin); meters sign in low-s form only.
    #[error("non-canonical meter signature: s is high (meters sign in low-s form)")]
    NonCanonical,
    /// The signature is well formed but does not verify for this key and statement.
    #[error("meter signature does not verify for this key and statement")]
    Invalid,
}

/// Why a key (file) was refused.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum KeyError {
    /// Reading the key file failed (I/O, or larger than its cap).
    #[error(transparent)]
    File(#[from] FileError),
    /// The PEM block is of another type than expected (e.g. a public key given as private key).
    #[error("expected a {expected} PEM block (-----BEGIN {expected}-----), found '{found}'")]
    WrongPemType {
        /// The label expected.
        expected: &'static str,
        /// The label found.
        found: String,
    },
    /// A key could not be decoded (not PEM, not P-256, malformed DER...).
    #[error("bad {what}: {reason}")]
    BadKey {
        /// Which key.
        what: &'static str,
        /// What is wrong.
        reason: String,
    },
    /// A key could not be encoded.
    #[error("cannot encode the {what}: {reason}")]
    Encoding {
        /// Which key.
        what: &'static str,
        /// What failed.
        reason: String,
    },
}

/// A meter's ECDSA P-256 public key, as registered with the utility.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MeterPublicKey(VerifyingKey);

impl MeterPublicKey {
    /// The underlying p256 key.
    pub fn as_verifying_key(&self) -> &VerifyingKey {
        &self.0
    }

    /// SPKI PEM text.
    ///
    /// # Errors
    /// [`KeyError::Encoding`].
    pub fn to_pem(&self) -> Result<String, KeyError> {
        self.0
            .to_public_key_pem(LineEnding::LF)
            .map_err(|e| KeyError::Encoding {
                what: "public key",
                reason: e.to_string(),
            })
    }

    /// Parses SPKI PEM text.
    ///
    /// # Errors
    /// [`KeyError::WrongPemType`] for another PEM block, [`KeyError::BadKey`] for anything
    /// that is not an SPKI P-256 key.
    pub fn from_pem_str(text: &str) -> Result<Self, KeyError> {
        expect_pem_label(text, PUBLIC_LABEL, "public key")?;
        VerifyingKey::from_public_key_pem(text)
            .map(MeterPublicKey)
            .map_err(|e| KeyError::BadKey {
                what: "public key",
                reason: format!("not an SPKI P-256 key ({e})"),
            })
    }

    /// Reads an SPKI PEM file (capped at [`MAX_KEY_FILE_BYTES`] before parsing).
    ///
    /// # Errors
    /// [`KeyError::File`], or as [`MeterPublicKey::from_pem_str`].
    pub fn read_pem(path: &Path) -> Result<Self, KeyError> {
        let bytes = crate::fs::read_capped(path, MAX_KEY_FILE_BYTES, "public key")?;
        Self::from_pem_str(pem_text(&bytes, "public key")?)
    }
}

impl From<VerifyingKey> for MeterPublicKey {
    fn from(key: VerifyingKey) -> Self {
        MeterPublicKey(key)
    }
}

/// Verifies a meter signature over `statement`.
///
/// # Errors
/// [`SignatureError::Malformed`] (r or s zero or not below the group order),
/// [`SignatureError::NonCanonical`] (high s), [`SignatureError::Invalid`].
pub fn verify_statement(
    key: &MeterPublicKey,
    statement: &MeterStatement<'_>,
    signature: &SignatureBytes,
) -> Result<(), SignatureError> {
    let sig = Signature::from_slice(&signature.0).map_err(|_| SignatureError::Malformed)?;
    if sig.normalize_s() != sig {
        return Err(SignatureError::NonCanonical);
    }
    key.as_verifying_key()
        .verify(&statement.to_bytes(), &sig)
        .map_err(|_| SignatureError::Invalid)
}

/// The bytes of a key file as text.
///
/// # Errors
/// [`KeyError::BadKey`] when the bytes are not UTF-8.
pub fn pem_text<'a>(bytes: &'a [u8], what: &'static str) -> Result<&'a str, KeyError> {
    std::str::from_utf8(bytes).map_err(|_| KeyError::BadKey {
        what,
        reason: "not PEM text (not UTF-8)".into(),
    })
}

/// Checks the label of the first PEM block, so a wrong key type gets a clear error.
///
/// # Errors
/// [`KeyError::BadKey`] when there is no PEM block, [`KeyError::WrongPemType`] when its label
/// is not `expected`.
pub fn expect_pem_label(
    text: &str,
    expected: &'static str,
    what: &'static str,
) -> Result<(), KeyError> {
    let found = text.lines().find_map(|l| {
        l.trim()
            .strip_prefix("-----BEGIN ")
            .and_then(|rest| rest.strip_suffix("-----"))
    });
    match found {
        None => Err(KeyError::BadKey {
            what,
            reason: "no PEM block (-----BEGIN ...-----) found".into(),
        }),
        Some(label) if label == expected => Ok(()),
        Some(label) => Err(KeyError::WrongPemType {
            expected,
            found: truncate_for_error(label),
        }),
    }
}
