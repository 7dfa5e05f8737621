//! Real proofs at the day sizes (`day-15min`, and `day-15min-ie` with an export register):
//! prove, verify, exact proof size, pinned key shape, and rejection of altered proofs, public
//! inputs and tariffs; and one stored proof per size up to k 13, made by an earlier build, that
//! this build must still verify.

use ff::Field;
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use zkmeter_circuit::{
    keys::pinned_shape_fingerprint,
    primitives::{self, Readings},
    proof_len, CircuitSize, Fp, IpaParams, Proof, ProofError, ProvingKey, PublicInputs,
    TariffPrices, VerifyingKey,
};

const SIZE: CircuitSize = CircuitSize::Day15Min;
/// Slots of the frame the day tests prove (a day of 15-minute slots).
const DAY_SLOTS: usize = 96;

fn params_of(size: CircuitSize) -> IpaParams {
    zkmeter_params::ParamStore::default_store()
        .load(size.k(), |_| {})
        .unwrap()
}

fn params() -> IpaParams {
    params_of(SIZE)
}

/// The deterministic import prices of a frame of `slots` slots.
fn prices_of(slots: usize) -> Vec<i64> {
    (0..slots as i64)
        .map(|i| (i * 5003) % 300_000 - 40_000)
        .collect()
}

/// The deterministic export credits of a frame of `slots` slots.
fn credits_of(slots: usize) -> Vec<i64> {
    (0..slots as i64)
        .map(|i| 50_000 + (i * 3001) % 60_000)
        .collect()
}

/// The tariff of a frame of `slots` slots of `size` (credits exactly when it has export).
fn tariff_of(size: CircuitSize, slots: usize) -> TariffPrices {
    let credits = size.has_export().then(|| credits_of(slots));
    TariffPrices::new(size, &prices_of(slots), credits.as_deref()).unwrap()
}

/// A deterministic period and the public inputs an honest plugin computes for it.
struct Statement {
    import: Vec<u32>,
    export: Option<Vec<u32>>,
    blinding: Fp,
    tariff: TariffPrices,
    public: PublicInputs,
}

impl Statement {
    fn readings(&self) -> Readings<'_> {
        Readings {
            import: &self.import,
            export: self.export.as_deref(),
        }
    }

    fn prove(&self, pk: &ProvingKey, seed: u64) -> Proof {
        let rng = ChaCha20Rng::seed_from_u64(seed);
        Proof::create(
            pk,
            self.readings(),
            self.blinding,
            &self.public.to_instance(),
            rng,
        )
        .unwrap()
    }
}

/// A full period of `slots` slots of `size`: readings (and export readings around the middle
/// of the frame for a two-register size), blinding value, tariff and public inputs.
fn statement_of(size: CircuitSize, slots: usize) -> Statement {
    let import: Vec<u32> = (0..slots as u32).map(|i| 100 + (i * 13) % 400).collect();
    let export = size.has_export().then(|| {
        (0..slots as u32)
            .map(|i| {
                if (slots as u32 / 3..2 * slots as u32 / 3).contains(&i) {
                    250 + (i * 29) % 300
                } else {
                    0
                }
            })
            .collect::<Vec<u32>>()
    });
    let blinding = Fp::from(0x1234_5678_9abc_def0_u64).square();
    let tariff = tariff_of(size, slots);
    let readings = Readings {
        import: &import,
        export: export.as_deref(),
    };
    let totals = primitives::bill(tariff.import(), tariff.export(), readings).unwrap();
    let public = PublicInputs {
        size,
        commitment: primitives::commitment(size, readings, blinding).unwrap(),
        bill: totals.bill,
        import_energy: totals.import_energy,
        export_energy: totals.export_energy,
        context: Fp::from(42u64),
    };
    Statement {
        import,
        export,
        blinding,
        tariff,
        public,
    }
}

fn statement() -> Statement {
    statement_of(SIZE, DAY_SLOTS)
}

fn verify(vk: &VerifyingKey, public: &PublicInputs, proof: &[u8]) -> Result<(), ProofError> {
    Proof::from_bytes(proof.to_vec()).verify(vk, &public.to_instance())
}

/// Each altered copy of `public` is refused as an invalid proof.
fn assert_each_refused(vk: &VerifyingKey, proof: &[u8], alterations: Vec<(&str, PublicInputs)>) {
    for (what, altered) in alterations {
        assert!(
            matches!(verify(vk, &altered, proof), Err(ProofError::Invalid(_))),
            "altered {what} accepted"
        );
    }
}

/// `public` with one change.
fn altered(public: &PublicInputs, change: impl FnOnce(&mut PublicInputs)) -> PublicInputs {
    let mut p = public.clone();
    change(&mut p);
    p
}

#[test]
fn proves_verifies_and_rejects_every_alteration() {
    let s = statement();
    let pk = ProvingKey::build(&s.tariff, params()).unwrap();
    let vk = VerifyingKey::build(&s.tariff, params()).unwrap();
    let proof = s.prove(&pk, 1).into_bytes();

    // Honest case first, with the separately built key and the key from the proving key.
    assert_eq!(proof.len(), proof_len(SIZE), "proof size snapshot");
    assert_eq!(proof.len(), 2848 + 64 * 11);
    verify(&vk, &s.public, &proof).unwrap();
    verify(&pk.verifying_key(), &s.public, &proof).unwrap();

    // Every public input is bound (E_out of a one-register size is 0).
    let public = &s.public;
    assert_eq!(public.export_energy, 0);
    assert_each_refused(
        &vk,
        &proof,
        vec![
            ("bill", altered(public, |p| p.bill += 1)),
            ("import energy", altered(public, |p| p.import_energy -= 1)),
            ("export energy", altered(public, |p| p.export_energy = 1)),
            ("commitment", altered(public, |p| p.commitment += Fp::ONE)),
            ("context", altered(public, |p| p.context += Fp::ONE)),
        ],
    );

    // The tariff is bound through the key: under the key of a tariff with one price changed,
    // or with one slot more or less (another padding mask), the proof does not verify.
    let mut one_price = prices_of(DAY_SLOTS);
    one_price[17] += 1;
    for (what, prices) in [
        ("price", one_price),
        ("one slot more", prices_of(DAY_SLOTS + 1)),
        ("one slot less", prices_of(DAY_SLOTS - 1)),
    ] {
        let other = VerifyingKey::build(&TariffPrices::new(SIZE, &prices, None).unwrap(), params())
            .unwrap();
        assert!(
            matches!(verify(&other, public, &proof), Err(ProofError::Invalid(_))),
            "proof verified under the key of a tariff with {what}"
        );
    }

    // Bit flips anywhere (first byte, middle, last byte) are rejected.
    for at in [0, proof.len() / 2, proof.len() - 1] {
        let mut bad = proof.clone();
        bad[at] ^= 0x01;
        assert!(
            verify(&vk, public, &bad).is_err(),
            "bit flip at {at} accepted"
        );
    }
    // Truncated or extended proofs are refused by length before any curve work.
    for bad in [
        proof[..proof.len() - 1].to_vec(),
        [proof.clone(), vec![0]].concat(),
    ] {
        assert!(matches!(
            verify(&vk, public, &bad),
            Err(ProofError::WrongProofLength { .. })
        ));
    }
}

/// A two-register day end to end: proves, verifies, and fails with E_out altered, with the two
/// energies swapped, under the key of a tariff with one export credit changed, and under the
/// one-register key of the same capacity.
#[test]
fn two_register_day_proves_verifies_and_binds_the_export_register() {
    let size = CircuitSize::Day15MinIe;
    let s = statement_of(size, DAY_SLOTS);
    let public = &s.public;
    assert!(public.export_energy > 0 && public.export_energy != public.import_energy);
    let params = std::sync::Arc::new(params_of(size));
    let pk = ProvingKey::build(&s.tariff, params.clone()).unwrap();
    let vk = pk.verifying_key();
    let proof = s.prove(&pk, 2).into_bytes();

    assert_eq!(proof.len(), proof_len(size));
    verify(&vk, public, &proof).unwrap();
    verify(
        &VerifyingKey::build(&s.tariff, params.clone()).unwrap(),
        public,
        &proof,
    )
    .unwrap();

    assert_each_refused(
        &vk,
        &proof,
        vec![
            ("export energy", altered(public, |p| p.export_energy += 1)),
            (
                "energies swapped",
                altered(public, |p| {
                    std::mem::swap(&mut p.import_energy, &mut p.export_energy)
                }),
            ),
            ("bill", altered(public, |p| p.bill -= 1)),
        ],
    );

    // Another tariff: one export credit changed.
    let mut credits = credits_of(DAY_SLOTS);
    credits[DAY_SLOTS / 2] += 1;
    let other = TariffPrices::new(size, &prices_of(DAY_SLOTS), Some(&credits)).unwrap();
    let other_vk = VerifyingKey::build(&other, params).unwrap();
    assert!(matches!(
        verify(&other_vk, public, &proof),
        Err(ProofError::Invalid(_))
    ));

    // The one-register key of the same capacity refuses the instance by size, before any
    // curve work.
    let one = VerifyingKey::build(&tariff_of(SIZE, DAY_SLOTS), params_of(SIZE)).unwrap();
    assert!(matches!(
        verify(&one, public, &proof),
        Err(ProofError::SizeMismatch {
            key: CircuitSize::Day15Min,
            input: CircuitSize::Day15MinIe
        })
    ));
}

#[test]
fn keys_refuse_params_of_another_size() {
    assert!(matches!(
        VerifyingKey::build(
            &TariffPrices::new(CircuitSize::Month30Min, &[1; 48], None).unwrap(),
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
    let vk = VerifyingKey::build(&statement().tariff, params()).unwrap();
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
/// tariff columns' commitments only, which is what the shape masks). Needs the parameters of
/// every k (generated once and cached; k 14 takes a few minutes on 2 cores).
#[test]
fn key_shapes_are_pinned_and_only_the_tariff_columns_differ() {
    let store = zkmeter_params::ParamStore::default_store();
    for size in CircuitSize::ALL {
        let params = std::sync::Arc::new(store.load(size.k(), |_| {}).unwrap());
        let a = tariff_of(size, 24);
        let full = vec![-7; size.capacity()];
        let b = TariffPrices::new(size, &full, size.has_export().then_some(&full[..])).unwrap();
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

/// The sizes with a stored proof: every size but `month-15min-ie` (k 14; its proof takes the
/// longest of all, and its keys are covered by the shape test).
const STORED: [CircuitSize; 5] = [
    CircuitSize::Day15Min,
    CircuitSize::Month30Min,
    CircuitSize::Month15Min,
    CircuitSize::Day15MinIe,
    CircuitSize::Month30MinIe,
];

/// One proof per size of [`STORED`], stored in `tests/fixtures/proof-SIZE.bin`, still verifies
/// under this build's keys for the same deterministic statement, and has exactly the pinned
/// length; a tampered copy does not. A change that breaks the proofs earlier builds made shows
/// here. Regenerate on purpose with `ZKMETER_UPDATE_SNAPSHOTS=1` (about a minute of proving
/// on 2 cores).
#[test]
fn stored_proofs_still_verify() {
    assert!(!STORED.contains(&CircuitSize::Month15MinIe));
    for size in STORED {
        let path = format!(
            "{}/tests/fixtures/proof-{size}.bin",
            env!("CARGO_MANIFEST_DIR")
        );
        let s = statement_of(size, size.capacity() - 5);
        if std::env::var_os("ZKMETER_UPDATE_SNAPSHOTS").is_some() {
            let pk = ProvingKey::build(&s.tariff, params_of(size)).unwrap();
            std::fs::write(&path, s.prove(&pk, 7).as_bytes()).unwrap();
        }
        let stored = std::fs::read(&path).expect(
            "stored proof missing: run with ZKMETER_UPDATE_SNAPSHOTS=1 once, and commit it",
        );
        assert_eq!(stored.len(), proof_len(size), "{size}: proof length moved");
        let vk = VerifyingKey::build(&s.tariff, params_of(size)).unwrap();
        verify(&vk, &s.public, &stored).unwrap_or_else(|e| panic!("{size}: {e}"));
        assert!(
            matches!(
                verify(&vk, &altered(&s.public, |p| p.bill += 1), &stored),
                Err(ProofError::Invalid(_))
            ),
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
    let s = statement();
    let public = &s.public;
    let pk = ProvingKey::build(&s.tariff, params.clone()).unwrap();
    let vk = VerifyingKey::build(&s.tariff, params.clone()).unwrap();
    let proofs: Vec<Proof> = (0..3).map(|seed| s.prove(&pk, seed)).collect();
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
    let other = altered(public, |p| p.bill += 1);
    assert!(!batch_of(&[public, &other, public]).validate(&vk));
    // Under the key of another tariff (a 90-slot frame).
    let other_vk = VerifyingKey::build(&tariff_of(SIZE, 90), params).unwrap();
    assert!(!batch_of(&[public, public, public]).validate(&other_vk));
    // Nothing is never evidence.
    assert!(!BatchValidator::new(SIZE).validate(&vk));
}
