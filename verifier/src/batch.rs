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
//!
//! [`verify_all_on`] spreads the items over several threads: one contiguous group per
//! single-thread pool. halo2 parallelises a combined check by itself, but inside each proof's
//! verification it also splits tiny pieces of work across threads, whose cross-thread overhead
//! outweighs the work: measured at month-15min, 1,024 bills took 1.25 s on 1 thread and 1.88 s
//! on 2 (`cargo bench --bench batch`, BENCHMARKS.md). One group per single-thread pool keeps
//! each thread on whole proofs (0.73 s on 2 threads); each group pays its own final
//! multi-scalar multiplication (one `2^k`-point MSM, tens of milliseconds).

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

/// [`verify_all`] on `pools` (each with one thread): the items split into one contiguous group
/// per pool, each group verified (and bisected) on its pool, the groups at the same time.
/// Results come back in the items' order. With one pool, or one item per pool at most, it is
/// [`verify_all`] on the first pool.
pub fn verify_all_on(
    verifier: &Verifier,
    items: &[&Checked],
    pools: &[rayon::ThreadPool],
) -> Vec<Result<(), Rejection>> {
    let Some(first) = pools.first() else {
        return verify_all(verifier, items);
    };
    if pools.len() == 1 || items.len() <= 1 {
        return first.install(|| verify_all(verifier, items));
    }
    let per = items.len().div_ceil(pools.len());
    std::thread::scope(|scope| {
        let groups: Vec<_> = items
            .chunks(per)
            .zip(pools)
            .map(|(group, pool)| {
                let handle = scope.spawn(move || pool.install(|| verify_all(verifier, group)));
                (group.len(), handle)
            })
            .collect();
        groups
            .into_iter()
            .flat_map(|(len, handle)| {
                // Verification returns results, it does not panic; should a group's thread
                // panic all the same, its proofs count as not verified, never as valid.
                handle
                    .join()
                    .unwrap_or_else(|_| (0..len).map(|_| Err(Rejection::ProofInvalid)).collect())
            })
            .collect()
    })
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
