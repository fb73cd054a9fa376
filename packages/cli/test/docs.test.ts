import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, it } from 'vitest';

// Every ```ts block of the README and docs/ runs here (blocks marked `no-run` are only
// type-level illustrations), so the documentation cannot rot.
const root = new URL('../../../', import.meta.url).pathname;
const files = ['README.md', ...readdirSync(join(root, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];
const scratch = join(new URL('.', import.meta.url).pathname, '.docs-blocks');
mkdirSync(scratch, { recursive: true });
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

for (const file of files) {
  const text = readFileSync(join(root, file), 'utf8');
  const blocks = [...text.matchAll(/```ts([^\n]*)\n([\s\S]*?)```/g)].filter((m) => !m[1]!.includes('no-run'));
  if (!blocks.length) continue;
  describe(file, () => {
    blocks.forEach((m, i) => {
      const line = text.slice(0, m.index).split('\n').length;
      it(`code block at line ${line} runs`, async () => {
        const path = join(scratch, `${file.replace(/[/.]/g, '_')}_${i}.ts`);
        writeFileSync(path, m[2]!);
        const cwd = process.cwd();
        process.chdir(scratch);
        try {
          await import(path);
        } finally {
          process.chdir(cwd);
        }
      }, 120_000);
    });
  });
}
