// The demo's task: three coloured shapes shown one after another; the class is their order.
//
// Every clip shows a red disc, a green square and a blue triangle, each for a run of frames, over a tinted,
// noisy background. Which shape comes first, second and third is the class (`red-green-blue`, …). The rest
// — clip length, how many frames each shape gets, where it sits, its size, drift, spin and exact colour,
// the background — is drawn per clip from a seed *without looking at the class*, and the class only decides
// the order in which the three runs are laid out.
//
// Why a model that ignores time scores chance: prepare keeps frames floor(linspace(0, n-1, 16)). The runs'
// boundaries are placed between those sampled frames, so after sampling shape c fills exactly counts[c]
// frames (4..7, drawn per shape), and a sampled frame's picture depends only on the clip's content and its
// position *within its own run* (motion and noise are keyed by that, not by the frame number). So the same
// content laid out in another order gives the same 16 pictures, permuted (test/pipeline/demo.test.ts checks
// it byte for byte). Contents are drawn independently of the class, so the bag of frames a clip shows has
// the same distribution in every class, and any function of that bag (mean-pooled CNN features, a colour
// histogram) predicts no better than chance. An LSTM must remember what came first: with the first three
// classes the last shape is blue for one and red for two, so the last frames alone do not decide.
//
// Between sampled frames the runs' boundaries are jittered (per clip and order), so the raw videos still look
// like ordinary footage of variable-length segments; only the sampled 16 are exact permutations.
import { frameIndices } from '../frames.js';

export const DEMO_WIDTH = 160;
export const DEMO_HEIGHT = 120;
export const DEMO_FPS = 25;
/** The frames prepare keeps per clip, which the runs' boundaries are laid out around. */
export const DEMO_SAMPLED_FRAMES = 16;
/** Raw clip length range, frames (1.6–2.6 s at 25 fps). */
export const DEMO_MIN_FRAMES = 40;
export const DEMO_MAX_FRAMES = 64;
/** Bump when the pictures change, so a folder made by an older generator is not silently mixed in. */
export const DEMO_GENERATOR_VERSION = 2;

export interface DemoShape {
  colour: string;
  shape: 'disc' | 'square' | 'triangle';
  rgb: readonly [number, number, number];
}

export const DEMO_SHAPES: readonly DemoShape[] = [
  { colour: 'red', shape: 'disc', rgb: [215, 45, 45] },
  { colour: 'green', shape: 'square', rgb: [45, 190, 60] },
  { colour: 'blue', shape: 'triangle', rgb: [50, 70, 220] },
];

/**
 * All six orders, in the order classes are taken: the first three leave the last shape ambiguous (blue, red,
 * red) and the first four leave every single position ambiguous (first: r b g r, middle: g g b b, last: b r r g).
 */
export const DEMO_ORDERS: readonly (readonly number[])[] = [[0, 1, 2], [2, 1, 0], [1, 2, 0], [0, 2, 1], [1, 0, 2], [2, 0, 1]];

export function orderName(order: readonly number[]): string {
  return order.map((i) => DEMO_SHAPES[i].colour).join('-');
}

/** The class names of a demo with `n` classes (2..6), e.g. ['red-green-blue', 'blue-green-red', 'green-blue-red']. */
export function demoClassNames(n = 3): string[] {
  if (!Number.isInteger(n) || n < 2 || n > DEMO_ORDERS.length) {
    throw new Error(`demo: classes must be an integer from 2 to ${DEMO_ORDERS.length} (the orders of three shapes), got ${n}`);
  }
  return DEMO_ORDERS.slice(0, n).map(orderName);
}

/** The order of shapes (indices into DEMO_SHAPES) a class name stands for. */
export function demoOrder(className: string): number[] {
  const i = DEMO_ORDERS.findIndex((o) => orderName(o) === className);
  if (i < 0) throw new Error(`demo: ${className} is not a demo class (they are ${DEMO_ORDERS.map(orderName).join(', ')})`);
  return [...DEMO_ORDERS[i]];
}

/** Printed by the training CLI when it runs the demo. */
export function describeDemoTask(classNames: readonly string[] = demoClassNames()): string {
  return [
    `Synthetic demo (no download): ${DEMO_WIDTH}x${DEMO_HEIGHT} Motion-JPEG clips, ${DEMO_MIN_FRAMES}-${DEMO_MAX_FRAMES} frames at ${DEMO_FPS} fps.`,
    `Each clip shows a red disc, a green square and a blue triangle one after another; the class is the order:`,
    `  ${classNames.join(', ')}.`,
    `Position, size, drift, colour, background and how long each shape stays vary per clip. Every class shows the`,
    `same kinds of frames, only in another order, so a model that ignores time (averaging per-frame features)`,
    `scores chance (${(100 / classNames.length).toFixed(0)}%); the CNN+LSTM has to remember which shape came first.`,
  ].join('\n');
}

// ---- seeded randomness --------------------------------------------------------------------------------

/** Mixes integers into one 32-bit seed (murmur3's finalizer over a running hash). */
export function hashSeed(...parts: number[]): number {
  let h = 0x9e3779b9;
  for (const p of parts) {
    let k = Math.imul(p | 0, 0xcc9e2d51);
    k = Math.imul((k << 15) | (k >>> 17), 0x1b873593);
    h ^= k;
    h = Math.imul((h << 13) | (h >>> 19), 5) + 0xe6546b64;
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** mulberry32: small, fast, and enough for pictures. */
class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0;
  }
  uint32(): number {
    this.s = (this.s + 0x6d2b79f5) >>> 0;
    let t = this.s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }
  /** Uniform in [lo, hi). */
  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * (this.uint32() / 4294967296);
  }
  /** Uniform integer in [lo, hi]. */
  int(lo: number, hi: number): number {
    return lo + (this.uint32() % (hi - lo + 1));
  }
}

// ---- a clip's content (independent of its class) ------------------------------------------------------

export interface ShapeLook {
  /** Centre in pixels at the middle of the shape's run. */
  cx: number;
  cy: number;
  /** Drift in pixels per sampled frame. */
  vx: number;
  vy: number;
  /** Disc radius; square half-side / 0.85; triangle circumradius / 1.35. */
  size: number;
  angle: number;
  /** Radians per sampled frame. */
  spin: number;
  rgb: [number, number, number];
}

export interface ClipContent {
  seed: number;
  /** Raw frames in the video. */
  frameCount: number;
  /** Sampled frames each shape fills, by DEMO_SHAPES index; 4..7 each, summing to 16. */
  counts: number[];
  looks: ShapeLook[];
  background: { rgb: [number, number, number]; gradient: [number, number] };
  /** Amplitude of the per-pixel, per-frame luminance noise. */
  noise: number;
}

/** The 12 ways to split 16 sampled frames into three runs of 4..7: a symmetric set, so no shape is favoured. */
const COUNT_CHOICES: number[][] = [];
for (let a = 4; a <= 7; a++) for (let b = 4; b <= 7; b++) {
  const c = DEMO_SAMPLED_FRAMES - a - b;
  if (c >= 4 && c <= 7) COUNT_CHOICES.push([a, b, c]);
}

/** Draws everything about a clip except its order. Deterministic in `seed`. */
export function drawContent(seed: number): ClipContent {
  const rng = new Rng(hashSeed(seed, 0x636c6970));
  const frameCount = rng.int(DEMO_MIN_FRAMES, DEMO_MAX_FRAMES);
  const counts = [...COUNT_CHOICES[rng.int(0, COUNT_CHOICES.length - 1)]];
  const looks = DEMO_SHAPES.map((s, i): ShapeLook => {
    // Large shapes: the backbone's globally pooled features must see them over the background.
    const size = rng.uniform(26, 36);
    const speed = rng.uniform(0, 1.5);
    const dir = rng.uniform(0, 2 * Math.PI);
    // the centre at mid-run, kept far enough in that the shape stays in frame over its whole run
    const reach = size * 1.35 + speed * (counts[i] / 2 + 1) + 2;
    return {
      cx: rng.uniform(reach, DEMO_WIDTH - reach),
      cy: rng.uniform(reach, DEMO_HEIGHT - reach),
      vx: speed * Math.cos(dir),
      vy: speed * Math.sin(dir),
      size,
      angle: rng.uniform(0, 2 * Math.PI),
      spin: rng.uniform(-0.1, 0.1),
      rgb: s.rgb.map((v) => Math.round(v + rng.uniform(-25, 25))) as [number, number, number],
    };
  });
  const grey = rng.uniform(90, 160);
  const background = {
    rgb: [0, 1, 2].map(() => grey + rng.uniform(-18, 18)) as [number, number, number],
    gradient: [rng.uniform(-0.15, 0.15), rng.uniform(-0.2, 0.2)] as [number, number],
  };
  return { seed, frameCount, counts, looks, background, noise: rng.uniform(2, 7) };
}

// ---- laying the runs out in a given order --------------------------------------------------------------

export interface Run {
  /** DEMO_SHAPES index. */
  shape: number;
  /** First sampled frame (0..15) and how many sampled frames the run fills. */
  slot: number;
  slots: number;
  /** Raw frames [start, end) of the video that show this shape. */
  start: number;
  end: number;
}

export interface ClipPlan {
  content: ClipContent;
  order: number[];
  /** The raw frames prepare will keep: floor(linspace(0, n-1, 16)). */
  sampled: number[];
  runs: Run[];
}

/** Lays a content out in `order`: runs fill whole sampled frames; their raw boundaries are jittered in between. */
export function planClip(content: ClipContent, order: readonly number[]): ClipPlan {
  if (order.length !== DEMO_SHAPES.length || new Set(order).size !== order.length || order.some((i) => !(i >= 0 && i < DEMO_SHAPES.length))) {
    throw new Error(`demo: an order is a permutation of 0..${DEMO_SHAPES.length - 1}, got [${order.join(', ')}]`);
  }
  const sampled = frameIndices(content.frameCount, DEMO_SAMPLED_FRAMES);
  const rng = new Rng(hashSeed(content.seed, 0x6375, ...order));
  const runs: Run[] = [];
  let slot = 0;
  let start = 0;
  for (const shape of order) {
    const slots = content.counts[shape];
    const next = slot + slots;
    // the cut goes anywhere after the run's last sampled frame, up to and including the next run's first
    const end = next >= DEMO_SAMPLED_FRAMES ? content.frameCount : rng.int(sampled[next - 1] + 1, sampled[next]);
    runs.push({ shape, slot, slots, start, end });
    slot = next;
    start = end;
  }
  return { content, order: [...order], sampled, runs };
}

/** Position in sampled-frame units of raw frame r: exactly i at sampled[i], linear in between. */
function slotTime(sampled: number[], r: number): number {
  let i = 0;
  while (i + 1 < sampled.length && sampled[i + 1] <= r) i++;
  if (i + 1 >= sampled.length) return i;
  return i + (r - sampled[i]) / (sampled[i + 1] - sampled[i]);
}

// ---- pictures ------------------------------------------------------------------------------------------

/** The clip's background without noise, as float RGB (shared by all its frames). */
function backgroundImage(content: ClipContent): Float32Array {
  const { rgb, gradient } = content.background;
  const img = new Float32Array(DEMO_WIDTH * DEMO_HEIGHT * 3);
  for (let y = 0; y < DEMO_HEIGHT; y++) {
    for (let x = 0; x < DEMO_WIDTH; x++) {
      const g = gradient[0] * (x - DEMO_WIDTH / 2) + gradient[1] * (y - DEMO_HEIGHT / 2);
      const o = (y * DEMO_WIDTH + x) * 3;
      img[o] = rgb[0] + g;
      img[o + 1] = rgb[1] + g;
      img[o + 2] = rgb[2] + g;
    }
  }
  return img;
}

/**
 * Draws raw frame r of a planned clip as packed RGB. What it shows depends on the content, the shape of
 * r's run and r's time within that run only, which is what makes the sampled frames order-free.
 */
export function renderFrame(plan: ClipPlan, r: number, background = backgroundImage(plan.content)): Uint8Array {
  const run = plan.runs.find((u) => r >= u.start && r < u.end);
  if (!run) throw new Error(`demo: frame ${r} is outside the clip (0..${plan.content.frameCount - 1})`);
  const t = slotTime(plan.sampled, r) - run.slot; // 0, 1, … at the run's sampled frames
  const look = plan.content.looks[run.shape];
  // a clamped array rounds and clamps on store (to nearest, ties to even): twice as fast as doing it by hand
  const img = new Uint8ClampedArray(DEMO_WIDTH * DEMO_HEIGHT * 3);

  // luminance noise, keyed by (content, shape, time in run) so equal times give equal pictures
  const rng = new Rng(hashSeed(plan.content.seed, 0x6e6f, run.shape, Math.round(t * 1024)));
  const amp = plan.content.noise;
  let bits = 0;
  for (let p = 0; p < DEMO_WIDTH * DEMO_HEIGHT; p++) {
    if ((p & 3) === 0) bits = rng.uint32();
    const n = (((bits >>> ((p & 3) * 8)) & 255) / 127.5 - 1) * amp;
    const o = p * 3;
    img[o] = background[o] + n;
    img[o + 1] = background[o + 1] + n;
    img[o + 2] = background[o + 2] + n;
  }

  const dt = t - (run.slots - 1) / 2;
  const cx = look.cx + look.vx * dt;
  const cy = look.cy + look.vy * dt;
  const angle = look.angle + look.spin * dt;
  const kind = DEMO_SHAPES[run.shape].shape;
  const edges = kind === 'square' ? polygonEdges(4, angle, look.size * 0.85) : kind === 'triangle' ? polygonEdges(3, angle, look.size * 1.35 / 2) : [];
  const reach = Math.ceil(look.size * 1.35) + 2;
  const x0 = Math.max(0, Math.floor(cx - reach));
  const x1 = Math.min(DEMO_WIDTH - 1, Math.ceil(cx + reach));
  const y0 = Math.max(0, Math.floor(cy - reach));
  const y1 = Math.min(DEMO_HEIGHT - 1, Math.ceil(cy + reach));
  for (let y = y0; y <= y1; y++) {
    for (let x = x0; x <= x1; x++) {
      const px = x + 0.5 - cx;
      const py = y + 0.5 - cy;
      // signed distance to the outline (negative inside); a convex polygon's is the max over its edges
      let d: number;
      if (kind === 'disc') d = Math.hypot(px, py) - look.size;
      else {
        d = -Infinity;
        for (const [nx, ny, h] of edges) d = Math.max(d, nx * px + ny * py - h);
      }
      const a = Math.min(1, Math.max(0, 0.5 - d)); // one pixel of antialiasing
      if (a === 0) continue;
      const o = (y * DEMO_WIDTH + x) * 3;
      for (let c = 0; c < 3; c++) img[o + c] = img[o + c] * (1 - a) + look.rgb[c] * a;
    }
  }
  return new Uint8Array(img.buffer);
}

/** Outward normals and apothem of a regular polygon with `sides` sides. */
function polygonEdges(sides: number, angle: number, apothem: number): Array<[number, number, number]> {
  const out: Array<[number, number, number]> = [];
  for (let i = 0; i < sides; i++) {
    const a = angle + (2 * Math.PI * i) / sides;
    out.push([Math.cos(a), Math.sin(a), apothem]);
  }
  return out;
}

export interface SyntheticClip {
  plan: ClipPlan;
  /** Every raw frame, packed RGB DEMO_WIDTH x DEMO_HEIGHT. */
  frames: Uint8Array[];
}

/** The whole clip of content `seed` in `order`. */
export function synthesizeClip(seed: number, order: readonly number[]): SyntheticClip {
  const plan = planClip(drawContent(seed), order);
  const background = backgroundImage(plan.content);
  const frames = Array.from({ length: plan.content.frameCount }, (_, r) => renderFrame(plan, r, background));
  return { plan, frames };
}
