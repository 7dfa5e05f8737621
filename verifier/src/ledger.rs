//! The utility's ledger of accepted bills: SQLite (bundled), one row per (meter id, period).
//!
//! Promises:
//! * `bills` has the primary key `(meter_id, period_start)`: a bill is recorded at most once
//!   per meter and period, whatever the submission bytes (a fresh proof of the same statement
//!   is another submission for the same key).
//! * Each row stores the SHA-256 of the exact submission bytes, so a re-run of the same job
//!   recognises "recorded earlier by this very submission" and reports it `accepted` again.
//! * Rows hold no timestamps or job ids: the same inputs give the same ledger, whether or not
//!   the job was interrupted.
//! * [`Ledger::open`] takes an exclusive lock for the life of the value (SQLite
//!   `locking_mode=EXCLUSIVE`, no busy wait): a second job on the same ledger fails at once
//!   with [`LedgerError::Locked`] instead of interleaving.
//! * Writes go through [`Ledger::transaction`] (`synchronous=FULL`, rollback journal): after a
//!   crash a transaction is either wholly in the ledger or not at all.

use std::path::Path;

use rusqlite::{params, Connection, ErrorCode, OptionalExtension};
use thiserror::Error;

/// Schema version stored in `meta`.
pub const SCHEMA_VERSION: &str = "1";

/// Errors of the ledger.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum LedgerError {
    /// Another process holds the ledger.
    #[error("ledger {path} is locked by another job")]
    Locked {
        /// The path.
        path: String,
    },
    /// The file is not a ledger of this schema.
    #[error("ledger {path} has schema version {found}, this build uses {SCHEMA_VERSION}")]
    Schema {
        /// The path.
        path: String,
        /// Version found.
        found: String,
    },
    /// SQLite failed.
    #[error("ledger: {0}")]
    Sqlite(#[from] rusqlite::Error),
}

/// A bill as the ledger records it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BillRecord {
    /// Meter id.
    pub meter_id: String,
    /// Period start, Unix seconds.
    pub period_start: i64,
    /// Slot length, minutes.
    pub slot_minutes: u16,
    /// Slots.
    pub slots: u32,
    /// Circuit size name.
    pub size: String,
    /// Tariff id.
    pub tariff_id: String,
    /// Bill, nano-currency.
    pub bill: i128,
    /// Energy, Wh.
    pub energy_wh: u64,
    /// SHA-256 of the submission file's bytes.
    pub submission_sha256: [u8; 32],
    /// The file (relative to the job's input directory) it was recorded from.
    pub file: String,
}

/// The open, locked ledger.
#[derive(Debug)]
pub struct Ledger {
    conn: Connection,
}

fn is_busy(e: &rusqlite::Error) -> bool {
    matches!(
        e.sqlite_error_code(),
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked)
    )
}

impl Ledger {
    /// Opens (creating if needed) and locks the ledger at `path`.
    pub fn open(path: &Path) -> Result<Self, LedgerError> {
        let shown = path.display().to_string();
        let locked = |e: rusqlite::Error| {
            if is_busy(&e) {
                LedgerError::Locked {
                    path: shown.clone(),
                }
            } else {
                LedgerError::Sqlite(e)
            }
        };
        let conn = Connection::open(path)?;
        conn.busy_timeout(std::time::Duration::ZERO)?;
        // Exclusive locking mode: the first write lock is kept until the connection closes.
        conn.pragma_update(None, "locking_mode", "EXCLUSIVE")
            .map_err(locked)?;
        conn.pragma_update(None, "journal_mode", "DELETE")
            .map_err(locked)?;
        conn.pragma_update(None, "synchronous", "FULL")
            .map_err(locked)?;
        conn.execute_batch(
            "BEGIN EXCLUSIVE;
             CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
             INSERT OR IGNORE INTO meta (key, value) VALUES ('schema_version', '1');
             CREATE TABLE IF NOT EXISTS bills (
                 meter_id TEXT NOT NULL,
                 period_start INTEGER NOT NULL,
                 slot_minutes INTEGER NOT NULL,
                 slots INTEGER NOT NULL,
                 size TEXT NOT NULL,
                 tariff_id TEXT NOT NULL,
                 bill TEXT NOT NULL,
                 energy_wh INTEGER NOT NULL,
                 submission_sha256 BLOB NOT NULL,
                 file TEXT NOT NULL,
                 PRIMARY KEY (meter_id, period_start)
             ) WITHOUT ROWID;
             COMMIT;",
        )
        .map_err(|e| {
            let _ = conn.execute_batch("ROLLBACK");
            locked(e)
        })?;
        let found: String = conn.query_row(
            "SELECT value FROM meta WHERE key = 'schema_version'",
            [],
            |r| r.get(0),
        )?;
        if found != SCHEMA_VERSION {
            return Err(LedgerError::Schema { path: shown, found });
        }
        Ok(Ledger { conn })
    }

    /// Runs `f` in one transaction, committed if it returns `Ok`.
    pub fn transaction<T>(
        &mut self,
        f: impl FnOnce(&LedgerTx<'_>) -> Result<T, LedgerError>,
    ) -> Result<T, LedgerError> {
        let tx = self.conn.transaction()?;
        let value = f(&LedgerTx { tx: &tx })?;
        tx.commit()?;
        Ok(value)
    }

    /// The recorded bill of (meter, period), if any (outside a transaction).
    pub fn get(
        &self,
        meter_id: &str,
        period_start: i64,
    ) -> Result<Option<BillRecord>, LedgerError> {
        get(&self.conn, meter_id, period_start)
    }

    /// Whether a bill was recorded from exactly these submission bytes.
    pub fn has_submission(&self, sha256: &[u8; 32]) -> Result<bool, LedgerError> {
        Ok(self
            .conn
            .prepare_cached("SELECT 1 FROM bills WHERE submission_sha256 = ?1 LIMIT 1")?
            .query_row([&sha256[..]], |_| Ok(()))
            .optional()?
            .is_some())
    }

    /// Every recorded bill, ordered by (meter id, period start).
    pub fn all(&self) -> Result<Vec<BillRecord>, LedgerError> {
        let mut stmt = self.conn.prepare(
            "SELECT meter_id, period_start, slot_minutes, slots, size, tariff_id, bill, energy_wh,
                    submission_sha256, file FROM bills ORDER BY meter_id, period_start",
        )?;
        let rows = stmt.query_map([], row_to_record)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Starts a run: an empty temporary table of the (meter, period) keys claimed by this run's
    /// files so far (on disk, dropped with the connection; never part of the ledger).
    pub fn begin_run(&self) -> Result<(), LedgerError> {
        self.conn.execute_batch(
            "DROP TABLE IF EXISTS temp.claims;
             CREATE TEMP TABLE claims (
                 meter_id TEXT NOT NULL,
                 period_start INTEGER NOT NULL,
                 file TEXT NOT NULL,
                 PRIMARY KEY (meter_id, period_start)
             ) WITHOUT ROWID;",
        )?;
        Ok(())
    }

    /// Creates the index on submission hashes used on resume (idempotent).
    pub fn ensure_indexes(&self) -> Result<(), LedgerError> {
        self.conn
            .execute_batch("CREATE INDEX IF NOT EXISTS bills_sha ON bills (submission_sha256)")?;
        Ok(())
    }
}

/// One open transaction.
pub struct LedgerTx<'a> {
    tx: &'a rusqlite::Transaction<'a>,
}

impl LedgerTx<'_> {
    /// The recorded bill of (meter, period), if any.
    pub fn get(
        &self,
        meter_id: &str,
        period_start: i64,
    ) -> Result<Option<BillRecord>, LedgerError> {
        get(self.tx, meter_id, period_start)
    }

    /// The file of this run that claimed (meter, period) earlier ([`Ledger::begin_run`]).
    pub fn claimed_by(
        &self,
        meter_id: &str,
        period_start: i64,
    ) -> Result<Option<String>, LedgerError> {
        Ok(self
            .tx
            .prepare_cached(
                "SELECT file FROM temp.claims WHERE meter_id = ?1 AND period_start = ?2",
            )?
            .query_row(params![meter_id, period_start], |r| r.get(0))
            .optional()?)
    }

    /// Claims (meter, period) for `file` in this run: its bill was accepted from this file.
    pub fn claim(&self, meter_id: &str, period_start: i64, file: &str) -> Result<(), LedgerError> {
        self.tx
            .prepare_cached(
                "INSERT INTO temp.claims (meter_id, period_start, file) VALUES (?1, ?2, ?3)",
            )?
            .execute(params![meter_id, period_start, file])?;
        Ok(())
    }

    /// Records a bill; the caller has checked that the key is free.
    pub fn insert(&self, r: &BillRecord) -> Result<(), LedgerError> {
        self.tx
            .prepare_cached(
                "INSERT INTO bills (meter_id, period_start, slot_minutes, slots, size, tariff_id,
                                    bill, energy_wh, submission_sha256, file)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            )?
            .execute(params![
                r.meter_id,
                r.period_start,
                r.slot_minutes,
                r.slots,
                r.size,
                r.tariff_id,
                r.bill.to_string(),
                i64::try_from(r.energy_wh).unwrap_or(i64::MAX),
                &r.submission_sha256[..],
                r.file,
            ])?;
        Ok(())
    }
}

fn get(
    conn: &Connection,
    meter_id: &str,
    period_start: i64,
) -> Result<Option<BillRecord>, LedgerError> {
    Ok(conn
        .prepare_cached(
            "SELECT meter_id, period_start, slot_minutes, slots, size, tariff_id, bill, energy_wh,
                    submission_sha256, file FROM bills WHERE meter_id = ?1 AND period_start = ?2",
        )?
        .query_row(params![meter_id, period_start], row_to_record)
        .optional()?)
}

fn row_to_record(r: &rusqlite::Row<'_>) -> rusqlite::Result<BillRecord> {
    let bad = |i: usize, what: &str| {
        rusqlite::Error::FromSqlConversionFailure(
            i,
            rusqlite::types::Type::Text,
            format!("ledger column {what} is corrupt").into(),
        )
    };
    let bill: String = r.get(6)?;
    let sha: Vec<u8> = r.get(8)?;
    let energy: i64 = r.get(7)?;
    Ok(BillRecord {
        meter_id: r.get(0)?,
        period_start: r.get(1)?,
        slot_minutes: r.get(2)?,
        slots: r.get(3)?,
        size: r.get(4)?,
        tariff_id: r.get(5)?,
        bill: bill.parse().map_err(|_| bad(6, "bill"))?,
        energy_wh: u64::try_from(energy).map_err(|_| bad(7, "energy_wh"))?,
        submission_sha256: sha.try_into().map_err(|_| bad(8, "submission_sha256"))?,
        file: r.get(9)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(meter: &str, start: i64, sha: u8) -> BillRecord {
        BillRecord {
            meter_id: meter.into(),
            period_start: start,
            slot_minutes: 15,
            slots: 96,
            size: "day-15min".into(),
            tariff_id: "t".into(),
            bill: -123_456_789_012_345_678_901,
            energy_wh: 42,
            submission_sha256: [sha; 32],
            file: format!("{meter}.bin"),
        }
    }

    #[test]
    fn records_round_trip_and_the_key_is_unique() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ledger.sqlite");
        let mut ledger = Ledger::open(&path).unwrap();
        ledger
            .transaction(|tx| tx.insert(&record("m", 1, 1)))
            .unwrap();
        assert_eq!(ledger.get("m", 1).unwrap(), Some(record("m", 1, 1)));
        assert!(ledger.has_submission(&[1; 32]).unwrap());
        assert!(!ledger.has_submission(&[2; 32]).unwrap());
        // The same key again: refused by the primary key, and the failed transaction leaves
        // nothing behind.
        let again = ledger.transaction(|tx| {
            tx.insert(&record("n", 1, 3))?;
            tx.insert(&record("m", 1, 2))
        });
        assert!(matches!(again, Err(LedgerError::Sqlite(_))));
        assert_eq!(ledger.all().unwrap(), vec![record("m", 1, 1)]);
        drop(ledger);
        assert_eq!(Ledger::open(&path).unwrap().all().unwrap().len(), 1);
    }

    #[test]
    fn a_second_job_on_a_held_ledger_is_refused_as_locked() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ledger.sqlite");
        let first = Ledger::open(&path).unwrap();
        assert!(matches!(
            Ledger::open(&path),
            Err(LedgerError::Locked { .. })
        ));
        drop(first);
        Ledger::open(&path).unwrap();
    }
}
