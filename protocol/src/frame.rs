//! The billing frame: when a period starts, its slot length, its slot count and circuit size.

use chrono::{DateTime, Months, TimeZone, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::ProtocolError;
use zkmeter_circuit::{BoundsError, CircuitSize};

/// Slot lengths the protocol supports, in minutes.
pub const SLOT_MINUTES: [u16; 3] = [15, 30, 60];

/// Earliest supported period start (2000-01-01T00:00:00Z).
const MIN_UNIX: i64 = 946_684_800;
/// Latest supported period start (2200-01-01T00:00:00Z).
const MAX_UNIX: i64 = 7_258_118_400;

/// A UTC instant in whole seconds since the Unix epoch, within 2000..2200.
///
/// Serialised as RFC 3339 text in JSON and as an integer in the binary envelope.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct UtcTime(i64);

impl UtcTime {
    /// Wraps Unix seconds, refusing values outside 2000..2200.
    pub fn from_unix(secs: i64) -> Result<Self, ProtocolError> {
        if (MIN_UNIX..=MAX_UNIX).contains(&secs) {
            Ok(UtcTime(secs))
        } else {
            Err(ProtocolError::BadTimestamp(format!(
                "{secs} s is before 2000-01-01T00:00:00Z or after 2200-01-01T00:00:00Z"
            )))
        }
    }

    /// Parses RFC 3339 text (any offset; converted to UTC).
    pub fn parse(text: &str) -> Result<Self, ProtocolError> {
        let dt = DateTime::parse_from_rfc3339(text).map_err(|e| {
            ProtocolError::BadTimestamp(format!(
                "'{}' is not RFC 3339 ({e})",
                crate::ids::truncate_for_error(text)
            ))
        })?;
        if dt.timestamp_subsec_nanos() != 0 {
            return Err(ProtocolError::BadTimestamp(format!(
                "'{}' has fractional or leap seconds; whole seconds only",
                crate::ids::truncate_for_error(text)
            )));
        }
        Self::from_unix(dt.timestamp())
    }

    /// Unix seconds.
    pub fn unix(self) -> i64 {
        self.0
    }

    /// As a chrono UTC time.
    pub fn to_datetime(self) -> DateTime<Utc> {
        Utc.timestamp_opt(self.0, 0)
            .single()
            .expect("range checked in constructor")
    }
}

impl std::fmt::Display for UtcTime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.to_datetime().format("%Y-%m-%dT%H:%M:%SZ"))
    }
}

impl Serialize for UtcTime {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if s.is_human_readable() {
            s.serialize_str(&self.to_string())
        } else {
            s.serialize_i64(self.0)
        }
    }
}

impl<'de> Deserialize<'de> for UtcTime {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        if d.is_human_readable() {
            let text = String::deserialize(d)?;
            UtcTime::parse(&text).map_err(D::Error::custom)
        } else {
            UtcTime::from_unix(i64::deserialize(d)?).map_err(D::Error::custom)
        }
    }
}

/// A billing frame. Every party checks it with [`Frame::validate`] before use.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Frame {
    /// First slot's start (UTC), aligned to the slot length.
    pub start: UtcTime,
    /// Slot length in minutes: 15, 30 or 60.
    pub slot_minutes: u16,
    /// Number of real slots `S` (the rest of the capacity holds zeros).
    pub slots: u32,
    /// Circuit size; `S <= capacity`.
    #[serde(with = "crate::encoding::CircuitSizeDef")]
    pub size: CircuitSize,
}

impl Frame {
    /// Builds and validates a frame.
    pub fn new(
        start: UtcTime,
        slot_minutes: u16,
        slots: u32,
        size: CircuitSize,
    ) -> Result<Self, ProtocolError> {
        let frame = Frame {
            start,
            slot_minutes,
            slots,
            size,
        };
        frame.validate()?;
        Ok(frame)
    }

    /// Checks slot length, alignment and that `1 <= S <= capacity`.
    pub fn validate(&self) -> Result<(), ProtocolError> {
        if !SLOT_MINUTES.contains(&self.slot_minutes) {
            return Err(ProtocolError::BadSlotLength(self.slot_minutes.into()));
        }
        UtcTime::from_unix(self.start.unix())?;
        if self.start.unix() % self.slot_seconds() != 0 {
            return Err(ProtocolError::UnalignedStart(self.start.to_string()));
        }
        if self.slots == 0 || self.slots as usize > self.size.capacity() {
            return Err(ProtocolError::SlotsDoNotFit {
                slots: self.slots.into(),
                size: self.size.name().to_owned(),
                capacity: self.size.capacity(),
            });
        }
        Ok(())
    }

    /// Checks that `found` values (of `what`: readings, prices) are one per slot.
    pub fn check_len(&self, what: &'static str, found: usize) -> Result<(), ProtocolError> {
        if found == self.slots as usize {
            Ok(())
        } else {
            Err(ProtocolError::Bounds(BoundsError::WrongLength {
                what,
                found,
                expected: self.slots as usize,
            }))
        }
    }

    /// Slot length in seconds.
    pub fn slot_seconds(&self) -> i64 {
        i64::from(self.slot_minutes) * 60
    }

    /// Start of slot `i` (Unix seconds).
    pub fn slot_start(&self, i: u32) -> i64 {
        self.start.unix() + i64::from(i) * self.slot_seconds()
    }

    /// End of the last slot (exclusive; Unix seconds).
    pub fn end(&self) -> i64 {
        self.slot_start(self.slots)
    }

    /// The frame of a "natural" period starting at `start`: one UTC day for day sizes, one
    /// calendar month (to the same day and time of the next month, UTC) for month sizes.
    /// Months of 28-31 days give 2688-2976 quarter-hours: the count is computed, never assumed.
    pub fn natural(
        start: UtcTime,
        slot_minutes: u16,
        size: CircuitSize,
    ) -> Result<Self, ProtocolError> {
        if !SLOT_MINUTES.contains(&slot_minutes) {
            return Err(ProtocolError::BadSlotLength(slot_minutes.into()));
        }
        let begin = start.to_datetime();
        let end = match size {
            CircuitSize::Day15Min | CircuitSize::Day15MinIe => begin + chrono::Duration::days(1),
            CircuitSize::Month30Min
            | CircuitSize::Month15Min
            | CircuitSize::Month30MinIe
            | CircuitSize::Month15MinIe => begin
                .checked_add_months(Months::new(1))
                .ok_or_else(|| ProtocolError::BadTimestamp(format!("no month after {start}")))?,
        };
        let secs = (end - begin).num_seconds();
        let slot_secs = i64::from(slot_minutes) * 60;
        let slots = u32::try_from(secs / slot_secs).unwrap_or(u32::MAX);
        Frame::new(start, slot_minutes, slots, size)
    }
}

impl std::fmt::Display for Frame {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} + {} x {} min (size {})",
            self.start, self.slots, self.slot_minutes, self.size
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> UtcTime {
        UtcTime::parse(s).unwrap()
    }

    #[test]
    fn natural_months_have_their_real_length() {
        let jan = Frame::natural(t("2026-01-01T00:00:00Z"), 15, CircuitSize::Month15Min).unwrap();
        assert_eq!(jan.slots, 31 * 96);
        let feb = Frame::natural(t("2026-02-01T00:00:00Z"), 15, CircuitSize::Month15Min).unwrap();
        assert_eq!(feb.slots, 28 * 96);
        let leap = Frame::natural(t("2028-02-01T00:00:00Z"), 30, CircuitSize::Month30Min).unwrap();
        assert_eq!(leap.slots, 29 * 48);
        let day = Frame::natural(t("2026-03-29T00:00:00Z"), 60, CircuitSize::Day15Min).unwrap();
        assert_eq!(day.slots, 24);
    }

    #[test]
    fn bad_frames_are_refused_with_the_reason() {
        let start = t("2026-01-01T00:00:00Z");
        assert_eq!(
            Frame::new(start, 20, 10, CircuitSize::Day15Min),
            Err(ProtocolError::BadSlotLength(20))
        );
        assert!(matches!(
            Frame::new(t("2026-01-01T00:07:00Z"), 15, 10, CircuitSize::Day15Min),
            Err(ProtocolError::UnalignedStart(_))
        ));
        let over = CircuitSize::Day15Min.capacity() as u32 + 1;
        assert!(matches!(
            Frame::new(start, 15, over, CircuitSize::Day15Min),
            Err(ProtocolError::SlotsDoNotFit { slots, .. }) if slots == u64::from(over)
        ));
        assert!(matches!(
            Frame::new(start, 15, 0, CircuitSize::Day15Min),
            Err(ProtocolError::SlotsDoNotFit { slots: 0, .. })
        ));
        assert!(UtcTime::parse("yesterday").is_err());
        assert!(UtcTime::parse("2026-01-01T00:00:00.5Z").is_err());
        assert!(UtcTime::parse("2026-06-30T23:59:60Z").is_err());
        assert!(UtcTime::parse("1970-01-01T00:00:00Z").is_err());
        // The supported range, both ends included, said in words.
        assert!(UtcTime::from_unix(MIN_UNIX).is_ok() && UtcTime::from_unix(MAX_UNIX).is_ok());
        assert_eq!(
            UtcTime::from_unix(MAX_UNIX + 1).unwrap_err().to_string(),
            "bad timestamp: 7258118401 s is before 2000-01-01T00:00:00Z or after \
             2200-01-01T00:00:00Z"
        );
    }

    #[test]
    fn rfc3339_offsets_are_converted_to_utc() {
        assert_eq!(t("2026-01-01T01:00:00+01:00"), t("2026-01-01T00:00:00Z"));
        assert_eq!(
            t("2026-01-01T00:00:00Z").to_string(),
            "2026-01-01T00:00:00Z"
        );
    }
}
