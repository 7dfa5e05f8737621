//! The period file: what the meter hands to the consumer's plugin. Never leaves the home.

use serde::{Deserialize, Serialize};

use zkmeter_circuit::encoding::check_reading;

use crate::encoding::FieldBytes;
use crate::envelope::{FileKind, ZkFile};
use crate::error::ProtocolError;
use crate::frame::Frame;
use crate::ids::{MeterId, SignatureBytes};
use crate::statement::MeterStatement;

/// A signed period: readings, blinding value, commitment and the meter's signature.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Period {
    /// The meter's id.
    pub meter_id: MeterId,
    /// The frame.
    pub frame: Frame,
    /// One reading per slot, Wh (`frame.slots` of them).
    pub readings: Vec<u32>,
    /// Per-period blinding value (uniform in Fp, >= 128 bits of entropy), known to meter and plugin.
    pub blinding: FieldBytes,
    /// The commitment `C` (docs/protocol.md "Commitment").
    pub commitment: FieldBytes,
    /// ECDSA P-256 signature over [`Period::statement`]'s bytes.
    pub signature: SignatureBytes,
    /// How missing readings were filled, if they were (`None`: every slot measured).
    pub fill: Option<String>,
    /// The meter's public key (SPKI PEM), so the plugin can check the signature before
    /// proving. It proves integrity, not identity: the utility uses its own registry.
    pub meter_public_key: String,
}

/// Largest meter public key text in a period file.
pub const MAX_PUBLIC_KEY_TEXT: usize = 1024;

impl Period {
    /// The statement the meter signed.
    pub fn statement(&self) -> MeterStatement<'_> {
        MeterStatement::new(&self.meter_id, &self.frame, &self.commitment)
    }
}

impl ZkFile for Period {
    const KIND: FileKind = FileKind::Period;
    const VERSION: u16 = 1;
    /// A month of 15-minute readings is ~12 KiB; 1 MiB leaves room for every size.
    const CAP: u64 = 1 << 20;

    const PRIVATE: bool = true;

    fn validate(&self) -> Result<(), ProtocolError> {
        self.frame.validate()?;
        self.frame.check_len("readings", self.readings.len())?;
        for (slot, &r) in self.readings.iter().enumerate() {
            check_reading(slot, r.into())?;
        }
        if self.meter_public_key.len() > MAX_PUBLIC_KEY_TEXT {
            return Err(ProtocolError::BadIdentifier {
                what: "meter public key",
                value: format!("{} bytes of PEM", self.meter_public_key.len()),
            });
        }
        if let Some(fill) = &self.fill {
            if !crate::ids::valid_identifier(fill, 64) {
                return Err(ProtocolError::BadIdentifier {
                    what: "fill rule",
                    value: crate::ids::truncate_for_error(fill),
                });
            }
        }
        self.blinding.to_fp("blinding value")?;
        self.commitment.to_fp("commitment")?;
        Ok(())
    }
}
