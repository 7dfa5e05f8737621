//! The proof stage of a chunk: for the settle pass's claimants, one combined check per verifying
//! key (one per size and tariff) with bisection ([`crate::batch`]). Each tariff's verifier is built
//! the first time a chunk needs it (from the utility's own tariff, never from a submission),
//! the chunk's new ones in parallel, and kept for the rest of the run.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Instant;

use rayon::prelude::*;
use zkmeter_circuit::IpaParams;
use zkmeter_protocol::CircuitSize;

use super::prepare::Prepared;
use super::stages::StageTimes;
use super::{JobError, Progress};
use crate::batch::verify_all_on;
use crate::check::add_elapsed;
use crate::{Checked, UtilityTariff, Verifier};

/// How the job obtains the IPA parameters of a size (loaded once per size).
pub type LoadParams<'a> = dyn FnMut(CircuitSize) -> Result<IpaParams, String> + 'a;

/// The verifiers of the tariffs met so far, the parameters of the sizes met so far, and one
/// single-thread pool per worker thread for the proof checks ([`verify_all_on`]).
pub(super) struct Verifiers<'a> {
    load: &'a mut LoadParams<'a>,
    params: HashMap<CircuitSize, Arc<IpaParams>>,
    built: HashMap<[u8; 32], Verifier>,
    proof_pools: Vec<rayon::ThreadPool>,
}

impl<'a> Verifiers<'a> {
    /// Verifiers that check proofs on `threads` threads.
    pub(super) fn new(load: &'a mut LoadParams<'a>, threads: usize) -> Result<Self, JobError> {
        let proof_pools = (0..threads.max(1))
            .map(|i| {
                rayon::ThreadPoolBuilder::new()
                    .num_threads(1)
                    .thread_name(move |_| format!("zkmeter-proofs-{i}"))
                    .build()
                    .map_err(|e| JobError::Threads(e.to_string()))
            })
            .collect::<Result<_, _>>()?;
        Ok(Verifiers {
            load,
            params: HashMap::new(),
            built: HashMap::new(),
            proof_pools,
        })
    }

    /// Gives every claimant of the chunk (a file settled to have its proof checked) its proof's
    /// verdict: the result of the batch check under its tariff's key.
    pub(super) fn verify_chunk(
        &mut self,
        prepared: &mut [Prepared],
        pool: &rayon::ThreadPool,
        times: &StageTimes,
        progress: &mut dyn FnMut(Progress),
    ) -> Result<(), JobError> {
        // Pending files by tariff digest; ordered, so work and progress are deterministic.
        let mut by_key: BTreeMap<[u8; 32], Vec<usize>> = BTreeMap::new();
        for (i, p) in prepared.iter().enumerate() {
            if let Prepared::Ready(r) = p {
                by_key
                    .entry(*r.checked.tariff().digest())
                    .or_default()
                    .push(i);
            }
        }
        let needed: Vec<UtilityTariff> = by_key
            .iter()
            .filter(|(digest, _)| !self.built.contains_key(*digest))
            .filter_map(|(_, files)| ready_checked(prepared, files[0]))
            .map(|c| c.tariff().clone())
            .collect();
        self.build(needed, pool, times, progress)?;

        for (digest, indices) in by_key {
            let Some(verifier) = self.built.get(&digest) else {
                continue; // cannot happen: every needed key was built above
            };
            let t = Instant::now();
            // Each verdict goes back to the file it was computed for: indices and items are
            // collected together.
            let (indices, items): (Vec<usize>, Vec<&Checked>) = indices
                .into_iter()
                .filter_map(|i| ready_checked(prepared, i).map(|c| (i, c)))
                .unzip();
            let results = verify_all_on(verifier, &items, &self.proof_pools);
            for (i, r) in indices.into_iter().zip(results) {
                if let Prepared::Ready(ready) = &mut prepared[i] {
                    ready.proof = Some(r);
                }
            }
            add_elapsed(&times.proofs_wall, t);
        }
        Ok(())
    }

    /// Builds the verifiers of `tariffs` (not built yet), in parallel on `pool`, loading each
    /// size's parameters first.
    fn build(
        &mut self,
        tariffs: Vec<UtilityTariff>,
        pool: &rayon::ThreadPool,
        times: &StageTimes,
        progress: &mut dyn FnMut(Progress),
    ) -> Result<(), JobError> {
        if tariffs.is_empty() {
            return Ok(());
        }
        let mut jobs = Vec::with_capacity(tariffs.len());
        for tariff in tariffs {
            let size = tariff.tariff().frame.size;
            let params = match self.params.get(&size) {
                Some(p) => Arc::clone(p),
                None => {
                    progress(Progress::LoadingParams(size));
                    let t = Instant::now();
                    let p = Arc::new(
                        (self.load)(size).map_err(|reason| JobError::Verifier { size, reason })?,
                    );
                    add_elapsed(&times.setup_wall, t);
                    self.params.insert(size, Arc::clone(&p));
                    p
                }
            };
            jobs.push((tariff, params));
        }
        progress(Progress::BuildingKeys {
            tariffs: jobs.len() as u64,
        });
        let t = Instant::now();
        let built: Vec<Result<Verifier, JobError>> = pool.install(|| {
            jobs.into_par_iter()
                .map(|(tariff, params)| {
                    Verifier::new(&tariff, params).map_err(|e| JobError::Verifier {
                        size: tariff.tariff().frame.size,
                        reason: format!("tariff '{}': {e}", tariff.tariff().tariff_id),
                    })
                })
                .collect()
        });
        for v in built {
            let v = v?;
            self.built.insert(*v.tariff().digest(), v);
        }
        times
            .keys_built
            .store(self.built.len() as u64, Ordering::Relaxed);
        add_elapsed(&times.keys_wall, t);
        Ok(())
    }
}

/// The checked submission of a ready file.
fn ready_checked(prepared: &[Prepared], i: usize) -> Option<&Checked> {
    match &prepared[i] {
        Prepared::Ready(r) => Some(&r.checked),
        Prepared::Rejected(_) => None,
    }
}
