//! The proof stage of a chunk: the resume shortcut, then one combined check per circuit size
//! with bisection ([`crate::batch`]), each size's verifier built the first time it is needed.

use std::collections::hash_map::Entry;
use std::collections::HashMap;
use std::time::Instant;

use zkmeter_protocol::CircuitSize;

use super::prepare::Prepared;
use super::stages::StageTimes;
use super::{JobError, Progress};
use crate::batch::verify_all;
use crate::check::add_elapsed;
use crate::ledger::Ledger;
use crate::{Checked, Verifier};

/// The verifiers of the sizes met so far, and how to build another.
pub(super) struct Verifiers<'a> {
    load: &'a mut dyn FnMut(CircuitSize) -> Result<Verifier, String>,
    built: HashMap<CircuitSize, Verifier>,
}

impl<'a> Verifiers<'a> {
    pub(super) fn new(load: &'a mut dyn FnMut(CircuitSize) -> Result<Verifier, String>) -> Self {
        Verifiers {
            load,
            built: HashMap::new(),
        }
    }

    /// Gives every ready file of the chunk its proof's verdict: known good when the ledger
    /// already recorded these very bytes (verified when they were recorded), else the result
    /// of the batch check of its size.
    pub(super) fn verify_chunk(
        &mut self,
        prepared: &mut [Prepared],
        ledger: &Ledger,
        pool: &rayon::ThreadPool,
        times: &StageTimes,
        progress: &mut dyn FnMut(Progress),
    ) -> Result<(), JobError> {
        let mut by_size: HashMap<CircuitSize, Vec<usize>> = HashMap::new();
        for (i, p) in prepared.iter_mut().enumerate() {
            if let Prepared::Ready(r) = p {
                if ledger.has_submission(&r.sha256)? {
                    r.proof = Some(Ok(()));
                } else {
                    by_size.entry(r.checked.size()).or_default().push(i);
                }
            }
        }
        let mut sizes: Vec<_> = by_size.into_iter().collect();
        sizes.sort_by_key(|(s, _)| *s);
        for (size, indices) in sizes {
            let verifier = self.get(size, times, progress)?;
            let t = Instant::now();
            // Each verdict goes back to the file it was computed for: indices and items are
            // collected together.
            let (indices, items): (Vec<usize>, Vec<&Checked>) = indices
                .into_iter()
                .filter_map(|i| match &prepared[i] {
                    Prepared::Ready(r) => Some((i, &r.checked)),
                    Prepared::Rejected(_) => None,
                })
                .unzip();
            let results = pool.install(|| verify_all(verifier, &items));
            for (i, r) in indices.into_iter().zip(results) {
                if let Prepared::Ready(ready) = &mut prepared[i] {
                    ready.proof = Some(r);
                }
            }
            add_elapsed(&times.proofs_wall, t);
        }
        Ok(())
    }

    /// The verifier of `size`, built (parameters, verifying key) on first use.
    fn get(
        &mut self,
        size: CircuitSize,
        times: &StageTimes,
        progress: &mut dyn FnMut(Progress),
    ) -> Result<&Verifier, JobError> {
        match self.built.entry(size) {
            Entry::Occupied(v) => Ok(v.into_mut()),
            Entry::Vacant(slot) => {
                progress(Progress::LoadingVerifier(size));
                let t = Instant::now();
                let v = (self.load)(size).map_err(|reason| JobError::Verifier { size, reason })?;
                add_elapsed(&times.setup_wall, t);
                Ok(slot.insert(v))
            }
        }
    }
}
