//! Local calendar days as frames: a day in a utility's or household's time zone is the frame
//! from its local midnight to the next, in UTC, with its real slot count (92 or 100
//! quarter-hours across a DST change). Nothing is shifted.

use chrono::{NaiveDate, TimeZone};
use chrono_tz::Tz;
use zkmeter_protocol::CircuitSize;
use zkmeter_protocol::{Frame, UtcTime};

use crate::error::ImportError;

/// Parses an IANA time zone name.
pub fn parse_zone(name: &str) -> Result<Tz, ImportError> {
    name.parse::<Tz>().map_err(|_| ImportError::BadValue {
        at: "time zone".into(),
        field: "name".into(),
        reason: format!(
            "'{}' is not an IANA time zone (e.g. Europe/London)",
            crate::decimal::truncate(name)
        ),
    })
}

/// The frame of local day `date` (`YYYY-MM-DD`) in `zone` with `slot_minutes` slots. With
/// `size` `None` the smallest fitting size is used.
pub fn local_day_frame(
    date: &str,
    zone: &str,
    slot_minutes: u16,
    size: Option<CircuitSize>,
) -> Result<Frame, ImportError> {
    let tz = parse_zone(zone)?;
    let bad = |reason: String| ImportError::BadValue {
        at: "local day".into(),
        field: "date".into(),
        reason,
    };
    let day = NaiveDate::parse_from_str(date, "%Y-%m-%d").map_err(|e| {
        bad(format!(
            "'{}' is not YYYY-MM-DD ({e})",
            crate::decimal::truncate(date)
        ))
    })?;
    let next = day
        .succ_opt()
        .ok_or_else(|| bad(format!("no day after {day}")))?;
    let midnight = |d: NaiveDate| {
        let naive = d.and_hms_opt(0, 0, 0).unwrap_or_default();
        tz.from_local_datetime(&naive)
            .earliest()
            .map(|t| t.timestamp())
            .ok_or_else(|| bad(format!("midnight of {d} does not exist in {tz}")))
    };
    let (start, end) = (midnight(day)?, midnight(next)?);
    let slot = i64::from(slot_minutes) * 60;
    if slot == 0 || (end - start) % slot != 0 {
        return Err(bad(format!(
            "the local day {day} in {tz} is not a whole number of {slot_minutes}-minute slots"
        )));
    }
    let slots = u32::try_from((end - start) / slot).unwrap_or(u32::MAX);
    let size = match size {
        Some(s) => s,
        None => CircuitSize::smallest_fitting(slots as usize, 1)
            .ok_or_else(|| bad(format!("{slots} slots fit no circuit size")))?,
    };
    Ok(Frame::new(
        UtcTime::from_unix(start)?,
        slot_minutes,
        slots,
        size,
    )?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uk_and_us_dst_days_have_their_real_length() {
        let f = local_day_frame("2020-03-29", "Europe/London", 15, None).unwrap();
        assert_eq!(
            (f.start.to_string().as_str(), f.slots),
            ("2020-03-29T00:00:00Z", 92)
        );
        let f = local_day_frame("2020-10-25", "Europe/London", 15, None).unwrap();
        assert_eq!(
            (f.start.to_string().as_str(), f.slots),
            ("2020-10-24T23:00:00Z", 100)
        );
        assert_eq!(f.size, CircuitSize::smallest_fitting(100, 1).unwrap());
        let f = local_day_frame("2012-03-11", "America/New_York", 15, None).unwrap();
        assert_eq!(
            (f.start.to_string().as_str(), f.slots),
            ("2012-03-11T05:00:00Z", 92)
        );
        let f = local_day_frame("2024-02-29", "Europe/Brussels", 60, None).unwrap();
        assert_eq!(
            (f.start.to_string().as_str(), f.slots),
            ("2024-02-28T23:00:00Z", 24)
        );
        // Kolkata's day starts at 18:30Z: not on an hourly grid.
        assert!(matches!(
            local_day_frame("2024-01-01", "Asia/Kolkata", 60, None),
            Err(ImportError::Protocol(_))
        ));
        assert!(matches!(
            local_day_frame("2024-02-30", "Europe/London", 60, None),
            Err(ImportError::BadValue { .. })
        ));
        assert!(matches!(
            local_day_frame("2024-01-01", "Nowhere/Town", 60, None),
            Err(ImportError::BadValue { .. })
        ));
    }
}
