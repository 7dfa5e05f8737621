//! `zkmeter`: privacy-preserving smart-meter billing with one halo2 proof per bill.
//!
//! Exit codes: 0 success (for `verify`: accepted), 1 rejected (a file's content was refused:
//! `verify` rejected the bill, `prove` refused the period), 2 usage or I/O error.

mod cli;
mod page;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let args = cli::Cli::parse();
    match cli::run(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(e.exit_code())
        }
    }
}
