package io.vmpulse.exporter.exposition;

import io.prometheus.metrics.expositionformats.ExpositionFormatWriter;
import io.prometheus.metrics.expositionformats.OpenMetricsTextFormatWriter;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;

/** The two text formats the exporter writes itself, streaming. */
public enum TextFormat {
    /** Prometheus text 0.0.4: counters named {@code _total} in HELP and TYPE, no UNIT lines. */
    PROMETHEUS(PrometheusTextFormatWriter.CONTENT_TYPE),
    /** OpenMetrics 1.0.0: TYPE, UNIT and HELP on the family's base name, and {@code # EOF}. */
    OPENMETRICS(OpenMetricsTextFormatWriter.CONTENT_TYPE);

    private final String contentType;

    TextFormat(String contentType) {
        this.contentType = contentType;
    }

    public String contentType() {
        return contentType;
    }

    /**
     * The format of the library's writer {@code w}, or null when it is one the exporter leaves to
     * the library (protobuf, OpenMetrics 2 when enabled in the library's properties).
     */
    public static TextFormat of(ExpositionFormatWriter w) {
        if (w.getClass() == PrometheusTextFormatWriter.class) {
            return PROMETHEUS;
        }
        if (w.getClass() == OpenMetricsTextFormatWriter.class) {
            return OPENMETRICS;
        }
        return null;
    }
}
