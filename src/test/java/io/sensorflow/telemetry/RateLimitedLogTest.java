package io.sensorflow.telemetry;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

class RateLimitedLogTest {

    @Test
    void logsOncePerIntervalPerKeyAndThenSaysHowManyWereSuppressed() throws Exception {
        Logger logger = (Logger) LoggerFactory.getLogger("rate-limited-test");
        ListAppender<ILoggingEvent> appender = new ListAppender<>();
        appender.start();
        logger.addAppender(appender);
        RateLimitedLog log = new RateLimitedLog(logger, Duration.ofMillis(200));
        for (int i = 0; i < 1000; i++) {
            log.warn("plant", "bad payload {}", i);
            log.warn("push", "bad payload {}", i);
        }
        assertThat(appender.list).extracting(ILoggingEvent::getFormattedMessage)
                .containsExactly("bad payload 0", "bad payload 0");
        Thread.sleep(250);
        log.warn("plant", "bad payload {}", 1000);
        assertThat(appender.list.get(2).getFormattedMessage()).isEqualTo("bad payload 1000 (999 similar messages suppressed)");
    }
}
