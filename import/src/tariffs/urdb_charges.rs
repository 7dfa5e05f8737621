//! A URDB record's tiers, fixed charge and minimum charge as the tariff's invoice charges.
//!
//! * **Tiers.** URDB tiers are limits on the month's energy (`max`, kWh): every kWh past a
//!   limit costs the next tier's price. The circuit bills each slot at one price, so a tiered
//!   rate is billed as the first tier's price per slot (time of use) plus, per further tier,
//!   an adder (its price minus the first tier's) on the month's energy in that tier. That is
//!   exact when every period has the same limits and each tier's adder is the same in every
//!   period (a flat tiered rate such as NIPSCO 724 always; time of use with tiers when the
//!   tiers are a surcharge on total energy); otherwise the rate is refused, naming the two
//!   periods that differ. Tiers need a frame of one local calendar month.
//! * **Fixed charge** (`fixedchargefirstmeter` in `fixedchargeunits`, or the older
//!   `fixedmonthlycharge`) and **minimum charge** (`mincharge` in `minchargeunits`, or
//!   `minmonthlycharge`): `$/day` is per day of the frame; `$/month` is per period on a frame
//!   of one local calendar month, and prorated by days on any other frame
//!   (`amount x frame days / days of the frame's first local month`, rounded half to even to
//!   micro-currency). Other units are refused.

use chrono::{Datelike, NaiveDate, TimeZone, Timelike, Utc};
use chrono_tz::Tz;
use serde_json::Value;
use zkmeter_protocol::charges::{Charges, Rounding, Tier};
use zkmeter_protocol::invoice::frame_days;
use zkmeter_protocol::Frame;

use super::to_micro;
use super::urdb::{UrdbRate, PER_KWH_SHIFT};
use crate::error::ImportError;

/// What a URDB amount is per.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Per {
    /// `$/day`.
    Day,
    /// `$/month`.
    Month,
}

/// A fixed or minimum charge of a URDB record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UrdbAmount {
    /// Micro-currency.
    pub micro: i64,
    /// Per day or per month.
    pub per: Per,
    /// JSON path of the field.
    pub at: String,
}

/// Reads the first of `fields` (amount field, units field) the record has; `None` when it
/// has none, or the amount is 0.
pub(crate) fn amount(
    record: &Value,
    base: &str,
    fields: [(&str, Option<&str>); 2],
) -> Result<Option<UrdbAmount>, ImportError> {
    for (field, units_field) in fields {
        let Some(v) = record.get(field).filter(|v| !v.is_null()) else {
            continue;
        };
        let at = format!("{base}/{field}");
        let text = match v {
            Value::Number(n) => n.to_string(),
            other => {
                return Err(ImportError::BadValue {
                    at,
                    field: field.into(),
                    reason: format!("is {other}, not a number"),
                })
            }
        };
        let d = crate::decimal::Decimal::parse(&text)
            .map_err(|e| ImportError::decimal(&at, field, e))?;
        let c = to_micro(&d, PER_KWH_SHIFT, &at, field)?;
        let units = units_field
            .and_then(|u| record.get(u))
            .and_then(Value::as_str)
            .unwrap_or("$/month");
        let per = match units {
            "$/month" => Per::Month,
            "$/day" => Per::Day,
            other => {
                return Err(ImportError::BadValue {
                    at: format!("{base}/{}", units_field.unwrap_or(field)),
                    field: "units".into(),
                    reason: format!("'{other}' is not $/month or $/day"),
                })
            }
        };
        if c.micro_per_kwh == 0 {
            return Ok(None);
        }
        return Ok(Some(UrdbAmount {
            micro: c.micro_per_kwh,
            per,
            at,
        }));
    }
    Ok(None)
}

/// The local calendar month the frame is exactly (local midnight on the 1st to local midnight
/// on the 1st of the next month), if it is one; and the days of the frame's first local month.
fn local_month(frame: &Frame, tz: Tz) -> Result<(bool, u32), ImportError> {
    let local = |t: i64| {
        Utc.timestamp_opt(t, 0)
            .single()
            .map(|u| u.with_timezone(&tz))
            .ok_or_else(|| ImportError::structure("frame", format!("no local time for {t}")))
    };
    let (a, b) = (local(frame.start.unix())?, local(frame.end())?);
    let first = NaiveDate::from_ymd_opt(a.year(), a.month(), 1);
    let next = first.and_then(|f| f.checked_add_months(chrono::Months::new(1)));
    let (Some(first), Some(next)) = (first, next) else {
        return Err(ImportError::structure("frame", "no calendar month"));
    };
    let days = u32::try_from((next - first).num_days()).unwrap_or(31);
    let midnight = |t: &chrono::DateTime<Tz>| (t.hour(), t.minute(), t.second()) == (0, 0, 0);
    let whole = midnight(&a) && midnight(&b) && a.day() == 1 && b.date_naive() == next;
    Ok((whole, days))
}

impl UrdbRate {
    /// The tier adders on the month's energy; empty for a rate without tiers.
    ///
    /// # Errors
    /// [`ImportError::TiersDoNotSplit`] when the periods' limits or adders differ.
    pub fn tier_adders(&self) -> Result<Vec<Tier>, ImportError> {
        let Some(first) = self.period_tiers.first() else {
            return Ok(vec![]);
        };
        for (p, tiers) in self.period_tiers.iter().enumerate().skip(1) {
            let limits = |t: &[super::urdb::UrdbTier]| -> Vec<_> {
                t.iter().map(|x| x.max_kwh).collect::<Vec<_>>()
            };
            if limits(tiers) != limits(first) {
                return Err(ImportError::TiersDoNotSplit {
                    at: tiers[0].at.clone(),
                    reason: format!(
                        "period {p}'s tier limits differ from period 0's: tiers that depend on \
                         the time of use do not split into a time-of-use price plus tiers on \
                         the month's energy"
                    ),
                });
            }
            for (k, tier) in tiers.iter().enumerate().skip(1) {
                let here = tier.price - tiers[0].price;
                let there = first[k].price - first[0].price;
                if here != there {
                    return Err(ImportError::TiersDoNotSplit {
                        at: tier.at.clone(),
                        reason: format!(
                            "tier {k} costs {} more than tier 0 in period {p} but {} more in \
                             period 0: the tier charge depends on the time of use, so the bill \
                             does not split into a time-of-use price plus tiers on the month's \
                             energy",
                            zkmeter_protocol::invoice::micro_text(here),
                            zkmeter_protocol::invoice::micro_text(there)
                        ),
                    });
                }
            }
        }
        let mut out = vec![];
        for k in 1..first.len() {
            let Some(above) = first[k - 1].max_kwh else {
                return Err(ImportError::TiersDoNotSplit {
                    at: first[k - 1].at.clone(),
                    reason: format!("tier {} has no 'max' but tier {k} follows it", k - 1),
                });
            };
            out.push(Tier {
                above_kwh: above,
                adder_per_kwh: first[k].price - first[0].price,
            });
        }
        Ok(out)
    }

    /// The record's tiers, fixed and minimum charges for `frame` (see the module docs), and
    /// a note of what was done for the summary.
    pub fn charges_for_frame(
        &self,
        frame: &Frame,
        tz: Tz,
    ) -> Result<(Charges, Vec<String>), ImportError> {
        let (whole_month, month_days) = local_month(frame, tz)?;
        let days = frame_days(frame);
        let mut notes = vec![];
        let tiers = self.tier_adders()?;
        if !tiers.is_empty() && !whole_month {
            return Err(ImportError::TiersDoNotSplit {
                at: self.period_tiers[0][0].at.clone(),
                reason: format!(
                    "tier limits are per month; the frame is not one calendar month in {tz} \
                     (use a month size starting at local midnight on the 1st)"
                ),
            });
        }
        if !tiers.is_empty() {
            notes.push(format!(
                "{} tier(s) on the month's energy, as adders to the first tier's price",
                tiers.len()
            ));
        }
        // A $/month amount on another frame: prorated by days, rounded half to even.
        let per_period = |a: &UrdbAmount, what: &str, notes: &mut Vec<String>| -> i64 {
            if whole_month {
                return a.micro;
            }
            let exact = i128::from(a.micro) * i128::from(days);
            let prorated = Rounding::HalfEven.divide_by(exact, i128::from(month_days));
            notes.push(format!(
                "{what} {}/month prorated to {days} of {month_days} days: {}",
                zkmeter_protocol::invoice::micro_text(a.micro),
                zkmeter_protocol::invoice::micro_text(prorated as i64)
            ));
            prorated as i64
        };
        let mut charges = Charges {
            tiers,
            ..Charges::default()
        };
        if let Some(f) = &self.fixed_charge {
            match f.per {
                Per::Day => charges.standing_charge_per_day = Some(f.micro),
                Per::Month => {
                    charges.fixed_charge_per_period =
                        Some(per_period(f, "fixed charge", &mut notes))
                }
            }
        }
        if let Some(m) = &self.minimum_charge {
            charges.minimum_charge = Some(match m.per {
                Per::Day => m.micro * i64::from(days),
                Per::Month => per_period(m, "minimum charge", &mut notes),
            });
        }
        charges.validate()?;
        Ok((charges, notes))
    }
}
