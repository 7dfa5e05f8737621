//! The JavaScript API (wasm-bindgen): one [`Bill`] per pair of files, its steps called by the
//! page's Web Worker in order, every refusal a JavaScript `Error` with the reason as message.

use wasm_bindgen::prelude::*;

use crate::session::{Session, WebError};

fn js(e: WebError) -> JsError {
    JsError::new(&e.to_string())
}

/// A bill in the making, for JavaScript: `new Bill(period, tariff)` checks both files,
/// `summary()` shows the bill, then `loadParams(bytes)`, `buildKey()`, `prove(seed)`.
#[wasm_bindgen]
pub struct Bill(Session);

#[wasm_bindgen]
impl Bill {
    /// Reads and checks the period file (as the meter wrote it) and the tariff file (JSON).
    /// Throws an `Error` with the reason when either is refused.
    #[wasm_bindgen(constructor)]
    pub fn new(period: &[u8], tariff: &[u8]) -> Result<Bill, JsError> {
        Session::open(period, tariff).map(Bill).map_err(js)
    }

    /// The bill, energies and facts of the period as JSON (see `Summary`), including the
    /// parameter file the page must load (`params_file`) and its pinned SHA-256.
    pub fn summary(&self) -> Result<String, JsError> {
        serde_json::to_string(self.0.summary()).map_err(|e| JsError::new(&e.to_string()))
    }

    /// Accepts the parameter file's bytes if they are the pinned parameters of the size.
    #[wasm_bindgen(js_name = loadParams)]
    pub fn load_params(&mut self, bytes: &[u8]) -> Result<(), JsError> {
        self.0.load_params(bytes).map_err(js)
    }

    /// Builds the proving key of the tariff (seconds at the month sizes).
    #[wasm_bindgen(js_name = buildKey)]
    pub fn build_key(&mut self) -> Result<(), JsError> {
        self.0.build_key().map_err(js)
    }

    /// Proves the bill with randomness from `seed` (32 bytes from `crypto.getRandomValues`,
    /// fresh for every proof) and returns the submission file's bytes.
    pub fn prove(&self, seed: &[u8]) -> Result<Vec<u8>, JsError> {
        self.0.prove(seed).map_err(js)
    }
}
