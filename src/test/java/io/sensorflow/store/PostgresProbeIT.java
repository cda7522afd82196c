package io.sensorflow.store;

import io.sensorflow.store.jdbc.PostgresStore;
import io.sensorflow.telemetry.Readiness;
import io.sensorflow.testing.PrivatePostgres;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;
import static org.awaitility.Awaitility.await;

/** The PostgreSQL store's probe against a server that stops and starts again, with no write to find out. */
class PostgresProbeIT {

    @RegisterExtension
    static final PrivatePostgres SERVER = new PrivatePostgres();

    @Test
    void aStoppedServerMakesTheStoreAndItsProbeNotReadyUntilItIsBack() throws Exception {
        StoreConfig defaults = StoreConfig.postgres(SERVER.jdbcUrl(), SERVER.user(), "");
        StoreConfig config = new StoreConfig("postgres", "", defaults.synchronous(), defaults.batchSize(),
                defaults.batchMaxDelay(), new StoreConfig.Postgres(SERVER.jdbcUrl(), SERVER.user(), "", 2,
                Duration.ofSeconds(1)), defaults.retention(), defaults.minuteRetention(), defaults.hourRetention(),
                defaults.readConnections());
        try (ReadingStore store = PostgresStore.open(config)) {
            assertThat(store.readiness()).containsExactly(Readiness.ready("store"));
            assertThat(store.jobFailures()).containsEntry("postgres-probe", 0L);

            SERVER.stop();
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                assertThat(store.readiness()).extracting(Readiness::component, Readiness::ready)
                        .containsExactly(tuple("store", false),
                                tuple("store job postgres-probe", false));
                assertThat(store.jobFailures().get("postgres-probe"))
                        .isGreaterThanOrEqualTo(BackgroundJob.NOT_READY_AFTER);
            });
            assertThat(store.readiness().get(0).detail()).startsWith("the server does not answer");
            assertThat(store.readiness().get(1).detail()).contains("times in a row, last: the server does not answer");
            assertThat(store.isHealthy()).isFalse();

            SERVER.start();
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> store.readiness().equals(List.of(Readiness.ready("store"))));
            assertThat(store.isHealthy()).isTrue();
        }
    }
}
