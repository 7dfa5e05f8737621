//! Real proofs at `day-15min`: prove, verify, exact proof size, pinned key shape, and
//! rejection of altered proofs, public inputs and tariffs; and one stored proof per size, made
//! by an earlier build, that this build must still verify.

use ff::Field;
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use zkmeter_circuit::{
    keys::pinned_shape_fingerprint, primitives, proof_len, CircuitSize, Fp, IpaParams, Proof,
    ProofError, ProvingKey, PublicInputs, TariffPrices, VerifyingKey,
};

const SIZE: CircuitSize = CircuitSize::Day15Min;

fn params_of(size: CircuitSize) -> IpaParams {
    zkmeter_params::ParamStore::default_store()
        .load(size.k(), |_| {})
        .unwrap()
}

fn params() -> IpaParams {
    params_of(SIZE)
}

/// The deterministic prices of a frame of `slots` slots.
fn prices_of(slots: usize) -> Vec<i64> {
    (0..slots as i64)
        .map(|i| (i * 5003) % 300_000 - 40_000)
        .collect()
}

/// A deterministic full period of `slots` slots of `size`: readings, blinding value, tariff
/// and public inputs.
fn statement_of(size: CircuitSize, slots: usize) -> (Vec<u32>, Fp, TariffPrices, PublicInputs) {
    let readings: Vec<u32> = (0..slots as u32).map(|i| 100 + (i * 13) % 400).collect();
    let prices = prices_of(slots);
    let blinding = Fp::from(0x1234_5678_9abc_def0_u64).square();
    let (bill, energy_wh) = primitives::bill(&prices, &readings).unwrap();
    let public = PublicInputs {
        size,
        commitment: primitives::commitment(size, &readings, blinding).unwrap(),
        bill,
        energy_wh,
        context: Fp::from(42u64),
    };
    let tariff = TariffPrices::new(size, &prices).unwrap();
    (readings, blinding, tariff, public)
}

fn statement() -> (Vec<u32>, Fp, TariffPrices, PublicInputs) {
    statement_of(SIZE, 96)
}

fn verify(vk: &VerifyingKey, public: &PublicInputs, proof: &[u8]) -> Result<(), ProofError> {
    Proof::from_bytes(proof.to_vec()).verify(vk, &public.to_instance())
}

#[test]
fn proves_verifies_and_rejects_every_alteration() {
    let (readings, blinding, tariff, public) = statement();
    let pk = ProvingKey::build(&tariff, params()).unwrap();
    let vk = VerifyingKey::build(&tariff, params()).unwrap();
    let rng = ChaCha20Rng::seed_from_u64(1);
    let instance = public.to_instance();
    let proof = Proof::create(&pk, &readings, blinding, &instance, rng)
        .unwrap()
        .into_bytes();

    // Honest case first, with the separately built key and the key from the proving key.
    assert_eq!(proof.len(), proof_len(SIZE), "proof size snapshot");
    verify(&vk, &public, &proof).unwrap();
    verify(&pk.verifying_key(), &public, &proof).unwrap();

    // Every public input is bound.
    let mut alterations: Vec<(&str, PublicInputs)> = vec![];
    let mut p = public.clone();
    p.bill += 1;
    alterations.push(("bill", p));
    let mut p = public.clone();
    p.energy_wh -= 1;
    alterations.push(("energy", p));
    let mut p = public.clone();
    p.commitment += Fp::ONE;
    alterations.push(("commitment", p));
    let mut p = public.clone();
    p.context += Fp::ONE;
    alterations.push(("context", p));
    for (what, altered) in alterations {
        assert!(
            matches!(verify(&vk, &altered, &proof), Err(ProofError::Invalid(_))),
            "altered {what} accepted"
        );
    }

    // The tariff is bound through the key: under the key of a tariff with one price changed,
    // or with one slot more or less (another padding mask), the proof does not verify.
    let mut one_price = prices_of(96);
    one_price[17] += 1;
    for (what, prices) in [
        ("price", one_price),
        ("one slot more", prices_of(97)),
        ("one slot less", prices_of(95)),
    ] {
        let other =
            VerifyingKey::build(&TariffPrices::new(SIZE, &prices).unwrap(), params()).unwrap();
        assert!(
            matches!(verify(&other, &public, &proof), Err(ProofError::Invalid(_))),
            "proof verified under the key of a tariff with {what}"
        );
    }

    // Bit flips anywhere (first byte, middle, last byte) are rejected.
    for at in [0, proof.len() / 2, proof.len() - 1] {
        let mut bad = proof.clone();
        bad[at] ^= 0x01;
        assert!(
            verify(&vk, &public, &bad).is_err(),
            "bit flip at {at} accepted"
        );
    }
    // Truncated or extended proofs are refused by length before any curve work.
    for bad in [
        proof[..proof.len() - 1].to_vec(),
        [proof.clone(), vec![0]].concat(),
    ] {
        assert!(matches!(
            verify(&vk, &public, &bad),
            Err(ProofError::WrongProofLength { .. })
        ));
    }
}

#[test]
fn keys_refuse_params_of_another_size() {
    assert!(matches!(
        VerifyingKey::build(
            &TariffPrices::new(CircuitSize::Month30Min, &[1; 48]).unwrap(),
            params()
        ),
        Err(ProofError::WrongParams {
            found: 11,
            expected: 12,
            ..
        })
    ));
}

/// The verifying key's pinned description is a snapshot: any change to the circuit's shape or
/// fixed columns shows up as a diff. Regenerate on purpose with `ZKMETER_UPDATE_SNAPSHOTS=1`.
#[test]
fn verifying_key_snapshot() {
    let (_, _, tariff, _) = statement();
    let vk = VerifyingKey::build(&tariff, params()).unwrap();
    let text = vk.pinned_description();
    let path = format!(
        "{}/tests/snapshots/vk-day-15min.txt",
        env!("CARGO_MANIFEST_DIR")
    );
    if std::env::var_os("ZKMETER_UPDATE_SNAPSHOTS").is_some() {
        std::fs::write(&path, &text).unwrap();
    }
    let pinned = std::fs::read_to_string(&path)
        .expect("snapshot missing: run with ZKMETER_UPDATE_SNAPSHOTS=1 once, and commit it");
    assert!(
        pinned == text,
        "verifying key changed; see {path} (diff with ZKMETER_UPDATE_SNAPSHOTS=1)"
    );
}

/// Every size's keys have the pinned shape (`PINNED_SHAPE_SHA256`) whatever the tariff, so the
/// plugin and every utility build the same keys; the keys of two tariffs differ (in the two
/// tariff columns' commitments only, which is what the shape masks). Needs the month-size
/// parameters (generated once, about two minutes on 2 cores).
#[test]
fn key_shapes_are_pinned_and_only_the_tariff_columns_differ() {
    let store = zkmeter_params::ParamStore::default_store();
    for size in CircuitSize::ALL {
        let params = std::sync::Arc::new(store.load(size.k(), |_| {}).unwrap());
        let a = TariffPrices::new(size, &prices_of(24)).unwrap();
        let b = TariffPrices::new(size, &vec![-7; size.capacity()]).unwrap();
        let [ka, kb] = [&a, &b].map(|t| VerifyingKey::build_unpinned(t, params.clone()).unwrap());
        assert_eq!(
            ka.shape_fingerprint(),
            pinned_shape_fingerprint(size),
            "{size}: key shape moved; if on purpose, update PINNED_SHAPE_SHA256"
        );
        assert_eq!(ka.shape_fingerprint(), kb.shape_fingerprint(), "{size}");
        assert_ne!(ka.fingerprint(), kb.fingerprint(), "{size}");
        // Exactly two lines of the descriptions differ: the two tariff commitments (one line
        // per point).
        let (da, db) = (ka.pinned_description(), kb.pinned_description());
        let differing = da.lines().zip(db.lines()).filter(|(x, y)| x != y).count();
        assert_eq!(
            (da.lines().count(), differing),
            (db.lines().count(), 2),
            "{size}"
        );
        VerifyingKey::build(&a, params).unwrap();
    }
}

/// One proof per size, stored in `tests/fixtures/proof-SIZE.bin`, still verifies under this
/// build's keys for the same deterministic statement, and has exactly the pinned length; a
/// tampered copy does not. A change that breaks the proofs earlier builds made shows here.
/// Regenerate on purpose with `ZKMETER_UPDATE_SNAPSHOTS=1` (about 10 s of proving).
#[test]
fn stored_proofs_still_verify() {
    for size in CircuitSize::ALL {
        let path = format!(
            "{}/tests/fixtures/proof-{size}.bin",
            env!("CARGO_MANIFEST_DIR")
        );
        let (readings, blinding, tariff, public) = statement_of(size, size.capacity() - 5);
        let instance = public.to_instance();
        if std::env::var_os("ZKMETER_UPDATE_SNAPSHOTS").is_some() {
            let pk = ProvingKey::build(&tariff, params_of(size)).unwrap();
            let rng = ChaCha20Rng::seed_from_u64(7);
            let proof = Proof::create(&pk, &readings, blinding, &instance, rng).unwrap();
            std::fs::write(&path, proof.as_bytes()).unwrap();
        }
        let stored = std::fs::read(&path).expect(
            "stored proof missing: run with ZKMETER_UPDATE_SNAPSHOTS=1 once, and commit it",
        );
        assert_eq!(stored.len(), proof_len(size), "{size}: proof length moved");
        let vk = VerifyingKey::build(&tariff, params_of(size)).unwrap();
        verify(&vk, &public, &stored).unwrap_or_else(|e| panic!("{size}: {e}"));
        let mut other = public.clone();
        other.bill += 1;
        assert!(
            matches!(verify(&vk, &other, &stored), Err(ProofError::Invalid(_))),
            "{size}: the stored proof verifies for another bill"
        );
    }
}

/// The batch check: honest proofs pass together; one proof checked against another bill, or
/// under another tariff's key, makes the whole batch fail; an empty batch is never "valid".
#[test]
fn a_batch_passes_only_when_every_proof_verifies() {
    use zkmeter_circuit::BatchValidator;
    let params = std::sync::Arc::new(params());
    let (readings, blinding, tariff, public) = &statement();
    let pk = ProvingKey::build(tariff, params.clone()).unwrap();
    let vk = VerifyingKey::build(tariff, params.clone()).unwrap();
    let proofs: Vec<Proof> = (0..3)
        .map(|seed| {
            let rng = ChaCha20Rng::seed_from_u64(seed);
            Proof::create(&pk, readings, *blinding, &public.to_instance(), rng).unwrap()
        })
        .collect();
    let batch_of = |publics: &[&PublicInputs]| {
        let mut batch = BatchValidator::new(SIZE);
        for (proof, public) in proofs.iter().zip(publics) {
            proof
                .add_to_batch(&mut batch, &public.to_instance())
                .unwrap();
        }
        batch
    };
    // Honest first.
    assert!(batch_of(&[public, public, public]).validate(&vk));
    // One proof against another bill.
    let mut other = public.clone();
    other.bill += 1;
    assert!(!batch_of(&[public, &other, public]).validate(&vk));
    // Under the key of another tariff (a 90-slot frame).
    let (_, _, other_tariff, _) = statement_of(SIZE, 90);
    let other_vk = VerifyingKey::build(&other_tariff, params).unwrap();
    assert!(!batch_of(&[public, public, public]).validate(&other_vk));
    // Nothing is never evidence.
    assert!(!BatchValidator::new(SIZE).validate(&vk));
}
