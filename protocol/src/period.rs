//! The period file: what the meter hands to the consumer's plugin. Never leaves the home.

use serde::{Deserialize, Serialize};

use zkmeter_circuit::encoding::check_reading;
use zkmeter_circuit::primitives::Readings;
use zkmeter_circuit::BoundsError;

use crate::encoding::FieldBytes;
use crate::envelope::{FileKind, ZkFile};
use crate::error::ProtocolError;
use crate::frame::Frame;
use crate::ids::{MeterId, SignatureBytes};
use crate::statement::{MeterStatement, PeriodFacts};
use crate::unit::EnergyUnit;

/// A signed period: readings of one register (import) or two (import and export, for a
/// `-ie` size), their unit, the count of slots the meter did not measure, blinding value,
/// commitment and the meter's signature.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Period {
    /// The meter's id.
    pub meter_id: MeterId,
    /// The frame.
    pub frame: Frame,
    /// The unit of every reading: `10^e` Wh.
    pub unit: EnergyUnit,
    /// Import (delivered) readings, one per slot (`frame.slots` of them).
    pub import: Vec<u32>,
    /// Export (received) readings, one per slot: exactly when the frame's size has an export
    /// register (`-ie`).
    pub export: Option<Vec<u32>>,
    /// Slots the meter did not measure (filled with zero readings in every register); signed.
    pub filled: u32,
    /// Per-period blinding value (uniform in Fp, >= 128 bits of entropy), known to meter and plugin.
    pub blinding: FieldBytes,
    /// The commitment `C` (docs/protocol.md "Commitment").
    pub commitment: FieldBytes,
    /// ECDSA P-256 signature over [`Period::statement`]'s bytes.
    pub signature: SignatureBytes,
    /// The meter's public key (SPKI PEM), so the plugin can check the signature before
    /// proving. It proves integrity, not identity: the utility uses its own registry.
    pub meter_public_key: String,
}

/// Largest meter public key text in a period file.
pub const MAX_PUBLIC_KEY_TEXT: usize = 1024;

impl Period {
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

    /// The readings, as the circuit's native reference takes them.
    pub fn readings(&self) -> Readings<'_> {
        Readings {
            import: &self.import,
            export: self.export.as_deref(),
        }
    }
}

impl ZkFile for Period {
    const KIND: FileKind = FileKind::Period;
    // 2: unit, export register and filled-slot count (protocol version 3).
    const VERSION: u16 = 2;
    /// A month of 15-minute readings is ~12 KiB; 1 MiB leaves room for every size.
    const CAP: u64 = 1 << 20;

    const PRIVATE: bool = true;

    fn validate(&self) -> Result<(), ProtocolError> {
        self.frame.validate()?;
        self.frame.check_len("import readings", self.import.len())?;
        if self.export.is_some() != self.frame.size.has_export() {
            return Err(ProtocolError::Bounds(BoundsError::RegistersMismatch {
                what: "period",
                found: 1 + usize::from(self.export.is_some()),
                size: self.frame.size.name(),
            }));
        }
        if let Some(export) = &self.export {
            self.frame.check_len("export readings", export.len())?;
        }
        for (register, values) in self.readings().registers().enumerate() {
            for (slot, &r) in values.iter().enumerate() {
                check_reading(register, slot, r.into())?;
            }
        }
        if self.filled > self.frame.slots {
            return Err(ProtocolError::FigureOutOfRange("filled slot count"));
        }
        if self.meter_public_key.len() > MAX_PUBLIC_KEY_TEXT {
            return Err(ProtocolError::BadIdentifier {
                what: "meter public key",
                value: format!("{} bytes of PEM", self.meter_public_key.len()),
            });
        }
        self.blinding.to_fp("blinding value")?;
        self.commitment.to_fp("commitment")?;
        Ok(())
    }
}
