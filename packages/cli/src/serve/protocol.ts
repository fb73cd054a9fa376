/** Messages between `rnn serve`'s HTTP thread and its inference worker (worker.ts). */

export interface WorkerInit {
  modelPath: string;
  /** The backend the main thread picked, so both threads compute alike. */
  backend: string;
}

export interface PredictMessage {
  type: 'predict';
  id: number;
  /** Row-major `[batch, time, features]` floats or `[batch, time]` token ids. */
  data: Float32Array | Int32Array;
  shape: number[];
  /** Valid steps per row when rows of several lengths were padded into one batch. */
  lengths: number[] | null;
}

export type WorkerReply =
  | { type: 'ready'; backend: string }
  | { type: 'fatal'; message: string }
  | { type: 'result'; id: number; data: Float32Array; shape: number[]; seconds: number }
  | { type: 'error'; id: number; message: string; code: string | null };
