/**
 * Word shapes: a coarse class of how a token is written, the classic signal for entities never
 * seen in training (Collins 2002; Finkel et al. 2005): an unknown capitalised word mid-sentence
 * is far more often a name than an unknown lower-case one. The tagger learns one vector per class
 * (`shapeDim`), which sees the original case even when the word embeddings are looked up
 * lower-cased. The classes are fixed (their order is part of the model file: `shape.numShapes`
 * says how many a file was trained with, and a reader refuses a file with another count).
 */
export const WORD_SHAPES = [
  'other', // symbols, emoji, scripts without case
  'lower', // hello
  'capitalised', // Hello
  'upper', // HELLO (two or more letters)
  'single-upper', // I, A
  'mixed', // iPhone, McDonald
  'digits', // 2017, 3.5, 10:30
  'alphanumeric', // mp3, 2nd, B52
  'mention', // @user
  'hashtag', // #topic
  'url', // http://…, www.…, example.com
  'punctuation', // . , ! ?
] as const;

export type WordShape = (typeof WORD_SHAPES)[number];

const URL = /^(https?:\/\/|www\.)|^[\w-]+(\.[\w-]+)*\.(com|org|net|edu|gov|io|co|uk|ly|me|tv)(\/\S*)?$/i;
const PUNCT = /^[\p{P}]+$/u;
const UPPER = /\p{Lu}/u;
const LOWER = /\p{Ll}/u;
const LETTER = /\p{L}/u;
const DIGIT = /\p{Nd}/u;
const NUMBER = /^[\p{Nd}.,:/-]*\p{Nd}[\p{Nd}.,:/-]*$/u;

/** The id (index in `WORD_SHAPES`) of a token's shape. */
export function wordShape(w: string): number {
  return WORD_SHAPES.indexOf(shapeName(w));
}

function shapeName(w: string): WordShape {
  if (w.length > 1 && w[0] === '@') return 'mention';
  if (w.length > 1 && w[0] === '#') return 'hashtag';
  if (URL.test(w)) return 'url';
  if (NUMBER.test(w)) return 'digits';
  const hasDigit = DIGIT.test(w);
  const hasLetter = LETTER.test(w);
  if (hasDigit && hasLetter) return 'alphanumeric';
  if (hasLetter) {
    const up = UPPER.test(w);
    const low = LOWER.test(w);
    if (up && !low) return [...w].filter((c) => LETTER.test(c)).length > 1 ? 'upper' : 'single-upper';
    if (low && !up) return 'lower';
    if (up && low) {
      const first = [...w].find((c) => LETTER.test(c))!;
      const rest = w.slice(w.indexOf(first) + first.length);
      return UPPER.test(first) && !UPPER.test(rest) ? 'capitalised' : 'mixed';
    }
    return 'other'; // letters without case
  }
  if (PUNCT.test(w)) return 'punctuation';
  return 'other';
}
