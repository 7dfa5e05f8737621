//! The utility's ledger of accepted bills: SQLite (bundled), one row per bill, the periods of
//! one meter never overlapping.
//!
//! Promises:
//! * Each bill records its period as the interval `[period_start, period_end)` (UTC, end
//!   excluded, [`Interval`]). The job records a bill only when no recorded bill of the same
//!   meter overlaps its interval ([`LedgerTx::overlapping`]), so a meter's periods never
//!   overlap, whatever their lengths (a day inside a month, an hourly and a quarter-hourly
//!   frame of one day). The primary key is `(meter_id, period_start)`.
//! * Each row stores the bill's figures normalised to common units (bill in pico-currency,
//!   exact decimal text; import and export energy in mWh), so the bills of meters counting in
//!   different units add up exactly, with the meter's unit exponent and its filled-slot count
//!   beside them ([`BillRecord`]).
//! * Each row stores the SHA-256 of the exact submission bytes, so a later run recognises
//!   "recorded earlier by this very submission".
//! * Each row stores the number of the run that recorded it (`runs` table: a sequential
//!   number and a finished flag, [`Ledger::begin_run`], [`Ledger::finish_run`]). A job that
//!   finds an unfinished run continues it under the same number, so a run killed and started
//!   again is one run: its bills are told apart from those of earlier, finished runs.
//! * Rows hold no timestamps: the same inputs and history give the same ledger, whether or not
//!   a run was interrupted.
//! * [`Ledger::open`] takes an exclusive lock for the life of the value (SQLite
//!   `locking_mode=EXCLUSIVE`, no busy wait): a second job on the same ledger fails at once
//!   with [`LedgerError::Locked`] instead of interleaving.
//! * Writes go through [`Ledger::transaction`] (`synchronous=FULL`, rollback journal): after a
//!   crash a transaction is either wholly in the ledger or not at all.
//! * A ledger of another schema version is refused untouched ([`LedgerError::Schema`]); there
//!   is no migration (docs/batch.md, "The ledger").

use std::path::Path;

use rusqlite::{params, Connection, ErrorCode, OptionalExtension};
use thiserror::Error;
use zkmeter_protocol::EnergyUnit;

pub use crate::interval::Interval;

/// Schema version stored in `meta`. Version 1 keyed bills by (meter, period start) only and
/// had no intervals and no runs; version 2 stored bills in nano-currency and one energy in Wh
/// (protocol v2, every meter counting whole Wh, one register).
pub const SCHEMA_VERSION: &str = "3";

/// The schema of a new ledger (inside the creating transaction).
const SCHEMA: &str = "
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    INSERT INTO meta (key, value) VALUES ('schema_version', '3');
    CREATE TABLE runs (
        run INTEGER PRIMARY KEY,
        finished INTEGER NOT NULL CHECK (finished IN (0, 1))
    );
    CREATE TABLE bills (
        meter_id TEXT NOT NULL,
        period_start INTEGER NOT NULL,
        period_end INTEGER NOT NULL CHECK (period_end > period_start),
        slot_minutes INTEGER NOT NULL,
        slots INTEGER NOT NULL,
        size TEXT NOT NULL,
        plan TEXT NOT NULL,
        tariff_id TEXT NOT NULL,
        unit INTEGER NOT NULL CHECK (unit BETWEEN -3 AND 0),
        bill TEXT NOT NULL,
        import_mwh INTEGER NOT NULL CHECK (import_mwh >= 0),
        export_mwh INTEGER NOT NULL CHECK (export_mwh >= 0),
        filled_slots INTEGER NOT NULL CHECK (filled_slots BETWEEN 0 AND slots),
        submission_sha256 BLOB NOT NULL,
        file TEXT NOT NULL,
        run INTEGER NOT NULL REFERENCES runs (run),
        PRIMARY KEY (meter_id, period_start)
    ) WITHOUT ROWID;
    CREATE INDEX bills_end ON bills (meter_id, period_end);
    CREATE INDEX bills_sha ON bills (submission_sha256);";

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
    /// The file is a ledger of another schema version; it was left untouched.
    #[error(
        "ledger {path} has schema version {found}, this build uses {SCHEMA_VERSION} (bill \
         intervals and runs; bills in pico-currency, import and export energy in mWh, the \
         meter's unit and filled slots); it is not migrated: keep it for its records and start \
         a new ledger"
    )]
    Schema {
        /// The path.
        path: String,
        /// Version found.
        found: String,
    },
    /// The file is an SQLite database, but not a ledger.
    #[error("{path} is not a zkmeter ledger (it has tables but no schema version)")]
    NotALedger {
        /// The path.
        path: String,
    },
    /// A value read back from the ledger is corrupt.
    #[error("ledger column {0} holds a value this build never writes")]
    Corrupt(&'static str),
    /// SQLite failed.
    #[error("ledger: {0}")]
    Sqlite(#[from] rusqlite::Error),
}

/// The number of a run of the batch job (1, 2, ...).
pub type RunNumber = u64;

/// A bill as the ledger records it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BillRecord {
    /// Meter id.
    pub meter_id: String,
    /// The period billed, `[start, end)` in Unix seconds.
    pub period: Interval,
    /// Slot length, minutes.
    pub slot_minutes: u16,
    /// Slots.
    pub slots: u32,
    /// Circuit size name.
    pub size: String,
    /// The rate plan it was billed under.
    pub plan: String,
    /// Tariff id.
    pub tariff_id: String,
    /// The unit the meter counted in (column `unit`: its exponent `e` of `10^e` Wh).
    pub unit: EnergyUnit,
    /// Bill, pico-currency (column `bill`, exact decimal text).
    pub bill_pico: i128,
    /// Import energy, mWh.
    pub import_mwh: u64,
    /// Export energy, mWh (0 for one register).
    pub export_mwh: u64,
    /// Slots the meter signed as not measured.
    pub filled_slots: u32,
    /// SHA-256 of the submission file's bytes.
    pub submission_sha256: [u8; 32],
    /// The file (relative to the job's input directory) it was recorded from.
    pub file: String,
    /// The run that recorded it.
    pub run: RunNumber,
}

/// A run's claim on a meter's period ([`LedgerTx::claim`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Claim {
    /// The period claimed.
    pub period: Interval,
    /// The file that claimed it.
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

/// What `open` found in the file, inside its first transaction.
enum Found {
    Empty,
    Version(String),
    Foreign,
}

fn inspect(conn: &Connection) -> rusqlite::Result<Found> {
    let tables: i64 = conn.query_row(
        "SELECT count(*) FROM sqlite_master WHERE type = 'table'",
        [],
        |r| r.get(0),
    )?;
    if tables == 0 {
        return Ok(Found::Empty);
    }
    let has_meta: bool = conn.query_row(
        "SELECT count(*) > 0 FROM sqlite_master WHERE type = 'table' AND name = 'meta'",
        [],
        |r| r.get(0),
    )?;
    if !has_meta {
        return Ok(Found::Foreign);
    }
    Ok(conn
        .query_row(
            "SELECT value FROM meta WHERE key = 'schema_version'",
            [],
            |r| r.get(0),
        )
        .optional()?
        .map_or(Found::Foreign, Found::Version))
}

fn to_sql_u64(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

impl Ledger {
    /// Opens (creating if needed) and locks the ledger at `path`.
    ///
    /// # Errors
    /// [`LedgerError::Locked`] when another job holds it, [`LedgerError::Schema`] for a ledger
    /// of another schema version and [`LedgerError::NotALedger`] for another database (both
    /// left untouched), [`LedgerError::Sqlite`] otherwise.
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
        let mut conn = Connection::open(path)?;
        conn.busy_timeout(std::time::Duration::ZERO)?;
        // Exclusive locking mode: the first write lock is kept until the connection closes.
        conn.pragma_update(None, "locking_mode", "EXCLUSIVE")
            .map_err(locked)?;
        conn.pragma_update(None, "journal_mode", "DELETE")
            .map_err(locked)?;
        conn.pragma_update(None, "synchronous", "FULL")
            .map_err(locked)?;
        conn.pragma_update(None, "foreign_keys", "ON")
            .map_err(locked)?;
        // The exclusive transaction takes the lock before anything is read, so two jobs never
        // both create the schema; nothing is written to a file of another schema.
        let tx = conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Exclusive)
            .map_err(locked)?;
        match inspect(&tx).map_err(locked)? {
            Found::Empty => tx.execute_batch(SCHEMA)?,
            Found::Version(v) if v == SCHEMA_VERSION => {}
            Found::Version(found) => return Err(LedgerError::Schema { path: shown, found }),
            Found::Foreign => return Err(LedgerError::NotALedger { path: shown }),
        }
        tx.commit().map_err(locked)?;
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

    /// The recorded bill of `meter_id` whose period overlaps `period`, if any (outside a
    /// transaction; [`LedgerTx::overlapping`]).
    pub fn overlapping(
        &self,
        meter_id: &str,
        period: Interval,
    ) -> Result<Option<BillRecord>, LedgerError> {
        overlapping(&self.conn, meter_id, period)
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
        let mut stmt = self.conn.prepare(&format!(
            "SELECT {COLUMNS} FROM bills ORDER BY meter_id, period_start"
        ))?;
        let rows = stmt.query_and_then([], row_to_record)?;
        rows.collect()
    }

    /// Every run: its number and whether it finished, in order.
    pub fn runs(&self) -> Result<Vec<(RunNumber, bool)>, LedgerError> {
        let mut stmt = self
            .conn
            .prepare("SELECT run, finished FROM runs ORDER BY run")?;
        let rows = stmt.query_and_then([], |r| {
            let run: i64 = r.get(0)?;
            let run = u64::try_from(run).map_err(|_| LedgerError::Corrupt("runs.run"))?;
            Ok::<_, LedgerError>((run, r.get(1)?))
        })?;
        rows.collect()
    }

    /// Number of bills recorded by `run`.
    pub fn bills_of_run(&self, run: RunNumber) -> Result<u64, LedgerError> {
        let n: i64 = self.conn.query_row(
            "SELECT count(*) FROM bills WHERE run = ?1",
            [to_sql_u64(run)],
            |r| r.get(0),
        )?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    /// Starts a run, or continues the unfinished one: returns its number (the unfinished
    /// run's, else one more than the last run's, from 1). Also starts an empty set of claims
    /// (a SQLite temporary table, on disk, dropped with the connection, never part of the
    /// ledger): the periods claimed by this run's files so far.
    pub fn begin_run(&mut self) -> Result<RunNumber, LedgerError> {
        self.conn.execute_batch(
            "DROP TABLE IF EXISTS temp.claims;
             CREATE TEMP TABLE claims (
                 meter_id TEXT NOT NULL,
                 period_start INTEGER NOT NULL,
                 period_end INTEGER NOT NULL,
                 file TEXT NOT NULL,
                 PRIMARY KEY (meter_id, period_start)
             ) WITHOUT ROWID;
             CREATE INDEX temp.claims_end ON claims (meter_id, period_end);",
        )?;
        self.transaction(|tx| {
            let open: Option<i64> = tx
                .tx
                .query_row(
                    "SELECT run FROM runs WHERE finished = 0 ORDER BY run DESC LIMIT 1",
                    [],
                    |r| r.get(0),
                )
                .optional()?;
            let run = match open {
                Some(run) => run,
                None => {
                    let last: i64 =
                        tx.tx
                            .query_row("SELECT coalesce(max(run), 0) FROM runs", [], |r| {
                                r.get(0)
                            })?;
                    let next = last + 1;
                    tx.tx
                        .execute("INSERT INTO runs (run, finished) VALUES (?1, 0)", [next])?;
                    next
                }
            };
            u64::try_from(run).map_err(|_| LedgerError::Corrupt("runs.run"))
        })
    }

    /// Marks `run` finished: a later job starts a new run, and reports this run's bills as
    /// recorded earlier.
    pub fn finish_run(&mut self, run: RunNumber) -> Result<(), LedgerError> {
        self.transaction(|tx| {
            tx.tx.execute(
                "UPDATE runs SET finished = 1 WHERE run = ?1",
                [to_sql_u64(run)],
            )?;
            Ok(())
        })
    }
}

/// One open transaction.
pub struct LedgerTx<'a> {
    tx: &'a rusqlite::Transaction<'a>,
}

impl LedgerTx<'_> {
    /// The recorded bill of `meter_id` whose period overlaps `period` (shares at least one
    /// second with it; touching periods do not overlap), if any: of several, the one that
    /// ends first.
    pub fn overlapping(
        &self,
        meter_id: &str,
        period: Interval,
    ) -> Result<Option<BillRecord>, LedgerError> {
        overlapping(self.tx, meter_id, period)
    }

    /// The claim of this run ([`Ledger::begin_run`]) on a period of `meter_id` that overlaps
    /// `period`, if any: of several, the one that ends first.
    pub fn claim_overlapping(
        &self,
        meter_id: &str,
        period: Interval,
    ) -> Result<Option<Claim>, LedgerError> {
        self.tx
            .prepare_cached(
                "SELECT period_start, period_end, file FROM temp.claims
                 WHERE meter_id = ?1 AND period_end > ?2 AND period_start < ?3
                 ORDER BY period_end LIMIT 1",
            )?
            .query_and_then(params![meter_id, period.start(), period.end()], |r| {
                Ok(Claim {
                    period: interval(r.get(0)?, r.get(1)?)?,
                    file: r.get(2)?,
                })
            })?
            .next()
            .transpose()
    }

    /// Claims `period` of `meter_id` for `file` for the rest of this run. The caller has
    /// checked that no claim overlaps it.
    pub fn claim(&self, meter_id: &str, period: Interval, file: &str) -> Result<(), LedgerError> {
        self.tx
            .prepare_cached(
                "INSERT INTO temp.claims (meter_id, period_start, period_end, file)
                 VALUES (?1, ?2, ?3, ?4)",
            )?
            .execute(params![meter_id, period.start(), period.end(), file])?;
        Ok(())
    }

    /// Records a bill; the caller has checked that no recorded bill of the meter overlaps it.
    pub fn insert(&self, r: &BillRecord) -> Result<(), LedgerError> {
        self.tx
            .prepare_cached(&format!(
                "INSERT INTO bills ({COLUMNS})
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)"
            ))?
            .execute(params![
                r.meter_id,
                r.period.start(),
                r.period.end(),
                r.slot_minutes,
                r.slots,
                r.size,
                r.plan,
                r.tariff_id,
                r.unit.exponent(),
                r.bill_pico.to_string(),
                to_sql_u64(r.import_mwh),
                to_sql_u64(r.export_mwh),
                r.filled_slots,
                &r.submission_sha256[..],
                r.file,
                to_sql_u64(r.run),
            ])?;
        Ok(())
    }
}

/// The columns of `bills`, in the order [`row_to_record`] reads them.
const COLUMNS: &str = "meter_id, period_start, period_end, slot_minutes, slots, size, plan, \
                       tariff_id, unit, bill, import_mwh, export_mwh, filled_slots, \
                       submission_sha256, file, run";

fn overlapping(
    conn: &Connection,
    meter_id: &str,
    period: Interval,
) -> Result<Option<BillRecord>, LedgerError> {
    // The index on (meter_id, period_end) starts the scan at the first bill ending after the
    // period's start: for a period later than every recorded one, no row is visited.
    conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM bills
         WHERE meter_id = ?1 AND period_end > ?2 AND period_start < ?3
         ORDER BY period_end LIMIT 1"
    ))?
    .query_and_then(
        params![meter_id, period.start(), period.end()],
        row_to_record,
    )?
    .next()
    .transpose()
}

fn interval(start: i64, end: i64) -> Result<Interval, LedgerError> {
    Interval::new(start, end).ok_or(LedgerError::Corrupt("period_end"))
}

fn row_to_record(r: &rusqlite::Row<'_>) -> Result<BillRecord, LedgerError> {
    let unit: i64 = r.get(8)?;
    let bill: String = r.get(9)?;
    let import: i64 = r.get(10)?;
    let export: i64 = r.get(11)?;
    let filled: i64 = r.get(12)?;
    let sha: Vec<u8> = r.get(13)?;
    let run: i64 = r.get(15)?;
    Ok(BillRecord {
        meter_id: r.get(0)?,
        period: interval(r.get(1)?, r.get(2)?)?,
        slot_minutes: r.get(3)?,
        slots: r.get(4)?,
        size: r.get(5)?,
        plan: r.get(6)?,
        tariff_id: r.get(7)?,
        unit: i8::try_from(unit)
            .ok()
            .and_then(|e| EnergyUnit::new(e).ok())
            .ok_or(LedgerError::Corrupt("unit"))?,
        bill_pico: bill.parse().map_err(|_| LedgerError::Corrupt("bill"))?,
        import_mwh: u64::try_from(import).map_err(|_| LedgerError::Corrupt("import_mwh"))?,
        export_mwh: u64::try_from(export).map_err(|_| LedgerError::Corrupt("export_mwh"))?,
        filled_slots: u32::try_from(filled).map_err(|_| LedgerError::Corrupt("filled_slots"))?,
        submission_sha256: sha
            .try_into()
            .map_err(|_| LedgerError::Corrupt("submission_sha256"))?,
        file: r.get(14)?,
        run: u64::try_from(run).map_err(|_| LedgerError::Corrupt("run"))?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: i64 = 86_400;
    const T0: i64 = 1_767_225_600; // 2026-01-01T00:00:00Z

    fn period(start: i64, end: i64) -> Interval {
        Interval::new(start, end).unwrap()
    }

    fn record(meter: &str, p: Interval, sha: u8, run: RunNumber) -> BillRecord {
        BillRecord {
            meter_id: meter.into(),
            period: p,
            slot_minutes: 60,
            slots: u32::try_from((p.end() - p.start()) / 3600).unwrap(),
            size: "day-15min".into(),
            plan: "default".into(),
            tariff_id: "t".into(),
            unit: EnergyUnit::WH,
            bill_pico: -123_456_789_012_345_678_901,
            import_mwh: 42_000,
            export_mwh: 0,
            filled_slots: 0,
            submission_sha256: [sha; 32],
            file: format!("{meter}-{sha}.bin"),
            run,
        }
    }

    fn open(dir: &tempfile::TempDir) -> Ledger {
        Ledger::open(&dir.path().join("ledger.sqlite")).unwrap()
    }

    #[test]
    fn records_round_trip_and_the_key_is_unique() {
        let dir = tempfile::tempdir().unwrap();
        let mut ledger = open(&dir);
        let run = ledger.begin_run().unwrap();
        let day = period(T0, T0 + DAY);
        ledger
            .transaction(|tx| tx.insert(&record("m", day, 1, run)))
            .unwrap();
        assert_eq!(
            ledger.overlapping("m", day).unwrap(),
            Some(record("m", day, 1, run))
        );
        assert!(ledger.has_submission(&[1; 32]).unwrap());
        assert!(!ledger.has_submission(&[2; 32]).unwrap());
        // The same key again: refused by the primary key, and the failed transaction leaves
        // nothing behind.
        let again = ledger.transaction(|tx| {
            tx.insert(&record("n", day, 3, run))?;
            tx.insert(&record("m", day, 2, run))
        });
        assert!(matches!(again, Err(LedgerError::Sqlite(_))));
        assert_eq!(ledger.all().unwrap(), vec![record("m", day, 1, run)]);
        drop(ledger);
        assert_eq!(open(&dir).all().unwrap().len(), 1);
    }

    #[test]
    fn the_unit_and_normalised_figures_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let mut ledger = open(&dir);
        let run = ledger.begin_run().unwrap();
        // An mWh meter with both registers and filled slots: a credit of 2^70 + 1
        // pico-currency (beyond an SQLite integer's 2^63, hence the text column), import
        // 1.0673 kWh, export 5 mWh, 3 slots filled; beside it a Wh meter.
        let bill = BillRecord {
            unit: EnergyUnit::MILLI_WH,
            bill_pico: -(1 << 70) - 1,
            import_mwh: 1_067_300,
            export_mwh: 5,
            filled_slots: 3,
            size: "day-15min-ie".into(),
            ..record("m", period(T0, T0 + DAY), 1, run)
        };
        let wh = BillRecord {
            export_mwh: 2_500_000,
            ..record("w", period(T0, T0 + DAY), 2, run)
        };
        ledger
            .transaction(|tx| {
                tx.insert(&bill)?;
                tx.insert(&wh)
            })
            .unwrap();
        drop(ledger);
        let ledger = open(&dir);
        assert_eq!(ledger.all().unwrap(), vec![bill.clone(), wh.clone()]);
        drop(ledger);
        // The columns as stored: the exponent, the pico-currency text, mWh, the count.
        let conn = Connection::open(dir.path().join("ledger.sqlite")).unwrap();
        let stored: (i64, String, i64, i64, i64) = conn
            .query_row(
                "SELECT unit, bill, import_mwh, export_mwh, filled_slots FROM bills
                 WHERE meter_id = 'm'",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
            )
            .unwrap();
        assert_eq!(
            stored,
            (-3, "-1180591620717411303425".into(), 1_067_300, 5, 3)
        );
        // A unit this build never writes (forced past the column's CHECK) is reported as
        // corrupt, not trusted.
        conn.execute_batch(
            "PRAGMA ignore_check_constraints = ON;
             UPDATE bills SET unit = 2 WHERE meter_id = 'w';",
        )
        .unwrap();
        drop(conn);
        assert!(matches!(
            open(&dir).all(),
            Err(LedgerError::Corrupt("unit"))
        ));
    }

    #[test]
    fn a_period_overlaps_a_recorded_one_of_its_meter_unless_they_only_touch() {
        let dir = tempfile::tempdir().unwrap();
        let mut ledger = open(&dir);
        let run = ledger.begin_run().unwrap();
        let jan_2 = period(T0 + DAY, T0 + 2 * DAY);
        let jan_4 = period(T0 + 3 * DAY, T0 + 4 * DAY);
        ledger
            .transaction(|tx| {
                tx.insert(&record("m", jan_2, 1, run))?;
                tx.insert(&record("m", jan_4, 2, run))
            })
            .unwrap();
        let found = |start, end| {
            ledger
                .overlapping("m", period(start, end))
                .unwrap()
                .map(|r| r.period)
        };
        // Honest: the days before, between and after touch the recorded ones, no overlap.
        assert_eq!(found(T0, T0 + DAY), None);
        assert_eq!(found(T0 + 2 * DAY, T0 + 3 * DAY), None);
        assert_eq!(found(T0 + 4 * DAY, T0 + 5 * DAY), None);
        // The same day, an hour of it, a half-day across its end, and a month holding both:
        // each finds an overlapping bill (the month: the one that ends first).
        assert_eq!(found(jan_2.start(), jan_2.end()), Some(jan_2));
        assert_eq!(found(T0 + DAY + 3600, T0 + DAY + 7200), Some(jan_2));
        assert_eq!(found(T0 + 2 * DAY - 1, T0 + 2 * DAY + 43_200), Some(jan_2));
        assert_eq!(found(T0, T0 + 31 * DAY), Some(jan_2));
        assert_eq!(found(T0 + 2 * DAY, T0 + 31 * DAY), Some(jan_4));
        // Another meter's periods never count.
        assert_eq!(ledger.overlapping("n", jan_2).unwrap(), None);
    }

    #[test]
    fn claims_are_found_by_overlap_and_touching_claims_do_not_overlap() {
        let dir = tempfile::tempdir().unwrap();
        let mut ledger = open(&dir);
        ledger.begin_run().unwrap();
        let day = period(T0, T0 + DAY);
        ledger
            .transaction(|tx| {
                assert_eq!(tx.claim_overlapping("m", day)?, None);
                tx.claim("m", day, "a.bin")?;
                let claim = Some(Claim {
                    period: day,
                    file: "a.bin".into(),
                });
                assert_eq!(tx.claim_overlapping("m", day)?, claim);
                let half = period(T0 + 43_200, T0 + DAY);
                assert_eq!(tx.claim_overlapping("m", half)?, claim);
                let next = period(T0 + DAY, T0 + 2 * DAY);
                assert_eq!(tx.claim_overlapping("m", next)?, None);
                let before = period(T0 - 3600, T0);
                assert_eq!(tx.claim_overlapping("m", before)?, None);
                assert_eq!(tx.claim_overlapping("n", day)?, None);
                Ok(())
            })
            .unwrap();
        // A new run starts with no claims.
        ledger.begin_run().unwrap();
        ledger
            .transaction(|tx| {
                assert_eq!(tx.claim_overlapping("m", day)?, None);
                Ok(())
            })
            .unwrap();
    }

    #[test]
    fn an_unfinished_run_is_continued_and_a_finished_one_is_followed_by_the_next() {
        let dir = tempfile::tempdir().unwrap();
        let mut ledger = open(&dir);
        assert_eq!(ledger.begin_run().unwrap(), 1);
        drop(ledger);
        // Killed before finishing: the next job continues run 1.
        let mut ledger = open(&dir);
        assert_eq!(ledger.begin_run().unwrap(), 1);
        ledger.finish_run(1).unwrap();
        assert_eq!(ledger.runs().unwrap(), vec![(1, true)]);
        drop(ledger);
        let mut ledger = open(&dir);
        assert_eq!(ledger.begin_run().unwrap(), 2);
        assert_eq!(ledger.runs().unwrap(), vec![(1, true), (2, false)]);
        let day = period(T0, T0 + DAY);
        ledger
            .transaction(|tx| tx.insert(&record("m", day, 1, 2)))
            .unwrap();
        assert_eq!(ledger.bills_of_run(2).unwrap(), 1);
        assert_eq!(ledger.bills_of_run(1).unwrap(), 0);
        // A bill of a run that does not exist is refused (foreign key).
        let orphan = ledger.transaction(|tx| tx.insert(&record("n", day, 2, 9)));
        assert!(matches!(orphan, Err(LedgerError::Sqlite(_))), "{orphan:?}");
    }

    /// The schema a version-2 ledger was created with.
    const SCHEMA_2: &str = "
        CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        INSERT INTO meta (key, value) VALUES ('schema_version', '2');
        CREATE TABLE runs (
            run INTEGER PRIMARY KEY,
            finished INTEGER NOT NULL CHECK (finished IN (0, 1))
        );
        CREATE TABLE bills (
            meter_id TEXT NOT NULL,
            period_start INTEGER NOT NULL,
            period_end INTEGER NOT NULL CHECK (period_end > period_start),
            slot_minutes INTEGER NOT NULL,
            slots INTEGER NOT NULL,
            size TEXT NOT NULL,
            plan TEXT NOT NULL,
            tariff_id TEXT NOT NULL,
            bill TEXT NOT NULL,
            energy_wh INTEGER NOT NULL,
            submission_sha256 BLOB NOT NULL,
            file TEXT NOT NULL,
            run INTEGER NOT NULL REFERENCES runs (run),
            PRIMARY KEY (meter_id, period_start)
        ) WITHOUT ROWID;
        INSERT INTO runs (run, finished) VALUES (1, 1);
        INSERT INTO bills VALUES ('m', 1767225600, 1767312000, 60, 24, 'day-15min', 'default',
            't', '95811919600', 381420, x'01', 'a.bin', 1);";

    /// The schema a version-1 ledger was created with.
    const SCHEMA_1: &str = "
        CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        INSERT INTO meta (key, value) VALUES ('schema_version', '1');
        CREATE TABLE bills (meter_id TEXT NOT NULL, period_start INTEGER NOT NULL,
            slot_minutes INTEGER NOT NULL, slots INTEGER NOT NULL, size TEXT NOT NULL,
            tariff_id TEXT NOT NULL, bill TEXT NOT NULL, energy_wh INTEGER NOT NULL,
            submission_sha256 BLOB NOT NULL, file TEXT NOT NULL,
            PRIMARY KEY (meter_id, period_start)) WITHOUT ROWID;";

    #[test]
    fn a_ledger_of_schema_1_or_2_or_another_database_is_refused_untouched() {
        let dir = tempfile::tempdir().unwrap();
        // Honest: a new ledger opens and has schema 3.
        drop(open(&dir));
        let fresh = Connection::open(dir.path().join("ledger.sqlite")).unwrap();
        let v: String = fresh
            .query_row(
                "SELECT value FROM meta WHERE key = 'schema_version'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(v, SCHEMA_VERSION);
        assert_eq!(v, "3");

        // Ledgers as versions 2 (bills in nano-currency, one energy in Wh) and 1 created them.
        for (version, schema) in [("2", SCHEMA_2), ("1", SCHEMA_1)] {
            let old = dir.path().join(format!("v{version}.sqlite"));
            let conn = Connection::open(&old).unwrap();
            conn.execute_batch(schema).unwrap();
            drop(conn);
            let before = std::fs::read(&old).unwrap();
            let err = Ledger::open(&old).unwrap_err();
            assert!(
                matches!(&err, LedgerError::Schema { found, .. } if found == version),
                "{err:?}"
            );
            let text = err.to_string();
            assert!(
                text.contains(&format!(
                    "schema version {version}, this build uses 3 (bill intervals and runs; bills \
                     in pico-currency, import and export energy in mWh, the meter's unit and \
                     filled slots); it is not migrated"
                )),
                "{text}"
            );
            assert_eq!(
                std::fs::read(&old).unwrap(),
                before,
                "the version {version} ledger was changed"
            );
        }

        // Some other database.
        let other = dir.path().join("other.sqlite");
        Connection::open(&other)
            .unwrap()
            .execute_batch("CREATE TABLE t (x INTEGER)")
            .unwrap();
        assert!(matches!(
            Ledger::open(&other),
            Err(LedgerError::NotALedger { .. })
        ));
    }

    #[test]
    fn a_second_job_on_a_held_ledger_is_refused_as_locked() {
        let dir = tempfile::tempdir().unwrap();
        let first = open(&dir);
        assert!(matches!(
            Ledger::open(&dir.path().join("ledger.sqlite")),
            Err(LedgerError::Locked { .. })
        ));
        drop(first);
        open(&dir);
    }
}
