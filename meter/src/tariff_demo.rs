//! A deterministic demo of a dynamic, half-hourly market-shaped tariff.
//!
//! This simulates what a utility publishes (in the spirit of Octopus Agile): one price per
//! half-hour, cheap overnight (~5-12 p/kWh), ~15-25 p/kWh by day, a 16:00-19:00 peak of
//! ~30-45 p/kWh, and on windy nights a few negative prices (down to about -5 p/kWh). It lives in
//! the simulator crate on purpose: a real utility brings its own tariff file.
//!
//! Promises: [`demo_tariff`] is deterministic in `(frame, seed)`, has one price per slot (a
//! 15-minute slot takes its half-hour's price, a 60-minute slot the mean of its two halves),
//! every price within [`MAX_ABS_PRICE`](zkmeter_circuit::constants::MAX_ABS_PRICE), prices in
//! micro-GBP per kWh (150 000 = 0.15 GBP/kWh), id `demo-<seed>-<YYYYMMDD of the frame start>`.
//! [`demo_tariff_in`] labels the same prices with another currency code (same numbers).
//! Like the household simulator, a half-hour's price depends on the seed and the day only.

use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use zkmeter_protocol::{Frame, Tariff};

use crate::error::MeterError;
use crate::{mix_seed, unit_f64};

/// Salt separating tariff randomness from the household simulator's.
const TARIFF_SALT: u64 = 0x7461_7269_6666_2121;
/// Micro-currency per penny (1 p = 0.01 GBP).
const MICRO_PER_PENNY: f64 = 10_000.0;

/// Base day shape, (hour, p/kWh), linearly interpolated.
const SHAPE: [(f64, f64); 16] = [
    (0.0, 11.0),
    (2.0, 9.0),
    (4.0, 7.0),
    (5.5, 9.0),
    (7.0, 16.0),
    (8.5, 22.0),
    (11.0, 18.0),
    (13.5, 15.0),
    (15.75, 21.0),
    (16.0, 32.0),
    (17.5, 40.0),
    (18.75, 36.0),
    (19.0, 26.0),
    (20.0, 22.0),
    (22.0, 16.0),
    (24.0, 11.0),
];

fn shape(hour: f64) -> f64 {
    SHAPE
        .windows(2)
        .find(|w| hour <= w[1].0)
        .map_or(SHAPE[0].1, |w| {
            let ((h0, p0), (h1, p1)) = (w[0], w[1]);
            p0 + (p1 - p0) * (hour - h0) / (h1 - h0)
        })
}

/// The 48 half-hourly prices (micro-currency per kWh) of UTC day `day` (days since 1970).
fn day_prices(seed: u64, day: i64) -> [i64; 48] {
    let mut rng = ChaCha20Rng::seed_from_u64(mix_seed(seed ^ TARIFF_SALT, day as u64));
    let level = 0.85 + 0.3 * unit_f64(&mut rng);
    let windy = unit_f64(&mut rng) < 0.25;
    let wind = 6.0 + 7.0 * unit_f64(&mut rng);
    let mut out = [0i64; 48];
    for (hh, price) in out.iter_mut().enumerate() {
        let hour = hh as f64 / 2.0 + 0.25;
        let mut p = shape(hour) * level + 3.0 * (unit_f64(&mut rng) - 0.5);
        if windy && hour < 6.0 {
            // Wind on a low-demand night: the deepest hours go below zero.
            p -= wind * bump_night(hour);
        }
        let p = p.clamp(-5.5, 60.0);
        // Whole hundredths of a penny, as published.
        *price = (p * 100.0).round() as i64 * (MICRO_PER_PENNY as i64 / 100);
    }
    out
}

/// 1 around 02:00-04:30, tapering to 0.3 at midnight and 06:00.
fn bump_night(hour: f64) -> f64 {
    if (2.0..4.5).contains(&hour) {
        1.0
    } else {
        0.3 + 0.7 * (1.0 - (hour - 3.25).abs().min(3.25) / 3.25)
    }
}

/// The currency of [`demo_tariff`].
pub const DEMO_CURRENCY: &str = "GBP";

/// A demo tariff for `frame`, deterministic in `seed`; currency [`DEMO_CURRENCY`].
pub fn demo_tariff(frame: &Frame, seed: u64) -> Result<Tariff, MeterError> {
    demo_tariff_in(frame, seed, DEMO_CURRENCY)
}

/// [`demo_tariff`]'s prices labelled with `currency` (3 upper-case letters, as the protocol
/// requires; anything else is an error).
pub fn demo_tariff_in(frame: &Frame, seed: u64, currency: &str) -> Result<Tariff, MeterError> {
    frame.validate()?;
    let mut cache: Option<(i64, [i64; 48])> = None;
    let mut half_hour = |t: i64| {
        let day = t.div_euclid(86_400);
        let hh = (t.rem_euclid(86_400) / 1800) as usize;
        let prices = match cache {
            Some((d, p)) if d == day => p,
            _ => {
                let p = day_prices(seed, day);
                cache = Some((day, p));
                p
            }
        };
        prices.get(hh).copied().unwrap_or(0)
    };
    let prices: Vec<i64> = (0..frame.slots)
        .map(|i| {
            let t = frame.slot_start(i);
            if frame.slot_minutes == 60 {
                (half_hour(t) + half_hour(t + 1800)).div_euclid(2)
            } else {
                half_hour(t)
            }
        })
        .collect();
    // An export tariff in the style of Agile Outgoing: a share of the import price, never
    // below zero (for two-register frames only).
    let export = frame.size.has_export().then(|| {
        prices
            .iter()
            .map(|&p| (p * 45 / 100 + 2_000).max(0))
            .collect()
    });
    let id = format!("demo-{seed}-{}", frame.start.to_datetime().format("%Y%m%d"));
    Ok(Tariff::with_registers(
        &id, currency, *frame, prices, export,
    )?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use zkmeter_circuit::constants::MAX_ABS_PRICE;
    use zkmeter_protocol::CircuitSize;
    use zkmeter_protocol::UtcTime;

    fn month(minutes: u16, size: CircuitSize) -> Frame {
        Frame::natural(
            UtcTime::parse("2026-01-01T00:00:00Z").unwrap(),
            minutes,
            size,
        )
        .unwrap()
    }

    fn mean_in(frame: &Frame, prices: &[i64], hours: std::ops::Range<i64>) -> f64 {
        let picked: Vec<i64> = (0..frame.slots)
            .filter(|&i| hours.contains(&(frame.slot_start(i).rem_euclid(86_400) / 3600)))
            .map(|i| prices[i as usize])
            .collect();
        picked.iter().sum::<i64>() as f64 / picked.len() as f64 / MICRO_PER_PENNY
    }

    #[test]
    fn deterministic_well_formed_and_market_shaped() {
        let f = month(30, CircuitSize::Month30Min);
        let t = demo_tariff(&f, 7).unwrap();
        assert_eq!(t, demo_tariff(&f, 7).unwrap());
        assert_ne!(t.prices, demo_tariff(&f, 8).unwrap().prices);
        assert_eq!(t.tariff_id, "demo-7-20260101");
        assert_eq!(t.currency, "GBP");
        assert_eq!(t.prices.len(), f.slots as usize);
        assert!(t.prices.iter().all(|p| p.abs() <= MAX_ABS_PRICE));
        assert!(t.prices.iter().all(|&p| (-60_000..=600_000).contains(&p)));
        let negative = t.prices.iter().filter(|&&p| p < 0).count();
        assert!(
            negative > 0 && negative < f.slots as usize / 20,
            "{negative} negative prices"
        );
        let night = mean_in(&f, &t.prices, 1..5);
        let day = mean_in(&f, &t.prices, 9..15);
        let peak = mean_in(&f, &t.prices, 16..19);
        assert!((3.0..12.0).contains(&night), "night {night} p");
        assert!((14.0..25.0).contains(&day), "day {day} p");
        assert!((30.0..45.0).contains(&peak), "peak {peak} p");
    }

    #[test]
    fn slot_lengths_share_the_half_hourly_prices() {
        let half = demo_tariff(&month(30, CircuitSize::Month30Min), 3).unwrap();
        let quarter = demo_tariff(&month(15, CircuitSize::Month15Min), 3).unwrap();
        assert_eq!(quarter.prices.len(), 2 * half.prices.len());
        for (i, &p) in half.prices.iter().enumerate() {
            assert_eq!(quarter.prices[2 * i], p);
            assert_eq!(quarter.prices[2 * i + 1], p);
        }
        let start = UtcTime::parse("2026-01-02T00:00:00Z").unwrap();
        let hourly = Frame::new(start, 60, 24, CircuitSize::Day15Min).unwrap();
        let h = demo_tariff(&hourly, 3).unwrap();
        assert_eq!(h.tariff_id, "demo-3-20260102");
        assert_eq!(
            h.prices[5],
            (half.prices[48 + 10] + half.prices[48 + 11]).div_euclid(2)
        );
    }

    #[test]
    fn another_currency_labels_the_same_prices() {
        let f = month(30, CircuitSize::Month30Min);
        let gbp = demo_tariff(&f, 4).unwrap();
        let eur = demo_tariff_in(&f, 4, "EUR").unwrap();
        assert_eq!(eur.currency, "EUR");
        assert_eq!((&eur.prices, &eur.tariff_id), (&gbp.prices, &gbp.tariff_id));
        assert_eq!(demo_tariff_in(&f, 4, DEMO_CURRENCY).unwrap(), gbp);
        let e = demo_tariff_in(&f, 4, "eur").unwrap_err();
        assert_eq!(e.to_string(), "bad currency 'eur'");
    }

    #[test]
    fn invalid_frame_is_an_error_not_a_panic() {
        let mut f = month(30, CircuitSize::Month30Min);
        f.slots = 5000;
        assert!(demo_tariff(&f, 1).is_err());
    }
}
