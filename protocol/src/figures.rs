//! The public figures of one bill: what the utility learns, in the meter's unit and in the
//! common units every report, ledger and total uses (pico-currency, mWh), so bills of meters
//! that count in different units add up exactly.
//!
//! A bill in units of `10^(e - 9)` currency is `bill * 10^(e + 3)` pico-currency (`10^-12`);
//! an energy of `10^e` Wh is `energy * 10^(e + 3)` mWh. Both are exact (`e` is in `-3..=0`)
//! and far inside `i128` / `u64` (docs/protocol.md, "Why no sum wraps").

use serde::Serialize;

use crate::unit::{exact_decimal, EnergyUnit};

/// The figures a verified bill makes public.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct BillFigures {
    /// The unit the meter counted in.
    pub unit: EnergyUnit,
    /// The bill, in units of `10^(e - 9)` currency.
    pub bill: i128,
    /// The import energy, in `10^e` Wh.
    pub import_energy: u64,
    /// The export energy, in `10^e` Wh (0 for one register).
    pub export_energy: u64,
    /// Slots the meter did not measure (filled with zero).
    pub filled: u32,
}

impl BillFigures {
    /// `10^(e + 3)`: from the meter's units to pico-currency and mWh.
    fn scale(&self) -> u64 {
        10u64.pow(u32::from((self.unit.exponent() + 3).unsigned_abs()))
    }

    /// The bill in pico-currency (`10^-12` of the currency unit).
    pub fn bill_pico(&self) -> i128 {
        self.bill * i128::from(self.scale())
    }

    /// The import energy in mWh.
    pub fn import_mwh(&self) -> u64 {
        self.import_energy * self.scale()
    }

    /// The export energy in mWh.
    pub fn export_mwh(&self) -> u64 {
        self.export_energy * self.scale()
    }

    /// The bill as exact currency text (every digit that is not a trailing zero; at least
    /// two decimals), e.g. `95.8119196`.
    pub fn bill_text(&self) -> String {
        pico_text(self.bill_pico())
    }
}

/// Pico-currency as exact currency text, at least two decimals: `-1.5` -> `-1.50`.
pub fn pico_text(pico: i128) -> String {
    let sign = if pico < 0 { "-" } else { "" };
    format!("{sign}{}", exact_decimal(pico.unsigned_abs(), 12, 2))
}

/// mWh as exact kWh text, at least three decimals: `381420000` -> `381.420`.
pub fn mwh_as_kwh(mwh: u128) -> String {
    exact_decimal(mwh, 6, 3)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn figures_normalise_exactly() {
        let wh = BillFigures {
            unit: EnergyUnit::WH,
            bill: 95_811_919_600,
            import_energy: 381_420,
            export_energy: 0,
            filled: 0,
        };
        assert_eq!(wh.bill_pico(), 95_811_919_600_000);
        assert_eq!(wh.import_mwh(), 381_420_000);
        assert_eq!(wh.bill_text(), "95.8119196");
        assert_eq!(mwh_as_kwh(u128::from(wh.import_mwh())), "381.420");
        let mwh = BillFigures {
            unit: EnergyUnit::MILLI_WH,
            bill: -1,
            import_energy: 1_067_300,
            export_energy: 5,
            filled: 3,
        };
        assert_eq!(mwh.bill_pico(), -1);
        assert_eq!(mwh.bill_text(), "-0.000000000001");
        assert_eq!(mwh.import_mwh(), 1_067_300);
        assert_eq!(mwh_as_kwh(u128::from(mwh.export_mwh())), "0.000005");
        assert_eq!(pico_text(-1_500_000_000_000), "-1.50");
        assert_eq!(pico_text(0), "0.00");
    }
}
