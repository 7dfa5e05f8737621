// The plugin's worker: all WebAssembly work happens here, so the page stays responsive while
// proving. It reads nothing but the files the page hands it and, from its own server, the
// parameter file named by the period's size (params/k{K}.bin), accepted by the WebAssembly
// only if its SHA-256 is the pinned one. It sends nothing anywhere.
import init, { Bill } from "./pkg/zkmeter_web.js";

const ready = init();
let bill = null;

function post(message, transfer = []) {
  self.postMessage(message, transfer);
}

async function check({ period, tariff }) {
  await ready;
  if (bill) {
    bill.free();
    bill = null;
  }
  bill = new Bill(new Uint8Array(period), new Uint8Array(tariff));
  post({ type: "summary", summary: JSON.parse(bill.summary()) });
}

async function prove({ seed }) {
  await ready;
  if (!bill) throw new Error("choose a period file and a tariff file first");
  const summary = JSON.parse(bill.summary());
  const times = {};
  let t = performance.now();
  const lap = (name) => {
    const now = performance.now();
    times[name] = Math.round(now - t);
    t = now;
  };

  post({ type: "stage", stage: "params", text: `Loading parameters ${summary.params_file}` });
  // The page's own static file; the browser's HTTP cache keeps it between visits.
  const response = await fetch(`params/${summary.params_file}`);
  if (!response.ok) {
    throw new Error(`parameter file params/${summary.params_file}: HTTP ${response.status}`);
  }
  const params = new Uint8Array(await response.arrayBuffer());
  post({ type: "stage", stage: "hash", text: "Checking the parameters' pinned SHA-256" });
  bill.loadParams(params);
  lap("params_ms");

  post({ type: "stage", stage: "key", text: `Building the proving key (${summary.size})` });
  bill.buildKey();
  lap("keygen_ms");

  post({ type: "stage", stage: "prove", text: `Proving the bill of ${summary.slots} slots` });
  const submission = bill.prove(new Uint8Array(seed));
  lap("prove_ms");
  post({ type: "done", submission: submission.buffer, times }, [submission.buffer]);
}

self.onmessage = async (event) => {
  try {
    if (event.data.type === "check") await check(event.data);
    else if (event.data.type === "prove") await prove(event.data);
  } catch (e) {
    post({ type: "error", message: e && e.message ? e.message : String(e) });
  }
};
