package io.sensorflow.action.webhook;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Base64;

/**
 * Signs a webhook as the Standard Webhooks specification says, so that a receiver's existing library can verify it:
 * {@code webhook-signature: v1,<base64 HMAC-SHA256 of "<webhook-id>.<webhook-timestamp>.<body>">}, keyed with the
 * secret's bytes (base64, optionally after {@code whsec_}).
 */
final class Signer {

    /** The specification asks for secrets of 24 to 64 bytes; fewer than 16 is too weak to accept. */
    private static final int MIN_SECRET_BYTES = 16;

    private final SecretKeySpec key;

    private Signer(byte[] secret) {
        this.key = new SecretKeySpec(secret, "HmacSHA256");
    }

    /** @throws IllegalArgumentException naming what is wrong with the secret, never the secret itself */
    static Signer of(String secret) {
        String encoded = secret.startsWith("whsec_") ? secret.substring("whsec_".length()) : secret;
        byte[] bytes;
        try {
            bytes = Base64.getDecoder().decode(encoded.trim());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("must be base64 (optionally after whsec_), as Standard Webhooks "
                    + "secrets are; generate one with: echo whsec_$(openssl rand -base64 32)");
        }
        if (bytes.length < MIN_SECRET_BYTES) {
            throw new IllegalArgumentException("must hold at least " + MIN_SECRET_BYTES + " bytes, has "
                    + bytes.length + "; generate one with: echo whsec_$(openssl rand -base64 32)");
        }
        return new Signer(bytes);
    }

    String sign(String id, long timestampSeconds, byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(key);
            mac.update((id + "." + timestampSeconds + ".").getBytes(StandardCharsets.UTF_8));
            return "v1," + Base64.getEncoder().encodeToString(mac.doFinal(body));
        } catch (GeneralSecurityException e) {
            // HmacSHA256 is in every JDK.
            throw new IllegalStateException(e);
        }
    }
}
