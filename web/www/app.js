// The page: reads the two files the user chooses, hands them to the worker, shows the bill,
// and offers the submission for download. No network request but this page's own files.
const $ = (id) => document.getElementById(id);
const STAGES = ["params", "hash", "key", "prove"];

let worker = null;
let checkedFiles = null; // the period and tariff bytes of the bill on show
let started = 0;
let ticker = null;
let downloadUrl = null;

function newWorker() {
  if (worker) worker.terminate();
  worker = new Worker("worker.js", { type: "module" });
  worker.onmessage = (event) => handle(event.data);
  worker.onerror = (event) => {
    fail(`the plugin stopped: ${event.message || "worker error"}`);
    worker = null;
  };
}

function showError(message) {
  $("error").textContent = message;
  $("error").hidden = !message;
}

function fail(message) {
  stopTicker();
  lockInputs(false);
  showError(message);
  $("progress-box").hidden = true;
  $("prove").disabled = checkedFiles === null;
  document.body.dataset.state = "error";
}

function stopTicker() {
  if (ticker) clearInterval(ticker);
  ticker = null;
}

function seconds(ms) {
  return `${(ms / 1000).toFixed(1)} s`;
}

function handle(message) {
  switch (message.type) {
    case "summary":
      showSummary(message.summary);
      break;
    case "stage":
      $("progress").value = STAGES.indexOf(message.stage);
      $("stage").textContent = message.text;
      document.body.dataset.state = `proving-${message.stage}`;
      break;
    case "done":
      finish(message);
      break;
    case "error":
      if (document.body.dataset.state === "checking") checkedFiles = null;
      fail(message.message);
      // A trapped WebAssembly instance cannot be reused: start a fresh worker.
      newWorker();
      if (checkedFiles) {
        worker.postMessage({ type: "check", period: checkedFiles[0], tariff: checkedFiles[1] });
      }
      break;
  }
}

function showSummary(s) {
  $("bill").textContent = `${s.currency} ${s.bill_rounded}`;
  $("bill-exact").textContent = `${s.bill_exact} ${s.currency}`;
  $("import").textContent = `${s.import_kwh} kWh`;
  $("export-row").hidden = s.export_kwh === null;
  $("export").textContent = s.export_kwh === null ? "" : `${s.export_kwh} kWh`;
  $("filled").textContent = String(s.filled);
  $("meter").textContent = `${s.meter_id} (readings in ${s.unit})`;
  $("frame").textContent = `${s.slots} slots of ${s.slot_minutes} min from ${s.start} (size ${s.size})`;
  $("tariff-id").textContent = s.tariff_id;
  showInvoice(s.invoice);
  $("summary").hidden = false;
  $("check-status").textContent =
    "Signature, commitment and tariff checked. This is the bill you would prove.";
  $("prove").disabled = false;
  if ($("error").hidden) document.body.dataset.state = "checked";
}

// The invoice preview, built with text nodes only (labels come from the tariff file).
function showInvoice(invoice) {
  const body = $("invoice-lines");
  body.replaceChildren();
  for (const line of invoice.lines) {
    const row = document.createElement("tr");
    const label = document.createElement("th");
    label.textContent = line.label;
    const amount = document.createElement("td");
    amount.textContent = `${line.amount} ${invoice.currency}`;
    row.append(label, amount);
    body.append(row);
  }
  $("invoice-total").textContent = `${invoice.total} ${invoice.currency}`;
  $("invoice-box").hidden = false;
}

function lockInputs(locked) {
  $("period").disabled = locked;
  $("tariff").disabled = locked;
}

async function check() {
  const period = $("period").files[0];
  const tariff = $("tariff").files[0];
  $("summary").hidden = true;
  $("invoice-box").hidden = true;
  $("result").hidden = true;
  $("prove").disabled = true;
  checkedFiles = null;
  showError("");
  if (!period || !tariff) return;
  document.body.dataset.state = "checking";
  $("check-status").textContent = "Checking ...";
  checkedFiles = [await period.arrayBuffer(), await tariff.arrayBuffer()];
  worker.postMessage({ type: "check", period: checkedFiles[0], tariff: checkedFiles[1] });
}

function prove() {
  // Fresh randomness for every proof, from the browser's CSPRNG: it keys the proof's ChaCha20.
  const seed = crypto.getRandomValues(new Uint8Array(32));
  $("prove").disabled = true;
  lockInputs(true);
  $("result").hidden = true;
  showError("");
  $("progress-box").hidden = false;
  $("progress").value = 0;
  started = performance.now();
  $("elapsed").textContent = "";
  ticker = setInterval(() => {
    $("elapsed").textContent = `(${seconds(performance.now() - started)})`;
  }, 200);
  worker.postMessage({ type: "prove", seed: seed.buffer }, [seed.buffer]);
}

function finish({ submission, times }) {
  stopTicker();
  const total = performance.now() - started;
  $("progress").value = STAGES.length;
  $("stage").textContent = "Done";
  $("elapsed").textContent = `(${seconds(total)})`;
  if (downloadUrl) URL.revokeObjectURL(downloadUrl);
  downloadUrl = URL.createObjectURL(new Blob([submission], { type: "application/octet-stream" }));
  $("download").href = downloadUrl;
  $("size").textContent = `${submission.byteLength} bytes`;
  $("prove-time").textContent =
    `${seconds(total)} (parameters ${seconds(times.params_ms)}, key ${seconds(times.keygen_ms)}, proof ${seconds(times.prove_ms)})`;
  // Machine-readable timings for the browser benchmark.
  for (const [name, ms] of Object.entries(times)) $("result").dataset[name.replace("_ms", "Ms")] = ms;
  $("result").hidden = false;
  $("prove").disabled = false;
  lockInputs(false);
  document.body.dataset.state = "done";
}

newWorker();
$("period").addEventListener("change", check);
$("tariff").addEventListener("change", check);
$("prove").addEventListener("click", prove);
document.body.dataset.state = "idle";
