package io.sensorflow.store;

import io.sensorflow.model.Acknowledgement;
import io.sensorflow.model.Reading;
import io.sensorflow.testing.PostgresDatabase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.function.UnaryOperator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The store contract on PostgreSQL: a throwaway database on the local server (or a container where Docker runs). */
class PostgresStoreIT extends StoreContract {

    @RegisterExtension
    static PostgresDatabase pg = new PostgresDatabase();

    @Override
    protected void resetDatabase() {
        try (Connection connection = DriverManager.getConnection(pg.jdbcUrl(), pg.user(), pg.password());
             Statement statement = connection.createStatement()) {
            statement.execute("DROP SCHEMA public CASCADE");
            statement.execute("CREATE SCHEMA public");
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    protected ReadingStore open(UnaryOperator<StoreConfig> tune) {
        return io.sensorflow.app.Components.openStore(tune.apply(StoreConfig.postgres(pg.jdbcUrl(), pg.user(), pg.password())));
    }

    @Override
    protected long count(String sql) {
        return pg.count(sql);
    }

    @Test
    void twoStoresOnOneDatabaseShareSeriesAndStoreEachReadingOnce() {
        try (ReadingStore second = open(c -> c)) {
            store.write(List.of(new Reading("a", "t", 1, 1_000, "test")), List.of());
            assertThat(second.write(List.of(new Reading("a", "t", 1, 1_000, "test"),
                    new Reading("a", "t", 2, 2_000, "test")), List.of())).isEqualTo(1);
            assertThat(second.hasSeries("a", "t")).isTrue();
        }
        assertThat(count("SELECT count(*) FROM series")).isEqualTo(1);
        assertThat(store.countReadings()).isEqualTo(2);
    }

    @Test
    void twoNodesDrainingOneOutboxAtOnceNeverTakeTheSameDelivery() throws Exception {
        int count = 600;
        List<io.sensorflow.model.AlertEvent> events = new java.util.ArrayList<>();
        for (int i = 0; i < count; i++) {
            events.add(new io.sensorflow.model.AlertEvent("ep-" + i, "hot", "s-" + i, "t", "",
                    io.sensorflow.model.AlertState.FIRING, "warning", 31, 1_000, 1_000, 1_000, java.util.Map.of(),
                    java.util.Map.of(), false, List.of("fan"), null));
        }
        store.write(new Batch(List.of(), List.of(), List.of(), events));
        java.util.Map<Long, java.util.List<String>> takenBy = new java.util.concurrent.ConcurrentHashMap<>();
        try (ReadingStore second = open(c -> c)) {
            store.shareOutbox("node-a", java.time.Duration.ofMinutes(1));
            second.shareOutbox("node-b", java.time.Duration.ofMinutes(1));
            java.util.concurrent.ExecutorService nodes = java.util.concurrent.Executors.newFixedThreadPool(2);
            try {
                var a = nodes.submit(() -> drain(store, "node-a", takenBy));
                var b = nodes.submit(() -> drain(second, "node-b", takenBy));
                assertThat(a.get(60, java.util.concurrent.TimeUnit.SECONDS) + b.get(60,
                        java.util.concurrent.TimeUnit.SECONDS)).isEqualTo(count);
            } finally {
                nodes.shutdownNow();
            }
        }
        assertThat(takenBy).hasSize(count);
        assertThat(takenBy.values()).as("each delivery went to one node, once").allSatisfy(nodes ->
                assertThat(nodes).hasSize(1));
        assertThat(takenBy.values().stream().map(nodes -> nodes.get(0)).distinct()).as("both took part")
                .containsExactlyInAnyOrder("node-a", "node-b");
        assertThat(store.countDeliveries(Delivery.Status.DONE)).isEqualTo(count);
    }

    /** One node's outbox, reduced to claiming and recording: what it took, until nothing is pending. */
    private static int drain(ReadingStore node, String name, java.util.Map<Long, java.util.List<String>> takenBy) {
        int taken = 0;
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(50);
        while (node.countDeliveries(Delivery.Status.PENDING) > 0 && System.nanoTime() < deadline) {
            long now = System.currentTimeMillis() + 1_000;
            List<Delivery> due = node.dueDeliveries(now, 16, List.of("fan"), java.util.Set.of());
            for (Delivery delivery : due) {
                takenBy.computeIfAbsent(delivery.id(), id -> new java.util.concurrent.CopyOnWriteArrayList<>())
                        .add(name);
            }
            taken += due.size();
            node.updateDeliveries(due.stream().map(d -> Delivery.Update.done(d.id(), 1, now)).toList());
        }
        return taken;
    }

    @Test
    void aReadOnlyOpenNeverCreatesASchema() {
        store.close();
        resetDatabase();
        assertThatThrownBy(() -> io.sensorflow.app.Components.openStoreReadOnly(StoreConfig.postgres(pg.jdbcUrl(), pg.user(),
                pg.password()))).isInstanceOf(StoreException.class)
                .hasMessageContaining("holds no sensorflow store of this version");
        assertThat(count("SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'")).isZero();
        store = open(c -> c);
    }

    @Test
    void aServerThatCannotBeReachedIsAClearErrorAtStart() {
        assertThatThrownBy(() -> io.sensorflow.app.Components.openStore(StoreConfig.postgres("jdbc:postgresql://127.0.0.1:1/nothing",
                "postgres", "")))
                .isInstanceOf(StoreException.class)
                .hasMessageContaining("cannot connect to PostgreSQL at jdbc:postgresql://127.0.0.1:1/nothing");
    }

    @Test
    void aDatabaseFromBeforeAcknowledgementHistoryKeepsItsAcknowledgements() throws SQLException {
        store.close();
        resetDatabase();
        org.postgresql.ds.PGSimpleDataSource source = new org.postgresql.ds.PGSimpleDataSource();
        source.setUrl(pg.jdbcUrl());
        source.setUser(pg.user());
        source.setPassword(pg.password());
        org.flywaydb.core.Flyway.configure().dataSource(source).locations("classpath:db/migration/postgresql")
                .target("7").load().migrate();
        try (Connection connection = source.getConnection(); Statement statement = connection.createStatement()) {
            statement.executeUpdate("INSERT INTO alert_acks (episode, acked_at, acked_by, comment) VALUES "
                    + "('e1', 1000, 'ops', 'seen'), ('e2', 2000, 'ann', '')");
        }
        store = open(c -> c);
        assertThat(store.acknowledgements(0)).containsExactly(new Acknowledgement("e1", 1000, "ops", "seen"),
                new Acknowledgement("e2", 2000, "ann", ""));
        assertThat(store.saveAcknowledgement(new Acknowledgement("e1", 3000, "bob", ""))).isTrue();
        assertThat(store.acknowledgements(List.of("e1")).get("e1")).extracting(Acknowledgement::by)
                .containsExactly("ops", "bob");
    }
}
