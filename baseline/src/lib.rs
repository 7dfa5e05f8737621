//! # zkmeter-baseline
//!
//! **Bench-only.** The design zkmeter replaces, re-implemented on the same curves and signature
//! scheme so the two can be measured side by side (`cargo bench --bench compare`): the
//! per-reading-commitment privacy plugin of Jawurek, Johns & Kerschbaum ("Plug-in privacy for
//! smart metering billing", PETS 2011) and Eccles & Halak (Cryptography 2017, the
//! "three-party" protocol). It is not part of the `zkmeter` CLI and is never shipped.
//!
//! ## The protocol, on Pallas with ECDSA P-256
//!
//! * [`meter`]: for every slot `i` the meter draws an opening `o_i`, commits to its reading
//!   `r_i` as `c_i = r_i*G + o_i*H` (a Pedersen commitment on Pallas, [`Generators`]) and
//!   signs `(meter id, period start, i, c_i)` with ECDSA P-256 / SHA-256
//!   ([`signed_message`]). Readings, openings, commitments and signatures go to the plugin.
//! * [`plugin`]: with the utility's prices `p_i` (signed integers) the plugin computes the
//!   bill `B = sum p_i r_i` (exact, `i128`) and the opening sum `O = sum p_i o_i` (in the
//!   scalar field) and sends [`BillMessage`]: `B`, `O` and every commitment and signature.
//! * [`utility`]: checks every signature (so no commitment can be changed, dropped, added or
//!   moved to another slot) and one multi-scalar multiplication
//!   `sum p_i c_i - B*G - O*H == 0`, which holds exactly when `B` and `O` open the
//!   price-weighted sum of the commitments.
//!
//! The utility's work and the message grow linearly with the number of readings: 96 bytes
//! and one ECDSA verification per reading ([`wire::message_len`]). That is what the zkmeter
//! proof replaces.
//!
//! Signed integers (prices, bills) enter the scalar field exactly: `x >= 0` as `x`, `x < 0`
//! as `q - |x|` ([`scalar_from_i128`]). With readings below `2^32`, prices of magnitude
//! below `2^63` and at most [`wire::MAX_READINGS`] slots, `|B| < 2^111`, far below the
//! field's modulus, so the opening equation cannot wrap.

#![deny(missing_docs)]

pub mod error;
pub mod meter;
pub mod plugin;
pub mod utility;
pub mod wire;

use ff::PrimeField;
use group::Curve;
use halo2_proofs::arithmetic::CurveExt;
use halo2_proofs::pasta::{pallas, Fq};

pub use error::BaselineError;
pub use meter::{signed_message, Meter, RecordedPeriod};
pub use plugin::bill_message;
pub use utility::Utility;
pub use wire::{BillMessage, PeriodId, SignedCommitment};

/// The scalar field of Pallas, in which readings, prices and openings live.
pub type Scalar = Fq;

/// Hash-to-curve domain of the two Pedersen generators.
pub const GENERATOR_DOMAIN: &str = "zkmeter-baseline-pedersen-v1";

/// The two Pedersen generators `G` (value) and `H` (opening), independent: both come from
/// hash-to-curve, so nobody knows the discrete logarithm of one to the base of the other.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Generators {
    /// Value generator `G`.
    pub g: pallas::Affine,
    /// Opening (blinding) generator `H`.
    pub h: pallas::Affine,
}

impl Generators {
    /// Derives `G = hash_to_curve(GENERATOR_DOMAIN, "G")` and `H = hash_to_curve(..., "H")`.
    pub fn new() -> Self {
        let hash = pallas::Point::hash_to_curve(GENERATOR_DOMAIN);
        Generators {
            g: hash(b"G").to_affine(),
            h: hash(b"H").to_affine(),
        }
    }

    /// The commitment `value*G + opening*H`.
    pub fn commit(&self, value: Scalar, opening: Scalar) -> pallas::Point {
        self.g * value + self.h * opening
    }
}

impl Default for Generators {
    fn default() -> Self {
        Self::new()
    }
}

/// Maps an exact signed integer into the scalar field: `x` for `x >= 0`, `q - |x|` otherwise.
pub fn scalar_from_i128(x: i128) -> Scalar {
    let magnitude = Scalar::from_u128(x.unsigned_abs());
    if x < 0 {
        -magnitude
    } else {
        magnitude
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use group::CurveAffine;

    #[test]
    fn generators_are_distinct_and_not_identity() {
        let gens = Generators::new();
        assert_ne!(gens.g, gens.h);
        assert!(!bool::from(gens.g.is_identity()));
        assert!(!bool::from(gens.h.is_identity()));
        assert_eq!(gens, Generators::new(), "derivation is deterministic");
    }

    #[test]
    fn signed_integers_map_exactly() {
        assert_eq!(scalar_from_i128(0), Scalar::zero());
        assert_eq!(scalar_from_i128(-5) + scalar_from_i128(5), Scalar::zero());
        assert_eq!(
            scalar_from_i128(i128::MIN) + scalar_from_i128(i128::MAX),
            -Scalar::one()
        );
    }
}
