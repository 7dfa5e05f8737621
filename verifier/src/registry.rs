//! The utility's meter registry: meter id -> registered public key and revoked flag.
//!
//! # File format (`zkmeter-registry`, JSON Lines)
//!
//! UTF-8 text, one JSON object per line, `\n` or `\r\n` line ends; blank lines and lines whose
//! first non-blank character is `#` are ignored. Every other line is exactly:
//!
//! ```text
//! {"meter_id":"meter-0001","public_key":"-----BEGIN PUBLIC KEY-----\n...\n-----END PUBLIC KEY-----\n","revoked":false}
//! ```
//!
//! * `meter_id`: 1-64 characters of `[A-Za-z0-9._-]` (as in submissions), unique in the file;
//! * `public_key`: the meter's SPKI PEM P-256 public key (as `zkmeter meter keygen` writes
//!   `meter.pub`), at most [`MAX_LINE_BYTES`] with the rest of the line;
//! * `revoked`: `true` once the meter is withdrawn; its submissions are then rejected;
//! * `plan` (optional, after `revoked`): the rate plan the meter is billed under (1-64
//!   characters of `[A-Za-z0-9._-]`); a line without it is billed under the default plan
//!   (`"default"`), so registries written before plans existed keep working. A submission is
//!   checked against its meter's plan's tariff for the period (docs/batch.md, "Rate plans").
//!
//! Unknown fields are refused. One line per meter keeps the file streamable and diffable,
//! and a line number in every error. The whole registry is checked when it is loaded: a file
//! that does not parse is a reason for the batch job not to run, never a per-bill rejection.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

use serde::{Deserialize, Serialize};
use thiserror::Error;
use zkmeter_protocol::{MeterId, MeterPublicKey, PlanId};

/// Cap on one registry line (an SPKI PEM P-256 key is under 200 bytes).
pub const MAX_LINE_BYTES: usize = 4096;

/// One registry line.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegistryLine {
    /// The meter id.
    pub meter_id: MeterId,
    /// SPKI PEM public key.
    pub public_key: String,
    /// Whether the meter is withdrawn.
    pub revoked: bool,
    /// The rate plan the meter is billed under (`None`: the default plan; not written).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plan: Option<PlanId>,
}

impl RegistryLine {
    /// The line as written in a registry file (no trailing newline).
    pub fn to_line(&self) -> String {
        serde_json::to_string(self).expect("in-memory encoding cannot fail")
    }
}

/// A registered meter.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RegisteredMeter {
    /// Its public key.
    pub key: MeterPublicKey,
    /// Whether it is withdrawn.
    pub revoked: bool,
    /// The rate plan it is billed under (the default plan when its line names none).
    pub plan: PlanId,
}

/// Why a registry could not be loaded.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum RegistryError {
    /// The file cannot be read.
    #[error("cannot read meter registry {path}: {source}")]
    Io {
        /// The path.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A line is invalid.
    #[error("meter registry line {line}: {reason}")]
    Line {
        /// 1-based line number.
        line: usize,
        /// What is wrong.
        reason: String,
    },
}

/// The loaded registry.
#[derive(Clone, Debug, Default)]
pub struct Registry {
    meters: HashMap<MeterId, RegisteredMeter>,
}

impl Registry {
    /// Reads and checks a registry file. Only a regular file (or a link to one) is read, and
    /// opening never blocks ([`zkmeter_fs::open_regular`]): a FIFO is refused at once.
    pub fn read(path: &Path) -> Result<Self, RegistryError> {
        let file = zkmeter_fs::open_regular(path, zkmeter_fs::Links::Follow).map_err(|e| {
            RegistryError::Io {
                path: path.display().to_string(),
                source: e.into(),
            }
        })?;
        Self::from_reader(file).map_err(|e| match e {
            RegistryError::Io { source, .. } => RegistryError::Io {
                path: path.display().to_string(),
                source,
            },
            other => other,
        })
    }

    /// Parses a registry from a reader (streaming; each line capped at [`MAX_LINE_BYTES`]).
    pub fn from_reader(reader: impl Read) -> Result<Self, RegistryError> {
        let mut reader = BufReader::new(reader);
        let mut meters = HashMap::new();
        let mut buf = Vec::new();
        let mut line = 0usize;
        loop {
            line += 1;
            buf.clear();
            let read = (&mut reader)
                .take(MAX_LINE_BYTES as u64 + 1)
                .read_until(b'\n', &mut buf)
                .map_err(|source| RegistryError::Io {
                    path: String::new(),
                    source,
                })?;
            if read == 0 {
                break;
            }
            let bad = |reason: String| RegistryError::Line { line, reason };
            if buf.len() > MAX_LINE_BYTES {
                return Err(bad(format!("longer than {MAX_LINE_BYTES} bytes")));
            }
            let text = std::str::from_utf8(&buf).map_err(|_| bad("not UTF-8".into()))?;
            let text = text.trim();
            if text.is_empty() || text.starts_with('#') {
                continue;
            }
            let entry: RegistryLine = serde_json::from_str(text).map_err(|e| bad(e.to_string()))?;
            let key = MeterPublicKey::from_pem_str(&entry.public_key)
                .map_err(|e| bad(format!("meter {}: {e}", entry.meter_id)))?;
            let meter = RegisteredMeter {
                key,
                revoked: entry.revoked,
                plan: entry.plan.unwrap_or_else(PlanId::default_plan),
            };
            if meters.insert(entry.meter_id.clone(), meter).is_some() {
                return Err(bad(format!("meter {} is listed twice", entry.meter_id)));
            }
        }
        Ok(Registry { meters })
    }

    /// Builds a registry in memory.
    pub fn from_meters(meters: impl IntoIterator<Item = (MeterId, RegisteredMeter)>) -> Self {
        Registry {
            meters: meters.into_iter().collect(),
        }
    }

    /// Looks a meter up.
    pub fn get(&self, id: &MeterId) -> Option<&RegisteredMeter> {
        self.meters.get(id)
    }

    /// Number of meters.
    pub fn len(&self) -> usize {
        self.meters.len()
    }

    /// Whether it lists no meter.
    pub fn is_empty(&self) -> bool {
        self.meters.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use p256::ecdsa::SigningKey;
    use p256::elliptic_curve::Generate;

    /// A P-256 public key, deterministic in `seed`.
    fn pem(seed: u8) -> String {
        use rand_core::SeedableRng;
        let mut rng = rand_chacha::ChaCha20Rng::from_seed([seed; 32]);
        let key = SigningKey::try_generate_from_rng(&mut rng).unwrap();
        MeterPublicKey::from(*key.verifying_key()).to_pem().unwrap()
    }

    fn line(id: &str, seed: u8, revoked: bool) -> String {
        RegistryLine {
            meter_id: MeterId::new(id).unwrap(),
            public_key: pem(seed),
            revoked,
            plan: None,
        }
        .to_line()
    }

    #[test]
    fn a_valid_registry_loads_and_each_corruption_is_refused_with_its_line() {
        let honest = format!(
            "# meters\n{}\r\n\n{}\n",
            line("m-1", 1, false),
            line("m-2", 2, true)
        );
        let r = Registry::from_reader(honest.as_bytes()).unwrap();
        assert_eq!(r.len(), 2);
        assert!(!r.get(&MeterId::new("m-1").unwrap()).unwrap().revoked);
        assert!(r.get(&MeterId::new("m-2").unwrap()).unwrap().revoked);

        let err = |text: String| {
            Registry::from_reader(text.as_bytes())
                .unwrap_err()
                .to_string()
        };
        let twice = format!("{}\n{}\n", line("m-1", 1, false), line("m-1", 2, false));
        assert!(err(twice).contains("line 2: meter m-1 is listed twice"));
        let bad_key = line("m-1", 1, false).replace("MFkw", "MFkx");
        assert!(err(bad_key).contains("line 1: meter m-1"));
        let bad_id = line("m-1", 1, false).replace("m-1", "m 1");
        assert!(err(bad_id).contains("bad meter id"));
        let unknown = line("m-1", 1, false).replace("\"revoked\"", "\"extra\":1,\"revoked\"");
        assert!(err(unknown).contains("unknown field"));
        assert!(err(format!("x{}\n", "a".repeat(MAX_LINE_BYTES))).contains("longer than"));
        assert!(err("\u{0}\u{ff}".into()).contains("line 1"));
        let not_utf8 = Registry::from_reader(&b"\xff\xfe\n"[..]).unwrap_err();
        assert!(not_utf8.to_string().contains("not UTF-8"));
    }

    #[test]
    fn a_line_names_its_plan_and_a_line_without_one_is_of_the_default_plan() {
        // A line as written before plans existed: no plan field, the default plan.
        let old = line("m-1", 1, false);
        assert!(!old.contains("plan"));
        let hourly = RegistryLine {
            meter_id: MeterId::new("m-2").unwrap(),
            public_key: pem(2),
            revoked: false,
            plan: Some(PlanId::new("hourly").unwrap()),
        }
        .to_line();
        assert!(hourly.ends_with(",\"plan\":\"hourly\"}"), "{hourly}");
        let r = Registry::from_reader(format!("{old}\n{hourly}\n").as_bytes()).unwrap();
        let plan = |id: &str| r.get(&MeterId::new(id).unwrap()).unwrap().plan.clone();
        assert_eq!(plan("m-1"), PlanId::default_plan());
        assert_eq!(plan("m-2").as_str(), "hourly");

        // A malformed plan id is refused with its line.
        let bad = hourly.replace("\"hourly\"", "\"hour ly\"");
        let err = Registry::from_reader(format!("{old}\n{bad}\n").as_bytes()).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("meter registry line 2: bad plan id 'hour ly'"),
            "{err}"
        );
    }
}
