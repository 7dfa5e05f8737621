//! Billing periods as half-open time intervals: what the ledger records per bill, what the
//! run's claims hold, and what the tariffs of one rate plan must not share.
//!
//! A bill for frame `F` covers `[F.start, F.start + F.slots * F.slot_minutes)`, UTC, end
//! excluded ([`Interval::of_frame`]), so a day and the next day touch but do not overlap.

use zkmeter_protocol::Frame;

/// `[start, end)` in Unix seconds, `start < end`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Interval {
    start: i64,
    end: i64,
}

impl Interval {
    /// `[start, end)`; `None` unless `start < end`.
    pub fn new(start: i64, end: i64) -> Option<Self> {
        (start < end).then_some(Interval { start, end })
    }

    /// The period a frame covers: its start to the end of its last slot.
    pub fn of_frame(frame: &Frame) -> Self {
        // A validated frame has at least one slot of at least 15 minutes.
        let start = frame.start.unix();
        Interval {
            start,
            end: frame.end().max(start + 1),
        }
    }

    /// First second covered (Unix seconds).
    pub fn start(self) -> i64 {
        self.start
    }

    /// First second after the interval (Unix seconds).
    pub fn end(self) -> i64 {
        self.end
    }

    /// Whether the two share at least one second. Touching intervals (`[a, b)` and `[b, c)`)
    /// do not overlap.
    pub fn overlaps(self, other: Interval) -> bool {
        self.start < other.end && other.start < self.end
    }
}

/// RFC 3339 UTC, or the Unix seconds when out of chrono's range (never for a valid frame).
fn show(secs: i64) -> String {
    chrono::DateTime::from_timestamp(secs, 0)
        .map(|t| t.format("%Y-%m-%dT%H:%M:%SZ").to_string())
        .unwrap_or_else(|| format!("{secs} s"))
}

impl std::fmt::Display for Interval {
    /// ISO 8601 interval `start/end` (end excluded): `2026-01-01T00:00:00Z/2026-01-02T00:00:00Z`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", show(self.start), show(self.end))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use zkmeter_protocol::{CircuitSize, UtcTime};

    #[test]
    fn touching_intervals_do_not_overlap_and_any_shared_second_does() {
        let i = |a, b| Interval::new(a, b).unwrap();
        assert!(Interval::new(5, 5).is_none());
        assert!(Interval::new(6, 5).is_none());
        // [a, b) and [b, c): no.
        assert!(!i(0, 10).overlaps(i(10, 20)));
        assert!(!i(10, 20).overlaps(i(0, 10)));
        // One shared second, containment, equality: yes, both ways.
        for (a, b) in [
            (i(0, 11), i(10, 20)),
            (i(0, 100), i(10, 20)),
            (i(3, 4), i(3, 4)),
        ] {
            assert!(a.overlaps(b) && b.overlaps(a), "{a} {b}");
        }
    }

    #[test]
    fn a_frame_covers_its_slots_and_shows_as_an_iso_interval() {
        let start = UtcTime::parse("2026-01-01T12:00:00Z").unwrap();
        let half_day = Frame::new(start, 60, 12, CircuitSize::Day15Min).unwrap();
        let i = Interval::of_frame(&half_day);
        assert_eq!(
            (i.start(), i.end()),
            (start.unix(), start.unix() + 12 * 3600)
        );
        assert_eq!(i.to_string(), "2026-01-01T12:00:00Z/2026-01-02T00:00:00Z");
    }
}
