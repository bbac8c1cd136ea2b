// The long-lived shell that starts ffmpeg (pipeline/ffmpeg-runner.ts): arguments reach the program
// verbatim however odd, stdin/stdout/stderr and the exit status come back as a direct spawn gives
// them, concurrent runs do not mix, and the frames are the same either way.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { extractClip } from '../../pipeline/extract.js';
import { runToEnd } from '../../pipeline/ffmpeg-runner.js';
import { H264, XVID } from './helpers.js';

afterEach(() => {
  delete process.env.WEBGRAD_FFMPEG_SHELL;
});

const SH = ['-c', 'printf "%s|" "$@"; cat; printf "e%s" "$#" >&2; exit 3', 'sh'];

describe('runToEnd', () => {
  const odd = ["it's", 'a b', '$HOME', '`x`', '"q"', 'new\nline', '\\', "''", ''];

  for (const shell of ['1', '0']) {
    it(`passes arguments, stdin, stdout, stderr and the status (${shell === '1' ? 'through the shell' : 'spawned directly'})`, async () => {
      process.env.WEBGRAD_FFMPEG_SHELL = shell;
      const res = await runToEnd('/bin/sh', [...SH, ...odd], new TextEncoder().encode('IN'));
      expect(res.code).toBe(3);
      expect(res.stdout.toString()).toBe(`${odd.join('|')}|IN`);
      expect(res.stderr).toBe(`e${odd.length}`);
      const none = await runToEnd('/bin/sh', ['-c', 'cat; echo done']);
      expect(none).toEqual({ code: 0, stdout: Buffer.from('done\n'), stderr: '' });
    });
  }

  it('keeps concurrent runs apart', async () => {
    const runs = await Promise.all([0, 1, 2, 3].map((i) => runToEnd('/bin/sh', ['-c', `sleep 0.0${i}; head -c ${1000 * (i + 1)}`], new Uint8Array(100000).fill(i))));
    runs.forEach((r, i) => expect(r.stdout.equals(Buffer.alloc(1000 * (i + 1), i))).toBe(true));
  });

  it.skipIf(!existsSync('/dev/shm'))('leaves no scratch folder behind when the process ends', async () => {
    const scratch = (): string[] => readdirSync('/dev/shm').filter((f) => f.startsWith('webgrad-ffmpeg-'));
    const before = new Set(scratch());
    // a child process runs through a shell, prints the scratch folders then present and exits without cleaning up
    const runner = new URL('../../pipeline/ffmpeg-runner.ts', import.meta.url).pathname;
    const code = `import { runToEnd } from '${runner}'; import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
      await runToEnd('/bin/sh', ['-c', 'true']);
      console.log(JSON.stringify(readdirSync('/dev/shm').filter((f) => f.startsWith('webgrad-ffmpeg-'))));`;
    const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { encoding: 'utf8' });
    const childs = (JSON.parse(out) as string[]).filter((f) => !before.has(f));
    expect(childs).toHaveLength(1);
    // the shell removes its folder once its stdin closes, a moment after the process is gone
    for (let i = 0; i < 100 && existsSync(join('/dev/shm', childs[0])); i++) await new Promise((r) => setTimeout(r, 50));
    expect(existsSync(join('/dev/shm', childs[0]))).toBe(false);
  });
});

describe('prepare\'s frames', () => {
  for (const path of [XVID, H264]) {
    it(`are the same through the shell and spawned directly: ${path.split('/').pop()}`, async () => {
      const viaShell = await extractClip(path);
      process.env.WEBGRAD_FFMPEG_SHELL = '0';
      const direct = await extractClip(path);
      expect(viaShell.indices).toEqual(direct.indices);
      // Buffer.equals: vitest's deep equality takes seconds over 4 MB
      expect(Buffer.concat(viaShell.frames).equals(Buffer.concat(direct.frames))).toBe(true);
    });
  }
});
