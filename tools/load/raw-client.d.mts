// Types for raw-client.mjs, so the TypeScript tests can import it.
export declare function requestBytes(url: string, path: string, body: string): Buffer;
export declare function closedLoop(options: {
  url: string;
  payloads: Buffer[];
  requests: number;
  concurrency: number;
  check(i: number, status: number, body: string): void;
  onProgress?(answered: number): void;
}): Promise<{ seconds: number; latencies: number[]; failures: number; firstFailure: string | null }>;
