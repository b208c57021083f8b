/** Live metrics sinks: where the intervals of a running run go (see core/live.ts for what they receive). */
export { ndjsonSink, openNdjsonFile, type NdjsonFile } from './ndjson.js';
export { METRIC_PREFIX, PrometheusSink, startPrometheusServer, type PrometheusServer } from './prometheus.js';
