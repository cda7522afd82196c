package io.sensorflow.source.http;

import io.sensorflow.codec.PayloadFormat;
import io.sensorflow.config.Durations;
import io.sensorflow.config.Registry;
import io.sensorflow.config.Section;
import io.sensorflow.source.SensorSource;
import io.sensorflow.source.SourceChecks;
import io.sensorflow.source.SourceConfig;
import io.sensorflow.source.SourceContext;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Readings pushed to {@code POST /api/v1/<path>} on the daemon's HTTP port.
 *
 * @param maxBody       the largest request body taken; a larger one is answered 413
 * @param maxBodySet    whether the user set {@code max-body} (else it follows a smaller {@code pipeline.max-payload})
 * @param maxPending    requests accepted but not yet committed; one more is answered 503 with Retry-After
 * @param commitTimeout how long a request waits for its commit before it is answered 503 (the readings may still be
 *                      stored; a retry stores no reading twice that carries its own timestamp)
 * @param retryAfter    what 503 answers tell the client to wait
 * @param formats       the payload formats taken, by the media type of their Content-Type
 */
public record HttpPushSourceConfig(String name, String path, long maxBody, boolean maxBodySet, int maxPending,
                                   Duration commitTimeout, Duration retryAfter, Map<String, PayloadFormat> formats)
        implements SourceConfig {

    private static final Pattern PATH = Pattern.compile("[a-z0-9][a-z0-9-]*(/[a-z0-9][a-z0-9-]*)*");

    public HttpPushSourceConfig {
        formats = Map.copyOf(formats);
    }

    public static HttpPushSourceConfig parse(Section s, Registry<PayloadFormat> registry) {
        String path = s.string("path");
        if (!PATH.matcher(path).matches()) {
            s.problem("path", "must be lower-case path segments such as \"ingest\" or \"ingest/lab\" (served under "
                    + "/api/v1/), got '" + path + "'");
        }
        long maxBody = s.bytes("max-body", 1, 512L << 20);
        int maxPending = s.integer("max-pending", 1, 100_000);
        Duration commitTimeout = s.positiveDuration("commit-timeout");
        Duration retryAfter = s.positiveDuration("retry-after");
        Map<String, PayloadFormat> formats = new LinkedHashMap<>();
        registry.all().forEach(format -> format.mediaType().ifPresent(type -> formats.put(type, format)));
        return new HttpPushSourceConfig(s.name(), path, maxBody, s.isUserSet("max-body"), maxPending, commitTimeout,
                retryAfter, formats);
    }

    /**
     * A body must fit in {@code pipeline.max-payload}, which the decode stage holds every payload to: an unset
     * {@code max-body} follows a smaller one, a set one larger than it is a problem. The path must be free.
     */
    @Override
    public SourceConfig check(SourceChecks checks) {
        Section s = checks.section();
        String first = path.split("/")[0];
        if (checks.apiPaths().contains(first)) {
            s.problem("path", "/api/v1/" + first + " is the API's own; choose another path");
        }
        checks.before().values().stream()
                .filter(other -> other instanceof HttpPushSourceConfig push && push.path().equals(path))
                .findFirst()
                .ifPresent(other -> s.problem("path", "/api/v1/" + path + " is taken by source " + other.name()));
        if (maxBody <= checks.maxPayload()) {
            return this;
        }
        if (!maxBodySet) {
            return new HttpPushSourceConfig(name, path, checks.maxPayload(), false, maxPending, commitTimeout,
                    retryAfter, formats);
        }
        // A body the decode stage would refuse as payload-too-large after reading it.
        s.problem("max-body", "is " + maxBody + " bytes, more than pipeline.max-payload (" + checks.maxPayload()
                + " bytes), which every payload must fit in; raise pipeline.max-payload too");
        return this;
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
