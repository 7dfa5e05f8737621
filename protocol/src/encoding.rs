//! How protocol values are written: field elements as canonical 32-byte strings, circuit sizes
//! by name, byte arrays as hex in JSON and raw in postcard, and amounts as exact decimals.
//!
//! Units (`docs/protocol.md` "Encodings and bounds"): readings in Wh, prices in micro-currency
//! per kWh ([`MICRO_PER_UNIT`]), bills in nano-currency ([`NANO_PER_UNIT`]).

use serde::{Deserialize, Serialize};
use zkmeter_circuit::encoding::{fp_from_bytes, fp_to_bytes};
use zkmeter_circuit::{CircuitSize, Fp};

use crate::error::ProtocolError;

/// Nano-currency units per currency unit (bill unit).
pub const NANO_PER_UNIT: i128 = 1_000_000_000;
/// Micro-currency units per currency unit (price unit, per kWh).
pub const MICRO_PER_UNIT: i64 = 1_000_000;

/// A canonical 32-byte little-endian field element, as stored in files.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct FieldBytes(#[serde(with = "hex_bytes")] pub [u8; 32]);

impl FieldBytes {
    /// Encodes a field element.
    pub fn from_fp(x: Fp) -> Self {
        FieldBytes(fp_to_bytes(x))
    }

    /// Decodes, refusing any encoding of a value `>= p`. `what` names the field for the error.
    pub fn to_fp(&self, what: &'static str) -> Result<Fp, ProtocolError> {
        fp_from_bytes(self.0).ok_or(ProtocolError::NonCanonicalField(what))
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

/// Serde for [`CircuitSize`]: its name in JSON (`"day-15min"`), its variant index in postcard.
#[derive(Serialize, Deserialize)]
#[serde(remote = "CircuitSize")]
#[allow(clippy::enum_variant_names)] // the variants mirror CircuitSize's, which serde needs
pub(crate) enum CircuitSizeDef {
    #[serde(rename = "day-15min")]
    Day15Min,
    #[serde(rename = "month-30min")]
    Month30Min,
    #[serde(rename = "month-15min")]
    Month15Min,
    #[serde(rename = "day-15min-ie")]
    Day15MinIe,
    #[serde(rename = "month-30min-ie")]
    Month30MinIe,
    #[serde(rename = "month-15min-ie")]
    Month15MinIe,
}

/// Formats nano-currency as a decimal amount with 9 fractional digits, e.g. `-12.345000000`.
pub fn format_nano(amount: i128) -> String {
    let sign = if amount < 0 { "-" } else { "" };
    let m = amount.unsigned_abs();
    let unit = NANO_PER_UNIT as u128;
    format!("{sign}{}.{:09}", m / unit, m % unit)
}

/// Formats a bill in units of `10^(e - 9)` currency (`unit` = `10^e` Wh) as an exact decimal
/// amount with every digit of its unit, e.g. `-12.345000000` at Wh, `0.000000000001` at mWh.
pub fn format_bill(amount: i128, unit: crate::unit::EnergyUnit) -> String {
    let sign = if amount < 0 { "-" } else { "" };
    let decimals = unit.bill_decimals();
    let scale = 10u128.pow(decimals);
    let m = amount.unsigned_abs();
    format!(
        "{sign}{}.{:0width$}",
        m / scale,
        m % scale,
        width = decimals as usize
    )
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
    fn sizes_are_names_in_json_and_indices_in_postcard() {
        #[derive(Serialize, Deserialize, PartialEq, Debug)]
        struct S(#[serde(with = "CircuitSizeDef")] CircuitSize);
        for (i, size) in CircuitSize::ALL.into_iter().enumerate() {
            let json = serde_json::to_string(&S(size)).unwrap();
            assert_eq!(json, format!("\"{}\"", size.name()));
            assert_eq!(serde_json::from_str::<S>(&json).unwrap(), S(size));
            let bytes = postcard::to_allocvec(&S(size)).unwrap();
            assert_eq!(bytes, [i as u8]);
            assert_eq!(postcard::from_bytes::<S>(&bytes).unwrap(), S(size));
        }
        assert!(serde_json::from_str::<S>("\"week-5min\"").is_err());
        assert!(postcard::from_bytes::<S>(&[6]).is_err());
    }

    #[test]
    fn bills_format_with_every_digit_of_their_unit() {
        use crate::unit::EnergyUnit;
        assert_eq!(
            format_bill(-12_345_000_001, EnergyUnit::WH),
            "-12.345000001"
        );
        assert_eq!(format_bill(1, EnergyUnit::MILLI_WH), "0.000000000001");
        assert_eq!(
            format_bill(95_811_919_600_123, EnergyUnit::MILLI_WH),
            "95.811919600123"
        );
        assert_eq!(format_bill(0, EnergyUnit::new(-1).unwrap()), "0.0000000000");
    }

    #[test]
    fn amounts_format_exactly() {
        assert_eq!(format_nano(-12_345_000_001), "-12.345000001");
        assert_eq!(format_nano(5), "0.000000005");
        assert_eq!(format_micro(-250_000), "-0.250000");
    }
}
