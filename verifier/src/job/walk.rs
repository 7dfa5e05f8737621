//! The walk over the input directory: every entry in byte order of its relative path,
//! streaming, symbolic links reported and never followed, and no error that ends the job once
//! the input directory itself was listed.
//!
//! Each thing the walk finds is one [`InputFile`], so one report row: a file (regular or not,
//! [`Found`]), or a directory it did not walk, either because it cannot be read (removed since
//! its parent was listed, permission denied, replaced by a link or a file) or because it is
//! more than [`MAX_DEPTH`] levels down. Such a directory's item is named with a trailing `/`
//! and sorts where its contents would have been.
//!
//! Two walks over a directory that changes in between (the job counts files with a first walk
//! for its progress display) may give different items; the count is only ever displayed.

use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};

use zkmeter_fs::NotRegular;

use crate::report::escape_file_name;

/// How deep the walk goes: the input directory is level 0, its subdirectories level 1, and
/// directories down to this level are listed; one deeper is reported as a [`Found::TooDeep`]
/// item and not listed. Bounds the walk's memory (one listing per level of the current path)
/// and the length of the paths it opens.
pub const MAX_DEPTH: usize = 32;

/// One thing found by the walk: one report row.
#[derive(Clone, Debug)]
pub struct InputFile {
    /// The path, under the input directory as given.
    pub path: PathBuf,
    /// Relative path with `/` separators, each name escaped by [`escape_file_name`] (so two
    /// different names never give the same text), as reported; a directory's ends with `/`.
    pub name: String,
    /// What the walk found there.
    pub found: Found,
}

/// What the walk found at a path.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Found {
    /// A regular file when its directory was listed: read (and checked again when opened,
    /// since it may have been replaced by then).
    Regular,
    /// A symbolic link or a special file (FIFO, socket, device): never opened.
    NotRegular(NotRegular),
    /// An entry whose type could not be read (the I/O error, no path).
    Unknown(String),
    /// A directory that cannot be listed (the I/O error, no path); nothing under it was walked.
    UnreadableDir(String),
    /// A directory more than [`MAX_DEPTH`] levels below the input directory: not listed.
    TooDeep,
}

impl InputFile {
    /// Why the job refuses this item without opening it; `None` for a regular file, which is
    /// read. The reason names no path.
    pub fn refusal(&self) -> Option<String> {
        match &self.found {
            Found::Regular => None,
            Found::NotRegular(found) => Some(format!("not a regular file: {found}")),
            Found::Unknown(e) => Some(format!("cannot read: {e}")),
            Found::UnreadableDir(e) => Some(format!("directory cannot be read: {e}")),
            Found::TooDeep => Some(format!("deeper than {MAX_DEPTH} levels: not walked")),
        }
    }
}

/// Walks `root` depth first; entries of each directory are sorted by their name bytes, a
/// directory's name taken with a trailing `/`, which gives exactly the byte order of the full
/// relative paths (raw bytes, before escaping). Symbolic links are reported, not followed.
pub struct Walk {
    /// The directories on the current path, the input directory first.
    stack: Vec<Dir>,
}

/// An open directory of the walk.
struct Dir {
    /// Its relative path (escaped) with a trailing `/`; empty for the input directory.
    prefix: String,
    /// Its entries not yet walked, in order.
    entries: std::vec::IntoIter<Entry>,
    /// Its path.
    path: PathBuf,
}

/// A directory entry: sort key, name, type.
struct Entry {
    key: Vec<u8>,
    name: OsString,
    ty: std::io::Result<std::fs::FileType>,
}

fn name_bytes(name: &OsStr) -> Vec<u8> {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        name.as_bytes().to_vec()
    }
    #[cfg(not(unix))]
    {
        name.to_string_lossy().as_bytes().to_vec()
    }
}

/// The entries of `dir`, sorted. An error listing it fails the whole directory (a partial
/// listing is never walked); an entry whose type cannot be read is kept, with its error.
fn sorted_entries(dir: &Path) -> std::io::Result<std::vec::IntoIter<Entry>> {
    let mut v = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let ty = entry.file_type();
        let name = entry.file_name();
        let mut key = name_bytes(&name);
        if ty.as_ref().is_ok_and(|t| t.is_dir()) {
            key.push(b'/');
        }
        v.push(Entry { key, name, ty });
    }
    v.sort_by(|a, b| a.key.cmp(&b.key));
    Ok(v.into_iter())
}

/// The entries of a subdirectory found by the listing of its parent. One replaced by a link
/// since then is refused rather than followed (this narrows that window; it cannot close it
/// without opening each directory relative to its parent's descriptor).
fn subdirectory_entries(dir: &Path) -> std::io::Result<std::vec::IntoIter<Entry>> {
    if std::fs::symlink_metadata(dir)?.file_type().is_symlink() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "replaced by a symbolic link (links are not followed)",
        ));
    }
    sorted_entries(dir)
}

impl Walk {
    /// Starts at `root` (which may be a link to a directory).
    ///
    /// # Errors
    /// `root` cannot be listed: the only error of a walk.
    pub fn new(root: &Path) -> std::io::Result<Self> {
        Ok(Walk {
            stack: vec![Dir {
                prefix: String::new(),
                entries: sorted_entries(root)?,
                path: root.to_owned(),
            }],
        })
    }
}

impl Iterator for Walk {
    type Item = InputFile;

    fn next(&mut self) -> Option<InputFile> {
        loop {
            // Levels of the directories on the current path below the input directory; an
            // entry of the top one that is a directory is one level deeper.
            let level = self.stack.len();
            let dir = self.stack.last_mut()?;
            let Some(entry) = dir.entries.next() else {
                self.stack.pop();
                continue;
            };
            let path = dir.path.join(&entry.name);
            let mut name = format!(
                "{}{}",
                dir.prefix,
                escape_file_name(&name_bytes(&entry.name))
            );
            let found = match entry.ty {
                Err(e) => Found::Unknown(e.to_string()),
                Ok(ty) if ty.is_dir() => {
                    name.push('/');
                    if level > MAX_DEPTH {
                        Found::TooDeep
                    } else {
                        match subdirectory_entries(&path) {
                            Ok(entries) => {
                                self.stack.push(Dir {
                                    prefix: name,
                                    entries,
                                    path,
                                });
                                continue;
                            }
                            Err(e) => Found::UnreadableDir(e.to_string()),
                        }
                    }
                }
                Ok(ty) => NotRegular::of(ty).map_or(Found::Regular, Found::NotRegular),
            };
            return Some(InputFile { path, name, found });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn touch(root: &Path, rel: &str) {
        let p = root.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, b"x").unwrap();
    }

    fn names(walk: impl Iterator<Item = InputFile>) -> Vec<String> {
        walk.map(|f| f.name).collect()
    }

    #[test]
    fn the_walk_gives_byte_order_of_relative_paths_and_reports_links() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        for f in [
            "a-b.bin",
            "a/x.bin",
            "a/b/c.bin",
            "B.bin",
            "a.bin",
            "z/y/x.bin",
        ] {
            touch(root, f);
        }
        #[cfg(unix)]
        std::os::unix::fs::symlink(root.join("a.bin"), root.join("link.bin")).unwrap();
        let walked: Vec<InputFile> = Walk::new(root).unwrap().collect();
        let names: Vec<&str> = walked.iter().map(|f| f.name.as_str()).collect();
        let mut sorted = names.clone();
        sorted.sort();
        assert_eq!(names, sorted);
        assert_eq!(names[..4], ["B.bin", "a-b.bin", "a.bin", "a/b/c.bin"]);
        #[cfg(unix)]
        assert!(walked.iter().any(|f| f.name == "link.bin"
            && f.found == Found::NotRegular(NotRegular::Link)
            && f.refusal().unwrap()
                == "not a regular file: a symbolic link (links are not followed)"));
        assert!(walked
            .iter()
            .filter(|f| f.name != "link.bin")
            .all(|f| f.found == Found::Regular && f.refusal().is_none()));
    }

    #[test]
    fn a_tree_deeper_than_the_cap_is_one_item_and_the_walk_goes_on() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        // Honest: MAX_DEPTH levels of directories are walked to the file at the bottom.
        let at_cap = "d/".repeat(MAX_DEPTH);
        touch(root, &format!("{at_cap}in.bin"));
        touch(root, "z.bin");
        assert_eq!(
            names(Walk::new(root).unwrap()),
            [format!("{at_cap}in.bin"), "z.bin".into()]
        );
        // One level more: that directory is an item of its own, not listed, and the walk goes
        // on with what follows it.
        touch(root, &format!("{at_cap}e/out.bin"));
        let walked: Vec<InputFile> = Walk::new(root).unwrap().collect();
        assert_eq!(
            names(walked.iter().cloned()),
            [
                format!("{at_cap}e/"),
                format!("{at_cap}in.bin"),
                "z.bin".into()
            ]
        );
        assert_eq!(walked[0].found, Found::TooDeep);
        assert_eq!(
            walked[0].refusal().unwrap(),
            format!("deeper than {MAX_DEPTH} levels: not walked")
        );
        assert_eq!(Walk::new(root).unwrap().count(), 3);
    }

    #[test]
    fn a_directory_removed_or_replaced_mid_walk_is_one_item_and_the_walk_goes_on() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        for f in ["a.bin", "b/1.bin", "b/2.bin", "c/1.bin", "d.bin"] {
            touch(root, f);
        }
        // Honest: everything is walked.
        assert_eq!(
            names(Walk::new(root).unwrap()),
            ["a.bin", "b/1.bin", "b/2.bin", "c/1.bin", "d.bin"]
        );
        // The input directory is listed when the walk starts; b/ and c/ when it gets there.
        let mut walk = Walk::new(root).unwrap();
        assert_eq!(walk.next().unwrap().name, "a.bin");
        std::fs::remove_dir_all(root.join("b")).unwrap();
        std::fs::remove_dir_all(root.join("c")).unwrap();
        std::fs::write(root.join("c"), b"now a file").unwrap();
        let rest: Vec<InputFile> = walk.collect();
        assert_eq!(names(rest.iter().cloned()), ["b/", "c/", "d.bin"]);
        assert!(matches!(&rest[0].found, Found::UnreadableDir(_)));
        let reason = rest[0].refusal().unwrap();
        assert!(
            reason.starts_with("directory cannot be read: No such file or directory"),
            "{reason}"
        );
        assert!(!reason.contains(&root.display().to_string()), "{reason}");
        let reason = rest[1].refusal().unwrap();
        assert!(
            reason.starts_with("directory cannot be read: Not a directory"),
            "{reason}"
        );
        assert_eq!(rest[2].found, Found::Regular);
    }

    #[cfg(unix)]
    #[test]
    fn a_directory_replaced_by_a_link_mid_walk_is_not_followed() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("in");
        touch(&root, "a.bin");
        touch(&root, "b/1.bin");
        touch(dir.path(), "elsewhere/secret.bin");
        let mut walk = Walk::new(&root).unwrap();
        assert_eq!(walk.next().unwrap().name, "a.bin");
        std::fs::remove_dir_all(root.join("b")).unwrap();
        std::os::unix::fs::symlink(dir.path().join("elsewhere"), root.join("b")).unwrap();
        let rest: Vec<InputFile> = walk.collect();
        assert_eq!(names(rest.iter().cloned()), ["b/"]);
        assert_eq!(
            rest[0].refusal().unwrap(),
            "directory cannot be read: replaced by a symbolic link (links are not followed)"
        );
    }

    #[cfg(unix)]
    #[test]
    fn an_unreadable_directory_is_one_item_and_the_walk_goes_on() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        for f in ["a/1.bin", "b/1.bin", "c.bin"] {
            touch(root, f);
        }
        assert_eq!(
            names(Walk::new(root).unwrap()),
            ["a/1.bin", "b/1.bin", "c.bin"]
        );
        let locked = root.join("b");
        std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).unwrap();
        let readable_anyway = std::fs::read_dir(&locked).is_ok();
        let walked: Vec<InputFile> = Walk::new(root).unwrap().collect();
        std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o755)).unwrap();
        if readable_anyway {
            eprintln!(
                "skipped: this process reads a mode-000 directory (root?), so permissions \
                 cannot make one unreadable here"
            );
            return;
        }
        assert_eq!(names(walked.iter().cloned()), ["a/1.bin", "b/", "c.bin"]);
        assert_eq!(
            walked[1].refusal().unwrap(),
            "directory cannot be read: Permission denied (os error 13)"
        );
    }

    #[cfg(unix)]
    #[test]
    fn names_that_are_not_utf8_are_escaped_and_kept_in_raw_byte_order() {
        use std::os::unix::ffi::OsStrExt;
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        for raw in [
            &b"a\xe9.bin"[..],
            "a\u{fffd}.bin".as_bytes(),
            b"a\\xe9.bin",
            b"d\xff/x.bin",
        ] {
            let p = root.join(OsStr::from_bytes(raw));
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, b"x").unwrap();
        }
        // Raw byte order: `\` (0x5c) < 0xe9 < 0xef (first byte of U+FFFD); d\xff/ last.
        assert_eq!(
            names(Walk::new(root).unwrap()),
            [
                "a\\\\xe9.bin",
                "a\\xe9.bin",
                "a\u{fffd}.bin",
                "d\\xff/x.bin"
            ]
        );
    }
}
