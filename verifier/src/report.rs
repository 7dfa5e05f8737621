//! The batch job's outputs: the CSV report (one row per input file) and the JSON summary,
//! both written atomically (`zkmeter_fs`: temporary file beside the target, fsync, rename).
//!
//! Report columns, in this order: `file, meter_id, period_start, outcome, bill, energy_wh,
//! reason`. `file` is the path relative to the input directory with `/` separators, each name
//! written by [`escape_file_name`]; a directory the job could not walk (unreadable, too deep)
//! has a row of its own whose `file` ends with `/`. Rows come in byte order of the raw relative
//! paths (the walk's order), which is the byte order of `file` whenever no name holds a `\`
//! or bytes that are not UTF-8. `period_start` is RFC 3339 UTC, `bill` exact nano-currency,
//! `energy_wh` whole Wh. Fields are quoted (RFC 4180) when they hold `,`, `"`, CR or LF. No row
//! holds a time of day or anything else that differs between two runs over the same inputs
//! and ledger, so such runs give byte-identical reports.
//!
//! # Formula injection (OWASP "CSV Injection")
//!
//! A spreadsheet evaluates a cell that starts with `=`, `+`, `-` or `@` (and some with a
//! leading tab or CR) as a formula, and file names and reasons come from the submitters. Every
//! text column (`file`, `meter_id`, `period_start`, `outcome`, `reason`) whose value starts
//! with one of `=` `+` `-` `@` TAB CR, or with `'`, is written as a quoted field holding `'`
//! and then the value (`=1+1` becomes `"'=1+1"`), which spreadsheets show as text. The value
//! is recovered exactly by removing one leading `'` from any text field that starts with one
//! (a value that itself starts with `'` gets a second, so this is never ambiguous). The
//! numeric columns `bill` and `energy_wh` are integers the job formats itself and are never
//! escaped: a negative bill `-123` stays a number.

use std::fmt::Write as _;

use serde::Serialize;

/// The CSV header line.
pub const HEADER: &str = "file,meter_id,period_start,outcome,bill,energy_wh,reason";

/// What happened to one input file (docs/batch.md, "Outcomes and the ledger").
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Outcome {
    /// Recorded by this run (now, or by this same run before it was killed and resumed):
    /// counted in the run's totals.
    Accepted,
    /// These very bytes were recorded by an earlier, finished run: not counted again.
    AlreadyRecorded,
    /// Another submission already billed (or, in this run, claimed) an overlapping period of
    /// the meter.
    Duplicate,
    /// Refused; the reason says why.
    Rejected,
}

impl Outcome {
    /// The report's word for it.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Accepted => "accepted",
            Outcome::AlreadyRecorded => "already-recorded",
            Outcome::Duplicate => "duplicate",
            Outcome::Rejected => "rejected",
        }
    }
}

/// One report row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Row {
    /// Relative path of the file.
    pub file: String,
    /// The meter id, once decoded.
    pub meter_id: Option<String>,
    /// The period start (RFC 3339), once decoded.
    pub period_start: Option<String>,
    /// The outcome.
    pub outcome: Outcome,
    /// The claimed bill (accepted, already-recorded and duplicate rows).
    pub bill: Option<i128>,
    /// The claimed energy (accepted, already-recorded and duplicate rows).
    pub energy_wh: Option<u64>,
    /// Why (empty for accepted rows).
    pub reason: String,
}

/// A file name (or relative path) as the report's `file` column writes it, unambiguously:
/// valid UTF-8 as it is, except that a backslash is doubled (`\\`), and each byte that is not
/// part of valid UTF-8 as `\xNN` (two lowercase hex digits). Two different names never give
/// the same text (in the text a `\` is always followed by `\` or by `x` and two hex digits,
/// so the raw bytes can be recovered), which a lossy conversion (U+FFFD for every bad byte)
/// does not guarantee. The CSV quoting of [`Row::to_csv`] applies on top.
pub fn escape_file_name(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    for chunk in bytes.utf8_chunks() {
        for c in chunk.valid().chars() {
            if c == '\\' {
                out.push_str("\\\\");
            } else {
                out.push(c);
            }
        }
        for b in chunk.invalid() {
            let _ = write!(out, "\\x{b:02x}");
        }
    }
    out
}

/// First characters that make a spreadsheet read a cell as a formula (OWASP), and `'`, the
/// escape itself (module docs).
const ESCAPED_FIRST: [char; 7] = ['=', '+', '-', '@', '\t', '\r', '\''];

/// Writes a text field: quoted (RFC 4180) when it holds `,`, `"`, CR or LF, and prefixed with
/// `'` inside quotes when it starts with a character of [`ESCAPED_FIRST`].
fn text_field(out: &mut String, value: &str) {
    let escape = value.starts_with(ESCAPED_FIRST);
    if escape || value.contains([',', '"', '\n', '\r']) {
        out.push('"');
        if escape {
            out.push('\'');
        }
        out.push_str(&value.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(value);
    }
}

impl Row {
    /// The row as one CSV line, with its line end.
    pub fn to_csv(&self) -> String {
        let mut s = String::with_capacity(128);
        text_field(&mut s, &self.file);
        s.push(',');
        text_field(&mut s, self.meter_id.as_deref().unwrap_or(""));
        s.push(',');
        text_field(&mut s, self.period_start.as_deref().unwrap_or(""));
        s.push(',');
        text_field(&mut s, self.outcome.as_str());
        s.push(',');
        // Numbers: integers formatted here, never escaped (a negative bill stays a number).
        if let Some(b) = self.bill {
            s.push_str(&b.to_string());
        }
        s.push(',');
        if let Some(e) = self.energy_wh {
            s.push_str(&e.to_string());
        }
        s.push(',');
        text_field(&mut s, &self.reason);
        s.push('\n');
        s
    }
}

/// The JSON summary. Every field but `newly_recorded`, `proofs_verified` and `seconds` is the
/// same for a run killed and resumed as for the run uninterrupted; `bill_total` and
/// `energy_total_wh` count only the bills this run recorded, so the summaries of successive
/// runs on one ledger add up to the ledger's totals.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Summary {
    /// The run's number in the ledger (1, 2, ...; a resumed run keeps its number).
    pub run: u64,
    /// Input files.
    pub files: u64,
    /// Accepted rows: bills recorded by this run.
    pub accepted: u64,
    /// Already-recorded rows: bytes recorded by an earlier run (not in the totals).
    pub already_recorded: u64,
    /// Duplicate rows.
    pub duplicate: u64,
    /// Rejected rows.
    pub rejected: u64,
    /// Bills inserted into the ledger by this process (after a resume, only those the
    /// resuming process inserted).
    pub newly_recorded: u64,
    /// Proofs this process sent to verification: at most one per (meter, period) claimed in
    /// the run (after a resume, only those not recorded before the kill).
    pub proofs_verified: u64,
    /// Sum of the accepted bills, nano-currency (an exact integer).
    pub bill_total: i128,
    /// Sum of the accepted energies, Wh.
    pub energy_total_wh: u128,
    /// Wall time of the job, seconds.
    pub seconds: f64,
}

impl Summary {
    /// Counts one row.
    pub fn add(&mut self, row: &Row) {
        self.files += 1;
        match row.outcome {
            Outcome::Accepted => {
                self.accepted += 1;
                self.bill_total += row.bill.unwrap_or(0);
                self.energy_total_wh += u128::from(row.energy_wh.unwrap_or(0));
            }
            Outcome::AlreadyRecorded => self.already_recorded += 1,
            Outcome::Duplicate => self.duplicate += 1,
            Outcome::Rejected => self.rejected += 1,
        }
    }

    /// Pretty JSON with a final newline.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("in-memory encoding cannot fail") + "\n"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_quoted_only_when_needed() {
        let row = Row {
            file: "a,b.bin".into(),
            meter_id: Some("m-1".into()),
            period_start: Some("2026-01-01T00:00:00Z".into()),
            outcome: Outcome::Rejected,
            bill: None,
            energy_wh: None,
            reason: "say \"no\"\nnow".into(),
        };
        assert_eq!(
            row.to_csv(),
            "\"a,b.bin\",m-1,2026-01-01T00:00:00Z,rejected,,,\"say \"\"no\"\"\nnow\"\n"
        );
        let ok = Row {
            outcome: Outcome::Accepted,
            bill: Some(-5),
            energy_wh: Some(7),
            reason: String::new(),
            file: "x.bin".into(),
            ..row
        };
        assert_eq!(
            ok.to_csv(),
            "x.bin,m-1,2026-01-01T00:00:00Z,accepted,-5,7,\n"
        );
    }

    #[test]
    fn file_names_are_escaped_without_ambiguity() {
        // Honest: a UTF-8 name is written as it is.
        assert_eq!(escape_file_name("façade/x.bin".as_bytes()), "façade/x.bin");
        // A byte that is not UTF-8, the same text with a literal backslash, and the character
        // a lossy conversion puts in its place give three different texts (a lossy conversion
        // gives the first and the third the same one).
        let raw_byte = escape_file_name(b"a\xe9.bin");
        let literal = escape_file_name(b"a\\xe9.bin");
        let replacement = escape_file_name("a\u{fffd}.bin".as_bytes());
        assert_eq!(raw_byte, "a\\xe9.bin");
        assert_eq!(literal, "a\\\\xe9.bin");
        assert_eq!(replacement, "a\u{fffd}.bin");
        assert_eq!(String::from_utf8_lossy(b"a\xe9.bin"), replacement);
        // A truncated multi-byte sequence is escaped byte by byte; what follows is kept.
        assert_eq!(escape_file_name(b"\xe2\x82z\\"), "\\xe2\\x82z\\\\");
    }

    #[test]
    fn text_that_a_spreadsheet_would_evaluate_is_written_as_text_and_numbers_stay_numbers() {
        let honest = Row {
            file: "a.bin".into(),
            meter_id: Some("m-1".into()),
            period_start: Some("2026-01-01T00:00:00Z".into()),
            outcome: Outcome::Duplicate,
            bill: Some(-123),
            energy_wh: Some(0),
            reason: "why".into(),
        };
        assert_eq!(
            honest.to_csv(),
            "a.bin,m-1,2026-01-01T00:00:00Z,duplicate,-123,0,why\n"
        );
        let escaped = |first: &str| {
            let row = Row {
                file: format!("{first}SUM(A1).bin"),
                meter_id: Some(format!("{first}1")),
                reason: format!("{first}x,\"y\""),
                ..honest.clone()
            };
            row.to_csv()
        };
        for first in ["=", "+", "-", "@", "\t", "\r", "'"] {
            assert_eq!(
                escaped(first),
                format!(
                    "\"'{first}SUM(A1).bin\",\"'{first}1\",2026-01-01T00:00:00Z,duplicate,-123,0,\
                     \"'{first}x,\"\"y\"\"\"\n"
                ),
                "{first:?}"
            );
        }
        // Inside a value, those characters are plain text.
        let inner = Row {
            file: "a=b+c-d@e.bin".into(),
            ..honest
        };
        assert!(inner.to_csv().starts_with("a=b+c-d@e.bin,"));
    }
}
