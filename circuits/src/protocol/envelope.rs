//! The versioned binary envelope of period and submission files, size caps and atomic writes.
//!
//! ```text
//! offset 0  7 bytes  magic "ZKMETER"
//! offset 7  1 byte   kind: b'P' period, b'S' submission
//! offset 8  2 bytes  format version, little-endian u16
//! offset 10 ...      postcard 1.x encoding of the object (must be consumed exactly, and be the
//!                    canonical encoding: re-encoding gives the same bytes)
//! ```

use std::io::{Read, Write};
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
        Self::from_bytes(&read_capped(path, Self::CAP, Self::KIND.name())?)
    }

    /// Writes the file atomically (temporary file, fsync, rename).
    fn write(&self, path: &Path) -> Result<(), FileError> {
        write_atomic(path, &self.to_bytes())
    }
}

/// Reads at most `cap` bytes of `path`; a larger file is refused without reading it all.
pub fn read_capped(path: &Path, cap: u64, kind: &'static str) -> Result<Vec<u8>, FileError> {
    let io = |source| FileError::Io {
        path: path.display().to_string(),
        source,
    };
    let file = std::fs::File::open(path).map_err(io)?;
    let mut bytes = Vec::new();
    file.take(cap + 1).read_to_end(&mut bytes).map_err(io)?;
    if bytes.len() as u64 > cap {
        return Err(FileError::TooLarge {
            path: path.display().to_string(),
            kind,
            cap,
        });
    }
    Ok(bytes)
}

/// Writes `bytes` to `path` atomically: a temporary file beside it, fsync, rename.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), FileError> {
    let io = |source| FileError::Io {
        path: path.display().to_string(),
        source,
    };
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let name = path
        .file_name()
        .ok_or_else(|| io(std::io::Error::other("path has no file name")))?;
    let tmp = dir.join(format!(
        ".{}.tmp-{}",
        name.to_string_lossy(),
        std::process::id()
    ));
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)?;
        if let Ok(d) = std::fs::File::open(dir) {
            let _ = d.sync_all();
        }
        Ok(())
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result.map_err(io)
}
