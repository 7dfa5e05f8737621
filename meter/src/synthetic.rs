//! A deterministic synthetic household, for demos, tests and benchmarks.
//!
//! Promises: for a valid frame, [`synthetic_readings`] returns exactly `frame.slots` readings, each within
//! [`MAX_READING`], and the same `(seed, frame)` always gives the same readings (only IEEE
//! arithmetic, no platform maths functions). A slot's reading depends on the seed and the slot's
//! start and length only, so a day inside a month frame reads the same as that day's own frame.
//!
//! The model (UTC clock, which is fine for a simulator): a per-household base load of
//! 150-250 W; on weekdays a morning peak around 07:00-09:00 and an evening peak around
//! 17:00-21:00 of up to ~2.5 kW; on weekends a later, flatter morning and more daytime use;
//! a per-day level factor, per-slot noise and occasional appliance bursts. A slot's energy is
//! its average power times its length.
//!
//! [`synthetic_measured`] gives the same household in any [`EnergyUnit`] and, for a size with
//! an export register, with rooftop solar (a clear-sky bell of 3-5 kWp peak around 12:30 UTC,
//! scaled per day by a cloud factor): each slot's import is what consumption exceeds
//! generation by, its export what generation exceeds consumption by.

use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use zkmeter_circuit::constants::MAX_READING;
use zkmeter_protocol::{EnergyUnit, Frame};

use crate::record::Measured;

use crate::error::MeterError;
use crate::{mix_seed, unit_f64};

/// Salt separating the per-slot noise streams from the per-day ones.
const SLOT_SALT: u64 = 0x736c_6f74_6e6f_6973;

/// Parameters drawn once per household.
struct Household {
    base_w: f64,
    morning_w: f64,
    morning_h: f64,
    evening_w: f64,
    evening_h: f64,
    weekend_day_w: f64,
}

impl Household {
    fn new(seed: u64) -> Self {
        let mut rng = ChaCha20Rng::seed_from_u64(seed);
        let mut u = || unit_f64(&mut rng);
        Household {
            base_w: 150.0 + 100.0 * u(),
            morning_w: 600.0 + 600.0 * u(),
            morning_h: 7.25 + 0.75 * u(),
            evening_w: 1400.0 + 1000.0 * u(),
            evening_h: 18.5 + 1.0 * u(),
            weekend_day_w: 300.0 + 250.0 * u(),
        }
    }

    /// Expected power (W) at `hour` (fractional, UTC) on a weekday or weekend day.
    fn watts(&self, hour: f64, weekend: bool, shift: f64) -> f64 {
        let h = hour - shift;
        let mut w = self.base_w;
        if weekend {
            w += 0.6 * self.morning_w * bump(h, self.morning_h + 1.75, 2.5);
            w += self.weekend_day_w * bump(h, 13.5, 5.0);
            w += 0.9 * self.evening_w * bump(h, self.evening_h, 3.0);
        } else {
            w += self.morning_w * bump(h, self.morning_h, 1.5);
            w += 80.0 * bump(h, 12.5, 4.0);
            w += self.evening_w * bump(h, self.evening_h, 3.0);
        }
        w
    }
}

/// A smooth bump of height 1 at `centre` (hours, on the 24 h circle), zero beyond `half_width`.
fn bump(hour: f64, centre: f64, half_width: f64) -> f64 {
    let d = (hour - centre + 12.0).rem_euclid(24.0) - 12.0;
    let x = d / half_width;
    if x.abs() < 1.0 {
        let y = 1.0 - x * x;
        y * y
    } else {
        0.0
    }
}

/// Synthetic readings (Wh) for every slot of `frame`, deterministic in `seed`.
///
/// Fails only on an invalid frame.
pub fn synthetic_readings(frame: &Frame, seed: u64) -> Result<Vec<u32>, MeterError> {
    let watts = household_watts(frame, seed)?;
    let minutes = f64::from(frame.slot_minutes);
    Ok(watts
        .iter()
        .map(|w| to_unit(w * minutes / 60.0, EnergyUnit::WH))
        .collect())
}

/// The synthetic household of `seed` measured in `unit`; with solar panels (an export
/// register) when `frame.size` has one. Every slot measured.
///
/// Fails only on an invalid frame.
pub fn synthetic_measured(
    frame: &Frame,
    seed: u64,
    unit: EnergyUnit,
) -> Result<Measured, MeterError> {
    let watts = household_watts(frame, seed)?;
    let hours = f64::from(frame.slot_minutes) / 60.0;
    let solar = frame.size.has_export();
    let peak_w = 3000.0 + 2000.0 * unit_f64(&mut ChaCha20Rng::seed_from_u64(mix_seed(seed, 5)));
    let (mut import, mut export) = (Vec::new(), Vec::new());
    for (i, w) in watts.iter().enumerate() {
        let start = frame.slot_start(i as u32);
        let day = start.div_euclid(86_400);
        let hour = (start.rem_euclid(86_400) as f64 + 1800.0 * hours) / 3600.0;
        let clouds = 0.2
            + 0.8
                * unit_f64(&mut ChaCha20Rng::seed_from_u64(mix_seed(
                    seed,
                    7 ^ day as u64,
                )));
        let generated = if solar {
            peak_w * clouds * bump(hour, 12.5, 6.5)
        } else {
            0.0
        };
        import.push(to_unit((w - generated).max(0.0) * hours, unit));
        export.push(to_unit((generated - w).max(0.0) * hours, unit));
    }
    Ok(Measured {
        unit,
        import,
        export: solar.then_some(export),
        filled: 0,
    })
}

/// Wh to readings in `unit`, rounded, within the bound.
fn to_unit(wh: f64, unit: EnergyUnit) -> u32 {
    let scale = 10f64.powi(-i32::from(unit.exponent()));
    // Always finite and non-negative; the bound is far above any household slot.
    ((wh * scale).round().max(0.0) as u32).min(MAX_READING)
}

/// The household's average power (W) in every slot of `frame`.
fn household_watts(frame: &Frame, seed: u64) -> Result<Vec<f64>, MeterError> {
    frame.validate()?;
    let house = Household::new(seed);
    let minutes = f64::from(frame.slot_minutes);
    let mut day_cache: Option<(i64, f64, f64)> = None;
    let watts = (0..frame.slots)
        .map(|i| {
            let start = frame.slot_start(i);
            let day = start.div_euclid(86_400);
            let (level, shift) = match day_cache {
                Some((d, level, shift)) if d == day => (level, shift),
                _ => {
                    let mut rng = ChaCha20Rng::seed_from_u64(mix_seed(seed, day as u64));
                    let level = 0.85 + 0.3 * unit_f64(&mut rng);
                    let shift = 0.6 * (unit_f64(&mut rng) - 0.5);
                    day_cache = Some((day, level, shift));
                    (level, shift)
                }
            };
            // 1970-01-01 was a Thursday: Monday = 0 .. Sunday = 6.
            let weekend = (day + 3).rem_euclid(7) >= 5;
            let hour = (start.rem_euclid(86_400) as f64 + 30.0 * minutes) / 3600.0;
            let mut rng = ChaCha20Rng::seed_from_u64(mix_seed(seed ^ SLOT_SALT, start as u64));
            let mut watts =
                house.watts(hour, weekend, shift) * level * (0.9 + 0.2 * unit_f64(&mut rng));
            let awake = (6.5..23.0).contains(&hour);
            if awake && unit_f64(&mut rng) < 0.04 * minutes / 15.0 {
                // Kettle, oven or washing machine for part of the slot.
                watts += (1000.0 + 1000.0 * unit_f64(&mut rng)) * 15.0 / minutes.max(15.0);
            }
            watts
        })
        .collect();
    Ok(watts)
}

#[cfg(test)]
mod tests {
    use super::*;
    use zkmeter_protocol::CircuitSize;
    use zkmeter_protocol::UtcTime;

    fn month(minutes: u16, size: CircuitSize) -> Frame {
        // 2026-03-02 is a Monday.
        Frame::natural(
            UtcTime::parse("2026-03-01T00:00:00Z").unwrap(),
            minutes,
            size,
        )
        .unwrap()
    }

    /// Mean reading over slots whose UTC hour is in `hours` and whose weekday matches.
    fn mean(frame: &Frame, r: &[u32], hours: std::ops::Range<i64>, weekend: bool) -> f64 {
        let picked: Vec<f64> = (0..frame.slots)
            .filter(|&i| {
                let s = frame.slot_start(i);
                let day = s.div_euclid(86_400);
                hours.contains(&(s.rem_euclid(86_400) / 3600)) && ((day + 3) % 7 >= 5) == weekend
            })
            .map(|i| f64::from(r[i as usize]))
            .collect();
        picked.iter().sum::<f64>() / picked.len() as f64
    }

    #[test]
    fn deterministic_and_frame_independent() {
        let f = month(15, CircuitSize::Month15Min);
        let a = synthetic_readings(&f, 42).unwrap();
        assert_eq!(a, synthetic_readings(&f, 42).unwrap());
        assert_ne!(a, synthetic_readings(&f, 43).unwrap());
        assert_eq!(a.len(), f.slots as usize);
        // The third day of the month, as its own frame.
        let day = Frame::new(
            UtcTime::from_unix(f.slot_start(192)).unwrap(),
            15,
            96,
            CircuitSize::Day15Min,
        )
        .unwrap();
        assert_eq!(synthetic_readings(&day, 42).unwrap(), a[192..288]);
    }

    #[test]
    fn plausible_household_shape() {
        for (minutes, size) in [(15, CircuitSize::Month15Min), (30, CircuitSize::Month30Min)] {
            let f = month(minutes, size);
            for seed in 0..5 {
                let r = synthetic_readings(&f, seed).unwrap();
                assert!(r.iter().all(|&wh| wh > 0 && wh <= MAX_READING));
                let to_w = 60.0 / f64::from(minutes);
                let night = mean(&f, &r, 1..5, false) * to_w;
                let evening = mean(&f, &r, 17..21, false) * to_w;
                assert!((120.0..320.0).contains(&night), "night {night} W");
                assert!(
                    evening > 3.0 * night,
                    "evening {evening} W vs night {night} W"
                );
                assert!(evening < 3500.0, "evening {evening} W");
                // Weekends: more daytime use, later and flatter morning.
                assert!(mean(&f, &r, 11..15, true) > 1.5 * mean(&f, &r, 11..15, false));
                assert!(mean(&f, &r, 7..8, false) > 1.3 * mean(&f, &r, 7..8, true));
            }
        }
        let hourly = Frame::new(
            UtcTime::parse("2026-01-01T00:00:00Z").unwrap(),
            60,
            24,
            CircuitSize::Day15Min,
        )
        .unwrap();
        let total: u64 = synthetic_readings(&hourly, 9)
            .unwrap()
            .iter()
            .map(|&w| u64::from(w))
            .sum();
        assert!((4_000..20_000).contains(&total), "daily total {total} Wh");
    }

    #[test]
    fn invalid_frame_is_an_error() {
        let mut f = month(15, CircuitSize::Month15Min);
        f.slots = u32::MAX;
        assert!(synthetic_readings(&f, 1).is_err());
    }
}
