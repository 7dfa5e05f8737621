//! The utility accepts the honest submission and rejects each alteration for its own reason.

use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use std::sync::Arc;

use zkmeter_circuit::{Fp, IpaParams};
use zkmeter_meter::{
    demo_tariff, record_with_blinding, synthetic_readings, Measured, MeterSigningKey,
};
use zkmeter_protocol::{
    CircuitSize, Frame, MeterId, MeterPublicKey, Submission, Tariff, UtcTime, ZkFile,
};
use zkmeter_prover::Plugin;
use zkmeter_verifier::{Accepted, Rejection, UtilityTariff, Verifier};

/// The day-15min parameters, shared by every key built from them.
fn params() -> Arc<IpaParams> {
    Arc::new(
        zkmeter_params::ParamStore::default_store()
            .load(CircuitSize::Day15Min.k(), |_| {})
            .unwrap(),
    )
}

/// An honest day-15min submission, its meter key and tariff, and the verifier of the tariff.
fn setup() -> (Verifier, MeterPublicKey, Tariff, Submission) {
    let size = CircuitSize::Day15Min;
    let params = params();
    let key = MeterSigningKey::generate(&mut ChaCha20Rng::seed_from_u64(1)).unwrap();
    let meter = key.public_key();
    let frame = Frame::new(
        UtcTime::parse("2026-02-01T00:00:00Z").unwrap(),
        15,
        96,
        size,
    )
    .unwrap();
    let period = record_with_blinding(
        &key,
        MeterId::new("meter-7").unwrap(),
        frame,
        Measured::import_wh(synthetic_readings(&frame, 1).unwrap()),
        Fp::from(5u64),
    )
    .unwrap();
    let tariff = demo_tariff(&frame, 2).unwrap();
    let plugin = Plugin::new(&tariff, params.clone()).unwrap();
    let honest = plugin
        .prove(&period, &tariff, None, ChaCha20Rng::seed_from_u64(2))
        .unwrap();
    let verifier = Verifier::new(&UtilityTariff::new(tariff.clone()), params).unwrap();
    (verifier, meter, tariff, honest)
}

#[test]
fn honest_submission_is_accepted_and_each_alteration_rejected_for_its_reason() {
    let (verifier, meter, tariff, honest) = setup();

    let accepted = verifier.verify(&honest, &meter).unwrap();
    assert_eq!(
        accepted,
        Accepted {
            figures: honest.figures()
        }
    );

    // A utility whose tariff is `t` verifies with the key it builds from `t`.
    let check = |s: &Submission, t: &Tariff| {
        if t == &tariff {
            return verifier.verify(s, &meter).unwrap_err();
        }
        Verifier::new(&UtilityTariff::new(t.clone()), params())
            .unwrap()
            .verify(s, &meter)
            .unwrap_err()
    };

    // Another meter's key.
    let other = MeterSigningKey::generate(&mut ChaCha20Rng::seed_from_u64(9))
        .unwrap()
        .public_key();
    assert!(matches!(
        verifier.verify(&honest, &other),
        Err(Rejection::Signature(_))
    ));
    // Claimed for another meter id or period: the signature no longer covers it.
    let mut s = honest.clone();
    s.meter_id = MeterId::new("meter-8").unwrap();
    assert!(matches!(check(&s, &tariff), Rejection::Signature(_)));
    // Bill or energy changed: the proof fails.
    let mut s = honest.clone();
    s.bill += 1;
    assert!(matches!(check(&s, &tariff), Rejection::ProofInvalid));
    let mut s = honest.clone();
    s.import_energy += 1;
    assert!(matches!(check(&s, &tariff), Rejection::ProofInvalid));
    // An export energy claimed for a meter with one register: refused for what it is, both
    // when its file is read and by the check of a submission held in memory, before any
    // proof work (the proof would fail too: its public inputs hold 0 for one register).
    let mut s = honest.clone();
    s.export_energy = 1;
    let one_register = |e: &zkmeter_protocol::ProtocolError| {
        matches!(
            e,
            zkmeter_protocol::ProtocolError::Bounds(
                zkmeter_circuit::BoundsError::RegistersMismatch { found: 2, .. }
            )
        )
    };
    assert!(matches!(
        Submission::from_bytes(&s.to_bytes()),
        Err(zkmeter_protocol::FileError::Invalid { source, .. }) if one_register(&source)
    ));
    assert!(Submission::from_bytes(&honest.to_bytes()).is_ok());
    assert!(matches!(check(&s, &tariff), Rejection::Protocol(e) if one_register(&e)));
    // The unit or the filled-slot count changed: the meter signed them, the signature fails
    // (a bill in mWh presented as Wh would be a thousand times larger, or smaller).
    let mut s = honest.clone();
    s.unit = zkmeter_protocol::EnergyUnit::MILLI_WH;
    assert!(matches!(check(&s, &tariff), Rejection::Signature(_)));
    let mut s = honest.clone();
    s.filled = 1;
    assert!(matches!(check(&s, &tariff), Rejection::Signature(_)));
    // Proof bit-flipped, truncated, extended.
    let mut s = honest.clone();
    s.proof[100] ^= 4;
    assert!(matches!(check(&s, &tariff), Rejection::ProofInvalid));
    let mut s = honest.clone();
    s.proof.pop();
    assert!(matches!(check(&s, &tariff), Rejection::ProofLength { .. }));
    let mut s = honest.clone();
    s.proof.push(0);
    assert!(matches!(check(&s, &tariff), Rejection::ProofLength { .. }));

    // The utility's tariff differs: another price, another id, another frame.
    let mut t = tariff.clone();
    t.prices[10] += 1;
    assert!(matches!(
        check(&honest, &t),
        Rejection::TariffDigestMismatch
    ));
    let mut t = tariff.clone();
    t.tariff_id = "other".into();
    assert!(matches!(
        check(&honest, &t),
        Rejection::TariffIdMismatch { .. }
    ));
    let mut t = tariff.clone();
    t.frame.slots = 95;
    t.prices.pop();
    assert!(matches!(
        check(&honest, &t),
        Rejection::FrameMismatch { .. }
    ));
    // A consumer who also forges the tariff digest to match altered prices still fails: the
    // prices are committed in the utility's verifying key, which the proof is bound to.
    let mut t = tariff.clone();
    t.prices[10] += 1;
    let mut s = honest.clone();
    s.tariff_digest = t.digest();
    assert!(matches!(check(&s, &t), Rejection::ProofInvalid));

    // A submission of another size than the verifier serves.
    let mut s = honest.clone();
    s.frame.size = CircuitSize::Month30Min;
    assert!(matches!(check(&s, &tariff), Rejection::SizeMismatch { .. }));
}

/// Byte flips anywhere in a submission file: each flipped file is refused at decoding or
/// rejected by the verifier; none is accepted and none panics. Positions are spread over the
/// whole file (header, ids, frame, commitment, signature, figures, proof).
#[test]
fn no_single_byte_flip_of_a_submission_file_is_accepted() {
    let (verifier, meter, _, honest) = setup();
    let bytes = honest.to_bytes();
    assert!(verifier
        .verify(&Submission::from_bytes(&bytes).unwrap(), &meter)
        .is_ok());
    let mut decoded_and_rejected = 0;
    for at in (0..bytes.len()).step_by(13) {
        for mask in [0x01, 0x80] {
            let mut bad = bytes.clone();
            bad[at] ^= mask;
            if let Ok(s) = Submission::from_bytes(&bad) {
                assert!(
                    verifier.verify(&s, &meter).is_err(),
                    "flip {mask:#04x} at byte {at} accepted"
                );
                decoded_and_rejected += 1;
            }
        }
    }
    // Most flips decode (they land in the proof) and are then rejected by the verifier.
    assert!(decoded_and_rejected > 200, "{decoded_and_rejected}");
}

/// Single verification and the batch job make the same `check_submission` call, so each
/// negative case is rejected by both for the very same reason. The honest submission is
/// accepted by both first; then every altered copy is put through `Verifier::verify` and
/// through the batch job, whose report row must carry the same reason. Each file is a batch
/// of its own, on a ledger of its own: in one batch the first file of the statement would
/// claim its period and the later ones would be settled as duplicates before their proofs
/// (docs/batch.md, "Settle").
#[test]
fn single_verify_and_the_batch_job_reject_each_case_for_the_same_reason() {
    use zkmeter_verifier::job::{self, Faults, JobConfig};
    use zkmeter_verifier::registry::RegistryLine;
    use zkmeter_verifier::report::{Outcome, Row};

    let (verifier, meter, tariff, honest) = setup();
    verifier.verify(&honest, &meter).unwrap();

    let mut cases: Vec<(&str, Submission)> = vec![];
    let mut add = |name, change: &dyn Fn(&mut Submission)| {
        let mut s = honest.clone();
        change(&mut s);
        cases.push((name, s));
    };
    add("bill", &|s| s.bill += 1);
    add("energy", &|s| s.import_energy += 1);
    add("proof-flipped", &|s| s.proof[100] ^= 4);
    add("proof-truncated", &|s| {
        s.proof.pop();
    });
    add("proof-extended", &|s| s.proof.push(0));
    add("signature", &|s| s.meter_signature.0[40] ^= 1);
    // meter-8 is registered, with meter-7's key: the signature does not cover the new id.
    add("meter-id", &|s| {
        s.meter_id = MeterId::new("meter-8").unwrap()
    });
    add("tariff-id", &|s| s.tariff_id = "other".into());
    add("tariff-digest", &|s| s.tariff_digest[0] ^= 1);
    add("frame", &|s| s.frame.slots = 95);

    let dir = tempfile::tempdir().unwrap();
    let tariffs = dir.path().join("tariffs");
    std::fs::create_dir_all(&tariffs).unwrap();
    std::fs::write(tariffs.join("t.json"), tariff.to_json()).unwrap();
    let registry = ["meter-7", "meter-8"]
        .map(|id| {
            RegistryLine {
                meter_id: MeterId::new(id).unwrap(),
                public_key: meter.to_pem().unwrap(),
                revoked: false,
                plan: None,
            }
            .to_line()
        })
        .join("\n");
    std::fs::write(dir.path().join("meters"), registry).unwrap();
    // The job over a directory holding only `s` as `NAME.bin`: its summary and report.
    let batch_of_one = |name: &str, s: &Submission| {
        let job = dir.path().join(name);
        let input = job.join("in");
        std::fs::create_dir_all(&input).unwrap();
        s.write(&input.join(format!("{name}.bin"))).unwrap();
        let config = JobConfig {
            input,
            registry: dir.path().join("meters"),
            tariffs: tariffs.clone(),
            ledger: job.join("ledger.sqlite"),
            report: job.join("report.csv"),
            summary: job.join("summary.json"),
            threads: Some(2),
            chunk: 4,
            faults: Faults::none(),
        };
        let outcome = job::run(&config, &mut |_| Ok((*params()).clone()), &mut |_| {}).unwrap();
        let report = std::fs::read_to_string(&config.report).unwrap();
        (outcome.summary, report)
    };
    let (summary, _) = batch_of_one("00-honest", &honest);
    assert_eq!(summary.accepted, 1, "the honest file is accepted");

    for (name, s) in &cases {
        let single = verifier.verify(s, &meter).unwrap_err();
        let row = Row {
            file: format!("{name}.bin"),
            meter_id: Some(s.meter_id.to_string()),
            period_start: Some(s.frame.start.to_string()),
            outcome: Outcome::Rejected,
            bill_pico: None,
            import_mwh: None,
            export_mwh: None,
            filled: None,
            invoice: None,
            reason: single.to_string(),
        };
        let (summary, report) = batch_of_one(name, s);
        assert_eq!(summary.rejected, 1, "{name}");
        assert!(
            report.contains(&row.to_csv()),
            "batch and single verification disagree on {}:\n  single: {}\n  report:\n{report}",
            row.file,
            row.reason
        );
    }
}
