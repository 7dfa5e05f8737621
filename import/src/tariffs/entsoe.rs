//! ENTSO-E day-ahead prices: an A44 `Publication_MarketDocument` (IEC 62325-451-3) in XML.
//!
//! Read: every `TimeSeries/Period` with its `timeInterval/start`, `resolution` (PT15M, PT30M
//! or PT60M) and `Point`s (`position`, `price.amount`). Prices are in the document's
//! `currency_Unit.name` per MWh (`price_Measure_Unit.name` must be MWH); 1 EUR/MWh =
//! 1,000 micro-EUR/kWh. With `curveType` A03 (variable-sized blocks) a missing position
//! repeats the last price up to the period's end; with A01 (or none) every position must be
//! present. The root element must be in a `urn:iec62325.351:tc57wg16:451-3:publicationdocument`
//! namespace and of `type` A44.
//!
//! A document may hold series of two resolutions for the same hours (DE-LU publishes PT60M and
//! PT15M prices side by side since the 15-minute day-ahead market started). Without a chosen
//! [`Resolution`] that is refused with [`ImportError::TwoResolutions`], naming both and the
//! hours; with one, only the periods of that resolution are kept (the rest are still checked).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::Path;
use std::str::FromStr;

use chrono::NaiveDateTime;
use quick_xml::events::Event;
use quick_xml::name::ResolveResult;
use quick_xml::NsReader;
use zkmeter_protocol::UtcTime;

use super::{to_micro, PriceInterval};
use crate::decimal::Decimal;
use crate::error::{check_cap, line_at, utf8_text, ImportError, LineCounter};

/// Cap on an ENTSO-E document, checked before parsing.
pub const MAX_ENTSOE_BYTES: u64 = 16 << 20;
/// Namespace prefix of publication documents (any version).
pub const ENTSOE_NS_PREFIX: &str = "urn:iec62325.351:tc57wg16:451-3:publicationdocument";
/// EUR/MWh -> micro-EUR/kWh is `x 10^3`.
pub const PER_MWH_SHIFT: i32 = 3;
/// Most positions accepted in one period.
const MAX_POSITIONS: i64 = 100_000;

/// The length of an ENTSO-E period's positions (its `resolution`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Resolution {
    /// `PT15M`: quarter-hours.
    Pt15m,
    /// `PT30M`: half-hours.
    Pt30m,
    /// `PT60M` (also written `PT1H`): hours.
    Pt60m,
}

impl Resolution {
    /// Every resolution, finest first.
    pub const ALL: [Resolution; 3] = [Resolution::Pt15m, Resolution::Pt30m, Resolution::Pt60m];

    /// The length of one position in seconds.
    pub fn seconds(self) -> i64 {
        match self {
            Resolution::Pt15m => 900,
            Resolution::Pt30m => 1800,
            Resolution::Pt60m => 3600,
        }
    }

    /// The name as ENTSO-E writes it (`PT15M`, `PT30M`, `PT60M`).
    pub fn name(self) -> &'static str {
        match self {
            Resolution::Pt15m => "PT15M",
            Resolution::Pt30m => "PT30M",
            Resolution::Pt60m => "PT60M",
        }
    }

    /// The resolution of a document's `<resolution>` text (`PT1H` is read as `PT60M`).
    fn from_document(text: &str) -> Option<Self> {
        match text.trim() {
            "PT1H" => Some(Resolution::Pt60m),
            t => t.parse().ok(),
        }
    }
}

impl fmt::Display for Resolution {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Resolution {
    type Err = String;

    /// `PT15M`, `PT30M` or `PT60M`, exactly.
    fn from_str(text: &str) -> Result<Self, String> {
        Resolution::ALL
            .into_iter()
            .find(|r| r.name() == text)
            .ok_or_else(|| {
                format!(
                    "'{}' is not PT15M, PT30M or PT60M",
                    crate::decimal::truncate(text)
                )
            })
    }
}

/// Prices read from an ENTSO-E document.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EntsoePrices {
    /// ISO 4217 currency (`currency_Unit.name`).
    pub currency: String,
    /// One price per position (A03 gaps filled), micro-currency per kWh, without any adder.
    pub prices: Vec<PriceInterval>,
    /// Points written in the file.
    pub points: usize,
    /// Prices that had to round.
    pub rounded: usize,
}

#[derive(Default)]
struct Series {
    currency: Option<String>,
    unit: Option<String>,
    curve: Option<String>,
}

#[derive(Default)]
struct PeriodRaw {
    start: Option<String>,
    end: Option<String>,
    resolution: Option<String>,
    points: Vec<(Option<String>, Option<String>, String)>,
    at: String,
}

/// One `Period` read: its place, resolution, span and prices.
struct Block {
    at: String,
    resolution: Resolution,
    start: i64,
    end: i64,
    prices: Vec<PriceInterval>,
    points: usize,
    rounded: usize,
}

/// Reads an ENTSO-E A44 document (capped at [`MAX_ENTSOE_BYTES`] before parsing), keeping
/// only the periods of `resolution` when one is given; see [`parse_entsoe`].
pub fn read_entsoe(
    path: &Path,
    resolution: Option<Resolution>,
) -> Result<EntsoePrices, ImportError> {
    let bytes = zkmeter_protocol::fs::read_capped(path, MAX_ENTSOE_BYTES, "ENTSO-E XML")?;
    parse_entsoe(&bytes, resolution)
}

fn parse_time(text: &str, at: &str) -> Result<i64, ImportError> {
    let t = text.trim();
    let unix = match NaiveDateTime::parse_from_str(t, "%Y-%m-%dT%H:%MZ") {
        Ok(dt) => dt.and_utc().timestamp(),
        Err(_) => UtcTime::parse(t)
            .map_err(|e| ImportError::BadValue {
                at: at.into(),
                field: "time".into(),
                reason: e.to_string(),
            })?
            .unix(),
    };
    UtcTime::from_unix(unix).map_err(|e| ImportError::BadValue {
        at: at.into(),
        field: "time".into(),
        reason: e.to_string(),
    })?;
    Ok(unix)
}

/// Parses an ENTSO-E A44 document; see the module docs.
///
/// With `resolution` `None`, periods of two resolutions covering the same hours are refused
/// ([`ImportError::TwoResolutions`]); with `Some(r)`, only the periods of resolution `r` are
/// kept (all are still checked), and a document without any is refused.
pub fn parse_entsoe(
    bytes: &[u8],
    resolution: Option<Resolution>,
) -> Result<EntsoePrices, ImportError> {
    check_cap(bytes, "ENTSO-E XML", MAX_ENTSOE_BYTES)?;
    let text = utf8_text(bytes, "ENTSO-E XML")?;
    let mut lines = LineCounter::new(bytes);
    let mut reader = NsReader::from_str(text);
    reader.config_mut().trim_text(true);
    let mut stack: Vec<String> = vec![];
    let mut buf = String::new();
    let mut doc_type: Option<String> = None;
    let mut series: Vec<(Series, Vec<PeriodRaw>)> = vec![];
    let mut point: Option<(Option<String>, Option<String>, String)> = None;
    loop {
        let (ns, event) = match reader.read_resolved_event() {
            Ok((ResolveResult::Bound(n), ev)) => {
                (Some(String::from_utf8_lossy(n.as_ref()).into_owned()), ev)
            }
            Ok((_, ev)) => (None, ev),
            Err(e) => {
                return Err(ImportError::Malformed {
                    what: "ENTSO-E XML",
                    at: line_at(bytes, reader.error_position() as usize),
                    reason: e.to_string(),
                })
            }
        };
        let pos = (reader.buffer_position() as usize).saturating_sub(1);
        let at = lines.at(pos);
        match event {
            Event::Start(ref e) | Event::Empty(ref e) => {
                let local = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
                if stack.is_empty() {
                    if local != "Publication_MarketDocument" {
                        return Err(ImportError::structure(
                            at,
                            format!("root element <{local}> is not <Publication_MarketDocument>"),
                        ));
                    }
                    if !ns
                        .as_deref()
                        .is_some_and(|n| n.starts_with(ENTSOE_NS_PREFIX))
                    {
                        return Err(ImportError::structure(
                            at,
                            format!(
                                "<Publication_MarketDocument> is in {}, not a '{ENTSOE_NS_PREFIX}:...' namespace",
                                ns.map_or("no namespace".into(), |n| format!("namespace '{n}'"))
                            ),
                        ));
                    }
                }
                if stack.len() > 32 {
                    return Err(ImportError::structure(at, "elements nested too deeply"));
                }
                match local.as_str() {
                    "TimeSeries" => series.push((Series::default(), vec![])),
                    "Period" => match series.last_mut() {
                        Some((_, periods)) => periods.push(PeriodRaw {
                            at: at.clone(),
                            ..Default::default()
                        }),
                        None => {
                            return Err(ImportError::structure(
                                at,
                                "<Period> outside a <TimeSeries>",
                            ))
                        }
                    },
                    "Point" => point = Some((None, None, at.clone())),
                    _ => {}
                }
                if matches!(event, Event::Start(_)) {
                    stack.push(local);
                    buf.clear();
                }
            }
            Event::Text(t) => buf.push_str(&t.decode().map_err(|e| ImportError::Malformed {
                what: "ENTSO-E XML",
                at: at.clone(),
                reason: e.to_string(),
            })?),
            Event::GeneralRef(r) => {
                buf.push('&');
                buf.push_str(&String::from_utf8_lossy(&r));
                buf.push(';');
            }
            Event::End(_) => {
                let local = stack.pop().unwrap_or_default();
                let parent = stack.last().map(String::as_str);
                let value = std::mem::take(&mut buf);
                let in_series = stack.iter().any(|s| s == "TimeSeries");
                let s = series.last_mut();
                match (parent, local.as_str(), s) {
                    (Some("Publication_MarketDocument"), "type", _) => doc_type = Some(value),
                    (_, "currency_Unit.name", Some((s, _))) if in_series => {
                        s.currency = Some(value)
                    }
                    (_, "price_Measure_Unit.name", Some((s, _))) if in_series => {
                        s.unit = Some(value)
                    }
                    (_, "curveType", Some((s, _))) if in_series => s.curve = Some(value),
                    (Some("timeInterval"), "start", Some((_, p)))
                        if stack.iter().any(|s| s == "Period") =>
                    {
                        if let Some(p) = p.last_mut() {
                            p.start = Some(value)
                        }
                    }
                    (Some("timeInterval"), "end", Some((_, p)))
                        if stack.iter().any(|s| s == "Period") =>
                    {
                        if let Some(p) = p.last_mut() {
                            p.end = Some(value)
                        }
                    }
                    (Some("Period"), "resolution", Some((_, p))) => {
                        if let Some(p) = p.last_mut() {
                            p.resolution = Some(value)
                        }
                    }
                    (Some("Point"), "position", _) => {
                        if let Some(pt) = point.as_mut() {
                            pt.0 = Some(value)
                        }
                    }
                    (Some("Point"), "price.amount", _) => {
                        if let Some(pt) = point.as_mut() {
                            pt.1 = Some(value)
                        }
                    }
                    (_, "Point", Some((_, p))) => {
                        if let (Some(pt), Some(p)) = (point.take(), p.last_mut()) {
                            p.points.push(pt);
                        }
                    }
                    _ => {}
                }
            }
            Event::Eof => {
                if let Some(open) = stack.last() {
                    return Err(ImportError::Malformed {
                        what: "ENTSO-E XML",
                        at,
                        reason: format!("file ends inside <{open}> (truncated?)"),
                    });
                }
                break;
            }
            _ => {}
        }
    }
    match doc_type.as_deref() {
        Some("A44") => {}
        other => {
            return Err(ImportError::structure(
                "<Publication_MarketDocument>",
                format!(
                    "document type {:?} is not A44 (day-ahead prices)",
                    other.unwrap_or("missing")
                ),
            ))
        }
    }
    let mut currency_seen = String::new();
    let mut blocks: Vec<Block> = vec![];
    for (s, periods) in &series {
        let currency = s
            .currency
            .clone()
            .ok_or_else(|| ImportError::structure("<TimeSeries>", "no <currency_Unit.name>"))?;
        if !currency_seen.is_empty() && currency_seen != currency {
            return Err(ImportError::structure(
                "<TimeSeries>",
                format!("mixed currencies {currency_seen} and {currency}"),
            ));
        }
        currency_seen = currency;
        if s.unit.as_deref() != Some("MWH") {
            return Err(ImportError::structure(
                "<TimeSeries>",
                format!(
                    "price unit {:?} is not MWH",
                    s.unit.as_deref().unwrap_or("missing")
                ),
            ));
        }
        let variable = match s.curve.as_deref() {
            Some("A03") => true,
            Some("A01") | None => false,
            Some(other) => {
                return Err(ImportError::structure(
                    "<curveType>",
                    format!("curve type '{other}' is not A01 or A03"),
                ))
            }
        };
        for p in periods {
            let start = parse_time(
                p.start.as_deref().ok_or_else(|| {
                    ImportError::structure(p.at.clone(), "<Period> has no timeInterval/start")
                })?,
                &p.at,
            )?;
            let end = parse_time(
                p.end.as_deref().ok_or_else(|| {
                    ImportError::structure(p.at.clone(), "<Period> has no timeInterval/end")
                })?,
                &p.at,
            )?;
            let Some(resolution) = p.resolution.as_deref().and_then(Resolution::from_document)
            else {
                return Err(ImportError::structure(
                    p.at.clone(),
                    format!(
                        "resolution {:?} is not PT15M, PT30M or PT60M",
                        p.resolution.as_deref().map_or("missing", str::trim)
                    ),
                ));
            };
            let res = resolution.seconds();
            if end <= start || (end - start) % res != 0 || (end - start) / res > MAX_POSITIONS {
                return Err(ImportError::structure(
                    p.at.clone(),
                    "timeInterval is not a whole number of resolution steps",
                ));
            }
            let n = (end - start) / res;
            let mut block = Block {
                at: p.at.clone(),
                resolution,
                start,
                end,
                prices: vec![],
                points: 0,
                rounded: 0,
            };
            let mut by_pos: BTreeMap<i64, (i64, String)> = BTreeMap::new();
            for (pos, amount, at) in &p.points {
                let pos_text = pos.as_deref().ok_or_else(|| {
                    ImportError::structure(at.clone(), "<Point> has no <position>")
                })?;
                let position: i64 = pos_text.trim().parse().map_err(|_| ImportError::BadValue {
                    at: at.clone(),
                    field: "<position>".into(),
                    reason: format!(
                        "'{}' is not a whole number",
                        crate::decimal::truncate(pos_text)
                    ),
                })?;
                if !(1..=n).contains(&position) {
                    return Err(ImportError::BadValue {
                        at: at.clone(),
                        field: "<position>".into(),
                        reason: format!("{position} is not between 1 and {n}"),
                    });
                }
                let amount_text = amount.as_deref().ok_or_else(|| {
                    ImportError::structure(at.clone(), "<Point> has no <price.amount>")
                })?;
                let d = Decimal::parse(amount_text)
                    .map_err(|e| ImportError::decimal(at.clone(), "<price.amount>", e))?;
                let c = to_micro(&d, PER_MWH_SHIFT, at, "<price.amount>")?;
                block.rounded += usize::from(c.rounded);
                if let Some((_, first)) = by_pos.insert(position, (c.micro_per_kwh, at.clone())) {
                    return Err(ImportError::Duplicate {
                        at: at.clone(),
                        timestamp: format!("position {position}"),
                        first,
                    });
                }
                block.points += 1;
            }
            let mut last: Option<(i64, String)> = None;
            for position in 1..=n {
                let here = match by_pos.get(&position) {
                    Some(v) => v.clone(),
                    None if variable && last.is_some() => last.clone().unwrap_or_default(),
                    None => {
                        return Err(ImportError::Missing {
                            at: p.at.clone(),
                            what: "price",
                            timestamp: format!(
                                "{} (position {position})",
                                crate::readings::ts(start + (position - 1) * res)
                            ),
                            hint: if variable {
                                " (A03 needs position 1)"
                            } else {
                                " (curve type A01 lists every position)"
                            },
                        })
                    }
                };
                block.prices.push(PriceInterval {
                    start: start + (position - 1) * res,
                    seconds: res,
                    micro_per_kwh: here.0,
                    at: here.1.clone(),
                });
                last = Some(here);
            }
            blocks.push(block);
        }
    }
    match resolution {
        Some(r) => {
            let present: BTreeSet<Resolution> = blocks.iter().map(|b| b.resolution).collect();
            if !present.is_empty() && !present.contains(&r) {
                let names: Vec<&str> = present.iter().map(|r| r.name()).collect();
                return Err(ImportError::structure(
                    "whole file",
                    format!(
                        "no {r} series to keep: the document's periods are {}",
                        names.join(" and ")
                    ),
                ));
            }
            blocks.retain(|b| b.resolution == r);
        }
        None => one_resolution_per_hour(&mut blocks)?,
    }
    let mut out = EntsoePrices {
        currency: currency_seen,
        prices: vec![],
        points: 0,
        rounded: 0,
    };
    for b in blocks {
        out.prices.extend(b.prices);
        out.points += b.points;
        out.rounded += b.rounded;
    }
    if out.prices.is_empty() {
        return Err(ImportError::structure(
            "whole file",
            "no <TimeSeries> with prices",
        ));
    }
    Ok(out)
}

/// Refuses periods of different resolutions whose spans overlap, naming both resolutions, the
/// hours they share and both places. Sorts `blocks` by start (their order does not matter to
/// the caller: prices are put on a frame by time).
fn one_resolution_per_hour(blocks: &mut [Block]) -> Result<(), ImportError> {
    blocks.sort_by_key(|b| b.start);
    // Per resolution, the period seen so far that ends last: any earlier period overlapping the
    // current one has an end after its start, and so does this one.
    let mut latest: BTreeMap<Resolution, usize> = BTreeMap::new();
    for (i, b) in blocks.iter().enumerate() {
        for (&r, &j) in &latest {
            let other = &blocks[j];
            if r != b.resolution && other.end > b.start {
                let (finer, coarser) = if r < b.resolution {
                    (r, b.resolution)
                } else {
                    (b.resolution, r)
                };
                return Err(ImportError::TwoResolutions {
                    at: b.at.clone(),
                    finer,
                    coarser,
                    from: crate::readings::ts(b.start),
                    to: crate::readings::ts(b.end.min(other.end)),
                    other: other.at.clone(),
                });
            }
        }
        match latest.get(&b.resolution) {
            Some(&j) if blocks[j].end >= b.end => {}
            _ => {
                latest.insert(b.resolution, i);
            }
        }
    }
    Ok(())
}
