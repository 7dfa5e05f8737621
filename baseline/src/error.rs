//! Why the baseline plugin or utility refuses something: one reason per variant.

use thiserror::Error;

/// A refusal by the baseline's plugin, decoder or utility.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum BaselineError {
    /// The bill message does not decode (length, magic, version or a non-canonical field).
    #[error("malformed bill message: {0}")]
    Malformed(&'static str),
    /// The message is for another meter or period than the utility expects.
    #[error("bill message is for another meter or period")]
    WrongPeriod,
    /// The number of readings does not match the number of prices.
    #[error("{found} readings, but the tariff has {expected} prices")]
    WrongCount {
        /// Readings (commitments) in the message or period.
        found: usize,
        /// Prices in the tariff.
        expected: usize,
    },
    /// A commitment is not the canonical encoding of a Pallas point.
    #[error("commitment of slot {slot} is not a valid point")]
    MalformedCommitment {
        /// Slot index.
        slot: usize,
    },
    /// A signature is not a well-formed low-s ECDSA signature (`r`, `s` in range, `s <= n/2`).
    #[error("signature of slot {slot} is malformed or not low-s")]
    MalformedSignature {
        /// Slot index.
        slot: usize,
    },
    /// A signature does not verify for its slot's commitment (changed, moved or forged).
    #[error("signature of slot {slot} does not verify")]
    InvalidSignature {
        /// Slot index.
        slot: usize,
    },
    /// `B` and `O` do not open the price-weighted sum of the commitments.
    #[error("bill and opening sum do not open the price-weighted commitments")]
    OpeningMismatch,
    /// A bill does not fit in an `i128` (impossible within the documented bounds).
    #[error("bill overflows")]
    Overflow,
}
