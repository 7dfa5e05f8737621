//! Readings CSV: `timestamp,value[,unit]` rows, Wh or kWh, converted exactly to Wh.
//!
//! * One row per interval; the timestamp is the RFC 3339 start of a slot (any offset), the
//!   interval is one slot of the frame long. Rows may come in any order; rows outside the frame
//!   are ignored; gaps, duplicates and overlaps follow [`fit_to_frame`].
//! * Columns: `timestamp,wh` (the original format), `timestamp,kwh`, or
//!   `timestamp,value,unit` with unit `Wh` or `kWh` on every row (case-insensitive). An optional
//!   header names the columns (`timestamp,wh`, `timestamp,kwh`, `timestamp,value,unit`); without
//!   one, 2 columns mean Wh.
//! * Values are decimal text; a field in double quotes may use `,` as a thousands separator
//!   (`"1,234"`, groups of exactly three digits). The conversion to Wh is exact: a kWh value with
//!   more than three decimals that is not a whole number of Wh is refused, never rounded.
//! * A UTF-8 BOM, CRLF line endings, spaces around fields and blank lines are tolerated.
//!
//! [`fit_to_frame`]: super::fit_to_frame

use std::path::Path;

use zkmeter_protocol::{Frame, UtcTime};

use super::Interval;
use crate::decimal::Decimal;
use crate::error::{check_cap, csv_lines, ImportError};

/// Cap on a readings CSV, checked before parsing.
pub const MAX_READINGS_CSV_BYTES: u64 = 64 << 20;

/// The unit of a value column.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Unit {
    Wh,
    KWh,
    PerRow,
}

/// Reads a readings CSV (capped at [`MAX_READINGS_CSV_BYTES`] before parsing) for `frame`.
pub fn read_readings_csv(path: &Path, frame: &Frame) -> Result<Vec<Interval>, ImportError> {
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
pub fn parse_readings_csv(bytes: &[u8], frame: &Frame) -> Result<Vec<Interval>, ImportError> {
    check_cap(bytes, "readings CSV", MAX_READINGS_CSV_BYTES)?;
    frame.validate()?;
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut unit: Option<Unit> = None;
    let mut out = vec![];
    for line in csv_lines(bytes, "readings CSV") {
        let (at, text) = line?;
        if text.trim().is_empty() {
            continue;
        }
        let fields = split_fields(text, &at)?;
        if unit.is_none() && out.is_empty() {
            let names: Vec<String> = fields.iter().map(|f| f.to_ascii_lowercase()).collect();
            let header = match names.iter().map(String::as_str).collect::<Vec<_>>()[..] {
                ["timestamp", "wh"] => Some(Unit::Wh),
                ["timestamp", "kwh"] => Some(Unit::KWh),
                ["timestamp", "value", "unit"] => Some(Unit::PerRow),
                _ => None,
            };
            if let Some(h) = header {
                unit = Some(h);
                continue;
            }
            if fields.get(1).is_some_and(|f| {
                !f.starts_with(|c: char| c.is_ascii_digit() || matches!(c, '-' | '+' | '.'))
            }) {
                return Err(ImportError::structure(
                    at,
                    format!(
                        "unknown header '{}': use 'timestamp,wh', 'timestamp,kwh' or 'timestamp,value,unit'",
                        crate::decimal::truncate(text)
                    ),
                ));
            }
        }
        let row_unit = match (unit, fields.len()) {
            (None | Some(Unit::Wh), 2) => Unit::Wh,
            (Some(Unit::KWh), 2) => Unit::KWh,
            (None | Some(Unit::PerRow), 3) => match fields[2].to_ascii_lowercase().as_str() {
                "wh" => Unit::Wh,
                "kwh" => Unit::KWh,
                other => {
                    return Err(ImportError::BadValue {
                        at,
                        field: "unit".into(),
                        reason: format!("'{}' is not Wh or kWh", crate::decimal::truncate(other)),
                    })
                }
            },
            (_, n) => {
                return Err(ImportError::structure(
                    at,
                    format!(
                        "expected {} fields, found {n}",
                        if unit == Some(Unit::PerRow) { 3 } else { 2 }
                    ),
                ))
            }
        };
        let start = UtcTime::parse(&fields[0])
            .map_err(|e| ImportError::BadValue {
                at: at.clone(),
                field: "timestamp".into(),
                reason: e.to_string(),
            })?
            .unix();
        let plain = strip_thousands(&fields[1]).ok_or_else(|| ImportError::BadValue {
            at: at.clone(),
            field: "value".into(),
            reason: format!(
                "'{}' has misplaced thousands separators",
                crate::decimal::truncate(&fields[1])
            ),
        })?;
        let value =
            Decimal::parse(&plain).map_err(|e| ImportError::decimal(at.clone(), "value", e))?;
        if value.is_negative() {
            return Err(ImportError::BadValue {
                at,
                field: "value".into(),
                reason: format!("{} is negative", fields[1]),
            });
        }
        let shift = if row_unit == Unit::KWh { 3 } else { 0 };
        let wh = value
            .scaled_exact(shift)
            .map_err(|e| ImportError::decimal(at.clone(), "value", e))?
            .ok_or_else(|| ImportError::BadValue {
                at: at.clone(),
                field: "value".into(),
                reason: format!(
                    "{} {} is not a whole number of Wh",
                    fields[1],
                    if shift == 3 { "kWh" } else { "Wh" }
                ),
            })?;
        let wh = u64::try_from(wh).map_err(|_| ImportError::BadValue {
            at: at.clone(),
            field: "value".into(),
            reason: "out of range".into(),
        })?;
        out.push(Interval {
            start,
            seconds: frame.slot_seconds(),
            wh,
            at,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::super::{fit_to_frame, Fill};
    use super::*;
    use zkmeter_protocol::CircuitSize;

    fn frame() -> Frame {
        let start = UtcTime::parse("2026-01-01T00:00:00Z").unwrap();
        Frame::new(start, 60, 2, CircuitSize::smallest_fitting(2).unwrap()).unwrap()
    }

    fn readings(text: &str) -> Result<Vec<u32>, ImportError> {
        let f = frame();
        let iv = parse_readings_csv(text.as_bytes(), &f)?;
        Ok(fit_to_frame(&iv, &f, Fill::Reject)?.readings)
    }

    #[test]
    fn every_documented_shape_reads_exactly() {
        let old = "timestamp,wh\n2026-01-01T00:00:00Z,212\n2026-01-01T01:00:00Z,198\n";
        assert_eq!(readings(old).unwrap(), vec![212, 198]);
        let bom_crlf = "\u{feff}timestamp,kWh\r\n2026-01-01T01:00:00Z,\"1,034.5\"\r\n2026-01-01T00:00:00Z,0.2\r\n\r\n";
        assert_eq!(readings(bom_crlf).unwrap(), vec![200, 1_034_500]);
        let units = "timestamp,value,unit\n2026-01-01T00:00:00Z,1.5,kWh\n2026-01-01T02:00:00+01:00,\"2,000\",wh\n";
        assert_eq!(readings(units).unwrap(), vec![1500, 2000]);
    }

    #[test]
    fn bad_rows_are_named_by_line() {
        let honest = "timestamp,kwh\n2026-01-01T00:00:00Z,0.25\n2026-01-01T01:00:00Z,1\n";
        assert!(readings(honest).is_ok());
        let cases: [(&str, &str, &str); 5] = [
            (
                "0.25\n",
                "0.2505\n",
                "line 2: value 0.2505 kWh is not a whole number of Wh",
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
        assert!(e.contains("unknown header"), "{e}");
        let e = readings("2026-01-01T00:00:00Z,1,MWh\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("'mwh' is not Wh or kWh"), "{e}");
    }
}
