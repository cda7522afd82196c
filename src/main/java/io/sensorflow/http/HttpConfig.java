package io.sensorflow.http;

import io.sensorflow.config.Section;

import java.net.InetAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.net.UnknownHostException;

/** Where the HTTP API listens, who may use it, and how many queries it answers at once. */
public record HttpConfig(String host, int port, Queries queries, AuthConfig auth, Limits limits, Stream stream,
                         SessionLimits sessions, List<String> corsOrigins, Optional<Tls> tls,
                         LatestValues latestValues) {

    /**
     * The optional per-series gauges on {@code /metrics}.
     *
     * @param maxSeries series exported at most; 0 exports none
     * @param sensors   the sensors whose series are exported, a glob
     */
    public record LatestValues(int maxSeries, String sensors) {

        public static final LatestValues NONE = new LatestValues(0, "*");
    }

    /** The short form the tests and tools use: no sessions beyond the defaults, no CORS, no TLS. */
    public HttpConfig(String host, int port, Queries queries, AuthConfig auth, Limits limits, Stream stream) {
        this(host, port, queries, auth, limits, stream, SessionLimits.DEFAULTS, List.of(), Optional.empty(),
                LatestValues.NONE);
    }

    /**
     * The dashboard's sign-ins.
     *
     * @param max         sessions held at once; one more ends the least recently used
     * @param idleTimeout a session unused for this long ends
     */
    public record SessionLimits(int max, java.time.Duration idleTimeout) {

        public static final SessionLimits DEFAULTS = new SessionLimits(1000, java.time.Duration.ofHours(12));
    }

    /** The server's certificate chain and its private key, both PEM files. */
    public record Tls(Path certificate, Path privateKey) {
    }

    /**
     * The live stream ({@code GET /api/v1/stream}); every figure bounds what one slow or greedy client can cost.
     *
     * @param interval     readings are conflated per series and sent at most once per interval
     * @param heartbeat    a comment line after this long without an event, well inside {@code idle-timeout}
     * @param maxClients   streams open at once; one more is answered 503
     * @param maxSeries    series one client holds between two sends; readings of further series are skipped
     * @param maxAlerts    transitions one client holds between two sends; one more disconnects it (it resumes from
     *                     the store with Last-Event-ID)
     * @param stallTimeout a client that takes nothing for this long is disconnected
     * @param resumeLimit  transitions replayed on a resume; more and the client is told to {@code resync}
     */
    public record Stream(java.time.Duration interval, java.time.Duration heartbeat, int maxClients, int maxSeries,
                         int maxAlerts, java.time.Duration stallTimeout, int resumeLimit) {

        public static final Stream DEFAULTS = new Stream(java.time.Duration.ofMillis(500),
                java.time.Duration.ofSeconds(15), 1000, 10_000, 1000, java.time.Duration.ofSeconds(60), 1000);

        static Stream parse(Section s, Limits limits) {
            Stream stream = new Stream(s.positiveDuration("interval"), s.positiveDuration("heartbeat"),
                    s.integer("max-clients", 1, 100_000), s.integer("max-series", 1, 1_000_000),
                    s.integer("max-alerts", 1, 1_000_000), s.positiveDuration("stall-timeout"),
                    s.integer("resume-limit", 0, 1_000_000));
            if (stream.heartbeat().compareTo(limits.idleTimeout()) >= 0) {
                s.problem("heartbeat", "must be shorter than http.limits.idle-timeout ("
                        + io.sensorflow.config.Durations.format(limits.idleTimeout())
                        + "), or idle streams are closed");
            }
            return stream;
        }
    }

    /**
     * What one client may ask of the server, set explicitly rather than left to Pekko's defaults, so that they are
     * documented in one place and can be changed where the API is exposed.
     *
     * @param maxConnections       open connections at once; more wait in the kernel's accept queue
     * @param requestTimeout       a request not answered in this time gets 503
     * @param idleTimeout          a connection with no traffic for this long is closed
     * @param maxUriLength         a longer URI gets 414
     * @param maxHeaderCount       more headers get 400
     * @param maxHeaderValueLength a longer header value gets 400
     * @param requestHeaderTimeout a connection that has not sent a whole first request head in this time is closed
     */
    public record Limits(int maxConnections, java.time.Duration requestTimeout, java.time.Duration idleTimeout,
                         int maxUriLength, int maxHeaderCount, int maxHeaderValueLength,
                         java.time.Duration requestHeaderTimeout) {

        public static final Limits DEFAULTS = new Limits(2048, java.time.Duration.ofSeconds(20),
                java.time.Duration.ofSeconds(60), 8192, 64, 8192, java.time.Duration.ofSeconds(10));

        static Limits parse(Section s) {
            return new Limits(s.integer("max-connections", 1, 100_000), s.positiveDuration("request-timeout"),
                    s.positiveDuration("idle-timeout"), (int) s.bytes("max-uri-length", 256, 1 << 20),
                    s.integer("max-header-count", 8, 1024), (int) s.bytes("max-header-value-length", 256, 1 << 20),
                    s.positiveDuration("request-header-timeout"));
        }
    }

    /**
     * The API's own query threads.
     *
     * @param threads    queries that run at once; each holds one of the store's read connections while it runs
     * @param maxWaiting queries that may wait for a thread; one more is answered 503 with Retry-After
     */
    public record Queries(int threads, int maxWaiting) {

        /**
         * Half the cores, at least one: queries are CPU work (a 24 h chart costs a few milliseconds), and on the two
         * cores of a small box two query threads took a third of the ingest rate, one took 6 % (docs/benchmarks.md).
         */
        public static int defaultThreads() {
            return Math.max(1, Runtime.getRuntime().availableProcessors() / 2);
        }
    }

    public static HttpConfig parse(Section s) {
        String host = s.string("host");
        int port = s.integer("port", 0, 65535);
        Section q = s.section("queries");
        int threads = q.integer("threads", 0, 64);
        Queries queries = new Queries(threads == 0 ? Queries.defaultThreads() : threads,
                q.integer("max-waiting", 1, 10_000));
        AuthConfig auth = AuthConfig.parse(s);
        if (!auth.required() && !auth.none() && !isLoopback(host)) {
            s.problem("host", "'" + host + "' opens the API beyond this machine without authentication: configure "
                    + "http.auth.tokens (docs in reference.conf), or write http.auth = none to mean it");
        }
        Limits limits = Limits.parse(s.section("limits"));
        Section sessions = s.section("sessions");
        SessionLimits sessionLimits = new SessionLimits(sessions.integer("max", 1, 1_000_000),
                sessions.positiveDuration("idle-timeout"));
        List<String> origins = s.section("cors").stringList("allowed-origins");
        for (String origin : origins) {
            if (!origin.matches("https?://[^/\\s]+")) {
                s.section("cors").problem("allowed-origins", "'" + origin + "' is not an origin: scheme, host and "
                        + "port only, like https://grafana.example.com or http://localhost:3000");
            }
        }
        Optional<Tls> tls = Optional.empty();
        Section t = s.section("tls");
        boolean cert = t.has("certificate");
        boolean key = t.has("private-key");
        if (cert != key) {
            t.problem(cert ? "private-key" : "certificate", "is missing: TLS needs both certificate and private-key");
        } else if (cert) {
            tls = Optional.of(new Tls(Path.of(t.string("certificate")), Path.of(t.string("private-key"))));
            try {
                // Read now, so that `check` and the start both name the file that is wrong, not a failed bind.
                io.sensorflow.http.Tls.context(tls.get());
            } catch (IllegalArgumentException e) {
                t.problem("certificate", e.getMessage());
            }
        }
        return new HttpConfig(host, port, queries, auth, limits, Stream.parse(s.section("stream"), limits),
                sessionLimits, List.copyOf(origins), tls, new LatestValues(
                        s.section("metrics").integer("latest-values", 0, 100_000),
                        s.section("metrics").string("latest-values-sensors")));
    }

    /** Only addresses this machine alone can reach; a name other than localhost is not resolved: it counts as not. */
    static boolean isLoopback(String host) {
        if (host.equalsIgnoreCase("localhost")) {
            return true;
        }
        boolean literal = host.contains(":") || host.matches("\\d{1,3}(\\.\\d{1,3}){3}");
        if (!literal) {
            return false;
        }
        try {
            return InetAddress.getByName(host).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }
}
