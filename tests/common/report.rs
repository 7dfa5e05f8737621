//! The batch report read back independently of the job's writer (RFC 4180).

/// The report's columns (verifier/src/report.rs, `HEADER`).
pub const HEADER: &str =
    "file,meter_id,period_start,outcome,bill,import_kwh,export_kwh,reason,filled_slots,invoice_total";
pub const OUTCOME: usize = 3;
pub const BILL: usize = 4;
pub const IMPORT_KWH: usize = 5;
pub const EXPORT_KWH: usize = 6;
pub const REASON: usize = 7;
pub const FILLED: usize = 8;
pub const INVOICE_TOTAL: usize = 9;

/// The report's records (the header's included), each split into its fields as RFC 4180
/// reads them: a quoted field unquoted, `""` in it as `"`, commas and line ends in it kept.
/// The formula escape (a leading `'` in a quoted field) is kept. Written here, independently
/// of the job's writer; every record must have the header's ten fields.
pub fn records(report: &str) -> Vec<Vec<String>> {
    let (mut out, mut record, mut field) = (Vec::new(), Vec::new(), String::new());
    let (mut quoted, mut field_start) = (false, true);
    let mut chars = report.chars().peekable();
    while let Some(c) = chars.next() {
        if quoted {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                '"' => quoted = false,
                _ => field.push(c),
            }
            continue;
        }
        match c {
            '"' if field_start => quoted = true,
            ',' => record.push(std::mem::take(&mut field)),
            '\n' => {
                record.push(std::mem::take(&mut field));
                out.push(std::mem::take(&mut record));
            }
            _ => field.push(c),
        }
        field_start = matches!(c, ',' | '\n');
    }
    assert!(
        !quoted && field.is_empty() && record.is_empty(),
        "the report does not end with a whole record:\n{report}"
    );
    for r in &out {
        assert_eq!(r.len(), 10, "a record of {} fields: {r:?}", r.len());
    }
    out
}

/// `value / 10^decimals` as exact decimal text with at least `min` decimals, trailing zeros
/// beyond them dropped: the report's and the summary's number format (bill: pico-currency,
/// 12 and 2; energy: mWh as kWh, 6 and 3), written here independently of the job.
pub fn exact(value: i128, decimals: usize, min: usize) -> String {
    let sign = if value < 0 { "-" } else { "" };
    let digits = format!("{:0>width$}", value.unsigned_abs(), width = decimals + 1);
    let (whole, frac) = digits.split_at(digits.len() - decimals);
    let mut frac = frac.trim_end_matches('0').to_owned();
    while frac.len() < min {
        frac.push('0');
    }
    format!("{sign}{whole}.{frac}")
}
