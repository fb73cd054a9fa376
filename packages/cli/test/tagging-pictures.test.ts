import { describe, expect, it } from 'vitest';
import { sceneToSvg } from '../src/plot/index.js';
import { entitiesHtml, sentenceScene, tagOrder, transitionScene, typeColors } from '../src/workflows/tagging/pictures.js';
import { showcase } from '../src/workflows/tagging/evaluate.js';

const t = (s: string) => s.split(' ');
// WNUT17 test sentence 418, its gold tags, and a prediction with one entity right, one wrong, one missed
const tokens = t('In " The Six Thatchers " , why does Watson blame Sherlock rather than himself ?');
const gold = t('O O B-creative-work I-creative-work I-creative-work O O O O B-person O B-person O O O O');
const predicted = t('O O B-creative-work I-creative-work I-creative-work O O O O B-person O B-location O O O O');

describe('tagging pictures', () => {
  it('a sentence: a tinted box per predicted entity with its type, red outline when wrong, gold underlined', () => {
    const scene = sentenceScene({ tokens, predicted, gold });
    const texts = scene.items.filter((p) => p.kind === 'text').map((p) => (p as { text: string }).text);
    for (const w of tokens) expect(texts).toContain(w);
    expect(texts.filter((x) => x === 'person')).toHaveLength(2); // the label above Watson, and the legend
    const outlines = scene.items.filter((p) => p.kind === 'rect' && (p as { stroke?: string }).stroke === '#d00000');
    expect(outlines).toHaveLength(1); // Sherlock: predicted location, gold person
    const underlines = scene.items.filter((p) => p.kind === 'rect' && (p as { h: number }).h === 3);
    expect(underlines).toHaveLength(3);
    expect(sceneToSvg(scene)).toMatch(/^<\?xml[\s\S]*<\/svg>\n$/);
  });

  it('the HTML page marks right and wrong predictions and underlines missed gold entities', () => {
    const html = entitiesHtml([{ tokens, predicted, gold }, { tokens: t('no entity here'), predicted: t('O O O'), gold: t('O O O') }], null, { title: 'a <test>' });
    expect(html).toContain('<title>a &lt;test&gt;</title>');
    expect(html).toContain('title="predicted creative-work">The Six Thatchers<sub>creative-work</sub></mark>');
    expect(html).toContain('title="predicted location (not in gold)">');
    expect(html).toContain('title="missed gold person">Sherlock</u>');
    expect(html).toContain('1 of 2 sentences hold an entity');
    expect(html).not.toContain('no entity here');
  });

  it('one colour per type whatever the order they appear in', () => {
    expect([...typeColors(['b', 'a', 'b'])]).toEqual([...typeColors(['a', 'b'])]);
    expect(typeColors(['a', 'b']).get('a')).not.toBe(typeColors(['a', 'b']).get('b'));
  });

  it('the transition map lists O first and each type\'s B- and I- together, with START and END', () => {
    const tags = ['I-x', 'O', 'B-y', 'B-x', 'I-y'];
    expect(tagOrder(tags).map((i) => tags[i])).toEqual(['O', 'B-x', 'I-x', 'B-y', 'I-y']);
    const K = tags.length;
    // transitions[i][j] = 10 i + j, so each cell says where it came from
    const scene = transitionScene({ tags, transitions: tags.map((_, i) => tags.map((_, j) => 10 * i + j)), start: tags.map((_, j) => -j), end: tags.map((_, i) => 100 + i) });
    const texts = scene.items.filter((p) => p.kind === 'text').map((p) => (p as { text: string }).text);
    const rowLabels = ['START', 'O', 'B-x', 'I-x', 'B-y', 'I-y'];
    for (const l of [...rowLabels, 'END']) expect(texts).toContain(l);
    // the first data row (O, tag 1) to the first column (O) is transitions[1][1] = 11, then O -> B-x = transitions[1][3] = 13
    const values = texts.filter((x) => /^-?\d+\.\d$/.test(x));
    expect(values.slice(0, K)).toEqual(['-1.0', '-3.0', '0.0', '-2.0', '-4.0']); // START row: start[O], start[B-x], start[I-x], …
    expect(values.slice(K, 2 * K + 1)).toEqual(['11.0', '13.0', '10.0', '12.0', '14.0', '101.0']);
  });

  it('the report\'s sentence is one of 6 to 30 tokens with the most entities found', () => {
    const short = { tokens: t('Watson !'), predicted: t('B-person O'), gold: t('B-person O') };
    const none = { tokens, predicted: t('O O O O O O O O O O O O O O O O'), gold };
    expect(showcase([short, none, { tokens, predicted, gold }])).toBe(2);
  });
});
