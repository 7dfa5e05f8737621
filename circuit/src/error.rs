//! Typed errors of the circuit crate.

use halo2_proofs::plonk;
use thiserror::Error;

use crate::size::CircuitSize;

/// A value outside the bounds the circuit is argued for (`docs/protocol.md` "Encodings and
/// bounds").
#[derive(Debug, Error, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum BoundsError {
    /// A reading exceeds the documented bound.
    #[error("{register} reading {value} in slot {slot} exceeds the bound {max} (units of the meter's 10^e Wh)")]
    ReadingTooLarge {
        /// The register: `import` or `export`.
        register: &'static str,
        /// Slot index.
        slot: usize,
        /// Value found.
        value: u64,
        /// The bound.
        max: u32,
    },
    /// A price exceeds the documented bound.
    #[error("price {value} in slot {slot} is outside +-{max} micro-units/kWh")]
    PriceOutOfRange {
        /// Slot index.
        slot: usize,
        /// Value found.
        value: i64,
        /// The bound on its magnitude.
        max: i64,
    },
    /// Number of readings or prices differs from what is expected.
    #[error("{what}: {found} values for a frame of {expected} slots")]
    WrongLength {
        /// What was counted.
        what: &'static str,
        /// Count found.
        found: usize,
        /// Count expected.
        expected: usize,
    },
    /// Prices or readings of one register for a size of two, or of two for a size of one.
    #[error("{what} has {found} register(s); size {size} has {}", if size.ends_with("-ie") { "two (import and export)" } else { "one (import)" })]
    RegistersMismatch {
        /// What was counted.
        what: &'static str,
        /// Registers found.
        found: usize,
        /// The size's name.
        size: &'static str,
    },
}

/// Errors of key generation, proving and proof verification.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum ProofError {
    /// The parameters are for another `k`.
    #[error("IPA parameters have k = {found}, size {size} needs k = {expected}")]
    WrongParams {
        /// Size.
        size: CircuitSize,
        /// k found.
        found: u32,
        /// k needed.
        expected: u32,
    },
    /// A key, input or proof of one size was used with another.
    #[error("size mismatch: key is for {key}, input is for {input}")]
    SizeMismatch {
        /// Key's size.
        key: CircuitSize,
        /// Input's size.
        input: CircuitSize,
    },
    /// The proof does not have the exact length of proofs of this size.
    #[error("proof is {found} bytes; proofs of size {size} are exactly {expected} bytes")]
    WrongProofLength {
        /// Size.
        size: CircuitSize,
        /// Length found.
        found: usize,
        /// Length expected.
        expected: usize,
    },
    /// The proof does not verify against these public inputs.
    #[error("proof does not verify for these public inputs ({0})")]
    Invalid(String),
    /// A witness or public input is out of its bounds.
    #[error(transparent)]
    Bounds(#[from] BoundsError),
    /// The key built here does not have the shape the protocol pins for its size.
    #[error("keys of size {size} have shape fingerprint {found}, the protocol pins {expected}")]
    UnpinnedKey {
        /// Size.
        size: CircuitSize,
        /// Fingerprint built.
        found: String,
        /// Fingerprint pinned.
        expected: &'static str,
    },
    /// halo2 failed while building keys or proving.
    #[error("halo2 error: {0}")]
    Halo2(String),
}

impl ProofError {
    /// halo2's error, as text (no raw halo2 type leaves this crate).
    pub(crate) fn halo2(e: plonk::Error) -> Self {
        ProofError::Halo2(format!("{e:?}"))
    }

    /// A failed verification, as text.
    pub(crate) fn invalid(e: plonk::Error) -> Self {
        ProofError::Invalid(format!("{e:?}"))
    }
}
