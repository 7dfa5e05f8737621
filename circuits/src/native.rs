//! Native (out-of-circuit) reference for everything the circuit computes.
//!
//! The meter, the plugin and the utility use these functions; tests check the circuit against
//! them. See `docs/protocol.md` section "Commitment".
//!
//! ```text
//! h = Poseidon_ConstantLength<N>(r_0, ..., r_{N-1})      readings as field elements
//! C = Poseidon_ConstantLength<3>(TAG, h, blinding)
//! B = sum_i price_i * r_i   (integers, nano-currency)     E = sum_i r_i   (Wh)
//! ```
//! Poseidon is `P128Pow5T3` over Pallas `Fp` (width 3, rate 2, 8 full + 56 partial rounds).

use halo2_poseidon::{ConstantLength, Hash, P128Pow5T3};
use halo2_proofs::pasta::Fp;

use crate::encoding::{fp_from_reading, MAX_ABS_PRICE, MAX_READING_WH};
use crate::error::ProtocolError;
use crate::size::CircuitSize;
use crate::with_capacity;

/// Domain tag of the commitment hash: the ASCII bytes `zkmtcmt1` read as a big-endian u64.
pub const COMMITMENT_DOMAIN_TAG: u64 = u64::from_be_bytes(*b"zkmtcmt1");

/// Poseidon hash of exactly `N` field elements (the readings digest).
pub fn readings_digest<const N: usize>(readings: &[Fp; N]) -> Fp {
    Hash::<Fp, P128Pow5T3, ConstantLength<N>, 3, 2>::init().hash(*readings)
}

/// Pads `readings` with zeros to the capacity `N` and encodes them as field elements.
pub fn padded_readings<const N: usize>(readings: &[u32]) -> Result<[Fp; N], ProtocolError> {
    if readings.len() > N {
        return Err(ProtocolError::WrongLength {
            what: "readings",
            found: readings.len(),
            expected: N,
        });
    }
    let mut out = [Fp::zero(); N];
    for (slot, (o, &r)) in out.iter_mut().zip(readings).enumerate() {
        if r > MAX_READING_WH {
            return Err(ProtocolError::ReadingTooLarge {
                slot,
                value: r.into(),
                max: MAX_READING_WH,
            });
        }
        *o = fp_from_reading(r);
    }
    Ok(out)
}

/// The hiding commitment `C` to a period's readings (padded to the size's capacity).
pub fn commitment(size: CircuitSize, readings: &[u32], blinding: Fp) -> Result<Fp, ProtocolError> {
    with_capacity!(size, N => {
        let padded = padded_readings::<N>(readings)?;
        Ok(commit_digest(readings_digest(&padded), blinding))
    })
}

/// `C = Poseidon_ConstantLength<3>(TAG, h, blinding)`.
pub fn commit_digest(digest: Fp, blinding: Fp) -> Fp {
    Hash::<Fp, P128Pow5T3, ConstantLength<3>, 3, 2>::init().hash([
        Fp::from(COMMITMENT_DOMAIN_TAG),
        digest,
        blinding,
    ])
}

/// The exact bill (nano-currency) and energy (Wh) of `readings` under `prices`.
///
/// Both slices have the frame's slot count; checks the bounds of `encoding`.
pub fn bill(prices: &[i64], readings: &[u32]) -> Result<(i128, u64), ProtocolError> {
    if prices.len() != readings.len() {
        return Err(ProtocolError::WrongLength {
            what: "prices",
            found: prices.len(),
            expected: readings.len(),
        });
    }
    let mut bill: i128 = 0;
    let mut energy: u64 = 0;
    for (slot, (&p, &r)) in prices.iter().zip(readings).enumerate() {
        crate::encoding::check_price(slot, p)?;
        if r > MAX_READING_WH {
            return Err(ProtocolError::ReadingTooLarge {
                slot,
                value: r.into(),
                max: MAX_READING_WH,
            });
        }
        // Cannot overflow: |p*r| < 2^55 and there are at most 2^12 terms (encoding bounds).
        bill += i128::from(p) * i128::from(r);
        energy += u64::from(r);
    }
    debug_assert!(bill.unsigned_abs() <= (MAX_ABS_PRICE as u128) * (u32::MAX as u128) * 4096);
    Ok((bill, energy))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ff::Field;

    #[test]
    fn bill_is_the_weighted_sum_with_negative_prices() {
        let (b, e) = bill(&[100, -50, 0], &[3, 4, 5]).unwrap();
        assert_eq!((b, e), (100, 12));
    }

    #[test]
    fn bill_rejects_mismatched_lengths_and_out_of_bound_values() {
        assert!(bill(&[1], &[1, 2]).is_err());
        assert!(bill(&[MAX_ABS_PRICE + 1], &[1]).is_err());
        assert!(bill(&[1], &[MAX_READING_WH + 1]).is_err());
    }

    #[test]
    fn commitment_depends_on_every_input() {
        let blinding = Fp::from(7u64);
        let base = commitment(CircuitSize::Day15Min, &[1, 2, 3], blinding).unwrap();
        assert_ne!(
            base,
            commitment(CircuitSize::Day15Min, &[1, 2, 4], blinding).unwrap()
        );
        assert_ne!(
            base,
            commitment(CircuitSize::Day15Min, &[1, 2, 3], Fp::ONE).unwrap()
        );
        assert_ne!(
            base,
            commitment(CircuitSize::Month30Min, &[1, 2, 3], blinding).unwrap()
        );
        // Trailing zero readings are the padding: the same committed vector.
        assert_eq!(
            base,
            commitment(CircuitSize::Day15Min, &[1, 2, 3, 0], blinding).unwrap()
        );
    }
}
