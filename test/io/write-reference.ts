// Writes test/fixtures/io/webgrad_*.{pt,safetensors} and webgrad_expected.json, for
// test/fixtures/generate_io.py to verify with torch.load. Run: npx tsx test/io/write-reference.ts
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as wg from '../../engine/index.js';
import { expectedJson, referenceCheckpoint, referenceMetadata, referenceStateDict } from './reference-values.js';

const dir = fileURLToPath(new URL('../fixtures/io/', import.meta.url));
await wg.saveTorch(`${dir}webgrad_written.pt`, referenceStateDict());
await wg.saveTorch(`${dir}webgrad_checkpoint.pt`, referenceCheckpoint());
await wg.saveSafetensors(`${dir}webgrad_written.safetensors`, referenceStateDict(), referenceMetadata);
writeFileSync(`${dir}webgrad_expected.json`, `${JSON.stringify(expectedJson(), null, 1)}\n`);
console.log(`wrote ${dir}webgrad_*; now run /usr/bin/python3 test/fixtures/generate_io.py`);
process.exit(0);
