// The page: classify a video with Resnt18Rnn weights on navigator.gpu, or train the demo's model in the
// page. DOM contract (web/README.md): #video, #weights, #classes file inputs; #predictions holds one
// <li data-label data-probability> per shown class, best first; body[data-state] is 'done' or 'error'
// (message in #error) when a run ends; #adapter names the adapter; #train starts training and
// body[data-train-state] becomes 'done' with #train-result[data-val-accuracy].

import { init, startProfiling, type WebgradInitOptions } from '../../engine/index.js';
import { drawHistory } from './chart.js';
import { classifyClip, clipToInput, type LoadedModel, loadModel, type NamedBytes, type Prediction, ranked } from './model.js';
import { type BrowserTrainOptions, GPU_TRAIN_DEFAULTS, isSoftwareAdapter, reasons, SOFTWARE_TRAIN_DEFAULTS, trainInBrowser } from './train.js';
import { toImageData } from './video/rgb.js';
import { decodeVideo, type DecodedClip, type RgbFrame, UnsupportedVideoError } from './video/decode.js';

// Set by web/build.mjs: where the engine fetches its WGSL from, while it still fetches them ('' once
// they are compiled into the bundle).
declare const WEBGRAD_PAGE_SHADERS: string;

const $ = <T extends HTMLElement>(id: string): T => {
  const el = document.getElementById(id);
  if (!el) throw new Error(`page: #${id} is missing from index.html`);
  return el as T;
};

const body = document.body;
const status = $('status');
const errorBox = $('error');

type PageState = 'loading' | 'idle' | 'waiting' | 'running' | 'done' | 'error';
const setState = (s: PageState) => { body.dataset.state = s; };

function showError(box: HTMLElement, e: unknown, kind?: string): void {
  const message = e instanceof Error ? e.message : String(e);
  box.textContent = message;
  box.dataset.kind = kind ?? (e instanceof UnsupportedVideoError ? 'unsupported-video' : 'error');
  box.hidden = false;
  console.debug(e); // the message is on the page; the stack for whoever debugs it
}

function clearError(box: HTMLElement): void {
  box.hidden = true;
  box.textContent = '';
  delete box.dataset.kind;
}

const secondsText = (ms: number) => `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;

// ---- the GPU ---------------------------------------------------------------------------------------

const gpuReady: Promise<string> = (async () => {
  const options: WebgradInitOptions & { shaderBaseUrl?: string } = {};
  if (WEBGRAD_PAGE_SHADERS) options.shaderBaseUrl = new URL(WEBGRAD_PAGE_SHADERS, document.baseURI).href;
  const ctx = await init(options);
  return ctx.adapterName;
})();

gpuReady.then((name) => {
  $('adapter').textContent = name;
  body.dataset.gpu = 'ready';
}, (e: unknown) => {
  $('adapter').textContent = 'none';
  body.dataset.gpu = 'error';
  showError(errorBox, e, 'gpu');
  setState('error');
});

// ---- inputs ----------------------------------------------------------------------------------------

/** A weights or class-map file: picked, dropped or fetched from a URL; read once. */
interface Source { name: string; bytes: () => Promise<Uint8Array> }

const fromFile = (file: File): Source => {
  let read: Promise<Uint8Array> | undefined;
  return { name: file.name, bytes: () => (read ??= file.arrayBuffer().then((b) => new Uint8Array(b))) };
};

const fromUrl = (url: string): Source => {
  let read: Promise<Uint8Array> | undefined;
  const name = decodeURIComponent(new URL(url, document.baseURI).pathname.split('/').pop() || url);
  return {
    name,
    bytes: () => (read ??= fetch(url).then(async (r) => {
      if (!r.ok) throw new Error(`cannot fetch ${url}: HTTP ${r.status} ${r.statusText}`);
      return new Uint8Array(await r.arrayBuffer());
    }, (e: unknown) => { throw new Error(`cannot fetch ${url} (${(e as Error).message}); a URL on another site must allow this page (CORS)`); })),
  };
};

const inputs: { video?: File; weights?: Source; classes?: Source } = {};

const weightExtensions = /\.(pt|pth|bin|safetensors)$/i;

function take(kind: 'video' | 'weights' | 'classes', file: File | undefined): void {
  if (!file) return;
  if (kind === 'video') inputs.video = file;
  else inputs[kind] = fromFile(file);
  schedule();
}

for (const kind of ['video', 'weights', 'classes'] as const) {
  $<HTMLInputElement>(kind).addEventListener('change', (event) => take(kind, (event.target as HTMLInputElement).files?.[0]));
}

// dropping anywhere: each file goes where its extension says
window.addEventListener('dragover', (e) => { e.preventDefault(); body.classList.add('dragging'); });
window.addEventListener('dragleave', (e) => { if (!e.relatedTarget) body.classList.remove('dragging'); });
window.addEventListener('drop', (e) => {
  e.preventDefault();
  body.classList.remove('dragging');
  for (const file of e.dataTransfer?.files ?? []) {
    if (weightExtensions.test(file.name)) take('weights', file);
    else if (/\.json$/i.test(file.name)) take('classes', file);
    else take('video', file);
  }
});

const params = new URLSearchParams(location.search);
if (params.get('weights')) inputs.weights = fromUrl(params.get('weights')!);
if (params.get('classes')) inputs.classes = fromUrl(params.get('classes')!);
const videoUrl = params.get('video');

// ---- a run: decode → model → predictions -----------------------------------------------------------

let model: { key: string; loaded: LoadedModel } | undefined;
let decoded: { file: File; k: number; clip: DecodedClip; ms: number } | undefined;
const sourceIds = new WeakMap<object, number>();
let nextId = 1;
const idOf = (o: object | undefined) => {
  if (!o) return 0;
  if (!sourceIds.has(o)) sourceIds.set(o, nextId++);
  return sourceIds.get(o)!;
};

function renderFrames(container: HTMLElement, frames: readonly RgbFrame[], indices?: readonly number[]): void {
  container.replaceChildren(...frames.map((f, i) => {
    const figure = document.createElement('figure');
    const canvas = document.createElement('canvas');
    canvas.width = f.width;
    canvas.height = f.height;
    canvas.getContext('2d')?.putImageData(toImageData(f), 0, 0);
    const caption = document.createElement('figcaption');
    caption.textContent = indices ? `#${indices[i]}` : `${i}`;
    figure.append(canvas, caption);
    return figure;
  }));
}

function renderPredictions(list: HTMLElement, predictions: readonly Prediction[], truth?: string): void {
  list.replaceChildren(...predictions.map((p) => {
    const li = document.createElement('li');
    li.dataset.label = p.label;
    li.dataset.probability = String(p.probability);
    li.dataset.index = String(p.index);
    if (p.label === truth) li.classList.add('truth');
    const label = Object.assign(document.createElement('span'), { className: 'label', textContent: p.label, title: p.label });
    const bar = Object.assign(document.createElement('span'), { className: 'bar' });
    const fill = document.createElement('div');
    fill.style.width = `${(p.probability * 100).toFixed(1)}%`;
    bar.append(fill);
    const value = Object.assign(document.createElement('span'), { className: 'value', textContent: `${(p.probability * 100).toFixed(1)} %` });
    li.append(label, bar, value);
    return li;
  }));
}

async function classMapText(): Promise<{ name: string; text: string } | undefined> {
  if (!inputs.classes) return undefined;
  return { name: inputs.classes.name, text: new TextDecoder().decode(await inputs.classes.bytes()) };
}

async function currentModel(): Promise<{ loaded: LoadedModel; ms: number }> {
  const key = `${idOf(inputs.weights)}/${idOf(inputs.classes)}`;
  if (model?.key === key) return { loaded: model.loaded, ms: 0 };
  model?.loaded.model.dispose();
  model = undefined;
  const t = performance.now();
  const weights: NamedBytes = { name: inputs.weights!.name, bytes: await inputs.weights!.bytes() };
  const loaded = loadModel(weights, await classMapText());
  model = { key, loaded };
  return { loaded, ms: performance.now() - t };
}

async function runOnce(): Promise<void> {
  if (!inputs.video) {
    setState(inputs.weights ? 'waiting' : 'idle');
    status.textContent = inputs.weights ? `Weights: ${inputs.weights.name}. Now pick or drop a video.` : 'Pick a video and weights.';
    return;
  }
  body.dataset.runs = String(++runs);
  setState('running');
  clearError(errorBox);
  $('predictions').replaceChildren();
  const timing = $('timing');
  timing.textContent = '';
  for (const k of Object.keys(timing.dataset)) delete timing.dataset[k];
  let phase: 'decode' | 'weights' | 'model' = 'weights';
  try {
    const map = await classMapText();
    let k = 16;
    if (map) {
      try {
        k = (JSON.parse(map.text) as { framesPerClip?: number }).framesPerClip ?? 16;
      } catch {
        // loadModel reports an unreadable class map with Node's message
      }
    }
    const file = inputs.video;
    phase = 'decode';
    if (decoded?.file !== file || decoded.k !== k) {
      status.textContent = `Decoding ${file.name}…`;
      const t = performance.now();
      decoded = undefined;
      $('frames').replaceChildren();
      const clip = await decodeVideo(file, k, { forceElement: params.has('no-webcodecs') });
      decoded = { file, k, clip, ms: performance.now() - t };
    }
    const { clip } = decoded;
    renderFrames($('frames'), clip.frames, clip.indices);
    $('video-info').textContent = `${file.name}: ${clip.container}, ${clip.codec}, ${clip.width}x${clip.height}, ${clip.frameCount} frames; frames ${clip.indices.join(', ')} (${clip.decoder})`;
    timing.dataset.decodeMs = decoded.ms.toFixed(1);
    timing.dataset.decoder = clip.decoder;
    if (!inputs.weights) {
      setState('waiting');
      status.textContent = 'Decoded. Now pick the weights (.pt or .safetensors) and their class map.';
      return;
    }
    status.textContent = 'Waiting for the GPU…';
    const adapter = await gpuReady;
    status.textContent = `Loading ${inputs.weights.name}…`;
    phase = 'weights';
    const { loaded, ms: weightsMs } = await currentModel();
    status.textContent = `Running Resnt18Rnn on ${adapter}…`;
    phase = 'model';
    const t = performance.now();
    const x = clipToInput(clip.frames, loaded.imageSize, loaded.mean, loaded.std);
    // ?profile: every kernel timed alone, by family and by layer, in the console (slower while on)
    const stopProfiling = params.has('profile') ? startProfiling(loaded.model.namedModules()) : undefined;
    const probabilities = await classifyClip(loaded.model, x, clip.frames.length, loaded.imageSize);
    const modelMs = performance.now() - t;
    if (stopProfiling) console.log(`webgrad profile: ${JSON.stringify(stopProfiling(), null, 1)}`);
    const top = ranked(probabilities, loaded.classes.names).slice(0, 5);
    renderPredictions($('predictions'), top);
    timing.dataset.weightsMs = weightsMs.toFixed(1);
    timing.dataset.modelMs = modelMs.toFixed(1);
    timing.textContent = `decode ${secondsText(decoded.ms)} (${clip.decoder}) · weights ${weightsMs > 0 ? secondsText(weightsMs) : 'loaded before'} · model ${secondsText(modelMs)} on ${adapter}`;
    const names = loaded.classes.names
      ? `${loaded.classes.names.length} classes from ${loaded.classes.source}`
      : `${probabilities.length} unnamed classes: pick the class map written beside the weights (weights_rnn.classes.json) to name them`;
    status.textContent = `${file.name}: ${top[0]!.label} (${(top[0]!.probability * 100).toFixed(1)} %). ${loaded.weightsName}, ${names}.`;
    if (!pending) setState('done');
  } catch (e) {
    showError(errorBox, e, e instanceof UnsupportedVideoError ? 'unsupported-video' : phase);
    status.textContent = 'Stopped: see the message below.';
    if (!pending) setState('error');
  }
}

let pending = false;
let running = false;
/** Runs started so far (body[data-runs]): a test waits for it to change, then for the state. */
let runs = 0;

function schedule(): void {
  pending = true;
  if (running) return;
  running = true;
  void (async () => {
    try {
      while (pending) {
        pending = false;
        await runOnce();
      }
    } finally {
      running = false;
    }
  })();
}

// ---- training ----------------------------------------------------------------------------------------

const trainButton = $<HTMLButtonElement>('train');
let trained: { weights: Uint8Array; classMap: string } | undefined;
const objectUrls: string[] = [];

/** The defaults for the adapter (the Node demo's on a GPU, fewer and smaller clips on a CPU), then the fields, then ?train-<option>=. */
function trainOptions(adapter: string): BrowserTrainOptions {
  const o = { ...(isSoftwareAdapter(adapter) ? SOFTWARE_TRAIN_DEFAULTS : GPU_TRAIN_DEFAULTS) };
  const fields = { 'train-clips': 'clipsPerClass', 'train-size': 'imageSize', 'train-epochs': 'epochs' } as const;
  for (const [id, key] of Object.entries(fields)) {
    const v = Math.round(Number($<HTMLInputElement>(id).value));
    if ($<HTMLInputElement>(id).value !== '' && v > 0) o[key] = v;
  }
  for (const key of Object.keys(o) as Array<keyof BrowserTrainOptions>) {
    const v = params.get(`train-${key}`);
    if (v !== null && Number(v) >= 0) o[key] = Number(v);
  }
  return o;
}

function showReasons(o: BrowserTrainOptions, adapter: string): void {
  $('train-reasons').replaceChildren(...reasons(o, isSoftwareAdapter(adapter)).map((r) => Object.assign(document.createElement('li'), { textContent: r })));
  // the fields show what a run will use
  $<HTMLInputElement>('train-clips').placeholder = String(o.clipsPerClass);
  $<HTMLInputElement>('train-size').placeholder = String(o.imageSize);
  $<HTMLInputElement>('train-epochs').placeholder = String(o.epochs);
}

async function train(): Promise<void> {
  trainButton.disabled = true;
  body.dataset.trainState = 'running';
  const errorEl = $('train-error');
  clearError(errorEl);
  const result = $('train-result');
  result.hidden = true;
  $('train-downloads').hidden = true;
  $('train-predictions').replaceChildren();
  const log = $('train-log');
  log.textContent = '';
  const progress = $<HTMLProgressElement>('train-progress');
  const phase = $('train-phase');
  const chart = $<HTMLCanvasElement>('train-chart');
  const started = performance.now();
  const write = (line: string) => { log.textContent += `${line}\n`; };
  try {
    const adapter = await gpuReady;
    const o = trainOptions(adapter);
    showReasons(o, adapter);
    write(`adapter: ${adapter}`);
    for (const r of reasons(o, isSoftwareAdapter(adapter))) write(r);
    const out = await trainInBrowser(o, {
      log: write,
      progress: (what, done, total) => {
        progress.max = total;
        progress.value = done;
        phase.textContent = `${what === 'features' ? 'ResNet18 features of the clips (computed once)' : 'training LSTM + fc1, epoch'} ${done}/${total}`;
      },
      epoch: (report, history) => {
        drawHistory(chart, history, report.epochs);
        phase.textContent = `epoch ${report.epoch + 1}/${report.epochs}: loss ${report.trainLoss.toFixed(3)} / ${report.valLoss.toFixed(3)}, validation accuracy ${(report.valAccuracy * 100).toFixed(0)} %`;
      },
    });
    out.model.dispose();
    const totalMs = performance.now() - started;
    result.dataset.valAccuracy = String(out.valAccuracy);
    result.dataset.bestEpoch = String(out.bestEpoch);
    result.dataset.seconds = (totalMs / 1000).toFixed(1);
    result.dataset.featureSeconds = out.seconds.features.toFixed(1);
    result.dataset.trainingSeconds = out.seconds.training.toFixed(1);
    result.textContent = `Validation accuracy ${(out.valAccuracy * 100).toFixed(1)} % (best epoch ${out.bestEpoch}), chance ${(100 / out.classNames.length).toFixed(0)} %. `
      + `${secondsText(totalMs)} in all: clips ${out.seconds.clips.toFixed(1)} s, features ${out.seconds.features.toFixed(1)} s, training ${out.seconds.training.toFixed(1)} s.`;
    result.hidden = false;
    renderPredictions($('train-predictions'), out.check.predictions, out.check.label);
    renderFrames($('train-frames'), out.check.frames);
    write(`a new ${out.check.label} clip: ${out.check.predictions.map((p) => `${p.label} ${(p.probability * 100).toFixed(1)} %`).join(', ')}`);
    for (const u of objectUrls.splice(0)) URL.revokeObjectURL(u);
    const classMap = JSON.stringify(out.classMap, null, 2);
    trained = { weights: out.weights, classMap };
    const link = (id: string, blob: Blob) => {
      const url = URL.createObjectURL(blob);
      objectUrls.push(url);
      $<HTMLAnchorElement>(id).href = url;
    };
    link('download-weights', new Blob([out.weights as Uint8Array<ArrayBuffer>], { type: 'application/octet-stream' }));
    link('download-classes', new Blob([classMap], { type: 'application/json' }));
    $('train-downloads').hidden = false;
    phase.textContent = 'done';
    body.dataset.trainState = 'done';
  } catch (e) {
    showError(errorEl, e);
    phase.textContent = 'failed';
    body.dataset.trainState = 'error';
  } finally {
    trainButton.disabled = false;
  }
}

trainButton.addEventListener('click', () => void train());
void gpuReady.then((adapter) => {
  const update = () => showReasons(trainOptions(adapter), adapter);
  update();
  for (const id of ['train-clips', 'train-size', 'train-epochs']) $(id).addEventListener('input', update);
}, () => undefined);

$('use-trained').addEventListener('click', () => {
  if (!trained) return;
  const { weights, classMap } = trained;
  inputs.weights = { name: 'weights_rnn.pt (trained in this page)', bytes: async () => weights };
  inputs.classes = { name: 'weights_rnn.classes.json (trained in this page)', bytes: async () => new TextEncoder().encode(classMap) };
  schedule();
  $('classify-section').scrollIntoView({ behavior: 'smooth' });
});

// ---- start -----------------------------------------------------------------------------------------

setState('idle');
if (videoUrl) {
  fromUrl(videoUrl).bytes().then((bytes) => {
    const name = decodeURIComponent(new URL(videoUrl, document.baseURI).pathname.split('/').pop() || 'video');
    take('video', new File([bytes as Uint8Array<ArrayBuffer>], name));
  }, (e: unknown) => { showError(errorBox, e); setState('error'); });
} else {
  schedule();
}
