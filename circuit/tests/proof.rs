//! Real proofs at `day-15min`: prove, verify, exact proof size, pinned verifying key, and
//! rejection of altered proofs and public inputs; and one stored proof per size, made by an
//! earlier build, that this build must still verify.

use ff::Field;
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use zkmeter_circuit::{
    keys::pinned_vk_fingerprint, primitives, proof_len, CircuitSize, Fp, IpaParams, Proof,
    ProofError, ProvingKey, PublicInputs, VerifyingKey,
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

/// A deterministic full period of `slots` slots of `size`: readings, blinding value and
/// public inputs.
fn statement_of(size: CircuitSize, slots: usize) -> (Vec<u32>, Fp, PublicInputs) {
    let readings: Vec<u32> = (0..slots as u32).map(|i| 100 + (i * 13) % 400).collect();
    let prices: Vec<i64> = (0..slots as i64)
        .map(|i| (i * 5003) % 300_000 - 40_000)
        .collect();
    let blinding = Fp::from(0x1234_5678_9abc_def0_u64).square();
    let (bill, energy_wh) = primitives::bill(&prices, &readings).unwrap();
    let public = PublicInputs {
        size,
        commitment: primitives::commitment(size, &readings, blinding).unwrap(),
        bill,
        energy_wh,
        context: Fp::from(42u64),
        prices,
    };
    (readings, blinding, public)
}

fn statement() -> (Vec<u32>, Fp, PublicInputs) {
    statement_of(SIZE, 96)
}

fn verify(vk: &VerifyingKey, public: &PublicInputs, proof: &[u8]) -> Result<(), ProofError> {
    Proof::from_bytes(proof.to_vec()).verify(vk, &public.to_instance().unwrap())
}

#[test]
fn proves_verifies_and_rejects_every_alteration() {
    let pk = ProvingKey::build(SIZE, params()).unwrap();
    let vk = VerifyingKey::build(SIZE, params()).unwrap();
    let (readings, blinding, public) = statement();
    let rng = ChaCha20Rng::seed_from_u64(1);
    let instance = public.to_instance().unwrap();
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
    let mut p = public.clone();
    p.prices[17] += 1;
    alterations.push(("price", p));
    for (what, altered) in alterations {
        assert!(
            matches!(verify(&vk, &altered, &proof), Err(ProofError::Invalid(_))),
            "altered {what} accepted"
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
        VerifyingKey::build(CircuitSize::Month30Min, params()),
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
    let vk = VerifyingKey::build(SIZE, params()).unwrap();
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

/// Every size's verifying key matches its pinned fingerprint (`PINNED_VK_SHA256`), so the
/// plugin and every utility build the same keys. Needs the month-size parameters (generated
/// once, about two minutes on 2 cores).
#[test]
fn verifying_key_fingerprints() {
    let store = zkmeter_params::ParamStore::default_store();
    for size in CircuitSize::ALL {
        let params = store.load(size.k(), |_| {}).unwrap();
        let vk = VerifyingKey::build_unpinned(size, params.clone()).unwrap();
        assert_eq!(
            vk.fingerprint(),
            pinned_vk_fingerprint(size),
            "{size}: verifying key moved; if on purpose, update PINNED_VK_SHA256"
        );
        VerifyingKey::build(size, params).unwrap();
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
        let (readings, blinding, public) = statement_of(size, size.capacity());
        let instance = public.to_instance().unwrap();
        if std::env::var_os("ZKMETER_UPDATE_SNAPSHOTS").is_some() {
            let pk = ProvingKey::build(size, params_of(size)).unwrap();
            let rng = ChaCha20Rng::seed_from_u64(7);
            let proof = Proof::create(&pk, &readings, blinding, &instance, rng).unwrap();
            std::fs::write(&path, proof.as_bytes()).unwrap();
        }
        let stored = std::fs::read(&path).expect(
            "stored proof missing: run with ZKMETER_UPDATE_SNAPSHOTS=1 once, and commit it",
        );
        assert_eq!(stored.len(), proof_len(size), "{size}: proof length moved");
        let vk = VerifyingKey::build(size, params_of(size)).unwrap();
        verify(&vk, &public, &stored).unwrap_or_else(|e| panic!("{size}: {e}"));
        let mut other = public.clone();
        other.bill += 1;
        assert!(
            matches!(verify(&vk, &other, &stored), Err(ProofError::Invalid(_))),
            "{size}: the stored proof verifies for another bill"
        );
    }
}
