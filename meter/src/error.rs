//! The typed error of this crate: every failure names what went wrong and where.

use thiserror::Error;
use zkmeter_protocol::{KeyError, ProtocolError};

/// Why a meter operation failed.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum MeterError {
    /// A key file could not be read, parsed or encoded.
    #[error(transparent)]
    Key(#[from] KeyError),
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
    /// The random number generator failed.
    #[error("the random number generator failed: {0}")]
    Rng(String),
    /// A protocol object (frame, readings, tariff) is invalid.
    #[error(transparent)]
    Protocol(#[from] ProtocolError),
}

impl From<zkmeter_circuit::BoundsError> for MeterError {
    fn from(e: zkmeter_circuit::BoundsError) -> Self {
        MeterError::Protocol(e.into())
    }
}
