import { DEFAULT_MAX_LENGTH, readConll, type ConllFile } from '@rnn/layers';
import type { Io } from '../../command.js';
import { flag } from '../../flags.js';

/**
 * Reading `--tagging` files with the column flags every tagging command takes. The rules (tab or
 * spaces, comments, CoNLL-U, the sentence length limit) are @rnn/layers' CoNLL reader's.
 */

export const COLUMN_FLAGS = {
  'token-column': flag.int('1-based column of the token (default 1; CoNLL-U: 2, FORM)', { value: 'N', check: 'positive' }),
  'tag-column': flag.int('1-based column of the tag (default: the last; CoNLL-U: 4, UPOS)', { value: 'N', check: 'positive' }),
  'max-length': flag.int('most tokens a sentence may have: a longer one is an error (a blank line missing between sentences)', {
    value: 'N',
    default: DEFAULT_MAX_LENGTH,
    check: 'positive',
  }),
};

export interface ColumnValues {
  'token-column'?: number | undefined;
  'tag-column'?: number | undefined;
  'max-length': number;
}

const NAMES = { tokenColumn: '--token-column', tagColumn: '--tag-column', maxLength: '--max-length' };

/** A CoNLL/CoNLL-U file read as the flags say; a file mixing tab- and space-separated lines gets a note. */
export function readTagged(path: string, v: ColumnValues, io: Io, o: { tags?: boolean } = {}): ConllFile {
  const file = readConll(path, { tokenColumn: v['token-column'], tagColumn: v['tag-column'], maxLength: v['max-length'], tags: o.tags ?? true, names: NAMES });
  if (file.separator === 'mixed') {
    io.stderr.write(`rnn: note: ${path} separates the columns of some lines with tabs and of others with spaces; each line was split on its own separator\n`);
  }
  return file;
}

/**
 * Tags of `file` the model does not know, with how often each occurs and where first: the model
 * cannot predict them, so each such token counts as an error (a note, not a failure: a test set
 * may hold a rare type the training set lacks).
 */
export function unknownTags(file: ConllFile, known: (tag: string) => boolean): { tag: string; count: number; line: number }[] {
  const found = new Map<string, { tag: string; count: number; line: number }>();
  for (const s of file.sentences) {
    s.tags!.forEach((t, i) => {
      if (known(t)) return;
      const f = found.get(t);
      if (f) f.count++;
      else found.set(t, { tag: t, count: 1, line: s.lines[i]! });
    });
  }
  return [...found.values()];
}

/** The note `unknownTags` asks for, or nothing. */
export function noteUnknownTags(path: string, file: ConllFile, known: (tag: string) => boolean, io: Io): void {
  const u = unknownTags(file, known);
  if (!u.length) return;
  const list = u.map((x) => `'${x.tag}' (${x.count}×, first on line ${x.line})`).join(', ');
  io.stderr.write(`rnn: note: ${path} has ${u.length === 1 ? 'a tag' : 'tags'} never seen in training: ${list}; the model cannot predict ${u.length === 1 ? 'it' : 'them'}, so those tokens are scored as wrong\n`);
}
