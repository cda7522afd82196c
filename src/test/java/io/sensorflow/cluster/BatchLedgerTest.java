package io.sensorflow.cluster;

import io.sensorflow.model.Reading;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class BatchLedgerTest {

    private static final BatchLedger.BatchId FIRST = new BatchLedger.BatchId(7, 1);
    private static final BatchLedger.BatchId SECOND = new BatchLedger.BatchId(7, 2);
    private static final Reading BAD = new Reading("s-1", "t", 1e308, 0, Map.of(), "test");

    @Test
    void aBatchSentAgainWhileHeldIsNotJudgedTwiceAndItsAnswerGoesToTheLastSender() {
        BatchLedger<String> ledger = new BatchLedger<>(10);

        assertThat(ledger.admit(FIRST, "first ask")).isInstanceOf(BatchLedger.Fresh.class);
        assertThat(ledger.admit(FIRST, "second ask")).as("still waiting or committing")
                .isInstanceOf(BatchLedger.Held.class);
        assertThat(ledger.held()).isEqualTo(1);

        assertThat(ledger.settle(FIRST, List.of())).as("the first ask has timed out").isEqualTo("second ask");
        assertThat(ledger.held()).isZero();
    }

    @Test
    void aBatchSentAgainAfterItsAnswerWasLostHasTheSameAnswerAtOnce() {
        BatchLedger<String> ledger = new BatchLedger<>(10);
        ledger.admit(FIRST, "first ask");
        ledger.settle(FIRST, List.of(BAD));

        assertThat(ledger.admit(FIRST, "second ask")).isEqualTo(new BatchLedger.Answered(List.of(BAD)));
        assertThat(ledger.held()).isZero();
        assertThat(ledger.admit(SECOND, "another")).as("a batch of the same node, not the same batch")
                .isInstanceOf(BatchLedger.Fresh.class);
        assertThat(ledger.admit(new BatchLedger.BatchId(8, 1), "another node")).isInstanceOf(BatchLedger.Fresh.class);
    }

    @Test
    void aBatchWhoseCommitFailedIsJudgedAnewWhenItComesAgain() {
        BatchLedger<String> ledger = new BatchLedger<>(10);
        ledger.admit(FIRST, "first ask");
        ledger.forget(FIRST);

        assertThat(ledger.held()).isZero();
        assertThat(ledger.admit(FIRST, "second ask")).isInstanceOf(BatchLedger.Fresh.class);
    }

    @Test
    void onlyTheLatestAnswersAreKept() {
        BatchLedger<String> ledger = new BatchLedger<>(2);
        for (long i = 1; i <= 3; i++) {
            BatchLedger.BatchId id = new BatchLedger.BatchId(7, i);
            ledger.admit(id, "ask " + i);
            ledger.settle(id, List.of());
        }

        assertThat(ledger.admit(FIRST, "again")).as("the oldest went out: judged again, a late reading")
                .isInstanceOf(BatchLedger.Fresh.class);
        assertThat(ledger.admit(new BatchLedger.BatchId(7, 3), "again")).isInstanceOf(BatchLedger.Answered.class);
    }
}
