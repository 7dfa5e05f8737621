//! The unit a meter counts energy in: `10^e` Wh, declared and signed by the meter per period.
//!
//! Readings are integers in this unit. European meters and most files count whole Wh
//! (`e = 0`); North American Green Button downloads count `10^-3` Wh (`powerOfTenMultiplier`
//! -3). The unit is not part of the circuit (which only sums integers): it fixes what the
//! integers mean, so it is in the signed statement and the proof's context. A bill is
//! `sum(price * reading)` with prices in micro-currency per kWh, so its unit is
//! `10^(e - 9)` currency (nano-currency at Wh, pico-currency at `10^-3` Wh); see
//! docs/protocol.md, "Units".

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::error::ProtocolError;

/// `10^e` Wh with `e` in [`EnergyUnit::MIN_EXPONENT`]`..=`[`EnergyUnit::MAX_EXPONENT`].
///
/// Encoded (postcard, JSON) as the exponent, an `i8`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "i8", into = "i8")]
pub struct EnergyUnit(i8);

impl EnergyUnit {
    /// The finest unit: `10^-3` Wh (one mWh).
    pub const MIN_EXPONENT: i8 = -3;
    /// The coarsest unit: one Wh.
    pub const MAX_EXPONENT: i8 = 0;
    /// Whole watt-hours.
    pub const WH: EnergyUnit = EnergyUnit(0);
    /// Milliwatt-hours, `10^-3` Wh.
    pub const MILLI_WH: EnergyUnit = EnergyUnit(-3);

    /// The unit `10^exponent` Wh.
    ///
    /// # Errors
    /// [`ProtocolError::BadUnit`] outside `-3..=0`.
    pub fn new(exponent: i8) -> Result<Self, ProtocolError> {
        if (Self::MIN_EXPONENT..=Self::MAX_EXPONENT).contains(&exponent) {
            Ok(EnergyUnit(exponent))
        } else {
            Err(ProtocolError::BadUnit(i32::from(exponent)))
        }
    }

    /// The exponent `e` of `10^e` Wh.
    pub fn exponent(self) -> i8 {
        self.0
    }

    /// How many of this unit make one kWh: `10^(3 - e)`.
    pub fn per_kwh(self) -> u64 {
        10u64.pow(u32::from((3 - self.0).unsigned_abs()))
    }

    /// Decimal places of a bill in currency units: a bill is in `10^(e - 9)` currency.
    pub fn bill_decimals(self) -> u32 {
        u32::from((9 - self.0).unsigned_abs())
    }

    /// `value` (in `10^from` Wh) in this unit, exactly: `None` when it is not a whole number
    /// of this unit (a finer source, e.g. `1067.3` Wh into whole Wh) or it overflows `u64`.
    pub fn rescale(self, value: u64, from: i32) -> Option<u64> {
        let shift = from.checked_sub(i32::from(self.0))?;
        if shift >= 0 {
            let factor = 10u64.checked_pow(u32::try_from(shift).ok()?)?;
            value.checked_mul(factor)
        } else {
            let divisor = 10u64.checked_pow(shift.unsigned_abs())?;
            value.is_multiple_of(divisor).then_some(value / divisor)
        }
    }

    /// An amount of energy in this unit as exact kWh text, e.g. `1.0673` (no rounding,
    /// trailing zeros kept to three decimals at least: `381.420`).
    pub fn format_kwh(self, value: u128) -> String {
        let decimals = 3 - i32::from(self.0);
        exact_decimal(value, decimals as u32, 3)
    }

    /// The unit's name as printed: `Wh`, `10^-1 Wh`, `10^-2 Wh`, `mWh`.
    pub fn name(self) -> &'static str {
        match self.0 {
            0 => "Wh",
            -1 => "10^-1 Wh",
            -2 => "10^-2 Wh",
            _ => "mWh",
        }
    }
}

impl Default for EnergyUnit {
    fn default() -> Self {
        EnergyUnit::WH
    }
}

impl TryFrom<i8> for EnergyUnit {
    type Error = ProtocolError;

    fn try_from(exponent: i8) -> Result<Self, Self::Error> {
        EnergyUnit::new(exponent)
    }
}

impl From<EnergyUnit> for i8 {
    fn from(unit: EnergyUnit) -> i8 {
        unit.0
    }
}

impl fmt::Display for EnergyUnit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// `value / 10^decimals` as exact decimal text with at least `min_decimals` decimals (trailing
/// zeros beyond that dropped).
pub fn exact_decimal(value: u128, decimals: u32, min_decimals: u32) -> String {
    let divisor = 10u128.pow(decimals);
    let (whole, frac) = (value / divisor, value % divisor);
    if decimals == 0 {
        return if min_decimals == 0 {
            whole.to_string()
        } else {
            format!("{whole}.{}", "0".repeat(min_decimals as usize))
        };
    }
    let mut frac = format!("{frac:0width$}", width = decimals as usize);
    while frac.len() > min_decimals as usize && frac.ends_with('0') {
        frac.pop();
    }
    while frac.len() < min_decimals as usize {
        frac.push('0');
    }
    if frac.is_empty() {
        whole.to_string()
    } else {
        format!("{whole}.{frac}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_are_bounded_and_round_trip() {
        for e in -3..=0 {
            let unit = EnergyUnit::new(e).unwrap();
            assert_eq!(unit.exponent(), e);
            let json = serde_json::to_string(&unit).unwrap();
            assert_eq!(json, e.to_string());
            assert_eq!(serde_json::from_str::<EnergyUnit>(&json).unwrap(), unit);
        }
        assert!(matches!(EnergyUnit::new(1), Err(ProtocolError::BadUnit(1))));
        assert!(matches!(
            EnergyUnit::new(-4),
            Err(ProtocolError::BadUnit(-4))
        ));
        assert!(serde_json::from_str::<EnergyUnit>("-6").is_err());
    }

    #[test]
    fn rescaling_is_exact_or_refused() {
        let wh = EnergyUnit::WH;
        let mwh = EnergyUnit::MILLI_WH;
        // 1067300 x 10^-3 Wh = 1067.3 Wh: exact in mWh, not in Wh.
        assert_eq!(mwh.rescale(1_067_300, -3), Some(1_067_300));
        assert_eq!(wh.rescale(1_067_300, -3), None);
        assert_eq!(wh.rescale(1_067_000, -3), Some(1067));
        // 2 kWh (multiplier 3) = 2000 Wh = 2,000,000 mWh.
        assert_eq!(wh.rescale(2, 3), Some(2000));
        assert_eq!(mwh.rescale(2, 3), Some(2_000_000));
        assert_eq!(mwh.rescale(u64::MAX, 0), None, "overflow");
        assert_eq!(wh.rescale(5, -40), None, "beyond any power of ten in u64");
    }

    #[test]
    fn kwh_and_decimals_are_exact() {
        assert_eq!(EnergyUnit::WH.format_kwh(381_420), "381.420");
        assert_eq!(EnergyUnit::WH.format_kwh(5), "0.005");
        assert_eq!(EnergyUnit::MILLI_WH.format_kwh(1_067_300), "1.0673");
        assert_eq!(EnergyUnit::MILLI_WH.format_kwh(1), "0.000001");
        assert_eq!(EnergyUnit::MILLI_WH.per_kwh(), 1_000_000);
        assert_eq!(EnergyUnit::WH.bill_decimals(), 9);
        assert_eq!(EnergyUnit::MILLI_WH.bill_decimals(), 12);
        assert_eq!(exact_decimal(95_811_919_600, 9, 2), "95.8119196");
        assert_eq!(exact_decimal(95_000_000_000, 9, 2), "95.00");
        assert_eq!(exact_decimal(7, 0, 0), "7");
    }
}
