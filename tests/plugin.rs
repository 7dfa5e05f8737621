//! The plugin refuses, before proving, every period it cannot honestly prove, each for its own
//! reason; the honest period is proved first in every case.

use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use zkmeter_circuit::Fp;
use zkmeter_meter::{demo_tariff, record_with_blinding, synthetic_readings, Measured, MeterSigningKey};
use zkmeter_protocol::{CircuitSize, FieldBytes, Frame, MeterId, Period, Tariff, UtcTime};
use zkmeter_prover::{check_period, public_inputs, Plugin, ProverError};

struct Fixture {
    key: MeterSigningKey,
    period: Period,
    tariff: Tariff,
}

fn fixture() -> Fixture {
    let mut rng = ChaCha20Rng::seed_from_u64(3);
    let key = MeterSigningKey::generate(&mut rng).unwrap();
    let start = UtcTime::parse("2026-06-01T00:00:00Z").unwrap();
    let frame = Frame::new(start, 60, 24, CircuitSize::Day15Min).unwrap();
    let readings = synthetic_readings(&frame, 5).unwrap();
    let period = record_with_blinding(
        &key,
        MeterId::new("m-1").unwrap(),
        frame,
        Measured::import_wh(readings),
        Fp::from(77u64),
    )
    .unwrap();
    let tariff = demo_tariff(&frame, 9).unwrap();
    Fixture {
        key,
        period,
        tariff,
    }
}

#[test]
fn honest_period_is_proved_and_every_corruption_is_refused_with_its_reason() {
    let f = fixture();
    let params = zkmeter_params::ParamStore::default_store()
        .load(CircuitSize::Day15Min.k(), |_| {})
        .unwrap();
    let plugin = Plugin::new(&f.tariff, params).unwrap();
    let rng = || ChaCha20Rng::seed_from_u64(11);

    // Honest: proved, with the exact bill.
    let submission = plugin.prove(&f.period, &f.tariff, None, rng()).unwrap();
    let expected =
        zkmeter_circuit::primitives::bill(&f.tariff.prices, None, f.period.readings()).unwrap();
    assert_eq!(
        (submission.bill, submission.import_energy, submission.export_energy),
        (expected.bill, expected.import_energy, 0)
    );
    let pinned = f.key.public_key();
    plugin
        .prove(&f.period, &f.tariff, Some(&pinned), rng())
        .unwrap();

    // A tampered reading or blinding value no longer opens the commitment.
    let mut p = f.period.clone();
    p.import[3] += 1;
    assert!(matches!(
        plugin.prove(&p, &f.tariff, None, rng()),
        Err(ProverError::CommitmentMismatch)
    ));
    let mut p = f.period.clone();
    p.blinding = FieldBytes::from_fp(Fp::from(78u64));
    assert!(matches!(
        plugin.prove(&p, &f.tariff, None, rng()),
        Err(ProverError::CommitmentMismatch)
    ));

    // A tampered commitment or signature fails the meter signature.
    let mut p = f.period.clone();
    p.commitment = FieldBytes::from_fp(Fp::from(1u64));
    assert!(matches!(
        plugin.prove(&p, &f.tariff, None, rng()),
        Err(ProverError::Signature(_))
    ));
    let mut p = f.period.clone();
    p.signature.0[40] ^= 1;
    assert!(matches!(
        check_period(&p, &pinned),
        Err(ProverError::Signature(_))
    ));

    // Another meter's key pinned: refused.
    let other = MeterSigningKey::generate(&mut ChaCha20Rng::seed_from_u64(4))
        .unwrap()
        .public_key();
    assert!(matches!(
        plugin.prove(&f.period, &f.tariff, Some(&other), rng()),
        Err(ProverError::MeterKeyMismatch)
    ));

    // A tariff for another frame: refused.
    let shifted = Frame::new(
        UtcTime::from_unix(f.period.frame.start.unix() + 3600).unwrap(),
        60,
        24,
        CircuitSize::Day15Min,
    )
    .unwrap();
    let other_tariff = demo_tariff(&shifted, 9).unwrap();
    assert!(matches!(
        public_inputs(&f.period, &other_tariff),
        Err(ProverError::TariffFrameMismatch { .. })
    ));

    // The same frame under other prices: the plugin's keys are for its own tariff.
    let mut repriced = f.tariff.clone();
    repriced.prices[0] += 1;
    assert!(matches!(
        plugin.prove(&f.period, &repriced, None, rng()),
        Err(ProverError::TariffMismatch { .. })
    ));

    // A period of another size than the plugin's.
    let mut p = f.period.clone();
    p.frame.size = CircuitSize::Month30Min;
    assert!(matches!(
        plugin.prove(&p, &f.tariff, None, rng()),
        Err(ProverError::SizeMismatch { .. })
    ));
}
