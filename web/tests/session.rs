//! The browser plugin's steps, run natively on the same code the page runs as WebAssembly:
//! an honest bill is proved and the utility accepts it; every hostile file and every step out
//! of order is refused with its reason, never a panic.

use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use zkmeter_circuit::Fp;
use zkmeter_meter::MeterSigningKey;
use zkmeter_meter::{demo_tariff, record_with_blinding, synthetic_readings, Measured};
use zkmeter_protocol::{CircuitSize, Frame, MeterId, Submission, UtcTime, ZkFile};
use zkmeter_verifier::{UtilityTariff, Verifier};
use zkmeter_web::{Session, WebError};

struct Files {
    key: MeterSigningKey,
    period: Vec<u8>,
    tariff: Vec<u8>,
}

fn files(start: &str) -> Files {
    let key = MeterSigningKey::generate(&mut ChaCha20Rng::seed_from_u64(5)).unwrap();
    let frame = Frame::new(
        UtcTime::parse(start).unwrap(),
        15,
        96,
        CircuitSize::Day15Min,
    )
    .unwrap();
    let period = record_with_blinding(
        &key,
        MeterId::new("web-1").unwrap(),
        frame,
        Measured::import_wh(synthetic_readings(&frame, 2).unwrap()),
        Fp::from(1234u64),
    )
    .unwrap();
    Files {
        key,
        period: period.to_bytes(),
        // With a standing charge and VAT, so the invoice preview has lines to get right.
        tariff: demo_tariff(&frame, 4)
            .unwrap()
            .with_charges(Some(zkmeter_protocol::charges::Charges {
                standing_charge_per_day: Some(604_200),
                taxes: vec![zkmeter_protocol::charges::Tax {
                    label: "VAT".into(),
                    percent: zkmeter_protocol::charges::Percent::parse("5").unwrap(),
                    on: None,
                }],
                ..Default::default()
            }))
            .unwrap()
            .to_json()
            .into_bytes(),
    }
}

fn params_bytes(k: u32) -> Vec<u8> {
    let params = zkmeter_params::ParamStore::default_store()
        .load(k, |_| {})
        .unwrap();
    let mut bytes = vec![];
    params.write(&mut bytes).unwrap();
    bytes
}

fn error(result: Result<impl std::fmt::Debug, WebError>) -> String {
    result.unwrap_err().to_string()
}

#[test]
fn an_honest_day_is_proved_deterministically_per_seed_and_accepted() {
    let f = files("2026-03-02T00:00:00Z");
    let mut session = Session::open(&f.period, &f.tariff).unwrap();
    let summary = session.summary().clone();
    assert_eq!(
        (
            summary.size.as_str(),
            summary.k,
            summary.slots,
            summary.filled
        ),
        ("day-15min", 11, 96, 0)
    );
    assert_eq!(summary.params_file, "k11.bin");
    assert_eq!(
        summary.params_sha256,
        zkmeter_params::pinned_hash(11).unwrap()
    );
    assert_eq!(summary.export_kwh, None);

    // Out of order: refused with the step that is missing.
    assert!(error(session.build_key()).contains("load the parameters"));
    assert!(error(session.prove(&[7; 32])).contains("build the proving key"));

    let params = params_bytes(11);
    session.load_params(&params).unwrap();
    session.build_key().unwrap();
    // Seeds a page could get wrong: refused before any work.
    assert!(error(session.prove(&[7; 31])).contains("32 bytes"));
    assert!(error(session.prove(&[0; 32])).contains("all zero"));

    let bytes = session.prove(&[7; 32]).unwrap();
    assert_eq!(
        session.prove(&[7; 32]).unwrap(),
        bytes,
        "same seed, same proof"
    );
    assert_ne!(
        session.prove(&[8; 32]).unwrap(),
        bytes,
        "the seed reaches the proof"
    );

    // The utility accepts it, with the bill and energy the page showed before proving.
    let submission = Submission::from_bytes(&bytes).unwrap();
    let tariff = zkmeter_protocol::Tariff::from_json(&f.tariff).unwrap();
    let verifier = Verifier::new(
        &UtilityTariff::new(tariff),
        zkmeter_params::from_bytes(11, &params).unwrap(),
    )
    .unwrap();
    let accepted = verifier.verify(&submission, &f.key.public_key());
    assert!(accepted.is_ok(), "{accepted:?}");
    // The invoice the page previewed is the one the utility computes from what it verified.
    let utility_invoice = zkmeter_protocol::Invoice::compute(
        verifier.tariff().tariff(),
        &accepted.as_ref().unwrap().figures,
    );
    assert_eq!(summary.invoice, utility_invoice.to_json());
    assert_eq!(summary.invoice.currency, "GBP");
    assert_eq!(
        summary.invoice.lines.len(),
        3,
        "energy, standing charge, VAT"
    );
    assert_eq!(
        zkmeter_protocol::encoding::format_bill(submission.bill, submission.unit),
        summary.bill_exact
    );
    assert_eq!(
        submission
            .unit
            .format_kwh(u128::from(submission.import_energy)),
        summary.import_kwh
    );
}

#[test]
fn hostile_files_are_refused_with_their_reason() {
    let f = files("2026-03-02T00:00:00Z");
    let other = files("2026-03-03T00:00:00Z");
    let cases: Vec<(&str, Vec<u8>, Vec<u8>, &str)> = vec![
        ("empty period", vec![], f.tariff.clone(), "period file: "),
        (
            "tariff as period",
            f.tariff.clone(),
            f.tariff.clone(),
            "bad magic",
        ),
        (
            "truncated period",
            f.period[..f.period.len() - 1].to_vec(),
            f.tariff.clone(),
            "period file: ",
        ),
        (
            "period as tariff",
            f.period.clone(),
            f.period.clone(),
            "tariff file: ",
        ),
        ("not JSON", f.period.clone(), b"{".to_vec(), "tariff file: "),
        (
            "tariff over its cap",
            f.period.clone(),
            vec![b' '; (zkmeter_protocol::tariff::TARIFF_CAP + 1) as usize],
            "exceed the cap",
        ),
        (
            "tariff of another day",
            f.period.clone(),
            other.tariff.clone(),
            "tariff is for frame",
        ),
    ];
    for (name, period, tariff, reason) in cases {
        let message = error(Session::open(&period, &tariff));
        assert!(message.contains(reason), "{name}: {message}");
    }

    // A reading changed after signing: the period no longer opens its commitment or verifies.
    let mut period = zkmeter_protocol::Period::from_bytes(&f.period).unwrap();
    period.import[3] += 1;
    let message = error(Session::open(&period.to_bytes(), &f.tariff));
    assert!(
        message.contains("signature") || message.contains("commitment"),
        "{message}"
    );

    // Parameters of another k, or one flipped byte: refused by the pinned hash.
    let mut session = Session::open(&f.period, &f.tariff).unwrap();
    assert!(error(session.load_params(&params_bytes(12))).contains("expected"));
    let mut flipped = params_bytes(11);
    flipped[1000] ^= 1;
    assert!(error(session.load_params(&flipped)).contains("SHA-256"));
    assert!(error(session.build_key()).contains("load the parameters"));
}
