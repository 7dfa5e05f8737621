//! The bill message the baseline plugin sends to the utility, in a compact binary format.
//!
//! Little-endian, fixed layout, no padding:
//!
//! ```text
//! offset  bytes  field
//!      0      4  magic "ZKBL"
//!      4      1  version (1)
//!      5      8  meter id (u64)
//!     13      8  period start (i64, Unix seconds)
//!     21      4  n = number of readings (u32, 1..=MAX_READINGS)
//!     25     16  bill B (i128, price units x Wh)
//!     41     32  opening sum O (canonical little-endian Pallas scalar)
//!     73  96 n   per slot i: commitment c_i (32, compressed Pallas point), ECDSA r || s (64)
//! ```
//!
//! So a bill of `n` readings is exactly [`message_len`]`(n) = 73 + 96 n` bytes. Decoding
//! checks the length exactly and the scalar's canonical encoding; points and signatures are
//! checked by the utility, which reports the slot.

use ff::PrimeField;

use crate::{BaselineError, Scalar};

/// Magic bytes at the start of every bill message.
pub const MAGIC: [u8; 4] = *b"ZKBL";
/// Format version.
pub const VERSION: u8 = 1;
/// Bytes before the per-slot records.
pub const HEADER_LEN: usize = 73;
/// Bytes of one compressed Pallas point.
pub const COMMITMENT_LEN: usize = 32;
/// Bytes of one ECDSA P-256 signature (`r || s`).
pub const SIGNATURE_LEN: usize = 64;
/// Bytes per reading: commitment and signature.
pub const PER_READING_LEN: usize = COMMITMENT_LEN + SIGNATURE_LEN;
/// Most readings in one bill: a leap year of hourly slots.
pub const MAX_READINGS: usize = 8784;

/// Exact length of the bill message for `n` readings.
pub const fn message_len(n: usize) -> usize {
    HEADER_LEN + n * PER_READING_LEN
}

/// Which meter and period a bill is for (bound into every reading's signature).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct PeriodId {
    /// The meter's registered id.
    pub meter_id: u64,
    /// Start of the period (Unix seconds, UTC).
    pub start: i64,
}

/// One reading's commitment with the meter's signature over it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SignedCommitment {
    /// Compressed Pallas point `c_i = r_i*G + o_i*H`.
    pub commitment: [u8; COMMITMENT_LEN],
    /// ECDSA P-256 signature `r || s` (low-s) over [`crate::signed_message`].
    pub signature: [u8; SIGNATURE_LEN],
}

/// What the plugin sends to the utility for one bill.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BillMessage {
    /// Meter and period.
    pub period: PeriodId,
    /// The bill `B = sum p_i r_i`.
    pub bill: i128,
    /// The opening sum `O = sum p_i o_i`.
    pub opening_sum: Scalar,
    /// Every reading's signed commitment, in slot order.
    pub readings: Vec<SignedCommitment>,
}

impl BillMessage {
    /// Encodes the message (exactly [`message_len`] bytes).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(message_len(self.readings.len()));
        out.extend_from_slice(&MAGIC);
        out.push(VERSION);
        out.extend_from_slice(&self.period.meter_id.to_le_bytes());
        out.extend_from_slice(&self.period.start.to_le_bytes());
        // At most MAX_READINGS by construction in the plugin; a longer vector is a bug there.
        let n = u32::try_from(self.readings.len()).expect("reading count fits u32");
        out.extend_from_slice(&n.to_le_bytes());
        out.extend_from_slice(&self.bill.to_le_bytes());
        out.extend_from_slice(&self.opening_sum.to_repr());
        for r in &self.readings {
            out.extend_from_slice(&r.commitment);
            out.extend_from_slice(&r.signature);
        }
        out
    }

    /// Decodes a message: exact length for its count, magic, version, canonical `O`.
    ///
    /// # Errors
    /// [`BaselineError::Malformed`] with the reason.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, BaselineError> {
        let malformed = BaselineError::Malformed;
        if bytes.len() < HEADER_LEN {
            return Err(malformed("shorter than the header"));
        }
        let (header, body) = bytes.split_at(HEADER_LEN);
        if header[0..4] != MAGIC {
            return Err(malformed("bad magic"));
        }
        if header[4] != VERSION {
            return Err(malformed("unsupported version"));
        }
        let meter_id = u64::from_le_bytes(header[5..13].try_into().expect("8 bytes"));
        let start = i64::from_le_bytes(header[13..21].try_into().expect("8 bytes"));
        let n = u32::from_le_bytes(header[21..25].try_into().expect("4 bytes")) as usize;
        if n == 0 || n > MAX_READINGS {
            return Err(malformed("reading count out of range"));
        }
        if bytes.len() != message_len(n) {
            return Err(malformed("length does not match the reading count"));
        }
        let bill = i128::from_le_bytes(header[25..41].try_into().expect("16 bytes"));
        let repr: [u8; 32] = header[41..73].try_into().expect("32 bytes");
        let opening_sum = Option::from(Scalar::from_repr(repr))
            .ok_or(malformed("opening sum is not a canonical scalar"))?;
        let readings = body
            .chunks_exact(PER_READING_LEN)
            .map(|chunk| {
                let (c, s) = chunk.split_at(COMMITMENT_LEN);
                SignedCommitment {
                    commitment: c.try_into().expect("32 bytes"),
                    signature: s.try_into().expect("64 bytes"),
                }
            })
            .collect();
        Ok(BillMessage {
            period: PeriodId { meter_id, start },
            bill,
            opening_sum,
            readings,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(n: usize) -> BillMessage {
        BillMessage {
            period: PeriodId {
                meter_id: 42,
                start: 1_767_225_600,
            },
            bill: -123_456_789_012_345,
            opening_sum: Scalar::from(99u64),
            readings: (0..n)
                .map(|i| SignedCommitment {
                    commitment: [i as u8; 32],
                    signature: [!(i as u8); 64],
                })
                .collect(),
        }
    }

    #[test]
    fn round_trip_and_exact_length() {
        for n in [1, 96, 2976] {
            let msg = sample(n);
            let bytes = msg.to_bytes();
            assert_eq!(bytes.len(), message_len(n));
            assert_eq!(BillMessage::from_bytes(&bytes).unwrap(), msg);
        }
        assert_eq!(message_len(2976), 285_769);
    }

    #[test]
    fn refuses_bad_framing() {
        let bytes = sample(3).to_bytes();
        assert!(BillMessage::from_bytes(&bytes).is_ok());
        let err = |b: &[u8]| BillMessage::from_bytes(b).unwrap_err();
        assert_eq!(
            err(&bytes[..bytes.len() - 1]),
            BaselineError::Malformed("length does not match the reading count")
        );
        let mut longer = bytes.clone();
        longer.push(0);
        assert_eq!(
            err(&longer),
            BaselineError::Malformed("length does not match the reading count")
        );
        assert_eq!(
            err(&bytes[..10]),
            BaselineError::Malformed("shorter than the header")
        );
        let mut magic = bytes.clone();
        magic[0] ^= 1;
        assert_eq!(err(&magic), BaselineError::Malformed("bad magic"));
        let mut version = bytes.clone();
        version[4] = 2;
        assert_eq!(
            err(&version),
            BaselineError::Malformed("unsupported version")
        );
        let mut zero = bytes.clone();
        zero[21..25].copy_from_slice(&0u32.to_le_bytes());
        assert_eq!(
            err(&zero),
            BaselineError::Malformed("reading count out of range")
        );
        let mut noncanonical = bytes.clone();
        noncanonical[41..73].fill(0xff);
        assert_eq!(
            err(&noncanonical),
            BaselineError::Malformed("opening sum is not a canonical scalar")
        );
    }
}
