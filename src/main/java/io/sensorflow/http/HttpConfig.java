package io.sensorflow.http;

import io.sensorflow.config.Section;

/** Where the HTTP API listens. */
public record HttpConfig(String host, int port) {

    public static HttpConfig parse(Section s) {
        String host = s.string("host");
        int port = s.integer("port", 0, 65535);
        return new HttpConfig(host, port);
    }
}
