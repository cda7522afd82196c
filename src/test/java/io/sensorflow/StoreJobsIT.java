package io.sensorflow;

import io.sensorflow.app.Daemon;
import io.sensorflow.testing.DaemonExtension;
import io.sensorflow.testing.Http;
import io.sensorflow.testing.TestConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A store job that keeps failing, as an operator sees it: the daemon keeps running, {@code /health/ready} names the
 * job and its error, {@code /metrics} counts its failures, and both recover once the job works again.
 */
class StoreJobsIT {

    @RegisterExtension
    static final DaemonExtension DAEMONS = DaemonExtension.withoutBroker();

    private static void sql(Path db, String statement) throws SQLException {
        try (Connection connection = DriverManager.getConnection("jdbc:sqlite:" + db);
             Statement s = connection.createStatement()) {
            s.execute(statement);
        }
    }

    @Test
    void aFailingRollupFlushShowsInReadinessAndMetricsUntilItWorksAgain(TestConfig test) throws Exception {
        TestConfig config = test.named("jobs").with("sources { push { type = http-push } }");
        Path db = config.db();
        Daemon daemon = DAEMONS.start(config);
        int port = daemon.httpPort();
        assertThat(Http.get(port, "/metrics").body()).contains("sensorflow_store_job_failures_total{job=\"rollup-flush\"} 0.0");

        // Another connection makes SQLite refuse rollup rows, as an operator at the sqlite3 prompt could.
        sql(db, "CREATE TRIGGER refuse BEFORE INSERT ON rollup_1m BEGIN SELECT RAISE(ABORT, 'rollups refused'); END");
        long now = System.currentTimeMillis();
        assertThat(Http.post(port, "/api/v1/ingest", "{\"sensor\": \"a\", \"metric\": \"t\", \"value\": 1, "
                + "\"timestamp\": " + now + "}").status()).isEqualTo(202);

        await("readiness names the job").atMost(Duration.ofSeconds(30))
                .until(() -> Http.get(port, "/health/ready").body().contains("store job rollup-flush"));
        Http.Response ready = Http.get(port, "/health/ready");
        assertThat(ready.status()).isEqualTo(503);
        assertThat(ready.body()).contains("times in a row", "rollups refused");
        assertThat(Http.get(port, "/metrics").body())
                .containsPattern("sensorflow_store_job_failures_total\\{job=\"rollup-flush\"\\} [3-9]");

        sql(db, "DROP TRIGGER refuse");
        await("ready again").atMost(Duration.ofSeconds(30))
                .until(() -> Http.get(port, "/health/ready").status() == 200);
    }
}
