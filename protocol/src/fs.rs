//! Files of the protocol: read under a size cap before parsing, written atomically. Both are
//! the `zkmeter-fs` functions with this crate's [`FileError`].

use std::path::Path;

use zkmeter_fs::CappedReadError;

pub use zkmeter_fs::{create_new_file, AtomicFile};

use crate::error::FileError;

/// Reads at most `cap` bytes of `path` (a `kind` file); a larger file is refused without
/// reading it all.
///
/// # Errors
/// [`FileError::Io`] or [`FileError::TooLarge`].
pub fn read_capped(path: &Path, cap: u64, kind: &'static str) -> Result<Vec<u8>, FileError> {
    zkmeter_fs::read_capped(path, cap).map_err(|e| match e {
        CappedReadError::Io(source) => FileError::Io {
            path: path.display().to_string(),
            source,
        },
        CappedReadError::TooLarge { cap } => FileError::TooLarge {
            path: path.display().to_string(),
            kind,
            cap,
        },
    })
}

/// Writes `bytes` to `path` atomically; `private` makes it owner-only (`zkmeter_fs`).
///
/// # Errors
/// [`FileError::Io`]; the target is then untouched.
pub fn write_atomic(path: &Path, bytes: &[u8], private: bool) -> Result<(), FileError> {
    zkmeter_fs::write_atomic(path, bytes, private).map_err(|source| FileError::Io {
        path: path.display().to_string(),
        source,
    })
}
