//! Recording a period: readings in, signed [`Period`] out.
//!
//! Promises: the frame is valid, there is exactly one reading per slot and each is within
//! [`MAX_READING`](zkmeter_circuit::constants::MAX_READING); the blinding value is uniform
//! in `Fp` (64 random bytes reduced mod p, bias < 2^-250); the commitment is
//! [`primitives::commitment`] over the size's capacity; the signature is [`sign_statement`] over the
//! period's statement. The returned period passes [`ZkFile::validate`].

use ff::FromUniformBytes;
use rand_core::TryCryptoRng;
use zkmeter_circuit::encoding::check_reading;
use zkmeter_circuit::primitives;
use zkmeter_circuit::Fp;
use zkmeter_protocol::FieldBytes;
use zkmeter_protocol::{EnergyUnit, Frame, MeterId, Period, SignatureBytes, ZkFile};

/// What a meter measured in one period: readings of each register in one unit, and how many
/// slots it did not measure (filled with zero in every register).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Measured {
    /// The unit of every reading.
    pub unit: EnergyUnit,
    /// Import readings, one per slot.
    pub import: Vec<u32>,
    /// Export readings, one per slot (for a two-register size only).
    pub export: Option<Vec<u32>>,
    /// Slots not measured.
    pub filled: u32,
}

impl Measured {
    /// Whole-Wh import readings, every slot measured.
    pub fn import_wh(import: Vec<u32>) -> Self {
        Measured {
            unit: EnergyUnit::WH,
            import,
            export: None,
            filled: 0,
        }
    }
}

use crate::error::MeterError;
use crate::keys::MeterSigningKey;
use crate::sign::sign_statement;

/// Records a period with a fresh blinding value drawn from `rng` (e.g. `&mut SysRng`).
pub fn record<R: TryCryptoRng + ?Sized>(
    key: &MeterSigningKey,
    meter_id: MeterId,
    frame: Frame,
    measured: Measured,
    rng: &mut R,
) -> Result<Period, MeterError> {
    let mut wide = [0u8; 64];
    rng.try_fill_bytes(&mut wide)
        .map_err(|e| MeterError::Rng(e.to_string()))?;
    let blinding = Fp::from_uniform_bytes(&wide);
    wide.fill(0);
    record_with_blinding(key, meter_id, frame, measured, blinding)
}

/// Records a period with a given blinding value (tests and reproducible fixtures; a real meter
/// uses [`record`]).
pub fn record_with_blinding(
    key: &MeterSigningKey,
    meter_id: MeterId,
    frame: Frame,
    measured: Measured,
    blinding: Fp,
) -> Result<Period, MeterError> {
    frame.validate()?;
    let Measured {
        unit,
        import,
        export,
        filled,
    } = measured;
    frame.check_len("import readings", import.len())?;
    if let Some(export) = &export {
        frame.check_len("export readings", export.len())?;
    }
    for (register, values) in std::iter::once(&import).chain(export.as_ref()).enumerate() {
        for (slot, &r) in values.iter().enumerate() {
            check_reading(register, slot, r.into())?;
        }
    }
    let readings = primitives::Readings {
        import: &import,
        export: export.as_deref(),
    };
    let commitment = primitives::commitment(frame.size, readings, blinding)?;
    let mut period = Period {
        meter_id,
        frame,
        unit,
        import,
        export,
        filled,
        blinding: FieldBytes::from_fp(blinding),
        commitment: FieldBytes::from_fp(commitment),
        signature: SignatureBytes([0; 64]),
        meter_public_key: key.public_key().to_pem()?,
    };
    period.signature = sign_statement(key, &period.statement());
    period.validate()?;
    Ok(period)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_chacha::ChaCha20Rng;
    use rand_core::SeedableRng;
    use zkmeter_circuit::constants::MAX_READING;
    use zkmeter_circuit::BoundsError;
    use zkmeter_protocol::verify_statement;
    use zkmeter_protocol::CircuitSize;
    use zkmeter_protocol::ProtocolError;
    use zkmeter_protocol::UtcTime;

    fn setup() -> (MeterSigningKey, MeterId, Frame) {
        let key = MeterSigningKey::generate(&mut ChaCha20Rng::seed_from_u64(1)).unwrap();
        let start = UtcTime::parse("2026-01-05T00:00:00Z").unwrap();
        let frame = Frame::new(start, 60, 24, CircuitSize::Day15Min).unwrap();
        (key, MeterId::new("meter-7").unwrap(), frame)
    }

    #[test]
    fn recorded_period_commits_signs_and_round_trips() {
        let (key, id, frame) = setup();
        let readings: Vec<u32> = (0..24).map(|i| 100 + 10 * i).collect();
        let mut rng = ChaCha20Rng::seed_from_u64(2);
        let measured = Measured::import_wh(readings.clone());
        let p = record(&key, id, frame, measured.clone(), &mut rng).unwrap();
        let blinding = p.blinding.to_fp("blinding").unwrap();
        let c = primitives::commitment(frame.size, p.readings(), blinding).unwrap();
        assert_eq!(p.commitment, FieldBytes::from_fp(c));
        verify_statement(&key.public_key(), &p.statement(), &p.signature).unwrap();
        assert_eq!((p.filled, p.unit), (0, EnergyUnit::WH));
        assert_eq!(Period::from_bytes(&p.to_bytes()).unwrap(), p);
        // A second period gets a fresh blinding value, hence another commitment.
        let q = record(&key, p.meter_id.clone(), frame, measured, &mut rng).unwrap();
        assert_ne!(q.blinding, p.blinding);
        assert_ne!(q.commitment, p.commitment);
    }

    #[test]
    fn wrong_count_and_out_of_bound_readings_are_refused() {
        let (key, id, frame) = setup();
        let mut rng = ChaCha20Rng::seed_from_u64(3);
        assert!(matches!(
            record(
                &key,
                id.clone(),
                frame,
                Measured::import_wh(vec![1; 23]),
                &mut rng
            ),
            Err(MeterError::Protocol(ProtocolError::Bounds(
                BoundsError::WrongLength {
                    found: 23,
                    expected: 24,
                    ..
                }
            )))
        ));
        let mut readings = vec![1; 24];
        readings[5] = MAX_READING + 1;
        assert!(matches!(
            record(
                &key,
                id.clone(),
                frame,
                Measured::import_wh(readings),
                &mut rng
            ),
            Err(MeterError::Protocol(ProtocolError::Bounds(
                BoundsError::ReadingTooLarge { slot: 5, .. }
            )))
        ));
        let mut bad_frame = frame;
        bad_frame.slot_minutes = 20;
        assert!(matches!(
            record(
                &key,
                id.clone(),
                bad_frame,
                Measured::import_wh(vec![1; 24]),
                &mut rng
            ),
            Err(MeterError::Protocol(ProtocolError::BadSlotLength(20)))
        ));
        // An export register only with a two-register size, of the frame's length.
        let with_export = Measured {
            export: Some(vec![1; 24]),
            ..Measured::import_wh(vec![1; 24])
        };
        assert!(matches!(
            record(&key, id.clone(), frame, with_export.clone(), &mut rng),
            Err(MeterError::Protocol(ProtocolError::Bounds(
                BoundsError::RegistersMismatch { .. }
            )))
        ));
        let mut ie = frame;
        ie.size = CircuitSize::Day15MinIe;
        assert!(record(&key, id.clone(), ie, with_export, &mut rng).is_ok());
        let short = Measured {
            export: Some(vec![1; 23]),
            ..Measured::import_wh(vec![1; 24])
        };
        assert!(matches!(
            record(&key, id, ie, short, &mut rng),
            Err(MeterError::Protocol(ProtocolError::Bounds(
                BoundsError::WrongLength {
                    what: "export readings",
                    ..
                }
            )))
        ));
    }
}
