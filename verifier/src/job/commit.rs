//! Deciding one checked file inside its chunk's ledger transaction: accepted (recorded now,
//! or earlier from the same bytes), duplicate, or rejected for its proof.

use super::fault::{Faults, Point};
use super::prepare::{Prepared, Ready};
use crate::ledger::{BillRecord, Ledger, LedgerError, LedgerTx};
use crate::report::{Outcome, Row, Summary};

/// Decides every file of chunk number `chunk` in one ledger transaction, in file order, and
/// returns their report rows in that order.
pub(super) fn commit_chunk(
    ledger: &mut Ledger,
    prepared: Vec<Prepared>,
    summary: &mut Summary,
    faults: Faults,
    chunk: u64,
) -> Result<Vec<Row>, LedgerError> {
    ledger.transaction(|tx| {
        let mut rows = Vec::with_capacity(prepared.len());
        for p in prepared {
            rows.push(match p {
                Prepared::Rejected(row) => row,
                Prepared::Ready(ready) => commit_one(tx, *ready, summary)?,
            });
        }
        faults.at(Point::MidCommit, chunk);
        Ok(rows)
    })
}

/// Decides one file whose cheap checks passed, inside the chunk's transaction.
fn commit_one(tx: &LedgerTx<'_>, ready: Ready, summary: &mut Summary) -> Result<Row, LedgerError> {
    let Ready {
        mut row,
        sha256,
        submission: sub,
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
        row.bill = None;
        row.energy_wh = None;
        row.reason = reason;
        return Ok(row);
    }
    let meter = sub.meter_id.as_str();
    let start = sub.frame.start.unix();
    if let Some(first) = tx.claimed_by(meter, start)? {
        row.outcome = Outcome::Duplicate;
        row.reason = format!(
            "meter {meter} period {} is already claimed by {first} earlier in this batch",
            sub.frame.start
        );
        return Ok(row);
    }
    match tx.get(meter, start)? {
        None => {
            tx.insert(&BillRecord {
                meter_id: meter.to_owned(),
                period_start: start,
                slot_minutes: sub.frame.slot_minutes,
                slots: sub.frame.slots,
                size: sub.frame.size.name().to_owned(),
                tariff_id: sub.tariff_id.clone(),
                bill: sub.bill,
                energy_wh: sub.energy_wh,
                submission_sha256: sha256,
                file: row.file.clone(),
            })?;
            summary.newly_recorded += 1;
        }
        Some(existing) if existing.submission_sha256 == sha256 => {}
        Some(existing) => {
            row.outcome = Outcome::Duplicate;
            row.reason = format!(
                "meter {meter} period {} is already billed by another submission (recorded from {})",
                sub.frame.start, existing.file
            );
            return Ok(row);
        }
    }
    // Accepted: later files of this run for the same key are duplicates.
    tx.claim(meter, start, &row.file)?;
    Ok(row)
}
