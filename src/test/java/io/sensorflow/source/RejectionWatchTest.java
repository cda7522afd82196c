package io.sensorflow.source;

import io.sensorflow.model.DeadLetter;
import io.sensorflow.model.Reading;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

class RejectionWatchTest {

    private final AtomicLong now = new AtomicLong(1_000_000);
    private final RejectionWatch watch = new RejectionWatch(now::get);

    private static Envelope rejected(String reason) {
        return Envelope.failed(new DeadLetter("plant", "t", reason, "d", new byte[0], 0), Acknowledgement.NONE);
    }

    private static Envelope taken() {
        return Envelope.of(List.of(new Reading("s", "m", 1, 1, "plant")), Acknowledgement.NONE);
    }

    @Test
    void aSourceWhoseMessagesAreNearlyAllRejectedIsDegradedWithTheCommonestReason() {
        for (int i = 0; i < 30; i++) {
            watch.record("plant", rejected(i % 10 == 0 ? "malformed-json" : "wrong-type"));
        }
        watch.record("plant", taken());
        watch.record("other", rejected("wrong-type"));

        assertThat(watch.degraded()).singleElement().satisfies(r -> {
            assertThat(r.component()).isEqualTo("source plant");
            assertThat(r.detail()).startsWith("30 of its last 31 messages were rejected (mostly wrong-type)");
        });
    }

    @Test
    void aFewBadMessagesAmongGoodOnesOrOldOnesAreNotADegradedSource() {
        for (int i = 0; i < 100; i++) {
            watch.record("plant", i % 5 == 0 ? taken() : rejected("wrong-type"));
        }
        assertThat(watch.degraded()).as("80 % rejected").isEmpty();

        for (int i = 0; i < 100; i++) {
            watch.record("plant", rejected("wrong-type"));
        }
        assertThat(watch.degraded()).hasSize(1);
        now.addAndGet(RejectionWatch.RECENT_MILLIS + 1);
        assertThat(watch.degraded()).as("nothing in the last five minutes").isEmpty();
        for (int i = 0; i < RejectionWatch.MIN_MESSAGES - 1; i++) {
            watch.record("plant", rejected("wrong-type"));
        }
        assertThat(watch.degraded()).as("too few to judge").isEmpty();
    }
}
