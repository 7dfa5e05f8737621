//! Octopus Agile half-hourly unit rates as CSV, in pence per kWh including VAT.
//!
//! Format (as republished by energy-stats.uk): `UTC start,local HH:MM,region letter,region
//! name,price` with no header, e.g. `2020-01-01T00:00:00Z,00:00,A,Eastern_England,9.4815`.
//! Only the first field (an RFC 3339 start) and the last (the price) are used, so two-column
//! `timestamp,price` files read too; a header line (first field not a timestamp) is skipped.
//! Each price applies for 30 minutes. 1 p/kWh = 10,000 micro-GBP/kWh.

use std::path::Path;

use zkmeter_protocol::UtcTime;

use super::{to_micro, PriceInterval};
use crate::decimal::Decimal;
use crate::error::{check_cap, csv_lines, ImportError};
use crate::readings::csv::split_fields;

/// Cap on an Agile CSV, checked before parsing (a full year is about 1 MiB).
pub const MAX_AGILE_BYTES: u64 = 16 << 20;
/// Length of one Agile price, in seconds.
pub const AGILE_SECONDS: i64 = 30 * 60;
/// pence per kWh -> micro-GBP per kWh is `x 10^4`.
pub const PENCE_SHIFT: i32 = 4;

/// Agile prices read from a file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AgilePrices {
    /// One 30-minute price per row, micro-GBP per kWh.
    pub prices: Vec<PriceInterval>,
    /// Rows whose price had to round (more than 4 decimals of pence).
    pub rounded: usize,
}

/// Reads an Agile CSV (capped at [`MAX_AGILE_BYTES`] before parsing).
pub fn read_agile(path: &Path) -> Result<AgilePrices, ImportError> {
    let bytes = zkmeter_protocol::fs::read_capped(path, MAX_AGILE_BYTES, "Agile CSV")?;
    parse_agile(&bytes)
}

/// Parses Agile CSV bytes; see the module docs.
pub fn parse_agile(bytes: &[u8]) -> Result<AgilePrices, ImportError> {
    check_cap(bytes, "Agile CSV", MAX_AGILE_BYTES)?;
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut out = AgilePrices {
        prices: vec![],
        rounded: 0,
    };
    for (index, line) in csv_lines(bytes, "Agile CSV").enumerate() {
        let (at, text) = line?;
        if text.trim().is_empty() {
            continue;
        }
        let fields = split_fields(text, &at)?;
        if fields.len() < 2 {
            return Err(ImportError::structure(
                at,
                format!(
                    "expected 'timestamp,...,price', found {} field",
                    fields.len()
                ),
            ));
        }
        let start = match UtcTime::parse(&fields[0]) {
            Ok(t) => t.unix(),
            Err(_) if index == 0 && !fields[0].starts_with(|c: char| c.is_ascii_digit()) => {
                continue
            }
            Err(e) => {
                return Err(ImportError::BadValue {
                    at,
                    field: "timestamp".into(),
                    reason: e.to_string(),
                })
            }
        };
        let price_text = &fields[fields.len() - 1];
        let price = Decimal::parse(price_text)
            .map_err(|e| ImportError::decimal(at.clone(), "price (p/kWh)", e))?;
        let c = to_micro(&price, PENCE_SHIFT, &at, "price (p/kWh)")?;
        out.rounded += usize::from(c.rounded);
        out.prices.push(PriceInterval {
            start,
            seconds: AGILE_SECONDS,
            micro_per_kwh: c.micro_per_kwh,
            at,
        });
    }
    if out.prices.is_empty() {
        return Err(ImportError::structure("whole file", "no price rows"));
    }
    Ok(out)
}
