//! Green Button (ESPI / NAESB REQ.21) XML: IntervalBlock / IntervalReading energy readings.
//!
//! Accepted: an Atom feed of entries (or bare ESPI elements), with any namespace prefixes; the
//! ESPI elements must be in the `http://naesb.org/espi` namespace. Each IntervalBlock is matched
//! to its own ReadingType: the only one in the file, or the one its MeterReading entry links
//! (`rel="related"`) from the block's `rel="up"` link. When several entries carry the same self
//! link (redacted downloads), the nearest one before the entry that refers to it is meant.
//!
//! Only blocks whose ReadingType has `uom` 72 (Wh) are imported, by `flowDirection`:
//!
//! * 1 (forward, delivered to the customer) or none: the **import** register;
//! * 19 (reverse, received from the customer, e.g. solar export): the **export** register;
//! * any other direction (net, total, ...) and any other unit (gas in therms, power, ...):
//!   skipped and counted in [`GreenButton::skipped_blocks`].
//!
//! At least one delivered block must exist. A reading's energy is kept exactly as the file
//! states it: `value x 10^powerOfTenMultiplier` Wh becomes [`Interval`]`{ value, exponent }`
//! with no conversion (a value written with decimals keeps its digits: `1067.3` at multiplier 0
//! is `10673 x 10^-1`); the period's unit is chosen later, from the readings inside the frame
//! only, by [`fit_registers_to_frame`]. A negative value is refused. Each reading's length is
//! its `timePeriod/duration`, else the ReadingType's `intervalLength`. Readings may be in any
//! order and spread over several blocks.
//!
//! Places: `line N`; in a file with a line longer than [`LONG_LINE_BYTES`] (downloads that are
//! one line of XML) also the byte offset of the element, `line 1, byte 52311`. An error about a
//! reading's value or length also names the reading's start timestamp.
//!
//! [`fit_registers_to_frame`]: super::fit_registers_to_frame

use std::collections::HashMap;
use std::path::Path;

use quick_xml::events::Event;
use quick_xml::name::ResolveResult;
use quick_xml::NsReader;

use super::{ts, Interval};
use crate::decimal::Decimal;
use crate::error::{check_cap, utf8_text, ImportError, LineCounter};

/// The ESPI namespace.
pub const ESPI_NS: &str = "http://naesb.org/espi";
/// The Atom namespace.
pub const ATOM_NS: &str = "http://www.w3.org/2005/Atom";
/// Cap on a Green Button file, checked before parsing (a year of 15-minute readings is ~20 MiB).
pub const MAX_GREEN_BUTTON_BYTES: u64 = 64 << 20;
/// ESPI unit of measure code for watt-hours.
pub const UOM_WH: i64 = 72;
/// ESPI `flowDirection` of energy delivered to the customer: the import register.
pub const FLOW_FORWARD: i64 = 1;
/// ESPI `flowDirection` of energy received from the customer (e.g. solar export): the export
/// register.
pub const FLOW_REVERSE: i64 = 19;
/// A file with a line longer than this gives byte offsets in its places, not just lines.
pub const LONG_LINE_BYTES: usize = 4096;
/// Deepest element nesting accepted.
const MAX_DEPTH: usize = 64;

/// A ReadingType's scaling.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReadingType {
    /// `uom` code (72 = Wh).
    pub uom: i64,
    /// `powerOfTenMultiplier` (0 when absent).
    pub power_of_ten: i32,
    /// `intervalLength` in seconds, if given.
    pub interval_length: Option<i64>,
    /// `flowDirection`, if given (1 = forward, delivered; 19 = reverse, received).
    pub flow_direction: Option<i64>,
    /// Where it is.
    pub at: String,
}

/// Which register a ReadingType's blocks go to, if any.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Flow {
    Import,
    Export,
    Skip,
}

impl ReadingType {
    fn flow(&self) -> Flow {
        match (self.uom, self.flow_direction) {
            (UOM_WH, None | Some(FLOW_FORWARD)) => Flow::Import,
            (UOM_WH, Some(FLOW_REVERSE)) => Flow::Export,
            _ => Flow::Skip,
        }
    }
}

/// The Wh readings of a Green Button file, per register.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GreenButton {
    /// Energy delivered to the customer (`flowDirection` 1 or none), in file order.
    pub import: Vec<Interval>,
    /// Energy received from the customer (`flowDirection` 19), in file order.
    pub export: Vec<Interval>,
    /// IntervalBlocks imported into `import`.
    pub blocks: usize,
    /// IntervalBlocks imported into `export`.
    pub export_blocks: usize,
    /// IntervalBlocks skipped: not energy in Wh, or another flow direction.
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

/// A ReadingType being read: powerOfTenMultiplier, uom, intervalLength, flowDirection texts.
#[derive(Default)]
struct RawReadingType {
    p10: Option<String>,
    uom: Option<String>,
    len: Option<String>,
    flow: Option<String>,
    at: String,
}

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

/// Places in the file: `line N`, plus `byte B` when the file has long lines.
struct Places<'a> {
    lines: LineCounter<'a>,
    with_bytes: bool,
}

impl<'a> Places<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        Places {
            lines: LineCounter::new(bytes),
            with_bytes: bytes
                .split(|&b| b == b'\n')
                .any(|l| l.len() > LONG_LINE_BYTES),
        }
    }

    fn at(&mut self, pos: usize) -> String {
        let line = self.lines.at(pos);
        if self.with_bytes {
            format!("{line}, byte {pos}")
        } else {
            line
        }
    }
}

/// Parses Green Button XML bytes; see the module docs.
pub fn parse_green_button(bytes: &[u8]) -> Result<GreenButton, ImportError> {
    check_cap(bytes, "Green Button XML", MAX_GREEN_BUTTON_BYTES)?;
    let text = utf8_text(bytes, "Green Button XML")?;
    let mut places = Places::new(bytes);
    let mut reader = NsReader::from_str(text);
    reader.config_mut().trim_text(true);
    // Stack of (is ESPI, local name); entries and blocks being built.
    let mut stack: Vec<(bool, String)> = vec![];
    let mut entries: Vec<Entry> = vec![Entry::default()]; // entry 0: outside any <entry>
    let mut current_entry = 0usize;
    let mut blocks: Vec<RawBlock> = vec![];
    // (entry index, ReadingType), in file order.
    let mut reading_types: Vec<(usize, ReadingType)> = vec![];
    let mut rt: Option<RawReadingType> = None;
    let mut reading: Option<RawReading> = None;
    let mut text_buf = String::new();
    loop {
        let (ns_kind, event) = match reader.read_resolved_event() {
            Ok((ResolveResult::Bound(n), ev)) => (Some(n.as_ref().to_vec()), ev),
            Ok((_, ev)) => (None, ev),
            Err(e) => {
                return Err(ImportError::Malformed {
                    what: "Green Button XML",
                    at: places.at(reader.error_position() as usize),
                    reason: e.to_string(),
                })
            }
        };
        // The position just after this event; a start tag is placed at its '<'.
        let end = reader.buffer_position() as usize;
        let pos = match &event {
            Event::Start(e) => end.saturating_sub(e.len() + 2),
            Event::Empty(e) => end.saturating_sub(e.len() + 3),
            _ => end.saturating_sub(1),
        };
        let here = places.at(pos);
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
                        rt = Some(RawReadingType {
                            at: at(),
                            ..RawReadingType::default()
                        });
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
                    if let Some(raw) = rt.as_mut() {
                        if parent == Some("ReadingType") {
                            match local.as_str() {
                                "powerOfTenMultiplier" => raw.p10 = Some(value.clone()),
                                "uom" => raw.uom = Some(value.clone()),
                                "intervalLength" => raw.len = Some(value.clone()),
                                "flowDirection" => raw.flow = Some(value.clone()),
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
                            if let Some(raw) = rt.take() {
                                reading_types.push((current_entry, reading_type(raw)?));
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
    let links = Links::new(&entries, &reading_types);
    let mut out = GreenButton {
        import: vec![],
        export: vec![],
        blocks: 0,
        export_blocks: 0,
        skipped_blocks: 0,
    };
    for (entry_index, entry) in entries.iter().enumerate() {
        for &bi in &entry.blocks {
            let block = &blocks[bi];
            let rtype = links.reading_type(entry_index).ok_or_else(|| {
                ImportError::structure(
                    block.at.clone(),
                    format!(
                        "cannot tell which of the {} ReadingTypes applies to this \
                         <IntervalBlock> (no MeterReading link to one)",
                        reading_types.len()
                    ),
                )
            })?;
            let (list, count) = match rtype.flow() {
                Flow::Import => (&mut out.import, &mut out.blocks),
                Flow::Export => (&mut out.export, &mut out.export_blocks),
                Flow::Skip => {
                    out.skipped_blocks += 1;
                    continue;
                }
            };
            *count += 1;
            for r in &block.readings {
                list.push(interval(r, rtype)?);
            }
        }
    }
    if out.blocks == 0 {
        let found: Vec<String> = reading_types
            .iter()
            .map(|(_, t)| {
                let flow = t
                    .flow_direction
                    .map_or_else(|| "none".to_owned(), |f| f.to_string());
                format!("uom {} flowDirection {flow} ({})", t.uom, t.at)
            })
            .collect();
        return Err(ImportError::structure(
            "whole file",
            format!(
                "no IntervalBlock of delivered energy in Wh (uom {UOM_WH}, flowDirection \
                 {FLOW_FORWARD} or none); ReadingTypes found: {}",
                found.join(", ")
            ),
        ));
    }
    Ok(out)
}

/// The links between entries: which ReadingType applies to the blocks of an entry.
struct Links<'a> {
    reading_types: &'a [(usize, ReadingType)],
    entries: &'a [Entry],
    /// MeterReading entries by self link (entry indexes, in file order).
    meter_readings: HashMap<&'a str, Vec<usize>>,
    /// ReadingTypes by their entry's self link (indexes into `reading_types`, in file order).
    by_self: HashMap<&'a str, Vec<usize>>,
}

impl<'a> Links<'a> {
    fn new(entries: &'a [Entry], reading_types: &'a [(usize, ReadingType)]) -> Self {
        let mut meter_readings: HashMap<&str, Vec<usize>> = HashMap::new();
        for (i, e) in entries.iter().enumerate() {
            if let (true, Some(h)) = (e.is_meter_reading, e.self_href.as_deref()) {
                meter_readings.entry(h).or_default().push(i);
            }
        }
        let mut by_self: HashMap<&str, Vec<usize>> = HashMap::new();
        for (i, (e, _)) in reading_types.iter().enumerate() {
            if let Some(h) = entries[*e].self_href.as_deref() {
                by_self.entry(h).or_default().push(i);
            }
        }
        Links {
            reading_types,
            entries,
            meter_readings,
            by_self,
        }
    }

    /// The ReadingType of the blocks in entry `entry`: the file's only one, or the one linked
    /// through the block's MeterReading.
    fn reading_type(&self, entry: usize) -> Option<&'a ReadingType> {
        if let [(_, only)] = self.reading_types {
            return Some(only);
        }
        let up = self.entries[entry].up_href.as_deref()?;
        let mr_href = up.strip_suffix("/IntervalBlock")?;
        let mr = nearest_before(self.meter_readings.get(mr_href)?, entry, |&i| i)?;
        self.entries[mr].related.iter().find_map(|h| {
            let candidates = self.by_self.get(h.as_str())?;
            let rt = nearest_before(candidates, mr, |&i| self.reading_types[i].0)?;
            Some(&self.reading_types[rt].1)
        })
    }
}

/// The only candidate, or of several (the same link on several entries), the last one whose
/// entry (`entry_of`) comes before `entry`.
fn nearest_before<T: Copy>(
    candidates: &[T],
    entry: usize,
    entry_of: impl Fn(&T) -> usize,
) -> Option<T> {
    match candidates {
        [only] => Some(*only),
        many => many.iter().rev().find(|c| entry_of(c) < entry).copied(),
    }
}

/// A ReadingType's fields as numbers.
fn reading_type(raw: RawReadingType) -> Result<ReadingType, ImportError> {
    let at = raw.at;
    let power_of_ten = match raw.p10 {
        Some(p) => {
            let p10 = int_field(&at, "powerOfTenMultiplier", Some(&p))?;
            i32::try_from(p10).map_err(|_| ImportError::BadValue {
                at: at.clone(),
                field: "<powerOfTenMultiplier>".into(),
                reason: format!("{p10} is out of range"),
            })?
        }
        None => 0,
    };
    Ok(ReadingType {
        uom: int_field(&at, "uom", raw.uom.as_deref())?,
        power_of_ten,
        interval_length: match raw.len {
            Some(l) => Some(int_field(&at, "intervalLength", Some(&l))?),
            None => None,
        },
        flow_direction: match raw.flow {
            Some(f) => Some(int_field(&at, "flowDirection", Some(&f))?),
            None => None,
        },
        at,
    })
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

/// One reading, its value kept as written (`value x 10^(multiplier - decimals)` Wh).
fn interval(r: &RawReading, t: &ReadingType) -> Result<Interval, ImportError> {
    let start = int_field(&r.at, "timePeriod/start", r.start.as_deref())?;
    // From here on, errors also name the reading's start.
    let at = format!("{} (reading starting {})", r.at, ts(start));
    let seconds = match (&r.duration, t.interval_length) {
        (Some(d), _) => int_field(&at, "timePeriod/duration", Some(d))?,
        (None, Some(l)) => l,
        (None, None) => int_field(&at, "timePeriod/duration", None)?,
    };
    let value_text = r
        .value
        .as_deref()
        .ok_or_else(|| ImportError::structure(at.clone(), "<value> is missing"))?;
    let value =
        Decimal::parse(value_text).map_err(|e| ImportError::decimal(at.clone(), "<value>", e))?;
    if value.is_negative() {
        return Err(ImportError::BadValue {
            at,
            field: "<value>".into(),
            reason: format!(
                "{} is negative (a register counts energy in one direction)",
                value_text.trim()
            ),
        });
    }
    let (digits, written) = value
        .to_unsigned_scaled()
        .ok_or_else(|| ImportError::BadValue {
            at: at.clone(),
            field: "<value>".into(),
            reason: format!("{} is out of range", crate::decimal::truncate(value_text)),
        })?;
    let exponent = t
        .power_of_ten
        .checked_add(written)
        .ok_or_else(|| ImportError::BadValue {
            at: at.clone(),
            field: "<value>".into(),
            reason: format!(
                "{} x 10^{} is out of range",
                value_text.trim(),
                t.power_of_ten
            ),
        })?;
    Ok(Interval {
        start,
        seconds,
        value: digits,
        exponent,
        at: r.at.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::super::{fit_registers_to_frame, fit_to_frame, Fill};
    use super::*;
    use zkmeter_protocol::{CircuitSize, EnergyUnit};
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

    fn frame(slot_minutes: u16, slots: u32) -> Frame {
        let start = UtcTime::parse("2026-01-01T00:00:00Z").unwrap();
        let size = CircuitSize::smallest_fitting(slots as usize, 1).unwrap();
        Frame::new(start, slot_minutes, slots, size).unwrap()
    }

    #[test]
    fn prefixed_30_minute_readings_keep_their_unit() {
        let gb = parse_green_button(PREFIXED.as_bytes()).unwrap();
        assert_eq!((gb.blocks, gb.export_blocks), (1, 0));
        // Kept as written: 250000 x 10^-3 Wh.
        assert_eq!((gb.import[0].value, gb.import[0].exponent), (250_000, -3));
        // The second reading has no duration: the ReadingType's intervalLength applies.
        assert_eq!(gb.import[1].seconds, 1800);
        let half = fit_to_frame(&gb.import, &frame(30, 2), Fill::Reject).unwrap();
        assert_eq!(half.unit, EnergyUnit::MILLI_WH);
        assert_eq!(half.readings, vec![1000, 250_000]);
        let hour = fit_to_frame(&gb.import, &frame(60, 1), Fill::Reject).unwrap();
        assert_eq!(hour.readings, vec![251_000]);
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
        // A reverse-flow (export) ReadingType alone: its readings are the export register,
        // and with no delivered energy there is nothing to bill.
        let export = PREFIXED.replace(
            "<espi:uom>72</espi:uom>",
            "<espi:uom>72</espi:uom><espi:flowDirection>19</espi:flowDirection>",
        );
        let e = parse_green_button(export.as_bytes()).unwrap_err();
        assert_eq!(
            e.to_string(),
            "whole file: no IntervalBlock of delivered energy in Wh (uom 72, flowDirection 1 or \
             none); ReadingTypes found: uom 72 flowDirection 19 (line 3)"
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

    /// An Atom feed with a delivered and a received ReadingType, each linked from its own
    /// MeterReading, and a net one (flowDirection 4) that is skipped. `interleaved` puts each
    /// MeterReading just before its block (else all MeterReadings first); `redacted` gives all
    /// MeterReadings the same self link, as a redacted download does.
    fn feed(received_flow: i64, interleaved: bool, redacted: bool) -> String {
        let rt = |id: &str, flow: i64, p10: i32| {
            format!(
                r#"<entry><link rel="self" href="RT/{id}"/><content><espi:ReadingType>
  <espi:flowDirection>{flow}</espi:flowDirection><espi:intervalLength>3600</espi:intervalLength>
  <espi:powerOfTenMultiplier>{p10}</espi:powerOfTenMultiplier><espi:uom>72</espi:uom>
</espi:ReadingType></content></entry>"#
            )
        };
        let mr_id = |id: &'static str| if redacted { "REDACTED" } else { id };
        let mr = |id: &'static str, rt: &str| {
            format!(
                r#"<entry><link rel="self" href="UP/MR/{}"/><link rel="related" href="RT/{rt}"/>
<content><espi:MeterReading/></content></entry>"#,
                mr_id(id)
            )
        };
        let block = |id: &'static str, values: [u64; 2]| {
            let readings: String = values
                .iter()
                .enumerate()
                .map(|(i, v)| {
                    format!(
                        "<espi:IntervalReading><espi:timePeriod><espi:duration>3600</espi:duration>\
                         <espi:start>{}</espi:start></espi:timePeriod><espi:value>{v}</espi:value>\
                         </espi:IntervalReading>\n",
                        1_767_225_600 + 3600 * i as i64
                    )
                })
                .collect();
            format!(
                r#"<entry><link rel="up" href="UP/MR/{}/IntervalBlock"/><content><espi:IntervalBlock>
{readings}</espi:IntervalBlock></content></entry>"#,
                mr_id(id)
            )
        };
        let pairs = [
            (mr("1", "del"), block("1", [500, 700])),
            (mr("2", "rec"), block("2", [1_500, 0])),
            (mr("3", "net"), block("3", [1, 2])),
        ];
        let mut parts = vec![
            rt("del", 1, 0),
            rt("rec", received_flow, -3),
            rt("net", 4, 0),
        ];
        if interleaved {
            parts.extend(pairs.iter().flat_map(|(m, b)| [m.clone(), b.clone()]));
        } else {
            parts.extend(pairs.iter().map(|(m, _)| m.clone()));
            parts.extend(pairs.iter().map(|(_, b)| b.clone()));
        }
        format!(
            "<feed xmlns=\"http://www.w3.org/2005/Atom\" xmlns:espi=\"http://naesb.org/espi\">\n{}\n</feed>\n",
            parts.join("\n")
        )
    }

    fn values(v: &[Interval]) -> Vec<(u64, i32)> {
        v.iter().map(|i| (i.value, i.exponent)).collect()
    }

    #[test]
    fn delivered_and_received_blocks_become_the_two_registers() {
        let gb = parse_green_button(feed(19, false, false).as_bytes()).unwrap();
        assert_eq!((gb.blocks, gb.export_blocks, gb.skipped_blocks), (1, 1, 1));
        assert_eq!(values(&gb.import), vec![(500, 0), (700, 0)]);
        assert_eq!(values(&gb.export), vec![(1_500, -3), (0, -3)]);
        // One unit for both registers: the export's mWh.
        let r = fit_registers_to_frame(&gb.import, Some(&gb.export), &frame(60, 2), Fill::Reject)
            .unwrap();
        assert_eq!(r.unit, EnergyUnit::MILLI_WH);
        assert_eq!(r.import, vec![500_000, 700_000]);
        assert_eq!(r.export, Some(vec![1_500, 0]));
        // Relabelled as net (4), the received block is skipped like the other net one.
        let gb = parse_green_button(feed(4, false, false).as_bytes()).unwrap();
        assert_eq!((gb.blocks, gb.export_blocks, gb.skipped_blocks), (1, 0, 2));
        assert!(gb.export.is_empty());
    }

    #[test]
    fn redacted_links_resolve_to_the_nearest_entry_before() {
        // Distinct links: the order of the entries does not matter.
        let honest = parse_green_button(feed(19, true, false).as_bytes()).unwrap();
        let other_order = parse_green_button(feed(19, false, false).as_bytes()).unwrap();
        assert_eq!(
            (values(&honest.import), values(&honest.export)),
            (values(&other_order.import), values(&other_order.export))
        );
        // Redacted links, each MeterReading just before its block: every block still finds
        // its own ReadingType.
        let gb = parse_green_button(feed(19, true, true).as_bytes()).unwrap();
        assert_eq!(
            (values(&gb.import), values(&gb.export)),
            (values(&honest.import), values(&honest.export))
        );
        assert_eq!((gb.blocks, gb.export_blocks, gb.skipped_blocks), (1, 1, 1));
        // Redacted links with all MeterReadings first: each block takes the last one (net),
        // so no delivered block is left, and that is what the error says.
        let e = parse_green_button(feed(19, false, true).as_bytes()).unwrap_err();
        assert!(
            e.to_string()
                .contains("no IntervalBlock of delivered energy"),
            "{e}"
        );
    }

    #[test]
    fn one_line_files_name_bytes_and_timestamps() {
        // The same readings many times over, on one line (no newline at all).
        let reading = |start: i64, value: &str| {
            format!(
                "<espi:IntervalReading><espi:timePeriod><espi:duration>900</espi:duration>\
                 <espi:start>{start}</espi:start></espi:timePeriod><espi:value>{value}</espi:value>\
                 </espi:IntervalReading>"
            )
        };
        let doc = |bad_at: i64| -> String {
            let readings: String = (0..96)
                .map(|q| {
                    let start = 1_767_225_600 + q * 900;
                    reading(start, if q == bad_at { "1067.3x" } else { "1067300" })
                })
                .collect();
            format!(
                "<espi:IntervalBlock xmlns:espi=\"http://naesb.org/espi\"><espi:ReadingType>\
                 <espi:powerOfTenMultiplier>-3</espi:powerOfTenMultiplier><espi:uom>72</espi:uom>\
                 </espi:ReadingType>{readings}</espi:IntervalBlock>"
            )
        };
        let honest = doc(-1);
        assert!(honest.len() > LONG_LINE_BYTES && !honest.contains('\n'));
        let gb = parse_green_button(honest.as_bytes()).unwrap();
        assert_eq!(gb.import.len(), 96);
        let first = honest.find("<espi:IntervalReading>").unwrap();
        assert_eq!(gb.import[0].at, format!("line 1, byte {first}"));
        let day = fit_to_frame(&gb.import, &frame(15, 96), Fill::Reject).unwrap();
        assert_eq!(
            (day.unit, day.readings[0]),
            (EnergyUnit::MILLI_WH, 1_067_300)
        );
        // A bad value in the 58th reading names its byte and its start.
        let bad = doc(57);
        let pos = bad.find("1067.3x").unwrap();
        let open = bad[..pos].rfind("<espi:IntervalReading>").unwrap();
        let e = parse_green_button(bad.as_bytes()).unwrap_err();
        assert_eq!(
            e.to_string(),
            format!(
                "line 1, byte {open} (reading starting 2026-01-01T14:15:00Z): <value> is \
                 invalid: '1067.3x' is not a decimal number"
            )
        );
        // A duplicate reading names both bytes.
        let dup = honest.replacen("<espi:start>1767226500<", "<espi:start>1767225600<", 1);
        let gb = parse_green_button(dup.as_bytes()).unwrap();
        let e = fit_to_frame(&gb.import, &frame(15, 96), Fill::Reject).unwrap_err();
        let second = first + reading(1_767_225_600, "1067300").len();
        assert_eq!(
            e.to_string(),
            format!(
                "line 1, byte {second}: duplicate interval starting 2026-01-01T00:00:00Z \
                 (first at line 1, byte {first})"
            )
        );
    }
}
