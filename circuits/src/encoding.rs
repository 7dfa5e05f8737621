//! Field encodings and the bounds that keep every sum exact.
//!
//! See `docs/protocol.md` section "Encodings and bounds". All billing arithmetic is done in
//! integers; the circuit computes the same sums in the Pallas base field `Fp`, and the bounds
//! below guarantee no sum reaches p/2, so the field result maps back to the integer one.
//!
//! * A reading is a `u32` number of watt-hours below `2^READING_BITS` ([`MAX_READING_WH`]). In
//!   the circuit it is two [`LIMB_BITS`]-bit limbs, each range-checked by a lookup, and
//!   [`READINGS_PER_WORD`] readings are packed into one field element ("word") for hashing:
//!   `word = sum_j r_j * 2^(READING_BITS * (READINGS_PER_WORD - 1 - j))` (first reading most
//!   significant), `< 2^240 < p`, so the packing is injective.
//! * A price is an `i64` in micro-currency per kWh (1e-6 of the currency unit per kWh), with
//!   magnitude at most [`MAX_ABS_PRICE`]. In the prices instance column it is offset to the
//!   unsigned `price + PRICE_OFFSET` (`0 < u < 2^32`; padding slots hold 0), so the utility's
//!   instance commitment is a multi-scalar multiplication of small scalars.
//! * The bill is `sum(price * reading)` in nano-currency (1e-9 units): micro-units/kWh x Wh.
//!   `|bill| <= MAX_CAPACITY * MAX_READING_WH * MAX_ABS_PRICE < 2^12 * 2^20 * 2^31 = 2^63`,
//!   and the circuit's intermediate `sum(u * r) < 2^12 * 2^20 * 2^32 = 2^64`: far below p/2
//!   (about 2^253). A negative bill is encoded as `p - |bill|`.

use ff::PrimeField;
use halo2_proofs::pasta::Fp;
use serde::{Deserialize, Serialize};

use crate::error::ProtocolError;
use crate::size::MAX_CAPACITY;

/// Bits of a reading (two limbs of [`LIMB_BITS`]).
pub const READING_BITS: u32 = 2 * LIMB_BITS;
/// Bits of one range-checked limb (the lookup table holds `0..2^LIMB_BITS`).
pub const LIMB_BITS: u32 = 10;
/// Readings packed into one field element for the commitment hash (`12 * 20 = 240 < 254` bits).
pub const READINGS_PER_WORD: usize = 12;
/// Largest reading in one slot, in Wh: 2^20 - 1 (1.05 MWh: 4 MW for a quarter-hour, far above
/// any household or small business).
pub const MAX_READING_WH: u32 = (1 << READING_BITS) - 1;
/// Offset added to every price in the prices instance column (`u = price + 2^31 > 0`).
pub const PRICE_OFFSET: i64 = 1 << 31;
/// Largest price magnitude, in micro-currency per kWh: 2^31 - 1 (2147 currency units per kWh).
pub const MAX_ABS_PRICE: i64 = (1 << 31) - 1;
/// Largest magnitude any valid bill can have, in nano-currency.
pub const MAX_ABS_BILL: i128 =
    MAX_CAPACITY as i128 * MAX_READING_WH as i128 * MAX_ABS_PRICE as i128;
/// Largest total energy any valid period can have, in Wh.
pub const MAX_ENERGY_WH: u64 = MAX_CAPACITY as u64 * MAX_READING_WH as u64;

// Checked at compile time: every sum stays far below p/2 (p > 2^254), so no sum wraps.
const _: () = assert!(MAX_ABS_BILL < 1i128 << 64);
const _: () = assert!(MAX_ENERGY_WH < 1u64 << 36);
// The circuit's offset sum `sum((price + PRICE_OFFSET) * reading)` stays below 2^65.
const _: () = assert!(
    (MAX_CAPACITY as i128) * (MAX_READING_WH as i128) * ((MAX_ABS_PRICE + PRICE_OFFSET) as i128)
        < 1i128 << 65
);
// A word of packed readings is below 2^240, so packing is injective in Fp (p > 2^254).
const _: () = assert!(READING_BITS as usize * READINGS_PER_WORD <= 240);
const _: () = assert!(MAX_ABS_PRICE < PRICE_OFFSET && PRICE_OFFSET + MAX_ABS_PRICE < 1 << 32);

/// Nano-currency units per currency unit (bill unit).
pub const NANO_PER_UNIT: i128 = 1_000_000_000;
/// Micro-currency units per currency unit (price unit, per kWh).
pub const MICRO_PER_UNIT: i64 = 1_000_000;

/// Encodes a signed integer as a field element (`-x` as `p - x`).
pub fn fp_from_i128(x: i128) -> Fp {
    let magnitude = Fp::from_u128(x.unsigned_abs());
    if x < 0 {
        -magnitude
    } else {
        magnitude
    }
}

/// Encodes a reading (Wh) as a field element.
pub fn fp_from_reading(wh: u32) -> Fp {
    Fp::from(u64::from(wh))
}

/// Encodes a price (micro-currency per kWh) as a field element (`-x` as `p - x`).
pub fn fp_from_price(price: i64) -> Fp {
    fp_from_i128(i128::from(price))
}

/// The prices-column encoding of a checked price: `price + PRICE_OFFSET`, a positive integer
/// below `2^32`.
pub fn fp_from_offset_price(price: i64) -> Fp {
    debug_assert!(price.abs() <= MAX_ABS_PRICE);
    Fp::from((price + PRICE_OFFSET) as u64)
}

/// A canonical 32-byte little-endian field element, as stored in files.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct FieldBytes(#[serde(with = "hex_bytes")] pub [u8; 32]);

impl FieldBytes {
    /// Encodes a field element.
    pub fn from_fp(x: Fp) -> Self {
        FieldBytes(x.to_repr())
    }

    /// Decodes, refusing any encoding of a value `>= p`. `what` names the field for the error.
    pub fn to_fp(&self, what: &'static str) -> Result<Fp, ProtocolError> {
        Option::from(Fp::from_repr(self.0)).ok_or(ProtocolError::NonCanonicalField(what))
    }
}

impl std::fmt::Debug for FieldBytes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "FieldBytes({})", hex::encode(self.0))
    }
}

/// Serde for fixed byte arrays: hex text in human-readable formats (JSON), raw bytes in postcard.
pub(crate) mod hex_bytes {
    use serde::de::Error as _;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer, const L: usize>(
        bytes: &[u8; L],
        s: S,
    ) -> Result<S::Ok, S::Error> {
        if s.is_human_readable() {
            s.serialize_str(&hex::encode(bytes))
        } else {
            use serde::ser::SerializeTuple;
            let mut t = s.serialize_tuple(L)?;
            for b in bytes {
                t.serialize_element(b)?;
            }
            t.end()
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>, const L: usize>(
        d: D,
    ) -> Result<[u8; L], D::Error> {
        if d.is_human_readable() {
            let text = String::deserialize(d)?;
            let v = hex::decode(&text).map_err(D::Error::custom)?;
            v.try_into()
                .map_err(|_| D::Error::custom(format!("expected {L} hex-encoded bytes")))
        } else {
            <[u8; L] as serde_big_array_like::Arr<L>>::deserialize(d)
        }
    }

    /// serde implements `Deserialize` for arrays up to 32 only; this covers any `L`.
    pub(crate) mod serde_big_array_like {
        use serde::de::{Error, SeqAccess, Visitor};
        use serde::Deserializer;
        use std::fmt;

        pub trait Arr<const L: usize>: Sized {
            fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Self, D::Error>;
        }

        impl<const L: usize> Arr<L> for [u8; L] {
            fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                struct V<const L: usize>;
                impl<'de, const L: usize> Visitor<'de> for V<L> {
                    type Value = [u8; L];
                    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                        write!(f, "{L} bytes")
                    }
                    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<[u8; L], A::Error> {
                        let mut out = [0u8; L];
                        for (i, b) in out.iter_mut().enumerate() {
                            *b = seq
                                .next_element()?
                                .ok_or_else(|| A::Error::invalid_length(i, &self))?;
                        }
                        Ok(out)
                    }
                }
                d.deserialize_tuple(L, V::<L>)
            }
        }
    }
}

/// Checks a reading against [`MAX_READING_WH`].
pub fn check_reading(slot: usize, wh: u64) -> Result<u32, ProtocolError> {
    u32::try_from(wh)
        .ok()
        .filter(|&v| v <= MAX_READING_WH)
        .ok_or(ProtocolError::ReadingTooLarge {
            slot,
            value: wh,
            max: MAX_READING_WH,
        })
}

/// Checks a price against [`MAX_ABS_PRICE`].
pub fn check_price(slot: usize, price: i64) -> Result<i64, ProtocolError> {
    if price.checked_abs().is_some_and(|m| m <= MAX_ABS_PRICE) {
        Ok(price)
    } else {
        Err(ProtocolError::PriceOutOfRange {
            slot,
            value: price,
            max: MAX_ABS_PRICE,
        })
    }
}

/// Formats nano-currency as a decimal amount with 9 fractional digits, e.g. `-12.345000000`.
pub fn format_nano(amount: i128) -> String {
    let sign = if amount < 0 { "-" } else { "" };
    let m = amount.unsigned_abs();
    let unit = NANO_PER_UNIT as u128;
    format!("{sign}{}.{:09}", m / unit, m % unit)
}

/// Formats micro-currency per kWh as a decimal amount with 6 fractional digits.
pub fn format_micro(amount: i64) -> String {
    let sign = if amount < 0 { "-" } else { "" };
    let m = amount.unsigned_abs();
    let unit = MICRO_PER_UNIT as u64;
    format!("{sign}{}.{:06}", m / unit, m % unit)
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
        let p_minus_one = FieldBytes::from_fp(-Fp::ONE);
        assert!(p_minus_one.to_fp("x").is_ok());
        // p itself: p-1 with the lowest byte incremented (p-1 ends in ...00 in LE byte 0).
        let mut p = p_minus_one;
        p.0[0] += 1;
        assert_eq!(p.to_fp("x"), Err(ProtocolError::NonCanonicalField("x")));
        assert_eq!(
            FieldBytes([0xff; 32]).to_fp("x"),
            Err(ProtocolError::NonCanonicalField("x"))
        );
    }

    #[test]
    fn reading_and_price_bounds_are_enforced_at_the_edges() {
        assert_eq!(
            check_reading(0, u64::from(MAX_READING_WH)),
            Ok(MAX_READING_WH)
        );
        assert!(check_reading(3, u64::from(MAX_READING_WH) + 1).is_err());
        assert_eq!(check_price(0, -MAX_ABS_PRICE), Ok(-MAX_ABS_PRICE));
        assert!(check_price(0, MAX_ABS_PRICE + 1).is_err());
        assert!(check_price(0, i64::MIN).is_err());
    }

    #[test]
    fn amounts_format_exactly() {
        assert_eq!(format_nano(-12_345_000_001), "-12.345000001");
        assert_eq!(format_nano(5), "0.000000005");
        assert_eq!(format_micro(-250_000), "-0.250000");
    }
}
