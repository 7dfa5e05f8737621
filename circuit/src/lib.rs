//! # zkmeter-circuit
//!
//! The bill circuit of zkmeter: halo2 only, no serialisation and no file I/O. Raw halo2 types
//! stay inside; what leaves are typed keys, instances and proofs.
//!
//! * [`constants`]: bit widths, packing, bounds, word counts, public-input rows (the bottom).
//! * [`size`]: the closed set of named circuit sizes ([`CircuitSize`]).
//! * [`encoding`]: field encodings and the checks of the bounds that keep sums exact.
//! * [`primitives`]: the native reference of the commitment and the bill.
//! * `chip` and `circuit`: the bill chip (its gate and layout table) and the bill circuit.
//! * [`tariff`]: [`TariffPrices`], the public tariff keys are built for (fixed columns).
//! * [`keys`]: [`ProvingKey`] and [`VerifyingKey`] of (size, tariff), which own their
//!   parameters.
//! * [`proof`]: [`PublicInputs`], [`Instance`], [`Proof`] and [`BatchValidator`].
//! * [`shape`]: the measured rows and columns of each size.
//!
//! The protocol around the circuit is specified in `docs/protocol.md`.

#![deny(missing_docs)]

mod chip;
mod circuit;
pub mod constants;
pub mod encoding;
pub mod error;
pub mod keys;
pub mod primitives;
pub mod proof;
pub mod shape;
pub mod size;
pub mod tariff;

pub use error::{BoundsError, ProofError};
pub use halo2_proofs::pasta::Fp;
pub use keys::{IpaParams, ProvingKey, VerifyingKey};
pub use proof::{proof_len, BatchValidator, Instance, Proof, PublicInputs};
pub use size::CircuitSize;
pub use tariff::TariffPrices;
