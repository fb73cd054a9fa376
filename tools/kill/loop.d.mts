// Types for loop.mjs, so the TypeScript test can import it.
export interface KillStats {
  kills: number;
  unchanged: number;
  changed: number;
  savesCompleted: number;
  killedBeforeFirstSave: number;
  maxTempFiles: number;
  tempFilesRemovedByNextSave: number;
  seconds: number;
}
export declare function killLoop(options: {
  kills: number;
  seed?: number;
  maxDelayMs?: number;
  dir?: string;
  readModelFile: (bytes: Uint8Array, source?: string) => unknown;
  log?: (line: string) => void;
}): Promise<KillStats>;
