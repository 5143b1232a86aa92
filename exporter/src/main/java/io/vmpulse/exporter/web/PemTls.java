package io.vmpulse.exporter.web;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
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
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

/** A server {@link SSLContext} from the PEM certificate chain and PKCS#8 key a web config names. */
final class PemTls {

    private static final Pattern PRIVATE_KEY =
            Pattern.compile(
                    "-----BEGIN PRIVATE KEY-----([A-Za-z0-9+/=\\s]+)-----END PRIVATE KEY-----");
    private static final char[] NO_PASSWORD = new char[0];

    private PemTls() {}

    static SSLContext context(Path configFile, WebConfig config) throws InvalidWebConfigException {
        Certificate[] chain = certificates(configFile, config.certFile());
        PrivateKey key = privateKey(configFile, config.keyFile());
        try {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            store.setKeyEntry("server", key, NO_PASSWORD, chain);
            KeyManagerFactory kmf =
                    KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(store, NO_PASSWORD);
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(kmf.getKeyManagers(), null, null);
            return ctx;
        } catch (GeneralSecurityException | IOException e) {
            throw new InvalidWebConfigException(
                    configFile,
                    "the key in "
                            + config.keyFile()
                            + " does not fit the certificate in "
                            + config.certFile()
                            + ": "
                            + e.getMessage());
        }
    }

    private static Certificate[] certificates(Path configFile, Path file)
            throws InvalidWebConfigException {
        try {
            Collection<? extends Certificate> certs =
                    CertificateFactory.getInstance("X.509")
                            .generateCertificates(
                                    new ByteArrayInputStream(Files.readAllBytes(file)));
            if (certs.isEmpty()) {
                throw new InvalidWebConfigException(
                        configFile, "cert_file " + file + " holds no PEM certificate");
            }
            return certs.toArray(new Certificate[0]);
        } catch (IOException | GeneralSecurityException e) {
            throw new InvalidWebConfigException(
                    configFile, "cannot read cert_file " + file + ": " + e.getMessage());
        }
    }

    private static PrivateKey privateKey(Path configFile, Path file)
            throws InvalidWebConfigException {
        String pem;
        try {
            pem = Files.readString(file, StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new InvalidWebConfigException(
                    configFile, "cannot read key_file " + file + ": " + e);
        }
        Matcher m = PRIVATE_KEY.matcher(pem);
        if (!m.find()) {
            throw new InvalidWebConfigException(
                    configFile,
                    "key_file "
                            + file
                            + " holds no unencrypted PKCS#8 key (BEGIN PRIVATE KEY);"
                            + " convert one with: openssl pkcs8 -topk8 -nocrypt -in OLD -out NEW");
        }
        byte[] der = Base64.getMimeDecoder().decode(m.group(1));
        for (String algorithm : new String[] {"RSA", "EC", "Ed25519"}) {
            try {
                return KeyFactory.getInstance(algorithm)
                        .generatePrivate(new PKCS8EncodedKeySpec(der));
            } catch (GeneralSecurityException e) {
                // try the next algorithm
            }
        }
        throw new InvalidWebConfigException(
                configFile, "key_file " + file + ": not an RSA, EC or Ed25519 key");
    }
}
