//! The one decision whether a submission is acceptable before its proof is verified:
//! [`check_submission`], used by single verification ([`crate::Verifier::verify`], the CLI's
//! `verify`) and by the batch job alike, so their reasons cannot drift apart.
//!
//! Checks, cheapest first, so a hostile submission never costs more than an honest one:
//! 1. the proof has the exact length of its size's proofs;
//! 2. the utility's tariff is for exactly the submission's frame, under the id and digest the
//!    submission names;
//! 3. the meter's signature over `(version, meter id, frame, unit, registers, filled, C)`
//!    verifies under the key the utility registered;
//! 4. the public inputs `(C, B, E_in, E_out, context)` and their instance column are built
//!    ([`zkmeter_protocol::BillClaim::public_inputs`], the one builder plugin and utility
//!    share). The tariff's prices are not among them: they are in the verifying key of
//!    (size, tariff), which the utility builds from its own tariff ([`crate::Verifier`]).
//!
//! (Decoding and bounds were checked when the submission was read: `ZkFile::read`.)

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;

use thiserror::Error;
use zkmeter_circuit::{proof_len, BoundsError, Instance, Proof};
use zkmeter_protocol::{
    verify_statement, BillFigures, CircuitSize, Frame, MeterId, MeterPublicKey, PlanId,
    ProtocolError, SignatureError, Submission, Tariff, UtcTime,
};

/// Why a submission was rejected. Each variant is one reason, stated in one line.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum Rejection {
    /// The submission's meter is not in the utility's registry.
    #[error("unknown meter {0}")]
    UnknownMeter(MeterId),
    /// The submission's meter is withdrawn.
    #[error("meter {0} is revoked")]
    RevokedMeter(MeterId),
    /// The meter's rate plan has no tariff for the submission's period.
    #[error("no tariff for the period starting {start} in plan {plan}")]
    NoTariff {
        /// The period's start.
        start: UtcTime,
        /// The meter's plan.
        plan: PlanId,
    },
    /// The submission was computed under a tariff of another rate plan than its meter's (a
    /// consumer does not choose the plan, and so the frame, a bill is priced under).
    #[error(
        "plan mismatch: meter {meter} is billed under plan {meter_plan}, the submission's \
         tariff '{tariff_id}' is of plan {tariff_plan}"
    )]
    PlanMismatch {
        /// The meter.
        meter: MeterId,
        /// The plan the registry gives the meter.
        meter_plan: PlanId,
        /// The tariff the submission was computed under.
        tariff_id: String,
        /// That tariff's plan.
        tariff_plan: PlanId,
    },
    /// The meter's signature does not verify (wrong meter, altered id, frame or commitment).
    #[error("meter signature rejected: {0}")]
    Signature(#[source] SignatureError),
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
    /// This verifier's key is for another tariff (the tariff is part of the key).
    #[error("tariff mismatch: submission is under tariff '{submission}', this verifier's key is for '{served}'")]
    TariffNotServed {
        /// The submission's tariff id.
        submission: String,
        /// The tariff id of the verifier's key.
        served: String,
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

impl From<BoundsError> for Rejection {
    fn from(e: BoundsError) -> Self {
        Rejection::Protocol(e.into())
    }
}

/// A tariff of the utility's own, with its digest (computed once, compared per bill). Cheap to
/// clone (the tariff is shared).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UtilityTariff {
    tariff: Arc<Tariff>,
    digest: [u8; 32],
}

impl UtilityTariff {
    /// Wraps the utility's tariff and computes its digest.
    pub fn new(tariff: Tariff) -> Self {
        let digest = tariff.digest();
        UtilityTariff {
            tariff: Arc::new(tariff),
            digest,
        }
    }

    /// The tariff.
    pub fn tariff(&self) -> &Tariff {
        &self.tariff
    }

    /// Its digest `D`.
    pub fn digest(&self) -> &[u8; 32] {
        &self.digest
    }
}

/// A submission that passed every check but its proof: what the proof must verify against.
/// Only [`check_submission`] makes one.
#[derive(Clone, Debug)]
pub struct Checked {
    size: CircuitSize,
    tariff: UtilityTariff,
    figures: BillFigures,
    instance: Instance,
    proof: Proof,
}

impl Checked {
    /// The circuit size.
    pub fn size(&self) -> CircuitSize {
        self.size
    }

    /// The utility's tariff the submission is under (its verifying key verifies the proof).
    pub fn tariff(&self) -> &UtilityTariff {
        &self.tariff
    }

    /// The claimed figures (unit, bill, import and export energy, filled slots): those the
    /// instance column holds, so the ones a verified proof vouches for.
    pub fn figures(&self) -> BillFigures {
        self.figures
    }

    /// The instance column the proof must verify against.
    pub fn instance(&self) -> &Instance {
        &self.instance
    }

    /// The proof.
    pub fn proof(&self) -> &Proof {
        &self.proof
    }
}

/// CPU time spent in each part of [`check_submission`], summed over threads (nanoseconds).
#[derive(Debug, Default)]
pub struct CheckTimes {
    /// Proof length, frame, tariff id and digest.
    pub cheap: AtomicU64,
    /// ECDSA signature verification.
    pub signature: AtomicU64,
    /// Public inputs and instance column.
    pub instance: AtomicU64,
}

/// Adds the time elapsed `since` to `slot`, in nanoseconds (the job's stage times use it too).
pub(crate) fn add_elapsed(slot: &AtomicU64, since: Instant) {
    slot.fetch_add(since.elapsed().as_nanos() as u64, Ordering::Relaxed);
}

fn add(times: Option<&CheckTimes>, pick: fn(&CheckTimes) -> &AtomicU64, since: Instant) {
    if let Some(t) = times {
        add_elapsed(pick(t), since);
    }
}

/// Every check but the proof itself, cheapest first (module docs); on success, what the proof
/// must verify against. `meter_key` is the key the utility registered for the submission's
/// meter; `times`, if given, collects the time spent per part.
///
/// # Errors
/// The first [`Rejection`] that applies.
pub fn check_submission(
    submission: &Submission,
    meter_key: &MeterPublicKey,
    tariff: &UtilityTariff,
    times: Option<&CheckTimes>,
) -> Result<Checked, Rejection> {
    let t = Instant::now();
    // The bounds a decoded file was checked against, for a submission built in memory too,
    // so both give the same reason.
    zkmeter_protocol::ZkFile::validate(submission)?;
    let size = submission.frame.size;
    let expected = proof_len(size);
    if submission.proof.len() != expected {
        return Err(Rejection::ProofLength {
            size,
            found: submission.proof.len(),
            expected,
        });
    }
    let utility = tariff.tariff();
    if submission.frame != utility.frame {
        return Err(Rejection::FrameMismatch {
            submission: submission.frame,
            tariff: utility.frame,
        });
    }
    if submission.tariff_id != utility.tariff_id {
        return Err(Rejection::TariffIdMismatch {
            submission: submission.tariff_id.clone(),
            tariff: utility.tariff_id.clone(),
        });
    }
    if &submission.tariff_digest != tariff.digest() {
        return Err(Rejection::TariffDigestMismatch);
    }
    add(times, |t| &t.cheap, t);

    let t = Instant::now();
    verify_statement(
        meter_key,
        &submission.statement(),
        &submission.meter_signature,
    )
    .map_err(Rejection::Signature)?;
    add(times, |t| &t.signature, t);

    let t = Instant::now();
    let public = submission.claim().public_inputs(utility, tariff.digest())?;
    let instance = public.to_instance();
    add(times, |t| &t.instance, t);
    Ok(Checked {
        size,
        tariff: tariff.clone(),
        figures: submission.figures(),
        instance,
        proof: Proof::from_bytes(submission.proof.clone()),
    })
}
