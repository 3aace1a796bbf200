/** Types for parse-prometheus-text-format 1.1 (the package ships none): a JS port of Prometheus's own text parser. */
declare module 'parse-prometheus-text-format' {
  namespace parsePrometheusTextFormat {
    interface PromSample {
      labels?: Record<string, string>;
      value?: string;
      /** Histograms: upper bound (`le`) -> cumulative count, as written. */
      buckets?: Record<string, string>;
      count?: string;
      sum?: string;
      timestamp_ms?: string;
    }
    interface PromFamily {
      name: string;
      help: string;
      type: 'COUNTER' | 'GAUGE' | 'HISTOGRAM' | 'SUMMARY' | 'UNTYPED';
      metrics: PromSample[];
    }
  }
  /** Throws `InvalidLineError` on a line it cannot read. */
  function parsePrometheusTextFormat(text: string): parsePrometheusTextFormat.PromFamily[];
  export = parsePrometheusTextFormat;
}
