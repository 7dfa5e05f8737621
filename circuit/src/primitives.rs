//! The native (out-of-circuit) reference for everything the circuit computes.
//!
//! The meter, the plugin and the utility use these functions; tests check the circuit against
//! them. See `docs/protocol.md` section "Commitment".
//!
//! ```text
//! w_m = sum_{j<12} r_{12m+j} * 2^(20 (11-j))              readings packed 12 to a word
//! h   = Poseidon_ConstantLength<W>(w_0, ..., w_{W-1})    W = capacity / 12
//! C   = Poseidon_ConstantLength<3>(TAG, h, blinding)
//! B = sum_i price_i * r_i   (integers, nano-currency)     E = sum_i r_i   (Wh)
//! ```
//! Poseidon is `P128Pow5T3` over Pallas `Fp` (width 3, rate 2, 8 full + 56 partial rounds).

use halo2_poseidon::{ConstantLength, Hash, P128Pow5T3};
use halo2_proofs::pasta::Fp;

use crate::constants::{
    COMMITMENT_DOMAIN_TAG, MAX_ABS_PRICE, MAX_READING_WH, READINGS_PER_WORD, READING_BITS,
};
use crate::error::BoundsError;
use crate::size::CircuitSize;
use crate::with_words;

/// Poseidon hash of exactly `W` words (the readings digest).
pub fn readings_digest<const W: usize>(words: &[Fp; W]) -> Fp {
    Hash::<Fp, P128Pow5T3, ConstantLength<W>, 3, 2>::init().hash(*words)
}

/// Checks `readings` against the bounds and pads them with zeros to the capacity of `W` words.
pub fn padded_readings<const W: usize>(readings: &[u32]) -> Result<Vec<u32>, BoundsError> {
    let capacity = W * READINGS_PER_WORD;
    if readings.len() > capacity {
        return Err(BoundsError::WrongLength {
            what: "readings",
            found: readings.len(),
            expected: capacity,
        });
    }
    if let Some((slot, &r)) = readings
        .iter()
        .enumerate()
        .find(|(_, &r)| r > MAX_READING_WH)
    {
        return Err(BoundsError::ReadingTooLarge {
            slot,
            value: r.into(),
            max: MAX_READING_WH,
        });
    }
    let mut out = readings.to_vec();
    out.resize(capacity, 0);
    Ok(out)
}

/// Packs padded, checked readings into `W` words (first reading of a word most significant).
///
/// `readings` must hold exactly `W * READINGS_PER_WORD` values, each at most `MAX_READING_WH`
/// (as [`padded_readings`] returns them).
pub fn pack_readings<const W: usize>(readings: &[u32]) -> Result<[Fp; W], BoundsError> {
    let readings = padded_readings::<W>(readings)?;
    let shift = Fp::from(1u64 << READING_BITS);
    let mut words = [Fp::zero(); W];
    for (word, chunk) in words
        .iter_mut()
        .zip(readings.chunks_exact(READINGS_PER_WORD))
    {
        *word = chunk
            .iter()
            .fold(Fp::zero(), |acc, &r| acc * shift + Fp::from(u64::from(r)));
    }
    Ok(words)
}

/// The hiding commitment `C` to a period's readings (padded to the size's capacity).
pub fn commitment(size: CircuitSize, readings: &[u32], blinding: Fp) -> Result<Fp, BoundsError> {
    with_words!(size, W => {
        let words = pack_readings::<W>(readings)?;
        Ok(commit_digest(readings_digest(&words), blinding))
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
pub fn bill(prices: &[i64], readings: &[u32]) -> Result<(i128, u64), BoundsError> {
    if prices.len() != readings.len() {
        return Err(BoundsError::WrongLength {
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
            return Err(BoundsError::ReadingTooLarge {
                slot,
                value: r.into(),
                max: MAX_READING_WH,
            });
        }
        // Cannot overflow: |p*r| < 2^51 and there are at most 2^12 terms (encoding bounds).
        bill += i128::from(p) * i128::from(r);
        energy += u64::from(r);
    }
    debug_assert!(bill.unsigned_abs() <= (MAX_ABS_PRICE as u128) * (MAX_READING_WH as u128) * 4096);
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
    fn packing_puts_the_first_reading_of_a_word_highest() {
        let mut readings = vec![0u32; 2 * READINGS_PER_WORD];
        readings[0] = 1;
        readings[READINGS_PER_WORD - 1] = 5;
        readings[READINGS_PER_WORD] = MAX_READING_WH;
        let words = pack_readings::<2>(&readings).unwrap();
        let top = Fp::from(2u64).pow([u64::from(READING_BITS) * (READINGS_PER_WORD as u64 - 1)]);
        assert_eq!(words[0], top + Fp::from(5u64));
        assert_eq!(words[1], top * Fp::from(u64::from(MAX_READING_WH)));
        // Shifting one unit between neighbours changes the word (no carry without overflow).
        let mut shifted = readings.clone();
        shifted[0] -= 1;
        shifted[1] += 1;
        assert_ne!(pack_readings::<2>(&shifted).unwrap()[0], words[0]);
        assert!(pack_readings::<1>(&readings).is_err(), "too many readings");
        readings[3] = MAX_READING_WH + 1;
        assert!(matches!(
            pack_readings::<2>(&readings),
            Err(BoundsError::ReadingTooLarge { slot: 3, .. })
        ));
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
