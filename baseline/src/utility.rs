//! The baseline utility: every signature, then one multi-scalar multiplication.

use group::{Group, GroupEncoding};
use halo2_proofs::arithmetic::best_multiexp;
use halo2_proofs::pasta::pallas;
use p256::ecdsa::signature::Verifier;
use p256::ecdsa::{Signature, VerifyingKey};
use rayon::prelude::*;

use crate::meter::signed_message;
use crate::wire::{BillMessage, PeriodId};
use crate::{scalar_from_i128, BaselineError, Generators, Scalar};

/// The utility's verifier for one registered meter.
#[derive(Clone, Debug)]
pub struct Utility {
    gens: Generators,
    meter_key: VerifyingKey,
}

impl Utility {
    /// A verifier for the meter registered with `meter_key`.
    pub fn new(meter_key: VerifyingKey) -> Self {
        Utility {
            gens: Generators::new(),
            meter_key,
        }
    }

    /// Decodes and verifies a bill message for `expected` under the utility's own `prices`;
    /// returns the accepted bill.
    ///
    /// Order (cheapest first): decoding ([`BillMessage::from_bytes`]), meter and period,
    /// count, every commitment a valid point, every signature well-formed and valid for its
    /// slot, then `sum p_i c_i - B*G - O*H == 0` as one multi-scalar multiplication. Point
    /// decoding and signatures run in parallel (rayon); the first failing slot is reported.
    ///
    /// # Errors
    /// The first reason found, as a [`BaselineError`].
    pub fn verify_bytes(
        &self,
        bytes: &[u8],
        expected: PeriodId,
        prices: &[i64],
    ) -> Result<i128, BaselineError> {
        self.verify(&BillMessage::from_bytes(bytes)?, expected, prices)
    }

    /// Verifies a decoded bill message; see [`Utility::verify_bytes`].
    ///
    /// # Errors
    /// The first reason found, as a [`BaselineError`].
    pub fn verify(
        &self,
        msg: &BillMessage,
        expected: PeriodId,
        prices: &[i64],
    ) -> Result<i128, BaselineError> {
        if msg.period != expected {
            return Err(BaselineError::WrongPeriod);
        }
        if msg.readings.len() != prices.len() {
            return Err(BaselineError::WrongCount {
                found: msg.readings.len(),
                expected: prices.len(),
            });
        }
        let points: Vec<Option<pallas::Affine>> = msg
            .readings
            .par_iter()
            .map(|r| Option::from(pallas::Affine::from_bytes(&r.commitment)))
            .collect();
        if let Some(slot) = points.iter().position(Option::is_none) {
            return Err(BaselineError::MalformedCommitment { slot });
        }
        if let Some(err) = msg
            .readings
            .par_iter()
            .enumerate()
            .find_map_first(|(slot, r)| self.check_signature(msg.period, slot, r).err())
        {
            return Err(err);
        }
        let mut bases: Vec<pallas::Affine> = points.into_iter().flatten().collect();
        let mut scalars: Vec<Scalar> = prices.iter().map(|&p| scalar_from_i128(p.into())).collect();
        bases.extend([self.gens.g, self.gens.h]);
        scalars.extend([-scalar_from_i128(msg.bill), -msg.opening_sum]);
        if bool::from(best_multiexp(&scalars, &bases).is_identity()) {
            Ok(msg.bill)
        } else {
            Err(BaselineError::OpeningMismatch)
        }
    }

    fn check_signature(
        &self,
        period: PeriodId,
        slot: usize,
        r: &crate::wire::SignedCommitment,
    ) -> Result<(), BaselineError> {
        let sig = Signature::from_slice(&r.signature)
            .ok()
            .filter(|sig| sig.normalize_s() == *sig)
            .ok_or(BaselineError::MalformedSignature { slot })?;
        // The slot index is below MAX_READINGS, checked when decoding.
        let index = u32::try_from(slot).map_err(|_| BaselineError::InvalidSignature { slot })?;
        self.meter_key
            .verify(&signed_message(period, index, &r.commitment), &sig)
            .map_err(|_| BaselineError::InvalidSignature { slot })
    }
}
