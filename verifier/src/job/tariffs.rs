//! The utility's tariffs for the job, grouped by rate plan (docs/batch.md, "Rate plans").
//!
//! A plan is a series of tariffs with one slot length and one circuit size (so one period
//! kind: days or months of one slot length), whose periods never overlap: at any time a plan
//! has at most one tariff. [`Tariffs::read_dir`] refuses a directory that breaks this, naming
//! both files. Tariffs of different plans may overlap. A submission is checked against the
//! tariff of its meter's plan for its period ([`Tariffs::for_submission`]), so a consumer
//! cannot pick the cheaper of two frames: the registry, not the consumer, decides the plan.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use thiserror::Error;
use zkmeter_protocol::{CircuitSize, FileError, PlanId, Submission, Tariff};

use crate::interval::Interval;
use crate::{Rejection, UtilityTariff};

/// Why the utility's tariffs cannot be used (the job does not run).
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum TariffsError {
    /// The directory cannot be read.
    #[error("cannot read {path}: {source}")]
    Dir {
        /// The directory.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A tariff file cannot be read or is invalid.
    #[error("{path}: {source}")]
    File {
        /// The file.
        path: String,
        /// Why.
        source: FileError,
    },
    /// Two tariffs of one plan have different slot lengths or sizes.
    #[error(
        "plan {plan}: {second} is for {second_slot_minutes}-minute slots of size \
         {second_size}, but {first} is for {first_slot_minutes}-minute slots of size \
         {first_size}; the tariffs of a plan share one slot length and one size"
    )]
    MixedPlan {
        /// The plan.
        plan: PlanId,
        /// The tariff that set the plan's slot length and size.
        first: String,
        /// Its slot length.
        first_slot_minutes: u16,
        /// Its size.
        first_size: CircuitSize,
        /// The tariff that disagrees.
        second: String,
        /// Its slot length.
        second_slot_minutes: u16,
        /// Its size.
        second_size: CircuitSize,
    },
    /// Two tariffs of one plan cover a common time.
    #[error("plan {plan}: {first} ({first_period}) and {second} ({second_period}) overlap")]
    Overlap {
        /// The plan.
        plan: PlanId,
        /// One tariff (loaded first).
        first: String,
        /// Its period.
        first_period: Interval,
        /// The other.
        second: String,
        /// Its period.
        second_period: Interval,
    },
}

/// One tariff of a plan, with where it came from.
#[derive(Debug)]
struct Entry {
    period: Interval,
    source: String,
    tariff: UtilityTariff,
}

/// The tariffs of one plan: one slot length and size, periods sorted and disjoint.
#[derive(Debug)]
struct Plan {
    slot_minutes: u16,
    size: CircuitSize,
    tariffs: Vec<Entry>,
}

/// The utility's tariffs, by plan.
#[derive(Debug, Default)]
pub struct Tariffs {
    plans: HashMap<PlanId, Plan>,
    /// The plan of each tariff, by digest (the submission names its tariff's digest).
    plan_of: HashMap<[u8; 32], PlanId>,
}

impl Tariffs {
    /// Reads every `*.json` file at the top of `dir`, in byte order of their names. Any invalid
    /// file, a plan whose tariffs disagree on slot length or size, or two tariffs of one plan
    /// that overlap, is an error naming the files (the utility's own inputs must be right
    /// before bills are judged by them).
    pub fn read_dir(dir: &Path) -> Result<Self, TariffsError> {
        let entries = std::fs::read_dir(dir).map_err(|source| TariffsError::Dir {
            path: dir.display().to_string(),
            source,
        })?;
        let mut paths: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "json") && p.is_file())
            .collect();
        paths.sort();
        let mut t = Tariffs::default();
        for path in paths {
            let shown = path.display().to_string();
            let tariff = Tariff::read(&path).map_err(|source| TariffsError::File {
                path: shown.clone(),
                source,
            })?;
            t.insert(tariff, &shown)?;
        }
        Ok(t)
    }

    /// Adds the tariff read from `source` (a name for messages) to its plan. Refuses one whose
    /// slot length or size differs from the plan's, or whose period overlaps one of the plan's.
    pub fn insert(&mut self, tariff: Tariff, source: &str) -> Result<(), TariffsError> {
        let plan_id = tariff.plan_id();
        let frame = tariff.frame;
        let period = Interval::of_frame(&frame);
        let plan = self.plans.entry(plan_id.clone()).or_insert_with(|| Plan {
            slot_minutes: frame.slot_minutes,
            size: frame.size,
            tariffs: Vec::new(),
        });
        if (plan.slot_minutes, plan.size) != (frame.slot_minutes, frame.size) {
            let first = &plan.tariffs[0];
            return Err(TariffsError::MixedPlan {
                plan: plan_id,
                first: first.source.clone(),
                first_slot_minutes: plan.slot_minutes,
                first_size: plan.size,
                second: source.to_owned(),
                second_slot_minutes: frame.slot_minutes,
                second_size: frame.size,
            });
        }
        // Periods are disjoint and sorted by start, hence by end too: the only candidates for
        // an overlap are the neighbours of the new period's place.
        let at = plan
            .tariffs
            .partition_point(|e| e.period.start() < period.start());
        let neighbours = at.checked_sub(1).into_iter().chain([at]);
        for i in neighbours {
            if let Some(other) = plan.tariffs.get(i).filter(|e| e.period.overlaps(period)) {
                return Err(TariffsError::Overlap {
                    plan: plan_id,
                    first: other.source.clone(),
                    first_period: other.period,
                    second: source.to_owned(),
                    second_period: period,
                });
            }
        }
        let tariff = UtilityTariff::new(tariff);
        self.plan_of.insert(*tariff.digest(), plan_id);
        plan.tariffs.insert(
            at,
            Entry {
                period,
                source: source.to_owned(),
                tariff,
            },
        );
        Ok(())
    }

    /// The tariff a submission of a meter billed under `plan` is checked against:
    /// * a submission computed under a known tariff of another plan is
    ///   [`Rejection::PlanMismatch`], naming both plans;
    /// * else the first tariff of `plan` whose period overlaps the submission's (the one
    ///   covering it; [`crate::check_submission`] then names a frame mismatch if the frames
    ///   differ);
    /// * else [`Rejection::NoTariff`].
    pub(crate) fn for_submission(
        &self,
        submission: &Submission,
        plan: &PlanId,
    ) -> Result<&UtilityTariff, Rejection> {
        if let Some(theirs) = self.plan_of.get(&submission.tariff_digest) {
            if theirs != plan {
                return Err(Rejection::PlanMismatch {
                    meter: submission.meter_id.clone(),
                    meter_plan: plan.clone(),
                    tariff_id: submission.tariff_id.clone(),
                    tariff_plan: theirs.clone(),
                });
            }
        }
        let none = || Rejection::NoTariff {
            start: submission.frame.start,
            plan: plan.clone(),
        };
        let tariffs = &self.plans.get(plan).ok_or_else(none)?.tariffs;
        let period = Interval::of_frame(&submission.frame);
        let first_ending_after = tariffs.partition_point(|e| e.period.end() <= period.start());
        tariffs
            .get(first_ending_after)
            .filter(|e| e.period.overlaps(period))
            .map(|e| &e.tariff)
            .ok_or_else(none)
    }

    /// Number of tariffs.
    pub fn len(&self) -> usize {
        self.plans.values().map(|p| p.tariffs.len()).sum()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use zkmeter_protocol::{Frame, MeterId, UtcTime};

    const DAY: i64 = 86_400;

    fn at(text: &str) -> UtcTime {
        UtcTime::parse(text).unwrap()
    }

    fn tariff(id: &str, plan: Option<&str>, start: &str, minutes: u16, slots: u32) -> Tariff {
        let frame = Frame::new(at(start), minutes, slots, CircuitSize::Day15Min).unwrap();
        Tariff::new(id, "GBP", frame, vec![1; slots as usize])
            .unwrap()
            .with_plan(plan.map(|p| PlanId::new(p).unwrap()))
    }

    /// A submission under `t` for `frame` (only the fields the look-up reads matter).
    fn submission(t: &Tariff, frame: Frame) -> Submission {
        Submission {
            meter_id: MeterId::new("m").unwrap(),
            frame,
            unit: zkmeter_protocol::EnergyUnit::WH,
            filled: 0,
            commitment: zkmeter_protocol::FieldBytes([0; 32]),
            meter_signature: zkmeter_protocol::SignatureBytes([0; 64]),
            tariff_id: t.tariff_id.clone(),
            tariff_digest: t.digest(),
            bill: 0,
            import_energy: 0,
            export_energy: 0,
            proof: vec![],
        }
    }

    fn plan(name: &str) -> PlanId {
        PlanId::new(name).unwrap()
    }

    #[test]
    fn a_submission_gets_its_plans_tariff_for_its_period_or_its_own_reason() {
        let day = tariff("t-1", None, "2026-01-01T00:00:00Z", 60, 24);
        let next = tariff("t-2", None, "2026-01-02T00:00:00Z", 60, 24);
        let quarter = tariff("q-1", Some("quarter"), "2026-01-01T00:00:00Z", 15, 96);
        let mut tariffs = Tariffs::default();
        // Touching days of one plan, and an overlapping tariff of another plan, load.
        tariffs.insert(next.clone(), "t-2.json").unwrap();
        tariffs.insert(day.clone(), "t-1.json").unwrap();
        tariffs.insert(quarter.clone(), "q-1.json").unwrap();
        assert_eq!(tariffs.len(), 3);
        let default = PlanId::default_plan();
        let find = |s: &Submission, p: &PlanId| tariffs.for_submission(s, p);

        // Honest: each submission finds its plan's tariff.
        let s = submission(&day, day.frame);
        assert_eq!(find(&s, &default).unwrap().tariff(), &day);
        let s = submission(&next, next.frame);
        assert_eq!(find(&s, &default).unwrap().tariff(), &next);
        let q = submission(&quarter, quarter.frame);
        assert_eq!(find(&q, &plan("quarter")).unwrap().tariff(), &quarter);

        // The quarter-hourly bill of a meter of the default plan: the plans are named.
        assert_eq!(
            find(&q, &default).unwrap_err().to_string(),
            "plan mismatch: meter m is billed under plan default, the submission's tariff \
             'q-1' is of plan quarter"
        );
        // A frame of its own under an unknown tariff: the plan's tariff for that time, which
        // check_submission refuses as a frame mismatch.
        let mut own = submission(&day, quarter.frame);
        own.tariff_digest = [7; 32];
        assert_eq!(find(&own, &default).unwrap().tariff(), &day);
        // No tariff of the plan then, or no such plan.
        let later = Frame::new(
            UtcTime::from_unix(day.frame.start.unix() + 2 * DAY).unwrap(),
            60,
            24,
            CircuitSize::Day15Min,
        )
        .unwrap();
        assert_eq!(
            find(&submission(&day, later), &default)
                .unwrap_err()
                .to_string(),
            "no tariff for the period starting 2026-01-03T00:00:00Z in plan default"
        );
        assert!(matches!(
            find(&s, &plan("none")),
            Err(Rejection::PlanMismatch { .. })
        ));
        own.tariff_digest = [7; 32];
        assert!(matches!(
            find(&own, &plan("none")),
            Err(Rejection::NoTariff { .. })
        ));
    }

    #[test]
    fn a_plan_refuses_a_second_kind_of_frame_and_overlapping_tariffs_naming_both() {
        let mut tariffs = Tariffs::default();
        tariffs
            .insert(tariff("d", None, "2026-01-01T00:00:00Z", 60, 24), "d.json")
            .unwrap();
        // Another slot length in the same plan.
        let quarter = tariff("q", None, "2026-01-05T00:00:00Z", 15, 96);
        let err = tariffs.insert(quarter, "q.json").unwrap_err();
        assert!(matches!(err, TariffsError::MixedPlan { .. }), "{err:?}");
        assert_eq!(
            err.to_string(),
            "plan default: q.json is for 15-minute slots of size day-15min, but d.json is for \
             60-minute slots of size day-15min; the tariffs of a plan share one slot length \
             and one size"
        );
        // A half-day inside the day, the same day again, an hour across its start.
        for (start, slots) in [
            ("2026-01-01T12:00:00Z", 12),
            ("2026-01-01T00:00:00Z", 24),
            ("2025-12-31T23:00:00Z", 2),
        ] {
            let err = tariffs
                .insert(tariff("h", None, start, 60, slots), "h.json")
                .unwrap_err();
            assert!(matches!(err, TariffsError::Overlap { .. }), "{err:?}");
            let text = err.to_string();
            assert!(
                text.starts_with(
                    "plan default: d.json (2026-01-01T00:00:00Z/2026-01-02T00:00:00Z) and h.json ("
                ) && text.ends_with(") overlap"),
                "{text}"
            );
        }
        // Touching on either side is fine; so is the same half-day in another plan.
        for (id, start, slots) in [
            ("before", "2025-12-31T12:00:00Z", 12),
            ("after", "2026-01-02T00:00:00Z", 3),
        ] {
            tariffs
                .insert(tariff(id, None, start, 60, slots), id)
                .unwrap_or_else(|e| panic!("{id}: {e}"));
        }
        tariffs
            .insert(
                tariff("h", Some("half"), "2026-01-01T12:00:00Z", 60, 12),
                "h.json",
            )
            .unwrap();
        assert_eq!(tariffs.len(), 4);
    }
}
