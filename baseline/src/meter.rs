//! The baseline meter: one Pedersen commitment and one ECDSA P-256 signature per reading.

use ff::Field;
use group::{Curve, GroupEncoding};
use p256::ecdsa::signature::Signer;
use p256::ecdsa::{Signature, SigningKey, VerifyingKey};
use rand_core::CryptoRng;

use crate::wire::{PeriodId, SignedCommitment, COMMITMENT_LEN};
use crate::{Generators, Scalar};

/// Domain tag at the start of every signed message.
pub const SIGNATURE_DOMAIN: &[u8; 20] = b"zkmeter-baseline/v1\0";

/// Length of [`signed_message`]: domain, meter id, period start, slot, commitment.
pub const SIGNED_MESSAGE_LEN: usize = SIGNATURE_DOMAIN.len() + 8 + 8 + 4 + COMMITMENT_LEN;

/// The bytes the meter signs for slot `slot`: domain tag, meter id (u64 LE), period start
/// (i64 LE), slot index (u32 LE) and the compressed commitment. Binding the slot index is
/// what makes a moved (reordered) commitment fail its signature.
pub fn signed_message(
    period: PeriodId,
    slot: u32,
    commitment: &[u8; COMMITMENT_LEN],
) -> [u8; SIGNED_MESSAGE_LEN] {
    let mut msg = [0u8; SIGNED_MESSAGE_LEN];
    let mut at = 0;
    for part in [
        &SIGNATURE_DOMAIN[..],
        &period.meter_id.to_le_bytes(),
        &period.start.to_le_bytes(),
        &slot.to_le_bytes(),
        &commitment[..],
    ] {
        msg[at..at + part.len()].copy_from_slice(part);
        at += part.len();
    }
    msg
}

/// A baseline meter: its signing key and id.
#[derive(Clone, Debug)]
pub struct Meter {
    key: SigningKey,
    meter_id: u64,
    gens: Generators,
}

/// What the meter hands the plugin for one period.
#[derive(Clone, Debug)]
pub struct RecordedPeriod {
    /// Meter and period.
    pub period: PeriodId,
    /// The readings `r_i` (Wh).
    pub readings: Vec<u32>,
    /// The openings `o_i` (secret; shared with the plugin only).
    pub openings: Vec<Scalar>,
    /// The signed commitments, in slot order.
    pub signed: Vec<SignedCommitment>,
}

impl Meter {
    /// A meter with `key`, registered as `meter_id`.
    pub fn new(key: SigningKey, meter_id: u64) -> Self {
        Meter {
            key,
            meter_id,
            gens: Generators::new(),
        }
    }

    /// The public key the utility registers.
    pub fn public_key(&self) -> VerifyingKey {
        *self.key.verifying_key()
    }

    /// Commits to and signs every reading of the period starting at `start` (one fresh
    /// opening per reading from `rng`; deterministic RFC 6979 signatures, low-s).
    pub fn record<R: CryptoRng + ?Sized>(
        &self,
        start: i64,
        readings: &[u32],
        rng: &mut R,
    ) -> RecordedPeriod {
        let period = PeriodId {
            meter_id: self.meter_id,
            start,
        };
        let openings: Vec<Scalar> = readings.iter().map(|_| Scalar::random(&mut *rng)).collect();
        let points: Vec<_> = readings
            .iter()
            .zip(&openings)
            .map(|(&r, &o)| self.gens.commit(Scalar::from(u64::from(r)), o))
            .collect();
        let mut affine = vec![Default::default(); points.len()];
        halo2_proofs::pasta::pallas::Point::batch_normalize(&points, &mut affine);
        let signed = affine
            .iter()
            .enumerate()
            .map(|(slot, point)| {
                let commitment = point.to_bytes();
                let slot = u32::try_from(slot).expect("slot index fits u32");
                let sig: Signature = self.key.sign(&signed_message(period, slot, &commitment));
                SignedCommitment {
                    commitment,
                    signature: sig.normalize_s().to_bytes().into(),
                }
            })
            .collect();
        RecordedPeriod {
            period,
            readings: readings.to_vec(),
            openings,
            signed,
        }
    }
}
