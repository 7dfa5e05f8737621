//! # zkmeter-fs
//!
//! The one way zkmeter writes a file that must never be seen half-written (parameters, period
//! and submission files, batch reports and summaries), and reads one whose size an outsider
//! controls.
//!
//! Promises of [`AtomicFile`] and [`write_atomic`]:
//! * the target is either its old content or the complete new content, never a mix: bytes go
//!   to a temporary file beside it (`.NAME.partial-PID-N`), which is synced, renamed over the
//!   target, and the directory synced (best effort);
//! * the temporary file is created exclusively (never following a planted link), owner-only
//!   when `private` (mode 0600 on Unix), 0644 otherwise;
//! * a temporary file left by a killed process of the same target is removed on the next
//!   write (Unix: when no process of its PID runs); on any error the temporary file is removed.
//!
//! Promises of [`open_regular`] and [`read_capped`] (module `read`): only a regular file is
//! ever read, opening never blocks (a FIFO or a device is refused, even one swapped in for the
//! path between two calls), a symbolic link is refused when asked ([`Links::Refuse`]), and at
//! most `cap + 1` bytes are read, so a larger file is refused without reading it all.

#![deny(missing_docs)]

mod read;

pub use read::{open_regular, read_capped, Links, NotRegular, ReadError};

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// Infix of temporary files: `.NAME.partial-PID-N`.
const PARTIAL: &str = ".partial-";

/// A file being written, put in place by [`AtomicFile::commit`]; dropped uncommitted, it is
/// removed and the target is untouched.
#[derive(Debug)]
pub struct AtomicFile {
    target: PathBuf,
    tmp: PathBuf,
    out: Option<BufWriter<File>>,
}

fn dir_of(path: &Path) -> &Path {
    match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    }
}

impl AtomicFile {
    /// Starts writing `target`; `private` makes the file readable by its owner only.
    ///
    /// # Errors
    /// An I/O error creating the temporary file, or a target with no file name.
    pub fn create(target: &Path, private: bool) -> std::io::Result<Self> {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let dir = dir_of(target);
        let name = target
            .file_name()
            .ok_or_else(|| std::io::Error::other("path has no file name"))?
            .to_string_lossy()
            .into_owned();
        remove_leftovers(dir, &name);
        let tmp = dir.join(format!(
            ".{name}{PARTIAL}{}-{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        let file = create_new_file(&tmp, private)?;
        Ok(AtomicFile {
            target: target.to_owned(),
            tmp,
            out: Some(BufWriter::new(file)),
        })
    }

    fn out(&mut self) -> std::io::Result<&mut BufWriter<File>> {
        self.out
            .as_mut()
            .ok_or_else(|| std::io::Error::other("atomic file already committed"))
    }

    /// Appends bytes.
    ///
    /// # Errors
    /// The underlying write's error.
    pub fn write(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.out()?.write_all(bytes)
    }

    /// Flushes and syncs the temporary file (it is complete, not yet in place).
    ///
    /// # Errors
    /// The flush's or sync's error.
    pub fn sync(&mut self) -> std::io::Result<()> {
        let out = self.out()?;
        out.flush()?;
        out.get_ref().sync_all()
    }

    /// Syncs and renames the file into place, then syncs the directory (best effort).
    ///
    /// # Errors
    /// The sync's or rename's error (the temporary file is then removed).
    pub fn commit(mut self) -> std::io::Result<()> {
        self.sync()?;
        drop(self.out.take());
        if let Err(e) = std::fs::rename(&self.tmp, &self.target) {
            let _ = std::fs::remove_file(&self.tmp);
            return Err(e);
        }
        if let Ok(d) = File::open(dir_of(&self.target)) {
            let _ = d.sync_all();
        }
        Ok(())
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        if self.out.take().is_some() {
            let _ = std::fs::remove_file(&self.tmp);
        }
    }
}

/// Writes `bytes` to `path` atomically ([`AtomicFile`]); `private`: owner-only.
///
/// # Errors
/// Any I/O error; the target is then untouched and no temporary file is left.
pub fn write_atomic(path: &Path, bytes: &[u8], private: bool) -> std::io::Result<()> {
    let mut f = AtomicFile::create(path, private)?;
    f.write(bytes)?;
    f.commit()
}

/// Creates `path` for writing, failing if anything (a file, a planted link) is already there;
/// `private` makes it owner-only (mode 0600 on Unix, else 0644).
///
/// # Errors
/// `AlreadyExists` when something is at `path`, or another I/O error.
pub fn create_new_file(path: &Path, private: bool) -> std::io::Result<File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(if private { 0o600 } else { 0o644 });
    }
    #[cfg(not(unix))]
    let _ = private;
    options.open(path)
}

/// Removes `.NAME.partial-PID-N` files of `dir` left by processes that no longer run.
fn remove_leftovers(dir: &Path, name: &str) {
    let prefix = format!(".{name}{PARTIAL}");
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let file_name = entry.file_name();
        let Some(rest) = file_name.to_str().and_then(|n| n.strip_prefix(&prefix)) else {
            continue;
        };
        let pid = rest.split('-').next().and_then(|p| p.parse::<u32>().ok());
        if pid.is_some_and(|pid| pid != std::process::id() && !process_runs(pid)) {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// Whether a process with this PID runs (Linux: `/proc/PID`; elsewhere assumed running, so
/// nothing is removed that might still be written).
fn process_runs(pid: u32) -> bool {
    if cfg!(target_os = "linux") {
        Path::new("/proc").join(pid.to_string()).exists()
    } else {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    #[test]
    fn writes_replace_the_target_and_leave_nothing_behind() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("r.csv");
        write_atomic(&target, b"one", false).unwrap();
        write_atomic(&target, b"two", false).unwrap();
        assert_eq!(std::fs::read(&target).unwrap(), b"two");
        assert_eq!(names(dir.path()), ["r.csv"]);
    }

    #[test]
    fn an_uncommitted_file_leaves_the_target_untouched() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("r.csv");
        write_atomic(&target, b"old", false).unwrap();
        let mut f = AtomicFile::create(&target, false).unwrap();
        f.write(b"new, half").unwrap();
        f.sync().unwrap();
        assert_eq!(std::fs::read(&target).unwrap(), b"old");
        drop(f);
        assert_eq!(std::fs::read(&target).unwrap(), b"old");
        assert_eq!(names(dir.path()), ["r.csv"]);
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn leftovers_of_dead_processes_are_removed_and_live_ones_kept() {
        let dir = tempfile::tempdir().unwrap();
        // PID 2^22 + 1 is above Linux's PID limit: no such process runs.
        let dead = format!(".r.csv{PARTIAL}{}-0", (1u32 << 22) + 1);
        let live = format!(".r.csv{PARTIAL}1-0"); // PID 1 always runs
        std::fs::write(dir.path().join(&dead), b"left by a killed run").unwrap();
        std::fs::write(dir.path().join(&live), b"being written").unwrap();
        write_atomic(&dir.path().join("r.csv"), b"x", false).unwrap();
        assert_eq!(names(dir.path()), [live.as_str(), "r.csv"]);
    }

    #[cfg(unix)]
    #[test]
    fn private_files_are_owner_only_and_links_are_never_followed() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("p.bin");
        write_atomic(&target, b"secret", true).unwrap();
        let mode = std::fs::metadata(&target).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        let planted = dir.path().join("planted");
        std::os::unix::fs::symlink(dir.path().join("elsewhere"), &planted).unwrap();
        let err = create_new_file(&planted, false).unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::AlreadyExists);
        assert!(!dir.path().join("elsewhere").exists());
    }
}
