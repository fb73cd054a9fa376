/**
 * The few Prometheus metric types `rnn serve` exposes, written in the text exposition format
 * (version 0.0.4): counters by label, and histograms with cumulative `le` buckets.
 */

function labels(l: Record<string, string>): string {
  const parts = Object.entries(l).map(([k, v]) => `${k}="${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`);
  return parts.length ? `{${parts.join(',')}}` : '';
}

export class Counter {
  private values = new Map<string, { labels: Record<string, string>; value: number }>();
  constructor(
    readonly name: string,
    readonly help: string,
  ) {}

  /** Label objects seen before, with their serialised form (callers that reuse one skip the work). */
  private keys = new WeakMap<Record<string, string>, string>();

  inc(l: Record<string, string> = {}, by = 1): void {
    let key = this.keys.get(l);
    if (key === undefined) this.keys.set(l, (key = labels(l)));
    const e = this.values.get(key);
    if (e) e.value += by;
    else this.values.set(key, { labels: l, value: by });
  }

  get(l: Record<string, string> = {}): number {
    return this.values.get(labels(l))?.value ?? 0;
  }

  text(): string {
    const rows = [...this.values.values()].map((e) => `${this.name}${labels(e.labels)} ${e.value}`);
    return [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} counter`, ...(rows.length ? rows : [`${this.name} 0`])].join('\n');
  }
}

export class Gauge {
  value = 0;
  constructor(
    readonly name: string,
    readonly help: string,
  ) {}

  text(): string {
    return [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} gauge`, `${this.name} ${this.value}`].join('\n');
  }
}

export class Histogram {
  private counts: number[];
  private sum = 0;
  private count = 0;
  constructor(
    readonly name: string,
    readonly help: string,
    readonly buckets: readonly number[],
  ) {
    this.counts = buckets.map(() => 0);
  }

  observe(v: number): void {
    this.sum += v;
    this.count++;
    for (let i = 0; i < this.buckets.length; i++) if (v <= this.buckets[i]!) this.counts[i]!++;
  }

  text(): string {
    return [
      `# HELP ${this.name} ${this.help}`,
      `# TYPE ${this.name} histogram`,
      ...this.buckets.map((b, i) => `${this.name}_bucket{le="${b}"} ${this.counts[i]}`),
      `${this.name}_bucket{le="+Inf"} ${this.count}`,
      `${this.name}_sum ${this.sum}`,
      `${this.name}_count ${this.count}`,
    ].join('\n');
  }
}

/** What `GET /metrics` reports. */
export class ServeMetrics {
  readonly requests = new Counter('rnn_requests_total', 'HTTP requests answered, by path and status code');
  readonly latency = new Histogram('rnn_request_duration_seconds', 'time from a /predict request arriving to its answer being written', [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
  ]);
  readonly batchRows = new Histogram('rnn_batch_rows', 'rows (sequences) per forward pass', [1, 2, 4, 8, 16, 32, 64, 128, 256, 512]);
  readonly batchRequests = new Histogram('rnn_batch_requests', 'requests merged into one forward pass', [1, 2, 4, 8, 16, 32, 64, 128, 256]);
  readonly inference = new Histogram('rnn_inference_duration_seconds', 'time of one forward pass in the inference worker', [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5,
  ]);
  readonly queued = new Gauge('rnn_queue_depth', 'requests waiting for a forward pass');
  readonly inFlight = new Gauge('rnn_requests_in_flight', '/predict requests being read, queued or computed');

  text(): string {
    return [this.requests, this.latency, this.batchRows, this.batchRequests, this.inference, this.queued, this.inFlight].map((m) => m.text()).join('\n') + '\n';
  }
}
