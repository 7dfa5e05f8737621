//! CPU and wall time per stage of the job, and the number of proofs verified, for the cost
//! breakdown `batch-verify` prints.

use std::sync::atomic::{AtomicU64, Ordering};

use crate::CheckTimes;

/// CPU time spent per stage, summed over threads (nanoseconds), for the cost breakdown.
#[derive(Debug, Default)]
pub struct StageTimes {
    /// Reading, hashing and decoding files.
    pub read_decode: AtomicU64,
    /// Registry and tariff look-ups and [`crate::check_submission`]: its cheap checks, the
    /// ECDSA signature and the instance columns, each on its own.
    pub checks: CheckTimes,
    /// Wall time of the proof checks (combined checks and bisection; halo2 commits the
    /// instance columns inside them).
    pub proofs_wall: AtomicU64,
    /// Wall time of ledger transactions (the settle pass and the commits).
    pub ledger_wall: AtomicU64,
    /// Proofs sent to verification: the claimants of the settle pass (a count, not a time).
    pub proofs: AtomicU64,
    /// Wall time of loading parameters (once per size).
    pub setup_wall: AtomicU64,
    /// Wall time of building verifying keys (once per tariff met; a chunk's new ones in
    /// parallel).
    pub keys_wall: AtomicU64,
    /// Number of verifying keys built (one per tariff met).
    pub keys_built: AtomicU64,
}

impl StageTimes {
    /// Proofs sent to verification so far.
    pub fn proofs_verified(&self) -> u64 {
        self.proofs.load(Ordering::Relaxed)
    }

    /// `(name, seconds)` per stage.
    pub fn seconds(&self) -> Vec<(&'static str, f64)> {
        let s = |a: &AtomicU64| a.load(Ordering::Relaxed) as f64 / 1e9;
        vec![
            ("read+decode (cpu)", s(&self.read_decode)),
            ("cheap checks (cpu)", s(&self.checks.cheap)),
            ("signature (cpu)", s(&self.checks.signature)),
            ("instance column (cpu)", s(&self.checks.instance)),
            ("proof verification (wall)", s(&self.proofs_wall)),
            ("ledger (wall)", s(&self.ledger_wall)),
            ("parameters (wall)", s(&self.setup_wall)),
            ("verifying keys (wall)", s(&self.keys_wall)),
        ]
    }
}
