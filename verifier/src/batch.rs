//! Batch verification of many proofs of one circuit size.
//!
//! halo2's [`BatchVerifier`] folds every proof's final multi-scalar multiplication into one
//! random linear combination and checks it once ("one combined check per chunk"). It answers a
//! single bool, so when a chunk fails the bad proofs are found by bisection: each half is
//! checked again, down to groups of [`SINGLE_BELOW`] proofs, which are verified one by one with
//! the single verifier (which also gives the typed reason). One bad proof among `n` costs about
//! `2 log2(n)` extra combined checks of shrinking halves.
//!
//! [`BatchVerifier::finalize`] returns `true` for an empty batch; [`verify_all`] never asks it
//! about an empty set, so "true" is only ever evidence about at least one proof.

use halo2_proofs::{pasta::EqAffine, plonk::BatchVerifier};
use zkmeter_circuits::{proof::PublicInputs, Fp};

use crate::{Rejection, Verifier};

/// Groups at most this large are verified one by one rather than bisected further.
pub const SINGLE_BELOW: usize = 2;

/// One proof to verify, with its public inputs and their instance columns (built once).
#[derive(Clone, Debug)]
pub struct BatchItem {
    /// The public inputs (for the single verifier).
    pub public: PublicInputs,
    /// The instance columns, in the order of [`PublicInputs::columns`].
    pub columns: Vec<Vec<Fp>>,
    /// The proof bytes (exact length already checked).
    pub proof: Vec<u8>,
}

impl BatchItem {
    /// Builds the instance columns of `public`.
    pub fn new(public: PublicInputs, proof: Vec<u8>) -> Result<Self, Rejection> {
        let columns = public.columns()?.into_iter().collect();
        Ok(BatchItem {
            public,
            columns,
            proof,
        })
    }
}

/// One combined check of a non-empty set of proofs.
fn combined(verifier: &Verifier, items: &[&BatchItem]) -> bool {
    debug_assert!(!items.is_empty());
    let mut batch = BatchVerifier::<EqAffine>::new();
    for item in items {
        batch.add_proof(vec![item.columns.clone()], item.proof.clone());
    }
    batch.finalize(verifier.params(), verifier.verifying_key().inner())
}

/// Verifies every item: `Ok(())` or the reason it was rejected, in the items' order.
///
/// Every item must be of the verifier's size (a mismatch is rejected, not bisected). Runs on
/// the current rayon pool.
pub fn verify_all(verifier: &Verifier, items: &[&BatchItem]) -> Vec<Result<(), Rejection>> {
    let mut out: Vec<Option<Result<(), Rejection>>> = (0..items.len()).map(|_| None).collect();
    let mut same_size = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        if item.public.size == verifier.size() {
            same_size.push(i);
        } else {
            out[i] = Some(Err(Rejection::SizeMismatch {
                submission: item.public.size,
                served: verifier.size(),
            }));
        }
    }
    let results = bisect(
        verifier,
        &same_size.iter().map(|&i| items[i]).collect::<Vec<_>>(),
    );
    for (i, r) in same_size.into_iter().zip(results) {
        out[i] = Some(r);
    }
    out.into_iter()
        .map(|r| r.unwrap_or(Err(Rejection::ProofInvalid)))
        .collect()
}

fn bisect(verifier: &Verifier, items: &[&BatchItem]) -> Vec<Result<(), Rejection>> {
    if items.is_empty() {
        // Never evidence: finalize() says true for nothing.
        return vec![];
    }
    if items.len() <= SINGLE_BELOW {
        return items
            .iter()
            .map(|item| verifier.verify_proof_for(&item.public, &item.proof))
            .collect();
    }
    if combined(verifier, items) {
        return (0..items.len()).map(|_| Ok(())).collect();
    }
    let (a, b) = items.split_at(items.len() / 2);
    let (mut ra, rb) = rayon::join(|| bisect(verifier, a), || bisect(verifier, b));
    ra.extend(rb);
    ra
}
