package io.sensorflow.jmh;

import io.sensorflow.codec.DecodeException;
import io.sensorflow.codec.PayloadCodec;
import io.sensorflow.codec.PayloadMapping;
import io.sensorflow.codec.TopicMatch;
import io.sensorflow.codec.TopicPattern;
import io.sensorflow.model.Reading;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;

/** The decode stage's hot path: topic matching and JSON Pointer decoding of one typical payload. */
@State(Scope.Thread)
public class JsonDecodeBenchmark {

    private final TopicPattern pattern = TopicPattern.parse("sensors/{sensor}/{metric}").pattern();
    private final PayloadCodec codec = io.sensorflow.codec.JsonCodec.FORMAT.codec(
            new PayloadMapping("/value", Optional.of("/ts"), Optional.empty(), Optional.empty()));
    private final byte[] payload = "{\"value\":23.5,\"ts\":1795331702886,\"n\":123456789}".getBytes(StandardCharsets.UTF_8);

    @Benchmark
    public List<Reading> matchTopicAndDecodeJson() throws DecodeException {
        TopicMatch match = pattern.match("sensors/s-01234/temperature").orElseThrow();
        return codec.decode(payload, "plant", match, 1_795_331_702_000L).readings();
    }
}
