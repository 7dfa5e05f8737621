//! The charges of a tariff beyond its per-slot prices: what turns a bill into an invoice.
//!
//! Every charge is a function of public figures the utility has after verification (the bill,
//! import and export energy) and of the frame (its days), so none of them is in the circuit.
//! They are part of the tariff file (version 3) and of its digest, so the plugin and the
//! utility compute the same invoice from the same file ([`crate::invoice`]).
//!
//! ```json
//! "charges": {
//!   "rounding": "half-even", "minor_unit": 2,
//!   "standing_charge_per_day": 604200, "fixed_charge_per_period": 0,
//!   "levies": [{ "label": "Energy tax", "per_kwh": 101540 }],
//!   "tiers": [{ "above_kwh": "500", "adder_per_kwh": 25000 }],
//!   "minimum_charge": 10000000,
//!   "taxes": [{ "label": "VAT", "percent": "21", "on": ["energy", "standing_charge"] }]
//! }
//! ```
//!
//! Money is in micro-currency (10^-6), like the prices; per-kWh amounts are micro-currency per
//! kWh. Energies (`above_kwh`) and percentages are exact decimal strings. Every field is
//! optional; unknown fields are refused.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::ProtocolError;
use crate::unit::exact_decimal;
use zkmeter_circuit::constants::MAX_ABS_PRICE;

/// Most levies, tiers or taxes a tariff may list.
pub const MAX_CHARGE_ITEMS: usize = 16;
/// Largest absolute money amount of one charge, in micro-currency (10^9 currency units).
pub const MAX_ABS_AMOUNT: i64 = 1_000_000_000_000_000;
/// Largest tax rate, in percent.
pub const MAX_PERCENT: u32 = 100;
/// Decimals a percentage may have (`8.875` has 3).
pub const PERCENT_DECIMALS: u32 = 4;
/// Largest tier threshold, in mWh (10^9 kWh: far above any period's energy).
pub const MAX_TIER_MWH: u64 = 1_000_000_000_000_000;

/// How a line's exact amount is rounded to the currency's minor unit.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Rounding {
    /// To the nearest minor unit, a tie to the even one (banker's rounding; the default).
    #[default]
    HalfEven,
    /// To the nearest minor unit, a tie away from zero (commercial rounding).
    HalfUp,
}

impl Rounding {
    /// `value / 10^shift` rounded by this rule (`shift >= 0`).
    pub fn divide(self, value: i128, shift: u32) -> i128 {
        self.divide_by(value, 10i128.pow(shift))
    }

    /// `value / d` rounded by this rule (`d > 0`).
    pub fn divide_by(self, value: i128, d: i128) -> i128 {
        let (q, r) = (value.div_euclid(d), value.rem_euclid(d));
        // q * d + r = value with 0 <= r < d: round q up when r is past half, or at half per rule.
        let up = match (2 * r).cmp(&d) {
            std::cmp::Ordering::Greater => true,
            std::cmp::Ordering::Less => false,
            std::cmp::Ordering::Equal => match self {
                Rounding::HalfEven => q.rem_euclid(2) == 1,
                // Away from zero: up for a positive value, down (toward -inf) for a negative one.
                Rounding::HalfUp => value >= 0,
            },
        };
        q + i128::from(up)
    }
}

impl fmt::Display for Rounding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Rounding::HalfEven => "half-even",
            Rounding::HalfUp => "half-up",
        })
    }
}

/// The kinds of invoice line a tax may name in its `on` list.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LineKind {
    /// The energy bill (import cost; net of export credit where it cannot be split).
    Energy,
    /// The export credit (negative), where the tariff credits every export at one rate.
    ExportCredit,
    /// The standing charge per day.
    StandingCharge,
    /// The fixed charge per period.
    FixedCharge,
    /// Every levy per kWh.
    Levies,
    /// Every tier charge.
    Tiers,
    /// The minimum-charge adjustment.
    MinimumCharge,
    /// A tax (never taxable itself).
    Tax,
}

/// A levy per kWh of imported energy.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Levy {
    /// Its name on the invoice.
    pub label: String,
    /// Micro-currency per kWh imported.
    pub per_kwh: i64,
}

/// A block tier: every kWh of the period's import energy above `above_kwh` (up to the next
/// tier's threshold) costs `adder_per_kwh` more (less, if negative) than its slot price.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tier {
    /// The threshold, exact kWh (up to 6 decimals).
    pub above_kwh: Kwh,
    /// Micro-currency per kWh in this tier, on top of the slot price.
    pub adder_per_kwh: i64,
}

/// A percentage tax.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tax {
    /// Its name on the invoice.
    pub label: String,
    /// The rate.
    pub percent: Percent,
    /// The lines it applies to; absent: every line before the taxes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on: Option<Vec<LineKind>>,
}

/// The charges of a tariff; see the module docs.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Charges {
    /// How each line is rounded (default half to even).
    #[serde(default)]
    pub rounding: Rounding,
    /// Decimals of the currency's minor unit (0..=6); absent: the currency's own
    /// ([`minor_unit_of`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub minor_unit: Option<u8>,
    /// Micro-currency per day of the frame ([`frame_days`](crate::invoice::frame_days)).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub standing_charge_per_day: Option<i64>,
    /// Micro-currency per period (a monthly fixed charge on a month frame).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fixed_charge_per_period: Option<i64>,
    /// Levies per kWh imported.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub levies: Vec<Levy>,
    /// Block tiers on the period's import energy, thresholds strictly increasing.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tiers: Vec<Tier>,
    /// Micro-currency: the least the lines before taxes may add up to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub minimum_charge: Option<i64>,
    /// Taxes, in order; each on lines before the taxes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub taxes: Vec<Tax>,
}

/// Decimals of a currency's minor unit: 0 for the ISO 4217 currencies without one (JPY, KRW,
/// ...), 3 for BHD, JOD, KWD, OMR, TND, LYD, IQD, 2 for every other code.
pub fn minor_unit_of(currency: &str) -> u8 {
    match currency {
        "BIF" | "CLP" | "DJF" | "GNF" | "ISK" | "JPY" | "KMF" | "KRW" | "PYG" | "RWF" | "UGX"
        | "UYI" | "VND" | "VUV" | "XAF" | "XOF" | "XPF" => 0,
        "BHD" | "IQD" | "JOD" | "KWD" | "LYD" | "OMR" | "TND" => 3,
        _ => 2,
    }
}

fn bad(field: impl Into<String>, reason: impl Into<String>) -> ProtocolError {
    ProtocolError::BadCharges {
        field: field.into(),
        reason: reason.into(),
    }
}

fn check_label(field: &str, label: &str) -> Result<(), ProtocolError> {
    let ok = !label.trim().is_empty()
        && label.chars().count() <= 64
        && !label.chars().any(char::is_control);
    if ok {
        Ok(())
    } else {
        Err(bad(
            field,
            format!(
                "label '{}' must be 1-64 characters without control characters",
                crate::ids::truncate_for_error(label)
            ),
        ))
    }
}

fn check_amount(field: &str, micro: i64, bound: i64) -> Result<(), ProtocolError> {
    if micro.unsigned_abs() <= bound.unsigned_abs() {
        Ok(())
    } else {
        Err(bad(
            field,
            format!("{micro} micro-currency is beyond the bound {bound}"),
        ))
    }
}

impl Charges {
    /// True when the tariff has no charge at all (the invoice is the bill, rounded).
    pub fn is_empty(&self) -> bool {
        self.standing_charge_per_day.is_none()
            && self.fixed_charge_per_period.is_none()
            && self.levies.is_empty()
            && self.tiers.is_empty()
            && self.minimum_charge.is_none()
            && self.taxes.is_empty()
    }

    /// The minor unit's decimals for `currency`: the explicit one, else the currency's.
    pub fn minor_unit(&self, currency: &str) -> u8 {
        self.minor_unit.unwrap_or_else(|| minor_unit_of(currency))
    }

    /// Checks every bound: amounts within [`MAX_ABS_AMOUNT`] (per kWh within the price
    /// bound), at most [`MAX_CHARGE_ITEMS`] of each list, labels printable, tiers strictly
    /// increasing, tax rates in 0..=100 %, a tax naming no line twice and never a tax, and a
    /// minimum charge not negative.
    pub fn validate(&self) -> Result<(), ProtocolError> {
        if let Some(m) = self.minor_unit {
            if m > 6 {
                return Err(bad("minor_unit", format!("{m} decimals (0 to 6)")));
            }
        }
        if let Some(s) = self.standing_charge_per_day {
            check_amount("standing_charge_per_day", s, MAX_ABS_AMOUNT)?;
        }
        if let Some(f) = self.fixed_charge_per_period {
            check_amount("fixed_charge_per_period", f, MAX_ABS_AMOUNT)?;
        }
        if let Some(m) = self.minimum_charge {
            check_amount("minimum_charge", m, MAX_ABS_AMOUNT)?;
            if m < 0 {
                return Err(bad("minimum_charge", "is negative"));
            }
        }
        for (what, len) in [
            ("levies", self.levies.len()),
            ("tiers", self.tiers.len()),
            ("taxes", self.taxes.len()),
        ] {
            if len > MAX_CHARGE_ITEMS {
                return Err(bad(
                    what,
                    format!("{len} entries (at most {MAX_CHARGE_ITEMS})"),
                ));
            }
        }
        for (i, levy) in self.levies.iter().enumerate() {
            let field = format!("levies[{i}]");
            check_label(&field, &levy.label)?;
            check_amount(&field, levy.per_kwh, MAX_ABS_PRICE)?;
        }
        let mut last: Option<u64> = None;
        for (i, tier) in self.tiers.iter().enumerate() {
            let field = format!("tiers[{i}]");
            check_amount(&field, tier.adder_per_kwh, MAX_ABS_PRICE)?;
            if last.is_some_and(|l| tier.above_kwh.mwh() <= l) {
                return Err(bad(
                    field,
                    format!(
                        "threshold {} kWh is not above the previous tier's",
                        tier.above_kwh
                    ),
                ));
            }
            last = Some(tier.above_kwh.mwh());
        }
        for (i, tax) in self.taxes.iter().enumerate() {
            let field = format!("taxes[{i}]");
            check_label(&field, &tax.label)?;
            if let Some(on) = &tax.on {
                if on.is_empty() {
                    return Err(bad(field, "'on' names no line"));
                }
                if on.contains(&LineKind::Tax) {
                    return Err(bad(field, "a tax applies to lines before the taxes only"));
                }
                let mut sorted = on.clone();
                sorted.sort();
                sorted.dedup();
                if sorted.len() != on.len() {
                    return Err(bad(field, "'on' names a line twice"));
                }
            }
        }
        Ok(())
    }
}

/// Parses `[-]digits[.digits]` with at most `decimals` decimals into `value * 10^decimals`.
fn parse_fixed(text: &str, decimals: u32) -> Option<i128> {
    let (negative, body) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let (whole, frac) = body.split_once('.').unwrap_or((body, ""));
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty() || !digits(whole) || !digits(frac) || frac.len() > decimals as usize {
        return None;
    }
    if body.contains('.') && frac.is_empty() {
        return None;
    }
    if whole.len() > 20 {
        return None;
    }
    let mut v: i128 = whole.parse().ok()?;
    for i in 0..decimals as usize {
        let d = frac.as_bytes().get(i).map_or(0, |b| b - b'0');
        v = v.checked_mul(10)?.checked_add(i128::from(d))?;
    }
    Some(if negative { -v } else { v })
}

/// An exact energy in kWh, at most 6 decimals (one mWh), written as a decimal string.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Kwh(u64);

impl Kwh {
    /// From mWh.
    pub fn from_mwh(mwh: u64) -> Result<Self, ProtocolError> {
        if mwh <= MAX_TIER_MWH {
            Ok(Kwh(mwh))
        } else {
            Err(bad(
                "above_kwh",
                format!("{mwh} mWh is beyond {MAX_TIER_MWH}"),
            ))
        }
    }

    /// Parses `12.5` (at most 6 decimals, not negative).
    pub fn parse(text: &str) -> Result<Self, ProtocolError> {
        let v = parse_fixed(text, 6)
            .filter(|v| *v >= 0)
            .and_then(|v| u64::try_from(v).ok())
            .ok_or_else(|| {
                bad(
                    "above_kwh",
                    format!(
                        "'{}' is not a kWh amount (digits, at most 6 decimals, not negative)",
                        crate::ids::truncate_for_error(text)
                    ),
                )
            })?;
        Self::from_mwh(v)
    }

    /// The energy in mWh.
    pub fn mwh(self) -> u64 {
        self.0
    }
}

impl fmt::Display for Kwh {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&exact_decimal(u128::from(self.0), 6, 0))
    }
}

/// A percentage in 0..=100 with at most [`PERCENT_DECIMALS`] decimals, written as a decimal
/// string (`"19"`, `"8.875"`); held as millionths (`8.875 %` = 88 750).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Percent(u32);

impl Percent {
    /// From millionths of one (`10^-4` percent): `1_000_000` is 100 %.
    pub fn from_millionths(m: u32) -> Result<Self, ProtocolError> {
        if m <= MAX_PERCENT * 10_000 {
            Ok(Percent(m))
        } else {
            Err(bad(
                "percent",
                format!("{m} millionths is above {MAX_PERCENT} %"),
            ))
        }
    }

    /// Parses `19` or `8.875`.
    pub fn parse(text: &str) -> Result<Self, ProtocolError> {
        let v = parse_fixed(text, PERCENT_DECIMALS)
            .filter(|v| *v >= 0)
            .and_then(|v| u32::try_from(v).ok())
            .ok_or_else(|| {
                bad(
                    "percent",
                    format!(
                        "'{}' is not a percentage (digits, at most {PERCENT_DECIMALS} decimals)",
                        crate::ids::truncate_for_error(text)
                    ),
                )
            })?;
        Self::from_millionths(v)
    }

    /// The rate in millionths of one.
    pub fn millionths(self) -> u32 {
        self.0
    }
}

impl fmt::Display for Percent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&exact_decimal(u128::from(self.0), PERCENT_DECIMALS, 0))
    }
}

/// Serde for an exact decimal type: its decimal text in JSON (and other human-readable
/// formats), its integer (`$int`, read back through `$from`) in postcard, where the digest
/// hashes it.
macro_rules! decimal_serde {
    ($ty:ident, $int:ty, $from:ident) => {
        impl Serialize for $ty {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                if s.is_human_readable() {
                    s.serialize_str(&self.to_string())
                } else {
                    self.0.serialize(s)
                }
            }
        }

        impl<'de> Deserialize<'de> for $ty {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                use serde::de::Error;
                if d.is_human_readable() {
                    $ty::parse(&String::deserialize(d)?).map_err(D::Error::custom)
                } else {
                    $ty::$from(<$int>::deserialize(d)?).map_err(D::Error::custom)
                }
            }
        }
    };
}

decimal_serde!(Kwh, u64, from_mwh);
decimal_serde!(Percent, u32, from_millionths);

/// Parses an amount of currency (`0.6042`, `-1.5`) into micro-currency, exactly: at most 6
/// decimals. For the CLI flags and importers.
pub fn parse_micro(text: &str) -> Result<i64, ProtocolError> {
    parse_fixed(text, 6)
        .and_then(|v| i64::try_from(v).ok())
        .filter(|v| v.unsigned_abs() <= MAX_ABS_AMOUNT.unsigned_abs())
        .ok_or_else(|| {
            bad(
                "amount",
                format!(
                    "'{}' is not an amount of currency (digits, at most 6 decimals, at most 10^9)",
                    crate::ids::truncate_for_error(text)
                ),
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounding_rules_at_and_around_the_half() {
        let e = Rounding::HalfEven;
        let u = Rounding::HalfUp;
        // 0.125 -> two decimals: 12.5 hundredths.
        assert_eq!(e.divide(125, 1), 12);
        assert_eq!(u.divide(125, 1), 13);
        assert_eq!(e.divide(135, 1), 14);
        assert_eq!(u.divide(135, 1), 14);
        assert_eq!(e.divide(-125, 1), -12);
        assert_eq!(u.divide(-125, 1), -13);
        assert_eq!(e.divide(-135, 1), -14);
        assert_eq!(e.divide(124, 1), 12);
        assert_eq!(e.divide(126, 1), 13);
        assert_eq!(e.divide(-126, 1), -13);
        assert_eq!(e.divide(-124, 1), -12);
        assert_eq!(e.divide(7, 0), 7);
    }

    #[test]
    fn decimal_fields_are_exact_and_bounded() {
        assert_eq!(Kwh::parse("500").unwrap().mwh(), 500_000_000);
        assert_eq!(Kwh::parse("0.000001").unwrap().mwh(), 1);
        assert_eq!(Kwh::parse("30000.5").unwrap().to_string(), "30000.5");
        for bad in ["-1", "1.0000001", "", "1.", ".5", "1e3", "x", "1,5"] {
            assert!(Kwh::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(Percent::parse("8.875").unwrap().millionths(), 88_750);
        assert_eq!(Percent::parse("100").unwrap().millionths(), 1_000_000);
        assert_eq!(Percent::parse("19").unwrap().to_string(), "19");
        assert!(Percent::parse("100.0001").is_err());
        assert!(Percent::parse("5.00001").is_err());
        assert_eq!(parse_micro("0.6042").unwrap(), 604_200);
        assert_eq!(parse_micro("-1.5").unwrap(), -1_500_000);
        assert!(parse_micro("0.0000001").is_err());
        assert!(parse_micro("1000000001").is_err());
    }

    #[test]
    fn invalid_charges_are_refused_naming_the_field() {
        let ok = Charges {
            tiers: vec![
                Tier {
                    above_kwh: Kwh::parse("100").unwrap(),
                    adder_per_kwh: 1,
                },
                Tier {
                    above_kwh: Kwh::parse("200").unwrap(),
                    adder_per_kwh: 2,
                },
            ],
            ..Charges::default()
        };
        ok.validate().unwrap();
        let mut same = ok.clone();
        same.tiers[1].above_kwh = same.tiers[0].above_kwh;
        let e = same.validate().unwrap_err().to_string();
        assert!(e.contains("tiers[1]") && e.contains("not above"), "{e}");

        let tax = |on: Option<Vec<LineKind>>| Charges {
            taxes: vec![Tax {
                label: "VAT".into(),
                percent: Percent::parse("20").unwrap(),
                on,
            }],
            ..Charges::default()
        };
        tax(None).validate().unwrap();
        tax(Some(vec![LineKind::Energy])).validate().unwrap();
        assert!(tax(Some(vec![])).validate().is_err());
        assert!(tax(Some(vec![LineKind::Tax])).validate().is_err());
        assert!(tax(Some(vec![LineKind::Energy, LineKind::Energy]))
            .validate()
            .is_err());

        let negative_minimum = Charges {
            minimum_charge: Some(-1),
            ..Charges::default()
        };
        assert!(negative_minimum
            .validate()
            .unwrap_err()
            .to_string()
            .contains("minimum_charge"));
        let huge_levy = Charges {
            levies: vec![Levy {
                label: "x".into(),
                per_kwh: MAX_ABS_PRICE + 1,
            }],
            ..Charges::default()
        };
        assert!(huge_levy.validate().is_err());
        let control = Charges {
            levies: vec![Levy {
                label: "a\u{7}b".into(),
                per_kwh: 1,
            }],
            ..Charges::default()
        };
        assert!(control.validate().is_err());
        let too_many = Charges {
            levies: vec![
                Levy {
                    label: "l".into(),
                    per_kwh: 1
                };
                MAX_CHARGE_ITEMS + 1
            ],
            ..Charges::default()
        };
        assert!(too_many.validate().is_err());
    }

    #[test]
    fn decimals_are_text_in_json_and_integers_in_postcard() {
        let kwh = Kwh::parse("30000.5").unwrap();
        let pct = Percent::parse("8.875").unwrap();
        assert_eq!(serde_json::to_string(&kwh).unwrap(), "\"30000.5\"");
        assert_eq!(serde_json::to_string(&pct).unwrap(), "\"8.875\"");
        // The digest hashes postcard: the integer, exactly as a u64 / u32 would encode.
        assert_eq!(
            postcard::to_allocvec(&kwh).unwrap(),
            postcard::to_allocvec(&30_000_500_000u64).unwrap()
        );
        assert_eq!(
            postcard::to_allocvec(&pct).unwrap(),
            postcard::to_allocvec(&88_750u32).unwrap()
        );
        let back: Kwh = postcard::from_bytes(&postcard::to_allocvec(&kwh).unwrap()).unwrap();
        assert_eq!(back, kwh);
        // Out of bounds in either form: refused.
        assert!(serde_json::from_str::<Percent>("\"100.5\"").is_err());
        assert!(
            postcard::from_bytes::<Percent>(&postcard::to_allocvec(&1_000_001u32).unwrap())
                .is_err()
        );
        assert!(
            serde_json::from_str::<Kwh>("500").is_err(),
            "a JSON number is not exact text"
        );
    }
}
