package io.sensorflow.telemetry;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

class RateLimitedLogTest {

    @Test
    void logsOncePerIntervalPerKeyAndThenSaysHowManyWereSuppressed() {
        Logger logger = (Logger) LoggerFactory.getLogger("rate-limited-test");
        ListAppender<ILoggingEvent> appender = new ListAppender<>();
        appender.start();
        logger.addAppender(appender);
        AtomicLong nanos = new AtomicLong(1_000_000_000L);
        RateLimitedLog log = new RateLimitedLog(logger, Duration.ofMillis(200), nanos::get);
        for (int i = 0; i < 1000; i++) {
            log.warn("plant", "bad payload {}", i);
            log.warn("push", "bad payload {}", i);
        }
        assertThat(appender.list).extracting(ILoggingEvent::getFormattedMessage)
                .containsExactly("bad payload 0", "bad payload 0");
        nanos.addAndGet(Duration.ofMillis(250).toNanos());
        log.warn("plant", "bad payload {}", 1000);
        assertThat(appender.list.get(2).getFormattedMessage()).isEqualTo("bad payload 1000 (999 similar messages suppressed)");
    }

    @Test
    void aWholeIntervalMustPassBeforeTheNextLine() {
        Logger logger = (Logger) LoggerFactory.getLogger("rate-limited-interval-test");
        ListAppender<ILoggingEvent> appender = new ListAppender<>();
        appender.start();
        logger.addAppender(appender);
        AtomicLong nanos = new AtomicLong();
        RateLimitedLog log = new RateLimitedLog(logger, Duration.ofSeconds(10), nanos::get);
        log.warn("k", "first");
        nanos.addAndGet(Duration.ofMillis(9_999).toNanos());
        log.warn("k", "too soon");
        nanos.addAndGet(Duration.ofMillis(1).toNanos());
        log.warn("k", "again");
        assertThat(appender.list).extracting(ILoggingEvent::getFormattedMessage)
                .containsExactly("first", "again (1 similar messages suppressed)");
    }
}
