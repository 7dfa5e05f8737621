//! The plugin refuses, before proving, every period it cannot honestly prove, each for its own
//! reason; the honest period is proved first in every case.

use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use zkmeter_circuit::Fp;
use zkmeter_meter::{
    demo_tariff, record_with_blinding, synthetic_measured, synthetic_readings, Measured,
    MeterSigningKey,
};
use zkmeter_protocol::{
    CircuitSize, EnergyUnit, FieldBytes, Frame, MeterId, Period, Tariff, UtcTime,
};
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
        (
            submission.bill,
            submission.import_energy,
            submission.export_energy
        ),
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

    // The unit and the filled-slot count are signed facts of the meter: either changed (a
    // thousand times less energy per reading, gaps hidden or invented) fails the signature.
    let mut p = f.period.clone();
    p.unit = EnergyUnit::MILLI_WH;
    assert!(matches!(
        plugin.prove(&p, &f.tariff, None, rng()),
        Err(ProverError::Signature(_))
    ));
    let mut p = f.period.clone();
    p.filled = 1;
    assert!(matches!(
        plugin.prove(&p, &f.tariff, None, rng()),
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

/// A two-register (`-ie`) period in mWh: the honest one is proved with import cost minus export
/// credit; a changed export reading or the registers swapped no longer open the commitment,
/// and the export register dropped is the wrong shape for the size.
#[test]
fn honest_two_register_period_is_proved_and_its_export_register_cannot_be_changed() {
    let mut rng = ChaCha20Rng::seed_from_u64(5);
    let key = MeterSigningKey::generate(&mut rng).unwrap();
    let start = UtcTime::parse("2026-06-01T00:00:00Z").unwrap();
    let frame = Frame::new(start, 60, 24, CircuitSize::Day15MinIe).unwrap();
    let measured = synthetic_measured(&frame, 5, EnergyUnit::MILLI_WH).unwrap();
    let period = record_with_blinding(
        &key,
        MeterId::new("m-2").unwrap(),
        frame,
        measured,
        Fp::from(78u64),
    )
    .unwrap();
    let tariff = demo_tariff(&frame, 9).unwrap();
    let params = zkmeter_params::ParamStore::default_store()
        .load(CircuitSize::Day15MinIe.k(), |_| {})
        .unwrap();
    let plugin = Plugin::new(&tariff, params).unwrap();
    let rng = || ChaCha20Rng::seed_from_u64(12);

    // Honest: the bill by hand, sum(price x import) - sum(credit x export), in mWh units.
    let export = period.export.as_deref().unwrap();
    let credits = tariff.export_prices.as_deref().unwrap();
    let dot = |prices: &[i64], readings: &[u32]| -> i128 {
        prices
            .iter()
            .zip(readings)
            .map(|(&p, &r)| i128::from(p) * i128::from(r))
            .sum()
    };
    let sum = |r: &[u32]| r.iter().map(|&x| u64::from(x)).sum::<u64>();
    let submission = plugin.prove(&period, &tariff, None, rng()).unwrap();
    assert!(sum(export) > 0, "a solar day exports");
    assert_eq!(
        submission.bill,
        dot(&tariff.prices, &period.import) - dot(credits, export)
    );
    assert_eq!(
        (submission.import_energy, submission.export_energy),
        (sum(&period.import), sum(export))
    );
    assert_eq!(
        (submission.unit, submission.filled),
        (EnergyUnit::MILLI_WH, 0)
    );

    // One export reading raised by one mWh.
    let mut p = period.clone();
    let sunny = export.iter().position(|&e| e > 0).unwrap();
    p.export.as_mut().unwrap()[sunny] += 1;
    assert!(matches!(
        plugin.prove(&p, &tariff, None, rng()),
        Err(ProverError::CommitmentMismatch)
    ));
    // Import and export swapped.
    let mut p = period.clone();
    let import = std::mem::replace(&mut p.import, export.to_vec());
    p.export = Some(import);
    assert!(matches!(
        plugin.prove(&p, &tariff, None, rng()),
        Err(ProverError::CommitmentMismatch)
    ));
    // The export register dropped: a one-register period for a two-register size.
    let mut p = period.clone();
    p.export = None;
    let e = plugin.prove(&p, &tariff, None, rng()).unwrap_err();
    assert!(
        matches!(
            &e,
            ProverError::Protocol(zkmeter_protocol::ProtocolError::Bounds(
                zkmeter_circuit::BoundsError::RegistersMismatch { .. }
            ))
        ),
        "{e:?}"
    );
}
