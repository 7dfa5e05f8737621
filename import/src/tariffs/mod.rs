//! Tariff importers and the one rule that puts prices onto a frame.
//!
//! Every source becomes a list of [`PriceInterval`]s (a UTC start, a length and a price in
//! micro-currency per kWh, each with its place in the file); [`prices_for_frame`] then gives
//! each slot the price of the interval that contains it:
//!
//! * an interval longer than the slot (hourly prices on a 15-minute frame) is repeated over
//!   every slot it contains;
//! * an interval shorter than the slot (15-minute prices on an hourly frame) is refused: one
//!   slot cannot have one price;
//! * two intervals with the same start, or overlapping, are refused; a slot no interval
//!   covers is refused with its timestamp.
//!
//! Conversion to micro-currency per kWh is exact where the decimal allows and otherwise
//! rounded half to even ([`to_micro`]); `|price| <= MAX_ABS_PRICE` is checked.

pub mod agile;
pub mod entsoe;
pub mod urdb;
pub mod urdb_charges;

use std::collections::BTreeMap;

use zkmeter_circuit::constants::MAX_ABS_PRICE;
use zkmeter_protocol::Frame;

use crate::decimal::Decimal;
use crate::error::ImportError;
use crate::readings::ts;

/// A price that applies from `start` for `seconds`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PriceInterval {
    /// Start, Unix seconds (UTC).
    pub start: i64,
    /// Length in seconds.
    pub seconds: i64,
    /// Micro-currency per kWh.
    pub micro_per_kwh: i64,
    /// Where it is in the file.
    pub at: String,
}

/// A decimal price converted: the fixed-point value and whether it had to round.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Converted {
    /// Micro-currency per kWh.
    pub micro_per_kwh: i64,
    /// True when the decimal had more precision than 1e-6 currency per kWh.
    pub rounded: bool,
}

/// Converts a decimal price to `value * 10^shift` micro-units per kWh, rounded half to even,
/// and checks `|price| <= MAX_ABS_PRICE`; `at` and `field` name the place for errors.
///
/// Shifts used: p/kWh (Agile) 4, EUR/MWh (ENTSO-E) 3, currency/kWh (URDB, adders) 6.
pub fn to_micro(
    value: &Decimal,
    shift: i32,
    at: &str,
    field: &str,
) -> Result<Converted, ImportError> {
    let (v, rounded) = value
        .scaled(shift)
        .map_err(|e| ImportError::decimal(at, field, e))?;
    if v.unsigned_abs() > MAX_ABS_PRICE as u128 {
        return Err(ImportError::BadValue {
            at: at.into(),
            field: field.into(),
            reason: format!("{v} micro-units/kWh exceeds the price bound {MAX_ABS_PRICE}"),
        });
    }
    Ok(Converted {
        micro_per_kwh: v as i64,
        rounded,
    })
}

/// Prices for every slot of `frame`; see the module docs for the rules.
pub fn prices_for_frame(points: &[PriceInterval], frame: &Frame) -> Result<Vec<i64>, ImportError> {
    frame.validate()?;
    let (start, end, slot) = (frame.start.unix(), frame.end(), frame.slot_seconds());
    let mut inside: BTreeMap<i64, &PriceInterval> = BTreeMap::new();
    for p in points {
        if p.seconds <= 0 {
            return Err(ImportError::BadValue {
                at: p.at.clone(),
                field: "interval".into(),
                reason: format!("length {} s is not positive", p.seconds),
            });
        }
        if p.start.saturating_add(p.seconds) <= start || p.start >= end {
            continue;
        }
        if let Some(first) = inside.insert(p.start, p) {
            return Err(ImportError::Duplicate {
                at: p.at.clone(),
                timestamp: ts(p.start),
                first: first.at.clone(),
            });
        }
    }
    let mut prev: Option<&PriceInterval> = None;
    for p in inside.values() {
        if let Some(q) = prev {
            if p.start < q.start + q.seconds {
                return Err(ImportError::Overlap {
                    at: p.at.clone(),
                    timestamp: ts(p.start),
                    other: format!("the price starting {} ({})", ts(q.start), q.at),
                });
            }
        }
        prev = Some(p);
    }
    let mut prices = Vec::with_capacity(frame.slots as usize);
    for i in 0..frame.slots {
        let s = frame.slot_start(i);
        let covering = inside
            .range(..=s)
            .next_back()
            .map(|(_, p)| *p)
            .filter(|p| p.start + p.seconds > s);
        let Some(p) = covering else {
            let next = inside
                .range(s..)
                .next()
                .map_or_else(|| "end of data".to_owned(), |(_, p)| p.at.clone());
            return Err(ImportError::Missing {
                at: format!("before {next}"),
                what: "price",
                timestamp: ts(s),
                hint: "",
            });
        };
        if p.start + p.seconds < s + slot {
            return Err(ImportError::Resolution {
                at: p.at.clone(),
                reason: format!(
                    "the price starting {} lasts {} s, less than the frame's {}-minute slot \
                     starting {}: finer prices cannot be put on a coarser frame",
                    ts(p.start),
                    p.seconds,
                    frame.slot_minutes,
                    ts(s)
                ),
            });
        }
        prices.push(p.micro_per_kwh);
    }
    Ok(prices)
}

#[cfg(test)]
mod tests {
    use super::*;
    use zkmeter_protocol::CircuitSize;
    use zkmeter_protocol::UtcTime;

    fn frame(minutes: u16, slots: u32) -> Frame {
        let start = UtcTime::parse("2026-01-01T00:00:00Z").unwrap();
        Frame::new(
            start,
            minutes,
            slots,
            CircuitSize::smallest_fitting(slots as usize, 1).unwrap(),
        )
        .unwrap()
    }

    fn p(min: i64, len: i64, price: i64) -> PriceInterval {
        PriceInterval {
            start: 1_767_225_600 + min * 60,
            seconds: len * 60,
            micro_per_kwh: price,
            at: format!("row {min}"),
        }
    }

    #[test]
    fn coarser_prices_repeat_and_finer_are_refused() {
        let hourly = vec![p(60, 60, -2), p(0, 60, 5)];
        assert_eq!(
            prices_for_frame(&hourly, &frame(15, 8)).unwrap(),
            vec![5, 5, 5, 5, -2, -2, -2, -2]
        );
        let e = prices_for_frame(&hourly, &frame(15, 9)).unwrap_err();
        assert!(
            matches!(&e, ImportError::Missing { timestamp, .. } if timestamp == "2026-01-01T02:00:00Z"),
            "{e}"
        );
        let halves = vec![p(0, 30, 1), p(30, 30, 2)];
        assert_eq!(
            prices_for_frame(&halves, &frame(30, 2)).unwrap(),
            vec![1, 2]
        );
        let e = prices_for_frame(&halves, &frame(60, 1)).unwrap_err();
        assert!(matches!(&e, ImportError::Resolution { .. }), "{e}");
        let dup = vec![p(0, 60, 1), p(0, 60, 2)];
        assert!(matches!(
            prices_for_frame(&dup, &frame(60, 1)),
            Err(ImportError::Duplicate { .. })
        ));
        let overlap = vec![p(0, 60, 1), p(30, 60, 2)];
        assert!(matches!(
            prices_for_frame(&overlap, &frame(30, 3)),
            Err(ImportError::Overlap { .. })
        ));
    }

    #[test]
    fn conversion_is_exact_or_rounds_half_even_and_is_bounded() {
        let d = |t| Decimal::parse(t).unwrap();
        assert_eq!(
            to_micro(&d("9.4815"), 4, "x", "p").unwrap(),
            Converted {
                micro_per_kwh: 94815,
                rounded: false
            }
        );
        assert_eq!(
            to_micro(&d("0.0000005"), 6, "x", "p").unwrap(),
            Converted {
                micro_per_kwh: 0,
                rounded: true
            }
        );
        assert_eq!(
            to_micro(&d("0.0000015"), 6, "x", "p").unwrap(),
            Converted {
                micro_per_kwh: 2,
                rounded: true
            }
        );
        let max = MAX_ABS_PRICE.to_string();
        assert!(to_micro(&d(&max), 0, "x", "p").is_ok());
        let over = (MAX_ABS_PRICE + 1).to_string();
        assert!(matches!(
            to_micro(&d(&over), 0, "x", "p"),
            Err(ImportError::BadValue { .. })
        ));
    }
}
