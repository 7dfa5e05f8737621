//! Field encodings of readings, prices and signed sums, and the checks of their bounds.
//!
//! See `docs/protocol.md` section "Encodings and bounds". All billing arithmetic is done in
//! integers; the circuit computes the same sums in the Pallas base field `Fp`, and the bounds
//! in [`crate::constants`] guarantee no sum reaches p/2, so the field result maps back to the
//! integer one.
//!
//! * A reading is a `u32` count of the meter's unit `10^e` Wh below `2^READING_BITS = 2^26`
//!   ([`MAX_READING`]). In the circuit it is two `LIMB_BITS`-bit limbs, each range-checked by
//!   a lookup, and three 2-bit top pieces, each checked by a polynomial; `READINGS_PER_WORD`
//!   readings are packed into one field element ("word") for hashing:
//!   `word = sum_j r_j * 2^(READING_BITS * (READINGS_PER_WORD - 1 - j))` (first reading most
//!   significant), `< 2^234 < p`, so the packing is injective.
//! * A price is an `i64` in micro-currency per kWh (1e-6 of the currency unit per kWh), with
//!   magnitude at most [`MAX_ABS_PRICE`]. In the circuit's `price` fixed column (part of the
//!   verifying key of the tariff) it is the field element `price` (`-x` as `p - x`); an export
//!   slot holds its credit negated; padding slots hold 0 and their readings are forced to 0.
//! * The bill is `sum(import price * import) - sum(export credit * export)` in units of
//!   `10^(e - 9)` currency (micro-units/kWh x `10^e` Wh). Every partial sum has
//!   `|sum| <= 2 * MAX_CAPACITY * MAX_READING * MAX_ABS_PRICE < 2 * 2^12 * 2^26 * 2^31 = 2^70`:
//!   far below p/2 (about 2^253), so the field sum is the integer sum. A negative bill is
//!   encoded as `p - |bill|`.

use ff::PrimeField;
use halo2_proofs::pasta::Fp;

use crate::constants::{MAX_ABS_PRICE, MAX_READING};
use crate::error::BoundsError;

/// Encodes a signed integer as a field element (`-x` as `p - x`).
pub fn fp_from_i128(x: i128) -> Fp {
    let magnitude = Fp::from_u128(x.unsigned_abs());
    if x < 0 {
        -magnitude
    } else {
        magnitude
    }
}

/// Encodes a reading as a field element.
pub fn fp_from_reading(reading: u32) -> Fp {
    Fp::from(u64::from(reading))
}

/// Encodes a price (micro-currency per kWh) as a field element (`-x` as `p - x`).
pub fn fp_from_price(price: i64) -> Fp {
    fp_from_i128(i128::from(price))
}

/// The canonical 32-byte little-endian encoding of a field element.
pub fn fp_to_bytes(x: Fp) -> [u8; 32] {
    x.to_repr()
}

/// Decodes 32 little-endian bytes, refusing any encoding of a value `>= p`.
pub fn fp_from_bytes(bytes: [u8; 32]) -> Option<Fp> {
    Option::from(Fp::from_repr(bytes))
}

/// The name of register `index`: `import` (0) or `export` (1).
pub fn register_name(index: usize) -> &'static str {
    if index == 0 {
        "import"
    } else {
        "export"
    }
}

/// Checks a reading of register `register` (0 import, 1 export) against [`MAX_READING`].
pub fn check_reading(register: usize, slot: usize, value: u64) -> Result<u32, BoundsError> {
    u32::try_from(value)
        .ok()
        .filter(|&v| v <= MAX_READING)
        .ok_or(BoundsError::ReadingTooLarge {
            register: register_name(register),
            slot,
            value,
            max: MAX_READING,
        })
}

/// Checks a price against [`MAX_ABS_PRICE`].
pub fn check_price(slot: usize, price: i64) -> Result<i64, BoundsError> {
    if price.checked_abs().is_some_and(|m| m <= MAX_ABS_PRICE) {
        Ok(price)
    } else {
        Err(BoundsError::PriceOutOfRange {
            slot,
            value: price,
            max: MAX_ABS_PRICE,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ff::Field;

    #[test]
    fn negative_values_encode_as_p_minus_x() {
        assert_eq!(fp_from_i128(-5) + Fp::from(5u64), Fp::ZERO);
        assert_eq!(
            fp_from_price(-MAX_ABS_PRICE) + fp_from_price(MAX_ABS_PRICE),
            Fp::ZERO
        );
        assert_eq!(fp_from_i128(0), Fp::ZERO);
    }

    #[test]
    fn non_canonical_field_bytes_are_refused() {
        let p_minus_one = fp_to_bytes(-Fp::ONE);
        assert_eq!(fp_from_bytes(p_minus_one), Some(-Fp::ONE));
        // p itself: p-1 with the lowest byte incremented (p-1 ends in ...00 in LE byte 0).
        let mut p = p_minus_one;
        p[0] += 1;
        assert_eq!(fp_from_bytes(p), None);
        assert_eq!(fp_from_bytes([0xff; 32]), None);
    }

    #[test]
    fn reading_and_price_bounds_are_enforced_at_the_edges() {
        assert_eq!(check_reading(0, 0, u64::from(MAX_READING)), Ok(MAX_READING));
        assert!(matches!(
            check_reading(1, 3, u64::from(MAX_READING) + 1),
            Err(BoundsError::ReadingTooLarge {
                register: "export",
                slot: 3,
                ..
            })
        ));
        assert_eq!(check_price(0, -MAX_ABS_PRICE), Ok(-MAX_ABS_PRICE));
        assert!(check_price(0, MAX_ABS_PRICE + 1).is_err());
        assert!(check_price(0, i64::MIN).is_err());
    }
}
