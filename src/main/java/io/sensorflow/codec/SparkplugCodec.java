package io.sensorflow.codec;

import com.google.protobuf.InvalidProtocolBufferException;
import io.sensorflow.model.Reading;
import org.eclipse.tahu.protobuf.SparkplugBProto.Payload.Metric;
import org.eclipse.tahu.protobuf.SparkplugBProto;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Sparkplug B (Eclipse Sparkplug 3.0) on {@code spBv1.0/<group>/<type>/<edge node>[/<device>]}, with the state the
 * specification requires of a host: the metric names and aliases of each edge node's and device's birth
 * certificate, so that data messages naming metrics by alias alone can be read.
 *
 * <ul>
 *   <li>NBIRTH, DBIRTH: remember names and aliases; their metrics are readings too, and so is {@code online} = 1.</li>
 *   <li>NDATA, DDATA: a metric by an alias no birth gave is rejected alone, and a rebirth is requested of its edge
 *       node (an NCMD with {@code Node Control/Rebirth} = true, at most once per 10 s per edge node).</li>
 *   <li>NDEATH (the edge node's will), DDEATH: {@code online} = 0 for the node and its devices, or for the device,
 *       so that their sensors read as stale and a rule can alert on it. An NDEATH whose {@code bdSeq} is not that of
 *       the current birth belongs to an older session and is ignored.</li>
 * </ul>
 *
 * <p>Names: the sensor is {@code <group>:<edge node>} or {@code <group>:<edge node>:<device>}, tagged with
 * {@code group}, {@code edge_node} and {@code device}; the metric is the Sparkplug metric name with {@code /} turned
 * into {@code .} (names such as {@code Inputs/Temperature} would not fit a URL path segment). Numbers and booleans
 * become readings (booleans 1 or 0), strings state readings; bytes, data sets, templates and null or transient metrics
 * are not stored.
 *
 * <p>A message whose {@code seq} is not the one after the edge node's previous message also asks for a rebirth: one
 * was lost on the way, so aliases and values may be stale.
 *
 * <p>Stateful, unlike the other codecs; the decode stage calls it from one thread, in the order messages arrived.
 */
public final class SparkplugCodec implements PayloadCodec {

    /** {@code format = sparkplug}: Sparkplug B, with births, deaths, aliases and rebirth requests. */
    public static final PayloadFormat FORMAT = PayloadFormat.of("sparkplug", PayloadFormat.Naming.PAYLOAD,
            mapping -> new SparkplugCodec()).notShareable("each edge node's birth certificate reaches only one member "
            + "of the group, and the others could not resolve its aliases");


    static final String NAMESPACE = "spBv1.0";
    private static final long REBIRTH_INTERVAL_MILLIS = 10_000;

    private volatile java.util.function.BiConsumer<String, byte[]> commands;
    /**
     * Edge nodes, and devices per node, remembered at most: topics come from the outside world, so a birth past the
     * bound is refused ({@code too-many-nodes}, {@code too-many-devices}) instead of growing memory without end.
     */
    static final int MAX_NODES = 10_000;
    static final int MAX_DEVICES = 10_000;
    private final Map<String, Node> nodes = new HashMap<>();
    /**
     * Per edge node, when a rebirth was last requested: apart from {@link #nodes}, so that a birth does not reset it
     * (a node that keeps skipping seq would be asked again at once) and no placeholder node passes for a born one.
     * A memo: past its bound the oldest entry goes, which at worst lets one rebirth request out early.
     */
    private final Map<String, Long> rebirthRequested = bounded(MAX_NODES);
    /** Per sensor, the time of its last {@code online} reading; a memo bounded like the one above. */
    private final Map<String, Long> lastOnline = bounded(MAX_NODES * 4);

    private static Map<String, Long> bounded(int max) {
        return new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Long> eldest) {
                return size() > max;
            }
        };
    }

    /** What the last NBIRTH and DBIRTHs of one edge node said. */
    private static final class Node {
        final Map<Long, String> aliases = new HashMap<>();
        /** Per device born on this node, in birth order: its aliases. */
        final Map<String, Map<Long, String>> deviceAliases = new LinkedHashMap<>();
        Long bdSeq;
        /** The seq of the node's last message (0 to 255, wrapping); -1 before its birth. */
        long seq = -1;
    }

    /** Rebirth requests go out through this, set by the MQTT source that owns the codec. */
    @Override
    public void commandsVia(java.util.function.BiConsumer<String, byte[]> publisher) {
        this.commands = publisher;
    }

    @Override
    public synchronized Decoded decode(byte[] payload, String source, TopicMatch topic, long receivedAt)
            throws DecodeException {
        String[] parts = topic.topic().split("/");
        if (parts.length >= 2 && parts[0].equals(NAMESPACE) && parts[1].equals("STATE")) {
            // A host application's own state: nothing to store.
            return Decoded.of(List.of());
        }
        if (parts.length < 4 || parts.length > 5 || !parts[0].equals(NAMESPACE)) {
            throw new DecodeException("not-sparkplug", "topic '" + topic.topic() + "' is not "
                    + NAMESPACE + "/<group>/<type>/<edge node>[/<device>]");
        }
        String group = parts[1];
        String type = parts[2];
        String edge = parts[3];
        String device = parts.length == 5 ? parts[4] : null;
        if ((device == null) != type.startsWith("N") || !List.of("NBIRTH", "NDATA", "NDEATH", "DBIRTH", "DDATA",
                "DDEATH", "NCMD", "DCMD").contains(type)) {
            throw new DecodeException("not-sparkplug", "message type " + type + (device == null ? " without" : " with")
                    + " a device in '" + topic.topic() + "'");
        }
        if (type.endsWith("CMD")) {
            // Commands to edge nodes (ours, or another host's) are not readings.
            return Decoded.of(List.of());
        }
        SparkplugBProto.Payload message;
        try {
            message = SparkplugBProto.Payload.parseFrom(payload);
        } catch (InvalidProtocolBufferException e) {
            throw new DecodeException("malformed-protobuf", e.getMessage());
        }
        String nodeKey = group + "/" + edge;
        long timestamp = message.hasTimestamp() ? message.getTimestamp() : receivedAt;
        Map<String, String> tags = new LinkedHashMap<>(topic.tags());
        tags.put("group", group);
        tags.put("edge_node", edge);
        if (device != null) {
            tags.put("device", device);
        }
        String sensor = group + ":" + edge + (device == null ? "" : ":" + device);
        Decoded.Builder out = new Decoded.Builder(message.getMetricsCount() + 1);
        checkSequence(type, message, nodes.get(nodeKey), group, edge, receivedAt);
        switch (type) {
            case "NBIRTH" -> {
                if (nodes.size() >= MAX_NODES && !nodes.containsKey(nodeKey)) {
                    throw new DecodeException("too-many-nodes", "NBIRTH of " + edge + ": " + MAX_NODES
                            + " edge nodes are known already");
                }
                Node node = new Node();
                node.seq = message.hasSeq() ? message.getSeq() : 0;
                nodes.put(nodeKey, node);
                for (Metric metric : message.getMetricsList()) {
                    if (metric.hasAlias() && metric.hasName()) {
                        node.aliases.put(metric.getAlias(), metric.getName());
                    }
                    if (metric.getName().equals("bdSeq") && metric.hasLongValue()) {
                        node.bdSeq = metric.getLongValue();
                    }
                }
                readings(message, node.aliases, Map.of(), sensor, tags, timestamp, source, out, nodeKey, receivedAt);
                out.add(online(sensor, 1, receivedAt, tags, source));
            }
            case "DBIRTH" -> {
                Node node = nodes.get(nodeKey);
                if (node == null) {
                    requestRebirth(group, edge, receivedAt);
                    throw new DecodeException("unborn-node", "DBIRTH of " + device + " before any NBIRTH of " + edge
                            + "; rebirth requested");
                }
                Map<Long, String> aliases = new HashMap<>();
                for (Metric metric : message.getMetricsList()) {
                    if (metric.hasAlias() && metric.hasName()) {
                        aliases.put(metric.getAlias(), metric.getName());
                    }
                }
                if (node.deviceAliases.size() >= MAX_DEVICES && !node.deviceAliases.containsKey(device)) {
                    throw new DecodeException("too-many-devices", "DBIRTH of " + device + ": " + MAX_DEVICES
                            + " devices of " + edge + " are known already");
                }
                node.deviceAliases.put(device, aliases);
                readings(message, aliases, node.aliases, sensor, tags, timestamp, source, out, nodeKey, receivedAt);
                out.add(online(sensor, 1, receivedAt, tags, source));
            }
            case "NDATA", "DDATA" -> {
                Node node = nodes.get(nodeKey);
                Map<Long, String> own = node == null ? Map.of()
                        : device == null ? node.aliases : node.deviceAliases.getOrDefault(device, Map.of());
                Map<Long, String> fallback = node == null || device == null ? Map.of() : node.aliases;
                readings(message, own, fallback, sensor, tags, timestamp, source, out, nodeKey, receivedAt);
            }
            case "NDEATH" -> {
                Node node = nodes.get(nodeKey);
                Long bdSeq = null;
                for (Metric metric : message.getMetricsList()) {
                    if (metric.getName().equals("bdSeq") && metric.hasLongValue()) {
                        bdSeq = metric.getLongValue();
                    }
                }
                if (node != null && node.bdSeq != null && bdSeq != null && !node.bdSeq.equals(bdSeq)) {
                    // The will of an older session, delivered after the node was born again.
                    return Decoded.of(List.of());
                }
                // The will carries no time of death: it is now.
                out.add(online(sensor, 0, receivedAt, tags, source));
                if (node != null) {
                    for (String child : node.deviceAliases.keySet()) {
                        Map<String, String> deviceTags = new LinkedHashMap<>(tags);
                        deviceTags.put("device", child);
                        out.add(online(sensor + ":" + child, 0, receivedAt, deviceTags, source));
                    }
                    nodes.remove(nodeKey);
                }
            }
            case "DDEATH" -> {
                Node node = nodes.get(nodeKey);
                if (node != null) {
                    node.deviceAliases.remove(device);
                }
                out.add(online(sensor, 0, receivedAt, tags, source));
            }
            default -> throw new IllegalStateException(type);
        }
        return out.build();
    }

    /**
     * {@code online} is sensorflow's own observation, so it is stamped with arrival time, not the edge node's clock
     * (a death has none, and a birth's clock may lag). Each is at least a millisecond after the previous one of its
     * sensor, so a death and a rebirth in one millisecond are two readings, in order.
     */
    private Reading online(String sensor, double value, long receivedAt, Map<String, String> tags, String source) {
        long previous = lastOnline.getOrDefault(sensor, Long.MIN_VALUE);
        long at = previous == Long.MIN_VALUE ? receivedAt : Math.max(receivedAt, previous + 1);
        lastOnline.put(sensor, at);
        return new Reading(sensor, "online", value, at, tags, source);
    }

    /**
     * Every message of an edge node after its NBIRTH carries the next seq (mod 256). A gap means a message was lost
     * (a QoS 0 hop, a broker restart): the data still counts, but the aliases and values may be out of date, so a
     * rebirth is requested, as the specification asks of a host.
     */
    private void checkSequence(String type, SparkplugBProto.Payload message, Node node, String group, String edge,
                               long now) {
        if (type.equals("NBIRTH") || type.equals("NDEATH") || node == null || node.seq < 0 || !message.hasSeq()) {
            return;
        }
        long expected = (node.seq + 1) % 256;
        node.seq = message.getSeq();
        if (message.getSeq() != expected) {
            requestRebirth(group, edge, now);
        }
    }

    private void readings(SparkplugBProto.Payload message, Map<Long, String> aliases, Map<Long, String> fallback,
                          String sensor, Map<String, String> tags, long timestamp, String source, Decoded.Builder out,
                          String nodeKey, long receivedAt) {
        boolean unknownAlias = false;
        for (int i = 0; i < message.getMetricsCount(); i++) {
            Metric metric = message.getMetrics(i);
            String name = metric.hasName() && !metric.getName().isEmpty() ? metric.getName()
                    : metric.hasAlias() ? aliases.getOrDefault(metric.getAlias(), fallback.get(metric.getAlias())) : null;
            if (name == null) {
                unknownAlias |= metric.hasAlias();
                out.reject("metric " + i, new DecodeException(metric.hasAlias() ? "unknown-alias" : "no-name",
                        metric.hasAlias() ? "alias " + metric.getAlias() + " was in no birth certificate of this "
                                + "session; rebirth requested" : "a metric with neither name nor alias"));
                continue;
            }
            if (name.equals("bdSeq") || (metric.hasIsNull() && metric.getIsNull())
                    || (metric.hasIsTransient() && metric.getIsTransient())) {
                continue;
            }
            long ts = metric.hasTimestamp() ? metric.getTimestamp() : timestamp;
            if (metric.getValueCase() == Metric.ValueCase.STRING_VALUE) {
                out.add(Reading.ofState(sensor, name.replace('/', '.'), metric.getStringValue(), ts, tags, source));
                continue;
            }
            Double value = value(metric);
            if (value == null) {
                continue;
            }
            if (!Double.isFinite(value)) {
                out.reject("metric " + i, new DecodeException("non-finite", "metric " + name + " is not finite"));
                continue;
            }
            out.add(new Reading(sensor, name.replace('/', '.'), value, ts, tags, source));
        }
        if (unknownAlias) {
            String[] key = nodeKey.split("/", 2);
            requestRebirth(key[0], key[1], receivedAt);
        }
    }

    /** A metric's value as a number, or null for the kinds that are not stored. */
    private static Double value(Metric metric) {
        int type = metric.getDatatype();
        return switch (metric.getValueCase()) {
            case INT_VALUE -> {
                int raw = metric.getIntValue();
                yield switch (type) {
                    case 1 -> (double) (byte) raw;
                    case 2 -> (double) (short) raw;
                    case 5 -> (double) (raw & 0xff);
                    case 6 -> (double) (raw & 0xffff);
                    case 7 -> (double) Integer.toUnsignedLong(raw);
                    default -> (double) raw;
                };
            }
            case LONG_VALUE -> type == 8 ? Double.parseDouble(Long.toUnsignedString(metric.getLongValue()))
                    : type == 7 ? (double) (metric.getLongValue() & 0xffffffffL) : (double) metric.getLongValue();
            case FLOAT_VALUE -> (double) metric.getFloatValue();
            case DOUBLE_VALUE -> metric.getDoubleValue();
            case BOOLEAN_VALUE -> metric.getBooleanValue() ? 1.0 : 0.0;
            default -> null;
        };
    }

    private void requestRebirth(String group, String edge, long now) {
        java.util.function.BiConsumer<String, byte[]> target = commands;
        if (target == null) {
            return;
        }
        String key = group + "/" + edge;
        Long last = rebirthRequested.get(key);
        if (last != null && now - last < REBIRTH_INTERVAL_MILLIS) {
            return;
        }
        rebirthRequested.put(key, now);
        byte[] command = SparkplugBProto.Payload.newBuilder()
                .setTimestamp(now)
                .addMetrics(Metric.newBuilder().setName("Node Control/Rebirth")
                        .setDatatype(SparkplugBProto.DataType.Boolean_VALUE).setBooleanValue(true).setTimestamp(now))
                .build().toByteArray();
        target.accept(NAMESPACE + "/" + group + "/NCMD/" + edge, command);
    }
}
