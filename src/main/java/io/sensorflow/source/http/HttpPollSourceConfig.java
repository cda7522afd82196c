package io.sensorflow.source.http;

import io.sensorflow.codec.PayloadFormat;
import io.sensorflow.codec.PayloadSpec;
import io.sensorflow.config.Durations;
import io.sensorflow.config.Registry;
import io.sensorflow.config.Section;
import io.sensorflow.source.SensorSource;
import io.sensorflow.source.SourceConfig;
import io.sensorflow.source.SourceContext;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * URLs polled on an interval, their payloads decoded like MQTT messages.
 *
 * @param maxConcurrency requests in flight at once across all URLs of the source
 * @param maxPerHost     requests in flight at once to one host and port, at most {@code maxConcurrency}
 * @param retries        further attempts within one poll after a 5xx, a 429, a timeout or a connection failure
 * @param headers        sent with every request (a bearer token from the environment, say)
 */
public record HttpPollSourceConfig(String name, List<Feed> feeds, Duration interval, Duration timeout,
                                   int maxConcurrency, int maxPerHost, int retries, Duration minBackoff,
                                   Duration maxBackoff, Map<String, String> headers, PayloadSpec payload,
                                   OutboundGuard guard)
        implements SourceConfig {

    /**
     * One polled URL, with the names that every reading from it gets when the payload does not say (like the
     * placeholders of an MQTT topic: these win over JSON Pointers).
     */
    public record Feed(URI url, String sensor, String metric, Map<String, String> tags) {
    }

    public static HttpPollSourceConfig parse(Section s, Registry<PayloadFormat> formats) {
        List<Feed> feeds = new ArrayList<>();
        for (Object element : s.stringsOrSections("urls")) {
            if (element instanceof String url) {
                uri(s, "urls", url).ifPresent(u -> feeds.add(new Feed(u, null, null, Map.of())));
            } else {
                Section feed = (Section) element;
                String url = feed.string("url");
                Section fixed = feed.has("fixed") ? feed.section("fixed") : null;
                String sensor = fixed != null ? fixed.optionalString("sensor").orElse(null) : null;
                String metric = fixed != null ? fixed.optionalString("metric").orElse(null) : null;
                Map<String, String> tags = fixed != null && fixed.has("tags") ? fixed.stringMap("tags") : Map.of();
                uri(feed, "url", url).ifPresent(u -> feeds.add(new Feed(u, sensor, metric, tags)));
            }
        }
        if (feeds.isEmpty() && s.has("urls")) {
            s.problem("urls", "must name at least one URL");
        }
        Duration interval = s.positiveDuration("interval");
        Duration timeout = s.positiveDuration("timeout");
        int maxConcurrency = s.integer("max-concurrency", 1, 1024);
        int maxPerHost = s.integer("max-per-host", 1, 1024);
        if (maxPerHost > maxConcurrency) {
            // The default must not turn a config that lowers max-concurrency below it into an error; a value the
            // user wrote that can never take effect is a misunderstanding worth saying.
            if (s.isUserSet("max-per-host")) {
                s.problem("max-per-host", "must not be more than max-concurrency (" + maxConcurrency + "), got "
                        + maxPerHost + ": the requests to one host are also requests of the source");
            }
            maxPerHost = maxConcurrency;
        }
        Section retry = s.section("retry");
        int retries = retry.integer("attempts", 0, 100);
        Duration minBackoff = retry.positiveDuration("min-backoff");
        Duration maxBackoff = retry.positiveDuration("max-backoff");
        if (maxBackoff.compareTo(minBackoff) < 0) {
            retry.problem("max-backoff", "max-backoff (" + Durations.format(maxBackoff)
                    + ") must not be shorter than min-backoff (" + Durations.format(minBackoff) + ")");
        }
        Map<String, String> headers = s.has("headers") ? s.stringMap("headers") : Map.of();
        headers.forEach((name, value) -> {
            try {
                // The JDK refuses some names (Host, Connection ...) and values with line breaks, at send time.
                java.net.http.HttpRequest.newBuilder(URI.create("http://127.0.0.1/")).header(name, value);
            } catch (IllegalArgumentException e) {
                s.section("headers").problem(name, "cannot be sent: " + e.getMessage()
                        + (value.contains("\n") || value.contains("\r") ? " (the value has a line break; a token read "
                        + "from a file often ends with one)" : ""));
            }
        });
        PayloadSpec payload = PayloadSpec.parse(s, formats);
        boolean named = payload.format().namesItself()
                || payload.mapping().sensor().isPresent() && payload.mapping().metric().isPresent();
        if (!named) {
            for (Feed feed : feeds) {
                if ((feed.sensor() == null && payload.mapping().sensor().isEmpty())
                        || (feed.metric() == null && payload.mapping().metric().isEmpty())) {
                    s.problem("urls", feed.url() + " gets its readings' sensor and metric from nowhere: set "
                            + (payload.format().namesByPointer() ? "sensor and metric (JSON Pointers), or " : "")
                            + "fixed { sensor = ..., metric = ... } on the URL");
                }
            }
        }
        return new HttpPollSourceConfig(s.name(), List.copyOf(feeds), interval, timeout, maxConcurrency, maxPerHost,
                retries, minBackoff, maxBackoff, Map.copyOf(headers), payload, OutboundGuard.parse(s.section("guard")));
    }

    private static java.util.Optional<URI> uri(Section s, String key, String url) {
        try {
            URI uri = new URI(url);
            if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme()) || uri.getHost() == null) {
                s.problem(key, "must be an http:// or https:// URL with a host, got '" + url + "'");
                return java.util.Optional.empty();
            }
            return java.util.Optional.of(uri);
        } catch (java.net.URISyntaxException e) {
            s.problem(key, "is not a URL: " + e.getMessage());
            return java.util.Optional.empty();
        }
    }

    @Override
    public SensorSource create(SourceContext context) {
        return new HttpPollSource(this, context);
    }

    @Override
    public String toString() {
        return "http-poll source '" + name + "' " + feeds.size() + " URL(s) every " + Durations.format(interval)
                + ", " + maxConcurrency + " at a time (" + maxPerHost + " per host), format "
                + payload.format().label();
    }
}
