package io.sensorflow.cluster;

import io.sensorflow.model.AlertEvent;
import io.sensorflow.model.Reading;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorRefResolver;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.serialization.SerializerWithStringManifest;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.NotSerializableException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes the {@link ClusterMessage}s: batches of readings to their shard's owner and its answer. A plain binary
 * layout (lengths, UTF-8, doubles and longs): a reading costs its own bytes and a few more, and nothing is found by
 * reflection on the way.
 */
public final class ClusterSerializer extends SerializerWithStringManifest {

    /** Pekko reserves 0 to 40; this one is ours in every node's config. */
    static final int IDENTIFIER = 1_851_601;
    /** A batch and its id. "E" was a batch without one: a node that sends that is of an older version. */
    private static final String EVALUATE = "B";
    private static final String COMMITTED = "C";
    private static final String WAKE = "W";
    private static final String LIVE = "L";
    /** Transitions for the live views are few beside readings; they cross as JSON, maps of inputs and all. */
    private static final com.fasterxml.jackson.databind.ObjectMapper JSON =
            new com.fasterxml.jackson.databind.ObjectMapper();
    private static final com.fasterxml.jackson.core.type.TypeReference<List<AlertEvent>> EVENTS =
            new com.fasterxml.jackson.core.type.TypeReference<>() { };

    private final ExtendedActorSystem system;
    private volatile ActorRefResolver resolver;

    public ClusterSerializer(ExtendedActorSystem system) {
        this.system = system;
    }

    @Override
    public int identifier() {
        return IDENTIFIER;
    }

    @Override
    public String manifest(Object message) {
        if (message instanceof RuleShard.Evaluate) {
            return EVALUATE;
        }
        if (message instanceof RuleShard.Committed) {
            return COMMITTED;
        }
        if (message instanceof RuleShard.Wake) {
            return WAKE;
        }
        if (message instanceof LiveRelay.Update) {
            return LIVE;
        }
        throw new IllegalArgumentException("not a sensorflow cluster message: " + message.getClass());
    }

    @Override
    public byte[] toBinary(Object message) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(256);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            if (message instanceof RuleShard.Evaluate evaluate) {
                out.writeLong(evaluate.id().origin());
                out.writeLong(evaluate.id().sequence());
                out.writeLong(evaluate.receivedAt());
                writeString(out, resolver().toSerializationFormat(evaluate.replyTo()));
                writeReadings(out, evaluate.readings());
                byte[] judgedOnly = evaluate.judgedOnly().toByteArray();
                out.writeInt(judgedOnly.length);
                out.write(judgedOnly);
            } else if (message instanceof RuleShard.Committed committed) {
                writeReadings(out, committed.refused());
            } else if (message instanceof LiveRelay.Update update) {
                writeString(out, update.origin());
                writeReadings(out, update.readings());
                byte[] events = JSON.writeValueAsBytes(update.events());
                out.writeInt(events.length);
                out.write(events);
            } else if (!(message instanceof RuleShard.Wake)) {
                throw new IllegalArgumentException("not a sensorflow cluster message: " + message.getClass());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    @Override
    public Object fromBinary(byte[] bytes, String manifest) throws NotSerializableException {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
            return switch (manifest) {
                case EVALUATE -> {
                    BatchLedger.BatchId id = new BatchLedger.BatchId(in.readLong(), in.readLong());
                    long receivedAt = in.readLong();
                    ActorRef<RuleShard.Committed> replyTo = resolver().resolveActorRef(readString(in));
                    List<Reading> readings = readReadings(in);
                    byte[] judgedOnly = new byte[in.readInt()];
                    in.readFully(judgedOnly);
                    yield new RuleShard.Evaluate(id, readings, java.util.BitSet.valueOf(judgedOnly), receivedAt,
                            replyTo);
                }
                case COMMITTED -> new RuleShard.Committed(readReadings(in));
                case WAKE -> RuleShard.Wake.INSTANCE;
                case LIVE -> {
                    String origin = readString(in);
                    List<Reading> readings = readReadings(in);
                    byte[] events = new byte[in.readInt()];
                    in.readFully(events);
                    yield new LiveRelay.Update(origin, readings, JSON.readValue(events, EVENTS));
                }
                default -> throw new NotSerializableException("unknown sensorflow cluster message '" + manifest
                        + "' (a node of another version?)");
            };
        } catch (IOException e) {
            NotSerializableException failure = new NotSerializableException("a sensorflow cluster message '"
                    + manifest + "' could not be read: " + e.getMessage());
            failure.initCause(e);
            throw failure;
        }
    }

    private ActorRefResolver resolver() {
        ActorRefResolver current = resolver;
        if (current == null) {
            // Not in the constructor: Pekko makes serializers while the typed system is still being set up.
            current = ActorRefResolver.get(Adapter.toTyped(system));
            resolver = current;
        }
        return current;
    }

    private static void writeReadings(DataOutputStream out, List<Reading> readings) throws IOException {
        out.writeInt(readings.size());
        for (Reading reading : readings) {
            writeString(out, reading.sensor());
            writeString(out, reading.metric());
            out.writeDouble(reading.value());
            out.writeLong(reading.timestamp());
            writeString(out, reading.source());
            writeNullable(out, reading.unit());
            writeNullable(out, reading.state());
            out.writeInt(reading.tags().size());
            for (Map.Entry<String, String> tag : reading.tags().entrySet()) {
                writeString(out, tag.getKey());
                writeString(out, tag.getValue());
            }
        }
    }

    private static List<Reading> readReadings(DataInputStream in) throws IOException {
        int count = in.readInt();
        List<Reading> readings = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            String sensor = readString(in);
            String metric = readString(in);
            double value = in.readDouble();
            long timestamp = in.readLong();
            String source = readString(in);
            String unit = readNullable(in);
            String state = readNullable(in);
            int tagCount = in.readInt();
            Map<String, String> tags = tagCount == 0 ? Map.of() : new LinkedHashMap<>(tagCount * 2);
            for (int t = 0; t < tagCount; t++) {
                tags.put(readString(in), readString(in));
            }
            readings.add(new Reading(sensor, metric, value, timestamp, tags, source, unit, state));
        }
        return readings;
    }

    /** Length and UTF-8: not writeUTF, whose 64 KiB limit a long tag value could pass. */
    private static void writeString(DataOutputStream out, String value) throws IOException {
        byte[] utf8 = value.getBytes(StandardCharsets.UTF_8);
        out.writeInt(utf8.length);
        out.write(utf8);
    }

    private static String readString(DataInputStream in) throws IOException {
        byte[] utf8 = new byte[in.readInt()];
        in.readFully(utf8);
        return new String(utf8, StandardCharsets.UTF_8);
    }

    private static void writeNullable(DataOutputStream out, String value) throws IOException {
        out.writeBoolean(value != null);
        if (value != null) {
            writeString(out, value);
        }
    }

    private static String readNullable(DataInputStream in) throws IOException {
        return in.readBoolean() ? readString(in) : null;
    }
}
