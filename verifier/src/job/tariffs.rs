//! The utility's tariffs for the job, found by frame.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use zkmeter_protocol::{Frame, Tariff};

use super::JobError;
use crate::{Rejection, UtilityTariff};

/// The utility's tariffs, by frame.
#[derive(Debug, Default)]
pub struct Tariffs {
    by_frame: HashMap<Frame, UtilityTariff>,
    by_start: HashMap<i64, Frame>,
}

impl Tariffs {
    /// Reads every `*.json` file at the top of `dir`; any invalid file, or two for one frame,
    /// is an error (the utility's own inputs must be right before bills are judged by them).
    pub fn read_dir(dir: &Path) -> Result<Self, JobError> {
        let entries = std::fs::read_dir(dir)
            .map_err(|e| JobError::Tariffs(format!("cannot read {}: {e}", dir.display())))?;
        let mut paths: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "json") && p.is_file())
            .collect();
        paths.sort();
        let mut t = Tariffs::default();
        for path in paths {
            let tariff = Tariff::read(&path).map_err(|e| JobError::Tariffs(e.to_string()))?;
            t.insert(tariff)
                .map_err(|e| JobError::Tariffs(format!("{}: {e}", path.display())))?;
        }
        Ok(t)
    }

    /// Adds a tariff; refuses a second one for the same frame.
    pub fn insert(&mut self, tariff: Tariff) -> Result<(), String> {
        let frame = tariff.frame;
        if self.by_frame.contains_key(&frame) {
            return Err(format!("a second tariff for frame {frame}"));
        }
        self.by_start.insert(frame.start.unix(), frame);
        self.by_frame.insert(frame, UtilityTariff::new(tariff));
        Ok(())
    }

    /// The tariff a submission for `frame` is checked against: the one for exactly `frame`,
    /// else one for another frame starting at the same time (so that the check names the
    /// frame mismatch), else [`Rejection::NoTariff`].
    pub(crate) fn for_frame(&self, frame: &Frame) -> Result<&UtilityTariff, Rejection> {
        if let Some(t) = self.by_frame.get(frame) {
            return Ok(t);
        }
        self.by_start
            .get(&frame.start.unix())
            .and_then(|theirs| self.by_frame.get(theirs))
            .ok_or(Rejection::NoTariff(frame.start))
    }

    /// Number of tariffs.
    pub fn len(&self) -> usize {
        self.by_frame.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.by_frame.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use zkmeter_protocol::{CircuitSize, UtcTime};

    #[test]
    fn a_missing_tariff_and_a_frame_mismatch_have_their_own_reasons() {
        let start = UtcTime::parse("2026-01-01T00:00:00Z").unwrap();
        let frame = Frame::new(start, 60, 24, CircuitSize::Day15Min).unwrap();
        let tariff = Tariff::new("t-1", "GBP", frame, vec![1; 24]).unwrap();
        let mut tariffs = Tariffs::default();
        tariffs.insert(tariff.clone()).unwrap();
        assert_eq!(tariffs.for_frame(&frame).unwrap().tariff(), &tariff);
        assert!(tariffs
            .insert(tariff)
            .unwrap_err()
            .contains("second tariff"));

        // Another frame starting then is checked against the tariff that does start then,
        // which check_submission refuses as a frame mismatch.
        let quarter = Frame::new(start, 15, 96, CircuitSize::Day15Min).unwrap();
        assert_eq!(tariffs.for_frame(&quarter).unwrap().tariff().frame, frame);
        let next = Frame::new(
            UtcTime::from_unix(start.unix() + 86_400).unwrap(),
            60,
            24,
            CircuitSize::Day15Min,
        )
        .unwrap();
        assert_eq!(
            tariffs.for_frame(&next).unwrap_err().to_string(),
            "no tariff for the period starting 2026-01-02T00:00:00Z"
        );
    }
}
