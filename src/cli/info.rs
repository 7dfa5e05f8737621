//! `zkmeter circuit-info`: circuit facts per size.

use clap::Args;
use zkmeter_circuits::{proof::proof_len, shape, CircuitSize};

use super::{load_params, CliError};

#[derive(Debug, Args)]
pub struct InfoArgs {
    /// Only this size (default: all).
    #[arg(long, value_name = "NAME", value_parser = super::parse_size)]
    size: Option<CircuitSize>,
    /// Skip key generation (no parameters needed; no keygen timing).
    #[arg(long)]
    no_keygen: bool,
}

pub fn run(args: InfoArgs, store: &zkmeter_params::ParamStore) -> Result<(), CliError> {
    let sizes = match args.size {
        Some(s) => vec![s],
        None => CircuitSize::ALL.to_vec(),
    };
    println!(
        "{:<12} {:>6} {:>3} {:>7} {:>6} {:>6} {:>5} {:>4} {:>6} {:>10}",
        "size", "slots", "k", "rows", "advice", "fixed", "inst", "deg", "proof", "keygen"
    );
    for size in sizes {
        let s = shape::measure(size);
        let keygen = if args.no_keygen {
            "-".to_owned()
        } else {
            let params = load_params(store, size)?;
            let started = std::time::Instant::now();
            zkmeter_circuits::proof::ProvingKey::build(size, &params)
                .map_err(|e| super::usage("key generation", e))?;
            format!("{:.2} s", started.elapsed().as_secs_f64())
        };
        println!(
            "{:<12} {:>6} {:>3} {:>7} {:>6} {:>6} {:>5} {:>4} {:>6} {:>10}",
            size.name(),
            size.capacity(),
            s.k,
            s.rows,
            s.advice_columns,
            s.fixed_columns,
            s.instance_columns,
            s.degree,
            proof_len(size),
            keygen
        );
    }
    Ok(())
}
