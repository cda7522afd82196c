package io.sensorflow.bench;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;

/**
 * HTTP push the way Telegraf's {@code outputs.http} and {@code outputs.influxdb} write: InfluxDB line protocol in
 * batches, from several clients at once, each waiting for its answer (202 after the commit) before the next batch.
 * A 503 (busy) is retried after a pause, as Telegraf does, so nothing is lost and the figure is what gets committed.
 * Bounded in readings and in time.
 */
final class PushLoad {

    private PushLoad() {
    }

    static Map<String, Object> run(DaemonProcess daemon, int port, int clients, int batch, long readings, int sensors,
                                   LongSupplier stored, Duration limit) throws Exception {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        URI uri = URI.create("http://127.0.0.1:" + port + "/api/v1/ingest");
        AtomicLong next = new AtomicLong();
        AtomicLong accepted = new AtomicLong();
        AtomicLong busy = new AtomicLong();
        AtomicLong failed = new AtomicLong();
        AtomicReference<String> firstFailure = new AtomicReference<>();
        // Now, so that every reading is inside the daemon's skew window.
        long base = System.currentTimeMillis();
        long deadline = System.nanoTime() + limit.toNanos();
        long before = stored.getAsLong();
        double cpuBefore = daemon.cpuSeconds();
        double allocatedBefore = daemon.edenAllocatedBytes();
        long start = System.nanoTime();
        ExecutorService threads = Executors.newFixedThreadPool(clients);
        List<Future<?>> running = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            running.add(threads.submit(() -> {
                long from;
                while ((from = next.getAndAdd(batch)) < readings && System.nanoTime() < deadline) {
                    int n = (int) Math.min(batch, readings - from);
                    String body = lines(base, from, n, sensors);
                    while (System.nanoTime() < deadline) {
                        HttpResponse<String> response = http.send(HttpRequest.newBuilder(uri)
                                        .timeout(Duration.ofSeconds(30)).header("Content-Type", "text/plain")
                                        .POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                                HttpResponse.BodyHandlers.ofString());
                        if (response.statusCode() == 202) {
                            accepted.addAndGet(n);
                            break;
                        }
                        if (response.statusCode() != 503) {
                            failed.incrementAndGet();
                            String answer = response.body();
                            firstFailure.compareAndSet(null, response.statusCode() + " "
                                    + answer.substring(0, Math.min(300, answer.length())));
                            break;
                        }
                        busy.incrementAndGet();
                        TimeUnit.MILLISECONDS.sleep(50); // Telegraf retries too; a pause, not a wait for a condition
                    }
                }
                return null;
            }));
        }
        for (Future<?> f : running) {
            f.get();
        }
        threads.shutdown();
        // 202 means committed: the counter is there already, give the scrape a moment at most.
        long target = before + accepted.get();
        while (stored.getAsLong() < target && System.nanoTime() < deadline) {
            TimeUnit.MILLISECONDS.sleep(20);
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        long committed = stored.getAsLong() - before;
        double cpu = daemon.cpuSeconds() - cpuBefore;
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("clients", clients);
        r.put("batch", batch);
        r.put("readings", readings);
        r.put("accepted", accepted.get());
        r.put("committed", committed);
        r.put("readings_per_s", Math.round(committed / seconds));
        r.put("cpu_cores", Math.round(cpu / seconds * 100) / 100.0);
        r.put("cpu_us_per_reading", committed == 0 ? Double.NaN : Math.round(cpu * 1e6 / committed * 100) / 100.0);
        r.put("allocated_bytes_per_reading", committed == 0 ? 0
                : Math.round((daemon.edenAllocatedBytes() - allocatedBefore) / committed));
        r.put("busy_answers", busy.get());
        r.put("failed_batches", failed.get());
        if (firstFailure.get() != null) {
            r.put("first_failure", firstFailure.get());
        }
        return r;
    }

    /** {@code n} points from number {@code from} on: each sensor's readings a millisecond apart, all new. */
    static String lines(long baseMs, long from, int n, int sensors) {
        StringBuilder body = new StringBuilder(n * 56);
        for (long i = from; i < from + n; i++) {
            long sensor = i % sensors;
            long ts = (baseMs + i / sensors) * 1_000_000L;
            body.append("bench,sensor=h-").append(sensor).append(" temperature=").append(20 + i % 10).append(".5 ")
                    .append(ts).append('\n');
        }
        return body.toString();
    }
}
