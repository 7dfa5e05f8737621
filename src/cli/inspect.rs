//! `zkmeter inspect`: a JSON view of any zkmeter file.

use std::path::PathBuf;

use clap::Args;
use zkmeter_protocol::{envelope::FileKind, fs::read_capped, Period, Submission, Tariff, ZkFile};

use super::{usage, CliError};

#[derive(Debug, Args)]
pub struct InspectArgs {
    /// A period file, submission or tariff file.
    file: PathBuf,
}

pub fn run(args: InspectArgs) -> Result<(), CliError> {
    let cap = Period::CAP
        .max(Submission::CAP)
        .max(zkmeter_protocol::tariff::TARIFF_CAP);
    let bytes = read_capped(&args.file, cap, "zkmeter").map_err(|e| usage("inspect", e))?;
    let rejected = |e: zkmeter_protocol::FileError| {
        CliError::Rejected(format!("{}: {e}", args.file.display()))
    };
    let json = match FileKind::sniff(&bytes) {
        Some(FileKind::Period) => to_json("period", &Period::from_bytes(&bytes).map_err(rejected)?),
        Some(FileKind::Submission) => to_json(
            "submission",
            &Submission::from_bytes(&bytes).map_err(rejected)?,
        ),
        None => to_json(
            "tariff",
            &Tariff::from_json(&bytes).map_err(|e| {
                CliError::Rejected(format!(
                    "{}: not a zkmeter period or submission, and not a tariff: {e}",
                    args.file.display()
                ))
            })?,
        ),
    };
    println!("{json}");
    Ok(())
}

fn to_json<T: serde::Serialize>(kind: &str, value: &T) -> String {
    let mut v = serde_json::to_value(value).expect("in-memory encoding cannot fail");
    if let serde_json::Value::Object(map) = &mut v {
        map.insert("kind".into(), kind.into());
    }
    serde_json::to_string_pretty(&v).expect("in-memory encoding cannot fail")
}
