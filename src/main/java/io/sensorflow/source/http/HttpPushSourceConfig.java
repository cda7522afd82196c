package io.sensorflow.source.http;

import io.sensorflow.config.Durations;
import io.sensorflow.config.Section;
import io.sensorflow.source.SensorSource;
import io.sensorflow.source.SourceConfig;
import io.sensorflow.source.SourceContext;

import java.time.Duration;
import java.util.regex.Pattern;

/**
 * Readings pushed to {@code POST /api/v1/<path>} on the daemon's HTTP port.
 *
 * @param maxBody       the largest request body taken; a larger one is answered 413
 * @param maxPending    requests accepted but not yet committed; one more is answered 503 with Retry-After
 * @param commitTimeout how long a request waits for its commit before it is answered 503 (the readings may still be
 *                      stored; a retry stores no reading twice that carries its own timestamp)
 * @param retryAfter    what 503 answers tell the client to wait
 */
public record HttpPushSourceConfig(String name, String path, long maxBody, int maxPending, Duration commitTimeout,
                                   Duration retryAfter) implements SourceConfig {

    private static final Pattern PATH = Pattern.compile("[a-z0-9][a-z0-9-]*(/[a-z0-9][a-z0-9-]*)*");

    public static HttpPushSourceConfig parse(Section s) {
        String path = s.string("path");
        if (!PATH.matcher(path).matches()) {
            s.problem("path", "must be lower-case path segments such as \"ingest\" or \"ingest/lab\" (served under "
                    + "/api/v1/), got '" + path + "'");
        }
        long maxBody = s.bytes("max-body", 1, 512L << 20);
        int maxPending = s.integer("max-pending", 1, 100_000);
        Duration commitTimeout = s.positiveDuration("commit-timeout");
        Duration retryAfter = s.positiveDuration("retry-after");
        s.string("type");
        s.rejectUnknownKeys();
        return new HttpPushSourceConfig(s.name(), path, maxBody, maxPending, commitTimeout, retryAfter);
    }

    public HttpPushSourceConfig withMaxBody(long bytes) {
        return new HttpPushSourceConfig(name, path, bytes, maxPending, commitTimeout, retryAfter);
    }

    @Override
    public SensorSource create(SourceContext context) {
        return new HttpPushSource(this, context);
    }

    @Override
    public String toString() {
        return "http-push source '" + name + "' POST /api/v1/" + path + " (bodies up to " + maxBody + " bytes, "
                + maxPending + " pending, commit timeout " + Durations.format(commitTimeout) + ")";
    }
}
