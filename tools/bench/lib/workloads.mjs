// The benchmark workloads: one definition that every system's worker reads, so that shapes
// cannot drift between systems. Flop counts are for the GEMMs only (the elementwise gate math is
// O(B·T·G·H), a few percent of the total), with multiply-add counted as 2.

/** Full-size workloads (issue 7). */
export const WORKLOADS = {
  A: {
    id: 'A',
    title: 'A: time series, 1-layer LSTM',
    kind: 'seq',
    cell: 'lstm',
    batch: 64,
    steps: 50,
    input: 8,
    hidden: 128,
    layers: 1,
    output: 1,
    perStep: false,
    loss: 'mse',
  },
  B: {
    id: 'B',
    title: 'B: char-LM, 2-layer LSTM',
    kind: 'seq',
    cell: 'lstm',
    batch: 32,
    steps: 100,
    vocab: 65,
    input: 64, // embedding width
    hidden: 256,
    layers: 2,
    output: 65,
    perStep: true,
    loss: 'crossentropy',
  },
  // C is A with a GRU: the same shapes, so the two cells compare directly
  C: null,
  D: {
    id: 'D',
    title: 'D: Tree-LSTM on SST',
    kind: 'tree',
    cell: 'tree-lstm',
    trees: 256,
    batch: 25,
    hidden: 150,
    input: 150, // word-vector width
    classes: 5,
  },
  // E: sequence to sequence (issue 16): Seq2Seq of @rnn/layers on real CMUdict batches (data/cmudict)
  E: {
    id: 'E',
    title: 'E: seq2seq G2P, 2×BiLSTM encoder + LSTM decoder, Luong attention',
    kind: 'seq2seq',
    modes: ['train', 'beam'],
    batch: 64, // pairs per train step: the first lines of data/cmudict/train.tsv.gz
    beamBatch: 64, // sources per beam-search call (the same lines' words)
    beam: 5,
    maxLength: 20, // decoding steps at most (an untrained model rarely ends sooner: every system runs them all)
    embedding: 64, // both sides
    hidden: 256, // per encoder direction
    layers: 2,
    decoderHidden: 256,
    attention: 'luong',
    // our default recipe: the decoder runs over the whole teacher-forced target in one fused call
    inputFeeding: false,
  },
};
WORKLOADS.C = { ...WORKLOADS.A, id: 'C', title: 'C: time series, 1-layer GRU', cell: 'gru' };
// F: E with input feeding (Luong et al. 2015): the previous h̃ joins each decoder input, so training goes step by step
WORKLOADS.F = { ...WORKLOADS.E, id: 'F', title: 'F: seq2seq G2P as E, with input feeding', inputFeeding: true };

/** `--quick`: the same graphs at a fraction of the size, to check the harness end to end in CI. */
export const QUICK = {
  A: { steps: 10, batch: 16, hidden: 32 },
  B: { steps: 20, batch: 8, hidden: 64 },
  C: { steps: 10, batch: 16, hidden: 32 },
  D: { trees: 25, hidden: 32, input: 32 },
  E: { batch: 8, beamBatch: 8, hidden: 32, decoderHidden: 32, embedding: 16, maxLength: 8 },
  F: { batch: 8, beamBatch: 8, hidden: 32, decoderHidden: 32, embedding: 16, maxLength: 8 },
};

/** One line saying what a workload is, from its (possibly reduced) shapes. */
export function describe(w) {
  if (w.kind === 'seq2seq') {
    return (
      `embedding ${w.embedding}, ${w.layers}×BiLSTM ${w.hidden} encoder, LSTM ${w.decoderHidden} decoder, ${w.attention === 'luong' ? 'Luong (general)' : w.attention} attention` +
      `${w.inputFeeding ? ' with input feeding' : ''}; train: ${w.batch} CMUdict pairs per step, teacher forcing, masked cross-entropy, Adam; ` +
      `beam: beam search K=${w.beam} over ${w.beamBatch} words at once, at most ${w.maxLength} steps, untrained weights`
    );
  }
  if (w.kind === 'tree') {
    return `binary Tree-LSTM (Tai et al. 2015), first ${w.trees} SST train trees, batch ${w.batch}, hidden ${w.hidden}, embedding ${w.input}, loss on every labelled node, Adam`;
  }
  const cell = w.cell.toUpperCase();
  const input = w.vocab ? `embedding ${w.vocab}→${w.input}` : `input ${w.input}`;
  const head = w.perStep ? `dense ${w.output} every step` : `dense ${w.output} (last step)`;
  const loss = w.loss === 'mse' ? 'MSE' : 'cross-entropy';
  return `batch ${w.batch}, T ${w.steps}, ${input}, ${w.layers > 1 ? `${w.layers}-layer ` : ''}${cell} ${w.hidden}, ${head}, ${loss}, Adam`;
}

export function workload(id, quick) {
  const w = WORKLOADS[id];
  if (!w) throw new Error(`unknown workload '${id}'; expected one of ${Object.keys(WORKLOADS).join(', ')}`);
  return quick ? { ...w, ...QUICK[id], quick: true } : { ...w, quick: false };
}

export const GATES = { lstm: 4, gru: 3 };

/**
 * The GEMMs of one training step (or forward pass) of a sequence workload (C[M,N] = A[M,K]·B[K,N],
 * `count` times), in the cuDNN-style schedule every system here uses: one big
 * input projection per layer, one small recurrent product per time step, and big weight-gradient
 * products over all steps.
 */
export function gemms(w, mode) {
  if (w.kind !== 'seq') return [];
  const G = GATES[w.cell];
  const { batch: B, steps: T, hidden: H } = w;
  const BT = B * T;
  const out = [];
  // [name, M, N, K, count, transposes]: row-major, weights in PyTorch's [G·H, in] layout
  for (let l = 0; l < w.layers; l++) {
    const I = l === 0 ? w.input : H;
    out.push([`L${l} x·Wihᵀ`, BT, G * H, I, 1, 'NT']);
    out.push([`L${l} h·Whhᵀ`, B, G * H, H, T, 'NT']);
    if (mode === 'train') {
      out.push([`L${l} dg·Whh`, B, H, G * H, T, 'NN']);
      out.push([`L${l} dWhh`, G * H, H, BT, 1, 'TN']);
      out.push([`L${l} dWih`, G * H, I, BT, 1, 'TN']);
      // layer 0 of A/C has no use for dx (the input is data), but B needs it for the embedding
      // gradient; it is ~1% of A's flops either way
      out.push([`L${l} dx`, BT, I, G * H, 1, 'NN']);
    }
  }
  const rows = w.perStep ? BT : B;
  out.push(['dense', rows, w.output, w.hidden, 1, 'NT']);
  if (mode === 'train') {
    out.push(['dense dW', w.output, w.hidden, rows, 1, 'TN']);
    out.push(['dense dx', rows, w.hidden, w.output, 1, 'NN']);
  }
  return out;
}

export function flops(w, mode) {
  return gemms(w, mode).reduce((s, [, M, N, K, n]) => s + 2 * M * N * K * n, 0);
}

/** Sequences (or trees) that one step processes. */
export const itemsPerStep = (w, mode) => (w.kind === 'tree' ? w.trees : w.kind === 'seq2seq' && mode === 'beam' ? w.beamBatch : w.batch);
