//! The meter's ECDSA P-256 key pair and its PEM files. (The public key type and its parsing
//! belong to the protocol: plugin and utility read it too.)
//!
//! Promises:
//! * Private keys are PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`), written with mode 0600 on
//!   Unix; public keys are SPKI PEM (`-----BEGIN PUBLIC KEY-----`).
//! * Key files are never overwritten: writing to an existing path fails with
//!   [`MeterError::AlreadyExists`].
//! * Key files are capped at [`MAX_KEY_FILE_BYTES`] before parsing; a PEM block of the wrong
//!   type (say a public key where the private key is expected) is refused with
//!   [`KeyError::WrongPemType`]; keys on other curves are refused with [`KeyError::BadKey`].

use std::io::Write;
use std::path::{Path, PathBuf};

use p256::ecdsa::SigningKey;
use p256::elliptic_curve::zeroize::Zeroizing;
use p256::elliptic_curve::Generate;
use p256::pkcs8::{DecodePrivateKey, EncodePrivateKey, LineEnding};
use rand_core::TryCryptoRng;
use zkmeter_protocol::fs::{create_new_file, read_capped};
use zkmeter_protocol::signature::{
    expect_pem_label, pem_text, KeyError, MeterPublicKey, MAX_KEY_FILE_BYTES,
};

use crate::error::MeterError;

/// File name of the private key written by [`keygen_to_dir`].
pub const PRIVATE_KEY_FILE: &str = "meter.key";
/// File name of the public key written by [`keygen_to_dir`].
pub const PUBLIC_KEY_FILE: &str = "meter.pub";

const PRIVATE_LABEL: &str = "PRIVATE KEY";

/// A meter's ECDSA P-256 signing key (zeroised on drop; `Debug` never shows it).
#[derive(Clone)]
pub struct MeterSigningKey(SigningKey);

impl MeterSigningKey {
    /// Draws a fresh key from `rng` (e.g. `&mut rand::rngs::SysRng`); RNG failure is an error.
    pub fn generate<R: TryCryptoRng + ?Sized>(rng: &mut R) -> Result<Self, MeterError> {
        SigningKey::try_generate_from_rng(rng)
            .map(MeterSigningKey)
            .map_err(|e| MeterError::Rng(e.to_string()))
    }

    /// The matching public key.
    pub fn public_key(&self) -> MeterPublicKey {
        MeterPublicKey::from(*self.0.verifying_key())
    }

    /// The underlying p256 key.
    pub fn as_signing_key(&self) -> &SigningKey {
        &self.0
    }

    /// PKCS#8 PEM text (zeroised on drop).
    pub fn to_pem(&self) -> Result<Zeroizing<String>, MeterError> {
        self.0.to_pkcs8_pem(LineEnding::LF).map_err(|e| {
            KeyError::Encoding {
                what: "private key",
                reason: e.to_string(),
            }
            .into()
        })
    }

    /// Parses PKCS#8 PEM text.
    pub fn from_pem_str(text: &str) -> Result<Self, MeterError> {
        expect_pem_label(text, PRIVATE_LABEL, "private key")?;
        SigningKey::from_pkcs8_pem(text)
            .map(MeterSigningKey)
            .map_err(|e| {
                KeyError::BadKey {
                    what: "private key",
                    reason: format!("not a PKCS#8 P-256 key ({e})"),
                }
                .into()
            })
    }

    /// Reads a PKCS#8 PEM file (capped at [`MAX_KEY_FILE_BYTES`] before parsing).
    pub fn read_pem(path: &Path) -> Result<Self, MeterError> {
        let bytes = Zeroizing::new(
            read_capped(path, MAX_KEY_FILE_BYTES, "private key").map_err(KeyError::File)?,
        );
        Self::from_pem_str(pem_text(&bytes, "private key")?)
    }

    /// Writes the PKCS#8 PEM file with mode 0600 (Unix); refuses to overwrite.
    pub fn write_pem(&self, path: &Path) -> Result<(), MeterError> {
        write_new(path, self.to_pem()?.as_bytes(), true)
    }
}

impl std::fmt::Debug for MeterSigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MeterSigningKey(..)")
    }
}

/// Writes `key` as an SPKI PEM file; refuses to overwrite.
pub fn write_public_pem(key: &MeterPublicKey, path: &Path) -> Result<(), MeterError> {
    write_new(path, key.to_pem()?.as_bytes(), false)
}

/// Generates a key pair from the OS RNG and writes `DIR/meter.key` (0600) and `DIR/meter.pub`.
///
/// Refuses to overwrite either file; on failure nothing new is left behind. Returns the paths
/// `(private, public)`.
pub fn keygen_to_dir(dir: &Path) -> Result<(PathBuf, PathBuf), MeterError> {
    let key_path = dir.join(PRIVATE_KEY_FILE);
    let pub_path = dir.join(PUBLIC_KEY_FILE);
    for p in [&key_path, &pub_path] {
        if p.exists() {
            return Err(MeterError::AlreadyExists {
                path: p.display().to_string(),
            });
        }
    }
    let key = MeterSigningKey::generate(&mut rand::rngs::SysRng)?;
    key.write_pem(&key_path)?;
    if let Err(e) = write_public_pem(&key.public_key(), &pub_path) {
        let _ = std::fs::remove_file(&key_path);
        return Err(e);
    }
    Ok((key_path, pub_path))
}

/// Creates `path` (failing if it exists), writes `bytes` and syncs; `private` sets mode 0600.
fn write_new(path: &Path, bytes: &[u8], private: bool) -> Result<(), MeterError> {
    let display = || path.display().to_string();
    let mut file = create_new_file(path, private).map_err(|source| {
        if source.kind() == std::io::ErrorKind::AlreadyExists {
            MeterError::AlreadyExists { path: display() }
        } else {
            MeterError::Write {
                path: display(),
                source,
            }
        }
    })?;
    let written = file.write_all(bytes).and_then(|()| file.sync_all());
    if let Err(source) = written {
        drop(file);
        let _ = std::fs::remove_file(path);
        return Err(MeterError::Write {
            path: display(),
            source,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_chacha::ChaCha20Rng;
    use rand_core::SeedableRng;

    fn key(seed: u64) -> MeterSigningKey {
        MeterSigningKey::generate(&mut ChaCha20Rng::seed_from_u64(seed)).unwrap()
    }

    #[test]
    fn pem_round_trips() {
        let k = key(1);
        let back = MeterSigningKey::from_pem_str(&k.to_pem().unwrap()).unwrap();
        assert_eq!(back.public_key(), k.public_key());
        let pem = k.public_key().to_pem().unwrap();
        assert!(pem.starts_with("-----BEGIN PUBLIC KEY-----"));
        assert_eq!(MeterPublicKey::from_pem_str(&pem).unwrap(), k.public_key());
        assert_ne!(key(2).public_key(), k.public_key());
        assert_eq!(format!("{k:?}"), "MeterSigningKey(..)");
    }

    #[test]
    fn wrong_pem_types_and_garbage_are_refused() {
        let k = key(3);
        let public = k.public_key().to_pem().unwrap();
        assert!(matches!(
            MeterSigningKey::from_pem_str(&public),
            Err(MeterError::Key(KeyError::WrongPemType { expected: "PRIVATE KEY", found })) if found == "PUBLIC KEY"
        ));
        assert!(matches!(
            MeterPublicKey::from_pem_str(&k.to_pem().unwrap()),
            Err(KeyError::WrongPemType {
                expected: "PUBLIC KEY",
                ..
            })
        ));
        assert!(matches!(
            MeterSigningKey::from_pem_str("hello"),
            Err(MeterError::Key(KeyError::BadKey { .. }))
        ));
        let broken = "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n";
        assert!(matches!(
            MeterSigningKey::from_pem_str(broken),
            Err(MeterError::Key(KeyError::BadKey { .. }))
        ));
    }

    #[test]
    fn keygen_writes_both_files_and_never_overwrites() {
        let dir = tempfile::tempdir().unwrap();
        let (kp, pp) = keygen_to_dir(dir.path()).unwrap();
        let k = MeterSigningKey::read_pem(&kp).unwrap();
        assert_eq!(MeterPublicKey::read_pem(&pp).unwrap(), k.public_key());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&kp).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        assert!(matches!(
            keygen_to_dir(dir.path()),
            Err(MeterError::AlreadyExists { .. })
        ));
        assert_eq!(
            MeterSigningKey::read_pem(&kp).unwrap().public_key(),
            k.public_key()
        );
        assert!(matches!(
            MeterSigningKey::read_pem(&pp),
            Err(MeterError::Key(KeyError::WrongPemType { .. }))
        ));
    }

    #[test]
    fn oversized_and_binary_key_files_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let big = dir.path().join("big.key");
        std::fs::write(&big, vec![b'A'; MAX_KEY_FILE_BYTES as usize + 1]).unwrap();
        assert!(matches!(
            MeterSigningKey::read_pem(&big),
            Err(MeterError::Key(KeyError::File(
                zkmeter_protocol::FileError::TooLarge { .. }
            )))
        ));
        let bin = dir.path().join("bin.pub");
        std::fs::write(&bin, [0xffu8, 0xfe, 0]).unwrap();
        assert!(matches!(
            MeterPublicKey::read_pem(&bin),
            Err(KeyError::BadKey { .. })
        ));
    }
}
