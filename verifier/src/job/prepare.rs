//! Per-file preparation, run in parallel: read under the cap, hash, decode, look up the
//! meter and its plan's tariff, then [`check_submission`], the same checks single verification
//! makes.
//!
//! A file is read only if the walk found a regular file, and it is opened by
//! [`zkmeter_fs::read_capped`] with links refused: a FIFO, link or device swapped in after the
//! walk listed it is refused at once (never waited on) with a reason that says so.

use std::time::Instant;

use sha2::{Digest, Sha256};
use zkmeter_fs::{Links, ReadError};
use zkmeter_protocol::{Invoice, PlanId, Submission, ZkFile};

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
    Rejected(Box<Row>),
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
    Prepared::Rejected(Box::new(Row {
        file: file.name.clone(),
        meter_id: sub.map(|s| s.meter_id.to_string()),
        period_start: sub.map(|s| s.frame.start.to_string()),
        outcome: Outcome::Rejected,
        bill_pico: None,
        import_mwh: None,
        export_mwh: None,
        reason,
        filled: None,
        invoice: None,
    }))
}

/// The reason for a file that cannot be read, without the job's own paths in it.
fn read_reason(e: &ReadError) -> String {
    match e {
        ReadError::TooLarge { cap } => {
            format!("larger than the {cap}-byte cap for a submission file")
        }
        ReadError::NotRegular(_) => format!("replaced after the walk listed it: {e}"),
        ReadError::Io(source) => format!("cannot read: {source}"),
        other => format!("cannot read: {other}"),
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
    if let Some(reason) = file.refusal() {
        return rejected(file, None, reason);
    }
    let bytes = match zkmeter_fs::read_capped(&file.path, Submission::CAP, Links::Refuse) {
        Ok(b) => b,
        Err(e) => return rejected(file, None, read_reason(&e)),
    };
    let sha256: [u8; 32] = Sha256::digest(&bytes).into();
    let submission = match Submission::from_bytes(&bytes) {
        Ok(s) => s,
        // Decoding reads no file, so its errors name no path.
        Err(e) => return rejected(file, None, e.to_string()),
    };
    drop(bytes);
    add_elapsed(&times.read_decode, t);

    let (plan, checked) = match check(&submission, registry, tariffs, times) {
        Ok(c) => c,
        Err(reason) => return rejected(file, Some(&submission), reason.to_string()),
    };
    let mut row = Row {
        file: file.name.clone(),
        meter_id: Some(submission.meter_id.to_string()),
        period_start: Some(submission.frame.start.to_string()),
        outcome: Outcome::Accepted,
        bill_pico: None,
        import_mwh: None,
        export_mwh: None,
        reason: String::new(),
        filled: None,
        invoice: None,
    };
    row.set_figures(&checked.figures());
    row.set_invoice(&Invoice::compute(
        checked.tariff().tariff(),
        &checked.figures(),
    ));
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

#[cfg(all(test, unix))]
mod tests {
    use std::path::{Path, PathBuf};
    use std::time::Duration;

    use super::*;
    use crate::job::walk::Found;

    /// The reason `prepare` gives for a file the walk found regular at `path`; fails the test
    /// if it does not come within 10 s (a blocked open would otherwise hang the test run).
    fn reason_for_regular(path: &Path) -> String {
        let file = InputFile {
            path: path.to_owned(),
            name: "x.bin".into(),
            found: Found::Regular,
        };
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let prepared = prepare(
                &file,
                &Registry::default(),
                &Tariffs::default(),
                &StageTimes::default(),
            );
            let _ = tx.send(match prepared {
                Prepared::Rejected(row) => row.reason,
                Prepared::Ready(_) => "ready".into(),
            });
        });
        rx.recv_timeout(Duration::from_secs(10))
            .expect("prepare blocked for 10 s")
    }

    fn mkfifo(path: &Path) {
        use std::os::unix::ffi::OsStrExt;
        let c = std::ffi::CString::new(path.as_os_str().as_bytes()).unwrap();
        // SAFETY: `c` is a valid NUL-terminated path that outlives the call.
        let rc = unsafe { libc::mkfifo(c.as_ptr(), 0o600) };
        assert_eq!(rc, 0, "mkfifo: {}", std::io::Error::last_os_error());
    }

    #[test]
    fn a_file_replaced_by_a_fifo_or_a_link_after_the_walk_is_refused_at_once_with_why() {
        let dir = tempfile::tempdir().unwrap();
        let path: PathBuf = dir.path().join("x.bin");
        let other = dir.path().join("other.bin");
        std::fs::write(&other, b"not a submission").unwrap();
        // Honest: the walk's regular file is read and decoded (and refused for its content).
        std::fs::write(&path, b"not a submission").unwrap();
        let reason = reason_for_regular(&path);
        assert!(reason.contains("bad magic"), "{reason}");

        // Swapped for a FIFO nobody writes to.
        std::fs::remove_file(&path).unwrap();
        mkfifo(&path);
        assert_eq!(
            reason_for_regular(&path),
            "replaced after the walk listed it: not a regular file: a named pipe (FIFO)"
        );

        // Swapped for a link to a regular file.
        std::fs::remove_file(&path).unwrap();
        std::os::unix::fs::symlink(&other, &path).unwrap();
        assert_eq!(
            reason_for_regular(&path),
            "replaced after the walk listed it: not a regular file: a symbolic link (links are \
             not followed)"
        );

        // Removed.
        std::fs::remove_file(&path).unwrap();
        let reason = reason_for_regular(&path);
        assert!(
            reason.starts_with("cannot read: No such file or directory"),
            "{reason}"
        );
        assert!(!reason.contains(&dir.path().display().to_string()));
    }
}
