//! # zkmeter-meter
//!
//! The meter side of zkmeter, as a simulator a real meter's firmware could follow:
//!
//! * [`keys`]: the meter's ECDSA P-256 key pair, PKCS#8 / SPKI PEM files.
//! * [`sign`]: signing the once-per-period [`MeterStatement`] (low-s, `r || s`); its
//!   verification is the protocol's (`zkmeter_protocol::signature`).
//! * [`mod@record`]: turning a period's readings into a signed [`Period`] (blinding, commitment,
//!   signature).
//! * [`synthetic`]: a deterministic synthetic household, for demos, tests and benchmarks.
//! * [`tariff_demo`]: a deterministic market-shaped dynamic tariff, standing in for what a
//!   utility publishes.
//!
//! Every fallible function returns a typed [`MeterError`]; nothing here panics on any input.
//!
//! Readings from files (CSV, Green Button) are imported by the `zkmeter-import` crate.
//!
//! [`MeterStatement`]: zkmeter_protocol::MeterStatement
//! [`Period`]: zkmeter_protocol::Period

#![deny(missing_docs)]

pub mod error;
pub mod keys;
pub mod record;
pub mod sign;
pub mod synthetic;
pub mod tariff_demo;

pub use error::MeterError;
pub use keys::{keygen_to_dir, write_public_pem, MeterSigningKey};
pub use record::{record, record_with_blinding, Measured};
pub use sign::sign_statement;
pub use synthetic::{synthetic_measured, synthetic_readings};
pub use tariff_demo::{demo_tariff, demo_tariff_in, DEMO_CURRENCY};

/// Deterministic per-(seed, day) seed derivation shared by the simulators: SplitMix64 finaliser
/// over `seed` and `salt`, so each day of a synthetic series is independent of the frame.
pub(crate) fn mix_seed(seed: u64, salt: u64) -> u64 {
    let mut z = seed ^ salt.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A uniform `f64` in `[0, 1)` from 53 random bits (value-stable across `rand` versions).
pub(crate) fn unit_f64(rng: &mut impl rand_core::Rng) -> f64 {
    (rng.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}
