//! Green Button (ESPI / NAESB REQ.21) XML: IntervalBlock / IntervalReading energy readings.
//!
//! Accepted: an Atom feed of entries (or bare ESPI elements), with any namespace prefixes; the
//! ESPI elements must be in the `http://naesb.org/espi` namespace. Each IntervalBlock is matched
//! to its ReadingType (the only one in the file, or through its MeterReading's `related` link);
//! only blocks whose ReadingType has `uom` 72 (Wh) are imported, scaled by
//! `10^powerOfTenMultiplier` exactly (a value that is not a whole number of Wh is refused).
//! Readings may be in any order and spread over several blocks; [`fit_to_frame`] selects the
//! period and checks gaps, duplicates and overlaps. Each reading's length is its
//! `timePeriod/duration` (else the ReadingType's `intervalLength`).
//!
//! [`fit_to_frame`]: super::fit_to_frame

use std::collections::HashMap;
use std::path::Path;

use quick_xml::events::Event;
use quick_xml::name::ResolveResult;
use quick_xml::NsReader;

use super::Interval;
use crate::decimal::Decimal;
use crate::error::{check_cap, line_at, utf8_text, ImportError, LineCounter};

/// The ESPI namespace.
pub const ESPI_NS: &str = "http://naesb.org/espi";
/// The Atom namespace.
pub const ATOM_NS: &str = "http://www.w3.org/2005/Atom";
/// Cap on a Green Button file, checked before parsing (a year of 15-minute readings is ~20 MiB).
pub const MAX_GREEN_BUTTON_BYTES: u64 = 64 << 20;
/// ESPI unit of measure code for watt-hours.
pub const UOM_WH: i64 = 72;
/// ESPI `flowDirection` of energy delivered to the customer (the only direction billed here;
/// reverse or net flows, e.g. solar export, are skipped).
pub const FLOW_FORWARD: i64 = 1;
/// Deepest element nesting accepted.
const MAX_DEPTH: usize = 64;

/// A ReadingType's scaling.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReadingType {
    /// `uom` code (72 = Wh).
    pub uom: i64,
    /// `powerOfTenMultiplier`.
    pub power_of_ten: i32,
    /// `intervalLength` in seconds, if given.
    pub interval_length: Option<i64>,
    /// `flowDirection`, if given (1 = forward, energy delivered to the customer).
    pub flow_direction: Option<i64>,
    /// Where it is.
    pub at: String,
}

/// The Wh readings of a Green Button file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GreenButton {
    /// Every imported reading, in file order.
    pub intervals: Vec<Interval>,
    /// IntervalBlocks imported.
    pub blocks: usize,
    /// IntervalBlocks skipped because their ReadingType is not energy in Wh.
    pub skipped_blocks: usize,
}

/// Reads a Green Button file (capped at [`MAX_GREEN_BUTTON_BYTES`] before parsing).
pub fn read_green_button(path: &Path) -> Result<GreenButton, ImportError> {
    let bytes =
        zkmeter_protocol::fs::read_capped(path, MAX_GREEN_BUTTON_BYTES, "Green Button XML")?;
    parse_green_button(&bytes)
}

#[derive(Default)]
struct Entry {
    self_href: Option<String>,
    up_href: Option<String>,
    related: Vec<String>,
    is_meter_reading: bool,
    /// Indexes into `blocks`.
    blocks: Vec<usize>,
}

/// A ReadingType being read: powerOfTenMultiplier, uom, intervalLength texts.
type RawReadingType = (ReadingType, Option<String>, Option<String>, Option<String>);

struct RawReading {
    start: Option<String>,
    duration: Option<String>,
    value: Option<String>,
    at: String,
}

struct RawBlock {
    readings: Vec<RawReading>,
    at: String,
}

/// Parses Green Button XML bytes; see the module docs.
pub fn parse_green_button(bytes: &[u8]) -> Result<GreenButton, ImportError> {
    check_cap(bytes, "Green Button XML", MAX_GREEN_BUTTON_BYTES)?;
    let text = utf8_text(bytes, "Green Button XML")?;
    let mut lines = LineCounter::new(bytes);
    let mut reader = NsReader::from_str(text);
    reader.config_mut().trim_text(true);
    // Stack of (is ESPI, local name); entries and blocks being built.
    let mut stack: Vec<(bool, String)> = vec![];
    let mut entries: Vec<Entry> = vec![Entry::default()]; // entry 0: outside any <entry>
    let mut current_entry = 0usize;
    let mut blocks: Vec<RawBlock> = vec![];
    let mut reading_types: Vec<(usize, ReadingType)> = vec![];
    // The ReadingType being read, with its powerOfTenMultiplier, uom and intervalLength texts.
    let mut rt: Option<RawReadingType> = None;
    let mut rt_flow: Option<String> = None;
    let mut reading: Option<RawReading> = None;
    let mut text_buf = String::new();
    loop {
        let (ns_kind, event) = match reader.read_resolved_event() {
            Ok((ResolveResult::Bound(n), ev)) => (Some(n.as_ref().to_vec()), ev),
            Ok((_, ev)) => (None, ev),
            Err(e) => {
                return Err(ImportError::Malformed {
                    what: "Green Button XML",
                    at: line_at(bytes, reader.error_position() as usize),
                    reason: e.to_string(),
                })
            }
        };
        // The position just after this event: its closing '>' is on the line we report.
        let pos = (reader.buffer_position() as usize).saturating_sub(1);
        let here = lines.at(pos);
        let at = || here.clone();
        match event {
            Event::Start(ref e) | Event::Empty(ref e) => {
                let empty = matches!(event, Event::Empty(_));
                let local = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
                let espi = ns_kind.as_deref() == Some(ESPI_NS.as_bytes());
                let atom = ns_kind.as_deref() == Some(ATOM_NS.as_bytes());
                if matches!(
                    local.as_str(),
                    "IntervalBlock" | "IntervalReading" | "ReadingType" | "MeterReading"
                ) && !espi
                {
                    let found = ns_kind.as_deref().map_or("no namespace".to_owned(), |n| {
                        format!("namespace '{}'", String::from_utf8_lossy(n))
                    });
                    return Err(ImportError::structure(
                        at(),
                        format!("<{local}> is in {found}, not the ESPI namespace '{ESPI_NS}'"),
                    ));
                }
                if stack.len() >= MAX_DEPTH {
                    return Err(ImportError::structure(at(), "elements nested too deeply"));
                }
                let parent = stack.last().map(|(_, n)| n.as_str());
                match (atom, espi, local.as_str()) {
                    (true, _, "entry") if !empty => {
                        entries.push(Entry::default());
                        current_entry = entries.len() - 1;
                    }
                    (true, _, "link") if parent == Some("entry") => {
                        let mut rel = None;
                        let mut href = None;
                        for a in e.attributes().flatten() {
                            let v = String::from_utf8_lossy(&a.value).into_owned();
                            match a.key.local_name().as_ref() {
                                b"rel" => rel = Some(v),
                                b"href" => href = Some(v),
                                _ => {}
                            }
                        }
                        let entry = &mut entries[current_entry];
                        match (rel.as_deref(), href) {
                            (Some("self"), Some(h)) => entry.self_href = Some(h),
                            (Some("up"), Some(h)) => entry.up_href = Some(h),
                            (Some("related"), Some(h)) => entry.related.push(h),
                            _ => {}
                        }
                    }
                    (_, true, "MeterReading") => entries[current_entry].is_meter_reading = true,
                    (_, true, "ReadingType") => {
                        rt = Some((
                            ReadingType {
                                uom: 0,
                                power_of_ten: 0,
                                interval_length: None,
                                flow_direction: None,
                                at: at(),
                            },
                            None,
                            None,
                            None,
                        ));
                    }
                    (_, true, "IntervalBlock") => {
                        blocks.push(RawBlock {
                            readings: vec![],
                            at: at(),
                        });
                        entries[current_entry].blocks.push(blocks.len() - 1);
                    }
                    (_, true, "IntervalReading") => {
                        if blocks.is_empty() || parent != Some("IntervalBlock") {
                            return Err(ImportError::structure(
                                at(),
                                "<IntervalReading> outside an <IntervalBlock>",
                            ));
                        }
                        reading = Some(RawReading {
                            start: None,
                            duration: None,
                            value: None,
                            at: at(),
                        });
                    }
                    _ => {}
                }
                if !empty {
                    stack.push((espi, local));
                    text_buf.clear();
                }
            }
            Event::Text(t) => {
                let s = t.decode().map_err(|e| ImportError::Malformed {
                    what: "Green Button XML",
                    at: at(),
                    reason: e.to_string(),
                })?;
                text_buf.push_str(&s);
            }
            Event::GeneralRef(r) => {
                text_buf.push('&');
                text_buf.push_str(&String::from_utf8_lossy(&r));
                text_buf.push(';');
            }
            Event::End(_) => {
                let Some((espi, local)) = stack.pop() else {
                    return Err(ImportError::structure(
                        at(),
                        "closing tag without an opening one",
                    ));
                };
                let parent = stack.last().map(|(_, n)| n.as_str());
                let grand = stack.len().checked_sub(2).map(|i| stack[i].1.as_str());
                let value = std::mem::take(&mut text_buf);
                if espi {
                    if let Some((_, p10, uom, len)) = rt.as_mut() {
                        if parent == Some("ReadingType") {
                            match local.as_str() {
                                "powerOfTenMultiplier" => *p10 = Some(value.clone()),
                                "uom" => *uom = Some(value.clone()),
                                "intervalLength" => *len = Some(value.clone()),
                                "flowDirection" => rt_flow = Some(value.clone()),
                                _ => {}
                            }
                        }
                    }
                    if let Some(r) = reading.as_mut() {
                        match (grand, parent, local.as_str()) {
                            (Some("IntervalReading"), Some("timePeriod"), "start") => {
                                r.start = Some(value)
                            }
                            (Some("IntervalReading"), Some("timePeriod"), "duration") => {
                                r.duration = Some(value)
                            }
                            (_, Some("IntervalReading"), "value") => r.value = Some(value),
                            _ => {}
                        }
                    }
                    match local.as_str() {
                        "ReadingType" => {
                            if let Some((mut t, p10, uom, len)) = rt.take() {
                                t.uom = int_field(&t.at, "uom", uom.as_deref())?;
                                t.power_of_ten = match p10 {
                                    Some(p) => int_field(&t.at, "powerOfTenMultiplier", Some(&p))?
                                        .clamp(-99, 99)
                                        as i32,
                                    None => 0,
                                };
                                t.interval_length = match len {
                                    Some(l) => Some(int_field(&t.at, "intervalLength", Some(&l))?),
                                    None => None,
                                };
                                t.flow_direction = match rt_flow.take() {
                                    Some(f) => Some(int_field(&t.at, "flowDirection", Some(&f))?),
                                    None => None,
                                };
                                reading_types.push((current_entry, t));
                            }
                        }
                        "IntervalReading" => {
                            if let (Some(r), Some(b)) = (reading.take(), blocks.last_mut()) {
                                b.readings.push(r);
                            }
                        }
                        _ => {}
                    }
                } else if local == "entry" {
                    current_entry = 0;
                }
            }
            Event::Eof => {
                if let Some((_, open)) = stack.last() {
                    return Err(ImportError::Malformed {
                        what: "Green Button XML",
                        at: at(),
                        reason: format!("file ends inside <{open}> (truncated?)"),
                    });
                }
                break;
            }
            _ => {}
        }
    }
    if blocks.is_empty() {
        return Err(ImportError::structure(
            "whole file",
            format!("no <IntervalBlock> in the ESPI namespace '{ESPI_NS}'"),
        ));
    }
    // Which ReadingType applies to each block.
    let by_self: HashMap<&str, &ReadingType> = reading_types
        .iter()
        .filter_map(|(e, t)| entries[*e].self_href.as_deref().map(|h| (h, t)))
        .collect();
    let meter_readings: HashMap<&str, &Entry> = entries
        .iter()
        .filter(|e| e.is_meter_reading)
        .filter_map(|e| e.self_href.as_deref().map(|h| (h, e)))
        .collect();
    let mut out = GreenButton {
        intervals: vec![],
        blocks: 0,
        skipped_blocks: 0,
    };
    for entry in &entries {
        for &bi in &entry.blocks {
            let block = &blocks[bi];
            let rtype = if reading_types.len() == 1 {
                &reading_types[0].1
            } else {
                let linked = entry
                    .up_href
                    .as_deref()
                    .and_then(|up| up.strip_suffix("/IntervalBlock"))
                    .and_then(|mr| meter_readings.get(mr))
                    .and_then(|mr| mr.related.iter().find_map(|h| by_self.get(h.as_str())));
                match linked {
                    Some(t) => t,
                    None => {
                        return Err(ImportError::structure(
                            block.at.clone(),
                            format!(
                                "cannot tell which of the {} ReadingTypes applies to this \
                                 <IntervalBlock> (no MeterReading link to one)",
                                reading_types.len()
                            ),
                        ))
                    }
                }
            };
            if rtype.uom != UOM_WH || rtype.flow_direction.is_some_and(|f| f != FLOW_FORWARD) {
                out.skipped_blocks += 1;
                continue;
            }
            out.blocks += 1;
            for r in &block.readings {
                out.intervals.push(interval(r, rtype)?);
            }
        }
    }
    if out.blocks == 0 {
        let uoms: Vec<String> = reading_types
            .iter()
            .map(|(_, t)| format!("{} ({})", t.uom, t.at))
            .collect();
        return Err(ImportError::structure(
            "whole file",
            format!(
                "no IntervalBlock of delivered energy in Wh (uom {UOM_WH}, flowDirection {FLOW_FORWARD}); ReadingType uom found: {}",
                uoms.join(", ")
            ),
        ));
    }
    Ok(out)
}

fn int_field(at: &str, field: &str, text: Option<&str>) -> Result<i64, ImportError> {
    let text = text.ok_or_else(|| ImportError::structure(at, format!("<{field}> is missing")))?;
    text.trim()
        .parse::<i64>()
        .map_err(|_| ImportError::BadValue {
            at: at.into(),
            field: format!("<{field}>"),
            reason: format!("'{}' is not a whole number", crate::decimal::truncate(text)),
        })
}

fn interval(r: &RawReading, t: &ReadingType) -> Result<Interval, ImportError> {
    let start = int_field(&r.at, "timePeriod/start", r.start.as_deref())?;
    let seconds = match (&r.duration, t.interval_length) {
        (Some(d), _) => int_field(&r.at, "timePeriod/duration", Some(d))?,
        (None, Some(l)) => l,
        (None, None) => int_field(&r.at, "timePeriod/duration", None)?,
    };
    let value_text = r
        .value
        .as_deref()
        .ok_or_else(|| ImportError::structure(r.at.clone(), "<value> is missing"))?;
    let value =
        Decimal::parse(value_text).map_err(|e| ImportError::decimal(r.at.clone(), "<value>", e))?;
    if value.is_negative() {
        return Err(ImportError::BadValue {
            at: r.at.clone(),
            field: "<value>".into(),
            reason: format!("{value_text} is negative (only delivered energy can be billed)"),
        });
    }
    let wh = value
        .scaled_exact(t.power_of_ten)
        .map_err(|e| ImportError::decimal(r.at.clone(), "<value>", e))?
        .ok_or_else(|| ImportError::BadValue {
            at: r.at.clone(),
            field: "<value>".into(),
            reason: format!(
                "{value_text} x 10^{} is not a whole number of Wh",
                t.power_of_ten
            ),
        })?;
    let wh = u64::try_from(wh).map_err(|_| ImportError::BadValue {
        at: r.at.clone(),
        field: "<value>".into(),
        reason: format!("{value_text} x 10^{} Wh is out of range", t.power_of_ten),
    })?;
    Ok(Interval {
        start,
        seconds,
        wh,
        at: r.at.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::super::{fit_to_frame, Fill};
    use super::*;
    use zkmeter_protocol::CircuitSize;
    use zkmeter_protocol::{Frame, UtcTime};

    /// A bare (no Atom feed) document with an `espi:` prefix, 30-minute readings in mWh.
    const PREFIXED: &str = r#"<?xml version="1.0"?>
<root xmlns:espi="http://naesb.org/espi">
  <espi:ReadingType>
    <espi:intervalLength>1800</espi:intervalLength>
    <espi:powerOfTenMultiplier>-3</espi:powerOfTenMultiplier>
    <espi:uom>72</espi:uom>
  </espi:ReadingType>
  <espi:IntervalBlock>
    <espi:IntervalReading>
      <espi:timePeriod><espi:duration>1800</espi:duration><espi:start>1767227400</espi:start></espi:timePeriod>
      <espi:value>250000</espi:value>
    </espi:IntervalReading>
    <espi:IntervalReading>
      <espi:timePeriod><espi:start>1767225600</espi:start></espi:timePeriod>
      <espi:value>1000</espi:value>
    </espi:IntervalReading>
  </espi:IntervalBlock>
</root>
"#;

    #[test]
    fn prefixed_30_minute_readings_scale_exactly() {
        let gb = parse_green_button(PREFIXED.as_bytes()).unwrap();
        assert_eq!(gb.blocks, 1);
        // The second reading has no duration: the ReadingType's intervalLength applies.
        assert_eq!(gb.intervals[1].seconds, 1800);
        let start = UtcTime::parse("2026-01-01T00:00:00Z").unwrap();
        let size = CircuitSize::smallest_fitting(2).unwrap();
        let half = Frame::new(start, 30, 2, size).unwrap();
        assert_eq!(
            fit_to_frame(&gb.intervals, &half, Fill::Reject)
                .unwrap()
                .readings,
            vec![1, 250]
        );
        let hour = Frame::new(start, 60, 1, size).unwrap();
        assert_eq!(
            fit_to_frame(&gb.intervals, &hour, Fill::Reject)
                .unwrap()
                .readings,
            vec![251]
        );
        // A prefix bound to another namespace is refused, naming the element and its line.
        let wrong = PREFIXED.replace(
            "xmlns:espi=\"http://naesb.org/espi\"",
            "xmlns:espi=\"urn:other\"",
        );
        let e = parse_green_button(wrong.as_bytes()).unwrap_err();
        assert_eq!(
            e.to_string(),
            "line 3: <ReadingType> is in namespace 'urn:other', not the ESPI namespace 'http://naesb.org/espi'"
        );
        // A second ReadingType without links makes the blocks ambiguous.
        let two = PREFIXED.replacen(
            "<espi:IntervalBlock>",
            "<espi:ReadingType><espi:uom>169</espi:uom></espi:ReadingType>\n  <espi:IntervalBlock>",
            1,
        );
        let e = parse_green_button(two.as_bytes()).unwrap_err();
        assert!(
            e.to_string()
                .contains("cannot tell which of the 2 ReadingTypes"),
            "{e}"
        );
        // A reverse-flow (export) ReadingType is not billed.
        let export = PREFIXED.replace(
            "<espi:uom>72</espi:uom>",
            "<espi:uom>72</espi:uom><espi:flowDirection>19</espi:flowDirection>",
        );
        let e = parse_green_button(export.as_bytes()).unwrap_err();
        assert!(
            e.to_string()
                .contains("no IntervalBlock of delivered energy"),
            "{e}"
        );
        // A gas-only file (therms) has no Wh block.
        let gas = PREFIXED.replace("<espi:uom>72</espi:uom>", "<espi:uom>169</espi:uom>");
        let e = parse_green_button(gas.as_bytes()).unwrap_err();
        assert!(
            e.to_string()
                .contains("no IntervalBlock of delivered energy in Wh"),
            "{e}"
        );
    }
}
