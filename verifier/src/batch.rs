//! Batch verification of many proofs under one verifying key (one size and tariff).
//!
//! A [`BatchValidator`] folds every proof's final multi-scalar multiplication into one random
//! linear combination and checks it once ("one combined check per chunk"). It answers a single
//! bool, so when a chunk fails the bad proofs are found by bisection: each half is checked
//! again, down to groups of [`SINGLE_BELOW`] proofs, which are verified one by one with the
//! single verifier (which also gives the typed reason). One bad proof among `n` costs about
//! `2 log2(n)` extra combined checks of shrinking halves.
//!
//! [`verify_all`] never asks about an empty set (and the validator answers `false` for one),
//! so "true" is only ever evidence about at least one proof.

use zkmeter_circuit::BatchValidator;

use crate::{Checked, Rejection, Verifier};

/// Groups at most this large are verified one by one rather than bisected further.
pub const SINGLE_BELOW: usize = 2;

/// One combined check of a non-empty set of proofs of the verifier's size and tariff.
fn combined(verifier: &Verifier, items: &[&Checked]) -> bool {
    debug_assert!(!items.is_empty());
    let mut batch = BatchValidator::new(verifier.size());
    for item in items {
        if item
            .proof()
            .add_to_batch(&mut batch, item.instance())
            .is_err()
        {
            return false;
        }
    }
    batch.validate(verifier.verifying_key())
}

/// Verifies every item's proof: `Ok(())` or the reason it was rejected, in the items' order.
///
/// An item of another size or tariff than the verifier's is rejected, not bisected. Runs on
/// the current rayon pool.
pub fn verify_all(verifier: &Verifier, items: &[&Checked]) -> Vec<Result<(), Rejection>> {
    let mut out: Vec<Option<Result<(), Rejection>>> = (0..items.len()).map(|_| None).collect();
    let mut same_size = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        match verifier.serves(item) {
            Ok(()) => same_size.push(i),
            Err(e) => out[i] = Some(Err(e)),
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

fn bisect(verifier: &Verifier, items: &[&Checked]) -> Vec<Result<(), Rejection>> {
    if items.is_empty() {
        // Never evidence.
        return vec![];
    }
    if items.len() <= SINGLE_BELOW {
        return items
            .iter()
            .map(|item| verifier.verify_checked(item).map(|_| ()))
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
