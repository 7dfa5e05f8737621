//! Typed errors of the protocol objects and of the files that hold them.

use thiserror::Error;
use zkmeter_circuit::BoundsError;

/// Why a protocol object (frame, tariff, period, submission, encoding) was refused.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ProtocolError {
    /// The slot length is not 15, 30 or 60 minutes.
    #[error("slot length {0} min is not supported (15, 30 or 60)")]
    BadSlotLength(u32),
    /// The frame's start is not on a slot boundary (UTC).
    #[error("period start {0} is not aligned to the slot length")]
    UnalignedStart(String),
    /// The slot count is zero or exceeds the size's capacity.
    #[error("{slots} slots do not fit size {size} (capacity {capacity})")]
    SlotsDoNotFit {
        /// Slots requested.
        slots: u64,
        /// Size named.
        size: String,
        /// Its capacity.
        capacity: usize,
    },
    /// A timestamp is outside the supported range or not RFC 3339.
    #[error("bad timestamp: {0}")]
    BadTimestamp(String),
    /// A 32-byte field element is not the canonical encoding of a value below p.
    #[error("{0} is not a canonical field element (must be < p, little-endian)")]
    NonCanonicalField(&'static str),
    /// A meter id is empty, too long, or uses characters outside `[A-Za-z0-9._-]`.
    #[error("bad meter id '{0}': 1-64 characters of A-Z a-z 0-9 . _ -")]
    BadMeterId(String),
    /// A tariff id or currency is malformed.
    #[error("bad {what} '{value}'")]
    BadIdentifier {
        /// Which field.
        what: &'static str,
        /// The value.
        value: String,
    },
    /// A reading, price or count outside the circuit's bounds, or an unknown size name.
    #[error(transparent)]
    Bounds(#[from] BoundsError),
    /// An energy unit exponent outside `-3..=0` (`10^e` Wh).
    #[error("energy unit 10^{0} Wh is not supported (10^-3 to 10^0 Wh: mWh to Wh)")]
    BadUnit(i32),
    /// A bill or energy figure exceeds what any valid period can produce.
    #[error("{0} is outside the bound any valid period can reach")]
    FigureOutOfRange(&'static str),
    /// A tariff's charges (standing charge, levies, tiers, taxes, ...) are malformed.
    #[error("bad charges: {field}: {reason}")]
    BadCharges {
        /// The field, e.g. `tiers[1]`.
        field: String,
        /// What is wrong with it.
        reason: String,
    },
}

/// Why a file could not be read as a zkmeter object, or written.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum FileError {
    /// Writing the file failed (say, its directory does not exist); the target is untouched.
    #[error("cannot write {path}: {source}")]
    Write {
        /// The path.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// Reading the file failed.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The path.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file is larger than the cap for its kind (checked before parsing).
    #[error("{path} is larger than the {cap}-byte cap for a {kind} file")]
    TooLarge {
        /// The path.
        path: String,
        /// Kind expected.
        kind: &'static str,
        /// Cap in bytes.
        cap: u64,
    },
    /// The bytes are not a well-formed zkmeter object of the expected kind.
    #[error("{kind} file is malformed: {reason}")]
    Malformed {
        /// Kind expected.
        kind: &'static str,
        /// What is wrong.
        reason: String,
    },
    /// The file's format version is not one this build reads.
    #[error("{kind} file has format version {found}; this build reads version {supported}")]
    UnsupportedVersion {
        /// Kind.
        kind: &'static str,
        /// Version found.
        found: u16,
        /// Version supported.
        supported: u16,
    },
    /// The file decoded but a field is invalid.
    #[error("{kind} file is invalid: {source}")]
    Invalid {
        /// Kind.
        kind: &'static str,
        /// The protocol error.
        source: ProtocolError,
    },
}
