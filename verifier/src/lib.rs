//! # zkmeter-verifier
//!
//! The utility's side: verify a bill [`Submission`] against the meter's registered public key
//! and the utility's own tariff. Checks run cheapest first, so a hostile submission never
//! costs more than an honest one:
//!
//! 1. the submission decoded and validated (size cap, version, canonical encodings, bounds:
//!    done by [`ZkFile::read`](zkmeter_protocol::ZkFile::read));
//! 2. [`check_submission`]: the proof has the exact length, the tariff is the utility's own
//!    for exactly this frame (id and digest), the meter's signature over
//!    `(version, meter id, frame, unit, registers, filled, C)` verifies; it returns the
//!    [`Checked`] instance;
//! 3. the halo2 proof for `(C, B, E_in, E_out, context)` under the verifying key of
//!    (size, tariff), built from the utility's own tariff ([`Verifier::verify_checked`]).
//!
//! Single verification ([`Verifier::verify`], the CLI) and the batch job ([`job`]) make the
//! same [`check_submission`] call, so they reject the same submission for the same reason.
//!
//! The utility's batch job lives beside it: [`registry`] (meter id -> key, revoked flag, rate
//! plan), [`ledger`] (SQLite, one bill per meter and period, periods never overlapping, runs),
//! [`batch`] (halo2 batch verification with bisection), [`report`] (CSV report, JSON summary,
//! atomic writes) and [`job`] (the whole run, crash-safe and idempotent). See `docs/batch.md`.

#![deny(missing_docs)]

pub mod batch;
mod check;
mod interval;
pub mod job;
pub mod ledger;
pub mod registry;
pub mod report;

use std::sync::Arc;

use zkmeter_circuit::{IpaParams, ProofError, VerifyingKey};
use zkmeter_protocol::{BillFigures, CircuitSize, MeterPublicKey, Submission};

pub use check::{check_submission, CheckTimes, Checked, Rejection, UtilityTariff};
pub use interval::Interval;

/// An accepted bill: the figures its proof verified.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Accepted {
    /// The bill's public figures as the submission claimed them and the proof verified them:
    /// the meter's unit `10^e` Wh, the bill in `10^(e - 9)` currency, import and export
    /// energy in `10^e` Wh, the filled-slot count the meter signed. Normalised to
    /// pico-currency and mWh by [`BillFigures::bill_pico`], [`BillFigures::import_mwh`] and
    /// [`BillFigures::export_mwh`].
    pub figures: BillFigures,
}

/// A verifier for one of the utility's tariffs: the verifying key of (size, tariff), built from
/// the utility's own tariff (a key is never taken from a submitter), owning the parameters.
#[derive(Clone, Debug)]
pub struct Verifier {
    vk: VerifyingKey,
    tariff: UtilityTariff,
}

impl Verifier {
    /// Builds the verifying key of `tariff` (deterministic; about a second at the month sizes)
    /// and checks its pinned shape. `params` are the parameters of the tariff's size, owned or
    /// shared between the verifiers of many tariffs.
    ///
    /// # Errors
    /// As [`VerifyingKey::build`]; [`ProofError::Bounds`] for a tariff out of bounds.
    pub fn new(
        tariff: &UtilityTariff,
        params: impl Into<Arc<IpaParams>>,
    ) -> Result<Self, ProofError> {
        let prices = tariff.tariff().circuit_prices()?;
        Ok(Verifier {
            vk: VerifyingKey::build(&prices, params)?,
            tariff: tariff.clone(),
        })
    }

    /// The size served.
    pub fn size(&self) -> CircuitSize {
        self.vk.size()
    }

    /// The tariff served.
    pub fn tariff(&self) -> &UtilityTariff {
        &self.tariff
    }

    /// The verifying key.
    pub fn verifying_key(&self) -> &VerifyingKey {
        &self.vk
    }

    /// Verifies one submission under this verifier's tariff: [`check_submission`], then the
    /// proof.
    ///
    /// # Errors
    /// The first [`Rejection`] that applies.
    pub fn verify(
        &self,
        submission: &Submission,
        meter_key: &MeterPublicKey,
    ) -> Result<Accepted, Rejection> {
        // This verifier serves one size: a submission of another is refused for that first.
        if submission.frame.size != self.size() {
            return Err(Rejection::SizeMismatch {
                submission: submission.frame.size,
                served: self.size(),
            });
        }
        let checked = check_submission(submission, meter_key, &self.tariff, None)?;
        self.verify_checked(&checked)
    }

    /// Whether a checked submission is under this verifier's size and tariff.
    ///
    /// # Errors
    /// [`Rejection::SizeMismatch`], [`Rejection::TariffNotServed`].
    pub fn serves(&self, checked: &Checked) -> Result<(), Rejection> {
        if checked.size() != self.size() {
            return Err(Rejection::SizeMismatch {
                submission: checked.size(),
                served: self.size(),
            });
        }
        if checked.tariff().digest() != self.tariff.digest() {
            return Err(Rejection::TariffNotServed {
                submission: checked.tariff().tariff().tariff_id.clone(),
                served: self.tariff.tariff().tariff_id.clone(),
            });
        }
        Ok(())
    }

    /// Verifies the proof of a submission that passed [`check_submission`] (so a caller that
    /// ran the cheap checks early does not run them twice).
    ///
    /// # Errors
    /// [`Rejection::SizeMismatch`] or [`Rejection::TariffNotServed`] for a size or tariff this
    /// verifier does not serve, [`Rejection::ProofInvalid`] when the proof does not verify.
    pub fn verify_checked(&self, checked: &Checked) -> Result<Accepted, Rejection> {
        self.serves(checked)?;
        checked
            .proof()
            .verify(&self.vk, checked.instance())
            .map_err(|e| match e {
                ProofError::WrongProofLength {
                    size,
                    found,
                    expected,
                } => Rejection::ProofLength {
                    size,
                    found,
                    expected,
                },
                _ => Rejection::ProofInvalid,
            })?;
        Ok(Accepted {
            figures: checked.figures(),
        })
    }
}
