//! # zkmeter-params
//!
//! Transparent IPA parameters (`Params<EqAffine>`) for the zkmeter circuits.
//!
//! `Params::new(k)` is deterministic (no trusted setup) but slow: about 1 s at k = 11 and close
//! to a minute at k = 16 on 2 cores. This crate generates each `k` once, stores it as a file
//! (`k{K}.bin`, `64 * 2^k + 68` bytes) and checks every load against a SHA-256 pinned in this
//! source. A file that fails the check is never used: it is regenerated and checked again.
//! Anyone can regenerate and compare with `cargo run --release -p zkmeter-params --example pin`.

#![deny(missing_docs)]

use std::io::Read;
use std::path::{Path, PathBuf};

use halo2_proofs::{pasta::EqAffine, poly::commitment::Params};
use sha2::{Digest, Sha256};
use thiserror::Error;

/// SHA-256 of `Params::<EqAffine>::new(k)` as written by `Params::write`, per supported `k`.
pub const PINNED: &[(u32, &str)] = &[
    (
        11,
        "1eab6f93a080ce41b908d935c04bd2e3ed1ac23f277c15d11c499d56d28fa0f7",
    ),
    (
        12,
        "1b97b06da453b9efb1ae18b9ba77c3d870f22dc72898297d5707e340c3f44865",
    ),
    (
        13,
        "76ebe6b75b5281cb1dcc2eb04888968573758672b521522f62abedf6366bb876",
    ),
    (
        14,
        "1cb278fe4d9cf5325e5cbc710d863c0deca3e961e1b8f6c8736890c43345c461",
    ),
];

/// Environment variable naming the parameter directory.
pub const DIR_ENV: &str = "ZKMETER_PARAMS_DIR";

/// Errors of loading or generating parameters.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum ParamsError {
    /// No pinned hash for this `k`: the size is not supported by this build.
    #[error("no pinned IPA parameters for k = {0}")]
    UnsupportedK(u32),
    /// Reading or writing the parameter file failed.
    #[error("IPA parameter file {path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The error.
        source: std::io::Error,
    },
    /// Parameter bytes from elsewhere (a file served next to a web page, say) are not the
    /// pinned parameters for `k`: wrong length or wrong SHA-256.
    #[error("IPA parameters for k = {k} refused: {reason}")]
    Refused {
        /// k.
        k: u32,
        /// Why: the length or the hash found.
        reason: String,
    },
    /// Freshly generated parameters do not match the pinned hash (a build or library bug).
    #[error("generated parameters for k = {k} hash to {found}, pinned {pinned}")]
    PinMismatch {
        /// k.
        k: u32,
        /// Hash found.
        found: String,
        /// Hash pinned.
        pinned: String,
    },
}

/// What [`ParamStore::load`] is doing, for progress display.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Event {
    /// Reading and checking a stored file.
    Reading,
    /// The stored file was missing (`false`) or failed its check (`true`); generating.
    Generating {
        /// Whether an existing file was refused.
        refused_existing: bool,
    },
    /// Done.
    Ready,
}

/// The exact size of the file for `k`.
pub fn file_len(k: u32) -> u64 {
    64 * (1u64 << k) + 68
}

/// The pinned SHA-256 (hex) for `k`.
pub fn pinned_hash(k: u32) -> Result<&'static str, ParamsError> {
    PINNED
        .iter()
        .find(|(pk, _)| *pk == k)
        .map(|(_, h)| *h)
        .ok_or(ParamsError::UnsupportedK(k))
}

/// Generates the parameters for `k` and their file bytes (slow for large `k`).
pub fn generate(k: u32) -> (Params<EqAffine>, Vec<u8>) {
    let params = Params::<EqAffine>::new(k);
    let mut bytes = Vec::with_capacity(file_len(k) as usize);
    params
        .write(&mut bytes)
        .expect("writing to memory cannot fail");
    (params, bytes)
}

/// Parameters for `k` from bytes obtained anywhere (never trusted): accepted only if they have
/// exactly [`file_len`] bytes and the pinned SHA-256, so their source does not matter. This is
/// how the browser plugin checks the parameter file it loads next to its page.
///
/// # Errors
/// [`ParamsError::UnsupportedK`] for a `k` without a pin, [`ParamsError::Refused`] for bytes
/// of another length or hash.
pub fn from_bytes(k: u32, bytes: &[u8]) -> Result<Params<EqAffine>, ParamsError> {
    let pinned = pinned_hash(k)?;
    let refused = |reason: String| ParamsError::Refused { k, reason };
    if bytes.len() as u64 != file_len(k) {
        return Err(refused(format!(
            "{} bytes, expected {}",
            bytes.len(),
            file_len(k)
        )));
    }
    let found = sha256_hex(bytes);
    if found != pinned {
        return Err(refused(format!("SHA-256 {found}, pinned {pinned}")));
    }
    Params::read(&mut &bytes[..]).map_err(|e| refused(format!("unreadable: {e}")))
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// A directory of parameter files.
#[derive(Clone, Debug)]
pub struct ParamStore {
    dir: PathBuf,
}

impl ParamStore {
    /// A store in `dir` (created on first write).
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        ParamStore { dir: dir.into() }
    }

    /// The default store: `$ZKMETER_PARAMS_DIR` if set, else this crate's `ipa/` directory when
    /// it exists (a source checkout), else `$HOME/.cache/zkmeter/params`.
    pub fn default_store() -> Self {
        if let Some(dir) = std::env::var_os(DIR_ENV) {
            return Self::new(dir);
        }
        let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("ipa");
        if source.is_dir() {
            return Self::new(source);
        }
        let home = std::env::var_os("HOME").map_or_else(|| PathBuf::from("."), PathBuf::from);
        Self::new(home.join(".cache/zkmeter/params"))
    }

    /// The directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Path of the file for `k`.
    pub fn path(&self, k: u32) -> PathBuf {
        self.dir.join(format!("k{k}.bin"))
    }

    /// Loads the parameters for `k`: reads the stored file if its SHA-256 matches the pin,
    /// otherwise generates them, checks the pin and stores them atomically.
    pub fn load(
        &self,
        k: u32,
        mut progress: impl FnMut(Event),
    ) -> Result<Params<EqAffine>, ParamsError> {
        let pinned = pinned_hash(k)?;
        let path = self.path(k);
        progress(Event::Reading);
        let refused_existing = match read_exact_len(&path, file_len(k)) {
            Ok(Some(bytes)) if sha256_hex(&bytes) == pinned => {
                let params =
                    Params::read(&mut bytes.as_slice()).map_err(|source| ParamsError::Io {
                        path: path.display().to_string(),
                        source,
                    })?;
                progress(Event::Ready);
                return Ok(params);
            }
            Ok(Some(_)) | Ok(None) if path.exists() => true,
            _ => false,
        };
        progress(Event::Generating { refused_existing });
        let (params, bytes) = generate(k);
        let found = sha256_hex(&bytes);
        if found != pinned {
            return Err(ParamsError::PinMismatch {
                k,
                found,
                pinned: pinned.to_owned(),
            });
        }
        // Storing is an optimisation: a read-only directory still yields valid parameters.
        let _ = self.store(&path, &bytes);
        progress(Event::Ready);
        Ok(params)
    }

    fn store(&self, path: &Path, bytes: &[u8]) -> std::io::Result<()> {
        std::fs::create_dir_all(&self.dir)?;
        zkmeter_fs::write_atomic(path, bytes, false)
    }
}

/// Reads `path` if it has exactly `len` bytes; `Ok(None)` when it is missing or another size.
fn read_exact_len(path: &Path, len: u64) -> std::io::Result<Option<Vec<u8>>> {
    let file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e),
    };
    let mut bytes = Vec::with_capacity(len as usize);
    file.take(len + 1).read_to_end(&mut bytes)?;
    Ok((bytes.len() as u64 == len).then_some(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_params_load_generate_and_refuse_a_corrupt_file() {
        let dir = std::env::temp_dir().join(format!("zkmeter-params-test-{}", std::process::id()));
        let store = ParamStore::new(&dir);
        let mut events = vec![];
        let fresh = store.load(11, |e| events.push(e)).unwrap();
        assert!(events.contains(&Event::Generating {
            refused_existing: false
        }));
        assert_eq!(fresh.k(), 11);

        // A stored, intact file is read back, not regenerated.
        events.clear();
        store.load(11, |e| events.push(e)).unwrap();
        assert_eq!(events, vec![Event::Reading, Event::Ready]);

        // One flipped byte: refused and regenerated, and the file is repaired.
        let path = store.path(11);
        let mut bytes = std::fs::read(&path).unwrap();
        bytes[100] ^= 1;
        std::fs::write(&path, &bytes).unwrap();
        events.clear();
        store.load(11, |e| events.push(e)).unwrap();
        assert!(events.contains(&Event::Generating {
            refused_existing: true
        }));
        assert_eq!(
            sha256_hex(&std::fs::read(&path).unwrap()),
            pinned_hash(11).unwrap()
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn bytes_from_elsewhere_are_checked_against_the_pin() {
        let (_, bytes) = generate(11);
        assert_eq!(from_bytes(11, &bytes).unwrap().k(), 11);
        // The right bytes under another k, one flipped byte, a truncated file: refused.
        assert!(matches!(
            from_bytes(12, &bytes),
            Err(ParamsError::Refused { k: 12, reason }) if reason.contains("expected")
        ));
        let mut flipped = bytes.clone();
        flipped[100] ^= 1;
        assert!(matches!(
            from_bytes(11, &flipped),
            Err(ParamsError::Refused { k: 11, reason }) if reason.contains("SHA-256")
        ));
        assert!(matches!(
            from_bytes(11, &bytes[..bytes.len() - 1]),
            Err(ParamsError::Refused { .. })
        ));
        assert!(matches!(
            from_bytes(15, &bytes),
            Err(ParamsError::UnsupportedK(15))
        ));
    }

    #[test]
    fn unknown_k_is_refused() {
        assert!(matches!(
            ParamStore::new("/nonexistent").load(15, |_| {}),
            Err(ParamsError::UnsupportedK(15))
        ));
    }
}
