// Numeric comparison with stated tolerances: |actual − expected| <= atol + rtol·|expected|,
// NaN equal to NaN, infinities equal by sign. Failures name the worst element. No Node or
// vitest imports: the browser fixture page (test/browser/) compares with the same code.

export interface Tolerance {
  atol: number;
  rtol: number;
}

export function parseValue(v: number | string): number {
  if (typeof v === 'number') return v;
  if (v === 'NaN') return NaN;
  if (v === 'Infinity') return Infinity;
  if (v === '-Infinity') return -Infinity;
  throw new Error(`fixture: unexpected value ${v}`);
}

/** Why `actual` is not close to `expected` (the worst element), or undefined when it is. */
export function mismatch(actual: ArrayLike<number>, expected: ArrayLike<number | string>, tol: Tolerance, what: string): string | undefined {
  if (actual.length !== expected.length) return `${what}: ${actual.length} values, expected ${expected.length}`;
  let worst = -1;
  let worstExcess = 0;
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i]!;
    const e = parseValue(expected[i]!);
    if (Number.isNaN(e) && Number.isNaN(a)) continue;
    if (!Number.isFinite(e) && a === e) continue;
    const excess = Math.abs(a - e) - (tol.atol + tol.rtol * Math.abs(e));
    if (!(excess <= 0) && (worst < 0 || !(excess <= worstExcess))) {
      worst = i;
      worstExcess = excess;
    }
  }
  if (worst < 0) return undefined;
  return `${what}: element ${worst} is ${actual[worst]}, expected ${expected[worst]} (atol ${tol.atol}, rtol ${tol.rtol})`;
}

/** Throws mismatch()'s message when `actual` is not close to `expected`. */
export function closeEnough(actual: ArrayLike<number>, expected: ArrayLike<number | string>, tol: Tolerance, what: string): void {
  const why = mismatch(actual, expected, tol, what);
  if (why !== undefined) throw new Error(why);
}
