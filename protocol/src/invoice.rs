//! The invoice: the amount a household pays, computed line by line from a bill's public figures
//! and the tariff's [`Charges`], exactly, the same way by the plugin and the utility.
//!
//! Lines, in order (docs/protocol.md, "Invoice"):
//!
//! 1. **Energy**: the proven bill `B`. For a two-register tariff whose export credit is one
//!    rate `c` for every slot, `B` splits exactly into *Energy* `B + c * E_out` and *Export
//!    credit* `-c * E_out`; with varying export credits only the net is public and the line
//!    is *Energy, net of export credit*.
//! 2. **Standing charge**: per day x [`frame_days`]. **Fixed charge**: per period.
//! 3. **Levies**: per kWh x import energy, one line each.
//! 4. **Tiers**: per tier, adder x the part of the import energy above its threshold and up
//!    to the next one.
//! 5. **Minimum charge**: when the lines so far add up to less than the minimum, a line of
//!    the difference.
//! 6. **Taxes**: percent x the sum of the (rounded) lines each names (all lines before the
//!    taxes by default).
//!
//! Every line is computed exactly in pico-currency (10^-12), then rounded once to the
//! currency's minor unit by the tariff's rule (half to even by default); taxes are computed on
//! rounded lines and rounded themselves; the total is the sum of the rounded lines, so the
//! printed lines always add up to the printed total. No sum can overflow `i128`: the bill is
//! below 2^80 pico-currency, a charge line below 2^84, a tax base times a rate below 2^110.

use serde::Serialize;

use crate::charges::{Charges, LineKind, Rounding};
use crate::figures::BillFigures;
use crate::frame::Frame;
use crate::tariff::Tariff;
use crate::unit::exact_decimal;

/// Seconds in a day.
const DAY: i64 = 86_400;
/// Pico-currency per micro-currency.
const PICO_PER_MICRO: i128 = 1_000_000;

/// The days a frame is billed for: its length in days rounded to the nearest whole day, at
/// least one. A local day is 23 to 25 hours, so a frame of local days counts each once, the
/// days of a DST change included (a 31-day month is 743 to 745 hours: 31 days).
pub fn frame_days(frame: &Frame) -> u32 {
    let seconds = frame.end() - frame.start.unix();
    let days = (seconds + DAY / 2) / DAY;
    u32::try_from(days.max(1)).unwrap_or(u32::MAX)
}

/// One line of an invoice.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InvoiceLine {
    /// What kind of charge it is (what a tax may name).
    pub kind: LineKind,
    /// Its text, with the quantities it was computed from.
    pub label: String,
    /// The amount, in minor units of the currency (`10^-decimals`).
    pub amount: i128,
}

/// An invoice: its lines and their total.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Invoice {
    /// The tariff's currency.
    pub currency: String,
    /// Decimals of the amounts (the currency's minor unit).
    pub decimals: u8,
    /// The rounding rule used.
    pub rounding: Rounding,
    /// The days billed ([`frame_days`]).
    pub days: u32,
    /// The lines, in order.
    pub lines: Vec<InvoiceLine>,
    /// The sum of the lines, in minor units.
    pub total: i128,
}

/// The JSON form: `{currency, lines: [{label, amount}], total}` with decimal strings.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct InvoiceJson {
    /// The currency code.
    pub currency: String,
    /// The lines.
    pub lines: Vec<InvoiceLineJson>,
    /// The total, decimal text.
    pub total: String,
}

/// One line in [`InvoiceJson`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct InvoiceLineJson {
    /// Its text.
    pub label: String,
    /// The amount, decimal text.
    pub amount: String,
}

/// Micro-currency as exact text with at least two decimals: `604200` -> `0.6042`.
pub fn micro_text(micro: i64) -> String {
    let sign = if micro < 0 { "-" } else { "" };
    format!(
        "{sign}{}",
        exact_decimal(u128::from(micro.unsigned_abs()), 6, 2)
    )
}

/// mWh as exact kWh text, at least one decimal dropped: `1500` -> `1.5`.
fn kwh_text(mwh: u128) -> String {
    exact_decimal(mwh, 6, 0)
}

impl Invoice {
    /// The invoice of a bill with public figures `figures` under `tariff` (validated; the
    /// figures those of a bill under it: two registers exactly when the tariff has export
    /// credits).
    pub fn compute(tariff: &Tariff, figures: &BillFigures) -> Invoice {
        let default = Charges::default();
        let charges = tariff.charges.as_ref().unwrap_or(&default);
        let decimals = charges.minor_unit(&tariff.currency);
        let rule = charges.rounding;
        let round = |pico: i128| rule.divide(pico, 12 - u32::from(decimals));
        let days = frame_days(&tariff.frame);
        let import_mwh = i128::from(figures.import_mwh());
        let export_mwh = i128::from(figures.export_mwh());
        let mut lines = vec![];
        let mut push = |kind, label: String, pico: i128| {
            lines.push(InvoiceLine {
                kind,
                label,
                amount: round(pico),
            })
        };

        // 1. Energy, and export credit where it is one rate.
        let bill = figures.bill_pico();
        let in_kwh = kwh_text(import_mwh as u128);
        match tariff.export_prices.as_deref() {
            None => push(LineKind::Energy, format!("Energy, {in_kwh} kWh"), bill),
            Some([first, rest @ ..]) if rest.iter().all(|c| c == first) => {
                let credit = i128::from(*first) * export_mwh;
                push(
                    LineKind::Energy,
                    format!("Energy, {in_kwh} kWh"),
                    bill + credit,
                );
                push(
                    LineKind::ExportCredit,
                    format!(
                        "Export credit, {} kWh at {}/kWh",
                        kwh_text(export_mwh as u128),
                        micro_text(*first)
                    ),
                    -credit,
                );
            }
            Some(_) => push(
                LineKind::Energy,
                format!(
                    "Energy, {in_kwh} kWh imported, net of the credit for {} kWh exported",
                    kwh_text(export_mwh as u128)
                ),
                bill,
            ),
        }

        // 2. Standing and fixed charges.
        if let Some(per_day) = charges.standing_charge_per_day {
            push(
                LineKind::StandingCharge,
                format!(
                    "Standing charge, {days} day{} at {}/day",
                    if days == 1 { "" } else { "s" },
                    micro_text(per_day)
                ),
                i128::from(per_day) * i128::from(days) * PICO_PER_MICRO,
            );
        }
        if let Some(fixed) = charges.fixed_charge_per_period {
            push(
                LineKind::FixedCharge,
                "Fixed charge for the period".to_owned(),
                i128::from(fixed) * PICO_PER_MICRO,
            );
        }

        // 3. Levies on import energy (micro/kWh x mWh = pico).
        for levy in &charges.levies {
            push(
                LineKind::Levies,
                format!(
                    "{}, {in_kwh} kWh at {}/kWh",
                    levy.label,
                    micro_text(levy.per_kwh)
                ),
                i128::from(levy.per_kwh) * import_mwh,
            );
        }

        // 4. Tiers: the part of the import energy in [threshold, next threshold).
        for (i, tier) in charges.tiers.iter().enumerate() {
            let from = i128::from(tier.above_kwh.mwh());
            let to = charges
                .tiers
                .get(i + 1)
                .map(|next| i128::from(next.above_kwh.mwh()));
            let top = to.map_or(import_mwh, |t| import_mwh.min(t));
            let part = (top - from).max(0);
            let range = match to {
                Some(t) => format!("{} to {} kWh", tier.above_kwh, kwh_text(t as u128)),
                None => format!("above {} kWh", tier.above_kwh),
            };
            push(
                LineKind::Tiers,
                format!(
                    "Tier {range}: {} kWh at {}/kWh",
                    kwh_text(part as u128),
                    micro_text(tier.adder_per_kwh)
                ),
                i128::from(tier.adder_per_kwh) * part,
            );
        }

        // 5. Minimum charge on the rounded lines so far.
        if let Some(minimum) = charges.minimum_charge {
            let minimum = round(i128::from(minimum) * PICO_PER_MICRO);
            let subtotal: i128 = lines.iter().map(|l| l.amount).sum();
            if subtotal < minimum {
                lines.push(InvoiceLine {
                    kind: LineKind::MinimumCharge,
                    label: format!(
                        "Minimum charge {} (adjustment)",
                        Self::text(minimum, decimals)
                    ),
                    amount: minimum - subtotal,
                });
            }
        }

        // 6. Taxes on the rounded lines before the taxes.
        let before_taxes = lines.len();
        for tax in &charges.taxes {
            let base: i128 = lines[..before_taxes]
                .iter()
                .filter(|l| tax.on.as_ref().is_none_or(|on| on.contains(&l.kind)))
                .map(|l| l.amount)
                .sum();
            let amount = rule.divide(base * i128::from(tax.percent.millionths()), 6);
            lines.push(InvoiceLine {
                kind: LineKind::Tax,
                label: format!(
                    "{} {} % of {}",
                    tax.label,
                    tax.percent,
                    Self::text(base, decimals)
                ),
                amount,
            });
        }

        let total = lines.iter().map(|l| l.amount).sum();
        Invoice {
            currency: tariff.currency.clone(),
            decimals,
            rounding: rule,
            days,
            lines,
            total,
        }
    }

    /// Minor units as decimal text with exactly `decimals` decimals: `-150` -> `-1.50`.
    pub fn text(minor: i128, decimals: u8) -> String {
        let sign = if minor < 0 { "-" } else { "" };
        let d = u32::from(decimals);
        format!("{sign}{}", exact_decimal(minor.unsigned_abs(), d, d))
    }

    /// The total as decimal text.
    pub fn total_text(&self) -> String {
        Self::text(self.total, self.decimals)
    }

    /// The total in pico-currency (for sums over invoices of different minor units).
    pub fn total_pico(&self) -> i128 {
        self.total * 10i128.pow(12 - u32::from(self.decimals))
    }

    /// The JSON form.
    pub fn to_json(&self) -> InvoiceJson {
        InvoiceJson {
            currency: self.currency.clone(),
            lines: self
                .lines
                .iter()
                .map(|l| InvoiceLineJson {
                    label: l.label.clone(),
                    amount: Self::text(l.amount, self.decimals),
                })
                .collect(),
            total: self.total_text(),
        }
    }

    /// The invoice as aligned text lines (for the terminal).
    pub fn to_text(&self) -> String {
        let width = self
            .lines
            .iter()
            .map(|l| l.label.chars().count())
            .max()
            .unwrap_or(0)
            .max(5);
        let mut out = String::new();
        for l in &self.lines {
            out += &format!(
                "  {:<width$}  {:>14} {}\n",
                l.label,
                Self::text(l.amount, self.decimals),
                self.currency
            );
        }
        out += &format!(
            "  {:<width$}  {:>14} {}\n",
            "Total",
            self.total_text(),
            self.currency
        );
        out
    }
}
