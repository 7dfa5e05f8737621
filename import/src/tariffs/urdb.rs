//! OpenEI Utility Rate Database (URDB) rate records as JSON: time-of-use energy rates.
//!
//! Accepted: one rate record, either bare, as the only element of `items` / `result` (the API
//! response), or at `.../urdb_response` inside a larger document. Read: `energyratestructure`
//! (periods, each a list of tiers `{rate, adj, max, unit}`), `energyweekdayschedule` and
//! `energyweekendschedule` (12 months x 24 hours of period indexes, in the utility's local
//! time). A slot's price is `rate + adj` (exact decimal sum) of the period its local start
//! falls in: local month, local hour, Saturday/Sunday = weekend, in the time zone given (or
//! the record's `timezone` field, an IANA name). Holidays are not modelled. Each frame slot must
//! lie inside one local hour. A tier without a `rate`, a schedule naming a missing period, or a
//! unit other than kWh are refused with their JSON path. Prices are US dollars per kWh:
//! `x 10^6` micro-USD/kWh.
//!
//! Tiers (`max`: kWh per month), fixed charges and minimum charges become the tariff's
//! invoice charges ([`super::urdb_charges`]): the slot price is the first tier's, and each
//! further tier an adder on the month's energy, where the rate splits that way.
//!
//! `startdate` and `enddate` (Unix seconds, each optional) are the first and last day the rate
//! is in force, both inclusive; a frame with a local day (in the zone used for the schedules)
//! outside them is refused, naming both ([`ImportError::NotInForce`]). URDB stores a date as
//! a midnight in the time zone of whoever entered it (the real records hold 01:00Z, 06:00Z
//! and 23:00Z), so the date is that of the nearest UTC midnight: `1525042800`
//! (2018-04-29T23:00Z) is 2018-04-30.
//!
//! JSON numbers are taken as their shortest round-trip decimal text (serde_json); that equals
//! the written number for up to 15 significant digits, and more digits are refused.

use std::path::Path;

use chrono::{DateTime, Datelike, NaiveDate, TimeZone, Timelike, Utc, Weekday};
use chrono_tz::Tz;
use serde_json::Value;
use zkmeter_protocol::Frame;

use super::to_micro;
use crate::decimal::Decimal;
use crate::error::{check_cap, ImportError};
use crate::readings::ts;
use zkmeter_protocol::charges::Kwh;

/// Cap on a URDB JSON file, checked before parsing.
pub const MAX_URDB_BYTES: u64 = 4 << 20;
/// Currency/kWh -> micro-currency/kWh is `x 10^6`.
pub const PER_KWH_SHIFT: i32 = 6;
/// Most significant digits a JSON number may carry and still be read exactly.
const MAX_JSON_DIGITS: usize = 15;
/// Half a day: a URDB date's timestamp is within this of the UTC midnight of its date.
const HALF_DAY_SECONDS: i64 = 12 * 3600;

/// One tier of a period: its upper limit in kWh per month (`None`: unlimited) and price.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UrdbTier {
    /// `max`, kWh per month.
    pub max_kwh: Option<Kwh>,
    /// `rate + adj`, micro-currency per kWh.
    pub price: i64,
    /// JSON path of the tier.
    pub at: String,
}

/// Where a record's fixed charge is: (amount field, units field, the units when absent).
const FIXED_CHARGE_FIELDS: [(&str, Option<&str>); 2] = [
    ("fixedchargefirstmeter", Some("fixedchargeunits")),
    ("fixedmonthlycharge", None),
];
/// Where a record's minimum charge is.
const MINIMUM_CHARGE_FIELDS: [(&str, Option<&str>); 2] = [
    ("mincharge", Some("minchargeunits")),
    ("minmonthlycharge", None),
];

pub use super::urdb_charges::{Per, UrdbAmount};

/// A time-of-use URDB rate, with its tiers and fixed and minimum charges.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UrdbRate {
    /// The record's `label`, if any.
    pub label: Option<String>,
    /// The record's `name`, if any.
    pub name: Option<String>,
    /// The utility, if given.
    pub utility: Option<String>,
    /// Price of each period's first tier, micro-USD per kWh (`rate + adj`): the slot price.
    pub period_prices: Vec<i64>,
    /// Every period's tiers, in order (one for a flat or time-of-use rate).
    pub period_tiers: Vec<Vec<UrdbTier>>,
    /// The fixed (customer) charge: `fixedchargefirstmeter` in `fixedchargeunits`, or the
    /// older `fixedmonthlycharge` ($/month).
    pub fixed_charge: Option<UrdbAmount>,
    /// The minimum charge: `minmonthlycharge` ($/month), or `mincharge` in `minchargeunits`.
    pub minimum_charge: Option<UrdbAmount>,
    /// Weekday schedule: `[month][hour]` -> period.
    pub weekday: Vec<Vec<usize>>,
    /// Weekend schedule: `[month][hour]` -> period.
    pub weekend: Vec<Vec<usize>>,
    /// The record's `timezone`, if it has one.
    pub timezone: Option<String>,
    /// First day in force (`startdate`), if the record has one.
    pub start_date: Option<NaiveDate>,
    /// Last day in force (`enddate`), if the record has one.
    pub end_date: Option<NaiveDate>,
    /// JSON path of the record in the file (empty for a bare record).
    pub record_at: String,
    /// Periods whose price had to round.
    pub rounded: usize,
}

/// Reads a URDB record (capped at [`MAX_URDB_BYTES`] before parsing).
pub fn read_urdb(path: &Path) -> Result<UrdbRate, ImportError> {
    let bytes = zkmeter_protocol::fs::read_capped(path, MAX_URDB_BYTES, "URDB JSON")?;
    parse_urdb(&bytes)
}

fn find_record(v: &Value) -> Result<(&Value, String), ImportError> {
    if v.get("energyratestructure").is_some() {
        return Ok((v, String::new()));
    }
    for key in ["items", "result"] {
        if let Some(list) = v.get(key).and_then(Value::as_array) {
            return match list.as_slice() {
                [one] => Ok((one, format!("/{key}/0"))),
                _ => Err(ImportError::structure(
                    format!("/{key}"),
                    format!(
                        "{} rate records; save the one to import on its own",
                        list.len()
                    ),
                )),
            };
        }
    }
    // A record nested somewhere (e.g. REopt's .../ElectricTariff/urdb_response).
    fn search(v: &Value, path: String, depth: usize) -> Option<(&Value, String)> {
        if depth > 16 {
            return None;
        }
        match v {
            Value::Object(m) => m.iter().find_map(|(k, c)| {
                let p = format!("{path}/{k}");
                if c.get("energyratestructure").is_some() {
                    Some((c, p))
                } else {
                    search(c, p, depth + 1)
                }
            }),
            _ => None,
        }
    }
    search(v, String::new(), 0)
        .ok_or_else(|| ImportError::structure("/", "no rate record with an 'energyratestructure'"))
}

fn number(v: &Value, at: &str, field: &str) -> Result<Decimal, ImportError> {
    let text = match v {
        Value::Number(n) => n.to_string(),
        other => {
            return Err(ImportError::BadValue {
                at: at.into(),
                field: field.into(),
                reason: format!("is {other}, not a number"),
            })
        }
    };
    let digits = text
        .split(['e', 'E'])
        .next()
        .unwrap_or("")
        .bytes()
        .filter(u8::is_ascii_digit)
        .count();
    if digits > MAX_JSON_DIGITS {
        return Err(ImportError::BadValue {
            at: at.into(),
            field: field.into(),
            reason: format!("{text} has more than {MAX_JSON_DIGITS} significant digits"),
        });
    }
    Decimal::parse(&text).map_err(|e| ImportError::decimal(at, field, e))
}

fn schedule(
    record: &Value,
    base: &str,
    key: &str,
    periods: usize,
) -> Result<Vec<Vec<usize>>, ImportError> {
    let at = format!("{base}/{key}");
    let months = record
        .get(key)
        .and_then(Value::as_array)
        .ok_or_else(|| ImportError::structure(at.clone(), "missing, or not an array"))?;
    if months.len() != 12 {
        return Err(ImportError::structure(
            at,
            format!("has {} months, not 12", months.len()),
        ));
    }
    let mut out = vec![];
    for (m, hours) in months.iter().enumerate() {
        let hours = hours.as_array().filter(|h| h.len() == 24).ok_or_else(|| {
            ImportError::structure(format!("{at}/{m}"), "is not an array of 24 hours")
        })?;
        let mut row = vec![];
        for (h, p) in hours.iter().enumerate() {
            let here = format!("{at}/{m}/{h}");
            let p = p.as_u64().ok_or_else(|| ImportError::BadValue {
                at: here.clone(),
                field: "period".into(),
                reason: format!("{p} is not a period index"),
            })?;
            if p as usize >= periods {
                return Err(ImportError::structure(
                    here,
                    format!("month {} hour {h} points at period {p}, but energyratestructure has only {periods} period(s)", m + 1),
                ));
            }
            row.push(p as usize);
        }
        out.push(row);
    }
    Ok(out)
}

/// The date of a URDB `startdate` / `enddate` (see the module docs); `None` when absent or null.
fn urdb_date(record: &Value, base: &str, key: &str) -> Result<Option<NaiveDate>, ImportError> {
    let at = format!("{base}/{key}");
    let bad = |reason: String| ImportError::BadValue {
        at: at.clone(),
        field: key.into(),
        reason,
    };
    let secs = match record.get(key) {
        None | Some(Value::Null) => return Ok(None),
        Some(v) => v
            .as_i64()
            .ok_or_else(|| bad(format!("is {v}, not whole Unix seconds")))?,
    };
    secs.checked_add(HALF_DAY_SECONDS)
        .and_then(|t| DateTime::from_timestamp(t, 0))
        .map(|t| Some(t.date_naive()))
        .ok_or_else(|| bad(format!("{secs} s is not a date chrono can hold")))
}

/// Parses a URDB JSON record; see the module docs.
pub fn parse_urdb(bytes: &[u8]) -> Result<UrdbRate, ImportError> {
    check_cap(bytes, "URDB JSON", MAX_URDB_BYTES)?;
    let root: Value = serde_json::from_slice(bytes).map_err(|e| ImportError::Malformed {
        what: "URDB JSON",
        at: format!("line {}, column {}", e.line(), e.column()),
        reason: e.to_string(),
    })?;
    let (record, base) = find_record(&root)?;
    let structure_at = format!("{base}/energyratestructure");
    let structure = record
        .get("energyratestructure")
        .and_then(Value::as_array)
        .ok_or_else(|| ImportError::structure(structure_at.clone(), "is not an array"))?;
    if structure.is_empty() {
        return Err(ImportError::structure(structure_at, "has no periods"));
    }
    let mut prices = vec![];
    let mut period_tiers = vec![];
    let mut rounded = 0;
    for (p, tiers) in structure.iter().enumerate() {
        let at = format!("{structure_at}/{p}");
        let tiers = tiers
            .as_array()
            .ok_or_else(|| ImportError::structure(at.clone(), "is not an array of tiers"))?;
        if tiers.is_empty() {
            return Err(ImportError::structure(at, "has no tier"));
        }
        let mut period = vec![];
        for (t, tier) in tiers.iter().enumerate() {
            let tier_at = format!("{at}/{t}");
            if let Some(unit) = tier.get("unit") {
                if unit.as_str() != Some("kWh") {
                    return Err(ImportError::BadValue {
                        at: tier_at,
                        field: "unit".into(),
                        reason: format!("{unit} is not \"kWh\" (kWh per month)"),
                    });
                }
            }
            let rate = tier
                .get("rate")
                .ok_or_else(|| ImportError::structure(tier_at.clone(), "tier has no 'rate'"))?;
            let mut price = number(rate, &tier_at, "rate")?;
            if let Some(adj) = tier.get("adj") {
                let adj = number(adj, &tier_at, "adj")?;
                price = price
                    .checked_add(&adj)
                    .ok_or_else(|| ImportError::BadValue {
                        at: tier_at.clone(),
                        field: "rate + adj".into(),
                        reason: "out of range".into(),
                    })?;
            }
            let c = to_micro(&price, PER_KWH_SHIFT, &tier_at, "rate + adj")?;
            rounded += usize::from(c.rounded);
            let max_kwh = match tier.get("max") {
                None | Some(Value::Null) => None,
                Some(m) => {
                    let max = number(m, &tier_at, "max")?;
                    let bad = |reason: String| ImportError::BadValue {
                        at: tier_at.clone(),
                        field: "max".into(),
                        reason,
                    };
                    let mwh = max
                        .scaled_exact(6)
                        .map_err(|e| ImportError::decimal(&tier_at, "max", e))?
                        .and_then(|v| u64::try_from(v).ok())
                        .ok_or_else(|| bad(format!("{max} is not a whole number of mWh")))?;
                    Some(Kwh::from_mwh(mwh).map_err(|e| bad(e.to_string()))?)
                }
            };
            period.push(UrdbTier {
                max_kwh,
                price: c.micro_per_kwh,
                at: tier_at,
            });
        }
        prices.push(period[0].price);
        period_tiers.push(period);
    }
    let weekday = schedule(record, &base, "energyweekdayschedule", prices.len())?;
    let weekend = schedule(record, &base, "energyweekendschedule", prices.len())?;
    let start_date = urdb_date(record, &base, "startdate")?;
    let end_date = urdb_date(record, &base, "enddate")?;
    if let (Some(a), Some(b)) = (start_date, end_date) {
        if b < a {
            return Err(ImportError::BadValue {
                at: format!("{base}/enddate"),
                field: "enddate".into(),
                reason: format!("{b} is before the startdate {a}"),
            });
        }
    }
    let text = |k: &str| record.get(k).and_then(Value::as_str).map(str::to_owned);
    Ok(UrdbRate {
        label: text("label"),
        name: text("name"),
        utility: text("utility"),
        period_prices: prices,
        period_tiers,
        fixed_charge: super::urdb_charges::amount(record, &base, FIXED_CHARGE_FIELDS)?,
        minimum_charge: super::urdb_charges::amount(record, &base, MINIMUM_CHARGE_FIELDS)?,
        weekday,
        weekend,
        timezone: text("timezone"),
        start_date,
        end_date,
        record_at: base,
        rounded,
    })
}

impl UrdbRate {
    /// The time zone to use: `given`, else the record's own; an IANA name.
    pub fn zone(&self, given: Option<&str>) -> Result<Tz, ImportError> {
        let name = given.or(self.timezone.as_deref()).ok_or_else(|| {
            ImportError::structure(
                "the record",
                "has no time zone: pass one (an IANA name such as America/Los_Angeles)",
            )
        })?;
        name.parse::<Tz>().map_err(|_| ImportError::BadValue {
            at: "time zone".into(),
            field: "name".into(),
            reason: format!(
                "'{}' is not an IANA time zone",
                crate::decimal::truncate(name)
            ),
        })
    }

    /// Refuses a frame with a local day (in `tz`) before the rate's `startdate` or after its
    /// `enddate`.
    pub fn check_in_force(&self, frame: &Frame, tz: Tz) -> Result<(), ImportError> {
        frame.validate()?;
        let (start, end) = (frame.start.unix(), frame.end());
        let local_date = |t: i64| {
            Utc.timestamp_opt(t, 0)
                .single()
                .map(|u| u.with_timezone(&tz).date_naive())
                .ok_or_else(|| {
                    ImportError::structure("frame", format!("no local time for {}", ts(t)))
                })
        };
        let (first, last) = (local_date(start)?, local_date(end - 1)?);
        let outside = if self.start_date.is_some_and(|a| first < a) {
            "startdate"
        } else if self.end_date.is_some_and(|b| last > b) {
            "enddate"
        } else {
            return Ok(());
        };
        Err(ImportError::NotInForce {
            at: format!("{}/{outside}", self.record_at),
            start_date: self.start_date,
            end_date: self.end_date,
            frame_first: first,
            frame_last: last,
            frame_utc: format!("{} to {}", ts(start), ts(end)),
            zone: tz.to_string(),
        })
    }

    /// The price of every slot of `frame`, mapping each slot's UTC start to local time in `tz`.
    /// The rate must be in force on every local day of the frame ([`UrdbRate::check_in_force`]).
    pub fn prices_for_frame(&self, frame: &Frame, tz: Tz) -> Result<Vec<i64>, ImportError> {
        self.check_in_force(frame, tz)?;
        let mut out = Vec::with_capacity(frame.slots as usize);
        for i in 0..frame.slots {
            let s = frame.slot_start(i);
            let local = |t: i64| {
                Utc.timestamp_opt(t, 0)
                    .single()
                    .map(|u| u.with_timezone(&tz))
                    .ok_or_else(|| {
                        ImportError::structure("frame", format!("no local time for {}", ts(t)))
                    })
            };
            let (a, b) = (local(s)?, local(s + frame.slot_seconds() - 1)?);
            if (a.date_naive(), a.hour()) != (b.date_naive(), b.hour()) {
                return Err(ImportError::Resolution {
                    at: format!("slot starting {}", ts(s)),
                    reason: format!("the slot spans two local hours in {tz}; use shorter slots"),
                });
            }
            let weekend = matches!(a.weekday(), Weekday::Sat | Weekday::Sun);
            let table = if weekend {
                &self.weekend
            } else {
                &self.weekday
            };
            let period = table[a.month0() as usize][a.hour() as usize];
            out.push(self.period_prices[period]);
        }
        Ok(out)
    }
}
