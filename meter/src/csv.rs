//! Reading a period's readings from a `timestamp,wh` CSV, strictly against a frame.
//!
//! Format: one row per slot, `RFC 3339 timestamp,integer Wh`, e.g.
//! `2026-01-01T00:15:00Z,123`. An optional header line is recognised by its second field not
//! being a number. A UTF-8 BOM, CRLF line endings, spaces around fields and blank trailing lines
//! are tolerated; nothing else is.
//!
//! Promises: the input is capped at [`MAX_CSV_BYTES`] before parsing; the result has exactly
//! `frame.slots` readings, row `i` being the slot starting at `frame.slot_start(i)`; every reading
//! is within [`MAX_READING_WH`]. Any other input is refused with [`MeterError::Csv`], naming the
//! 1-based line and the [`CsvProblem`] (a missing slot names its expected timestamp).

use std::path::Path;

use thiserror::Error;
use zkmeter_circuits::encoding::MAX_READING_WH;
use zkmeter_circuits::protocol::ids::truncate_for_error;
use zkmeter_circuits::protocol::{read_capped, Frame, UtcTime};

use crate::error::MeterError;

/// Cap on a readings CSV, checked before parsing.
pub const MAX_CSV_BYTES: u64 = 64 << 20;

/// What is wrong with one line of a readings CSV.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum CsvProblem {
    /// The line is not UTF-8.
    #[error("not UTF-8 text")]
    NotUtf8,
    /// A blank line before the last row.
    #[error("blank line between rows")]
    BlankLine,
    /// Not exactly two comma-separated fields.
    #[error("expected 2 fields 'timestamp,wh', found {0}")]
    FieldCount(usize),
    /// The timestamp is not RFC 3339 (or outside 2000..2200).
    #[error("{0}")]
    BadTimestamp(String),
    /// The timestamp is not a slot start of the frame.
    #[error("timestamp {found} is not on the frame's {minutes}-minute slot grid")]
    OffGrid {
        /// Timestamp found (UTC).
        found: String,
        /// Slot length.
        minutes: u16,
    },
    /// The timestamp is before the frame's start.
    #[error("timestamp {found} is before the frame start {start}")]
    BeforeFrame {
        /// Timestamp found (UTC).
        found: String,
        /// The frame's start.
        start: String,
    },
    /// A slot has no row: the expected timestamp appears nowhere later.
    #[error("missing slot {expected} (found {found} instead)")]
    MissingSlot {
        /// The missing slot's start (UTC).
        expected: String,
        /// Timestamp found on this line.
        found: String,
    },
    /// Rows are out of order: the expected slot appears on a later line.
    #[error("out-of-order timestamp {found}: slot {expected} (line {expected_line}) comes first")]
    OutOfOrder {
        /// Timestamp found on this line.
        found: String,
        /// The slot expected here.
        expected: String,
        /// Where that slot's row is.
        expected_line: usize,
    },
    /// A slot appears twice.
    #[error("duplicate timestamp {timestamp} (first on line {first_line})")]
    Duplicate {
        /// The timestamp.
        timestamp: String,
        /// Line of its first row.
        first_line: usize,
    },
    /// The value is not a whole non-negative number.
    #[error("'{0}' is not a whole number of Wh")]
    NotANumber(String),
    /// The value is negative.
    #[error("negative reading {0} Wh")]
    Negative(String),
    /// The value exceeds [`MAX_READING_WH`].
    #[error("reading {value} Wh exceeds the bound {max} Wh")]
    TooLarge {
        /// The value as written.
        value: String,
        /// The bound.
        max: u32,
    },
    /// A row after the frame's last slot.
    #[error("extra row {timestamp}: the frame has only {slots} slots")]
    ExtraRow {
        /// Its timestamp as written (UTC if it parsed).
        timestamp: String,
        /// The frame's slot count.
        slots: u32,
    },
    /// The input ends before the frame's last slot.
    #[error("input ends after {found} of {expected} slots; first missing slot {next}")]
    TooFewRows {
        /// Rows read.
        found: usize,
        /// Slots in the frame.
        expected: u32,
        /// The first missing slot's start (UTC).
        next: String,
    },
}

/// Reads a readings CSV file (capped at [`MAX_CSV_BYTES`] before parsing).
pub fn read_readings_csv(path: &Path, frame: &Frame) -> Result<Vec<u32>, MeterError> {
    parse_readings_csv(&read_capped(path, MAX_CSV_BYTES, "readings CSV")?, frame)
}

/// Parses a readings CSV against `frame`; see the module docs for the format.
pub fn parse_readings_csv(bytes: &[u8], frame: &Frame) -> Result<Vec<u32>, MeterError> {
    if bytes.len() as u64 > MAX_CSV_BYTES {
        return Err(MeterError::TooLarge {
            what: "readings CSV",
            size: bytes.len() as u64,
            cap: MAX_CSV_BYTES,
        });
    }
    frame.validate()?;
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    // Blank trailing lines are tolerated: parse up to the last non-blank byte, lazily.
    let end = bytes
        .iter()
        .rposition(|b| !b.is_ascii_whitespace())
        .map_or(0, |i| i + 1);
    let mut lines = bytes[..end]
        .split(|&b| b == b'\n')
        .map(|l| l.strip_suffix(b"\r").unwrap_or(l))
        .enumerate()
        .take_while(|_| end > 0);
    let slots = frame.slots as usize;
    let mut readings = Vec::with_capacity(slots);
    let mut row_lines = Vec::with_capacity(slots);
    let mut last_line = 0;
    while let Some((index, raw)) = lines.next() {
        let line = index + 1;
        last_line = line;
        let err = |problem| MeterError::Csv { line, problem };
        let text = std::str::from_utf8(raw).map_err(|_| err(CsvProblem::NotUtf8))?;
        if text.trim().is_empty() {
            return Err(err(CsvProblem::BlankLine));
        }
        let fields: Vec<&str> = text.split(',').map(str::trim).collect();
        if index == 0 && is_header(&fields) {
            continue;
        }
        let [ts_text, wh_text] = fields[..] else {
            return Err(err(CsvProblem::FieldCount(fields.len())));
        };
        let ts = UtcTime::parse(ts_text)
            .map_err(|e| err(CsvProblem::BadTimestamp(e.to_string())))?
            .unix();
        let i = readings.len();
        if i >= slots {
            return Err(err(CsvProblem::ExtraRow {
                timestamp: fmt_unix(ts),
                slots: frame.slots,
            }));
        }
        let expected = frame.slot_start(frame_index(i));
        if ts != expected {
            let later = lines.map(|(k, l)| (k + 1, l));
            return Err(err(slot_problem(frame, ts, expected, &row_lines, later)));
        }
        readings.push(parse_wh(wh_text).map_err(err)?);
        row_lines.push(line);
    }
    if readings.len() < slots {
        return Err(MeterError::Csv {
            line: last_line + 1,
            problem: CsvProblem::TooFewRows {
                found: readings.len(),
                expected: frame.slots,
                next: fmt_unix(frame.slot_start(frame_index(readings.len()))),
            },
        });
    }
    Ok(readings)
}

/// Writes readings as a CSV this module parses back (header, one `timestamp,wh` row per slot).
pub fn readings_to_csv(frame: &Frame, readings: &[u32]) -> Result<String, MeterError> {
    frame.validate()?;
    frame.check_len("readings", readings.len())?;
    let mut out = String::with_capacity(32 * readings.len() + 16);
    out.push_str("timestamp,wh\n");
    for (i, wh) in readings.iter().enumerate() {
        out.push_str(&format!(
            "{},{wh}\n",
            fmt_unix(frame.slot_start(frame_index(i)))
        ));
    }
    Ok(out)
}

/// A first line is a header when its second field is present and does not start like a number.
fn is_header(fields: &[&str]) -> bool {
    fields
        .get(1)
        .and_then(|f| f.chars().next())
        .is_some_and(|c| !(c.is_ascii_digit() || matches!(c, '-' | '+' | '.')))
}

/// Classifies a row whose timestamp `ts` is not the expected slot start.
fn slot_problem<'a>(
    frame: &Frame,
    ts: i64,
    expected: i64,
    row_lines: &[usize],
    mut later: impl Iterator<Item = (usize, &'a [u8])>,
) -> CsvProblem {
    let found = fmt_unix(ts);
    let start = frame.start.unix();
    if (ts - start).rem_euclid(frame.slot_seconds()) != 0 {
        CsvProblem::OffGrid {
            found,
            minutes: frame.slot_minutes,
        }
    } else if ts < start {
        CsvProblem::BeforeFrame {
            found,
            start: frame.start.to_string(),
        }
    } else if ts < expected {
        // Every earlier slot already has its row, in order.
        let slot = ((ts - start) / frame.slot_seconds()) as usize;
        CsvProblem::Duplicate {
            timestamp: found,
            first_line: row_lines.get(slot).copied().unwrap_or(0),
        }
    } else {
        let later_ts = |l: &[u8]| {
            let text = std::str::from_utf8(l).ok()?;
            UtcTime::parse(text.split(',').next()?)
                .ok()
                .map(UtcTime::unix)
        };
        match later.find(|(_, l)| later_ts(l) == Some(expected)) {
            Some((expected_line, _)) => CsvProblem::OutOfOrder {
                found,
                expected: fmt_unix(expected),
                expected_line,
            },
            None => CsvProblem::MissingSlot {
                expected: fmt_unix(expected),
                found,
            },
        }
    }
}

/// Parses a whole non-negative number of Wh within [`MAX_READING_WH`].
fn parse_wh(text: &str) -> Result<u32, CsvProblem> {
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if text.strip_prefix('-').is_some_and(digits) {
        return Err(CsvProblem::Negative(truncate_for_error(text)));
    }
    if !digits(text) {
        return Err(CsvProblem::NotANumber(truncate_for_error(text)));
    }
    let too_large = || CsvProblem::TooLarge {
        value: truncate_for_error(text),
        max: MAX_READING_WH,
    };
    let value: u64 = text.parse().map_err(|_| too_large())?;
    u32::try_from(value)
        .ok()
        .filter(|&v| v <= MAX_READING_WH)
        .ok_or_else(too_large)
}

/// Slot index as the frame's `u32` (callers stay below `frame.slots`).
fn frame_index(i: usize) -> u32 {
    u32::try_from(i).unwrap_or(u32::MAX)
}

/// A Unix time as `YYYY-MM-DDTHH:MM:SSZ`.
fn fmt_unix(secs: i64) -> String {
    chrono::DateTime::from_timestamp(secs, 0).map_or_else(
        || format!("{secs} s"),
        |t| t.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use zkmeter_circuits::CircuitSize;

    /// Four 15-minute slots from 2026-01-01T00:00Z.
    fn frame() -> Frame {
        let start = UtcTime::parse("2026-01-01T00:00:00Z").unwrap();
        Frame::new(start, 15, 4, CircuitSize::Day15Min).unwrap()
    }

    const GOOD: &str = "timestamp,wh\n\
        2026-01-01T00:00:00Z,10\n\
        2026-01-01T00:15:00Z,20\n\
        2026-01-01T00:30:00Z,0\n\
        2026-01-01T00:45:00Z,40\n";

    fn problem(text: &str) -> (usize, CsvProblem) {
        match parse_readings_csv(text.as_bytes(), &frame()) {
            Err(MeterError::Csv { line, problem }) => (line, problem),
            other => panic!("expected a CSV error, got {other:?}"),
        }
    }

    #[test]
    fn happy_path_with_and_without_header_bom_crlf_and_offsets() {
        let f = frame();
        assert_eq!(
            parse_readings_csv(GOOD.as_bytes(), &f).unwrap(),
            [10, 20, 0, 40]
        );
        let no_header = GOOD.split_once('\n').unwrap().1;
        assert_eq!(
            parse_readings_csv(no_header.as_bytes(), &f).unwrap(),
            [10, 20, 0, 40]
        );
        let crlf = format!(
            "\u{feff}{}\r\n\r\n  \n",
            GOOD.replace('\n', "\r\n").trim_end()
        );
        assert_eq!(
            parse_readings_csv(crlf.as_bytes(), &f).unwrap(),
            [10, 20, 0, 40]
        );
        let offsets = GOOD.replace("2026-01-01T00:15:00Z", "2026-01-01T01:15:00+01:00");
        assert_eq!(
            parse_readings_csv(offsets.as_bytes(), &f).unwrap(),
            [10, 20, 0, 40]
        );
        let written = readings_to_csv(&f, &[1, 2, 3, MAX_READING_WH]).unwrap();
        assert_eq!(
            parse_readings_csv(written.as_bytes(), &f).unwrap(),
            [1, 2, 3, MAX_READING_WH]
        );
    }

    #[test]
    fn timestamp_errors_name_the_line_and_the_slot() {
        let missing = GOOD.replace("2026-01-01T00:15:00Z,20\n", "");
        assert_eq!(
            problem(&missing),
            (
                3,
                CsvProblem::MissingSlot {
                    expected: "2026-01-01T00:15:00Z".into(),
                    found: "2026-01-01T00:30:00Z".into()
                }
            )
        );
        let swapped = GOOD.replace(
            "2026-01-01T00:15:00Z,20\n2026-01-01T00:30:00Z,0\n",
            "2026-01-01T00:30:00Z,0\n2026-01-01T00:15:00Z,20\n",
        );
        assert!(matches!(
            problem(&swapped),
            (
                3,
                CsvProblem::OutOfOrder {
                    expected_line: 4,
                    ..
                }
            )
        ));
        let dup = GOOD.replace("2026-01-01T00:30:00Z,0", "2026-01-01T00:15:00Z,0");
        assert_eq!(
            problem(&dup),
            (
                4,
                CsvProblem::Duplicate {
                    timestamp: "2026-01-01T00:15:00Z".into(),
                    first_line: 3
                }
            )
        );
        let off = GOOD.replace("00:30:00Z", "00:31:00Z");
        assert!(matches!(
            problem(&off),
            (4, CsvProblem::OffGrid { minutes: 15, .. })
        ));
        let before = GOOD.replace("2026-01-01T00:00:00Z", "2025-12-31T23:45:00Z");
        assert!(matches!(
            problem(&before),
            (2, CsvProblem::BeforeFrame { .. })
        ));
        let bad = GOOD.replace("2026-01-01T00:45:00Z", "yesterday");
        assert!(matches!(problem(&bad), (5, CsvProblem::BadTimestamp(_))));
    }

    #[test]
    fn value_errors_name_the_line() {
        type Check = fn(&CsvProblem) -> bool;
        let cases: [(&str, Check); 4] = [
            (
                "abc",
                |p| matches!(p, CsvProblem::NotANumber(v) if v == "abc"),
            ),
            ("1.5", |p| matches!(p, CsvProblem::NotANumber(_))),
            ("-3", |p| matches!(p, CsvProblem::Negative(v) if v == "-3")),
            ("16777216", |p| matches!(p, CsvProblem::TooLarge { .. })),
        ];
        for (value, check) in cases {
            let text = GOOD.replace(",20\n", &format!(",{value}\n"));
            let (line, p) = problem(&text);
            assert_eq!(line, 3, "{value}");
            assert!(check(&p), "{value}: {p:?}");
        }
        let huge = GOOD.replace(",20\n", ",99999999999999999999999\n");
        assert!(matches!(problem(&huge), (3, CsvProblem::TooLarge { .. })));
        let fields = GOOD.replace(",20\n", ",20,5\n");
        assert_eq!(problem(&fields), (3, CsvProblem::FieldCount(3)));
    }

    #[test]
    fn row_count_errors() {
        let extra = format!("{GOOD}2026-01-01T01:00:00Z,5\n");
        assert!(matches!(
            problem(&extra),
            (6, CsvProblem::ExtraRow { slots: 4, .. })
        ));
        let short = GOOD.replace("2026-01-01T00:45:00Z,40\n", "\n\n");
        assert_eq!(
            problem(&short),
            (
                5,
                CsvProblem::TooFewRows {
                    found: 3,
                    expected: 4,
                    next: "2026-01-01T00:45:00Z".into()
                }
            )
        );
        assert!(matches!(
            problem(""),
            (1, CsvProblem::TooFewRows { found: 0, .. })
        ));
        let gap = GOOD.replace("00:15:00Z,20\n", "00:15:00Z,20\n\n");
        assert_eq!(problem(&gap), (4, CsvProblem::BlankLine));
        let mut binary = GOOD.as_bytes().to_vec();
        binary[30] = 0xff;
        assert!(matches!(
            parse_readings_csv(&binary, &frame()),
            Err(MeterError::Csv {
                line: 2,
                problem: CsvProblem::NotUtf8
            })
        ));
    }

    #[test]
    fn oversized_input_is_refused_before_parsing() {
        let big = vec![b'\n'; MAX_CSV_BYTES as usize + 1];
        assert!(matches!(
            parse_readings_csv(&big, &frame()),
            Err(MeterError::TooLarge { .. })
        ));
    }
}
