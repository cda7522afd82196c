package io.sensorflow.config;

/** Where the HTTP API listens. */
public record HttpConfig(String host, int port) {

    static HttpConfig parse(Section s) {
        String host = s.string("host");
        int port = s.integer("port", 0, 65535);
        s.rejectUnknownKeys();
        return new HttpConfig(host, port);
    }
}
