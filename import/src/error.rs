//! Typed import errors. Every error about a file's content names the place in the file: a
//! line (XML, CSV), a row, or a JSON path.

use chrono::NaiveDate;
use thiserror::Error;
use zkmeter_protocol::ProtocolError;

use crate::decimal::DecimalError;
use crate::tariffs::entsoe::Resolution;

/// Why an import failed.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum ImportError {
    /// The file could not be read, or is larger than its cap (checked before parsing).
    #[error("{0}")]
    File(#[from] zkmeter_protocol::FileError),
    /// The input is larger than its cap.
    #[error("{what} is {size} bytes, above the {cap}-byte cap")]
    TooLarge {
        /// What was read.
        what: &'static str,
        /// Its size.
        size: u64,
        /// The cap.
        cap: u64,
    },
    /// The text is not well-formed (XML, JSON, CSV syntax, encoding, truncation).
    #[error("{at}: malformed {what}: {reason}")]
    Malformed {
        /// The kind of file.
        what: &'static str,
        /// Where: `line N` (or `line N, column M`).
        at: String,
        /// What the parser said.
        reason: String,
    },
    /// A required element, field or column is absent, or has the wrong namespace.
    #[error("{at}: {what}")]
    Structure {
        /// Where.
        at: String,
        /// What is wrong.
        what: String,
    },
    /// A number in the file is not acceptable.
    #[error("{at}: {field} {reason}")]
    BadValue {
        /// Where.
        at: String,
        /// Which field.
        field: String,
        /// Why.
        reason: String,
    },
    /// A slot of the frame has no reading or price.
    #[error("{at}: missing {what} for the slot starting {timestamp}{hint}")]
    Missing {
        /// Where the gap was noticed.
        at: String,
        /// Readings or prices.
        what: &'static str,
        /// The slot's start (UTC).
        timestamp: String,
        /// How to go on, if there is a way.
        hint: &'static str,
    },
    /// Two intervals start at the same time.
    #[error("{at}: duplicate interval starting {timestamp} (first at {first})")]
    Duplicate {
        /// Where the second one is.
        at: String,
        /// Its start (UTC).
        timestamp: String,
        /// Where the first one is.
        first: String,
    },
    /// An interval starts before the previous one ends, or straddles the frame's edge.
    #[error("{at}: interval starting {timestamp} overlaps {other}")]
    Overlap {
        /// Where.
        at: String,
        /// Its start (UTC).
        timestamp: String,
        /// What it overlaps.
        other: String,
    },
    /// The source's interval length does not fit the frame's slot length.
    #[error("{at}: {reason}")]
    Resolution {
        /// Where.
        at: String,
        /// Why.
        reason: String,
    },
    /// A URDB rate's tiers do not split into a time-of-use price plus tier adders on the
    /// month's energy, or the frame is not the month they apply to.
    #[error("{at}: tiered rate: {reason}")]
    TiersDoNotSplit {
        /// JSON path of the tier.
        at: String,
        /// Why.
        reason: String,
    },
    /// An ENTSO-E document has series of two resolutions for the same hours (DE-LU publishes
    /// hourly and 15-minute prices side by side); one must be chosen.
    #[error(
        "{at}: the document has both a {finer} and a {coarser} series for the hours from {from} \
         to {to} (the other at {other}); choose one with --resolution {finer} or \
         --resolution {coarser}"
    )]
    TwoResolutions {
        /// Where the later of the two periods is.
        at: String,
        /// The finer resolution, e.g. PT15M.
        finer: Resolution,
        /// The coarser resolution, e.g. PT60M.
        coarser: Resolution,
        /// Start of the hours both cover (UTC).
        from: String,
        /// End of the hours both cover (UTC).
        to: String,
        /// Where the earlier period is.
        other: String,
    },
    /// A URDB rate is not in force on every day of the frame (its `startdate` / `enddate`).
    #[error(
        "{at}: the rate is in force {}, but the frame runs from {frame_first} to {frame_last} \
         ({frame_utc}; dates in {zone}): import the rate in force for those dates",
        in_force(.start_date, .end_date)
    )]
    NotInForce {
        /// JSON path of the date the frame falls outside (`.../startdate` or `.../enddate`).
        at: String,
        /// The rate's first day in force, if the record has a `startdate`.
        start_date: Option<NaiveDate>,
        /// The rate's last day in force, if the record has an `enddate`.
        end_date: Option<NaiveDate>,
        /// The local date of the frame's first instant.
        frame_first: NaiveDate,
        /// The local date of the frame's last instant.
        frame_last: NaiveDate,
        /// The frame in UTC, `START to END`.
        frame_utc: String,
        /// The time zone of the local dates.
        zone: String,
    },
    /// The frame or the values break a protocol rule.
    #[error("{0}")]
    Protocol(#[from] ProtocolError),
}

/// `from A to B`, `from A on` or `up to B` (inclusive dates).
fn in_force(start: &Option<NaiveDate>, end: &Option<NaiveDate>) -> String {
    match (start, end) {
        (Some(a), Some(b)) => format!("from {a} to {b}"),
        (Some(a), None) => format!("from {a} on"),
        (None, Some(b)) => format!("up to {b}"),
        (None, None) => "always".into(),
    }
}

impl ImportError {
    /// A [`ImportError::BadValue`] from a decimal parse failure.
    pub(crate) fn decimal(
        at: impl Into<String>,
        field: impl Into<String>,
        e: DecimalError,
    ) -> Self {
        ImportError::BadValue {
            at: at.into(),
            field: field.into(),
            reason: format!("is invalid: {e}"),
        }
    }

    /// A [`ImportError::Structure`].
    pub(crate) fn structure(at: impl Into<String>, what: impl Into<String>) -> Self {
        ImportError::Structure {
            at: at.into(),
            what: what.into(),
        }
    }
}

/// Refuses an input longer than `cap` bytes, before any parsing.
pub(crate) fn check_cap(bytes: &[u8], what: &'static str, cap: u64) -> Result<(), ImportError> {
    if bytes.len() as u64 > cap {
        return Err(ImportError::TooLarge {
            what,
            size: bytes.len() as u64,
            cap,
        });
    }
    Ok(())
}

/// The whole input as UTF-8 text; an invalid byte is reported with its line.
pub(crate) fn utf8_text<'a>(bytes: &'a [u8], what: &'static str) -> Result<&'a str, ImportError> {
    std::str::from_utf8(bytes).map_err(|e| ImportError::Malformed {
        what,
        at: line_at(bytes, e.valid_up_to()),
        reason: "not UTF-8 text".into(),
    })
}

/// The lines of a CSV file as `("line N", text)`, without the trailing CR; a line that is not
/// UTF-8 is an error naming it.
pub(crate) fn csv_lines<'a>(
    bytes: &'a [u8],
    what: &'static str,
) -> impl Iterator<Item = Result<(String, &'a str), ImportError>> {
    bytes
        .split(|&b| b == b'\n')
        .enumerate()
        .map(move |(index, raw)| {
            let at = format!("line {}", index + 1);
            let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
            match std::str::from_utf8(raw) {
                Ok(text) => Ok((at, text)),
                Err(_) => Err(ImportError::Malformed {
                    what,
                    at,
                    reason: "not UTF-8 text".into(),
                }),
            }
        })
}

/// `line N` for byte offset `pos` of `bytes`.
pub(crate) fn line_at(bytes: &[u8], pos: usize) -> String {
    let pos = pos.min(bytes.len());
    let line = bytes[..pos].iter().filter(|&&b| b == b'\n').count() + 1;
    format!("line {line}")
}

/// Line numbers for increasing byte offsets, counted incrementally (linear in the file size).
pub(crate) struct LineCounter<'a> {
    bytes: &'a [u8],
    pos: usize,
    line: usize,
}

impl<'a> LineCounter<'a> {
    /// A counter at the start of `bytes`.
    pub(crate) fn new(bytes: &'a [u8]) -> Self {
        LineCounter {
            bytes,
            pos: 0,
            line: 1,
        }
    }

    /// `line N` for byte offset `pos` (offsets may go backwards; that recounts).
    pub(crate) fn at(&mut self, pos: usize) -> String {
        let pos = pos.min(self.bytes.len());
        if pos < self.pos {
            self.pos = 0;
            self.line = 1;
        }
        self.line += self.bytes[self.pos..pos]
            .iter()
            .filter(|&&b| b == b'\n')
            .count();
        self.pos = pos;
        format!("line {}", self.line)
    }
}
