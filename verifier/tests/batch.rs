//! Batch verification: a batch of honest proofs passes as one combined check; bad proofs in a
//! batch are found by bisection, each rejected for its reason, and the honest ones still pass.
//! An empty batch is never evidence of anything.

use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use zkmeter_circuits::{
    protocol::{Frame, MeterId, Submission, Tariff, UtcTime},
    CircuitSize, Fp,
};
use zkmeter_meter::{demo_tariff, record_with_blinding, synthetic_readings, MeterSigningKey};
use zkmeter_prover::Plugin;
use zkmeter_verifier::batch::{verify_all, BatchItem};
use zkmeter_verifier::{check_statement, Rejection, Verifier};

/// Three honest day-15min submissions of three meters, with the verifier and items.
fn setup() -> (Verifier, Vec<BatchItem>) {
    let size = CircuitSize::Day15Min;
    let params = zkmeter_params::ParamStore::default_store()
        .load(size.k(), |_| {})
        .unwrap();
    let frame = Frame::natural(UtcTime::parse("2026-02-01T00:00:00Z").unwrap(), 15, size).unwrap();
    let tariff: Tariff = demo_tariff(&frame, 3).unwrap();
    let plugin = Plugin::new(size, params.clone()).unwrap();
    let verifier = Verifier::new(size, params).unwrap();
    let items = (0..3u64)
        .map(|i| {
            let key = MeterSigningKey::generate(&mut ChaCha20Rng::seed_from_u64(i)).unwrap();
            let period = record_with_blinding(
                &key,
                MeterId::new(&format!("m-{i}")).unwrap(),
                frame,
                synthetic_readings(&frame, i).unwrap(),
                Fp::from(1000 + i),
            )
            .unwrap();
            let sub: Submission = plugin
                .prove(&period, &tariff, None, ChaCha20Rng::seed_from_u64(10 + i))
                .unwrap();
            let public = check_statement(&sub, &key.public_key(), &tariff).unwrap();
            BatchItem::new(public, sub.proof).unwrap()
        })
        .collect();
    (verifier, items)
}

#[test]
fn bad_proofs_in_a_batch_are_found_and_the_honest_ones_pass() {
    let (verifier, honest) = setup();
    // Nine items (the three proofs, each three times): all pass together.
    let batch: Vec<BatchItem> = (0..9).map(|i| honest[i % 3].clone()).collect();
    let refs: Vec<&BatchItem> = batch.iter().collect();
    assert!(verify_all(&verifier, &refs).iter().all(Result::is_ok));

    // Corrupt two: a claimed bill one nano-unit higher, and a flipped proof byte.
    let mut bad = batch.clone();
    bad[2].public.bill += 1;
    bad[2] = BatchItem::new(bad[2].public.clone(), bad[2].proof.clone()).unwrap();
    bad[7].proof[200] ^= 1;
    let refs: Vec<&BatchItem> = bad.iter().collect();
    let results = verify_all(&verifier, &refs);
    for (i, r) in results.iter().enumerate() {
        if i == 2 || i == 7 {
            assert!(matches!(r, Err(Rejection::ProofInvalid)), "item {i}: {r:?}");
        } else {
            assert!(r.is_ok(), "honest item {i} rejected: {r:?}");
        }
    }

    // An item of another size is rejected for that, not bisected.
    let mut other = honest[0].clone();
    other.public.size = CircuitSize::Month30Min;
    let refs = vec![&honest[1], &other];
    let results = verify_all(&verifier, &refs);
    assert!(results[0].is_ok());
    assert!(matches!(results[1], Err(Rejection::SizeMismatch { .. })));

    // Nothing to verify gives nothing, never a "valid".
    assert!(verify_all(&verifier, &[]).is_empty());
}
