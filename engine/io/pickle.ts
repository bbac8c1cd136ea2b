// A safe unpickler: interprets pickle opcodes as data only. Globals are resolved through an
// allowlist the caller supplies (torch.ts), so nothing outside it is ever looked up, let alone
// called; every other global, and every opcode that could build arbitrary objects (INST, OBJ,
// EXT*), is refused with the file's name. Covers protocols 2–4 as torch.save and Python's
// pickle write them for state dicts and training checkpoints.
//
// Python values become: None → null, bool → boolean, int → number (bigint past 2^53),
// float → number, str → string, bytes → Uint8Array, list and tuple → array, dict → Map.

/** A global the allowlist admits: something to call (REDUCE/NEWOBJ) or a tag (e.g. a storage type). */
export class PyGlobal {
  constructor(
    readonly qualname: string,
    readonly call?: (args: unknown[]) => unknown,
    readonly tag?: unknown,
  ) {}
}

export interface UnpickleOptions {
  /** Names the source in errors, e.g. `model.pt`. */
  file: string;
  /** The allowed global for `module.name`, or null to refuse it. */
  findGlobal(module: string, name: string): PyGlobal | null;
  /** Resolves a BINPERSID reference (torch's storages). */
  persistentLoad?(pid: unknown): unknown;
  /** BUILD (setstate) on an object an allowed global returned; absent or false → refused. */
  build?(obj: unknown, state: unknown): boolean;
}

const MARK = Symbol('mark');

export function refusal(file: string, qualname: string): Error {
  return new Error(`refusing to load ${file}: pickle calls ${qualname}, which is not allowed (only tensors, dicts, lists and numbers)`);
}

export function unpickle(bytes: Uint8Array, options: UnpickleOptions): unknown {
  const { file } = options;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const latin1 = new TextDecoder('latin1');
  const utf8 = new TextDecoder('utf-8', { fatal: false });
  const memo = new Map<number, unknown>();
  let stack: unknown[] = [];
  const metastack: unknown[][] = [];
  let pos = 0;

  const corrupt = (what: string) => new Error(`${file}: corrupt pickle (${what} at byte ${pos})`);
  const need = (n: number) => {
    if (pos + n > bytes.length) throw new Error(`${file}: pickle data is truncated (needs ${n} more bytes at byte ${pos} of ${bytes.length})`);
  };
  const u8 = () => { need(1); return bytes[pos++]!; };
  const u16 = () => { need(2); const v = view.getUint16(pos, true); pos += 2; return v; };
  const u32 = () => { need(4); const v = view.getUint32(pos, true); pos += 4; return v; };
  const u64 = () => {
    need(8);
    const v = view.getBigUint64(pos, true);
    pos += 8;
    if (v > BigInt(bytes.length)) throw corrupt(`length ${v} past the end`);
    return Number(v);
  };
  const take = (n: number) => { need(n); const b = bytes.subarray(pos, pos + n); pos += n; return b; };
  const line = () => {
    const end = bytes.indexOf(0x0a, pos);
    if (end < 0) throw new Error(`${file}: pickle data is truncated (unterminated line at byte ${pos})`);
    const s = latin1.decode(bytes.subarray(pos, end));
    pos = end + 1;
    return s;
  };
  const pop = () => {
    if (stack.length === 0) throw corrupt('stack underflow');
    return stack.pop();
  };
  const top = () => {
    if (stack.length === 0) throw corrupt('stack underflow');
    return stack[stack.length - 1];
  };
  const popMark = () => {
    const items = stack;
    const previous = metastack.pop();
    if (!previous) throw corrupt('no MARK to pop to');
    stack = previous;
    return items;
  };
  const int = (v: bigint) => (v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v);
  const long = (b: Uint8Array) => {
    let v = 0n;
    for (let i = b.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]!);
    if (b.length > 0 && b[b.length - 1]! & 0x80) v -= 1n << BigInt(8 * b.length);
    return int(v);
  };
  const global = (module: string, name: string) => {
    const g = options.findGlobal(module, name);
    if (!g) throw refusal(file, `${module}.${name}`);
    return g;
  };
  const callGlobal = (fn: unknown, args: unknown) => {
    if (!(fn instanceof PyGlobal)) throw corrupt('REDUCE on a value that is not a global');
    if (!fn.call) throw refusal(file, fn.qualname);
    if (!Array.isArray(args)) throw corrupt(`arguments of ${fn.qualname} are not a tuple`);
    return fn.call(args);
  };
  const setItems = (dict: unknown, items: unknown[]) => {
    if (!(dict instanceof Map)) throw corrupt('SETITEM(S) on a value that is not a dict');
    if (items.length % 2) throw corrupt('odd number of SETITEMS entries');
    for (let i = 0; i < items.length; i += 2) dict.set(items[i], items[i + 1]);
  };
  const appendItems = (list: unknown, items: unknown[]) => {
    if (!Array.isArray(list)) throw corrupt('APPEND(S) on a value that is not a list');
    list.push(...items);
  };

  for (;;) {
    const at = pos;
    const op = u8();
    switch (op) {
      case 0x80: u8(); break; // PROTO
      case 0x95: u64(); break; // FRAME: framing is irrelevant when the whole pickle is in memory
      case 0x2e: { // STOP
        const result = pop();
        return result;
      }
      case 0x28: metastack.push(stack); stack = []; break; // MARK
      case 0x29: stack.push([]); break; // EMPTY_TUPLE
      case 0x74: { const items = popMark(); stack.push(items); break; } // TUPLE (popMark swaps `stack`)
      case 0x85: stack.push([pop()]); break; // TUPLE1
      case 0x86: { const b = pop(); const a = pop(); stack.push([a, b]); break; } // TUPLE2
      case 0x87: { const c = pop(); const b = pop(); const a = pop(); stack.push([a, b, c]); break; } // TUPLE3
      case 0x5d: stack.push([]); break; // EMPTY_LIST
      case 0x6c: { const items = popMark(); stack.push(items); break; } // LIST
      case 0x61: { const v = pop(); appendItems(top(), [v]); break; } // APPEND
      case 0x65: { const items = popMark(); appendItems(top(), items); break; } // APPENDS
      case 0x7d: stack.push(new Map()); break; // EMPTY_DICT
      case 0x64: { const d = new Map(); setItems(d, popMark()); stack.push(d); break; } // DICT
      case 0x73: { const v = pop(); const k = pop(); setItems(top(), [k, v]); break; } // SETITEM
      case 0x75: { const items = popMark(); setItems(top(), items); break; } // SETITEMS
      case 0x4e: stack.push(null); break; // NONE
      case 0x88: stack.push(true); break; // NEWTRUE
      case 0x89: stack.push(false); break; // NEWFALSE
      case 0x4a: need(4); stack.push(view.getInt32(pos, true)); pos += 4; break; // BININT
      case 0x4b: stack.push(u8()); break; // BININT1
      case 0x4d: stack.push(u16()); break; // BININT2
      case 0x8a: stack.push(long(take(u8()))); break; // LONG1
      case 0x8b: { need(4); const n = view.getInt32(pos, true); pos += 4; if (n < 0) throw corrupt('negative LONG4 length'); stack.push(long(take(n))); break; }
      case 0x47: need(8); stack.push(view.getFloat64(pos, false)); pos += 8; break; // BINFLOAT (big-endian)
      case 0x58: stack.push(utf8.decode(take(u32()))); break; // BINUNICODE
      case 0x8c: stack.push(utf8.decode(take(u8()))); break; // SHORT_BINUNICODE
      case 0x8d: stack.push(utf8.decode(take(u64()))); break; // BINUNICODE8
      case 0x55: stack.push(latin1.decode(take(u8()))); break; // SHORT_BINSTRING (Python 2 str)
      case 0x54: stack.push(latin1.decode(take(u32()))); break; // BINSTRING
      case 0x43: stack.push(take(u8()).slice()); break; // SHORT_BINBYTES
      case 0x42: stack.push(take(u32()).slice()); break; // BINBYTES
      case 0x8e: stack.push(take(u64()).slice()); break; // BINBYTES8
      case 0x71: memo.set(u8(), top()); break; // BINPUT
      case 0x72: memo.set(u32(), top()); break; // LONG_BINPUT
      case 0x94: memo.set(memo.size, top()); break; // MEMOIZE
      case 0x68: case 0x6a: { // BINGET, LONG_BINGET
        const key = op === 0x68 ? u8() : u32();
        if (!memo.has(key)) throw corrupt(`memo entry ${key} is missing`);
        stack.push(memo.get(key));
        break;
      }
      case 0x30: pop(); break; // POP
      case 0x31: popMark(); break; // POP_MARK
      case 0x32: stack.push(top()); break; // DUP
      case 0x63: { const module = line(); const name = line(); stack.push(global(module, name)); break; } // GLOBAL
      case 0x93: { // STACK_GLOBAL
        const name = pop();
        const module = pop();
        if (typeof module !== 'string' || typeof name !== 'string') throw corrupt('STACK_GLOBAL needs two strings');
        stack.push(global(module, name));
        break;
      }
      case 0x52: { const args = pop(); const fn = pop(); stack.push(callGlobal(fn, args)); break; } // REDUCE
      case 0x81: { const args = pop(); const cls = pop(); stack.push(callGlobal(cls, args)); break; } // NEWOBJ
      case 0x62: { // BUILD
        const state = pop();
        const obj = top();
        if (!options.build?.(obj, state)) {
          throw new Error(`refusing to load ${file}: pickle sets the state of an object (BUILD at byte ${at}), which is only allowed for OrderedDict`);
        }
        break;
      }
      case 0x51: { // BINPERSID
        const pid = pop();
        if (!options.persistentLoad) throw corrupt('persistent reference without a handler');
        stack.push(options.persistentLoad(pid));
        break;
      }
      case 0x69: case 0x6f: case 0x82: case 0x83: case 0x84: case 0x92: { // INST, OBJ, EXT1/2/4, NEWOBJ_EX
        throw new Error(`refusing to load ${file}: pickle opcode 0x${op.toString(16)} at byte ${at} builds arbitrary objects, which is not allowed (only tensors, dicts, lists and numbers)`);
      }
      default:
        throw new Error(`${file}: unknown or unsupported pickle opcode 0x${op.toString(16).padStart(2, '0')} ('${String.fromCharCode(op)}') at byte ${at}; the file is corrupt or not a PyTorch checkpoint`);
    }
  }
}
