//! Hostile bytes never panic a decoder: they decode to a valid object or give a typed error.
//! Random bytes, and valid files with random corruptions (the harder case: they pass the header).

use proptest::prelude::*;
use zkmeter_protocol::{
    CircuitSize, EnergyUnit, FieldBytes, Frame, MeterId, Period, SignatureBytes, Submission,
    Tariff, UtcTime, ZkFile,
};

fn frame() -> Frame {
    Frame::new(
        UtcTime::parse("2026-01-01T00:00:00Z").unwrap(),
        60,
        24,
        CircuitSize::Day15Min,
    )
    .unwrap()
}

fn period() -> Period {
    Period {
        meter_id: MeterId::new("meter-1").unwrap(),
        frame: frame(),
        unit: EnergyUnit::WH,
        import: (0..24).map(|i| i * 100).collect(),
        export: None,
        filled: 0,
        blinding: FieldBytes([3; 32]),
        commitment: FieldBytes([4; 32]),
        signature: SignatureBytes([5; 64]),
        meter_public_key: "-----BEGIN PUBLIC KEY-----".into(),
    }
}

fn submission() -> Submission {
    Submission {
        meter_id: MeterId::new("meter-1").unwrap(),
        frame: frame(),
        unit: EnergyUnit::WH,
        filled: 0,
        commitment: FieldBytes([4; 32]),
        meter_signature: SignatureBytes([5; 64]),
        tariff_id: "t".into(),
        tariff_digest: [6; 32],
        bill: -12345,
        import_energy: 777,
        export_energy: 0,
        proof: vec![9; 3072],
    }
}

fn tariff() -> Tariff {
    Tariff::new(
        "t",
        "GBP",
        frame(),
        (0..24).map(|i| i * 1000 - 5000).collect(),
    )
    .unwrap()
}

/// Applies `(position, xor mask)` corruptions to `bytes`.
fn corrupt(mut bytes: Vec<u8>, edits: &[(usize, u8)]) -> Vec<u8> {
    for &(at, mask) in edits {
        let i = at % bytes.len();
        bytes[i] ^= mask.max(1);
    }
    bytes
}

#[test]
fn honest_files_decode() {
    assert_eq!(Period::from_bytes(&period().to_bytes()).unwrap(), period());
    assert_eq!(
        Submission::from_bytes(&submission().to_bytes()).unwrap(),
        submission()
    );
    assert_eq!(
        Tariff::from_json(tariff().to_json().as_bytes()).unwrap(),
        tariff()
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        let _ = Period::from_bytes(&bytes);
        let _ = Submission::from_bytes(&bytes);
        let _ = Tariff::from_json(&bytes);
        // With a valid header, the postcard body decoder gets the garbage.
        for header in [&period().to_bytes()[..10], &submission().to_bytes()[..10]] {
            let framed = [header, &bytes].concat();
            let _ = Period::from_bytes(&framed);
            let _ = Submission::from_bytes(&framed);
        }
    }

    #[test]
    fn corrupted_files_never_panic_and_never_decode_to_something_invalid(
        edits in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..4),
        cut in any::<usize>(),
    ) {
        let p = corrupt(period().to_bytes(), &edits);
        if let Ok(decoded) = Period::from_bytes(&p) {
            // Anything that decodes is canonical and valid.
            prop_assert_eq!(decoded.to_bytes(), p.clone());
            prop_assert!(decoded.frame.validate().is_ok());
        }
        let s = corrupt(submission().to_bytes(), &edits);
        if let Ok(decoded) = Submission::from_bytes(&s) {
            prop_assert_eq!(decoded.to_bytes(), s.clone());
        }
        let truncated = &s[..cut % s.len()];
        prop_assert!(Submission::from_bytes(truncated).is_err());
        let t = corrupt(tariff().to_json().into_bytes(), &edits);
        if let Ok(decoded) = Tariff::from_json(&t) {
            prop_assert!(decoded.validate().is_ok());
        }
    }
}
