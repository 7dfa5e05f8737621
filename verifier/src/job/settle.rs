//! The settle pass of a chunk: after the cheap checks and before any proof is verified,
//! sequentially in file order, each file that passed the cheap checks is decided against the
//! run's claims and the ledger, or claims its period for the rest of the run. Only claimants go
//! on to proof verification, so a run verifies at most one proof per (meter, period): a flood
//! of copies of one statement, with good or bad proofs, costs one proof verification.
//!
//! For a file of meter `M` covering period `P` ([`decide`]), in this order:
//! 1. a claim of this run on a period of `M` overlapping `P` (an earlier file): `duplicate`,
//!    naming that file and its period;
//! 2. a recorded bill of `M` overlapping `P`:
//!    - from these very bytes, recorded by this run (before it was killed and resumed):
//!      `accepted`, and the file claims `P` again, as it did then;
//!    - from these very bytes, recorded by an earlier run: `already-recorded`;
//!    - from other bytes: `duplicate`, naming the recorded period and file;
//! 3. otherwise the file claims `P` now, before its proof is checked: a claimant. Its proof
//!    then decides `accepted` (recorded) or `rejected`; a rejected claimant keeps its claim for
//!    the rest of the run, and the ledger stays free for a later run.
//!
//! Claims come first so that a file's outcome never depends on whether an earlier file of the
//! run was committed in an earlier chunk or is in the same one: the decision is the same
//! whatever the chunking, the threads, or a kill and resume (a resumed run starts again from
//! the first file, and rebuilds the same claims in the same order).

use std::time::Instant;

use super::prepare::{Prepared, Ready};
use super::stages::StageTimes;
use crate::check::add_elapsed;
use crate::interval::Interval;
use crate::ledger::{Ledger, LedgerError, LedgerTx, RunNumber};
use crate::report::{Outcome, Row};

/// What the settle pass decided for one file of a chunk, in file order.
pub(super) enum Settled {
    /// Final, without a proof check: refused by the cheap checks, duplicate,
    /// already-recorded, or accepted because this run recorded these bytes before.
    Done(Row),
    /// Claimed its period: its proof decides (the next of the chunk's claimants, this file).
    Claimant(String),
}

/// A chunk after the settle pass.
pub(super) struct SettledChunk {
    /// Every file's decision, in file order.
    pub settled: Vec<Settled>,
    /// The claimants, in file order: every one [`Prepared::Ready`], proof not yet verified.
    pub claimants: Vec<Prepared>,
}

/// What [`decide`] decided for one file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Decision {
    /// The file claimed its period; its proof decides.
    Claim,
    /// This run recorded these bytes (before a kill): accepted, period claimed again.
    Accepted,
    /// An earlier run recorded these bytes; the reason says which and from which file.
    AlreadyRecorded(String),
    /// An overlapping period is claimed in this run or billed; the reason names it.
    Duplicate(String),
}

/// The file to settle.
pub(super) struct Key<'a> {
    /// The meter.
    pub meter: &'a str,
    /// The period the bill covers.
    pub period: Interval,
    /// SHA-256 of the file's bytes.
    pub sha256: &'a [u8; 32],
    /// The file (relative name).
    pub file: &'a str,
}

/// Decides one file of run `run` (module docs), claiming its period when it is a claimant
/// or accepted.
pub(super) fn decide(
    tx: &LedgerTx<'_>,
    run: RunNumber,
    key: &Key<'_>,
) -> Result<Decision, LedgerError> {
    let Key {
        meter,
        period,
        sha256,
        file,
    } = *key;
    if let Some(claim) = tx.claim_overlapping(meter, period)? {
        return Ok(Decision::Duplicate(if claim.period == period {
            format!(
                "meter {meter} period {period} is already claimed by {} earlier in this batch",
                claim.file
            )
        } else {
            format!(
                "meter {meter} period {period} overlaps period {}, already claimed by {} \
                 earlier in this batch",
                claim.period, claim.file
            )
        }));
    }
    let decision = match tx.overlapping(meter, period)? {
        None => Decision::Claim,
        Some(bill) if &bill.submission_sha256 == sha256 && bill.run == run => Decision::Accepted,
        Some(bill) if &bill.submission_sha256 == sha256 => {
            Decision::AlreadyRecorded(format!("recorded by run {} from {}", bill.run, bill.file))
        }
        Some(bill) if bill.period == period => Decision::Duplicate(format!(
            "meter {meter} period {period} is already billed by another submission \
             (recorded from {})",
            bill.file
        )),
        Some(bill) => Decision::Duplicate(format!(
            "meter {meter} period {period} overlaps the billed period {} (recorded from {})",
            bill.period, bill.file
        )),
    };
    if matches!(decision, Decision::Claim | Decision::Accepted) {
        tx.claim(meter, period, file)?;
    }
    Ok(decision)
}

/// Settles a chunk in file order, in one transaction (its claims live in the run's temporary
/// table; nothing is written to the ledger's own tables).
pub(super) fn settle_chunk(
    ledger: &mut Ledger,
    run: RunNumber,
    prepared: Vec<Prepared>,
    times: &StageTimes,
) -> Result<SettledChunk, LedgerError> {
    let t = Instant::now();
    let chunk = ledger.transaction(|tx| {
        let mut settled = Vec::with_capacity(prepared.len());
        let mut claimants = Vec::new();
        for p in prepared {
            let ready = match p {
                Prepared::Rejected(row) => {
                    settled.push(Settled::Done(*row));
                    continue;
                }
                Prepared::Ready(ready) => ready,
            };
            let key = Key {
                meter: ready.submission.meter_id.as_str(),
                period: ready.period,
                sha256: &ready.sha256,
                file: &ready.row.file,
            };
            match decide(tx, run, &key)? {
                Decision::Claim => {
                    settled.push(Settled::Claimant(ready.row.file.clone()));
                    claimants.push(Prepared::Ready(ready));
                }
                decided => settled.push(Settled::Done(row_for(*ready, decided))),
            }
        }
        Ok(SettledChunk { settled, claimants })
    })?;
    add_elapsed(&times.ledger_wall, t);
    Ok(chunk)
}

/// The final row of a file settled without a proof check (bill and energy as claimed).
fn row_for(ready: Ready, decision: Decision) -> Row {
    let mut row = ready.row;
    match decision {
        Decision::Claim | Decision::Accepted => row.outcome = Outcome::Accepted,
        Decision::AlreadyRecorded(reason) => {
            row.outcome = Outcome::AlreadyRecorded;
            row.reason = reason;
        }
        Decision::Duplicate(reason) => {
            row.outcome = Outcome::Duplicate;
            row.reason = reason;
        }
    }
    row
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ledger::BillRecord;

    const DAY: i64 = 86_400;
    const T0: i64 = 1_767_225_600; // 2026-01-01T00:00:00Z

    fn period(start: i64, end: i64) -> Interval {
        Interval::new(start, end).unwrap()
    }

    fn bill(period: Interval, sha: u8, file: &str, run: RunNumber) -> BillRecord {
        BillRecord {
            meter_id: "m".into(),
            period,
            slot_minutes: 60,
            slots: 24,
            size: "day-15min".into(),
            plan: "default".into(),
            tariff_id: "t".into(),
            unit: zkmeter_protocol::EnergyUnit::WH,
            bill_pico: 1_000,
            import_mwh: 1_000,
            export_mwh: 0,
            filled_slots: 0,
            submission_sha256: [sha; 32],
            file: file.into(),
            run,
        }
    }

    /// Settles `(period, sha, file)` in order in run `run`, in one transaction.
    fn settle(
        ledger: &mut Ledger,
        run: RunNumber,
        files: &[(Interval, u8, &str)],
    ) -> Vec<Decision> {
        ledger
            .transaction(|tx| {
                files
                    .iter()
                    .map(|(period, sha, file)| {
                        let key = Key {
                            meter: "m",
                            period: *period,
                            sha256: &[*sha; 32],
                            file,
                        };
                        decide(tx, run, &key)
                    })
                    .collect()
            })
            .unwrap()
    }

    #[test]
    fn within_a_run_the_first_file_claims_its_period_and_overlapping_ones_are_duplicates() {
        let dir = tempfile::tempdir().unwrap();
        let mut ledger = Ledger::open(&dir.path().join("ledger.sqlite")).unwrap();
        let run = ledger.begin_run().unwrap();
        let day = period(T0, T0 + DAY);
        let half = period(T0 + DAY / 2, T0 + DAY);
        let next = period(T0 + DAY, T0 + 2 * DAY);
        let month = period(T0, T0 + 31 * DAY);
        let decisions = settle(
            &mut ledger,
            run,
            &[
                (day, 1, "a.bin"),
                (next, 2, "b.bin"), // touches the day: its own claim
                (day, 1, "a-copy.bin"),
                (half, 3, "c.bin"),
                (month, 4, "d.bin"),
            ],
        );
        assert_eq!(
            decisions,
            [
                Decision::Claim,
                Decision::Claim,
                Decision::Duplicate(
                    "meter m period 2026-01-01T00:00:00Z/2026-01-02T00:00:00Z is already claimed \
                     by a.bin earlier in this batch"
                        .into()
                ),
                Decision::Duplicate(
                    "meter m period 2026-01-01T12:00:00Z/2026-01-02T00:00:00Z overlaps period \
                     2026-01-01T00:00:00Z/2026-01-02T00:00:00Z, already claimed by a.bin earlier \
                     in this batch"
                        .into()
                ),
                Decision::Duplicate(
                    "meter m period 2026-01-01T00:00:00Z/2026-02-01T00:00:00Z overlaps period \
                     2026-01-01T00:00:00Z/2026-01-02T00:00:00Z, already claimed by a.bin earlier \
                     in this batch"
                        .into()
                ),
            ]
        );
    }

    #[test]
    fn recorded_bills_decide_by_their_bytes_and_their_run() {
        let dir = tempfile::tempdir().unwrap();
        let mut ledger = Ledger::open(&dir.path().join("ledger.sqlite")).unwrap();
        let day = period(T0, T0 + DAY);
        let next = period(T0 + DAY, T0 + 2 * DAY);
        let run_1 = ledger.begin_run().unwrap();
        ledger
            .transaction(|tx| tx.insert(&bill(day, 1, "a.bin", run_1)))
            .unwrap();
        // The same run (resumed): the bytes it recorded are accepted and claim again, so a
        // later copy is a duplicate of the claim, as in the run before the kill.
        let decisions = settle(
            &mut ledger,
            run_1,
            &[(day, 1, "a.bin"), (day, 1, "a-copy.bin")],
        );
        assert_eq!(decisions[0], Decision::Accepted);
        assert!(
            matches!(&decisions[1], Decision::Duplicate(r) if r.contains("already claimed by a.bin")),
            "{decisions:?}"
        );
        ledger.finish_run(run_1).unwrap();

        // A later run: the same bytes are already-recorded; other bytes for the day, a
        // half-day of it and a month holding it are duplicates naming the billed day; the next
        // day, which only touches it, is claimed.
        let run_2 = ledger.begin_run().unwrap();
        assert_eq!(run_2, 2);
        let decisions = settle(
            &mut ledger,
            run_2,
            &[
                (day, 1, "a.bin"),
                (day, 9, "fresh.bin"),
                (period(T0 + DAY / 2, T0 + DAY), 8, "half.bin"),
                (period(T0, T0 + 31 * DAY), 7, "month.bin"),
                (next, 6, "next.bin"),
            ],
        );
        assert_eq!(
            decisions,
            [
                Decision::AlreadyRecorded("recorded by run 1 from a.bin".into()),
                Decision::Duplicate(
                    "meter m period 2026-01-01T00:00:00Z/2026-01-02T00:00:00Z is already billed \
                     by another submission (recorded from a.bin)"
                        .into()
                ),
                Decision::Duplicate(
                    "meter m period 2026-01-01T12:00:00Z/2026-01-02T00:00:00Z overlaps the billed \
                     period 2026-01-01T00:00:00Z/2026-01-02T00:00:00Z (recorded from a.bin)"
                        .into()
                ),
                Decision::Duplicate(
                    "meter m period 2026-01-01T00:00:00Z/2026-02-01T00:00:00Z overlaps the billed \
                     period 2026-01-01T00:00:00Z/2026-01-02T00:00:00Z (recorded from a.bin)"
                        .into()
                ),
                Decision::Claim,
            ]
        );
    }
}
