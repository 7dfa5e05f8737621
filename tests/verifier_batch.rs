//! Batch verification: a batch of honest proofs passes as one combined check; bad proofs in a
//! batch are found by bisection, each rejected for its reason, and the honest ones still pass.
//! An empty batch is never evidence of anything.

use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use zkmeter_circuit::Fp;
use zkmeter_meter::{
    demo_tariff, record_with_blinding, synthetic_readings, Measured, MeterSigningKey,
};
use zkmeter_protocol::{CircuitSize, Frame, MeterId, MeterPublicKey, Submission, Tariff, UtcTime};
use zkmeter_prover::Plugin;
use zkmeter_verifier::batch::{verify_all, verify_all_on};
use zkmeter_verifier::{check_submission, Checked, Rejection, UtilityTariff, Verifier};

/// An honest submission with the key and tariff it is checked against.
struct Item {
    key: MeterPublicKey,
    sub: Submission,
}

impl Item {
    fn checked(&self, tariff: &UtilityTariff) -> Checked {
        check_submission(&self.sub, &self.key, tariff, None).unwrap()
    }
}

/// Three honest day-15min submissions of three meters, with the verifier and the tariff.
fn setup() -> (Verifier, UtilityTariff, Vec<Item>) {
    let size = CircuitSize::Day15Min;
    let params = zkmeter_params::ParamStore::default_store()
        .load(size.k(), |_| {})
        .unwrap();
    let frame = Frame::natural(UtcTime::parse("2026-02-01T00:00:00Z").unwrap(), 15, size).unwrap();
    let tariff: Tariff = demo_tariff(&frame, 3).unwrap();
    let params = std::sync::Arc::new(params);
    let plugin = Plugin::new(&tariff, params.clone()).unwrap();
    let utility = UtilityTariff::new(tariff.clone());
    let verifier = Verifier::new(&utility, params).unwrap();
    let items = (0..3u64)
        .map(|i| {
            let key = MeterSigningKey::generate(&mut ChaCha20Rng::seed_from_u64(i)).unwrap();
            let period = record_with_blinding(
                &key,
                MeterId::new(&format!("m-{i}")).unwrap(),
                frame,
                Measured::import_wh(synthetic_readings(&frame, i).unwrap()),
                Fp::from(1000 + i),
            )
            .unwrap();
            let sub: Submission = plugin
                .prove(&period, &tariff, None, ChaCha20Rng::seed_from_u64(10 + i))
                .unwrap();
            Item {
                key: key.public_key(),
                sub,
            }
        })
        .collect();
    (verifier, utility, items)
}

#[test]
fn bad_proofs_in_a_batch_are_found_and_the_honest_ones_pass() {
    let (verifier, tariff, honest) = setup();
    // Nine items (the three proofs, each three times): all pass together.
    let batch: Vec<Checked> = (0..9).map(|i| honest[i % 3].checked(&tariff)).collect();
    let refs: Vec<&Checked> = batch.iter().collect();
    assert!(verify_all(&verifier, &refs).iter().all(Result::is_ok));

    // Corrupt two: a claimed bill one nano-unit higher (the signature does not cover the
    // bill, so every cheap check passes), and a flipped proof byte.
    let mut bad = batch.clone();
    let mut higher = honest[2].sub.clone();
    higher.bill += 1;
    bad[2] = check_submission(&higher, &honest[2].key, &tariff, None).unwrap();
    let mut flipped = honest[1].sub.clone();
    flipped.proof[200] ^= 1;
    bad[7] = check_submission(&flipped, &honest[1].key, &tariff, None).unwrap();
    let refs: Vec<&Checked> = bad.iter().collect();
    let results = verify_all(&verifier, &refs);
    for (i, r) in results.iter().enumerate() {
        if i == 2 || i == 7 {
            assert!(matches!(r, Err(Rejection::ProofInvalid)), "item {i}: {r:?}");
        } else {
            assert!(r.is_ok(), "honest item {i} rejected: {r:?}");
        }
    }

    // Spread over 1, 2, 3 and 4 single-thread pools (groups of 9, 5, 3 and 3 items), the job's
    // way: every verdict lands on its own item, whatever the grouping.
    for threads in 1..=4 {
        let pools: Vec<rayon::ThreadPool> = (0..threads)
            .map(|_| {
                rayon::ThreadPoolBuilder::new()
                    .num_threads(1)
                    .build()
                    .unwrap()
            })
            .collect();
        let spread = verify_all_on(&verifier, &refs, &pools);
        assert_eq!(spread.len(), refs.len());
        for (i, r) in spread.iter().enumerate() {
            assert_eq!(
                r.is_ok(),
                i != 2 && i != 7,
                "{threads} pools, item {i}: {r:?}"
            );
        }
        let honest_refs: Vec<&Checked> = batch.iter().collect();
        assert!(verify_all_on(&verifier, &honest_refs, &pools)
            .iter()
            .all(Result::is_ok));
    }

    // Items of another size or tariff than the verifier's are rejected for that, not
    // bisected.
    let params = zkmeter_params::ParamStore::default_store()
        .load(CircuitSize::Month30Min.k(), |_| {})
        .unwrap();
    let month_frame = Frame::natural(
        UtcTime::parse("2026-02-01T00:00:00Z").unwrap(),
        30,
        CircuitSize::Month30Min,
    )
    .unwrap();
    let month_tariff = UtilityTariff::new(demo_tariff(&month_frame, 3).unwrap());
    let month = Verifier::new(&month_tariff, params).unwrap();
    let results = verify_all(&month, &refs[..3]);
    assert!(
        results
            .iter()
            .all(|r| matches!(r, Err(Rejection::SizeMismatch { .. }))),
        "{results:?}"
    );
    let mut repriced = tariff.tariff().clone();
    repriced.prices[0] += 1;
    let day_params = zkmeter_params::ParamStore::default_store()
        .load(CircuitSize::Day15Min.k(), |_| {})
        .unwrap();
    let other = Verifier::new(&UtilityTariff::new(repriced), day_params).unwrap();
    let results = verify_all(&other, &refs[..3]);
    assert!(
        results
            .iter()
            .all(|r| matches!(r, Err(Rejection::TariffNotServed { .. }))),
        "{results:?}"
    );

    // Nothing to verify gives nothing, never a "valid".
    assert!(verify_all(&verifier, &[]).is_empty());
}
