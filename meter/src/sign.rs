//! Signing the meter statement.
//!
//! Promises: the signature is ECDSA P-256 with SHA-256 over exactly
//! [`MeterStatement::to_bytes`] (domain-separated; binds protocol version, meter id, frame,
//! unit, registers, filled-slot count and commitment), deterministic (RFC 6979), normalised to low `s`, stored as 64 bytes `r || s`:
//! exactly what [`zkmeter_protocol::verify_statement`] accepts.

use p256::ecdsa::signature::Signer;
use p256::ecdsa::Signature;
use zkmeter_protocol::{MeterStatement, SignatureBytes};

use crate::keys::MeterSigningKey;

/// Signs `statement` (deterministic RFC 6979 nonce; low-s; `r || s`).
pub fn sign_statement(key: &MeterSigningKey, statement: &MeterStatement<'_>) -> SignatureBytes {
    // RFC 6979 signing with a valid key cannot fail: the nonce loop retries internally.
    let sig: Signature = key.as_signing_key().sign(&statement.to_bytes());
    SignatureBytes(sig.normalize_s().to_bytes().into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use p256::ecdsa::signature::Verifier;
    use rand_chacha::ChaCha20Rng;
    use rand_core::SeedableRng;
    use zkmeter_protocol::{
        verify_statement, CircuitSize, EnergyUnit, FieldBytes, Frame, MeterId, SignatureError,
        UtcTime, PROTOCOL_VERSION,
    };

    struct Fixture {
        key: MeterSigningKey,
        id: MeterId,
        frame: Frame,
        commitment: FieldBytes,
    }

    impl Fixture {
        fn new() -> Self {
            let start = UtcTime::parse("2026-01-01T00:00:00Z").unwrap();
            Fixture {
                key: MeterSigningKey::generate(&mut ChaCha20Rng::seed_from_u64(7)).unwrap(),
                id: MeterId::new("meter-1").unwrap(),
                frame: Frame::new(start, 15, 96, CircuitSize::Day15Min).unwrap(),
                commitment: FieldBytes([3; 32]),
            }
        }

        fn statement(&self) -> MeterStatement<'_> {
            MeterStatement {
                protocol_version: PROTOCOL_VERSION,
                meter_id: &self.id,
                frame: &self.frame,
                unit: EnergyUnit::WH,
                registers: &["1.8.0"],
                filled: 0,
                commitment: &self.commitment,
            }
        }
    }

    #[test]
    fn sign_then_verify_and_any_changed_field_fails() {
        let f = Fixture::new();
        let pk = f.key.public_key();
        let sig = sign_statement(&f.key, &f.statement());
        verify_statement(&pk, &f.statement(), &sig).unwrap();
        assert_eq!(
            sig,
            sign_statement(&f.key, &f.statement()),
            "RFC 6979 is deterministic"
        );

        let other_id = MeterId::new("meter-2").unwrap();
        let mut st = f.statement();
        st.meter_id = &other_id;
        assert!(matches!(
            verify_statement(&pk, &st, &sig),
            Err(SignatureError::Invalid)
        ));

        let other_c = FieldBytes([4; 32]);
        let mut st = f.statement();
        st.commitment = &other_c;
        assert!(matches!(
            verify_statement(&pk, &st, &sig),
            Err(SignatureError::Invalid)
        ));

        let mut other_frame = f.frame;
        other_frame.slots = 95;
        let mut st = f.statement();
        st.frame = &other_frame;
        assert!(matches!(
            verify_statement(&pk, &st, &sig),
            Err(SignatureError::Invalid)
        ));

        // The unit, the registers and the filled-slot count are signed too: an export register
        // cannot be presented as the import register, mWh as Wh, a gap as measured.
        let mut st = f.statement();
        st.unit = EnergyUnit::MILLI_WH;
        assert!(matches!(
            verify_statement(&pk, &st, &sig),
            Err(SignatureError::Invalid)
        ));
        let mut st = f.statement();
        st.registers = &["2.8.0"];
        assert!(matches!(
            verify_statement(&pk, &st, &sig),
            Err(SignatureError::Invalid)
        ));
        let mut st = f.statement();
        st.filled = 1;
        assert!(matches!(
            verify_statement(&pk, &st, &sig),
            Err(SignatureError::Invalid)
        ));

        let mut st = f.statement();
        st.protocol_version += 1;
        assert!(matches!(
            verify_statement(&pk, &st, &sig),
            Err(SignatureError::Invalid)
        ));

        let other_key = MeterSigningKey::generate(&mut ChaCha20Rng::seed_from_u64(8)).unwrap();
        assert!(matches!(
            verify_statement(&other_key.public_key(), &f.statement(), &sig),
            Err(SignatureError::Invalid)
        ));
    }

    #[test]
    fn high_s_twin_is_rejected_as_non_canonical() {
        let f = Fixture::new();
        let pk = f.key.public_key();
        let sig = sign_statement(&f.key, &f.statement());
        let low = Signature::from_slice(&sig.0).unwrap();
        let (r, s) = low.split_scalars();
        let high = Signature::from_scalars(r, -s).unwrap();
        // The twin is a valid ECDSA signature for plain p256 ...
        pk.as_verifying_key()
            .verify(&f.statement().to_bytes(), &high)
            .unwrap();
        // ... but not a canonical meter signature.
        let high_bytes = SignatureBytes(high.to_bytes().into());
        assert!(matches!(
            verify_statement(&pk, &f.statement(), &high_bytes),
            Err(SignatureError::NonCanonical)
        ));
    }

    #[test]
    fn malformed_and_garbage_signatures_are_rejected() {
        let f = Fixture::new();
        let pk = f.key.public_key();
        for bad in [[0u8; 64], [0xff; 64]] {
            assert!(matches!(
                verify_statement(&pk, &f.statement(), &SignatureBytes(bad)),
                Err(SignatureError::Malformed)
            ));
        }
        assert_eq!(
            SignatureError::Malformed.to_string(),
            "malformed meter signature: r and s must each be between 1 and n - 1 (n: the P-256 \
             group order)"
        );
        let mut garbage = [0x11u8; 64];
        garbage[40] = 0x22;
        assert!(matches!(
            verify_statement(&pk, &f.statement(), &SignatureBytes(garbage)),
            Err(SignatureError::Invalid)
        ));
        let mut flipped = sign_statement(&f.key, &f.statement());
        flipped.0[5] ^= 1;
        assert!(verify_statement(&pk, &f.statement(), &flipped).is_err());
    }
}
