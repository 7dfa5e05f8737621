//! The exact bytes the meter signs, the context hash bound into every proof, and the one place
//! a bill's public inputs are built ([`BillClaim::public_inputs`]), for plugin and utility alike.

use serde::Serialize;
use sha2::{Digest, Sha256};
use zkmeter_circuit::encoding::fp_from_bytes;
use zkmeter_circuit::{CircuitSize, Fp, PublicInputs};

use crate::encoding::FieldBytes;
use crate::error::ProtocolError;
use crate::frame::Frame;
use crate::ids::MeterId;
use crate::tariff::Tariff;
use crate::unit::EnergyUnit;

/// Protocol version signed by meters and bound into proofs.
pub const PROTOCOL_VERSION: u16 = 3;

/// Domain separator prefixed to the signed meter statement.
pub const METER_STATEMENT_DOMAIN: &[u8] = b"zkmeter/meter-statement/v3\0";
/// Domain separator of the statement context hash.
pub const CONTEXT_DOMAIN: &[u8] = b"zkmeter/statement-context/v3\0";

/// OBIS-style identity of the import (delivered) register: active energy +A total.
pub const IMPORT_REGISTER: &str = "1.8.0";
/// OBIS-style identity of the export (received) register: active energy -A total.
pub const EXPORT_REGISTER: &str = "2.8.0";

/// The registers a period of `size` holds, in circuit order: import, then export for the
/// two-register (`-ie`) sizes.
pub fn registers(size: CircuitSize) -> &'static [&'static str] {
    if size.has_export() {
        &[IMPORT_REGISTER, EXPORT_REGISTER]
    } else {
        &[IMPORT_REGISTER]
    }
}

/// What a meter signs once per period: `(protocol version, meter id, frame, unit, registers,
/// filled slots, C)`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct MeterStatement<'a> {
    /// [`PROTOCOL_VERSION`].
    pub protocol_version: u16,
    /// The meter's registered id.
    pub meter_id: &'a MeterId,
    /// The period's frame (its size says the registers).
    pub frame: &'a Frame,
    /// The unit the readings count: `10^e` Wh.
    pub unit: EnergyUnit,
    /// The registers' identities, in the order the commitment holds them ([`registers`]).
    pub registers: &'static [&'static str],
    /// Slots the meter did not measure and filled with zero (in any register; each slot once).
    pub filled: u32,
    /// The commitment to the readings.
    pub commitment: &'a FieldBytes,
}

/// The signed facts of one period besides its commitment: who, when, in what unit, how many
/// slots were not measured.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PeriodFacts<'a> {
    /// The meter's id.
    pub meter_id: &'a MeterId,
    /// The frame.
    pub frame: &'a Frame,
    /// The unit of the readings.
    pub unit: EnergyUnit,
    /// Slots filled with zero.
    pub filled: u32,
}

impl<'a> MeterStatement<'a> {
    /// The statement of this protocol version ([`PROTOCOL_VERSION`]).
    pub fn new(facts: PeriodFacts<'a>, commitment: &'a FieldBytes) -> Self {
        MeterStatement {
            protocol_version: PROTOCOL_VERSION,
            meter_id: facts.meter_id,
            frame: facts.frame,
            unit: facts.unit,
            registers: registers(facts.frame.size),
            filled: facts.filled,
            commitment,
        }
    }

    /// The signed message: [`METER_STATEMENT_DOMAIN`] followed by the postcard encoding.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = METER_STATEMENT_DOMAIN.to_vec();
        out.extend(postcard::to_allocvec(self).expect("in-memory encoding cannot fail"));
        out
    }
}

#[derive(Serialize)]
struct Context<'a> {
    protocol_version: u16,
    meter_id: &'a MeterId,
    frame: &'a Frame,
    unit: EnergyUnit,
    registers: &'static [&'static str],
    filled: u32,
    tariff_id: &'a str,
    tariff_digest: &'a [u8; 32],
}

/// The statement context: SHA-256 over [`CONTEXT_DOMAIN`] and the postcard encoding of
/// `(version, meter id, frame, unit, registers, filled, tariff id, tariff digest)`, first 31
/// bytes read little-endian (so it is below 2^248 < p). Public input row `CONTEXT`: a proof is
/// bound to all of these.
pub fn statement_context(facts: PeriodFacts<'_>, tariff_id: &str, tariff_digest: &[u8; 32]) -> Fp {
    let ctx = Context {
        protocol_version: PROTOCOL_VERSION,
        meter_id: facts.meter_id,
        frame: facts.frame,
        unit: facts.unit,
        registers: registers(facts.frame.size),
        filled: facts.filled,
        tariff_id,
        tariff_digest,
    };
    let mut h = Sha256::new();
    h.update(CONTEXT_DOMAIN);
    h.update(postcard::to_allocvec(&ctx).expect("in-memory encoding cannot fail"));
    let digest = h.finalize();
    let mut repr = [0u8; 32];
    repr[..31].copy_from_slice(&digest[..31]);
    fp_from_bytes(repr).expect("values below 2^248 are canonical")
}

/// A bill as claimed for one meter and period: the plugin's computed figures, or a
/// submission's. Its public inputs are what the proof must verify against.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BillClaim<'a> {
    /// Meter, frame, unit and filled slots, as signed.
    pub facts: PeriodFacts<'a>,
    /// The commitment `C` the meter signed.
    pub commitment: &'a FieldBytes,
    /// The bill `B`, in units of `10^(e - 9)` currency.
    pub bill: i128,
    /// The import energy `E_in`, in the unit `10^e` Wh.
    pub import_energy: u64,
    /// The export energy `E_out` (0 for one register).
    pub export_energy: u64,
}

impl BillClaim<'_> {
    /// The public inputs of this bill under `tariff` (whose digest, computed once by the
    /// caller, is `tariff_digest`): `(C, B, E_in, E_out, context)`, the context binding the
    /// signed facts, tariff id and digest (docs/protocol.md "Public inputs"). The tariff's prices are not
    /// among them: they are in the keys of (size, tariff) ([`Tariff::circuit_prices`]).
    ///
    /// # Errors
    /// [`ProtocolError::NonCanonicalField`] for a commitment `>= p`.
    pub fn public_inputs(
        &self,
        tariff: &Tariff,
        tariff_digest: &[u8; 32],
    ) -> Result<PublicInputs, ProtocolError> {
        Ok(PublicInputs {
            size: self.facts.frame.size,
            commitment: self.commitment.to_fp("commitment")?,
            bill: self.bill,
            import_energy: self.import_energy,
            export_energy: self.export_energy,
            context: statement_context(self.facts, &tariff.tariff_id, tariff_digest),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::frame::UtcTime;
    use zkmeter_circuit::CircuitSize;

    /// The worked example of docs/protocol.md "Signed meter statement", byte for byte.
    #[test]
    fn signed_bytes_match_the_documented_example() {
        let id = MeterId::new("meter-1").unwrap();
        let start = UtcTime::parse("2026-01-01T00:00:00Z").unwrap();
        let frame = Frame::new(start, 15, 96, CircuitSize::Day15Min).unwrap();
        let c = FieldBytes([0xab; 32]);
        let facts = PeriodFacts {
            meter_id: &id,
            frame: &frame,
            unit: EnergyUnit::MILLI_WH,
            filled: 2,
        };
        let bytes = MeterStatement::new(facts, &c).to_bytes();
        let mut expected = METER_STATEMENT_DOMAIN.to_vec();
        expected.extend([0x03]); // protocol version 3
        expected.extend([0x07]);
        expected.extend(b"meter-1");
        expected.extend([0x80, 0xe4, 0xad, 0x95, 0x0d, 0x0f, 0x60, 0x00]);
        expected.extend([0xfd]); // unit exponent -3 (i8, two's complement)
        expected.extend([0x01, 0x05]); // one register, "1.8.0"
        expected.extend(b"1.8.0");
        expected.extend([0x02]); // 2 filled slots
        expected.extend([0xab; 32]);
        assert_eq!(bytes, expected);
        assert_eq!(bytes.len(), 85);
    }

    #[test]
    fn the_context_binds_unit_registers_and_filled_slots() {
        let id = MeterId::new("meter-1").unwrap();
        let start = UtcTime::parse("2026-01-01T00:00:00Z").unwrap();
        let frame = Frame::new(start, 15, 96, CircuitSize::Day15Min).unwrap();
        let ie = Frame::new(start, 15, 96, CircuitSize::Day15MinIe).unwrap();
        let facts = PeriodFacts {
            meter_id: &id,
            frame: &frame,
            unit: EnergyUnit::WH,
            filled: 0,
        };
        let base = statement_context(facts, "t", &[0; 32]);
        assert_eq!(base, statement_context(facts, "t", &[0; 32]));
        for other in [
            PeriodFacts {
                unit: EnergyUnit::MILLI_WH,
                ..facts
            },
            PeriodFacts { filled: 1, ..facts },
            PeriodFacts {
                frame: &ie,
                ..facts
            },
        ] {
            assert_ne!(statement_context(other, "t", &[0; 32]), base, "{other:?}");
        }
        assert_eq!(registers(CircuitSize::Day15MinIe), ["1.8.0", "2.8.0"]);
    }
}
