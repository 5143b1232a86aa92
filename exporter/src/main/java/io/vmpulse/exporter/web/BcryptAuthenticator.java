package io.vmpulse.exporter.web;

import at.favre.lib.crypto.bcrypt.BCrypt;
import com.sun.net.httpserver.BasicAuthenticator;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * HTTP basic auth against the web config's bcrypt hashes. A bcrypt check costs tens of milliseconds
 * by design, and Prometheus sends the same credentials on every scrape, so a successful check is
 * remembered (by a SHA-256 of user, hash and password, never the password itself), as
 * exporter-toolkit does. An unknown user is checked against a dummy hash so that it takes as long
 * as a known one and the timing does not reveal which names exist.
 */
final class BcryptAuthenticator extends BasicAuthenticator {

    private static final int REMEMBERED = 64;
    private final Map<String, String> users;

    /**
     * A hash of a random password at the users' highest cost: the time an unknown user's check
     * takes.
     */
    private final byte[] dummy;

    private final Set<String> verified =
            Collections.newSetFromMap(
                    new LinkedHashMap<>(16, 0.75f, true) {
                        @Override
                        protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
                            return size() > REMEMBERED;
                        }
                    });

    BcryptAuthenticator(Map<String, String> users) {
        super("vmpulse-exporter");
        this.users = Map.copyOf(users);
        int cost =
                users.values().stream()
                        .mapToInt(
                                h ->
                                        Integer.parseInt(
                                                h.substring(
                                                        h.lastIndexOf('$') - 2,
                                                        h.lastIndexOf('$'))))
                        .max()
                        .orElse(BCrypt.MIN_COST);
        byte[] random = new byte[16];
        new java.security.SecureRandom().nextBytes(random);
        this.dummy =
                BCrypt.withDefaults()
                        .hash(
                                Math.max(BCrypt.MIN_COST, Math.min(cost, 12)),
                                java.util.HexFormat.of()
                                        .formatHex(random)
                                        .getBytes(StandardCharsets.US_ASCII));
    }

    @Override
    public boolean checkCredentials(String user, String password) {
        String hash = users.get(user);
        byte[] pw = password.getBytes(StandardCharsets.UTF_8);
        String key = digest(user, hash, pw);
        synchronized (verified) {
            if (hash != null && verified.contains(key)) {
                return true;
            }
        }
        boolean ok;
        try {
            BCrypt.Result r =
                    BCrypt.verifyer()
                            .verify(
                                    pw,
                                    hash != null
                                            ? hash.getBytes(StandardCharsets.US_ASCII)
                                            : dummy);
            ok = hash != null && r.verified;
        } catch (RuntimeException e) {
            ok = false; // e.g. a password longer than bcrypt's 72 bytes
        }
        if (ok) {
            synchronized (verified) {
                verified.add(key);
            }
        }
        return ok;
    }

    private static String digest(String user, String hash, byte[] password) {
        try {
            MessageDigest d = MessageDigest.getInstance("SHA-256");
            d.update(user.getBytes(StandardCharsets.UTF_8));
            d.update((byte) 0);
            d.update(String.valueOf(hash).getBytes(StandardCharsets.US_ASCII));
            d.update((byte) 0);
            d.update(password);
            return java.util.HexFormat.of().formatHex(d.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every JVM", e);
        }
    }
}
