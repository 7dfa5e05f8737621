//! `zkmeter circuit-info`: circuit facts per size, as a table or as JSON (`--json`, one object
//! per size, for scripts/bench-report.sh).

use clap::Args;
use zkmeter_circuit::{proof_len, shape, CircuitSize};

use super::{load_params, CliError};

#[derive(Debug, Args)]
pub struct InfoArgs {
    /// Only this size (default: all).
    #[arg(long, value_name = "NAME", value_parser = super::parse_size)]
    size: Option<CircuitSize>,
    /// Skip key generation (no parameters needed; no keygen timing).
    #[arg(long)]
    no_keygen: bool,
    /// Print a JSON array (one object per size; `keygen_s` is null with --no-keygen).
    #[arg(long)]
    json: bool,
}

pub fn run(args: InfoArgs, store: &zkmeter_params::ParamStore) -> Result<(), CliError> {
    let sizes = match args.size {
        Some(s) => vec![s],
        None => CircuitSize::ALL.to_vec(),
    };
    if !args.json {
        println!(
            "{:<15} {:>6} {:>4} {:>3} {:>7} {:>6} {:>6} {:>5} {:>4} {:>6} {:>10}",
            "size",
            "slots",
            "regs",
            "k",
            "rows",
            "advice",
            "fixed",
            "inst",
            "deg",
            "proof",
            "keygen"
        );
    }
    let mut objects = vec![];
    for size in sizes {
        let s = shape::measure(size);
        let keygen = if args.no_keygen {
            None
        } else {
            let params = load_params(store, size)?;
            let started = std::time::Instant::now();
            // Keys are per tariff; a tariff filling the whole capacity is the largest.
            let full = vec![0; size.capacity()];
            let export = size.has_export().then_some(&full[..]);
            let tariff = zkmeter_circuit::TariffPrices::new(size, &full, export)
                .map_err(|e| super::usage("key generation", e))?;
            zkmeter_circuit::ProvingKey::build(&tariff, params)
                .map_err(|e| super::usage("key generation", e))?;
            Some(started.elapsed().as_secs_f64())
        };
        if args.json {
            objects.push(serde_json::json!({
                "size": size.name(),
                "slots": size.capacity(),
                "registers": size.registers(),
                "k": s.k,
                "rows": s.rows,
                "advice_columns": s.advice_columns,
                "fixed_columns": s.fixed_columns,
                "instance_columns": s.instance_columns,
                "degree": s.degree,
                "proof_bytes": proof_len(size),
                "keygen_s": keygen,
            }));
            continue;
        }
        println!(
            "{:<15} {:>6} {:>4} {:>3} {:>7} {:>6} {:>6} {:>5} {:>4} {:>6} {:>10}",
            size.name(),
            size.capacity(),
            size.registers(),
            s.k,
            s.rows,
            s.advice_columns,
            s.fixed_columns,
            s.instance_columns,
            s.degree,
            proof_len(size),
            keygen.map_or_else(|| "-".to_owned(), |t| format!("{t:.2} s"))
        );
    }
    if args.json {
        let text = serde_json::to_string_pretty(&objects).map_err(|e| super::usage("JSON", e))?;
        println!("{text}");
    }
    Ok(())
}
