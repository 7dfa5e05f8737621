//! Files of the protocol: read under a size cap before parsing, written atomically. Both are
//! the `zkmeter-fs` functions with this crate's [`FileError`].

use std::path::Path;

use zkmeter_fs::{Links, ReadError};

pub use zkmeter_fs::{create_new_file, AtomicFile};

use crate::error::FileError;

/// Reads at most `cap` bytes of `path` (a `kind` file); a larger file is refused without
/// reading it all. Only a regular file is read, and opening never blocks
/// ([`zkmeter_fs::open_regular`]): a FIFO, socket, device or directory is refused at once. A
/// symbolic link the caller names is followed to its target, which must be a regular file.
///
/// # Errors
/// [`FileError::TooLarge`], or [`FileError::Io`]; for a path that is not a regular file, its
/// source is of kind `InvalidInput` and wraps [`ReadError::NotRegular`], and its message says
/// what the path is (`cannot read PATH: not a regular file: a named pipe (FIFO)`).
pub fn read_capped(path: &Path, cap: u64, kind: &'static str) -> Result<Vec<u8>, FileError> {
    zkmeter_fs::read_capped(path, cap, Links::Follow).map_err(|e| match e {
        ReadError::TooLarge { cap } => FileError::TooLarge {
            path: path.display().to_string(),
            kind,
            cap,
        },
        other => FileError::Io {
            path: path.display().to_string(),
            source: other.into(),
        },
    })
}

/// Writes `bytes` to `path` atomically; `private` makes it owner-only (`zkmeter_fs`).
///
/// # Errors
/// [`FileError::Write`]; the target is then untouched.
pub fn write_atomic(path: &Path, bytes: &[u8], private: bool) -> Result<(), FileError> {
    zkmeter_fs::write_atomic(path, bytes, private).map_err(|source| FileError::Write {
        path: path.display().to_string(),
        source,
    })
}
