// Types for client.mjs, so the TypeScript test can import it.
export interface LoadResult {
  requests: number;
  seconds: number;
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
  rssStartMB: number;
  rssEndMB: number;
  rssMaxMB: number;
  /** Least-squares slope of the server's RSS over the second half of the run. */
  rssSlopeKBPer1000: number;
  heapStartMB: number;
  heapEndMB: number;
  heapSlopeKBPer1000: number;
}
export interface RunningServer {
  url: string;
  stop(): Promise<void>;
  stderr(): string;
}
export declare function startServer(modelPath: string, options?: { timeoutMs?: number }): Promise<RunningServer>;
export declare function fireLoad(options: {
  url: string;
  requests: number;
  concurrency: number;
  features: number;
  outputWidth?: number;
  samples?: number;
  deadlineMs?: number;
}): Promise<LoadResult>;
export declare function hostile(url: string): Promise<{ what: string; status: number | string; expected: number }[]>;
export declare function body(i: number, features: number): { text: string; shape: number[] };
