package io.sensorflow.http;

import io.sensorflow.config.Section;

/** Where the HTTP API listens, and how many queries it answers at once. */
public record HttpConfig(String host, int port, Queries queries) {

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
        return new HttpConfig(host, port, queries);
    }
}
