package io.sensorflow;

import io.sensorflow.testing.DaemonExtension;
import io.sensorflow.testing.Http;
import io.sensorflow.testing.MosquittoBroker;
import io.sensorflow.testing.Sql;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Fault 4 of the reliability suite, SQLite's side: the store's disk fills up under HTTP push. A full disk is a
 * transient failure, not the data's: the daemon must stop taking readings it cannot commit (503 with
 * {@code Retry-After} at once, readiness down within 5 s), keep what it committed, and take everything again once
 * there is room. The disk is a 4 MB tmpfs mounted for the test (skipped where the test may not mount one), grown to
 * 64 MB to recover. A client that resends what got 503 loses nothing.
 */
class SqliteFullDiskIT {

    @RegisterExtension
    static final DaemonExtension DAEMONS = DaemonExtension.withoutBroker();

    private static final int PER_REQUEST = 500;
    private Path disk;

    @AfterEach
    void unmount() throws Exception {
        if (disk != null) {
            new ProcessBuilder("umount", "-l", disk.toString()).inheritIO().start().waitFor(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void aFullDiskStopsIntakeWith503AndNothingAcceptedIsLostOnceThereIsRoom() throws Exception {
        Path mountPoint = Files.createTempDirectory("sensorflow-tiny-disk");
        Process mount = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", mountPoint.toString())
                .redirectErrorStream(true).start();
        boolean mounted = mount.waitFor(10, TimeUnit.SECONDS) && mount.exitValue() == 0;
        Assumptions.assumeTrue(mounted, "mounting a tmpfs needs root (or CAP_SYS_ADMIN); not here");
        disk = mountPoint;
        Path db = disk.resolve("full.db");
        int port = MosquittoBroker.freePort();
        Path config = DAEMONS.config("full-disk").with("""
                http.port = %d
                store.path = "%s"
                sources.push { type = http-push }
                """.formatted(port, db)).write();
        Process daemon = DAEMONS.jar(config, "-Xmx160m", "-XX:+ExitOnOutOfMemoryError");
        DaemonExtension.awaitReady(port);

        long now = System.currentTimeMillis();
        List<String> refusedBodies = new ArrayList<>();
        long accepted = 0;
        int batch = 0;
        Http.Response first503 = null;
        long started = System.nanoTime();
        while (first503 == null) {
            assertThat(batch).as("the disk never filled").isLessThan(2_000);
            assertThat(System.nanoTime() - started).isLessThan(Duration.ofMinutes(3).toNanos());
            String body = lines(batch++, now);
            Http.Response answer = push(port, body);
            if (answer.status() == 202) {
                accepted += PER_REQUEST;
            } else {
                assertThat(answer.status()).as(answer.body()).isEqualTo(503);
                first503 = answer;
                refusedBodies.add(body);
            }
        }
        long fullAfter = accepted;
        assertThat(first503.header("Retry-After")).isNotNull();
        await("readiness down").atMost(Duration.ofSeconds(5))
                .until(() -> Http.get(port, "/health/ready").status() == 503);
        // While the store fails, the next requests are answered at once, before their body is read.
        long slowest = 0;
        for (int i = 0; i < 5; i++) {
            String body = lines(batch++, now);
            long sent = System.nanoTime();
            Http.Response answer = push(port, body);
            slowest = Math.max(slowest, System.nanoTime() - sent);
            assertThat(answer.status()).isEqualTo(503);
            refusedBodies.add(body);
        }
        String log = Files.readString(DAEMONS.log());

        Process grow = new ProcessBuilder("mount", "-o", "remount,size=64m", disk.toString()).inheritIO().start();
        assertThat(grow.waitFor(10, TimeUnit.SECONDS) && grow.exitValue() == 0).isTrue();
        long room = System.nanoTime();
        for (String body : refusedBodies) {
            await("taken again").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250))
                    .until(() -> push(port, body).status() == 202);
            accepted += PER_REQUEST;
        }
        long recoveredMillis = (System.nanoTime() - room) / 1_000_000;
        await().atMost(Duration.ofSeconds(10)).until(() -> Http.get(port, "/health/ready").status() == 200);
        long total = accepted;
        await().atMost(Duration.ofSeconds(30)).until(() -> Sql.count(db, "SELECT count(*) FROM readings_all") == total);
        System.out.printf("SqliteFullDiskIT: a 4 MB disk full after %d readings; 503 with Retry-After, readiness "
                        + "down, further requests answered within %d ms; room made: all %d resent readings taken "
                        + "within %d ms; %d accepted, %d stored%n", fullAfter, slowest / 1_000_000,
                refusedBodies.size() * PER_REQUEST, recoveredMillis, total,
                Sql.count(db, "SELECT count(*) FROM readings_all"));
        assertThat(slowest).as("503 while the store fails").isLessThan(Duration.ofSeconds(1).toNanos());
        assertThat(log).containsIgnoringCase("full");
        assertThat(daemon.isAlive()).isTrue();
        daemon.destroy();
        assertThat(daemon.waitFor(30, TimeUnit.SECONDS)).isTrue();
    }

    /** Batch {@code n}: 500 readings of 10 series, each series at its own later instants. */
    private static String lines(int n, long now) {
        StringBuilder lines = new StringBuilder(PER_REQUEST * 60);
        for (int i = 0; i < PER_REQUEST; i++) {
            long ts = now - 86_400_000L + (long) n * PER_REQUEST + i;
            lines.append("temperature,sensor=disk-").append(i % 10).append(" value=").append(i % 40).append(' ')
                    .append(ts).append('\n');
        }
        return lines.toString();
    }

    private static Http.Response push(int port, String body) {
        return Http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/v1/ingest?precision=ms"))
                .header("Content-Type", "text/plain").timeout(Duration.ofSeconds(30))
                .POST(HttpRequest.BodyPublishers.ofString(body)).build());
    }
}
