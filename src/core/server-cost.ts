/** The server-cost fields of result.json (computed in src/metrics/server-cost.ts). */

/** One node's share of the measure phase (a field is absent when its delta went negative). */
export interface NodeCost {
  node: string;
  cpuUs?: number;
  /** PUBLISH + SPUBLISH calls this node executed (forwarded cluster-bus messages are not calls). */
  publishCalls?: number;
  /** µs those calls took inside Redis (commandstats usec). */
  publishUsec?: number;
  netOutputBytes?: number;
}

/** The `summary.serverCost` field of result.json. Every metric is absent when it could not be measured. */
export interface ServerCost {
  /** Server CPU µs (every node) per message published in the measure phase. */
  cpuUsPerPublish?: number;
  /** Server CPU µs (every node) per unique delivery. */
  cpuUsPerDelivery?: number;
  /** µs per PUBLISH/SPUBLISH call inside Redis (commandstats usec / calls, every node). */
  usPerPublish?: number;
  /** Bytes written to clients (every node) per unique delivery. */
  bytesPerDelivery?: number;
  /** Totals over every node. */
  cpuUs?: number;
  publishCalls?: number;
  publishUsec?: number;
  netOutputBytes?: number;
  /** Largest output buffer seen by telemetry during the measure phase, bytes (any node). */
  peakOutputBufferBytes?: number;
  /** Window the deltas cover, ms (measure start to the end snapshot after the drain). */
  windowMs: number;
  nodes: NodeCost[];
  /** What these numbers cannot tell apart (shared server, resets, cluster bus). */
  notes: string[];
}
