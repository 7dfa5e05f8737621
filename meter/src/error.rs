//! The typed error of this crate: every failure names what went wrong and where.

use thiserror::Error;
use zkmeter_circuits::{FileError, ProtocolError};

use crate::csv::CsvProblem;

/// Why a meter operation failed.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum MeterError {
    /// Reading a capped input file failed (I/O, or larger than its cap).
    #[error(transparent)]
    File(#[from] FileError),
    /// Writing a file failed.
    #[error("cannot write {path}: {source}")]
    Write {
        /// The path.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A key file already exists; keys are never overwritten.
    #[error("{path} already exists; refusing to overwrite a key file (move it away first)")]
    AlreadyExists {
        /// The path.
        path: String,
    },
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
    KeyEncoding {
        /// Which key.
        what: &'static str,
        /// What failed.
        reason: String,
    },
    /// The random number generator failed.
    #[error("the random number generator failed: {0}")]
    Rng(String),
    /// The signature bytes are not an ECDSA P-256 signature (r or s zero or not below n).
    #[error("malformed meter signature: r and s must be in 1..n-1")]
    MalformedSignature,
    /// The signature has a high `s` (its malleable twin); meters sign in low-s form only.
    #[error("non-canonical meter signature: s is high (meters sign in low-s form)")]
    NonCanonicalSignature,
    /// The signature is well formed but does not verify for this key and statement.
    #[error("meter signature does not verify for this key and statement")]
    InvalidSignature,
    /// A readings CSV line is wrong.
    #[error("readings CSV line {line}: {problem}")]
    Csv {
        /// 1-based line number (the line after the last one when rows are missing at the end).
        line: usize,
        /// What is wrong.
        problem: CsvProblem,
    },
    /// An in-memory input is larger than its cap (checked before parsing).
    #[error("{what} is {size} bytes, over the cap of {cap} bytes")]
    TooLarge {
        /// What input.
        what: &'static str,
        /// Its size.
        size: u64,
        /// The cap.
        cap: u64,
    },
    /// A protocol object (frame, readings, tariff) is invalid.
    #[error(transparent)]
    Protocol(#[from] ProtocolError),
}
