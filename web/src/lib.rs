//! # zkmeter-web
//!
//! The consumer's privacy plugin in a web page: the prover of `zkmeter-prover` compiled to
//! `wasm32-unknown-unknown` (halo2 without threads), behind a small wasm-bindgen API that takes
//! bytes, never paths. The page (`web/www/`) runs it in a Web Worker; readings never leave the
//! page. Threat model, randomness and the parameter file: `docs/browser.md`.
//!
//! * [`session`]: the steps on bytes (check, bill, parameters by pinned hash, key, proof),
//!   plain Rust, tested natively;
//! * [`api`]: the JavaScript class `Bill` over them; every refusal is a JavaScript `Error`.

#![deny(missing_docs)]

pub mod api;
pub mod session;

pub use session::{Session, Summary, WebError, SEED_LEN};
