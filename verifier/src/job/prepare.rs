//! Per-file preparation, run in parallel: read under the cap, hash, decode, look up the
//! meter and its plan's tariff, then [`check_submission`], the same checks single verification
//! makes.

use std::time::Instant;

use sha2::{Digest, Sha256};
use zkmeter_protocol::{FileError, PlanId, Submission, ZkFile};

use super::stages::StageTimes;
use super::tariffs::Tariffs;
use super::walk::InputFile;
use crate::check::add_elapsed;
use crate::interval::Interval;
use crate::registry::Registry;
use crate::report::{Outcome, Row};
use crate::{check_submission, Checked, Rejection};

/// A file after the cheap checks.
pub(super) enum Prepared {
    /// Refused before the ledger.
    Rejected(Row),
    /// Every cheap check passed; the proof is pending (or known good).
    Ready(Box<Ready>),
}

/// A file whose cheap checks passed.
pub(super) struct Ready {
    pub row: Row,
    pub sha256: [u8; 32],
    pub submission: Submission,
    /// The period the bill covers.
    pub period: Interval,
    /// The rate plan it is billed under (its meter's, which its tariff's is).
    pub plan: PlanId,
    pub checked: Checked,
    /// The proof's verdict, once known.
    pub proof: Option<Result<(), Rejection>>,
}

fn rejected(file: &InputFile, sub: Option<&Submission>, reason: String) -> Prepared {
    Prepared::Rejected(Row {
        file: file.name.clone(),
        meter_id: sub.map(|s| s.meter_id.to_string()),
        period_start: sub.map(|s| s.frame.start.to_string()),
        outcome: Outcome::Rejected,
        bill: None,
        energy_wh: None,
        reason,
    })
}

/// The reason for a file that does not decode, without the job's own paths in it.
fn decode_reason(e: &FileError) -> String {
    match e {
        FileError::TooLarge { cap, .. } => {
            format!("larger than the {cap}-byte cap for a submission file")
        }
        FileError::Io { source, .. } => format!("cannot read: {source}"),
        other => other.to_string(),
    }
}

/// The registry's key and plan for the submission's meter and the tariff of that plan for its
/// period, then [`check_submission`]. Returns the plan with what the proof must verify.
fn check(
    submission: &Submission,
    registry: &Registry,
    tariffs: &Tariffs,
    times: &StageTimes,
) -> Result<(PlanId, Checked), Rejection> {
    let t = Instant::now();
    let meter = registry
        .get(&submission.meter_id)
        .ok_or_else(|| Rejection::UnknownMeter(submission.meter_id.clone()))?;
    if meter.revoked {
        return Err(Rejection::RevokedMeter(submission.meter_id.clone()));
    }
    let tariff = tariffs.for_submission(submission, &meter.plan)?;
    add_elapsed(&times.checks.cheap, t);
    let checked = check_submission(submission, &meter.key, tariff, Some(&times.checks))?;
    Ok((meter.plan.clone(), checked))
}

/// Reads, decodes and checks one file (everything but its proof and the ledger).
pub(super) fn prepare(
    file: &InputFile,
    registry: &Registry,
    tariffs: &Tariffs,
    times: &StageTimes,
) -> Prepared {
    let t = Instant::now();
    if !file.regular {
        return rejected(
            file,
            None,
            "not a regular file (links are not followed)".into(),
        );
    }
    let bytes = match zkmeter_protocol::fs::read_capped(&file.path, Submission::CAP, "submission") {
        Ok(b) => b,
        Err(e) => return rejected(file, None, decode_reason(&e)),
    };
    let sha256: [u8; 32] = Sha256::digest(&bytes).into();
    let submission = match Submission::from_bytes(&bytes) {
        Ok(s) => s,
        Err(e) => return rejected(file, None, decode_reason(&e)),
    };
    drop(bytes);
    add_elapsed(&times.read_decode, t);

    let (plan, checked) = match check(&submission, registry, tariffs, times) {
        Ok(c) => c,
        Err(reason) => return rejected(file, Some(&submission), reason.to_string()),
    };
    let row = Row {
        file: file.name.clone(),
        meter_id: Some(submission.meter_id.to_string()),
        period_start: Some(submission.frame.start.to_string()),
        outcome: Outcome::Accepted,
        bill: Some(submission.bill),
        energy_wh: Some(submission.energy_wh),
        reason: String::new(),
    };
    Prepared::Ready(Box::new(Ready {
        row,
        sha256,
        period: Interval::of_frame(&submission.frame),
        plan,
        submission,
        checked,
        proof: None,
    }))
}
