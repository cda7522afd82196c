package io.sensorflow.source.mqtt;

import com.hivemq.client.mqtt.MqttClientSslConfig;
import com.hivemq.client.mqtt.MqttClientSslConfigBuilder;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.TrustManagerFactory;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * TLS for a broker connection from PEM files, the form brokers and their CAs hand out: {@code ca} (certificates to
 * trust instead of the JVM's), and {@code cert} with {@code key} for a client certificate. The broker's name is
 * checked against its certificate (the client's default).
 */
final class MqttTls {

    private static final Pattern PEM = Pattern.compile(
            "-----BEGIN ([A-Z ]+)-----\\s*([A-Za-z0-9+/=\\s]+?)\\s*-----END \\1-----");

    private MqttTls() {
    }

    /** A file that is not what it should be; the message says what to do about it. */
    static final class TlsFileException extends Exception {
        private String option = "ca";

        TlsFileException(String message) {
            super(message);
        }

        /** Which of {@code ca}, {@code cert} and {@code key} is at fault. */
        String option() {
            return option;
        }

        TlsFileException at(String option) {
            this.option = option;
            return this;
        }
    }

    static MqttClientSslConfig config(Path ca, Path cert, Path key) throws TlsFileException {
        MqttClientSslConfigBuilder builder = MqttClientSslConfig.builder();
        try {
            if (ca != null) {
                KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
                trust.load(null, null);
                int i = 0;
                for (Certificate certificate : certificates(ca, "ca")) {
                    trust.setCertificateEntry("ca-" + i++, certificate);
                }
                TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
                tmf.init(trust);
                builder = builder.trustManagerFactory(tmf);
            }
            if (cert != null) {
                KeyStore identity = KeyStore.getInstance(KeyStore.getDefaultType());
                identity.load(null, null);
                char[] none = new char[0];
                PrivateKey privateKey;
                try {
                    privateKey = privateKey(key);
                } catch (TlsFileException e) {
                    throw e.at("key");
                }
                identity.setKeyEntry("client", privateKey, none, certificates(cert, "cert").toArray(Certificate[]::new));
                KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                kmf.init(identity, none);
                builder = builder.keyManagerFactory(kmf);
            }
        } catch (GeneralSecurityException | IOException e) {
            throw new TlsFileException("cannot set up TLS: " + e.getMessage()).at(cert != null ? "cert" : "ca");
        }
        return builder.build();
    }

    private static Collection<? extends Certificate> certificates(Path file, String option) throws TlsFileException {
        try {
            return certificates(file);
        } catch (TlsFileException e) {
            throw e.at(option);
        }
    }

    private static Collection<? extends Certificate> certificates(Path file) throws TlsFileException {
        try {
            Collection<? extends Certificate> certificates = CertificateFactory.getInstance("X.509")
                    .generateCertificates(new ByteArrayInputStream(read(file)));
            if (certificates.isEmpty()) {
                throw new TlsFileException(file + " holds no certificate");
            }
            return certificates;
        } catch (GeneralSecurityException e) {
            throw new TlsFileException(file + " is not a PEM certificate: " + e.getMessage());
        }
    }

    private static PrivateKey privateKey(Path file) throws TlsFileException {
        String text = new String(read(file), java.nio.charset.StandardCharsets.US_ASCII);
        List<String> kinds = new ArrayList<>();
        Matcher m = PEM.matcher(text);
        while (m.find()) {
            kinds.add(m.group(1));
            if (!m.group(1).equals("PRIVATE KEY")) {
                continue;
            }
            byte[] der = Base64.getMimeDecoder().decode(m.group(2));
            for (String algorithm : new String[] {"RSA", "EC", "Ed25519"}) {
                try {
                    return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
                } catch (GeneralSecurityException wrongAlgorithm) {
                    // Try the next: PKCS#8 names its algorithm inside, but KeyFactory wants it up front.
                }
            }
            throw new TlsFileException(file + " holds a PKCS#8 key of an algorithm other than RSA, EC or Ed25519");
        }
        if (kinds.contains("RSA PRIVATE KEY") || kinds.contains("EC PRIVATE KEY")) {
            throw new TlsFileException(file + " is a " + (kinds.contains("RSA PRIVATE KEY") ? "PKCS#1 RSA" : "SEC1 EC")
                    + " key; convert it to PKCS#8 once with: openssl pkcs8 -topk8 -nocrypt -in " + file.getFileName()
                    + " -out client.pkcs8.key");
        }
        if (kinds.contains("ENCRYPTED PRIVATE KEY")) {
            throw new TlsFileException(file + " is encrypted; sensorflow reads unencrypted PKCS#8 keys (protect the "
                    + "file with its permissions), e.g. openssl pkcs8 -topk8 -nocrypt -in " + file.getFileName()
                    + " -out client.pkcs8.key");
        }
        throw new TlsFileException(file + " holds no PEM private key (-----BEGIN PRIVATE KEY-----)");
    }

    private static byte[] read(Path file) throws TlsFileException {
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new TlsFileException("cannot read " + file + ": " + e.getMessage());
        }
    }
}
