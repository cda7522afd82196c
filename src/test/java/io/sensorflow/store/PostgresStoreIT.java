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
