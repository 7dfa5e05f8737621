//! P1 telegrams (DSMR 4/5 in the Netherlands, e-MUCS in Belgium, the Luxembourg P1 port): a
//! file of the telegrams a meter sent, turned into per-slot import and export readings.
//!
//! The rules are written down in docs/protocol.md, "Importing readings and prices", P1.
//!
//! # The file
//!
//! * Telegrams one after the other, byte for byte as the meter sent them; only whitespace
//!   (space, tab, CR, LF) may stand between them. A file that starts inside a telegram (a
//!   capture begun mid-stream) is refused: its first telegram must start the file.
//! * A telegram is a header line `/XXX5ident`, COSEM lines `OBIS(value)(value)...` (a line
//!   `(value)` continues the line before it, as DSMR 2.2 gas lines do), blank lines, and the end
//!   line `!` + CRC. Every byte inside is printable ASCII; lines end in CR LF (or LF).
//! * The CRC (CRC-16/ARC: polynomial 0xA001 reflected, initial value 0) covers every byte from
//!   `/` up to and including `!`, and is written as hex digits (1 to 4: one real meter does not
//!   pad it). A telegram whose CRC does not match is refused, naming its line and both values.
//!   A telegram **without** a CRC (DSMR 2.2 / 3.0, `!` alone) is refused: nothing would detect
//!   line noise in it, and those telegrams carry no timestamp either, so they could not be
//!   placed in time.
//! * Caps: the file [`MAX_P1_FILE_BYTES`] (checked before parsing), a line
//!   [`MAX_P1_LINE_BYTES`], a telegram [`MAX_P1_TELEGRAM_BYTES`], at most [`MAX_P1_TELEGRAMS`]
//!   telegrams.
//!
//! # What is read from a telegram
//!
//! * `0-0:1.0.0(YYMMDDhhmmssX)`: local time in CET/CEST (NL, BE and LU share the rules of
//!   `Europe/Brussels`), `X` = `S` (summer, UTC+2) or `W` (winter, UTC+1). The flag places the
//!   repeated hour of the autumn change; a flag that does not match the zone's offset at that
//!   instant (`W` in July, a time inside the spring gap) is refused, as is an impossible date.
//! * Import = the sum of the tariff registers `1-0:1.8.1` + `1-0:1.8.2` (+ `1-0:1.8.3`..`.9`
//!   if the meter has more tariffs), export the same with `1-0:2.8.t`. Tariffs 1 and 2 must
//!   both be present when any tariff register is. The total register `1-0:1.8.0` / `1-0:2.8.0`
//!   (e-MUCS and Luxembourg meters) must then equal the sum exactly; a meter that shows only the
//!   total is read from it. Each value is `digits[.digits]*kWh` (converted exactly: a value that
//!   is not a whole number of Wh is refused, never rounded) or `digits*Wh` (the Luxembourg
//!   meter's unit), at most [`MAX_REGISTER_WH`]. A telegram needs a timestamp, an import and an
//!   export; a duplicate timestamp or register line is refused naming both lines.
//! * Every other line (power, voltages, gas, M-Bus, logs) is ignored after the syntax check.
//!
//! # Slots
//!
//! A slot's reading is the register difference between the telegrams exactly at its start and
//! its end (DSMR 5 meters send every second, DSMR 4 every 10 s). Each slot with both boundary
//! telegrams becomes one [`Interval`]; a slot missing either boundary has no interval, so
//! [`fit_to_frame`] refuses it (or fills it with [`Fill::Zero`](super::Fill::Zero) and reports
//! it). A difference is never split between slots: a missing boundary makes both of its slots
//! missing. The telegrams inside the frame (boundaries included) must have strictly increasing
//! timestamps and registers that never decrease (a meter reset or replacement is refused,
//! naming both timestamps); telegrams outside the frame are parsed and checked on their own but
//! not judged against each other.
//!
//! [`fit_to_frame`]: super::fit_to_frame

use std::path::Path;

use chrono::{DateTime, NaiveDate, Offset, TimeZone};
use chrono_tz::Tz;
use zkmeter_protocol::{Frame, UtcTime};

use super::{ts, Interval};
use crate::decimal::{truncate, Decimal};
use crate::error::{check_cap, ImportError};

/// Cap on a P1 file, checked before parsing: a day of DSMR 5 telegrams (one per second,
/// ~1 KB each, ~90 MB) or a month of DSMR 4 telegrams (one per 10 s, ~240 MB) fits.
pub const MAX_P1_FILE_BYTES: u64 = 256 << 20;
/// Longest line (without its line end). A DSMR 5 text message of 1024 characters is 2048 hex
/// digits on one line.
pub const MAX_P1_LINE_BYTES: usize = 4096;
/// Longest telegram, `/` to the end of its CRC line (real ones are 0.2 to 2 KB).
pub const MAX_P1_TELEGRAM_BYTES: usize = 16 << 10;
/// Most telegrams in one file.
pub const MAX_P1_TELEGRAMS: usize = 1 << 20;
/// Largest register value accepted: twelve digits of Wh (999 999 999.999 kWh).
pub const MAX_REGISTER_WH: u64 = 999_999_999_999;

/// The zone of the timestamps: CET/CEST. Amsterdam, Brussels and Luxembourg follow the same
/// EU rules in every year a telegram can carry (2000..2099).
const P1_ZONE: Tz = chrono_tz::Europe::Brussels;
/// `S`: summer time, UTC+2 (seconds east of UTC).
const SUMMER_OFFSET: i64 = 2 * 3600;
/// `W`: winter time, UTC+1.
const WINTER_OFFSET: i64 = 3600;
/// CRC-16/ARC: the reflected form of polynomial 0x8005.
const CRC_POLY: u16 = 0xA001;
/// OBIS reference of the telegram's timestamp.
const OBIS_TIME: &str = "0-0:1.0.0";
/// Prefix of the import registers `1-0:1.8.t` (t = 0 total, 1..9 tariffs).
const OBIS_IMPORT: &str = "1-0:1.8.";
/// Prefix of the export registers `1-0:2.8.t`.
const OBIS_EXPORT: &str = "1-0:2.8.";
/// Tariff digits 0 (total) to 9.
const REGISTERS: usize = 10;
/// What the errors call the input.
const WHAT: &str = "P1 telegram";

/// One telegram's readings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct P1Telegram {
    /// Where it starts (`line N`, the `/` header line).
    pub at: String,
    /// Its timestamp, Unix seconds (UTC).
    pub time: i64,
    /// Cumulative energy imported (delivered to the household), Wh.
    pub import_wh: u64,
    /// Cumulative energy exported (delivered by the household), Wh.
    pub export_wh: u64,
}

/// The slot readings of a P1 file for a frame.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct P1Readings {
    /// One interval per slot whose two boundary telegrams exist: the import difference.
    pub import: Vec<Interval>,
    /// The same slots' export difference.
    pub export: Vec<Interval>,
    /// Telegrams in the file (inside the frame or not).
    pub telegrams: usize,
    /// Slot boundaries (of `slots + 1`) with a telegram.
    pub boundaries: usize,
}

/// Reads a P1 file (capped at [`MAX_P1_FILE_BYTES`] before reading) for `frame`.
///
/// # Errors
/// A file error, or any of [`parse_p1`]'s.
pub fn read_p1(path: &Path, frame: &Frame) -> Result<P1Readings, ImportError> {
    let bytes = zkmeter_protocol::fs::read_capped(path, MAX_P1_FILE_BYTES, "P1 telegrams")?;
    parse_p1(&bytes, frame)
}

/// Parses a file of P1 telegrams and turns the telegrams at `frame`'s slot boundaries into
/// intervals; see the module docs for the rules.
///
/// # Errors
/// [`ImportError::TooLarge`] above the cap; otherwise the first refused telegram, line or
/// sequence, naming its line.
pub fn parse_p1(bytes: &[u8], frame: &Frame) -> Result<P1Readings, ImportError> {
    parse_p1_with(bytes, frame, &LIMITS)
}

/// Parses every telegram of a file, in file order, checked as one sequence (strictly
/// increasing timestamps, registers never decreasing).
///
/// # Errors
/// As [`parse_p1`].
pub fn parse_p1_telegrams(bytes: &[u8]) -> Result<Vec<P1Telegram>, ImportError> {
    check_cap(bytes, "P1 telegrams", LIMITS.file)?;
    let mut scanner = Scanner::new(bytes, &LIMITS);
    let mut sequence = Sequence::default();
    let mut out = vec![];
    while let Some(raw) = scanner.next_telegram()? {
        let telegram = parse_telegram(&raw)?;
        sequence.push(&telegram)?;
        out.push(telegram);
    }
    Ok(out)
}

/// The caps, as one value so tests can shrink them.
#[derive(Clone, Copy, Debug)]
struct Limits {
    file: u64,
    line: usize,
    telegram: usize,
    telegrams: usize,
}

const LIMITS: Limits = Limits {
    file: MAX_P1_FILE_BYTES,
    line: MAX_P1_LINE_BYTES,
    telegram: MAX_P1_TELEGRAM_BYTES,
    telegrams: MAX_P1_TELEGRAMS,
};

fn parse_p1_with(bytes: &[u8], frame: &Frame, limits: &Limits) -> Result<P1Readings, ImportError> {
    check_cap(bytes, "P1 telegrams", limits.file)?;
    frame.validate()?;
    let (start, end, slot) = (frame.start.unix(), frame.end(), frame.slot_seconds());
    let slots = frame.slots as usize;
    // One entry per boundary: memory is bounded by the frame, not by the file.
    let mut bounds: Vec<Option<P1Telegram>> = vec![None; slots + 1];
    let mut sequence = Sequence::default();
    let mut scanner = Scanner::new(bytes, limits);
    let mut telegrams = 0;
    while let Some(raw) = scanner.next_telegram()? {
        let telegram = parse_telegram(&raw)?;
        telegrams += 1;
        if telegram.time < start || telegram.time > end {
            continue;
        }
        sequence.push(&telegram)?;
        let offset = telegram.time - start;
        if offset % slot == 0 {
            // offset <= end - start = slots * slot, so the index is at most `slots`.
            if let Some(b) = bounds.get_mut((offset / slot) as usize) {
                *b = Some(telegram);
            }
        }
    }
    let mut import = vec![];
    let mut export = vec![];
    for (i, pair) in bounds.windows(2).enumerate() {
        let (Some(a), Some(b)) = (&pair[0], &pair[1]) else {
            continue;
        };
        let interval =
            |wh: u64| Interval::whole_wh(frame.slot_start(i as u32), slot, wh, a.at.clone());
        // Never saturates: the sequence check refused any decrease inside the frame.
        import.push(interval(b.import_wh.saturating_sub(a.import_wh)));
        export.push(interval(b.export_wh.saturating_sub(a.export_wh)));
    }
    let boundaries = bounds.iter().filter(|b| b.is_some()).count();
    Ok(P1Readings {
        import,
        export,
        telegrams,
        boundaries,
    })
}

/// The checks between consecutive telegrams.
#[derive(Default)]
struct Sequence {
    prev: Option<P1Telegram>,
}

impl Sequence {
    fn push(&mut self, t: &P1Telegram) -> Result<(), ImportError> {
        if let Some(p) = &self.prev {
            if t.time <= p.time {
                return Err(ImportError::BadValue {
                    at: t.at.clone(),
                    field: OBIS_TIME.into(),
                    reason: format!(
                        "{} is not after {} (the telegram at {}): timestamps must strictly increase",
                        ts(t.time),
                        ts(p.time),
                        p.at
                    ),
                });
            }
            for (name, before, after) in [
                ("import", p.import_wh, t.import_wh),
                ("export", p.export_wh, t.export_wh),
            ] {
                if after < before {
                    return Err(ImportError::BadValue {
                        at: t.at.clone(),
                        field: format!("{name} register"),
                        reason: format!(
                            "fell from {before} Wh at {} ({}) to {after} Wh at {}: a meter \
                             reset or replacement cannot be billed across",
                            ts(p.time),
                            p.at,
                            ts(t.time)
                        ),
                    });
                }
            }
        }
        self.prev = Some(t.clone());
        Ok(())
    }
}

/// CRC-16/ARC of `bytes` (the P1 telegram checksum).
fn crc16_arc(bytes: &[u8]) -> u16 {
    let mut crc = 0u16;
    for &b in bytes {
        crc ^= u16::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ CRC_POLY
            } else {
                crc >> 1
            };
        }
    }
    crc
}

/// A telegram cut out of the file, not yet checked beyond its bytes and line lengths.
struct RawTelegram<'a> {
    /// Line number of the `/` header.
    start_line: usize,
    /// `(line number, text without line end)` from the header to the line before `!`.
    lines: Vec<(usize, &'a str)>,
    /// Line number of the end line.
    end_line: usize,
    /// What follows the `!`.
    crc_text: &'a str,
    /// The bytes the CRC covers: `/` to `!` inclusive.
    covered: &'a [u8],
}

/// Cuts telegrams out of the file, one at a time.
struct Scanner<'a> {
    bytes: &'a [u8],
    pos: usize,
    line: usize,
    count: usize,
    limits: &'a Limits,
}

fn malformed(line: usize, reason: String) -> ImportError {
    ImportError::Malformed {
        what: WHAT,
        at: format!("line {line}"),
        reason,
    }
}

/// A byte as an error shows it.
fn describe(b: u8) -> String {
    if b.is_ascii_graphic() {
        format!("'{}'", b as char)
    } else {
        format!("byte 0x{b:02X}")
    }
}

impl<'a> Scanner<'a> {
    fn new(bytes: &'a [u8], limits: &'a Limits) -> Self {
        Scanner {
            bytes,
            pos: 0,
            line: 1,
            count: 0,
            limits,
        }
    }

    /// The next telegram, `None` at the end of the file.
    fn next_telegram(&mut self) -> Result<Option<RawTelegram<'a>>, ImportError> {
        while let Some(&b) = self.bytes.get(self.pos) {
            match b {
                b'\n' => self.line += 1,
                b' ' | b'\t' | b'\r' => {}
                _ => break,
            }
            self.pos += 1;
        }
        let Some(&first) = self.bytes.get(self.pos) else {
            return Ok(None);
        };
        if first != b'/' {
            let hint = if self.count == 0 {
                " (a capture that starts inside a telegram: remove the lines before the first '/')"
            } else {
                ""
            };
            return Err(malformed(
                self.line,
                format!(
                    "expected '/' starting a telegram, found {}{hint}",
                    describe(first)
                ),
            ));
        }
        if self.count == self.limits.telegrams {
            return Err(ImportError::structure(
                format!("line {}", self.line),
                format!(
                    "more than {} telegrams in one file; split it",
                    self.limits.telegrams
                ),
            ));
        }
        self.count += 1;
        let start = self.pos;
        let start_line = self.line;
        let mut lines = vec![];
        loop {
            if self.pos >= self.bytes.len() {
                return Err(malformed(
                    start_line,
                    format!(
                        "the telegram has no end line '!' (the file ends at line {})",
                        self.line
                    ),
                ));
            }
            let line_start = self.pos;
            let this_line = self.line;
            let window = (line_start + self.limits.line + 2).min(self.bytes.len());
            let (text_end, next) = match self.bytes[line_start..window]
                .iter()
                .position(|&b| b == b'\n')
            {
                Some(i) => (line_start + i, line_start + i + 1),
                // The last line of the file, or a line too long (refused just below).
                None => (window, window),
            };
            let raw = &self.bytes[line_start..text_end];
            let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
            if raw.len() > self.limits.line {
                return Err(malformed(
                    this_line,
                    format!("line is longer than {} bytes", self.limits.line),
                ));
            }
            if next - start > self.limits.telegram {
                return Err(malformed(
                    start_line,
                    format!(
                        "telegram is longer than {} bytes (no end line '!' by line {this_line})",
                        self.limits.telegram
                    ),
                ));
            }
            if let Some(col) = raw.iter().position(|&b| !(b' '..=b'~').contains(&b)) {
                return Err(malformed(
                    this_line,
                    format!(
                        "{} at column {} is not printable ASCII",
                        describe(raw[col]),
                        col + 1
                    ),
                ));
            }
            let text = std::str::from_utf8(raw)
                .map_err(|_| malformed(this_line, "not ASCII text".into()))?;
            if next > text_end {
                self.line += 1;
            }
            self.pos = next;
            match text.as_bytes().first() {
                Some(b'!') => {
                    return Ok(Some(RawTelegram {
                        start_line,
                        lines,
                        end_line: this_line,
                        crc_text: &text[1..],
                        covered: &self.bytes[start..=line_start],
                    }))
                }
                Some(b'/') if !lines.is_empty() => {
                    return Err(malformed(
                        start_line,
                        format!(
                            "the telegram has no end line '!' before the next telegram at line {this_line}"
                        ),
                    ))
                }
                _ => lines.push((this_line, text)),
            }
        }
    }
}

/// Which line a COSEM reference is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Obis {
    Time,
    Import(usize),
    Export(usize),
    Other,
}

fn classify(obis: &str) -> Obis {
    let tariff = |rest: &str| match rest.as_bytes() {
        [d] if d.is_ascii_digit() => Some(usize::from(d - b'0')),
        _ => None,
    };
    if obis == OBIS_TIME {
        Obis::Time
    } else if let Some(t) = obis.strip_prefix(OBIS_IMPORT).and_then(tariff) {
        Obis::Import(t)
    } else if let Some(t) = obis.strip_prefix(OBIS_EXPORT).and_then(tariff) {
        Obis::Export(t)
    } else {
        Obis::Other
    }
}

/// The values of `(a)(b)...`, which must be the whole of `text`.
fn groups(text: &str, line: usize) -> Result<Vec<&str>, ImportError> {
    let mut out = vec![];
    let mut rest = text;
    while !rest.is_empty() {
        let body = rest
            .strip_prefix('(')
            .ok_or_else(|| malformed(line, format!("expected '(' at '{}'", truncate(rest))))?;
        let close = body
            .find(['(', ')'])
            .filter(|&i| body.as_bytes()[i] == b')')
            .ok_or_else(|| malformed(line, "unbalanced parentheses".into()))?;
        out.push(&body[..close]);
        rest = &body[close + 1..];
    }
    Ok(out)
}

/// A register value `digits[.digits]*kWh` or `digits*Wh` in Wh.
fn register_wh(value: &str, obis: &str, line: usize) -> Result<u64, ImportError> {
    let bad = |reason: String| ImportError::BadValue {
        at: format!("line {line}"),
        field: obis.into(),
        reason,
    };
    let (number, unit) = value
        .split_once('*')
        .ok_or_else(|| bad(format!("'{}' has no unit (kWh or Wh)", truncate(value))))?;
    let shift = match unit {
        "kWh" => 3,
        "Wh" => 0,
        other => return Err(bad(format!("unit '{}' is not kWh or Wh", truncate(other)))),
    };
    let (int, frac) = number.split_once('.').unwrap_or((number, "0"));
    if int.is_empty()
        || frac.is_empty()
        || !int.bytes().all(|b| b.is_ascii_digit())
        || !frac.bytes().all(|b| b.is_ascii_digit())
    {
        return Err(bad(format!(
            "'{}' is not an unsigned decimal number",
            truncate(number)
        )));
    }
    let decimal = Decimal::parse(number)
        .map_err(|e| ImportError::decimal(format!("line {line}"), obis, e))?;
    let wh = decimal
        .scaled_exact(shift)
        .map_err(|e| ImportError::decimal(format!("line {line}"), obis, e))?
        .ok_or_else(|| bad(format!("{value} is not a whole number of Wh")))?;
    u64::try_from(wh)
        .ok()
        .filter(|&w| w <= MAX_REGISTER_WH)
        .ok_or_else(|| {
            bad(format!(
                "{} is above the bound of {MAX_REGISTER_WH} Wh",
                truncate(value)
            ))
        })
}

/// `YYMMDDhhmmssX` (CET/CEST, `X` = `S` or `W`) as Unix seconds.
fn timestamp(value: &str, line: usize) -> Result<i64, ImportError> {
    let bad = |reason: String| ImportError::BadValue {
        at: format!("line {line}"),
        field: OBIS_TIME.into(),
        reason,
    };
    let b = value.as_bytes();
    if b.len() != 13 || !b[..12].iter().all(u8::is_ascii_digit) {
        return Err(bad(format!("'{}' is not YYMMDDhhmmssX", truncate(value))));
    }
    let offset = match b[12] {
        b'S' => SUMMER_OFFSET,
        b'W' => WINTER_OFFSET,
        other => {
            return Err(bad(format!(
                "'{value}': DST flag {} is not S (summer) or W (winter)",
                describe(other)
            )))
        }
    };
    let two = |i: usize| u32::from(b[i] - b'0') * 10 + u32::from(b[i + 1] - b'0');
    let local = NaiveDate::from_ymd_opt(2000 + two(0) as i32, two(2), two(4))
        .and_then(|d| d.and_hms_opt(two(6), two(8), two(10)))
        .ok_or_else(|| bad(format!("'{value}' is not a real date and time")))?;
    let utc = local.and_utc().timestamp() - offset;
    let zone_offset = DateTime::from_timestamp(utc, 0)
        .map(|t| {
            i64::from(
                P1_ZONE
                    .offset_from_utc_datetime(&t.naive_utc())
                    .fix()
                    .local_minus_utc(),
            )
        })
        .ok_or_else(|| bad(format!("'{value}' is out of range")))?;
    if zone_offset != offset {
        let name = |o: i64| {
            if o == SUMMER_OFFSET {
                "summer time (UTC+2)"
            } else {
                "winter time (UTC+1)"
            }
        };
        return Err(bad(format!(
            "'{value}' says {}, but {P1_ZONE} is on {} at that instant (or the local time does not exist)",
            name(offset),
            name(zone_offset)
        )));
    }
    UtcTime::from_unix(utc).map_err(|e| bad(e.to_string()))?;
    Ok(utc)
}

/// One direction's registers: `regs[t]` is `1-0:x.8.t` as `(line, Wh)`.
fn total(
    regs: &[Option<(usize, u64)>; REGISTERS],
    prefix: &str,
    start_line: usize,
) -> Result<u64, ImportError> {
    let tariffs: Vec<(usize, u64)> = regs[1..].iter().flatten().copied().collect();
    if tariffs.is_empty() {
        return regs[0].map(|(_, wh)| wh).ok_or_else(|| {
            ImportError::structure(
                format!("line {start_line}"),
                format!("telegram has no {prefix}1 / {prefix}2 or {prefix}0 register"),
            )
        });
    }
    for t in [1, 2] {
        if regs[t].is_none() {
            return Err(ImportError::structure(
                format!("line {start_line}"),
                format!("telegram has tariff registers but no {prefix}{t}"),
            ));
        }
    }
    let sum = tariffs
        .iter()
        .try_fold(0u64, |s, &(_, wh)| s.checked_add(wh))
        .unwrap_or(u64::MAX);
    if let Some((line, wh)) = regs[0] {
        if wh != sum {
            return Err(ImportError::BadValue {
                at: format!("line {line}"),
                field: format!("{prefix}0"),
                reason: format!("total {wh} Wh is not the sum of the tariff registers, {sum} Wh"),
            });
        }
    }
    Ok(sum)
}

/// Checks a telegram's CRC and reads its timestamp and registers.
fn parse_telegram(raw: &RawTelegram<'_>) -> Result<P1Telegram, ImportError> {
    let at = format!("line {}", raw.start_line);
    let crc_text = raw.crc_text;
    if crc_text.is_empty() {
        return Err(ImportError::BadValue {
            at: format!("line {}", raw.end_line),
            field: "CRC".into(),
            reason: "is absent (a DSMR 2.2 / 3.0 telegram): it cannot be checked and is refused"
                .into(),
        });
    }
    if crc_text.len() > 4 || !crc_text.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(malformed(
            raw.end_line,
            format!(
                "end line '!{}' is not '!' followed by a 4-digit hex CRC",
                truncate(crc_text)
            ),
        ));
    }
    let written = u16::from_str_radix(crc_text, 16)
        .map_err(|_| malformed(raw.end_line, "CRC is not hexadecimal".into()))?;
    let computed = crc16_arc(raw.covered);
    if written != computed {
        let hint = if raw.covered.contains(&b'\r') {
            ""
        } else {
            " (its lines end in LF only: the CRC covers the CR LF the meter sent)"
        };
        return Err(ImportError::BadValue {
            at: format!("line {}", raw.end_line),
            field: "CRC".into(),
            reason: format!(
                "{written:04X} as written, but the telegram from line {} gives {computed:04X}{hint}",
                raw.start_line
            ),
        });
    }
    let Some((_, header)) = raw.lines.first() else {
        return Err(malformed(raw.start_line, "no header line".into()));
    };
    if header.len() < 2 {
        return Err(malformed(
            raw.start_line,
            "header '/' names no meter".into(),
        ));
    }
    let mut time: Option<(usize, i64)> = None;
    let mut import = [None; REGISTERS];
    let mut export = [None; REGISTERS];
    // Whether the line before was a COSEM line, and whether it was one this importer reads.
    let mut previous: Option<Obis> = None;
    for &(line, text) in &raw.lines[1..] {
        if text.is_empty() {
            previous = None;
            continue;
        }
        if text.starts_with('(') {
            match previous {
                Some(Obis::Other) => {
                    groups(text, line)?;
                    continue;
                }
                Some(_) => {
                    return Err(malformed(
                        line,
                        "a timestamp or register line cannot continue on the next line".into(),
                    ))
                }
                None => {
                    return Err(malformed(
                        line,
                        "a value line '(...)' without a COSEM line before it".into(),
                    ))
                }
            }
        }
        let open = text.find('(').ok_or_else(|| {
            malformed(
                line,
                format!("'{}' is not a COSEM line OBIS(value)", truncate(text)),
            )
        })?;
        let (obis, rest) = text.split_at(open);
        if !obis
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b':' | b'.' | b'*'))
        {
            return Err(malformed(
                line,
                format!("'{}' is not an OBIS reference", truncate(obis)),
            ));
        }
        let values = groups(rest, line)?;
        let kind = classify(obis);
        previous = Some(kind);
        if kind == Obis::Other {
            continue;
        }
        let [value] = values[..] else {
            return Err(malformed(
                line,
                format!("{obis} has {} values, expected one", values.len()),
            ));
        };
        let duplicate = |first: usize| {
            Err(ImportError::structure(
                format!("line {line}"),
                format!("duplicate {obis} line (first at line {first})"),
            ))
        };
        match kind {
            Obis::Time => {
                if let Some((first, _)) = time {
                    return duplicate(first);
                }
                time = Some((line, timestamp(value, line)?));
            }
            Obis::Import(t) | Obis::Export(t) => {
                let regs = if matches!(kind, Obis::Import(_)) {
                    &mut import
                } else {
                    &mut export
                };
                if let Some((first, _)) = regs[t] {
                    return duplicate(first);
                }
                regs[t] = Some((line, register_wh(value, obis, line)?));
            }
            Obis::Other => {}
        }
    }
    let (_, time) = time.ok_or_else(|| {
        ImportError::structure(at.clone(), format!("telegram has no {OBIS_TIME} timestamp"))
    })?;
    let import_wh = total(&import, OBIS_IMPORT, raw.start_line)?;
    let export_wh = total(&export, OBIS_EXPORT, raw.start_line)?;
    Ok(P1Telegram {
        at,
        time,
        import_wh,
        export_wh,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc_is_crc16_arc() {
        // The catalogue check value of CRC-16/ARC (reveng.sourceforge.io): "123456789" -> BB3D.
        assert_eq!(crc16_arc(b"123456789"), 0xBB3D);
        assert_eq!(crc16_arc(b""), 0);
    }

    #[test]
    fn timestamps_follow_the_flag_and_the_zone() {
        let t = |v: &str| timestamp(v, 1).map(ts);
        // Winter: UTC+1; summer: UTC+2.
        assert_eq!(t("240115120000W").unwrap(), "2024-01-15T11:00:00Z");
        assert_eq!(t("240715120000S").unwrap(), "2024-07-15T10:00:00Z");
        // 2023-10-29: 02:30 local happens twice; the flag tells which.
        assert_eq!(t("231029023000S").unwrap(), "2023-10-29T00:30:00Z");
        assert_eq!(t("231029023000W").unwrap(), "2023-10-29T01:30:00Z");
        // The changes themselves: 03:00 S = 01:00Z in autumn is already winter time.
        assert_eq!(t("231029020000W").unwrap(), "2023-10-29T01:00:00Z");
        assert_eq!(t("240331030000S").unwrap(), "2024-03-31T01:00:00Z");
        for bad in [
            "231029030000S", // 01:00Z is winter time
            "240331023000W", // inside the spring gap
            "240331023000S",
            "240715120000W",
            "240115120000S",
        ] {
            let e = t(bad).unwrap_err().to_string();
            assert!(e.contains("but Europe/Brussels is on"), "{bad}: {e}");
        }
        let e = t("240115120000X").unwrap_err().to_string();
        assert!(e.contains("DST flag 'X' is not S"), "{e}");
        let e = t("230229120000W").unwrap_err().to_string();
        assert!(e.contains("not a real date"), "{e}");
        let e = t("2401151200W").unwrap_err().to_string();
        assert!(e.contains("is not YYMMDDhhmmssX"), "{e}");
        // 2000-01-01 00:30 W is 1999-12-31T23:30Z: before the protocol's range.
        assert!(t("000101003000W").is_err());
    }

    #[test]
    fn registers_convert_exactly() {
        let r = |v: &str| register_wh(v, "1-0:1.8.1", 3);
        assert_eq!(r("001581.123*kWh").unwrap(), 1_581_123);
        assert_eq!(r("006545766*Wh").unwrap(), 6_545_766);
        assert_eq!(r("1.2340*kWh").unwrap(), 1234);
        assert_eq!(r("999999999.999*kWh").unwrap(), MAX_REGISTER_WH);
        for (bad, want) in [
            ("1.2345*kWh", "is not a whole number of Wh"),
            ("1.5*Wh", "is not a whole number of Wh"),
            ("1000000000.000*kWh", "above the bound"),
            ("-1.000*kWh", "not an unsigned decimal"),
            ("1e3*kWh", "not an unsigned decimal"),
            (".5*kWh", "not an unsigned decimal"),
            ("5.*kWh", "not an unsigned decimal"),
            ("1.000*MWh", "unit 'MWh' is not kWh or Wh"),
            ("1.000*kwh", "unit 'kwh' is not kWh or Wh"),
            ("1.000", "has no unit"),
        ] {
            let e = r(bad).unwrap_err().to_string();
            assert!(e.starts_with("line 3: 1-0:1.8.1 "), "{bad}: {e}");
            assert!(e.contains(want), "{bad}: {e}");
        }
        let e = r(&format!("{}*kWh", "9".repeat(40)))
            .unwrap_err()
            .to_string();
        assert!(e.contains("too many digits"), "{e}");
    }

    /// A minimal telegram with a correct CRC.
    fn sealed(body: &str) -> String {
        let covered = format!("{body}!");
        format!("{covered}{:04X}\r\n", crc16_arc(covered.as_bytes()))
    }

    const BODY: &str = "/TST5\\test\r\n\r\n0-0:1.0.0(240115120000W)\r\n\
        1-0:1.8.1(000001.000*kWh)\r\n1-0:1.8.2(000002.000*kWh)\r\n\
        1-0:2.8.1(000000.500*kWh)\r\n1-0:2.8.2(000000.000*kWh)\r\n";

    #[test]
    fn the_telegram_count_and_size_caps_hold() {
        let one = sealed(BODY);
        let small = Limits {
            telegrams: 2,
            ..LIMITS
        };
        let frame = |start: &str| {
            let size = zkmeter_protocol::CircuitSize::smallest_fitting(1, 1).unwrap();
            Frame::new(UtcTime::parse(start).unwrap(), 15, 1, size).unwrap()
        };
        // Copies of one telegram outside the frame are parsed but not judged against each other.
        let elsewhere = frame("2024-01-16T00:00:00Z");
        let two = parse_p1_with(one.repeat(2).as_bytes(), &elsewhere, &small).unwrap();
        assert_eq!((two.telegrams, two.boundaries), (2, 0));
        let e = parse_p1_with(one.repeat(3).as_bytes(), &elsewhere, &small).unwrap_err();
        assert_eq!(
            e.to_string(),
            "line 17: more than 2 telegrams in one file; split it"
        );
        let f = frame("2024-01-15T11:00:00Z");
        let tight = Limits {
            telegram: one.len() - 1,
            ..LIMITS
        };
        assert!(parse_p1_with(one.as_bytes(), &f, &LIMITS).is_ok());
        let e = parse_p1_with(one.as_bytes(), &f, &tight).unwrap_err();
        assert!(e.to_string().contains("telegram is longer than"), "{e}");
        let file = Limits {
            file: one.len() as u64 - 1,
            ..LIMITS
        };
        let e = parse_p1_with(one.as_bytes(), &f, &file).unwrap_err();
        assert!(matches!(e, ImportError::TooLarge { .. }), "{e}");
    }

    #[test]
    fn one_telegram_reads_exactly() {
        let t = parse_p1_telegrams(sealed(BODY).as_bytes()).unwrap();
        assert_eq!(
            t,
            vec![P1Telegram {
                at: "line 1".into(),
                time: 1_705_316_400,
                import_wh: 3000,
                export_wh: 500,
            }]
        );
    }
}
