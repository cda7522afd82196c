package io.sensorflow.http;

import io.sensorflow.config.Section;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Who may use the HTTP API: bearer tokens with scopes, or nobody asked at all ({@code http.auth = none} said in so
 * many words, or no tokens on a loopback host).
 *
 * @param none   the config says {@code auth = none}
 * @param tokens the tokens; while there are none, every route is open
 */
public record AuthConfig(boolean none, List<Token> tokens) {

    /** Shorter tokens can be guessed; 16 characters of base64 are 96 bits. */
    static final int MIN_TOKEN_LENGTH = 16;

    public static final AuthConfig OPEN = new AuthConfig(false, List.of());

    /**
     * One token: its name (which logs and 403 answers may show) and the SHA-256 of its secret (which nothing
     * shows).
     */
    public record Token(String name, byte[] digest, Set<Scope> scopes) {

        boolean allows(Scope needed) {
            return scopes.stream().anyMatch(s -> s.implied().contains(needed));
        }

        @Override
        public String toString() {
            return "Token[" + name + ", scopes=" + scopes + "]";
        }
    }

    /** What the start-up log says: which tokens and scopes, never a secret. */
    public String describe() {
        if (required()) {
            return "bearer tokens required on every route but /health: " + tokens.stream()
                    .map(t -> t.name() + " " + t.scopes().stream().map(Scope::label).sorted().toList()).toList();
        }
        return none ? "no authentication (http.auth = none)" : "open to this machine (no tokens configured)";
    }

    /** Whether a request must carry a token. */
    public boolean required() {
        return !tokens.isEmpty();
    }

    /** Binds {@code http}'s {@code auth}: the string {@code none}, or an object with {@code tokens}. */
    static AuthConfig parse(Section http) {
        if (http.raw().hasPath("auth") && http.raw().getValue("auth").valueType()
                == com.typesafe.config.ConfigValueType.STRING) {
            String value = http.string("auth");
            if (!value.equals("none")) {
                http.problem("auth", "must be none or an object { tokens { ... } }, got '" + value + "'");
            }
            return new AuthConfig(true, List.of());
        }
        Section auth = http.section("auth");
        List<Token> tokens = new ArrayList<>();
        auth.entries("tokens").forEach((name, s) -> {
            byte[] secret = secret(s);
            Set<Scope> scopes = EnumSet.noneOf(Scope.class);
            for (String scope : s.stringList("scopes")) {
                try {
                    scopes.add(Scope.valueOf(scope.toUpperCase(Locale.ROOT)));
                } catch (IllegalArgumentException e) {
                    s.problem("scopes", "'" + scope + "' is not a scope; known: read, operate, admin, ingest");
                }
            }
            if (scopes.isEmpty() && s.has("scopes")) {
                s.problem("scopes", "must name at least one of read, operate, admin, ingest");
            }
            if (secret != null) {
                tokens.add(new Token(name, digest(secret), Set.copyOf(scopes)));
            }
        });
        return new AuthConfig(false, List.copyOf(tokens));
    }

    /** The secret from {@code token} or from the file {@code token-file}; never echoed in a problem. */
    private static byte[] secret(Section s) {
        boolean inline = s.has("token");
        boolean file = s.has("token-file");
        if (inline == file) {
            s.problem(inline ? "token-file" : "token", inline ? "set token or token-file, not both"
                    : "is missing: set token (e.g. token = ${?SENSORFLOW_TOKEN} from the environment) or token-file");
            return null;
        }
        String secret;
        if (inline) {
            secret = s.string("token");
        } else {
            Path path = Path.of(s.string("token-file"));
            try {
                secret = Files.readString(path, StandardCharsets.UTF_8).strip();
            } catch (IOException e) {
                s.problem("token-file", "cannot read " + path + ": " + e.getClass().getSimpleName());
                return null;
            }
        }
        if (secret.length() < MIN_TOKEN_LENGTH || secret.chars().anyMatch(Character::isWhitespace)) {
            s.problem(inline ? "token" : "token-file", "must be at least " + MIN_TOKEN_LENGTH
                    + " characters without spaces (e.g. openssl rand -base64 24); the value is not shown");
            return null;
        }
        return secret.getBytes(StandardCharsets.UTF_8);
    }

    static byte[] digest(byte[] secret) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(secret);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
    }
}
