//! Readings CSV: one row per slot, energy in Wh or kWh, kept exact.
//!
//! * One row per interval; the timestamp is the RFC 3339 start of a slot (any offset), the
//!   interval is one slot of the frame long. Rows may come in any order; rows outside the frame
//!   are ignored; gaps, duplicates and overlaps follow [`fit_registers_to_frame`].
//! * **The header decides the form** (names case-insensitive):
//!   - `timestamp,wh` (the original format): the import register in Wh;
//!   - `timestamp,import_wh,export_wh`: both registers, energy delivered to the customer
//!     (import, OBIS 1.8.0) and received from the customer (export, OBIS 2.8.0), in Wh;
//!   - `timestamp,kwh`: the import register in kWh;
//!   - `timestamp,value,unit`: the import register, unit `Wh` or `kWh` on every row.
//!
//!   Without a header, 2 columns mean `timestamp,wh` and 3 mean `timestamp,value,unit`; the
//!   import + export form needs its header. Any other header is refused, listing these.
//! * Values are decimal text; a field in double quotes may use `,` as a thousands separator
//!   (`"1,234"`, groups of exactly three digits). Values are kept exact, never rounded: a whole
//!   number of Wh is `value x 10^0` Wh, a value with up to 3 decimals of a Wh (6 of a kWh) is
//!   `value x 10^-3` Wh (`1067.3` Wh is 1067300 mWh); a finer value is kept as written and
//!   refused by the fitting, naming its timestamp, if its row is inside the frame.
//! * A UTF-8 BOM, CRLF line endings, spaces around fields and blank lines are tolerated.
//!
//! [`fit_registers_to_frame`]: super::fit_registers_to_frame

use std::path::Path;

use zkmeter_protocol::{Frame, UtcTime};

use super::Interval;
use crate::decimal::Decimal;
use crate::error::{check_cap, csv_lines, ImportError};

/// Cap on a readings CSV, checked before parsing.
pub const MAX_READINGS_CSV_BYTES: u64 = 64 << 20;

/// The form of a readings CSV, decided by its header (or its column count without one).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Form {
    /// `timestamp,wh`.
    Wh,
    /// `timestamp,kwh`.
    KWh,
    /// `timestamp,value,unit`.
    PerRow,
    /// `timestamp,import_wh,export_wh`.
    ImportExport,
}

impl Form {
    fn columns(self) -> usize {
        match self {
            Form::Wh | Form::KWh => 2,
            Form::PerRow | Form::ImportExport => 3,
        }
    }

    fn header(self) -> &'static str {
        match self {
            Form::Wh => "timestamp,wh",
            Form::KWh => "timestamp,kwh",
            Form::PerRow => "timestamp,value,unit",
            Form::ImportExport => "timestamp,import_wh,export_wh",
        }
    }
}

/// The unit of one value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Unit {
    Wh,
    KWh,
}

impl Unit {
    /// Powers of ten from this unit to Wh.
    fn shift(self) -> i32 {
        match self {
            Unit::Wh => 0,
            Unit::KWh => 3,
        }
    }
}

/// The registers of a readings CSV.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CsvReadings {
    /// Energy delivered to the customer, one interval per row.
    pub import: Vec<Interval>,
    /// Energy received from the customer, one interval per row, in the
    /// `timestamp,import_wh,export_wh` form only.
    pub export: Option<Vec<Interval>>,
}

/// Reads a readings CSV (capped at [`MAX_READINGS_CSV_BYTES`] before parsing) for `frame`.
pub fn read_readings_csv(path: &Path, frame: &Frame) -> Result<CsvReadings, ImportError> {
    let bytes = zkmeter_protocol::fs::read_capped(path, MAX_READINGS_CSV_BYTES, "readings CSV")?;
    parse_readings_csv(&bytes, frame)
}

/// Splits one CSV line into fields (double quotes, `""` inside quotes).
pub(crate) fn split_fields(line: &str, at: &str) -> Result<Vec<String>, ImportError> {
    let mut fields = vec![];
    let mut cur = String::new();
    let mut chars = line.chars().peekable();
    let mut quoted = false;
    let mut was_quoted = false;
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                cur.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => cur.push(c),
            (false, '"') if cur.trim().is_empty() && !was_quoted => {
                cur.clear();
                quoted = true;
                was_quoted = true;
            }
            (false, ',') => {
                fields.push(std::mem::take(&mut cur).trim().to_owned());
                was_quoted = false;
            }
            (false, '"') => {
                return Err(ImportError::Malformed {
                    what: "CSV",
                    at: at.into(),
                    reason: "stray double quote".into(),
                })
            }
            (false, c) => cur.push(c),
        }
    }
    if quoted {
        return Err(ImportError::Malformed {
            what: "CSV",
            at: at.into(),
            reason: "unterminated double quote".into(),
        });
    }
    fields.push(cur.trim().to_owned());
    Ok(fields)
}

/// Removes `,` thousands separators (groups of exactly three digits before the point).
pub(crate) fn strip_thousands(text: &str) -> Option<String> {
    if !text.contains(',') {
        return Some(text.to_owned());
    }
    let (sign, rest) = match text.strip_prefix(['-', '+']) {
        Some(r) => (&text[..1], r),
        None => ("", text),
    };
    let (int, frac) = rest
        .split_once('.')
        .map_or((rest, None), |(i, f)| (i, Some(f)));
    let groups: Vec<&str> = int.split(',').collect();
    let ok = (1..=3).contains(&groups[0].len())
        && groups[1..].iter().all(|g| g.len() == 3)
        && groups.iter().all(|g| g.bytes().all(|b| b.is_ascii_digit()));
    ok.then(|| {
        format!(
            "{sign}{}{}",
            groups.concat(),
            frac.map_or(String::new(), |f| format!(".{f}"))
        )
    })
}

/// Parses a readings CSV against `frame`; see the module docs.
pub fn parse_readings_csv(bytes: &[u8], frame: &Frame) -> Result<CsvReadings, ImportError> {
    check_cap(bytes, "readings CSV", MAX_READINGS_CSV_BYTES)?;
    frame.validate()?;
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut form: Option<Form> = None;
    let mut import = vec![];
    let mut export = vec![];
    for line in csv_lines(bytes, "readings CSV") {
        let (at, text) = line?;
        if text.trim().is_empty() {
            continue;
        }
        let fields = split_fields(text, &at)?;
        if form.is_none() && import.is_empty() {
            let names: Vec<String> = fields.iter().map(|f| f.to_ascii_lowercase()).collect();
            let header = [Form::Wh, Form::KWh, Form::PerRow, Form::ImportExport]
                .into_iter()
                .find(|f| names.join(",") == f.header());
            if let Some(h) = header {
                form = Some(h);
                continue;
            }
            if fields.get(1).is_some_and(|f| {
                !f.starts_with(|c: char| c.is_ascii_digit() || matches!(c, '-' | '+' | '.'))
            }) {
                return Err(ImportError::structure(
                    at,
                    format!(
                        "unknown header '{}': the header decides the form, one of \
                         'timestamp,wh', 'timestamp,import_wh,export_wh', 'timestamp,kwh' or \
                         'timestamp,value,unit'",
                        crate::decimal::truncate(text)
                    ),
                ));
            }
            // No header: the column count decides, for the forms that allow it.
            form = match fields.len() {
                3 => Some(Form::PerRow),
                _ => Some(Form::Wh),
            };
        }
        let form = form.unwrap_or(Form::Wh);
        if fields.len() != form.columns() {
            return Err(ImportError::structure(
                at,
                format!(
                    "expected {} fields ('{}'), found {}",
                    form.columns(),
                    form.header(),
                    fields.len()
                ),
            ));
        }
        let start = UtcTime::parse(&fields[0])
            .map_err(|e| ImportError::BadValue {
                at: at.clone(),
                field: "timestamp".into(),
                reason: e.to_string(),
            })?
            .unix();
        let interval = |field: &str, text: &str, unit: Unit| -> Result<Interval, ImportError> {
            let (value, exponent) = energy(&at, field, text, unit)?;
            Ok(Interval {
                start,
                seconds: frame.slot_seconds(),
                value,
                exponent,
                at: at.clone(),
            })
        };
        match form {
            Form::Wh => import.push(interval("value", &fields[1], Unit::Wh)?),
            Form::KWh => import.push(interval("value", &fields[1], Unit::KWh)?),
            Form::PerRow => {
                let unit = match fields[2].to_ascii_lowercase().as_str() {
                    "wh" => Unit::Wh,
                    "kwh" => Unit::KWh,
                    other => {
                        return Err(ImportError::BadValue {
                            at,
                            field: "unit".into(),
                            reason: format!(
                                "'{}' is not Wh or kWh",
                                crate::decimal::truncate(other)
                            ),
                        })
                    }
                };
                import.push(interval("value", &fields[1], unit)?);
            }
            Form::ImportExport => {
                import.push(interval("import_wh", &fields[1], Unit::Wh)?);
                export.push(interval("export_wh", &fields[2], Unit::Wh)?);
            }
        }
    }
    Ok(CsvReadings {
        import,
        export: (form == Some(Form::ImportExport)).then_some(export),
    })
}

/// The energy of one field as `(value, exponent)`, `value x 10^exponent` Wh exactly: whole Wh
/// at exponent 0, else mWh at -3, else as written (finer than mWh; refused when fitted).
fn energy(at: &str, field: &str, text: &str, unit: Unit) -> Result<(u64, i32), ImportError> {
    let plain = strip_thousands(text).ok_or_else(|| ImportError::BadValue {
        at: at.into(),
        field: field.into(),
        reason: format!(
            "'{}' has misplaced thousands separators",
            crate::decimal::truncate(text)
        ),
    })?;
    let value = Decimal::parse(&plain).map_err(|e| ImportError::decimal(at, field, e))?;
    if value.is_negative() {
        return Err(ImportError::BadValue {
            at: at.into(),
            field: field.into(),
            reason: format!("{} is negative", crate::decimal::truncate(text)),
        });
    }
    let out_of_range = || ImportError::BadValue {
        at: at.into(),
        field: field.into(),
        reason: format!("{} is out of range", crate::decimal::truncate(text)),
    };
    for exponent in [0, -3] {
        let exact = value
            .scaled_exact(unit.shift() - exponent)
            .map_err(|e| ImportError::decimal(at, field, e))?;
        if let Some(v) = exact {
            return Ok((u64::try_from(v).map_err(|_| out_of_range())?, exponent));
        }
    }
    let (digits, written) = value.to_unsigned_scaled().ok_or_else(out_of_range)?;
    Ok((digits, written + unit.shift()))
}

#[cfg(test)]
mod tests {
    use super::super::{fit_registers_to_frame, fit_to_frame, Fill, FrameReadings};
    use super::*;
    use zkmeter_protocol::{CircuitSize, EnergyUnit};

    fn frame() -> Frame {
        let start = UtcTime::parse("2026-01-01T00:00:00Z").unwrap();
        Frame::new(start, 60, 2, CircuitSize::smallest_fitting(2, 1).unwrap()).unwrap()
    }

    fn fitted(text: &str) -> Result<FrameReadings, ImportError> {
        let f = frame();
        let csv = parse_readings_csv(text.as_bytes(), &f)?;
        assert_eq!(csv.export, None);
        fit_to_frame(&csv.import, &f, Fill::Reject)
    }

    fn readings(text: &str) -> Result<Vec<u32>, ImportError> {
        Ok(fitted(text)?.readings)
    }

    #[test]
    fn every_documented_shape_reads_exactly() {
        let old = "timestamp,wh\n2026-01-01T00:00:00Z,212\n2026-01-01T01:00:00Z,198\n";
        let r = fitted(old).unwrap();
        assert_eq!((r.unit, r.readings), (EnergyUnit::WH, vec![212, 198]));
        let headerless = "2026-01-01T00:00:00Z,212\n2026-01-01T01:00:00Z,198\n";
        assert_eq!(readings(headerless).unwrap(), vec![212, 198]);
        let bom_crlf = "\u{feff}timestamp,kWh\r\n2026-01-01T01:00:00Z,\"1,034.5\"\r\n2026-01-01T00:00:00Z,0.2\r\n\r\n";
        assert_eq!(readings(bom_crlf).unwrap(), vec![200, 1_034_500]);
        let units = "timestamp,value,unit\n2026-01-01T00:00:00Z,1.5,kWh\n2026-01-01T02:00:00+01:00,\"2,000\",wh\n";
        assert_eq!(readings(units).unwrap(), vec![1500, 2000]);
    }

    #[test]
    fn decimal_watt_hours_are_kept_in_mwh() {
        // 1067.3 Wh is 1067300 mWh; the whole 198 Wh beside it becomes 198000 mWh.
        let text = "timestamp,wh\n2026-01-01T00:00:00Z,1067.3\n2026-01-01T01:00:00Z,198\n";
        let csv = parse_readings_csv(text.as_bytes(), &frame()).unwrap();
        let written: Vec<(u64, i32)> = csv.import.iter().map(|i| (i.value, i.exponent)).collect();
        assert_eq!(written, vec![(1_067_300, -3), (198, 0)]);
        let r = fitted(text).unwrap();
        assert_eq!(r.unit, EnergyUnit::MILLI_WH);
        assert_eq!(r.readings, vec![1_067_300, 198_000]);
        // Three decimals, and six of a kWh, are still exact.
        let r = fitted(
            "timestamp,wh\n2026-01-01T00:00:00Z,0.001\n2026-01-01T01:00:00Z,\"1,000.250\"\n",
        )
        .unwrap();
        assert_eq!(r.readings, vec![1, 1_000_250]);
        let r =
            fitted("timestamp,kwh\n2026-01-01T00:00:00Z,0.2505\n2026-01-01T01:00:00Z,0.000001\n")
                .unwrap();
        assert_eq!(
            (r.unit, r.readings),
            (EnergyUnit::MILLI_WH, vec![250_500, 1])
        );
        // A fourth decimal is refused when its row is in the frame, naming the row's start...
        let e = readings("timestamp,wh\n2026-01-01T00:00:00Z,0.0005\n2026-01-01T01:00:00Z,1\n")
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            "line 2: value 5 x 10^-4 Wh (interval starting 2026-01-01T00:00:00Z) is not a whole \
             number of mWh, the finest unit a period can have"
        );
        // ... and not judged when it is not.
        let outside = "timestamp,wh\n2025-12-31T23:00:00Z,0.0005\n2026-01-01T00:00:00Z,1\n2026-01-01T01:00:00Z,2\n";
        let r = fitted(outside).unwrap();
        assert_eq!((r.unit, r.readings), (EnergyUnit::WH, vec![1, 2]));
    }

    #[test]
    fn the_import_export_form_gives_two_registers() {
        let f = frame();
        let text = "timestamp,import_wh,export_wh\n2026-01-01T00:00:00Z,412.5,0\n2026-01-01T01:00:00Z,0,1250\n";
        let csv = parse_readings_csv(text.as_bytes(), &f).unwrap();
        let export = csv.export.as_deref().unwrap();
        assert_eq!((csv.import.len(), export.len()), (2, 2));
        let r = fit_registers_to_frame(&csv.import, Some(export), &f, Fill::Reject).unwrap();
        assert_eq!(r.unit, EnergyUnit::MILLI_WH);
        assert_eq!(r.import, vec![412_500, 0]);
        assert_eq!(r.export, Some(vec![0, 1_250_000]));
        // Both values on every row: a missing export field is named with the form.
        let e = parse_readings_csv(text.replacen(",412.5,0\n", ",412.5\n", 1).as_bytes(), &f)
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            "line 2: expected 3 fields ('timestamp,import_wh,export_wh'), found 2"
        );
        let e = parse_readings_csv(text.replacen("1250", "-1250", 1).as_bytes(), &f).unwrap_err();
        assert_eq!(e.to_string(), "line 3: export_wh -1250 is negative");
        // Without its header the same rows read as value,unit rows, and '0' is no unit.
        let rows = &text[text.find('\n').unwrap() + 1..];
        let e = parse_readings_csv(rows.as_bytes(), &f).unwrap_err();
        assert_eq!(e.to_string(), "line 1: unit '0' is not Wh or kWh");
    }

    #[test]
    fn bad_rows_are_named_by_line() {
        let honest = "timestamp,kwh\n2026-01-01T00:00:00Z,0.25\n2026-01-01T01:00:00Z,1\n";
        assert!(readings(honest).is_ok());
        let cases: [(&str, &str, &str); 5] = [
            (
                "0.25\n",
                "0.2500001\n",
                "line 2: value 2500001 x 10^-4 Wh (interval starting 2026-01-01T00:00:00Z) is \
                 not a whole number of mWh",
            ),
            (
                "0.25\n",
                "abc\n",
                "line 2: value is invalid: 'abc' is not a decimal number",
            ),
            (
                "0.25\n",
                "\"1,23\"\n",
                "line 2: value '1,23' has misplaced thousands separators",
            ),
            ("0.25\n", "-1\n", "line 2: value -1 is negative"),
            ("00:00:00Z", "00:00:00", "line 2: timestamp"),
        ];
        for (from, to, want) in cases {
            let text = honest.replacen(from, to, 1);
            let e = readings(&text).unwrap_err().to_string();
            assert!(e.starts_with(want), "{e} / {want}");
        }
        let e = readings("timestamp,volts\n").unwrap_err().to_string();
        assert!(
            e.contains("unknown header 'timestamp,volts': the header decides the form"),
            "{e}"
        );
        let e = readings("2026-01-01T00:00:00Z,1,MWh\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("'mwh' is not Wh or kWh"), "{e}");
    }
}
