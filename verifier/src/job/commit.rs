//! The chunk's ledger transaction: every claimant whose proof verified is recorded (`accepted`),
//! every other is `rejected` for its proof; the rows of files settled earlier
//! ([`super::settle`]) pass through. One transaction per chunk, rows in file order.

use super::fault::{Faults, Point};
use super::prepare::{Prepared, Ready};
use super::settle::Settled;
use crate::ledger::{BillRecord, Ledger, LedgerError, LedgerTx, RunNumber};
use crate::report::{Outcome, Row, Summary};

/// Decides every claimant of chunk number `chunk` of run `run` in one ledger transaction and
/// returns the chunk's report rows in file order. `claimants` are the chunk's claimants in file
/// order, one per [`Settled::Claimant`].
pub(super) fn commit_chunk(
    ledger: &mut Ledger,
    run: RunNumber,
    settled: Vec<Settled>,
    claimants: Vec<Prepared>,
    summary: &mut Summary,
    faults: Faults,
    chunk: u64,
) -> Result<Vec<Row>, LedgerError> {
    ledger.transaction(|tx| {
        let mut claimants = claimants.into_iter();
        let mut rows = Vec::with_capacity(settled.len());
        for s in settled {
            rows.push(match s {
                Settled::Done(row) => row,
                Settled::Claimant(file) => match claimants.next() {
                    Some(Prepared::Ready(ready)) => commit_one(tx, run, *ready, summary)?,
                    // The settle pass puts exactly one ready file per claimant, and the proof
                    // stage keeps them; anything else is never accepted.
                    Some(Prepared::Rejected(row)) => *row,
                    None => Row {
                        file,
                        meter_id: None,
                        period_start: None,
                        outcome: Outcome::Rejected,
                        bill_pico: None,
                        import_mwh: None,
                        export_mwh: None,
                        reason: "proof was not verified".to_owned(),
                        filled: None,
                        invoice: None,
                    },
                },
            });
        }
        faults.at(Point::MidCommit, chunk);
        Ok(rows)
    })
}

/// Decides one claimant inside the chunk's transaction: recorded when its proof verified,
/// else rejected (its claim stays for the run; the ledger is untouched).
fn commit_one(
    tx: &LedgerTx<'_>,
    run: RunNumber,
    ready: Ready,
    summary: &mut Summary,
) -> Result<Row, LedgerError> {
    let Ready {
        mut row,
        sha256,
        submission: sub,
        period,
        plan,
        proof,
        ..
    } = ready;
    // Only a proof known to verify goes on; `None` (never verified) cannot happen, and would
    // be a rejection, never an acceptance.
    let refused = match proof {
        Some(Ok(())) => None,
        Some(Err(e)) => Some(e.to_string()),
        None => Some("proof was not verified".to_owned()),
    };
    if let Some(reason) = refused {
        row.outcome = Outcome::Rejected;
        row.clear_figures();
        row.reason = reason;
        return Ok(row);
    }
    // The settle pass found no recorded bill overlapping the period, and nothing but this
    // job writes the locked ledger. The figures are those the proof verified.
    let figures = sub.figures();
    tx.insert(&BillRecord {
        meter_id: sub.meter_id.to_string(),
        period,
        slot_minutes: sub.frame.slot_minutes,
        slots: sub.frame.slots,
        size: sub.frame.size.name().to_owned(),
        plan: plan.to_string(),
        tariff_id: sub.tariff_id.clone(),
        unit: figures.unit,
        bill_pico: figures.bill_pico(),
        import_mwh: figures.import_mwh(),
        export_mwh: figures.export_mwh(),
        filled_slots: figures.filled,
        submission_sha256: sha256,
        file: row.file.clone(),
        run,
    })?;
    summary.newly_recorded += 1;
    Ok(row)
}
