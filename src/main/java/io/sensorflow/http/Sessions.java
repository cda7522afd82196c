package io.sensorflow.http;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The dashboard's sign-ins: a browser trades a bearer token once for a session id in an HttpOnly cookie, so no script
 * ever holds the token, and a CSRF token that its state-changing requests must echo in a header. Kept in memory
 * (a restart signs everyone out), at most {@code maxSessions} (the least recently used goes first), each ending after
 * {@code idleTimeout} unused. Looked up by the SHA-256 of the id, so the time of a lookup says nothing of the ids held.
 */
final class Sessions {

    /** One sign-in: the token it was made with (its name and scopes, not its secret) and its CSRF token. */
    record Session(AuthConfig.Token token, String csrf) {

        boolean csrfMatches(String presented) {
            return presented != null && MessageDigest.isEqual(csrf.getBytes(StandardCharsets.UTF_8),
                    presented.getBytes(StandardCharsets.UTF_8));
        }
    }

    /** A new session and the id its cookie carries. */
    record Created(String id, Session session) {
    }

    private record Entry(Session session, long lastUsed) {
    }

    private static final SecureRandom RANDOM = new SecureRandom();

    private final int maxSessions;
    private final Duration idleTimeout;
    private final Clock clock;
    private final LinkedHashMap<String, Entry> sessions = new LinkedHashMap<>(16, 0.75f, true);

    Sessions(int maxSessions, Duration idleTimeout, Clock clock) {
        this.maxSessions = maxSessions;
        this.idleTimeout = idleTimeout;
        this.clock = clock;
    }

    synchronized Created create(AuthConfig.Token token) {
        String id = random();
        Session session = new Session(token, random());
        sessions.put(key(id), new Entry(session, clock.millis()));
        if (sessions.size() > maxSessions) {
            Map.Entry<String, Entry> eldest = sessions.entrySet().iterator().next();
            sessions.remove(eldest.getKey());
        }
        return new Created(id, session);
    }

    synchronized Optional<Session> find(String id) {
        String key = key(id);
        Entry entry = sessions.get(key);
        if (entry == null) {
            return Optional.empty();
        }
        long now = clock.millis();
        if (now - entry.lastUsed() > idleTimeout.toMillis()) {
            sessions.remove(key);
            return Optional.empty();
        }
        sessions.put(key, new Entry(entry.session(), now));
        return Optional.of(entry.session());
    }

    synchronized void end(String id) {
        sessions.remove(key(id));
    }

    synchronized int size() {
        return sessions.size();
    }

    Duration idleTimeout() {
        return idleTimeout;
    }

    private static String random() {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    private static String key(String id) {
        return HexFormat.of().formatHex(AuthConfig.digest(id.getBytes(StandardCharsets.UTF_8)));
    }
}
