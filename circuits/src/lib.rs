//! # zkmeter-circuits
//!
//! The bill circuit of zkmeter and everything the meter, the consumer's privacy plugin and the
//! utility must agree on:
//!
//! * [`size`]: the closed set of named circuit sizes ([`CircuitSize`]).
//! * [`encoding`]: units, field encodings and the bounds that keep sums exact.
//! * [`native`]: the out-of-circuit reference of the commitment and the bill.
//! * [`chip`] and [`circuit`]: the halo2 bill chip and circuit.
//! * [`proof`]: typed keys, public inputs, proving and verification.
//! * [`protocol`]: frames, tariffs, period files, submissions, their envelope and signed bytes.
//!
//! The protocol is specified in `docs/protocol.md`.

#![deny(missing_docs)]

pub mod chip;
pub mod circuit;
pub mod encoding;
pub mod error;
pub mod native;
pub mod proof;
pub mod protocol;
pub mod shape;
pub mod size;

pub use error::{FileError, ProtocolError};
pub use halo2_proofs::pasta::{EqAffine, Fp};
pub use size::CircuitSize;
