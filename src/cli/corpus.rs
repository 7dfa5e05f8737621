//! `zkmeter corpus`: a realistic batch for the utility's job, tests and benchmarks.
//!
//! Lays out `DIR/meters` (the registry, `zkmeter-registry` JSON Lines), `DIR/tariffs/` (one
//! demo tariff for the period) and `DIR/submissions/` (one proven submission per meter,
//! `meter-NNNNNN.bin`), optionally with:
//!
//! * `--duplicates K`: for the first K meters, a fresh proof of the same statement
//!   (`meter-NNNNNN.resubmitted.bin`) and a byte copy (`meter-NNNNNN.copy.bin`): both sort after
//!   the original, so the job reports them `duplicate`;
//! * `--tampered K`: for K further meters, the submission with the bill raised by one
//!   nano-unit (`meter-NNNNNN.tampered.bin`, an invalid proof: `rejected`) in place of the
//!   honest one, so that its proof is verified (an honest file earlier in the batch would
//!   settle it as a `duplicate` before any proof check: docs/batch.md);
//! * `--revoked K`: the last K meters are marked revoked in the registry (`rejected`);
//! * `--hostile`: `submissions/hostile/` with an empty file, random bytes, a truncated, an
//!   oversized and a wrong-version file, a period file, a bad signature, an unregistered meter
//!   and a bill for a period without a tariff (all `rejected`, each for its own reason).
//!
//! Everything is deterministic in `--seed` (keys, readings, blinding values, proofs), so two
//! runs give the same bytes. Proofs are made in parallel, with progress.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use clap::Args;
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use rayon::prelude::*;
use zkmeter_meter::{demo_tariff, record, synthetic_measured, MeterSigningKey};
use zkmeter_protocol::fs::write_atomic;
use zkmeter_protocol::{CircuitSize, Frame, MeterId, Period, Submission, Tariff, UtcTime, ZkFile};
use zkmeter_prover::Plugin;
use zkmeter_verifier::registry::RegistryLine;

use super::{load_params, progress::Step, usage, CliError};

#[derive(Debug, Args)]
pub struct CorpusArgs {
    /// Number of meters (one honest submission each).
    #[arg(long, value_name = "N")]
    meters: usize,
    /// Circuit size of the period.
    #[arg(long, value_name = "NAME", value_parser = super::parse_size)]
    size: CircuitSize,
    /// Output directory (created; must not already hold a corpus).
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// Period start (RFC 3339); the frame is the natural day or month from it.
    #[arg(long, value_name = "RFC3339", default_value = "2026-01-01T00:00:00Z")]
    start: String,
    /// Slot length in minutes.
    #[arg(long, value_name = "M", default_value_t = 15)]
    slot_minutes: u16,
    /// Seed of keys, readings, tariff and proofs.
    #[arg(long, value_name = "N", default_value_t = 1)]
    seed: u64,
    /// Resubmissions: a fresh proof of the same statement and a byte copy, for the first K meters.
    #[arg(long, value_name = "K", default_value_t = 0)]
    duplicates: usize,
    /// K further meters submit a tampered bill (bill + 1) instead of their honest one.
    #[arg(long, value_name = "K", default_value_t = 0)]
    tampered: usize,
    /// Mark the last K meters revoked in the registry.
    #[arg(long, value_name = "K", default_value_t = 0)]
    revoked: usize,
    /// Add the hostile files under submissions/hostile/.
    #[arg(long)]
    hostile: bool,
    /// Worker threads for proving (default: all cores).
    #[arg(long, value_name = "N")]
    threads: Option<usize>,
}

/// A proven job: meter index, variant, the meter's SPKI PEM key, the submission's bytes.
type Proven = (usize, u64, String, Vec<u8>);

/// Seed of meter `i`'s key, readings and blinding value.
fn meter_seed(seed: u64, i: u64) -> u64 {
    seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ i.wrapping_mul(0xBF58_476D_1CE4_E5B9)
}

fn meter_id(i: usize) -> MeterId {
    MeterId::new(&format!("meter-{i:06}")).expect("valid id")
}

/// A signed period of meter `i` (deterministic).
fn period_of(
    i: usize,
    id: MeterId,
    frame: Frame,
    seed: u64,
) -> Result<(MeterSigningKey, Period), CliError> {
    let mut rng = ChaCha20Rng::seed_from_u64(meter_seed(seed, i as u64));
    let key = MeterSigningKey::generate(&mut rng).map_err(|e| usage("meter key", e))?;
    let readings = synthetic_measured(
        &frame,
        meter_seed(seed, i as u64),
        zkmeter_protocol::EnergyUnit::WH,
    )
    .map_err(|e| usage("readings", e))?;
    let period = record(&key, id, frame, readings, &mut rng).map_err(|e| usage("record", e))?;
    Ok((key, period))
}

fn write(path: &Path, bytes: &[u8]) -> Result<(), CliError> {
    write_atomic(path, bytes, false).map_err(|e| usage(path.display(), e))
}

/// Progress of the proofs: a bar on a terminal, a line every few seconds otherwise.
struct Proofs {
    bar: Option<indicatif::ProgressBar>,
    done: AtomicU64,
    total: u64,
    started: Instant,
    last_log: std::sync::Mutex<Instant>,
}

impl Proofs {
    fn new(total: u64) -> Self {
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = indicatif::ProgressBar::new(total);
            if let Ok(style) = indicatif::ProgressStyle::with_template(
                "proving {bar:40} {pos}/{len} [{elapsed} < {eta}, {per_sec}]",
            ) {
                bar.set_style(style);
            }
            bar
        });
        Proofs {
            bar,
            done: AtomicU64::new(0),
            total,
            started: Instant::now(),
            last_log: std::sync::Mutex::new(Instant::now()),
        }
    }

    fn tick(&self) {
        let done = self.done.fetch_add(1, Ordering::Relaxed) + 1;
        match &self.bar {
            Some(bar) => bar.inc(1),
            None => {
                let mut last = self.last_log.lock().unwrap_or_else(|e| e.into_inner());
                if last.elapsed().as_secs_f64() >= 5.0 || done == self.total {
                    *last = Instant::now();
                    eprintln!(
                        "proving: {done}/{} ({:.1} proofs/s)",
                        self.total,
                        done as f64 / self.started.elapsed().as_secs_f64().max(1e-9)
                    );
                }
            }
        }
    }

    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish();
        }
    }
}

pub fn run(args: CorpusArgs, store: &zkmeter_params::ParamStore) -> Result<(), CliError> {
    let CorpusArgs {
        meters,
        size,
        ref out,
        ..
    } = args;
    if meters == 0 {
        return Err(CliError::Usage("--meters must be at least 1".into()));
    }
    if args.duplicates + args.tampered > meters || args.revoked > meters {
        return Err(CliError::Usage(
            "--duplicates + --tampered and --revoked must each be at most --meters".into(),
        ));
    }
    let start = UtcTime::parse(&args.start).map_err(|e| usage("--start", e))?;
    let frame = Frame::natural(start, args.slot_minutes, size).map_err(|e| usage("frame", e))?;
    let subs = out.join("submissions");
    let tariffs = out.join("tariffs");
    if out.join("meters").exists() {
        return Err(CliError::Usage(format!(
            "{} already holds a corpus (meters exists)",
            out.display()
        )));
    }
    for d in [&subs, &tariffs] {
        std::fs::create_dir_all(d).map_err(|e| usage(d.display(), e))?;
    }
    let tariff = demo_tariff(&frame, args.seed).map_err(|e| usage("tariff", e))?;
    write(
        &tariffs.join(format!("{}.json", tariff.tariff_id)),
        tariff.to_json().as_bytes(),
    )?;

    let mut pool = rayon::ThreadPoolBuilder::new();
    if let Some(n) = args.threads {
        pool = pool.num_threads(n.max(1));
    }
    let pool = pool.build().map_err(|e| usage("thread pool", e))?;

    let params = std::sync::Arc::new(load_params(store, size)?);
    let step = Step::start(format!("Building the proving key ({size})"));
    let plugin = Plugin::new(&tariff, params.clone()).map_err(|e| usage("proving key", e))?;
    step.finish();

    // Jobs: (meter index, variant). Variant 0 = honest, 1 = fresh proof of the same statement.
    let mut jobs: Vec<(usize, u64)> = (0..meters).map(|i| (i, 0)).collect();
    jobs.extend((0..args.duplicates).map(|i| (i, 1)));
    let extra = if args.hostile { 2 } else { 0 };
    let progress = Proofs::new((jobs.len() + extra) as u64);
    let started = Instant::now();
    let results: Vec<Result<Proven, CliError>> = pool.install(|| {
        jobs.par_iter()
            .map(|&(i, variant)| {
                let (key, period) = period_of(i, meter_id(i), frame, args.seed)?;
                let rng =
                    ChaCha20Rng::seed_from_u64(meter_seed(args.seed, i as u64) ^ (variant + 1));
                let sub = plugin
                    .prove(&period, &tariff, None, rng)
                    .map_err(|e| usage(format!("proving meter {i}"), e))?;
                progress.tick();
                let pem = key.public_key().to_pem().map_err(|e| usage("key", e))?;
                Ok((i, variant, pem, sub.to_bytes()))
            })
            .collect()
    });
    let mut registry = vec![String::new(); meters];
    let mut honest: Vec<Vec<u8>> = vec![vec![]; meters];
    let tampered = args.duplicates..args.duplicates + args.tampered;
    for r in results {
        let (i, variant, pem, bytes) = r?;
        let id = meter_id(i);
        let name = match variant {
            0 => format!("{id}.bin"),
            _ => format!("{id}.resubmitted.bin"),
        };
        // A tampered meter's honest submission is kept (for the tampered copy) but not written.
        if variant != 0 || !tampered.contains(&i) {
            write(&subs.join(name), &bytes)?;
        }
        if variant == 0 {
            registry[i] = RegistryLine {
                meter_id: id,
                public_key: pem,
                revoked: i >= meters - args.revoked,
                plan: None,
            }
            .to_line();
            honest[i] = bytes;
        }
    }
    for (i, bytes) in honest.iter().enumerate().take(args.duplicates) {
        write(&subs.join(format!("{}.copy.bin", meter_id(i))), bytes)?;
    }
    for (i, bytes) in honest
        .iter()
        .enumerate()
        .skip(args.duplicates)
        .take(args.tampered)
    {
        let mut s = Submission::from_bytes(bytes).map_err(|e| usage("corpus", e))?;
        s.bill += 1;
        write(
            &subs.join(format!("{}.tampered.bin", meter_id(i))),
            &s.to_bytes(),
        )?;
    }
    if args.hostile {
        hostile(
            &subs.join("hostile"),
            &honest[0],
            frame,
            &tariff,
            &plugin,
            params,
            args.seed,
        )?;
        progress.tick();
        progress.tick();
    }
    progress.finish();
    let mut text = String::from("# zkmeter-registry: one JSON object per line (docs/batch.md)\n");
    for line in registry {
        text.push_str(&line);
        text.push('\n');
    }
    write(&out.join("meters"), text.as_bytes())?;
    println!(
        "corpus: {meters} meters ({} revoked), {} proofs in {:.1} s, size {size}, period {}; \
         {} duplicates, {} tampered{} in {}",
        args.revoked,
        jobs.len() + extra,
        started.elapsed().as_secs_f64(),
        frame,
        args.duplicates * 2,
        args.tampered,
        if args.hostile { ", hostile files" } else { "" },
        out.display()
    );
    Ok(())
}

/// The hostile files: each is rejected by the job for its own reason.
fn hostile(
    dir: &Path,
    honest: &[u8],
    frame: Frame,
    tariff: &Tariff,
    plugin: &Plugin,
    params: std::sync::Arc<zkmeter_circuit::IpaParams>,
    seed: u64,
) -> Result<(), CliError> {
    std::fs::create_dir_all(dir).map_err(|e| usage(dir.display(), e))?;
    write(&dir.join("empty.bin"), b"")?;
    let mut rng = ChaCha20Rng::seed_from_u64(seed ^ 0x686f_7374);
    let mut garbage = vec![0u8; 3000];
    rand_core::Rng::fill_bytes(&mut rng, &mut garbage);
    write(&dir.join("garbage.bin"), &garbage)?;
    write(&dir.join("truncated.bin"), &honest[..honest.len() / 2])?;
    let mut big = honest.to_vec();
    big.resize(Submission::CAP as usize + 1, 0);
    write(&dir.join("oversized.bin"), &big)?;
    let mut version = honest.to_vec();
    version[8] += 1; // the next format version, not known to this build
    write(&dir.join("wrong-version.bin"), &version)?;
    let mut sig = Submission::from_bytes(honest).map_err(|e| usage("corpus", e))?;
    sig.meter_signature.0[40] ^= 1;
    write(&dir.join("bad-signature.bin"), &sig.to_bytes())?;

    // An unregistered meter, and a registered one's bill for a period without a tariff.
    let stranger = MeterId::new("meter-unregistered").expect("valid id");
    let (_, period) = period_of(usize::MAX / 2, stranger, frame, seed)?;
    write(&dir.join("period-file.bin"), &period.to_bytes())?;
    let rng = ChaCha20Rng::seed_from_u64(seed ^ 0x756e_6b6e);
    let sub = plugin
        .prove(&period, tariff, None, rng)
        .map_err(|e| usage("proving", e))?;
    write(&dir.join("unknown-meter.bin"), &sub.to_bytes())?;

    let next = UtcTime::from_unix(frame.end()).map_err(|e| usage("frame", e))?;
    let next =
        Frame::natural(next, frame.slot_minutes, frame.size).map_err(|e| usage("frame", e))?;
    let (_, period) = period_of(0, meter_id(0), next, seed)?;
    let other = demo_tariff(&next, seed).map_err(|e| usage("tariff", e))?;
    let rng = ChaCha20Rng::seed_from_u64(seed ^ 0x6e6f_7461);
    // The keys are per tariff: the other period's tariff needs its own plugin.
    let other_plugin = Plugin::new(&other, params).map_err(|e| usage("proving key", e))?;
    let sub = other_plugin
        .prove(&period, &other, None, rng)
        .map_err(|e| usage("proving", e))?;
    write(&dir.join("no-tariff.bin"), &sub.to_bytes())?;
    Ok(())
}
