package io.sensorflow.http;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.Collection;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The HTTP server's TLS context from PEM files, as certbot and most tools write them. */
final class Tls {

    private static final Pattern PKCS8 = Pattern.compile(
            "-----BEGIN PRIVATE KEY-----([A-Za-z0-9+/=\\s]+)-----END PRIVATE KEY-----");

    private Tls() {
    }

    static SSLContext context(HttpConfig.Tls tls) {
        try {
            CertificateFactory factory = CertificateFactory.getInstance("X.509");
            Collection<? extends Certificate> chain;
            try (ByteArrayInputStream in = new ByteArrayInputStream(Files.readAllBytes(tls.certificate()))) {
                chain = factory.generateCertificates(in);
            }
            if (chain.isEmpty()) {
                throw new IllegalArgumentException(tls.certificate() + " holds no PEM certificate");
            }
            PrivateKey key = privateKey(Files.readString(tls.privateKey(), StandardCharsets.US_ASCII), tls);
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            char[] password = new char[0];
            store.setKeyEntry("sensorflow", key, password, chain.toArray(Certificate[]::new));
            KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            keys.init(store, password);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(keys.getKeyManagers(), null, null);
            return context;
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalArgumentException("http.tls: cannot use " + tls.certificate() + " and "
                    + tls.privateKey() + ": " + e.getMessage(), e);
        }
    }

    private static PrivateKey privateKey(String pem, HttpConfig.Tls tls) throws GeneralSecurityException {
        Matcher matcher = PKCS8.matcher(pem);
        if (!matcher.find()) {
            throw new IllegalArgumentException(tls.privateKey() + " holds no PKCS#8 key (BEGIN PRIVATE KEY); convert "
                    + "it with: openssl pkcs8 -topk8 -nocrypt -in " + tls.privateKey() + " -out key.pem");
        }
        byte[] der = Base64.getMimeDecoder().decode(matcher.group(1));
        GeneralSecurityException last = null;
        for (String algorithm : new String[] {"RSA", "EC", "Ed25519"}) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
            } catch (GeneralSecurityException e) {
                last = e;
            }
        }
        throw last;
    }
}
