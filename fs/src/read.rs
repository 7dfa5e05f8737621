//! Opening and reading a file whose path or content an outsider controls.
//!
//! A FIFO blocks `open(2)` for reading until a writer comes (forever, if none does), a device
//! can stream without end, and what a path names can change between two calls (a file swapped
//! for a FIFO or a link after a directory listing said "regular file"). So [`open_regular`]:
//!
//! 1. looks at the path (`lstat` under [`Links::Refuse`], `stat` under [`Links::Follow`]) and
//!    refuses anything but a regular file without opening it (opening a device can have side
//!    effects);
//! 2. opens it with `O_NONBLOCK` (a FIFO swapped in since step 1 opens at once instead of
//!    waiting for a writer), `O_NOFOLLOW` under [`Links::Refuse`] (a link swapped in fails to
//!    open), `O_NOCTTY` and `O_CLOEXEC`;
//! 3. `fstat`s the opened descriptor, which is what will be read whatever the path names by
//!    now, and refuses anything but a regular file.
//!
//! Outside Unix only steps 1 and 3 are taken (plain open; the checks on the path and on the
//! opened file stay). `O_NONBLOCK` is left set on the returned file: reads of a regular file
//! never block on it anyway. `O_NOFOLLOW` concerns the last component of the path only.

use std::fs::{File, FileType, Metadata};
use std::io::Read;
use std::path::Path;

/// Whether a symbolic link as the last component of the path may be followed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Links {
    /// A link is refused ([`NotRegular::Link`]): for files found in a directory an outsider
    /// fills (the batch job's input), where the walk never follows links either.
    Refuse,
    /// A link to a regular file is followed: for a path an operator names on the command line.
    /// Its target is checked like any path: only a regular file is opened.
    Follow,
}

/// What a path was when it was not a regular file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum NotRegular {
    /// A symbolic link (refused under [`Links::Refuse`]).
    Link,
    /// A directory.
    Directory,
    /// A named pipe.
    Fifo,
    /// A Unix domain socket.
    Socket,
    /// A block device.
    BlockDevice,
    /// A character device.
    CharDevice,
    /// Anything else that is not a regular file.
    Other,
}

impl NotRegular {
    /// What `ty` is when it is not a regular file; `None` for a regular file.
    pub fn of(ty: FileType) -> Option<Self> {
        if ty.is_file() {
            return None;
        }
        if ty.is_symlink() {
            return Some(NotRegular::Link);
        }
        if ty.is_dir() {
            return Some(NotRegular::Directory);
        }
        #[cfg(unix)]
        {
            use std::os::unix::fs::FileTypeExt;
            if ty.is_fifo() {
                return Some(NotRegular::Fifo);
            }
            if ty.is_socket() {
                return Some(NotRegular::Socket);
            }
            if ty.is_block_device() {
                return Some(NotRegular::BlockDevice);
            }
            if ty.is_char_device() {
                return Some(NotRegular::CharDevice);
            }
        }
        Some(NotRegular::Other)
    }
}

impl std::fmt::Display for NotRegular {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            NotRegular::Link => "a symbolic link (links are not followed)",
            NotRegular::Directory => "a directory",
            NotRegular::Fifo => "a named pipe (FIFO)",
            NotRegular::Socket => "a socket",
            NotRegular::BlockDevice => "a block device",
            NotRegular::CharDevice => "a character device",
            NotRegular::Other => "a special file",
        })
    }
}

/// Why [`open_regular`] or [`read_capped`] refused a path. The messages name no path: callers
/// add the one they want to show.
#[derive(Debug)]
#[non_exhaustive]
pub enum ReadError {
    /// The path is not a regular file (never read; a FIFO is never waited on).
    NotRegular(NotRegular),
    /// The file has more than `cap` bytes.
    TooLarge {
        /// The cap.
        cap: u64,
    },
    /// Looking at, opening or reading the file failed.
    Io(std::io::Error),
}

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReadError::NotRegular(found) => write!(f, "not a regular file: {found}"),
            ReadError::TooLarge { cap } => write!(f, "larger than the {cap}-byte cap"),
            ReadError::Io(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for ReadError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ReadError::Io(e) => Some(e),
            _ => None,
        }
    }
}

impl From<ReadError> for std::io::Error {
    /// [`ReadError::Io`] is its own error; the others become an error of kind `InvalidInput`
    /// (not a regular file) or `InvalidData` (too large) that wraps the [`ReadError`] itself
    /// (`get_ref().downcast_ref::<ReadError>()`).
    fn from(e: ReadError) -> Self {
        match e {
            ReadError::Io(e) => e,
            e @ ReadError::NotRegular(_) => {
                std::io::Error::new(std::io::ErrorKind::InvalidInput, e)
            }
            e @ ReadError::TooLarge { .. } => {
                std::io::Error::new(std::io::ErrorKind::InvalidData, e)
            }
        }
    }
}

/// Opens `path` for reading if, and only if, it is a regular file (a link to one under
/// [`Links::Follow`]); never blocks, whatever the path names (module docs: look at the path,
/// open non-blocking, `fstat` the descriptor).
///
/// # Errors
/// [`ReadError::NotRegular`] (a link under [`Links::Refuse`], a directory, FIFO, socket or
/// device, found before or after opening) or [`ReadError::Io`].
pub fn open_regular(path: &Path, links: Links) -> Result<File, ReadError> {
    refuse_special(&look(path, links).map_err(ReadError::Io)?)?;
    open_and_check(path, links)
}

/// Reads all of the regular file `path` if it has at most `cap` bytes ([`open_regular`]);
/// a larger file is refused by its size without being read, and never more than `cap + 1`
/// bytes are read (a file growing while read is refused too).
///
/// # Errors
/// [`ReadError::NotRegular`], [`ReadError::TooLarge`] or [`ReadError::Io`].
pub fn read_capped(path: &Path, cap: u64, links: Links) -> Result<Vec<u8>, ReadError> {
    let file = open_regular(path, links)?;
    let size = file.metadata().map_err(ReadError::Io)?.len();
    if size > cap {
        return Err(ReadError::TooLarge { cap });
    }
    let mut bytes = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
    file.take(cap.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(ReadError::Io)?;
    if bytes.len() as u64 > cap {
        return Err(ReadError::TooLarge { cap });
    }
    Ok(bytes)
}

/// `lstat` or `stat`, as `links` says.
fn look(path: &Path, links: Links) -> std::io::Result<Metadata> {
    match links {
        Links::Refuse => std::fs::symlink_metadata(path),
        Links::Follow => std::fs::metadata(path),
    }
}

fn refuse_special(meta: &Metadata) -> Result<(), ReadError> {
    match NotRegular::of(meta.file_type()) {
        Some(found) => Err(ReadError::NotRegular(found)),
        None => Ok(()),
    }
}

/// Steps 2 and 3: opens without blocking and checks what was opened. Safe on its own, whatever
/// `path` names (the look before it only spares opening a special file in the usual case).
fn open_and_check(path: &Path, links: Links) -> Result<File, ReadError> {
    let file = match open_nonblocking(path, links) {
        Ok(file) => file,
        Err(e) => return Err(failed_open(path, links, e)),
    };
    refuse_special(&file.metadata().map_err(ReadError::Io)?)?;
    Ok(file)
}

/// An open that failed because the path changed since it was looked at (`O_NOFOLLOW` on a link
/// fails with `ELOOP`, a socket with `ENXIO`): what is there now if it is not a regular file,
/// else the open's own error.
fn failed_open(path: &Path, links: Links, e: std::io::Error) -> ReadError {
    match look(path, links)
        .ok()
        .and_then(|m| NotRegular::of(m.file_type()))
    {
        Some(found) => ReadError::NotRegular(found),
        None => ReadError::Io(e),
    }
}

#[cfg(unix)]
fn open_nonblocking(path: &Path, links: Links) -> std::io::Result<File> {
    use std::os::unix::fs::OpenOptionsExt;
    let mut flags = libc::O_NONBLOCK | libc::O_NOCTTY | libc::O_CLOEXEC;
    if links == Links::Refuse {
        flags |= libc::O_NOFOLLOW;
    }
    std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(flags)
        .open(path)
}

#[cfg(not(unix))]
fn open_nonblocking(path: &Path, _links: Links) -> std::io::Result<File> {
    File::open(path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    /// Runs `f` on another thread and fails the test if it does not return within 10 s (a
    /// blocked open would otherwise hang the test run instead of failing it).
    fn within_seconds<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let _ = tx.send(f());
        });
        rx.recv_timeout(Duration::from_secs(10))
            .expect("the call blocked for 10 s")
    }

    #[cfg(unix)]
    fn mkfifo(path: &Path) {
        use std::os::unix::ffi::OsStrExt;
        let c = std::ffi::CString::new(path.as_os_str().as_bytes()).unwrap();
        // SAFETY: `c` is a valid NUL-terminated path that outlives the call.
        let rc = unsafe { libc::mkfifo(c.as_ptr(), 0o600) };
        assert_eq!(rc, 0, "mkfifo: {}", std::io::Error::last_os_error());
    }

    fn not_regular<T: std::fmt::Debug>(r: Result<T, ReadError>) -> NotRegular {
        match r {
            Err(ReadError::NotRegular(found)) => found,
            other => panic!("expected a refusal of a non-regular file, got {other:?}"),
        }
    }

    #[test]
    fn a_regular_file_is_read_whole_up_to_the_cap_and_a_larger_one_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        std::fs::write(&path, [7u8; 10]).unwrap();
        for links in [Links::Refuse, Links::Follow] {
            assert_eq!(read_capped(&path, 10, links).unwrap(), [7u8; 10]);
            assert!(matches!(
                read_capped(&path, 9, links),
                Err(ReadError::TooLarge { cap: 9 })
            ));
        }
        assert!(matches!(
            read_capped(&dir.path().join("missing"), 9, Links::Refuse),
            Err(ReadError::Io(e)) if e.kind() == std::io::ErrorKind::NotFound
        ));
        assert_eq!(
            read_capped(&path, 9, Links::Refuse)
                .unwrap_err()
                .to_string(),
            "larger than the 9-byte cap"
        );
    }

    #[test]
    fn a_directory_is_refused_before_and_after_opening() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("f");
        std::fs::write(&file, b"x").unwrap();
        assert!(open_and_check(&file, Links::Refuse).is_ok());
        for links in [Links::Refuse, Links::Follow] {
            assert_eq!(
                not_regular(read_capped(dir.path(), 100, links)),
                NotRegular::Directory
            );
            // The check on the opened descriptor alone refuses it too.
            assert_eq!(
                not_regular(open_and_check(dir.path(), links)),
                NotRegular::Directory
            );
        }
    }

    #[cfg(unix)]
    #[test]
    fn a_link_is_refused_as_a_link_or_followed_when_asked() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("target");
        std::fs::write(&target, b"bytes").unwrap();
        let link = dir.path().join("link");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        // Honest: the file itself, and the link when links may be followed.
        assert_eq!(read_capped(&target, 5, Links::Refuse).unwrap(), b"bytes");
        assert_eq!(read_capped(&link, 5, Links::Follow).unwrap(), b"bytes");
        // The link is refused as a link, by the look at the path ...
        let err = read_capped(&link, 5, Links::Refuse).unwrap_err();
        assert!(matches!(err, ReadError::NotRegular(NotRegular::Link)));
        assert_eq!(
            err.to_string(),
            "not a regular file: a symbolic link (links are not followed)"
        );
        // ... and by O_NOFOLLOW when it is swapped in after that look.
        assert_eq!(
            not_regular(open_and_check(&link, Links::Refuse)),
            NotRegular::Link
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_fifo_is_refused_at_once_even_when_swapped_in_after_the_look() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("pipe");
        std::fs::write(&path, b"x").unwrap();
        assert!(within_seconds({
            let path = path.clone();
            move || read_capped(&path, 10, Links::Refuse).is_ok()
        }));
        std::fs::remove_file(&path).unwrap();
        mkfifo(&path);
        // No writer ever comes: a blocking open would wait forever.
        for links in [Links::Refuse, Links::Follow] {
            let p = path.clone();
            let err = within_seconds(move || read_capped(&p, 10, links));
            assert_eq!(not_regular(err), NotRegular::Fifo);
            // The open itself (O_NONBLOCK) and the fstat refuse it without the look.
            let p = path.clone();
            let err = within_seconds(move || open_and_check(&p, links));
            assert_eq!(not_regular(err), NotRegular::Fifo);
        }
        let p = path.clone();
        let err = within_seconds(move || read_capped(&p, 10, Links::Refuse)).unwrap_err();
        assert_eq!(err.to_string(), "not a regular file: a named pipe (FIFO)");
        // A link to the FIFO: a link when refused, the FIFO when followed.
        let link = dir.path().join("link");
        std::os::unix::fs::symlink(&path, &link).unwrap();
        let l = link.clone();
        let err = within_seconds(move || read_capped(&l, 10, Links::Follow));
        assert_eq!(not_regular(err), NotRegular::Fifo);
        let err = within_seconds(move || read_capped(&link, 10, Links::Refuse));
        assert_eq!(not_regular(err), NotRegular::Link);
    }

    #[cfg(unix)]
    #[test]
    fn a_socket_and_a_device_are_refused_unopened() {
        let dir = tempfile::tempdir().unwrap();
        let sock = dir.path().join("sock");
        let _listener = std::os::unix::net::UnixListener::bind(&sock).unwrap();
        assert_eq!(
            not_regular(read_capped(&sock, 10, Links::Refuse)),
            NotRegular::Socket
        );
        // Opening a socket fails (ENXIO); the failure names what is there.
        assert_eq!(
            not_regular(open_and_check(&sock, Links::Refuse)),
            NotRegular::Socket
        );
        let zero = Path::new("/dev/zero");
        if zero.exists() {
            assert_eq!(
                not_regular(read_capped(zero, 10, Links::Follow)),
                NotRegular::CharDevice
            );
        }
    }

    #[test]
    fn refusals_convert_into_io_errors_that_keep_the_typed_error() {
        let e: std::io::Error = ReadError::NotRegular(NotRegular::Fifo).into();
        assert_eq!(e.kind(), std::io::ErrorKind::InvalidInput);
        assert!(matches!(
            e.get_ref().and_then(|r| r.downcast_ref::<ReadError>()),
            Some(ReadError::NotRegular(NotRegular::Fifo))
        ));
        assert_eq!(e.to_string(), "not a regular file: a named pipe (FIFO)");
    }
}
