//! The walk over the input directory: files in byte order of their relative paths, streaming,
//! symbolic links reported and never followed.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

/// One input file found by the walk.
#[derive(Clone, Debug)]
pub struct InputFile {
    /// Absolute (or input-relative) path.
    pub path: PathBuf,
    /// Relative path with `/` separators (lossy UTF-8), as reported.
    pub name: String,
    /// Whether it is a regular file (else: a link or special file, rejected).
    pub regular: bool,
}

/// Walks `root` depth first; entries of each directory are sorted by their name bytes, a
/// directory's name taken with a trailing `/`, which gives exactly the byte order of the full
/// relative paths. Symbolic links are reported, not followed.
pub struct Walk {
    /// Per open directory: its relative prefix, its remaining sorted entries, its path.
    stack: Vec<(String, Entries, PathBuf)>,
}

/// A directory's entries: sort key, name, type.
type Entries = std::vec::IntoIter<(Vec<u8>, OsString, std::fs::FileType)>;

fn name_bytes(name: &std::ffi::OsStr) -> Vec<u8> {
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

fn sorted_entries(dir: &Path) -> std::io::Result<Entries> {
    let mut v = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let ty = entry.file_type()?;
        let name = entry.file_name();
        let mut key = name_bytes(&name);
        if ty.is_dir() {
            key.push(b'/');
        }
        v.push((key, name, ty));
    }
    v.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(v.into_iter())
}

impl Walk {
    /// Starts at `root`.
    pub fn new(root: &Path) -> std::io::Result<Self> {
        Ok(Walk {
            stack: vec![(String::new(), sorted_entries(root)?, root.to_owned())],
        })
    }
}

impl Iterator for Walk {
    type Item = std::io::Result<InputFile>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let (prefix, entries, dir) = self.stack.last_mut()?;
            let Some((_, name, ty)) = entries.next() else {
                self.stack.pop();
                continue;
            };
            let path = dir.join(&name);
            let rel = format!("{prefix}{}", name.to_string_lossy());
            if ty.is_dir() {
                match sorted_entries(&path) {
                    Ok(e) => self.stack.push((format!("{rel}/"), e, path)),
                    Err(e) => return Some(Err(e)),
                }
                continue;
            }
            return Some(Ok(InputFile {
                path,
                name: rel,
                regular: ty.is_file(),
            }));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
            let p = root.join(f);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, b"x").unwrap();
        }
        #[cfg(unix)]
        std::os::unix::fs::symlink(root.join("a.bin"), root.join("link.bin")).unwrap();
        let walked: Vec<InputFile> = Walk::new(root).unwrap().map(Result::unwrap).collect();
        let names: Vec<&str> = walked.iter().map(|f| f.name.as_str()).collect();
        let mut sorted = names.clone();
        sorted.sort();
        assert_eq!(names, sorted);
        assert_eq!(names[..4], ["B.bin", "a-b.bin", "a.bin", "a/b/c.bin"]);
        #[cfg(unix)]
        assert!(walked.iter().any(|f| f.name == "link.bin" && !f.regular));
        assert!(walked
            .iter()
            .filter(|f| f.name != "link.bin")
            .all(|f| f.regular));
    }
}
