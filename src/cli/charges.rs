//! The charge flags every `tariff demo|import` takes: what turns the bill into an invoice.

use clap::{Args, ValueEnum};
use zkmeter_protocol::charges::{
    parse_micro, Charges, Kwh, Levy, Percent, Rounding, Tax, Tier, MAX_CHARGE_ITEMS,
};

use super::{usage, CliError};

/// The help heading of these flags (set per flag, so it does not spill onto the flags after).
const HEADING: &str = "Invoice charges (docs/protocol.md \"Invoice\")";

/// Amounts are in currency units (0.6042 = 60.42 pence), exact to 6 decimals.
#[derive(Debug, Args, Default, Clone)]
pub struct ChargeArgs {
    /// Standing charge per day of the frame (days: the frame's length rounded to whole days,
    /// so a 23- or 25-hour DST day is one day), e.g. 0.6042.
    #[arg(long, help_heading = HEADING, value_name = "AMOUNT_PER_DAY", allow_hyphen_values = true)]
    pub standing_charge: Option<String>,
    /// Fixed charge per period (a monthly customer charge on a month frame), e.g. 12.50.
    #[arg(long, help_heading = HEADING, value_name = "AMOUNT", allow_hyphen_values = true)]
    pub fixed_charge: Option<String>,
    /// A levy per kWh imported, `AMOUNT` or `LABEL=AMOUNT` (e.g. "Energy tax=0.1015");
    /// repeat for several. A levy is its own invoice line.
    #[arg(
        long,
        help_heading = HEADING,
        value_name = "[LABEL=]AMOUNT_PER_KWH",
        allow_hyphen_values = true
    )]
    pub levy: Vec<String>,
    /// A block tier on the period's import energy, `KWH:ADDER_PER_KWH`: every kWh above KWH
    /// (up to the next tier) costs ADDER more than its slot price (negative: less). Repeat
    /// with increasing thresholds, e.g. --tier 500:0.03 --tier 1000:0.05.
    #[arg(long, help_heading = HEADING, value_name = "KWH:ADDER", allow_hyphen_values = true)]
    pub tier: Vec<String>,
    /// Minimum charge: the lines before taxes add up to at least this much, e.g. 10.
    #[arg(long, help_heading = HEADING, value_name = "AMOUNT")]
    pub minimum_charge: Option<String>,
    /// VAT in percent on every line before taxes, e.g. 20 or 5.5.
    #[arg(long, help_heading = HEADING, value_name = "PERCENT")]
    pub vat: Option<String>,
    /// Another percentage tax on every line before taxes, `LABEL=PERCENT` (e.g.
    /// "Sales tax=8.875"); repeat for several.
    #[arg(long, help_heading = HEADING, value_name = "LABEL=PERCENT")]
    pub tax: Vec<String>,
    /// How each line is rounded to the currency's minor unit.
    #[arg(long, help_heading = HEADING, value_enum, value_name = "RULE")]
    pub rounding: Option<RoundingArg>,
    /// Decimals of the currency's minor unit (default: the currency's own, 2 for most).
    #[arg(long, help_heading = HEADING, value_name = "N")]
    pub minor_unit: Option<u8>,
}

/// `--rounding` values.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum RoundingArg {
    /// Half to even (banker's rounding), the default.
    HalfEven,
    /// Half away from zero (commercial rounding).
    HalfUp,
}

fn amount(flag: &str, text: &str) -> Result<i64, CliError> {
    parse_micro(text.trim()).map_err(|e| usage(flag, e))
}

fn labelled<'a>(text: &'a str, default: &'a str) -> (&'a str, &'a str) {
    match text.rsplit_once('=') {
        Some((label, value)) => (label.trim(), value.trim()),
        None => (default, text.trim()),
    }
}

impl ChargeArgs {
    /// The VAT rate given, if any (Agile prices include it; see `tariff import agile`).
    pub fn vat_percent(&self) -> Result<Option<Percent>, CliError> {
        self.vat
            .as_deref()
            .map(|v| Percent::parse(v.trim()).map_err(|e| usage("--vat", e)))
            .transpose()
    }

    /// The charges these flags add to `base` (an importer's own charges, e.g. a URDB fixed
    /// charge). A flag for a charge `base` already has is refused, naming both.
    pub fn apply(&self, base: Charges) -> Result<Charges, CliError> {
        let mut c = base;
        let conflict = |flag: &str, what: &str| {
            usage(
                flag,
                format!("the imported rate already has a {what}; leave the flag out"),
            )
        };
        if let Some(s) = &self.standing_charge {
            if c.standing_charge_per_day.is_some() {
                return Err(conflict("--standing-charge", "standing charge"));
            }
            c.standing_charge_per_day = Some(amount("--standing-charge", s)?);
        }
        if let Some(f) = &self.fixed_charge {
            if c.fixed_charge_per_period.is_some() {
                return Err(conflict("--fixed-charge", "fixed charge"));
            }
            c.fixed_charge_per_period = Some(amount("--fixed-charge", f)?);
        }
        if let Some(m) = &self.minimum_charge {
            if c.minimum_charge.is_some() {
                return Err(conflict("--minimum-charge", "minimum charge"));
            }
            c.minimum_charge = Some(amount("--minimum-charge", m)?);
        }
        for text in &self.levy {
            let (label, value) = labelled(text, "Levy");
            c.levies.push(Levy {
                label: label.to_owned(),
                per_kwh: amount("--levy", value)?,
            });
        }
        if !self.tier.is_empty() && !c.tiers.is_empty() {
            return Err(conflict("--tier", "tier structure"));
        }
        for text in &self.tier {
            let (kwh, adder) = text.split_once(':').ok_or_else(|| {
                usage(
                    "--tier",
                    format!("'{text}' is not KWH:ADDER_PER_KWH (e.g. 500:0.03)"),
                )
            })?;
            c.tiers.push(Tier {
                above_kwh: Kwh::parse(kwh.trim()).map_err(|e| usage("--tier", e))?,
                adder_per_kwh: amount("--tier", adder)?,
            });
        }
        if let Some(p) = self.vat_percent()? {
            c.taxes.push(Tax {
                label: "VAT".into(),
                percent: p,
                on: None,
            });
        }
        for text in &self.tax {
            let (label, value) = text.rsplit_once('=').ok_or_else(|| {
                usage(
                    "--tax",
                    format!("'{text}' is not LABEL=PERCENT (e.g. \"Sales tax=8.875\")"),
                )
            })?;
            c.taxes.push(Tax {
                label: label.trim().to_owned(),
                percent: Percent::parse(value.trim()).map_err(|e| usage("--tax", e))?,
                on: None,
            });
        }
        if let Some(r) = self.rounding {
            c.rounding = match r {
                RoundingArg::HalfEven => Rounding::HalfEven,
                RoundingArg::HalfUp => Rounding::HalfUp,
            };
        }
        if self.minor_unit.is_some() {
            c.minor_unit = self.minor_unit;
        }
        for (what, len) in [("--levy", c.levies.len()), ("--tax/--vat", c.taxes.len())] {
            if len > MAX_CHARGE_ITEMS {
                return Err(usage(what, format!("at most {MAX_CHARGE_ITEMS}")));
            }
        }
        c.validate().map_err(|e| usage("charges", e))?;
        Ok(c)
    }
}
