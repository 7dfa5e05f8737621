//! The batch job's outputs: the CSV report (one row per input file) and the JSON summary,
//! both written atomically (`zkmeter_fs`: temporary file beside the target, fsync, rename).
//!
//! Report columns, in this order ([`HEADER`]): `file, meter_id, period_start, outcome, bill,
//! import_kwh, export_kwh, reason, filled_slots, invoice_total`. `file` is the path relative to the input
//! directory with `/` separators, each name written by [`escape_file_name`]; a directory the
//! job could not walk (unreadable, too deep) has a row of its own whose `file` ends with `/`.
//! Rows come in byte order of the raw relative paths (the walk's order), which is the byte
//! order of `file` whenever no name holds a `\` or bytes that are not UTF-8. `period_start` is
//! RFC 3339 UTC. Fields are quoted (RFC 4180) when they hold `,`, `"`, CR or LF. No row holds
//! a time of day or anything else that differs between two runs over the same inputs and
//! ledger, so such runs give byte-identical reports.
//!
//! # Figures in common units
//!
//! Meters count in different units (`10^e` Wh, `e` in `-3..=0`; a bill is in `10^(e - 9)`
//! currency), so a row never holds a meter's raw integers: its figures are normalised
//! ([`BillFigures`]) to pico-currency and mWh, in which every unit's figures are whole
//! numbers, and the summary's totals are exact sums of them. `bill` is exact currency text
//! ([`pico_text`]: every significant digit, at least two decimals, `-0.000000000001`),
//! `import_kwh` and `export_kwh` exact kWh text ([`mwh_as_kwh`]: at least three decimals;
//! `export_kwh` is `0.000` for a meter with one register), `filled_slots` the integer count of
//! slots the meter signed as not measured. These four are filled for accepted,
//! already-recorded and duplicate rows (the claimed figures) and empty otherwise.
//! `invoice_total` is the total of the invoice the tariff's charges make of those figures
//! ([`Invoice`], docs/protocol.md "Invoice"), with exactly the currency's minor-unit decimals
//! (`3.85`); filled when the figures are. New columns are added at the end, so a reader that
//! knows only the columns before them still finds them where they were.
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
//! numeric columns `bill`, `import_kwh`, `export_kwh`, `filled_slots` and `invoice_total` are
//! decimal numbers
//! the job formats itself (digits, at most one `.`, a leading `-` for a negative bill) and are
//! never escaped: a negative bill `-0.000000123` stays a number.

use std::fmt::Write as _;

use serde::{Serialize, Serializer};
use zkmeter_protocol::figures::{mwh_as_kwh, pico_text};
use zkmeter_protocol::{BillFigures, Invoice};

/// The CSV header line.
pub const HEADER: &str =
    "file,meter_id,period_start,outcome,bill,import_kwh,export_kwh,reason,filled_slots,invoice_total";

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
    /// The claimed bill in pico-currency (accepted, already-recorded and duplicate rows).
    pub bill_pico: Option<i128>,
    /// The claimed import energy in mWh (as `bill_pico`).
    pub import_mwh: Option<u64>,
    /// The claimed export energy in mWh, 0 for one register (as `bill_pico`).
    pub export_mwh: Option<u64>,
    /// Why (empty for accepted rows).
    pub reason: String,
    /// Slots the meter signed as not measured (as `bill_pico`).
    pub filled: Option<u32>,
    /// The invoice total of those figures under the tariff (as `bill_pico`).
    pub invoice: Option<InvoiceTotal>,
}

/// An invoice's total as a report row keeps it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InvoiceTotal {
    /// In minor units of the currency.
    pub minor: i128,
    /// Decimals of the minor unit.
    pub decimals: u8,
}

impl InvoiceTotal {
    /// The total of `invoice`.
    pub fn of(invoice: &Invoice) -> Self {
        InvoiceTotal {
            minor: invoice.total,
            decimals: invoice.decimals,
        }
    }

    /// In pico-currency (for sums over currencies of different minor units).
    pub fn pico(self) -> i128 {
        self.minor * 10i128.pow(12 - u32::from(self.decimals))
    }

    /// As decimal text with exactly the minor unit's decimals.
    pub fn text(self) -> String {
        Invoice::text(self.minor, self.decimals)
    }
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
    /// Sets the figure columns to `figures`, normalised (module docs).
    pub fn set_figures(&mut self, figures: &BillFigures) {
        self.bill_pico = Some(figures.bill_pico());
        self.import_mwh = Some(figures.import_mwh());
        self.export_mwh = Some(figures.export_mwh());
        self.filled = Some(figures.filled);
    }

    /// Fills the `invoice_total` column.
    pub fn set_invoice(&mut self, invoice: &Invoice) {
        self.invoice = Some(InvoiceTotal::of(invoice));
    }

    /// Empties the figure columns (a rejected row).
    pub fn clear_figures(&mut self) {
        self.bill_pico = None;
        self.import_mwh = None;
        self.export_mwh = None;
        self.filled = None;
        self.invoice = None;
    }

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
        // Numbers: formatted here, never escaped (a negative bill stays a number).
        if let Some(b) = self.bill_pico {
            s.push_str(&pico_text(b));
        }
        s.push(',');
        if let Some(e) = self.import_mwh {
            s.push_str(&mwh_as_kwh(u128::from(e)));
        }
        s.push(',');
        if let Some(e) = self.export_mwh {
            s.push_str(&mwh_as_kwh(u128::from(e)));
        }
        s.push(',');
        text_field(&mut s, &self.reason);
        s.push(',');
        if let Some(n) = self.filled {
            s.push_str(&n.to_string());
        }
        s.push(',');
        if let Some(t) = self.invoice {
            s.push_str(&t.text());
        }
        s.push('\n');
        s
    }
}

/// The JSON summary. Every field but `newly_recorded`, `proofs_verified` and `seconds` is the
/// same for a run killed and resumed as for the run uninterrupted; the totals count only the
/// bills this run recorded, so the summaries of successive runs on one ledger add up to the
/// ledger's totals.
///
/// The totals are kept as exact integers in the common units (pico-currency, mWh) and written
/// as exact decimal text, JSON strings (`"bill_total": "95.811920834567"`, `"import_kwh_total":
/// "382.4873"`), so no digit is lost to a JSON reader's floating point.
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
    /// Sum of the accepted bills, pico-currency. JSON `bill_total`: exact currency text
    /// ([`pico_text`]).
    #[serde(rename = "bill_total", serialize_with = "pico_json")]
    pub bill_total_pico: i128,
    /// Sum of the accepted import energies, mWh. JSON `import_kwh_total`: exact kWh text
    /// ([`mwh_as_kwh`]).
    #[serde(rename = "import_kwh_total", serialize_with = "kwh_json")]
    pub import_mwh_total: u128,
    /// Sum of the accepted export energies, mWh. JSON `export_kwh_total`: exact kWh text.
    #[serde(rename = "export_kwh_total", serialize_with = "kwh_json")]
    pub export_mwh_total: u128,
    /// Sum of the accepted bills' filled-slot counts.
    pub filled_slots_total: u64,
    /// Sum of the accepted bills' invoice totals, pico-currency. JSON `invoice_total`: exact
    /// currency text ([`pico_text`]).
    #[serde(rename = "invoice_total", serialize_with = "pico_json")]
    pub invoice_total_pico: i128,
    /// Wall time of the job, seconds.
    pub seconds: f64,
}

fn pico_json<S: Serializer>(pico: &i128, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&pico_text(*pico))
}

fn kwh_json<S: Serializer>(mwh: &u128, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&mwh_as_kwh(*mwh))
}

impl Summary {
    /// Counts one row. (No sum wraps: a bill is below `2^71` units of `10^(e - 9)` currency,
    /// so below `2^81` pico-currency (`10^(e + 3) <= 10^3 < 2^10`), and an energy below
    /// `2^40 * 10^3 < 2^50` mWh; the bill total needs more than `2^46` rows to reach `2^127`.)
    pub fn add(&mut self, row: &Row) {
        self.files += 1;
        match row.outcome {
            Outcome::Accepted => {
                self.accepted += 1;
                self.bill_total_pico += row.bill_pico.unwrap_or(0);
                self.import_mwh_total += u128::from(row.import_mwh.unwrap_or(0));
                self.export_mwh_total += u128::from(row.export_mwh.unwrap_or(0));
                self.filled_slots_total += u64::from(row.filled.unwrap_or(0));
                self.invoice_total_pico += row.invoice.map_or(0, InvoiceTotal::pico);
            }
            Outcome::AlreadyRecorded => self.already_recorded += 1,
            Outcome::Duplicate => self.duplicate += 1,
            Outcome::Rejected => self.rejected += 1,
        }
    }

    /// `bill_total` as written in the JSON: exact currency text.
    pub fn bill_total_text(&self) -> String {
        pico_text(self.bill_total_pico)
    }

    /// `import_kwh_total` as written in the JSON: exact kWh text.
    pub fn import_kwh_total_text(&self) -> String {
        mwh_as_kwh(self.import_mwh_total)
    }

    /// `export_kwh_total` as written in the JSON: exact kWh text.
    pub fn export_kwh_total_text(&self) -> String {
        mwh_as_kwh(self.export_mwh_total)
    }

    /// Pretty JSON with a final newline.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("in-memory encoding cannot fail") + "\n"
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use zkmeter_protocol::EnergyUnit;

    /// A decoded row of meter `m-1` with no figures yet.
    fn row(file: &str, outcome: Outcome, reason: &str) -> Row {
        Row {
            file: file.into(),
            meter_id: Some("m-1".into()),
            period_start: Some("2026-01-01T00:00:00Z".into()),
            outcome,
            bill_pico: None,
            import_mwh: None,
            export_mwh: None,
            reason: reason.into(),
            filled: None,
            invoice: None,
        }
    }

    fn with_figures(mut row: Row, figures: &BillFigures) -> Row {
        row.set_figures(figures);
        row
    }

    #[test]
    fn rows_are_quoted_only_when_needed() {
        let rejected = Row {
            file: "a,b.bin".into(),
            ..row("", Outcome::Rejected, "say \"no\"\nnow")
        };
        assert_eq!(
            rejected.to_csv(),
            "\"a,b.bin\",m-1,2026-01-01T00:00:00Z,rejected,,,,\"say \"\"no\"\"\nnow\",,\n"
        );
        let ok = Row {
            bill_pico: Some(-5),
            import_mwh: Some(7),
            export_mwh: Some(0),
            filled: Some(0),
            ..row("x.bin", Outcome::Accepted, "")
        };
        assert_eq!(
            ok.to_csv(),
            "x.bin,m-1,2026-01-01T00:00:00Z,accepted,-0.000000000005,0.000007,0.000,,0,\n"
        );
    }

    #[test]
    fn the_filled_slot_count_is_the_ninth_column_and_the_invoice_total_the_last() {
        assert_eq!(HEADER.split(',').count(), 10);
        assert_eq!(HEADER.split(',').nth(8), Some("filled_slots"));
        assert_eq!(HEADER.rsplit(',').next(), Some("invoice_total"));
        assert!(HEADER.starts_with("file,meter_id,period_start,outcome,bill,"));
        let figures = BillFigures {
            unit: EnergyUnit::WH,
            bill: 1,
            import_energy: 2,
            export_energy: 3,
            filled: 17,
        };
        // A reason holding a comma is quoted, so the count is still the ninth field.
        let line = with_figures(row("a.bin", Outcome::Duplicate, "x, y"), &figures).to_csv();
        assert_eq!(
            line,
            "a.bin,m-1,2026-01-01T00:00:00Z,duplicate,0.000000001,0.002,0.003,\"x, y\",17,\n"
        );
        assert!(line.ends_with(",17,\n"));
        // A row without figures ends with an empty count.
        let mut cleared = with_figures(row("b.bin", Outcome::Rejected, "why"), &figures);
        cleared.clear_figures();
        assert_eq!(
            cleared.to_csv(),
            "b.bin,m-1,2026-01-01T00:00:00Z,rejected,,,,why,,\n"
        );
    }

    #[test]
    fn rows_of_meters_in_different_units_sum_exactly() {
        // A Wh meter: bill 95_811_919_600 x 10^-9 = 95.8119196; import 381_420 Wh; export
        // 2_500 Wh; no slot filled.
        let wh = BillFigures {
            unit: EnergyUnit::WH,
            bill: 95_811_919_600,
            import_energy: 381_420,
            export_energy: 2_500,
            filled: 0,
        };
        // An mWh meter: bill 1_234_567 x 10^-12 = 0.000001234567; import 1_067_300 mWh =
        // 1.0673 kWh; export 5 mWh; 3 slots filled.
        let mwh = BillFigures {
            unit: EnergyUnit::MILLI_WH,
            bill: 1_234_567,
            import_energy: 1_067_300,
            export_energy: 5,
            filled: 3,
        };
        let a = with_figures(row("a.bin", Outcome::Accepted, ""), &wh);
        let b = with_figures(row("b.bin", Outcome::Accepted, ""), &mwh);
        assert_eq!(
            a.to_csv(),
            "a.bin,m-1,2026-01-01T00:00:00Z,accepted,95.8119196,381.420,2.500,,0,\n"
        );
        assert_eq!(
            b.to_csv(),
            "b.bin,m-1,2026-01-01T00:00:00Z,accepted,0.000001234567,1.0673,0.000005,,3,\n"
        );
        let mut summary = Summary::default();
        summary.add(&a);
        summary.add(&b);
        // Rows that are not accepted carry figures but are not counted.
        summary.add(&with_figures(
            row(
                "c.bin",
                Outcome::AlreadyRecorded,
                "recorded by run 1 from c.bin",
            ),
            &mwh,
        ));
        summary.add(&with_figures(row("d.bin", Outcome::Duplicate, "dup"), &wh));
        summary.add(&row("e.bin", Outcome::Rejected, "bad"));
        // By hand, in pico-currency: 95_811_919_600 x 10^3 + 1_234_567 x 1
        //   = 95_811_919_600_000 + 1_234_567 = 95_811_920_834_567 -> 95.811920834567.
        // (The raw integers would give 95_811_919_600 + 1_234_567 = 95_813_154_167: wrong.)
        assert_eq!(summary.bill_total_pico, 95_811_920_834_567);
        assert_eq!(summary.bill_total_text(), "95.811920834567");
        // Import in mWh: 381_420 x 10^3 + 1_067_300 = 382_487_300 -> 382.4873 kWh.
        assert_eq!(summary.import_mwh_total, 382_487_300);
        assert_eq!(summary.import_kwh_total_text(), "382.4873");
        // Export in mWh: 2_500 x 10^3 + 5 = 2_500_005 -> 2.500005 kWh.
        assert_eq!(summary.export_mwh_total, 2_500_005);
        assert_eq!(summary.export_kwh_total_text(), "2.500005");
        assert_eq!(summary.filled_slots_total, 3);
        assert_eq!(
            (summary.files, summary.accepted, summary.already_recorded),
            (5, 2, 1)
        );
        assert_eq!((summary.duplicate, summary.rejected), (1, 1));
        // The JSON holds the totals as exact strings, under their documented names.
        let json: serde_json::Value = serde_json::from_str(&summary.to_json()).unwrap();
        assert_eq!(json["bill_total"], "95.811920834567");
        assert_eq!(json["import_kwh_total"], "382.4873");
        assert_eq!(json["export_kwh_total"], "2.500005");
        assert_eq!(json["filled_slots_total"], 3);
        // In this order in the text (one field per line of the pretty JSON).
        let text = summary.to_json();
        let keys: Vec<&str> = text
            .lines()
            .filter_map(|l| l.trim_start().strip_prefix('"')?.split('"').next())
            .collect();
        assert_eq!(
            keys,
            [
                "run",
                "files",
                "accepted",
                "already_recorded",
                "duplicate",
                "rejected",
                "newly_recorded",
                "proofs_verified",
                "bill_total",
                "import_kwh_total",
                "export_kwh_total",
                "filled_slots_total",
                "invoice_total",
                "seconds"
            ]
        );
    }

    #[test]
    fn an_empty_or_negative_total_is_exact_text_too() {
        let mut summary = Summary::default();
        let json: serde_json::Value = serde_json::from_str(&summary.to_json()).unwrap();
        assert_eq!(json["bill_total"], "0.00");
        assert_eq!(json["import_kwh_total"], "0.000");
        // Credits: -1 x 10^-12 (an mWh meter's unit) and -1 x 10^-9 (a Wh meter's) sum to
        // -1 - 1_000 = -1_001 pico-currency.
        let credit = |unit, bill| BillFigures {
            unit,
            bill,
            import_energy: 0,
            export_energy: 0,
            filled: 0,
        };
        let accepted = |f: &BillFigures| with_figures(row("x.bin", Outcome::Accepted, ""), f);
        summary.add(&accepted(&credit(EnergyUnit::MILLI_WH, -1)));
        summary.add(&accepted(&credit(EnergyUnit::WH, -1)));
        assert_eq!(summary.bill_total_pico, -1_001);
        assert_eq!(summary.bill_total_text(), "-0.000000001001");
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
        // A credit of 123 nano-currency: its bill starts with `-` and stays a number.
        let honest = Row {
            bill_pico: Some(-123_000),
            import_mwh: Some(0),
            export_mwh: Some(0),
            filled: Some(4),
            ..row("a.bin", Outcome::Duplicate, "why")
        };
        assert_eq!(
            honest.to_csv(),
            "a.bin,m-1,2026-01-01T00:00:00Z,duplicate,-0.000000123,0.000,0.000,why,4,\n"
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
                    "\"'{first}SUM(A1).bin\",\"'{first}1\",2026-01-01T00:00:00Z,duplicate,\
                     -0.000000123,0.000,0.000,\"'{first}x,\"\"y\"\"\",4,\n"
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

    #[test]
    fn invoice_totals_are_written_in_the_minor_unit_and_summed_exactly() {
        let figures = BillFigures {
            unit: EnergyUnit::WH,
            bill: 1,
            import_energy: 2,
            export_energy: 0,
            filled: 0,
        };
        let mut gbp = with_figures(row("a.bin", Outcome::Accepted, ""), &figures);
        gbp.invoice = Some(InvoiceTotal {
            minor: 385,
            decimals: 2,
        });
        assert!(gbp.to_csv().ends_with(",0,3.85\n"), "{}", gbp.to_csv());
        let mut credit = gbp.clone();
        credit.invoice = Some(InvoiceTotal {
            minor: -1_205,
            decimals: 3,
        });
        assert!(credit.to_csv().ends_with(",0,-1.205\n"));
        let mut yen = gbp.clone();
        yen.invoice = Some(InvoiceTotal {
            minor: 96,
            decimals: 0,
        });
        assert!(yen.to_csv().ends_with(",0,96\n"));
        // Cleared with the other figures.
        let mut rejected = gbp.clone();
        rejected.clear_figures();
        assert!(rejected.to_csv().ends_with(",,\n"));
        let mut summary = Summary::default();
        for r in [&gbp, &credit, &rejected] {
            summary.add(r);
        }
        // Not accepted, so not counted, even with a total:
        summary.add(&Row {
            outcome: Outcome::Duplicate,
            ..gbp.clone()
        });
        // 3.85 - 1.205 = 2.645, in pico-currency.
        assert_eq!(summary.invoice_total_pico, 2_645_000_000_000);
        let json: serde_json::Value = serde_json::from_str(&summary.to_json()).unwrap();
        assert_eq!(json["invoice_total"], "2.645");
    }
}
