package io.sensorflow.store;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.sensorflow.telemetry.Readiness;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

class BackgroundJobTest {

    private final Logger logger = (Logger) LoggerFactory.getLogger(BackgroundJob.class);
    private final ListAppender<ILoggingEvent> log = new ListAppender<>();
    private final AtomicBoolean failing = new AtomicBoolean(true);
    private final BackgroundJob job = new BackgroundJob("rollup-flush", () -> {
        if (failing.get()) {
            throw new StoreException("disk I/O error", null);
        }
    });

    @BeforeEach
    void captureLog() {
        log.start();
        logger.addAppender(log);
    }

    @AfterEach
    void releaseLog() {
        logger.detachAppender(log);
    }

    @Test
    void aFailureIsLoggedAtWarnOnceAWhileAndCountedAndTheThirdInARowMakesTheJobNotReady() {
        job.run();
        assertThat(job.failures()).isEqualTo(1);
        assertThat(log.list).singleElement().satisfies(event -> {
            assertThat(event.getLevel()).isEqualTo(Level.WARN);
            assertThat(event.getFormattedMessage()).contains("rollup-flush", "disk I/O error");
        });
        job.run();
        assertThat(job.readiness().ready()).as("two in a row may be one passing outage").isTrue();

        job.run();
        assertThat(job.failures()).isEqualTo(3);
        assertThat(job.readiness()).isEqualTo(Readiness.notReady("store job rollup-flush",
                "failed 3 times in a row, last: disk I/O error"));
        assertThat(log.list).as("rate-limited").hasSize(1);
    }

    @Test
    void aSuccessMakesTheJobReadyAgainAndKeepsItsFailuresCounted() {
        for (int i = 0; i < BackgroundJob.NOT_READY_AFTER; i++) {
            job.run();
        }
        failing.set(false);
        job.run();
        assertThat(job.readiness()).isEqualTo(Readiness.ready("store job rollup-flush"));
        assertThat(job.failures()).isEqualTo(3);
        assertThat(log.list).extracting(ILoggingEvent::getFormattedMessage)
                .contains("store job rollup-flush works again after 3 failures in a row");

        failing.set(true);
        job.run();
        job.run();
        assertThat(job.readiness().ready()).as("the count in a row starts over").isTrue();
    }

    @Test
    void aScheduledJobKeepsRunningThroughFailuresAndTheSetReportsOnlyTheFailingOnes() {
        BackgroundJobs jobs = new BackgroundJobs();
        AtomicBoolean mergeFails = new AtomicBoolean(true);
        jobs.every("sqlite-merge", "test-merge", Duration.ZERO, Duration.ofMillis(10), () -> {
            if (mergeFails.get()) {
                throw new java.sql.SQLException("database or disk is full");
            }
        });
        jobs.every("wal-checkpoint", "test-merge", Duration.ZERO, Duration.ofMillis(10), () -> { });
        try {
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                assertThat(jobs.readiness()).extracting(Readiness::component).containsExactly("store job sqlite-merge");
                assertThat(jobs.failures().get("sqlite-merge")).isGreaterThanOrEqualTo(3);
            });
            mergeFails.set(false);
            await().atMost(Duration.ofSeconds(10)).until(() -> jobs.readiness().isEmpty());
            assertThat(jobs.failures()).containsKeys("sqlite-merge", "wal-checkpoint")
                    .containsEntry("wal-checkpoint", 0L);
        } finally {
            jobs.stopAll();
        }
    }

    @Test
    void aJobInterruptedByItsStopHasNotFailed() throws Exception {
        BackgroundJobs jobs = new BackgroundJobs();
        CountDownLatch running = new CountDownLatch(1);
        jobs.every("postgres-probe", "test-probe", Duration.ZERO, Duration.ofSeconds(1), () -> {
            running.countDown();
            new CountDownLatch(1).await();
        });
        running.await();
        jobs.stop("test-probe", Duration.ofSeconds(10));
        assertThat(jobs.failures()).containsEntry("postgres-probe", 0L);
        assertThat(log.list).isEmpty();
    }
}
