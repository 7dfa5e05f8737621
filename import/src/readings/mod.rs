//! Readings importers and the one rule that puts intervals onto a frame.
//!
//! Every source (Green Button XML, CSV) first becomes lists of [`Interval`]s, one list per
//! register (import: energy delivered to the customer, OBIS 1.8.0; export: energy received
//! from the customer, OBIS 2.8.0): a UTC start, a length and the energy exactly as the file
//! states it (`value x 10^exponent` Wh), each with its place in the file.
//! [`fit_registers_to_frame`] (and [`fit_to_frame`], the same with no export register) then
//! selects the frame's period and checks it strictly:
//!
//! * intervals wholly outside the frame are ignored, never judged (not their unit, not their
//!   size): that is how `--start` selects a period; one that straddles the frame's start or end
//!   is refused;
//! * each interval's length must divide the slot length (15-min readings may fill 30- or 60-min
//!   slots, summed exactly); a longer interval is refused (energy is never split);
//! * two intervals with the same start are a duplicate, one starting inside another an overlap:
//!   both refused with the timestamp and place;
//! * the period's unit is `10^e` Wh with `e` the finest exponent among the intervals inside the
//!   frame, of both registers, clamped into `-3..=0`: a coarser value (kWh, `10^3`) is converted
//!   exactly, a finer one (`10^-4` Wh) must be a whole number of mWh or is refused, naming its
//!   timestamp;
//! * a slot not fully covered is refused with its timestamp, unless [`Fill::Zero`] was asked
//!   for, in which case the missing parts count as 0 and the filled slots are reported (a slot
//!   missing in either register counts once);
//! * each slot's total, per register, must be within `MAX_READING` units; a larger one is
//!   refused naming the slot's timestamp and the bound in the period's unit.
//!
//! The rules are written down in docs/protocol.md, "Readings onto a frame".

pub mod csv;
pub mod green_button;
pub mod p1;

use std::collections::BTreeMap;

use zkmeter_circuit::constants::MAX_READING;
use zkmeter_protocol::{EnergyUnit, Frame, UtcTime};

use crate::error::ImportError;

/// One measured interval, its energy exactly as the source states it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Interval {
    /// Start, Unix seconds (UTC).
    pub start: i64,
    /// Length in seconds.
    pub seconds: i64,
    /// Energy in units of `10^exponent` Wh (exact, non-negative).
    pub value: u64,
    /// The power of ten of `value`'s unit in Wh, any integer (a Green Button file's
    /// `powerOfTenMultiplier`: -3 for mWh, 3 for kWh).
    pub exponent: i32,
    /// Where it is in the file (`line 12`, `line 1, byte 5230`, `row 3`).
    pub at: String,
}

impl Interval {
    /// An interval of `wh` whole watt-hours (`exponent` 0).
    pub fn whole_wh(start: i64, seconds: i64, wh: u64, at: impl Into<String>) -> Self {
        Interval {
            start,
            seconds,
            value: wh,
            exponent: 0,
            at: at.into(),
        }
    }
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

/// Readings of one register for a frame.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FrameReadings {
    /// The unit of `readings`: the finest of the intervals inside the frame (Wh if none).
    pub unit: EnergyUnit,
    /// One value per slot, in `unit`, each at most `MAX_READING`.
    pub readings: Vec<u32>,
    /// Starts (UTC) of the slots filled with zeros under [`Fill::Zero`].
    pub filled: Vec<i64>,
}

/// Import and (optionally) export readings for a frame, in one unit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FrameRegisters {
    /// The unit of both registers: the finest of the intervals inside the frame (Wh if none).
    pub unit: EnergyUnit,
    /// Energy delivered to the customer, one value per slot, in `unit`.
    pub import: Vec<u32>,
    /// Energy received from the customer, one value per slot, in `unit`, when given.
    pub export: Option<Vec<u32>>,
    /// Starts (UTC) of the slots filled with zeros under [`Fill::Zero`] in either register,
    /// each once, in order.
    pub filled: Vec<i64>,
}

/// A meter register: which way the energy flowed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Register {
    Import,
    Export,
}

impl Register {
    /// The field named in a slot-total error.
    fn total_field(self) -> &'static str {
        match self {
            Register::Import => "slot total",
            Register::Export => "export slot total",
        }
    }

    /// What is missing in a gap error.
    fn missing(self) -> &'static str {
        match self {
            Register::Import => "reading",
            Register::Export => "export reading",
        }
    }
}

/// RFC 3339 UTC text of Unix seconds (or the number when out of range).
pub(crate) fn ts(unix: i64) -> String {
    UtcTime::from_unix(unix).map_or_else(|_| format!("{unix} s"), |t| t.to_string())
}

/// Puts `intervals` (any order) onto `frame` as one (import) register; see the module docs.
pub fn fit_to_frame(
    intervals: &[Interval],
    frame: &Frame,
    fill: Fill,
) -> Result<FrameReadings, ImportError> {
    let r = fit_registers_to_frame(intervals, None, frame, fill)?;
    Ok(FrameReadings {
        unit: r.unit,
        readings: r.import,
        filled: r.filled,
    })
}

/// Puts `import` and `export` intervals (any order) onto `frame` in one unit, the finer of
/// the two registers'; see the module docs.
pub fn fit_registers_to_frame(
    import: &[Interval],
    export: Option<&[Interval]>,
    frame: &Frame,
    fill: Fill,
) -> Result<FrameRegisters, ImportError> {
    frame.validate()?;
    let import_inside = inside_frame(import, frame)?;
    let export_inside = export.map(|e| inside_frame(e, frame)).transpose()?;
    let unit = finest_unit(
        import_inside
            .values()
            .chain(export_inside.iter().flat_map(|m| m.values()))
            .copied(),
    );
    let import_sums = slot_sums(&import_inside, frame, unit, Register::Import)?;
    let export_sums = export_inside
        .as_ref()
        .map(|m| slot_sums(m, frame, unit, Register::Export))
        .transpose()?;

    let slot = frame.slot_seconds();
    let mut filled = vec![];
    for i in 0..frame.slots {
        let mut gap = None;
        if import_sums.covered[i as usize] != slot {
            gap = Some((Register::Import, &import_inside));
        } else if let (Some(sums), Some(inside)) = (&export_sums, &export_inside) {
            if sums.covered[i as usize] != slot {
                gap = Some((Register::Export, inside));
            }
        }
        let Some((register, inside)) = gap else {
            continue;
        };
        let slot_start = frame.slot_start(i);
        if fill == Fill::Reject {
            let next = inside
                .range(slot_start..)
                .next()
                .map_or_else(|| "end of data".to_owned(), |(_, iv)| iv.at.clone());
            return Err(ImportError::Missing {
                at: format!("before {next}"),
                what: register.missing(),
                timestamp: ts(slot_start),
                hint: " (pass --fill-missing zero to bill it as 0 Wh)",
            });
        }
        filled.push(slot_start);
    }
    Ok(FrameRegisters {
        unit,
        import: import_sums.values(),
        export: export_sums.map(|s| s.values()),
        filled,
    })
}

/// The intervals of one register that lie in `frame`, by start, after the structural checks
/// (length, edges, grid, duplicates, overlaps). Intervals outside are not looked at further.
fn inside_frame<'a>(
    intervals: &'a [Interval],
    frame: &Frame,
) -> Result<BTreeMap<i64, &'a Interval>, ImportError> {
    let (start, end, slot) = (frame.start.unix(), frame.end(), frame.slot_seconds());
    let mut inside: BTreeMap<i64, &Interval> = BTreeMap::new();
    for iv in intervals {
        if iv.seconds <= 0 {
            return Err(ImportError::BadValue {
                at: iv.at.clone(),
                field: "duration".into(),
                reason: format!("{} s is not positive", iv.seconds),
            });
        }
        let iv_end = iv.start.saturating_add(iv.seconds);
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
    let mut prev: Option<&Interval> = None;
    for iv in inside.values() {
        if let Some(p) = prev {
            if iv.start < p.start + p.seconds {
                // Reported at the one starting later, whatever the file order.
                return Err(ImportError::Overlap {
                    at: iv.at.clone(),
                    timestamp: ts(iv.start),
                    other: format!("the interval starting {} ({})", ts(p.start), p.at),
                });
            }
        }
        prev = Some(iv);
    }
    Ok(inside)
}

/// `10^e` Wh with `e` the smallest exponent of `intervals`, clamped into the units a period
/// can have; Wh when there are none.
fn finest_unit<'a>(intervals: impl Iterator<Item = &'a Interval>) -> EnergyUnit {
    let finest = intervals.map(|iv| iv.exponent).min().unwrap_or(0).clamp(
        i32::from(EnergyUnit::MIN_EXPONENT),
        i32::from(EnergyUnit::MAX_EXPONENT),
    );
    // In range after the clamp, so `new` cannot refuse it.
    i8::try_from(finest)
        .ok()
        .and_then(|e| EnergyUnit::new(e).ok())
        .unwrap_or_default()
}

/// Per-slot sums of one register, in the period's unit, and the seconds each slot is covered.
struct SlotSums {
    sums: Vec<u64>,
    covered: Vec<i64>,
}

impl SlotSums {
    /// The sums as readings (each was checked against `MAX_READING`, so none is cut).
    fn values(&self) -> Vec<u32> {
        self.sums
            .iter()
            .map(|&s| u32::try_from(s).unwrap_or(u32::MAX))
            .collect()
    }
}

/// Sums the intervals of one register into the frame's slots, in `unit`, each slot within
/// `MAX_READING`.
fn slot_sums(
    inside: &BTreeMap<i64, &Interval>,
    frame: &Frame,
    unit: EnergyUnit,
    register: Register,
) -> Result<SlotSums, ImportError> {
    let slots = frame.slots as usize;
    let mut out = SlotSums {
        sums: vec![0; slots],
        covered: vec![0; slots],
    };
    for iv in inside.values() {
        let v = in_unit(iv, unit)?;
        let i = ((iv.start - frame.start.unix()) / frame.slot_seconds()) as usize;
        out.sums[i] = out.sums[i].saturating_add(v);
        out.covered[i] += iv.seconds;
        if out.sums[i] > u64::from(MAX_READING) {
            return Err(ImportError::BadValue {
                at: iv.at.clone(),
                field: register.total_field().into(),
                reason: format!(
                    "{} {unit} for the slot starting {} exceeds the bound {MAX_READING} {unit}",
                    out.sums[i],
                    ts(frame.slot_start(i as u32))
                ),
            });
        }
    }
    Ok(out)
}

/// The interval's energy in `unit`, exactly; a value finer than the unit (only possible below
/// mWh) must be a whole number of it.
fn in_unit(iv: &Interval, unit: EnergyUnit) -> Result<u64, ImportError> {
    if iv.value == 0 {
        return Ok(0);
    }
    if let Some(v) = unit.rescale(iv.value, iv.exponent) {
        return Ok(v);
    }
    let reason = if iv.exponent < i32::from(unit.exponent()) {
        format!(
            "{} x 10^{} Wh (interval starting {}) is not a whole number of {unit}, \
             the finest unit a period can have",
            iv.value,
            iv.exponent,
            ts(iv.start)
        )
    } else {
        format!(
            "{} x 10^{} Wh (interval starting {}) is above the bound {MAX_READING} {unit} \
             of a slot",
            iv.value,
            iv.exponent,
            ts(iv.start)
        )
    };
    Err(ImportError::BadValue {
        at: iv.at.clone(),
        field: "value".into(),
        reason,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use zkmeter_protocol::CircuitSize;

    /// 2026-01-01T00:00:00Z.
    const T0: i64 = 1_767_225_600;

    fn frame(slot_minutes: u16, slots: u32) -> Frame {
        let start = UtcTime::parse("2026-01-01T00:00:00Z").unwrap();
        let size = CircuitSize::smallest_fitting(slots as usize, 1).unwrap();
        Frame::new(start, slot_minutes, slots, size).unwrap()
    }

    /// `wh` whole Wh from minute `start_min` for `minutes`.
    fn iv(start_min: i64, minutes: i64, wh: u64) -> Interval {
        Interval::whole_wh(
            T0 + start_min * 60,
            minutes * 60,
            wh,
            format!("row {start_min}"),
        )
    }

    /// `value x 10^exponent` Wh from minute `start_min` for `minutes`.
    fn iv_e(start_min: i64, minutes: i64, value: u64, exponent: i32) -> Interval {
        Interval {
            exponent,
            value,
            ..iv(start_min, minutes, 0)
        }
    }

    #[test]
    fn honest_intervals_fit_and_corruptions_are_named() {
        let f = frame(60, 3);
        let honest = vec![iv(120, 60, 3), iv(0, 60, 1), iv(60, 60, 2), iv(180, 60, 9)];
        let got = fit_to_frame(&honest, &f, Fill::Reject).unwrap();
        assert_eq!(got.readings, vec![1, 2, 3]);
        assert_eq!(got.unit, EnergyUnit::WH);
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
            matches!(&e, ImportError::Missing { timestamp, what, .. }
                if timestamp == "2026-01-01T01:00:00Z" && *what == "reading"),
            "{e}"
        );
        let got = fit_to_frame(&gap, &f, Fill::Zero).unwrap();
        assert_eq!(got.readings, vec![1, 0, 3]);
        assert_eq!(got.filled, vec![T0 + 3600]);
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
    }

    #[test]
    fn the_unit_is_the_finest_exponent_inside_the_frame() {
        let f = frame(60, 2);
        // mWh throughout: the unit is mWh and the values are kept as they are.
        let mwh = vec![iv_e(0, 60, 1_067_300, -3), iv_e(60, 60, 437_401, -3)];
        let got = fit_to_frame(&mwh, &f, Fill::Reject).unwrap();
        assert_eq!(got.unit, EnergyUnit::MILLI_WH);
        assert_eq!(got.readings, vec![1_067_300, 437_401]);
        // Wh beside mWh: the Wh value is converted exactly into mWh.
        let mixed = vec![iv_e(0, 60, 1_067_300, -3), iv(60, 60, 437)];
        let got = fit_to_frame(&mixed, &f, Fill::Reject).unwrap();
        assert_eq!(got.unit, EnergyUnit::MILLI_WH);
        assert_eq!(got.readings, vec![1_067_300, 437_000]);
        // 10^-1 Wh beside kWh: the unit is 10^-1 Wh.
        let tenths = vec![iv_e(0, 60, 10_673, -1), iv_e(60, 60, 2, 3)];
        let got = fit_to_frame(&tenths, &f, Fill::Reject).unwrap();
        assert_eq!(got.unit, EnergyUnit::new(-1).unwrap());
        assert_eq!(got.readings, vec![10_673, 20_000]);
        // Coarser than Wh only (kWh): whole Wh.
        let kwh = vec![iv_e(0, 60, 2, 3), iv_e(60, 60, 0, 3)];
        let got = fit_to_frame(&kwh, &f, Fill::Reject).unwrap();
        assert_eq!((got.unit, got.readings), (EnergyUnit::WH, vec![2000, 0]));
        // Finer than mWh: clamped to mWh, exact when whole (12340 x 10^-4 Wh = 1234 mWh).
        let micro = vec![iv_e(0, 60, 12_340, -4), iv(60, 60, 1)];
        let got = fit_to_frame(&micro, &f, Fill::Reject).unwrap();
        assert_eq!(
            (got.unit, got.readings),
            (EnergyUnit::MILLI_WH, vec![1234, 1000])
        );
        // ... and refused, naming the reading's timestamp, when it is not.
        let mut odd = micro.clone();
        odd[0].value = 12_345;
        let e = fit_to_frame(&odd, &f, Fill::Reject).unwrap_err();
        let ImportError::BadValue { at, field, reason } = &e else {
            panic!("{e}")
        };
        assert_eq!((at.as_str(), field.as_str()), ("row 0", "value"));
        assert_eq!(
            reason,
            "12345 x 10^-4 Wh (interval starting 2026-01-01T00:00:00Z) is not a whole number \
             of mWh, the finest unit a period can have"
        );
    }

    #[test]
    fn readings_outside_the_frame_are_not_judged() {
        let f = frame(60, 2);
        let honest = vec![iv(0, 60, 5), iv(60, 60, 6)];
        let got = fit_to_frame(&honest, &f, Fill::Reject).unwrap();
        assert_eq!(
            (got.unit, got.readings.clone()),
            (EnergyUnit::WH, vec![5, 6])
        );
        // Outside the frame: a finer unit, a value finer than mWh, values far above any bound.
        let mut noisy = honest.clone();
        noisy.push(iv_e(-60, 60, 1_067_300, -3));
        noisy.push(iv_e(120, 60, 1, -40));
        noisy.push(iv_e(180, 60, u64::MAX, 99));
        noisy.push(iv(240, 60, u64::MAX));
        assert_eq!(fit_to_frame(&noisy, &f, Fill::Reject).unwrap(), got);
        // The same garbage inside the frame is refused, for what it is.
        let mut inside = honest.clone();
        inside[1] = iv_e(60, 60, u64::MAX, 99);
        let e = fit_to_frame(&inside, &f, Fill::Reject).unwrap_err();
        assert!(
            matches!(&e, ImportError::BadValue { at, reason, .. } if at == "row 60"
                && reason.ends_with("is above the bound 67108863 Wh of a slot")),
            "{e}"
        );
        inside[1] = iv_e(60, 60, 1, -40);
        let e = fit_to_frame(&inside, &f, Fill::Reject).unwrap_err();
        assert!(
            matches!(&e, ImportError::BadValue { reason, .. }
                if reason.contains("not a whole number of mWh")),
            "{e}"
        );
    }

    #[test]
    fn a_slot_total_at_the_bound_passes_and_one_above_is_refused() {
        let max = u64::from(MAX_READING);
        let f = frame(60, 2);
        // Two quarter-hours and a half-hour summing to exactly MAX_READING mWh in slot 1.
        let at_bound = vec![
            iv_e(0, 60, 1, -3),
            iv_e(60, 15, max - 1000, -3),
            iv_e(75, 15, 1, 0),
            iv_e(90, 30, 0, -3),
        ];
        let got = fit_to_frame(&at_bound, &f, Fill::Reject).unwrap();
        assert_eq!(got.unit, EnergyUnit::MILLI_WH);
        assert_eq!(got.readings, vec![1, MAX_READING]);
        // One mWh more is refused at the interval that crosses it, naming the slot and bound.
        let mut above = at_bound.clone();
        above[3].value = 1;
        let e = fit_to_frame(&above, &f, Fill::Reject).unwrap_err();
        let ImportError::BadValue { at, field, reason } = &e else {
            panic!("{e}")
        };
        assert_eq!((at.as_str(), field.as_str()), ("row 90", "slot total"));
        assert_eq!(
            reason,
            "67108864 mWh for the slot starting 2026-01-01T01:00:00Z exceeds the bound \
             67108863 mWh"
        );
        // In whole Wh the bound is MAX_READING Wh.
        let wh = vec![iv(0, 60, max), iv(60, 60, max + 1)];
        let e = fit_to_frame(&wh, &f, Fill::Reject).unwrap_err();
        assert_eq!(
            e.to_string(),
            "row 60: slot total 67108864 Wh for the slot starting 2026-01-01T01:00:00Z \
             exceeds the bound 67108863 Wh"
        );
    }

    #[test]
    fn import_and_export_share_one_unit_and_one_fill_list() {
        let f = frame(60, 3);
        let import = vec![iv(0, 60, 400), iv(60, 60, 300), iv(120, 60, 200)];
        let export = vec![
            iv_e(0, 60, 0, -3),
            iv_e(60, 60, 1_500, -3),
            iv_e(120, 60, 2, -3),
        ];
        let got = fit_registers_to_frame(&import, Some(&export), &f, Fill::Reject).unwrap();
        assert_eq!(got.unit, EnergyUnit::MILLI_WH);
        assert_eq!(got.import, vec![400_000, 300_000, 200_000]);
        assert_eq!(got.export, Some(vec![0, 1_500, 2]));
        assert!(got.filled.is_empty());
        // No export register: the same as fit_to_frame, in the import's own unit.
        let alone = fit_registers_to_frame(&import, None, &f, Fill::Reject).unwrap();
        let single = fit_to_frame(&import, &f, Fill::Reject).unwrap();
        assert_eq!((alone.unit, &alone.import), (single.unit, &single.readings));
        assert_eq!((alone.unit, alone.export), (EnergyUnit::WH, None));

        // A gap in each register: slot 0 in export, slots 1 (both) and 2 (import).
        let import_gap = vec![iv(0, 60, 400)];
        let export_gap = vec![iv_e(120, 60, 2, -3)];
        let e =
            fit_registers_to_frame(&import_gap, Some(&export_gap), &f, Fill::Reject).unwrap_err();
        assert!(
            matches!(&e, ImportError::Missing { timestamp, what, at, .. }
                if timestamp == "2026-01-01T00:00:00Z" && *what == "export reading"
                    && at == "before row 120"),
            "{e}"
        );
        let got = fit_registers_to_frame(&import_gap, Some(&export_gap), &f, Fill::Zero).unwrap();
        assert_eq!(got.import, vec![400_000, 0, 0]);
        assert_eq!(got.export, Some(vec![0, 0, 2]));
        assert_eq!(got.filled, vec![T0, T0 + 3600, T0 + 7200]);
        // A gap in export only, in the middle.
        let export_mid = vec![iv(0, 60, 1), iv(120, 60, 1)];
        let got = fit_registers_to_frame(&import, Some(&export_mid), &f, Fill::Zero).unwrap();
        assert_eq!((got.unit, got.filled), (EnergyUnit::WH, vec![T0 + 3600]));

        // The export register has its own bound check, named as such.
        let big = u64::from(MAX_READING) + 1;
        let export_big = vec![iv(0, 60, 0), iv(60, 60, big), iv(120, 60, 0)];
        let e = fit_registers_to_frame(&import, Some(&export_big), &f, Fill::Reject).unwrap_err();
        assert!(
            matches!(&e, ImportError::BadValue { field, .. } if field == "export slot total"),
            "{e}"
        );
        // And its own structural checks.
        let export_dup = vec![iv(0, 60, 0), iv(0, 60, 1)];
        let e = fit_registers_to_frame(&import, Some(&export_dup), &f, Fill::Zero).unwrap_err();
        assert!(matches!(&e, ImportError::Duplicate { .. }), "{e}");
    }
}
