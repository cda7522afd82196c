package io.sensorflow.codec;

import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.cbor.CBORFactory;
import io.sensorflow.model.Reading;

import java.io.IOException;
import java.util.Iterator;

/**
 * SenML (RFC 8428) in JSON or CBOR: a pack of records whose base fields ({@code bn}, {@code bt}, {@code bu},
 * {@code bv}, {@code bs}) apply to that record and every later one until set again.
 *
 * <p>Resolution follows section 4.6: name = base name + name, time = base time + time in seconds, where a result
 * under 2^28 is relative to now (arrival); value = base value + value; a record with only a sum stores
 * base sum + sum. Booleans ({@code vb}) are stored as 1 or 0, strings ({@code vs}) as state readings. Data values
 * ({@code vd}) are rejected as unsupported, and so is a record with a "must understand" field (one ending in
 * {@code _}) since ignoring it could change the meaning.
 *
 * <p>Naming: the sensor is the topic's {sensor}, else the base name (without a trailing {@code :} {@code /} or
 * {@code .}), else the record's name. The metric is the record's own name, else the topic's {metric}, else the
 * unit (RFC 8428's example 5.1.5 tells records apart by unit alone), else {@code value}.
 */
public final class SenmlCodec implements PayloadCodec {

    /** {@code format = senml}: SenML JSON (RFC 8428). */
    public static final PayloadFormat JSON_FORMAT = PayloadFormat.of("senml", PayloadFormat.Naming.PAYLOAD,
            mapping -> json()).takenAs("application/senml+json");
    /** {@code format = senml-cbor}: SenML CBOR (RFC 8428 section 6). */
    public static final PayloadFormat CBOR_FORMAT = PayloadFormat.of("senml-cbor", PayloadFormat.Naming.PAYLOAD,
            mapping -> cbor()).takenAs("application/senml+cbor");


    /** Section 4.5.3: times below 2**28 seconds are relative to now. */
    private static final double RELATIVE_LIMIT = 268_435_456.0;

    private static final ObjectMapper CBOR = new ObjectMapper(CBORFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(JsonCodec.MAX_NESTING).build())
            .enable(com.fasterxml.jackson.core.StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build());

    /** Field labels: JSON names, and section 6's CBOR integer labels (read by Jackson as their decimal text). */
    private enum Label {
        BVER("bver", -1), BN("bn", -2), BT("bt", -3), BU("bu", -4), BV("bv", -5), BS("bs", -6),
        N("n", 0), U("u", 1), V("v", 2), VS("vs", 3), VB("vb", 4), S("s", 5), T("t", 6), UT("ut", 7), VD("vd", 8);

        final String json;
        final String cbor;

        Label(String json, int cbor) {
            this.json = json;
            this.cbor = Integer.toString(cbor);
        }
    }

    private final boolean cbor;

    private SenmlCodec(boolean cbor) {
        this.cbor = cbor;
    }

    static SenmlCodec json() {
        return new SenmlCodec(false);
    }

    static SenmlCodec cbor() {
        return new SenmlCodec(true);
    }

    @Override
    public Decoded decode(byte[] payload, String source, TopicMatch topic, long receivedAt) throws DecodeException {
        JsonNode pack = cbor ? parseCbor(payload) : JsonCodec.parse(payload);
        if (!pack.isArray()) {
            throw new DecodeException("not-senml", "a SenML pack is an array of records, got " + kind(pack));
        }
        Base base = new Base();
        Decoded.Builder decoded = new Decoded.Builder(pack.size());
        for (int i = 0; i < pack.size(); i++) {
            try {
                decoded.add(record(pack.get(i), base, source, topic, receivedAt));
            } catch (DecodeException e) {
                decoded.reject("/" + i, e);
            }
        }
        return decoded.build();
    }

    private static JsonNode parseCbor(byte[] payload) throws DecodeException {
        try {
            JsonNode root = CBOR.readTree(payload);
            if (root == null || root.isMissingNode()) {
                throw new DecodeException("empty-payload", "payload is empty");
            }
            return root;
        } catch (IOException e) {
            throw new DecodeException("malformed-cbor", e.getMessage());
        }
    }

    /** The base fields in force. */
    private static final class Base {
        String name = "";
        double time;
        String unit;
        double value;
        double sum;
    }

    private Reading record(JsonNode record, Base base, String source, TopicMatch topic, long receivedAt)
            throws DecodeException {
        if (!record.isObject()) {
            throw new DecodeException("not-senml", "a SenML record is an object, got " + kind(record));
        }
        for (Iterator<String> names = record.fieldNames(); names.hasNext(); ) {
            String field = names.next();
            if (field.endsWith("_")) {
                throw new DecodeException("unsupported-field", "field " + field + " must be understood (RFC 8428 "
                        + "section 4.4), and sensorflow does not know it");
            }
        }
        JsonNode bver = get(record, Label.BVER);
        if (bver != null && (!bver.canConvertToInt() || bver.asInt() > 10)) {
            throw new DecodeException("unsupported-version", "SenML version " + bver + " is newer than 10");
        }
        // Base fields take effect for this record too, and stay for the records after it.
        String bn = text(record, Label.BN);
        if (bn != null) {
            base.name = bn;
        }
        Double bt = number(record, Label.BT);
        if (bt != null) {
            base.time = bt;
        }
        String bu = text(record, Label.BU);
        if (bu != null) {
            base.unit = bu;
        }
        Double bv = number(record, Label.BV);
        if (bv != null) {
            base.value = bv;
        }
        Double bs = number(record, Label.BS);
        if (bs != null) {
            base.sum = bs;
        }
        String n = text(record, Label.N);
        String own = n == null ? "" : n;
        if (base.name.isEmpty() && own.isEmpty()) {
            throw new DecodeException("no-name", "the record has neither a name nor a base name");
        }
        String unit = text(record, Label.U);
        if (unit == null) {
            unit = base.unit;
        }
        // RFC 8428 gives a record one value; a sum beside it would be a second reading that has no metric of its
        // own. Either would be dropped without a word, so the record is refused and the sender told why.
        int values = (get(record, Label.V) == null ? 0 : 1) + (get(record, Label.VB) == null ? 0 : 1)
                + (get(record, Label.VS) == null ? 0 : 1) + (get(record, Label.VD) == null ? 0 : 1);
        if (values > 1) {
            throw new DecodeException("multiple-values", "the record has more than one of v, vs, vb and vd; send "
                    + "each value in a record of its own");
        }
        if (values == 1 && get(record, Label.S) != null) {
            throw new DecodeException("value-and-sum", "the record has both a value and a sum (s); sensorflow "
                    + "stores one reading per record: send the sum in a record of its own");
        }
        String vs = text(record, Label.VS);
        double value = vs != null ? Double.NaN : value(record, base);
        Double t = number(record, Label.T);
        double seconds = base.time + (t == null ? 0 : t);
        long timestamp = seconds < RELATIVE_LIMIT
                ? receivedAt + TimePrecision.S.toMillis(seconds)
                : TimePrecision.S.toMillis(seconds);

        String sensor;
        boolean sensorFromName = false;
        if (topic.sensor() != null) {
            sensor = topic.sensor();
        } else if (!base.name.isEmpty()) {
            sensor = stripSeparator(base.name);
        } else {
            sensor = own;
            sensorFromName = true;
        }
        if (sensor.isEmpty()) {
            throw new DecodeException("no-sensor", "base name '" + base.name + "' is only a separator");
        }
        String metric = !sensorFromName && !own.isEmpty() ? own
                : topic.metric() != null ? topic.metric()
                : unit != null && !unit.isEmpty() ? unit
                : "value";
        if (vs != null) {
            return Reading.ofState(sensor, metric, vs, timestamp, topic.tags(), source);
        }
        return new Reading(sensor, metric, value, timestamp, topic.tags(), source, unit);
    }

    private double value(JsonNode record, Base base) throws DecodeException {
        Double v = number(record, Label.V);
        if (v != null) {
            return finite(base.value + v);
        }
        JsonNode vb = get(record, Label.VB);
        if (vb != null) {
            if (!vb.isBoolean()) {
                throw new DecodeException("wrong-type", "vb must be true or false, got " + kind(vb));
            }
            return vb.booleanValue() ? 1.0 : 0.0;
        }
        if (get(record, Label.VD) != null) {
            throw new DecodeException("unsupported-value", "data values (vd) are not stored; numbers (v), booleans "
                    + "(vb) and strings (vs) are");
        }
        Double s = number(record, Label.S);
        if (s != null) {
            return finite(base.sum + s);
        }
        throw new DecodeException("missing-value", "the record has no value (v, vb) and no sum (s)");
    }

    private static double finite(double value) throws DecodeException {
        if (!Double.isFinite(value)) {
            throw new DecodeException("non-finite", "value is not finite");
        }
        return value;
    }

    private JsonNode get(JsonNode record, Label label) {
        JsonNode node = record.get(cbor ? label.cbor : label.json);
        return node == null || node.isNull() ? null : node;
    }

    private String text(JsonNode record, Label label) throws DecodeException {
        JsonNode node = get(record, label);
        if (node == null) {
            return null;
        }
        if (!node.isTextual()) {
            throw new DecodeException("wrong-type", label.json + " must be a string, got " + kind(node));
        }
        return node.textValue();
    }

    private Double number(JsonNode record, Label label) throws DecodeException {
        JsonNode node = get(record, label);
        if (node == null) {
            return null;
        }
        if (!node.isNumber()) {
            throw new DecodeException("wrong-type", label.json + " must be a number, got " + kind(node));
        }
        return node.doubleValue();
    }

    private static String stripSeparator(String name) {
        int end = name.length();
        while (end > 0 && ":/.".indexOf(name.charAt(end - 1)) >= 0) {
            end--;
        }
        return name.substring(0, end);
    }

    private static String kind(JsonNode node) {
        return node.getNodeType().name().toLowerCase(java.util.Locale.ROOT);
    }
}
