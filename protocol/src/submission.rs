//! The bill submission: what the plugin sends to the utility.

use serde::{Deserialize, Serialize};

use zkmeter_circuit::constants::{MAX_ABS_BILL, MAX_ENERGY};

use crate::encoding::FieldBytes;
use crate::envelope::{FileKind, ZkFile};
use crate::error::ProtocolError;
use crate::frame::Frame;
use crate::ids::{valid_identifier, MeterId, SignatureBytes};
use crate::statement::{BillClaim, MeterStatement, PeriodFacts};
use crate::unit::EnergyUnit;

/// Largest proof accepted in a submission before its exact length is checked.
pub const MAX_PROOF_BYTES: usize = 16 * 1024;

/// A bill submission. The circuit size is `frame.size`; the format version is the envelope's.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Submission {
    /// The meter's id.
    pub meter_id: MeterId,
    /// The frame (its size says the registers).
    pub frame: Frame,
    /// The unit of the readings, as the meter signed it.
    pub unit: EnergyUnit,
    /// Slots the meter did not measure, as it signed them.
    pub filled: u32,
    /// The commitment `C` the meter signed.
    pub commitment: FieldBytes,
    /// The meter's signature over `(version, meter id, frame, unit, registers, filled, C)`.
    pub meter_signature: SignatureBytes,
    /// The utility's tariff id the bill was computed under.
    pub tariff_id: String,
    /// The tariff digest `D` the plugin computed.
    #[serde(with = "crate::encoding::hex_bytes")]
    pub tariff_digest: [u8; 32],
    /// The bill `B`, in units of `10^(e - 9)` currency (nano-currency at Wh).
    pub bill: i128,
    /// The import energy `E_in`, in the unit `10^e` Wh.
    pub import_energy: u64,
    /// The export energy `E_out` (0 for a one-register period).
    pub export_energy: u64,
    /// The halo2 proof.
    #[serde(with = "proof_hex")]
    pub proof: Vec<u8>,
}

impl Submission {
    /// The signed facts besides the commitment.
    pub fn facts(&self) -> PeriodFacts<'_> {
        PeriodFacts {
            meter_id: &self.meter_id,
            frame: &self.frame,
            unit: self.unit,
            filled: self.filled,
        }
    }

    /// The statement the meter signed.
    pub fn statement(&self) -> MeterStatement<'_> {
        MeterStatement::new(self.facts(), &self.commitment)
    }

    /// The bill's public figures as claimed.
    pub fn figures(&self) -> crate::figures::BillFigures {
        crate::figures::BillFigures {
            unit: self.unit,
            bill: self.bill,
            import_energy: self.import_energy,
            export_energy: self.export_energy,
            filled: self.filled,
        }
    }

    /// The bill this submission claims (its public inputs come from it).
    pub fn claim(&self) -> BillClaim<'_> {
        BillClaim {
            facts: self.facts(),
            commitment: &self.commitment,
            bill: self.bill,
            import_energy: self.import_energy,
            export_energy: self.export_energy,
        }
    }
}

impl ZkFile for Submission {
    const KIND: FileKind = FileKind::Submission;
    // 3: unit, filled slots, import and export energy (circuit v3); proofs of versions 1 and
    // 2 do not verify under these keys.
    const VERSION: u16 = 3;
    const CAP: u64 = 64 * 1024;

    const PRIVATE: bool = false;

    fn validate(&self) -> Result<(), ProtocolError> {
        self.frame.validate()?;
        self.commitment.to_fp("commitment")?;
        if !valid_identifier(&self.tariff_id, 64) {
            return Err(ProtocolError::BadIdentifier {
                what: "tariff id",
                value: crate::ids::truncate_for_error(&self.tariff_id),
            });
        }
        if self.bill.unsigned_abs() > MAX_ABS_BILL as u128 {
            return Err(ProtocolError::FigureOutOfRange("bill"));
        }
        if self.import_energy > MAX_ENERGY {
            return Err(ProtocolError::FigureOutOfRange("import energy"));
        }
        if self.export_energy > MAX_ENERGY {
            return Err(ProtocolError::FigureOutOfRange("export energy"));
        }
        if self.export_energy != 0 && !self.frame.size.has_export() {
            return Err(ProtocolError::Bounds(
                zkmeter_circuit::BoundsError::RegistersMismatch {
                    what: "submission (a nonzero export energy)",
                    found: 2,
                    size: self.frame.size.name(),
                },
            ));
        }
        if self.filled > self.frame.slots {
            return Err(ProtocolError::FigureOutOfRange("filled slot count"));
        }
        if self.proof.len() > MAX_PROOF_BYTES {
            return Err(ProtocolError::FigureOutOfRange("proof length"));
        }
        Ok(())
    }
}

/// Proof bytes: hex in JSON, raw in postcard.
mod proof_hex {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(bytes: &[u8], s: S) -> Result<S::Ok, S::Error> {
        if s.is_human_readable() {
            s.serialize_str(&hex::encode(bytes))
        } else {
            s.serialize_bytes(bytes)
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        if d.is_human_readable() {
            hex::decode(String::deserialize(d)?).map_err(serde::de::Error::custom)
        } else {
            Ok(serde_bytes_vec(d)?)
        }
    }

    fn serde_bytes_vec<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Vec<u8>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("bytes")
            }
            fn visit_bytes<E: serde::de::Error>(self, v: &[u8]) -> Result<Vec<u8>, E> {
                Ok(v.to_vec())
            }
            fn visit_byte_buf<E: serde::de::Error>(self, v: Vec<u8>) -> Result<Vec<u8>, E> {
                Ok(v)
            }
        }
        d.deserialize_bytes(V)
    }
}
