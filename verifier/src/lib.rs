//! # zkmeter-verifier
//!
//! The utility's side: verify a bill [`Submission`] against the meter's registered public key
//! and the utility's own [`Tariff`]. Checks run cheapest first, so a hostile submission never
//! costs more than an honest one:
//!
//! 1. the submission decoded and validated (size cap, version, canonical encodings, bounds:
//!    done by [`ZkFile::read`](zkmeter_circuits::protocol::ZkFile::read));
//! 2. [`check_statement`]: the meter's signature over `(version, meter id, frame, C)`, the
//!    tariff is the utility's own for exactly this frame (id and digest), the size is served,
//!    the proof has the exact length;
//! 3. the halo2 proof for `(C, B, E, context, prices)` ([`Verifier::verify`]).
//!
//! [`check_statement`] returns the public inputs, so a batch job can reuse steps 1-2 and
//! verify many proofs at once.
//!
//! The utility's batch job lives beside it: [`registry`] (meter id -> key, revoked flag),
//! [`ledger`] (SQLite, one bill per meter and period), [`batch`] (halo2 batch verification
//! with bisection), [`report`] (CSV report, JSON summary, atomic writes) and [`job`] (the
//! whole run, crash-safe and idempotent). See `docs/batch.md`.

#![deny(missing_docs)]

pub mod batch;
pub mod job;
pub mod ledger;
pub mod registry;
pub mod report;

use halo2_proofs::{pasta::EqAffine, poly::commitment::Params};
use thiserror::Error;
use zkmeter_circuits::{
    proof::{proof_len, verify_proof, ProofError, PublicInputs, VerifyingKey},
    protocol::{statement_context, Frame, Submission, Tariff},
    CircuitSize, ProtocolError,
};
use zkmeter_meter::{verify_statement, MeterError, MeterPublicKey};

/// Why a submission was rejected. Each variant is one reason, stated in one line.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum Rejection {
    /// The meter's signature does not verify (wrong meter, altered id, frame or commitment).
    #[error("meter signature rejected: {0}")]
    Signature(#[source] MeterError),
    /// The utility's tariff is for another frame.
    #[error("frame mismatch: submission is for {submission}, the utility's tariff for {tariff}")]
    FrameMismatch {
        /// The submission's frame.
        submission: Frame,
        /// The tariff's frame.
        tariff: Frame,
    },
    /// The submission names another tariff id.
    #[error(
        "tariff mismatch: submission names tariff '{submission}', the utility's is '{tariff}'"
    )]
    TariffIdMismatch {
        /// Named by the submission.
        submission: String,
        /// The utility's.
        tariff: String,
    },
    /// The submission was computed under other prices than the utility's tariff.
    #[error("tariff mismatch: submission's tariff digest differs from the utility's tariff")]
    TariffDigestMismatch,
    /// This verifier does not serve the submission's size.
    #[error("size mismatch: submission is size {submission}, this verifier serves {served}")]
    SizeMismatch {
        /// The submission's size.
        submission: CircuitSize,
        /// The size served.
        served: CircuitSize,
    },
    /// The proof has the wrong length.
    #[error("proof is {found} bytes; size {size} proofs are exactly {expected} bytes")]
    ProofLength {
        /// Size.
        size: CircuitSize,
        /// Found.
        found: usize,
        /// Expected.
        expected: usize,
    },
    /// The proof does not verify for the claimed bill, energy, commitment and tariff.
    #[error("proof does not verify for this bill, energy, commitment and tariff")]
    ProofInvalid,
    /// A value is outside its bounds.
    #[error(transparent)]
    Protocol(#[from] ProtocolError),
}

/// An accepted bill.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Accepted {
    /// The bill, nano-currency.
    pub bill: i128,
    /// The energy, Wh.
    pub energy_wh: u64,
}

/// Every check but the proof itself; returns the public inputs the proof must verify against.
pub fn check_statement(
    submission: &Submission,
    meter_key: &MeterPublicKey,
    tariff: &Tariff,
) -> Result<PublicInputs, Rejection> {
    // Cheap and local first.
    let size = submission.frame.size;
    let expected = proof_len(size);
    if submission.proof.len() != expected {
        return Err(Rejection::ProofLength {
            size,
            found: submission.proof.len(),
            expected,
        });
    }
    if submission.frame != tariff.frame {
        return Err(Rejection::FrameMismatch {
            submission: submission.frame,
            tariff: tariff.frame,
        });
    }
    if submission.tariff_id != tariff.tariff_id {
        return Err(Rejection::TariffIdMismatch {
            submission: submission.tariff_id.clone(),
            tariff: tariff.tariff_id.clone(),
        });
    }
    let digest = tariff.digest();
    if submission.tariff_digest != digest {
        return Err(Rejection::TariffDigestMismatch);
    }
    // One ECDSA verification.
    verify_statement(
        meter_key,
        &submission.statement(),
        &submission.meter_signature,
    )
    .map_err(Rejection::Signature)?;
    Ok(PublicInputs {
        size,
        commitment: submission.commitment.to_fp("commitment")?,
        bill: submission.bill,
        energy_wh: submission.energy_wh,
        context: statement_context(
            &submission.meter_id,
            &submission.frame,
            &tariff.tariff_id,
            &digest,
        ),
        prices: tariff.prices.clone(),
    })
}

/// A verifier for one circuit size: parameters and the verifying key (built once, reused).
#[derive(Debug)]
pub struct Verifier {
    params: Params<EqAffine>,
    vk: VerifyingKey,
}

impl Verifier {
    /// Builds the verifying key for `size` from `params` (deterministic).
    pub fn new(size: CircuitSize, params: Params<EqAffine>) -> Result<Self, ProofError> {
        let vk = VerifyingKey::build(size, &params)?;
        Ok(Verifier { params, vk })
    }

    /// The size served.
    pub fn size(&self) -> CircuitSize {
        self.vk.size()
    }

    /// The parameters.
    pub fn params(&self) -> &Params<EqAffine> {
        &self.params
    }

    /// The verifying key.
    pub fn verifying_key(&self) -> &VerifyingKey {
        &self.vk
    }

    /// Verifies one submission: [`check_statement`], then the proof.
    pub fn verify(
        &self,
        submission: &Submission,
        meter_key: &MeterPublicKey,
        tariff: &Tariff,
    ) -> Result<Accepted, Rejection> {
        if submission.frame.size != self.size() {
            return Err(Rejection::SizeMismatch {
                submission: submission.frame.size,
                served: self.size(),
            });
        }
        let public = check_statement(submission, meter_key, tariff)?;
        self.verify_proof_for(&public, &submission.proof)?;
        Ok(Accepted {
            bill: public.bill,
            energy_wh: public.energy_wh,
        })
    }

    /// Verifies `proof` for public inputs already built by [`check_statement`] (so a caller
    /// that ran the cheap checks early does not run them twice).
    pub fn verify_proof_for(&self, public: &PublicInputs, proof: &[u8]) -> Result<(), Rejection> {
        if public.size != self.size() {
            return Err(Rejection::SizeMismatch {
                submission: public.size,
                served: self.size(),
            });
        }
        verify_proof(&self.params, &self.vk, public, proof).map_err(|e| match e {
            ProofError::WrongProofLength {
                size,
                found,
                expected,
            } => Rejection::ProofLength {
                size,
                found,
                expected,
            },
            ProofError::Protocol(e) => Rejection::Protocol(e),
            _ => Rejection::ProofInvalid,
        })
    }
}
