package io.deliveryledger.event;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;

/**
 * Event ids: a digest of everything an event was made of, so an exact duplicate (a Twilio retry, a
 * journal replay, the same REST answer read twice) gets the same id and is stored once, while a real
 * change (another status, another error code) is not.
 */
public final class EventIds
{
    private EventIds() {}

    public static String of(Source source, Map<String, String> parameters, Map<String, String> tags)
    {
        MessageDigest digest = sha256();
        update(digest, source.columnValue());
        new TreeMap<>(parameters).forEach((name, value) -> {
            update(digest, name);
            update(digest, value);
        });
        update(digest, "");
        new TreeMap<>(tags).forEach((name, value) -> {
            update(digest, name);
            update(digest, value);
        });
        return HexFormat.of().formatHex(digest.digest(), 0, 16);
    }

    private static void update(MessageDigest digest, String value)
    {
        digest.update(value.getBytes(StandardCharsets.UTF_8));
        // A separator that can't appear in form values keeps ("ab","c") and ("a","bc") apart.
        digest.update((byte) 0);
    }

    private static MessageDigest sha256()
    {
        try {
            return MessageDigest.getInstance("SHA-256");
        }
        catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every JVM", e);
        }
    }
}
