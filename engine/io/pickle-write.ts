// A protocol-2 pickler for the data torch.save writes: OrderedDicts/dicts, lists, strings,
// numbers, booleans, None, and (through the `custom` hook) tensors as
// torch._utils._rebuild_tensor_v2 calls. Memoizes like CPython's pickler (BINPUT after every
// string, tuple, list, dict and global; repeated globals and strings become BINGET), so the
// output reads like torch's own.

export class PickleWriter {
  private parts: number[] = [];
  private memo = new Map<string, number>();

  constructor(private readonly custom: (value: unknown, w: PickleWriter) => boolean = () => false) {
    this.op(0x80, 2); // PROTO 2
  }

  finish(): Uint8Array {
    this.op(0x2e); // STOP
    return Uint8Array.from(this.parts);
  }

  op(...bytes: number[]): void {
    for (const b of bytes) this.parts.push(b);
  }

  private u32(v: number): void {
    this.op(v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff);
  }

  private put(key?: string): void {
    const index = this.memo.size;
    this.memo.set(key ?? `\0anon${index}`, index);
    if (index < 256) this.op(0x71, index); // BINPUT
    else { this.op(0x72); this.u32(index); } // LONG_BINPUT
  }

  /** Writes BINGET for a memoized key; false when it is not memoized yet. */
  private get(key: string): boolean {
    const index = this.memo.get(key);
    if (index === undefined) return false;
    if (index < 256) this.op(0x68, index);
    else { this.op(0x6a); this.u32(index); }
    return true;
  }

  global(module: string, name: string): void {
    const key = `\0global:${module}.${name}`;
    if (this.get(key)) return;
    this.op(0x63); // GLOBAL
    for (const c of `${module}\n${name}\n`) this.op(c.charCodeAt(0));
    this.put(key);
  }

  string(s: string): void {
    const key = `\0str:${s}`;
    if (this.get(key)) return;
    const bytes = new TextEncoder().encode(s);
    this.op(0x58); // BINUNICODE
    this.u32(bytes.length);
    for (const b of bytes) this.parts.push(b);
    this.put(key);
  }

  int(v: number | bigint): void {
    if (typeof v === 'number' && v >= 0 && v < 256) this.op(0x4b, v); // BININT1
    else if (typeof v === 'number' && v >= 0 && v < 65536) this.op(0x4d, v & 0xff, v >> 8); // BININT2
    else if (typeof v === 'number' && v >= -(2 ** 31) && v < 2 ** 31) { this.op(0x4a); this.u32(v); } // BININT
    else {
      // LONG1: minimal little-endian two's complement.
      let x = BigInt(v);
      const bytes: number[] = [];
      for (;;) {
        bytes.push(Number(x & 0xffn));
        x >>= 8n;
        const signBit = bytes[bytes.length - 1]! & 0x80;
        if ((x === 0n && !signBit) || (x === -1n && signBit)) break;
      }
      this.op(0x8a, bytes.length, ...bytes);
    }
  }

  float(v: number): void {
    const b = new DataView(new ArrayBuffer(8));
    b.setFloat64(0, v, false);
    this.op(0x47); // BINFLOAT
    for (let i = 0; i < 8; i++) this.op(b.getUint8(i));
  }

  /** A tuple of already-known items (written by `item`). */
  tuple(items: unknown[], item: (v: unknown) => void = (v) => this.value(v)): void {
    if (items.length === 0) { this.op(0x29); return; } // EMPTY_TUPLE, not memoized (as CPython)
    if (items.length > 3) this.op(0x28); // MARK
    for (const v of items) item(v);
    this.op(items.length === 1 ? 0x85 : items.length === 2 ? 0x86 : items.length === 3 ? 0x87 : 0x74);
    this.put();
  }

  /** Closes a MARK-ed tuple (TUPLE) and memoizes it. */
  endTuple(): void {
    this.op(0x74);
    this.put();
  }

  /** Calls the global below the argument tuple (REDUCE) and memoizes the result. */
  reduce(): void {
    this.op(0x52);
    this.put();
  }

  /** collections.OrderedDict() followed by its items (as OrderedDict.__reduce__ pickles). */
  orderedDict(entries: Iterable<[unknown, unknown]>): void {
    this.global('collections', 'OrderedDict');
    this.op(0x29); // EMPTY_TUPLE
    this.reduce();
    this.items(entries);
  }

  dict(entries: Iterable<[unknown, unknown]>): void {
    this.op(0x7d); // EMPTY_DICT
    this.put();
    this.items(entries);
  }

  private items(entries: Iterable<[unknown, unknown]>): void {
    const all = [...entries];
    // CPython batches SETITEMS by 1000; a single pair is a SETITEM.
    for (let i = 0; i < all.length; i += 1000) {
      const batch = all.slice(i, i + 1000);
      if (batch.length > 1) this.op(0x28);
      for (const [k, v] of batch) { this.value(k); this.value(v); }
      this.op(batch.length > 1 ? 0x75 : 0x73);
    }
  }

  list(items: unknown[]): void {
    this.op(0x5d); // EMPTY_LIST
    this.put();
    for (let i = 0; i < items.length; i += 1000) {
      const batch = items.slice(i, i + 1000);
      if (batch.length > 1) this.op(0x28);
      for (const v of batch) this.value(v);
      this.op(batch.length > 1 ? 0x65 : 0x61);
    }
  }

  value(v: unknown): void {
    if (this.custom(v, this)) return;
    if (v === null || v === undefined) this.op(0x4e);
    else if (v === true) this.op(0x88);
    else if (v === false) this.op(0x89);
    else if (typeof v === 'bigint') this.int(v);
    else if (typeof v === 'number') {
      if (Number.isSafeInteger(v) && !Object.is(v, -0)) this.int(v);
      else this.float(v);
    } else if (typeof v === 'string') this.string(v);
    else if (Array.isArray(v)) this.list(v);
    else if (v instanceof Map) this.orderedDict(v.entries());
    else if (typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) this.dict(Object.entries(v as object));
    else throw new Error(`saveTorch: cannot write a value of type ${(v as object)?.constructor?.name ?? typeof v}; only tensors, Maps, plain objects, arrays, numbers, strings, booleans and null`);
  }
}
