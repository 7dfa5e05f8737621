//! Readings importers and the one rule that puts intervals onto a frame.
//!
//! Every source (Green Button XML, CSV) first becomes a list of [`Interval`]s: a UTC start, a
//! length and an exact energy in Wh, each with its place in the file. [`fit_to_frame`] then
//! selects the frame's period and checks it strictly:
//!
//! * intervals wholly outside the frame are ignored (that is how `--start` selects a period);
//!   one that straddles the frame's start or end is refused;
//! * each interval's length must divide the slot length (15-min readings may fill 30- or 60-min
//!   slots, summed exactly); a longer interval is refused (energy is never split);
//! * two intervals with the same start are a duplicate, one starting inside another an overlap:
//!   both refused with the timestamp and place;
//! * a slot not fully covered is refused with its timestamp, unless [`Fill::Zero`] was asked
//!   for, in which case the missing parts count as 0 Wh and the filled slots are reported;
//! * each slot's total must be within `MAX_READING_WH`.

pub mod csv;
pub mod green_button;

use std::collections::BTreeMap;

use zkmeter_circuit::constants::MAX_READING_WH;
use zkmeter_protocol::{Frame, UtcTime};

use crate::error::ImportError;

/// One measured interval.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Interval {
    /// Start, Unix seconds (UTC).
    pub start: i64,
    /// Length in seconds.
    pub seconds: i64,
    /// Energy in Wh (exact, non-negative).
    pub wh: u64,
    /// Where it is in the file (`line 12`, `row 3`).
    pub at: String,
}

/// What to do with slots that have no reading.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Fill {
    /// Refuse the input, naming the first missing slot (the default).
    #[default]
    Reject,
    /// Count missing intervals as 0 Wh and report which slots were filled.
    Zero,
}

impl Fill {
    /// The name recorded in the period file's `fill` field, e.g. `zero-3-slots`.
    pub fn record_name(self, filled: usize) -> Option<String> {
        match self {
            Fill::Zero if filled > 0 => Some(format!("zero-{filled}-slots")),
            _ => None,
        }
    }
}

/// Readings for a frame.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FrameReadings {
    /// One value per slot, Wh.
    pub readings: Vec<u32>,
    /// Starts (UTC) of the slots filled with zeros under [`Fill::Zero`].
    pub filled: Vec<i64>,
}

/// RFC 3339 UTC text of Unix seconds (or the number when out of range).
pub(crate) fn ts(unix: i64) -> String {
    UtcTime::from_unix(unix).map_or_else(|_| format!("{unix} s"), |t| t.to_string())
}

/// Puts `intervals` (any order) onto `frame`; see the module docs for the rules.
pub fn fit_to_frame(
    intervals: &[Interval],
    frame: &Frame,
    fill: Fill,
) -> Result<FrameReadings, ImportError> {
    frame.validate()?;
    let (start, end, slot) = (frame.start.unix(), frame.end(), frame.slot_seconds());
    let mut inside: BTreeMap<i64, &Interval> = BTreeMap::new();
    for iv in intervals {
        let iv_end = iv.start.saturating_add(iv.seconds);
        if iv.seconds <= 0 {
            return Err(ImportError::BadValue {
                at: iv.at.clone(),
                field: "duration".into(),
                reason: format!("{} s is not positive", iv.seconds),
            });
        }
        if iv_end <= start || iv.start >= end {
            continue;
        }
        if iv.start < start || iv_end > end {
            return Err(ImportError::Overlap {
                at: iv.at.clone(),
                timestamp: ts(iv.start),
                other: format!(
                    "the frame's edge (the frame runs from {} to {})",
                    ts(start),
                    ts(end)
                ),
            });
        }
        if iv.seconds > slot || slot % iv.seconds != 0 {
            return Err(ImportError::Resolution {
                at: iv.at.clone(),
                reason: format!(
                    "a {}-second interval does not divide the frame's {}-minute slots \
                     (readings are never split; use a frame with {}-second or longer slots)",
                    iv.seconds, frame.slot_minutes, iv.seconds
                ),
            });
        }
        if (iv.start - start) % iv.seconds != 0 {
            return Err(ImportError::Resolution {
                at: iv.at.clone(),
                reason: format!(
                    "interval starting {} is not aligned to the frame's {}-second grid",
                    ts(iv.start),
                    iv.seconds
                ),
            });
        }
        if let Some(first) = inside.insert(iv.start, iv) {
            return Err(ImportError::Duplicate {
                at: iv.at.clone(),
                timestamp: ts(iv.start),
                first: first.at.clone(),
            });
        }
    }
    let slots = frame.slots as usize;
    let mut wh = vec![0u64; slots];
    let mut covered = vec![0i64; slots];
    let mut prev: Option<&Interval> = None;
    for iv in inside.values() {
        if let Some(p) = prev {
            if iv.start < p.start + p.seconds {
                // Report the later one in the file order-independent way: the one starting later.
                return Err(ImportError::Overlap {
                    at: iv.at.clone(),
                    timestamp: ts(iv.start),
                    other: format!("the interval starting {} ({})", ts(p.start), p.at),
                });
            }
        }
        prev = Some(iv);
        let i = ((iv.start - start) / slot) as usize;
        wh[i] += iv.wh;
        covered[i] += iv.seconds;
        if wh[i] > u64::from(MAX_READING_WH) {
            return Err(ImportError::BadValue {
                at: iv.at.clone(),
                field: "slot total".into(),
                reason: format!(
                    "{} Wh for the slot starting {} exceeds the bound {MAX_READING_WH} Wh",
                    wh[i],
                    ts(frame.slot_start(i as u32))
                ),
            });
        }
    }
    let mut filled = vec![];
    for (i, &c) in covered.iter().enumerate() {
        if c == slot {
            continue;
        }
        let slot_start = frame.slot_start(i as u32);
        if fill == Fill::Reject {
            let next = inside
                .range(slot_start..)
                .next()
                .map_or_else(|| "end of data".to_owned(), |(_, iv)| iv.at.clone());
            return Err(ImportError::Missing {
                at: format!("before {next}"),
                what: "reading",
                timestamp: ts(slot_start),
                hint: " (pass --fill-missing zero to bill it as 0 Wh)",
            });
        }
        filled.push(slot_start);
    }
    let readings = wh.into_iter().map(|w| w as u32).collect();
    Ok(FrameReadings { readings, filled })
}

#[cfg(test)]
mod tests {
    use super::*;
    use zkmeter_protocol::CircuitSize;

    fn frame(slot_minutes: u16, slots: u32) -> Frame {
        let start = UtcTime::parse("2026-01-01T00:00:00Z").unwrap();
        let size = CircuitSize::smallest_fitting(slots as usize).unwrap();
        Frame::new(start, slot_minutes, slots, size).unwrap()
    }

    fn iv(start_min: i64, minutes: i64, wh: u64) -> Interval {
        Interval {
            start: 1_767_225_600 + start_min * 60,
            seconds: minutes * 60,
            wh,
            at: format!("row {start_min}"),
        }
    }

    #[test]
    fn honest_intervals_fit_and_corruptions_are_named() {
        let f = frame(60, 3);
        let honest = vec![iv(120, 60, 3), iv(0, 60, 1), iv(60, 60, 2), iv(180, 60, 9)];
        let got = fit_to_frame(&honest, &f, Fill::Reject).unwrap();
        assert_eq!(got.readings, vec![1, 2, 3]);
        assert!(got.filled.is_empty());

        let mut dup = honest.clone();
        dup.push(iv(60, 60, 5));
        let e = fit_to_frame(&dup, &f, Fill::Reject).unwrap_err();
        assert!(
            matches!(&e, ImportError::Duplicate { timestamp, first, .. }
                if timestamp == "2026-01-01T01:00:00Z" && first == "row 60"),
            "{e}"
        );

        let gap = vec![iv(0, 60, 1), iv(120, 60, 3)];
        let e = fit_to_frame(&gap, &f, Fill::Reject).unwrap_err();
        assert!(
            matches!(&e, ImportError::Missing { timestamp, .. } if timestamp == "2026-01-01T01:00:00Z"),
            "{e}"
        );
        let got = fit_to_frame(&gap, &f, Fill::Zero).unwrap();
        assert_eq!(got.readings, vec![1, 0, 3]);
        assert_eq!(got.filled, vec![1_767_225_600 + 3600]);
        assert_eq!(Fill::Zero.record_name(1).as_deref(), Some("zero-1-slots"));

        let overlap = vec![iv(0, 60, 1), iv(60, 60, 2), iv(120, 60, 3), iv(90, 30, 1)];
        let e = fit_to_frame(&overlap, &frame(60, 3), Fill::Reject).unwrap_err();
        assert!(matches!(&e, ImportError::Overlap { .. }), "{e}");

        let straddle = vec![iv(-30, 60, 1)];
        let e = fit_to_frame(&straddle, &f, Fill::Reject).unwrap_err();
        assert!(matches!(&e, ImportError::Overlap { .. }), "{e}");
        assert_eq!(
            e.to_string(),
            "row -30: interval starting 2025-12-31T23:30:00Z overlaps the frame's edge (the \
             frame runs from 2026-01-01T00:00:00Z to 2026-01-01T03:00:00Z)"
        );
    }

    #[test]
    fn finer_readings_sum_into_slots_and_coarser_are_refused() {
        let quarter: Vec<Interval> = (0..8).map(|q| iv(q * 15, 15, q as u64)).collect();
        let got = fit_to_frame(&quarter, &frame(60, 2), Fill::Reject).unwrap();
        assert_eq!(got.readings, vec![6, 22]);
        let hourly = vec![iv(0, 60, 4)];
        let e = fit_to_frame(&hourly, &frame(15, 4), Fill::Reject).unwrap_err();
        assert!(matches!(&e, ImportError::Resolution { .. }), "{e}");
        let big = vec![iv(0, 60, u64::from(MAX_READING_WH) + 1)];
        let e = fit_to_frame(&big, &frame(60, 1), Fill::Reject).unwrap_err();
        assert!(
            matches!(&e, ImportError::BadValue { field, .. } if field == "slot total"),
            "{e}"
        );
    }
}
