package io.sensorflow.source.mqtt;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a broker's {@code $SYS/broker/version} says about flow control. Mosquitto before 2.0.13 moves queued messages
 * into flight without charging them to the client's window (eclipse/mosquitto#2306): once any message has queued
 * behind a full window it sends more than the client's Receive Maximum, the client must disconnect, and the
 * messages in flight then are delivered twice.
 */
final class BrokerVersion {

    static final String TOPIC = "$SYS/broker/version";
    private static final Pattern MOSQUITTO = Pattern.compile("mosquitto version (\\d+)\\.(\\d+)\\.(\\d+)");

    private BrokerVersion() {
    }

    /** Whether a broker that calls itself this may send more than the window it was given. */
    static boolean overrunsWindow(String version) {
        Matcher m = MOSQUITTO.matcher(version.trim());
        if (!m.lookingAt()) {
            return false;
        }
        int major = Integer.parseInt(m.group(1));
        int minor = Integer.parseInt(m.group(2));
        int patch = Integer.parseInt(m.group(3));
        return major < 2 || (major == 2 && minor == 0 && patch < 13);
    }
}
