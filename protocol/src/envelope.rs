//! The versioned binary envelope of period and submission files.
//!
//! ```text
//! offset 0  7 bytes  magic "ZKMETER"
//! offset 7  1 byte   kind: b'P' period, b'S' submission
//! offset 8  2 bytes  format version, little-endian u16
//! offset 10 ...      postcard 1.x encoding of the object (must be consumed exactly, and be the
//!                    canonical encoding: re-encoding gives the same bytes)
//! ```

use std::path::Path;

use serde::{de::DeserializeOwned, Serialize};

use crate::error::{FileError, ProtocolError};

/// Magic prefix of every binary zkmeter file.
pub const MAGIC: &[u8; 7] = b"ZKMETER";
/// Length of the header (magic, kind, version).
pub const HEADER_LEN: usize = 10;

/// Kinds of binary zkmeter files.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileKind {
    /// A meter period file (consumer side only).
    Period,
    /// A bill submission (sent to the utility).
    Submission,
}

impl FileKind {
    /// The kind byte.
    pub fn tag(self) -> u8 {
        match self {
            FileKind::Period => b'P',
            FileKind::Submission => b'S',
        }
    }

    /// Human name.
    pub fn name(self) -> &'static str {
        match self {
            FileKind::Period => "period",
            FileKind::Submission => "submission",
        }
    }

    /// Identifies the kind of a binary zkmeter file from its header, if it has one.
    pub fn sniff(bytes: &[u8]) -> Option<FileKind> {
        if bytes.len() < HEADER_LEN || &bytes[..7] != MAGIC {
            return None;
        }
        [FileKind::Period, FileKind::Submission]
            .into_iter()
            .find(|k| k.tag() == bytes[7])
    }
}

/// A binary zkmeter file type.
pub trait ZkFile: Serialize + DeserializeOwned {
    /// Its kind.
    const KIND: FileKind;
    /// The format version this build reads and writes.
    const VERSION: u16;
    /// Cap on the file size, checked before parsing.
    const CAP: u64;

    /// Checks every field after decoding.
    fn validate(&self) -> Result<(), ProtocolError>;

    /// Encodes with the envelope header.
    fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(HEADER_LEN + 1024);
        out.extend_from_slice(MAGIC);
        out.push(Self::KIND.tag());
        out.extend_from_slice(&Self::VERSION.to_le_bytes());
        out.extend(postcard::to_allocvec(self).expect("in-memory encoding cannot fail"));
        out
    }

    /// Decodes and validates: header, version, exact and canonical postcard body, fields.
    fn from_bytes(bytes: &[u8]) -> Result<Self, FileError> {
        let kind = Self::KIND.name();
        let malformed = |reason: String| FileError::Malformed { kind, reason };
        if bytes.len() as u64 > Self::CAP {
            return Err(malformed(format!(
                "{} bytes exceed the cap of {}",
                bytes.len(),
                Self::CAP
            )));
        }
        if bytes.len() < HEADER_LEN || &bytes[..7] != MAGIC {
            return Err(malformed("not a zkmeter file (bad magic)".into()));
        }
        if bytes[7] != Self::KIND.tag() {
            let found = FileKind::sniff(bytes).map_or("unknown", FileKind::name);
            return Err(malformed(format!("this is a {found} file")));
        }
        let version = u16::from_le_bytes([bytes[8], bytes[9]]);
        if version != Self::VERSION {
            return Err(FileError::UnsupportedVersion {
                kind,
                found: version,
                supported: Self::VERSION,
            });
        }
        let body = &bytes[HEADER_LEN..];
        let (value, rest): (Self, _) =
            postcard::take_from_bytes(body).map_err(|e| malformed(format!("{e}")))?;
        if !rest.is_empty() {
            return Err(malformed(format!("{} trailing bytes", rest.len())));
        }
        if postcard::to_allocvec(&value).map_err(|e| malformed(format!("{e}")))? != body {
            return Err(malformed("non-canonical encoding".into()));
        }
        value
            .validate()
            .map_err(|source| FileError::Invalid { kind, source })?;
        Ok(value)
    }

    /// Reads a file, capped at [`ZkFile::CAP`] before parsing.
    fn read(path: &Path) -> Result<Self, FileError> {
        Self::from_bytes(&crate::fs::read_capped(path, Self::CAP, Self::KIND.name())?)
    }

    /// Whether files of this kind hold secrets (readings, blinding value): written owner-only.
    const PRIVATE: bool;

    /// Writes the file atomically (temporary file, fsync, rename); owner-only if
    /// [`ZkFile::PRIVATE`].
    fn write(&self, path: &Path) -> Result<(), FileError> {
        crate::fs::write_atomic(path, &self.to_bytes(), Self::PRIVATE)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::encoding::FieldBytes;
    use crate::{Frame, MeterId, Period, SignatureBytes, Submission, UtcTime};
    use zkmeter_circuit::CircuitSize;

    fn period() -> Period {
        let frame = Frame::new(
            UtcTime::parse("2026-01-01T00:00:00Z").unwrap(),
            60,
            3,
            CircuitSize::Day15Min,
        )
        .unwrap();
        Period {
            meter_id: MeterId::new("m").unwrap(),
            frame,
            unit: crate::EnergyUnit::WH,
            import: vec![1, 200, 3],
            export: None,
            filled: 0,
            blinding: FieldBytes([7; 32]),
            commitment: FieldBytes([9; 32]),
            signature: SignatureBytes([1; 64]),
            meter_public_key: "pem".into(),
        }
    }

    #[test]
    fn round_trip_then_each_malformation_is_refused() {
        let p = period();
        let bytes = p.to_bytes();
        assert_eq!(Period::from_bytes(&bytes).unwrap(), p);

        let mut trailing = bytes.clone();
        trailing.push(0);
        assert!(matches!(
            Period::from_bytes(&trailing),
            Err(FileError::Malformed { reason, .. }) if reason.contains("trailing")
        ));

        let mut version = bytes.clone();
        version[8] = 1;
        assert!(matches!(
            Period::from_bytes(&version),
            Err(FileError::UnsupportedVersion { found: 1, .. })
        ));

        assert!(matches!(
            Submission::from_bytes(&bytes),
            Err(FileError::Malformed { reason, .. }) if reason.contains("period file")
        ));

        let mut magic = bytes.clone();
        magic[0] = b'X';
        assert!(matches!(
            Period::from_bytes(&magic),
            Err(FileError::Malformed { reason, .. }) if reason.contains("magic")
        ));
        assert!(Period::from_bytes(&bytes[..bytes.len() - 1]).is_err());
    }

    #[test]
    fn overlong_varints_are_non_canonical() {
        let p = period();
        let bytes = p.to_bytes();
        // The reading 200 is the varint c8 01; its first body byte after the meter id, frame,
        // unit and length is found by encoding. Re-encode 1 (the first reading, `01`) as `81 00`.
        let body = &bytes[HEADER_LEN..];
        let readings_at = postcard::to_allocvec(&(&p.meter_id, &p.frame, p.unit))
            .unwrap()
            .len()
            + 1;
        assert_eq!(body[readings_at], 1);
        let mut overlong = bytes[..HEADER_LEN + readings_at].to_vec();
        overlong.extend([0x81, 0x00]);
        overlong.extend(&body[readings_at + 1..]);
        match Period::from_bytes(&overlong) {
            Err(FileError::Malformed { reason, .. }) => {
                assert!(
                    reason.contains("canonical") || reason.contains("Varint"),
                    "{reason}"
                )
            }
            other => panic!("overlong varint accepted: {other:?}"),
        }
    }

    #[test]
    fn caps_are_checked_before_reading_everything() {
        let dir = std::env::temp_dir().join(format!("zkmeter-envelope-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let big = dir.join("big");
        std::fs::write(&big, vec![0u8; (Submission::CAP + 1) as usize]).unwrap();
        assert!(matches!(
            Submission::read(&big),
            Err(FileError::TooLarge { cap, .. }) if cap == Submission::CAP
        ));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[cfg(unix)]
    #[test]
    fn period_files_are_owner_only_and_writes_replace_atomically() {
        use std::os::unix::fs::PermissionsExt;
        let dir = std::env::temp_dir().join(format!("zkmeter-perm-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("period.bin");
        period().write(&path).unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        period().write(&path).unwrap(); // replaces
        assert_eq!(Period::read(&path).unwrap(), period());
        let leftovers: Vec<_> = std::fs::read_dir(&dir).unwrap().collect();
        assert_eq!(leftovers.len(), 1, "temporary files left behind");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
