package io.vmpulse.exporter.otlp;

import java.net.URI;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;

/**
 * Where and how the OTLP push sends.
 *
 * @param endpoint the receiver, http or https. A URL without a path (or with {@code /}) gets the
 *     signal path {@code /v1/metrics} appended, as {@code OTEL_EXPORTER_OTLP_ENDPOINT} does; any
 *     other path is used as it is (like {@code OTEL_EXPORTER_OTLP_METRICS_ENDPOINT})
 * @param interval time between the end of one push and the start of the next
 * @param headers extra request headers (e.g. an API key)
 * @param compression {@code gzip} or {@code none}
 * @param timeout bound on one HTTP attempt (connect, send and answer)
 * @param maxAttempts attempts per push (1..5), retrying what the exporter deems retryable
 *     (connection failures, 429, 502, 503, 504) with exponential backoff
 * @param firstBackoff wait before the first retry; doubled for each further one, at most 5 s
 */
public record OtlpSettings(
        URI endpoint,
        Duration interval,
        Map<String, String> headers,
        String compression,
        Duration timeout,
        int maxAttempts,
        Duration firstBackoff) {

    public static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(30);
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);
    public static final int DEFAULT_MAX_ATTEMPTS = 3;
    public static final Duration DEFAULT_FIRST_BACKOFF = Duration.ofSeconds(1);
    public static final Duration MAX_BACKOFF = Duration.ofSeconds(5);
    static final String SIGNAL_PATH = "/v1/metrics";

    public OtlpSettings {
        if (endpoint == null
                || endpoint.getHost() == null
                || !("http".equals(endpoint.getScheme()) || "https".equals(endpoint.getScheme()))) {
            throw new IllegalArgumentException(
                    "OTLP endpoint must be an http:// or https:// URL with a host, not '"
                            + endpoint
                            + "'");
        }
        String path = endpoint.getRawPath();
        if (path == null || path.isEmpty() || path.equals("/")) {
            endpoint = endpoint.resolve(SIGNAL_PATH);
        }
        if (interval.isNegative() || interval.isZero()) {
            throw new IllegalArgumentException("OTLP interval must be positive, not " + interval);
        }
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("OTLP timeout must be positive, not " + timeout);
        }
        compression = compression.toLowerCase(Locale.ROOT);
        if (!compression.equals("gzip") && !compression.equals("none")) {
            throw new IllegalArgumentException(
                    "OTLP compression must be gzip or none, not '" + compression + "'");
        }
        if (maxAttempts < 1 || maxAttempts > 5) {
            throw new IllegalArgumentException(
                    "OTLP attempts per push must be 1..5, not " + maxAttempts);
        }
        headers = Map.copyOf(headers);
    }

    /** Defaults for everything but the endpoint and interval. */
    public static OtlpSettings of(URI endpoint, Duration interval) {
        return new OtlpSettings(
                endpoint,
                interval,
                Map.of(),
                "gzip",
                DEFAULT_TIMEOUT,
                DEFAULT_MAX_ATTEMPTS,
                DEFAULT_FIRST_BACKOFF);
    }

    public OtlpSettings withHeaders(Map<String, String> h) {
        return new OtlpSettings(
                endpoint, interval, h, compression, timeout, maxAttempts, firstBackoff);
    }

    public OtlpSettings withCompression(String c) {
        return new OtlpSettings(endpoint, interval, headers, c, timeout, maxAttempts, firstBackoff);
    }

    public OtlpSettings withRetry(int attempts, Duration backoff, Duration attemptTimeout) {
        return new OtlpSettings(
                endpoint, interval, headers, compression, attemptTimeout, attempts, backoff);
    }

    /**
     * The longest one push can take with every attempt timing out: after that the push thread stops
     * waiting for it (and starts no other push until it ends).
     */
    Duration worstCase() {
        Duration total = timeout.multipliedBy(maxAttempts);
        Duration backoff = firstBackoff;
        for (int i = 1; i < maxAttempts; i++) {
            total = total.plus(backoff.compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff);
            backoff = backoff.multipliedBy(2);
        }
        return total;
    }
}
