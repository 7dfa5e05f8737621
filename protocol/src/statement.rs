//! The exact bytes the meter signs, the context hash bound into every proof, and the one place
//! a bill's public inputs are built ([`BillClaim::public_inputs`]), for plugin and utility alike.

use serde::Serialize;
use sha2::{Digest, Sha256};
use zkmeter_circuit::encoding::fp_from_bytes;
use zkmeter_circuit::{Fp, PublicInputs};

use crate::encoding::FieldBytes;
use crate::error::ProtocolError;
use crate::frame::Frame;
use crate::ids::MeterId;
use crate::tariff::Tariff;

/// Protocol version signed by meters and bound into proofs.
pub const PROTOCOL_VERSION: u16 = 2;

/// Domain separator prefixed to the signed meter statement.
pub const METER_STATEMENT_DOMAIN: &[u8] = b"zkmeter/meter-statement/v1\0";
/// Domain separator of the statement context hash.
pub const CONTEXT_DOMAIN: &[u8] = b"zkmeter/statement-context/v1\0";

/// What a meter signs once per period: `(protocol version, meter id, frame, C)`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct MeterStatement<'a> {
    /// [`PROTOCOL_VERSION`].
    pub protocol_version: u16,
    /// The meter's registered id.
    pub meter_id: &'a MeterId,
    /// The period's frame.
    pub frame: &'a Frame,
    /// The commitment to the readings.
    pub commitment: &'a FieldBytes,
}

impl<'a> MeterStatement<'a> {
    /// The statement of this protocol version ([`PROTOCOL_VERSION`]).
    pub fn new(meter_id: &'a MeterId, frame: &'a Frame, commitment: &'a FieldBytes) -> Self {
        MeterStatement {
            protocol_version: PROTOCOL_VERSION,
            meter_id,
            frame,
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
    tariff_id: &'a str,
    tariff_digest: &'a [u8; 32],
}

/// The statement context: SHA-256 over [`CONTEXT_DOMAIN`] and the postcard encoding of
/// `(version, meter id, frame, tariff id, tariff digest)`, first 31 bytes read little-endian
/// (so it is below 2^248 < p). Public input row `CONTEXT`: a proof is bound to all of these.
pub fn statement_context(
    meter_id: &MeterId,
    frame: &Frame,
    tariff_id: &str,
    tariff_digest: &[u8; 32],
) -> Fp {
    let ctx = Context {
        protocol_version: PROTOCOL_VERSION,
        meter_id,
        frame,
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
    /// The meter's id.
    pub meter_id: &'a MeterId,
    /// The frame.
    pub frame: &'a Frame,
    /// The commitment `C` the meter signed.
    pub commitment: &'a FieldBytes,
    /// The bill `B`, nano-currency.
    pub bill: i128,
    /// The energy `E`, Wh.
    pub energy_wh: u64,
}

impl BillClaim<'_> {
    /// The public inputs of this bill under `tariff` (whose digest, computed once by the
    /// caller, is `tariff_digest`): `(C, B, E, context)`, the context binding meter id, frame,
    /// tariff id and digest (docs/protocol.md "Public inputs"). The tariff's prices are not
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
            size: self.frame.size,
            commitment: self.commitment.to_fp("commitment")?,
            bill: self.bill,
            energy_wh: self.energy_wh,
            context: statement_context(self.meter_id, self.frame, &tariff.tariff_id, tariff_digest),
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
        let bytes = MeterStatement::new(&id, &frame, &c).to_bytes();
        let mut expected = METER_STATEMENT_DOMAIN.to_vec();
        expected.extend([0x02]); // protocol version 2
        expected.extend([0x07]);
        expected.extend(b"meter-1");
        expected.extend([0x80, 0xe4, 0xad, 0x95, 0x0d, 0x0f, 0x60, 0x00]);
        expected.extend([0xab; 32]);
        assert_eq!(bytes, expected);
        assert_eq!(bytes.len(), 76);
    }
}
