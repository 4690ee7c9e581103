package io.deliveryledger.simulator.traffic;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Base64;
import java.util.Map;
import java.util.TreeMap;

import static java.util.Objects.requireNonNull;

/**
 * {@code X-Twilio-Signature} as Twilio computes it: HMAC-SHA1, keyed with the account's auth token, of
 * the full URL requested followed by every POST parameter as name + value sorted by name, Base64.
 */
public final class TwilioSignature
{
    private final SecretKeySpec key;

    public TwilioSignature(String authToken)
    {
        requireNonNull(authToken, "authToken is null");
        this.key = new SecretKeySpec(authToken.getBytes(StandardCharsets.UTF_8), "HmacSHA1");
    }

    public String sign(String url, Map<String, String> postParameters)
    {
        requireNonNull(url, "url is null");
        requireNonNull(postParameters, "postParameters is null");
        StringBuilder data = new StringBuilder(url);
        new TreeMap<>(postParameters).forEach((name, value) -> data.append(name).append(value));
        try {
            Mac mac = Mac.getInstance("HmacSHA1");
            mac.init(key);
            return Base64.getEncoder().encodeToString(mac.doFinal(data.toString().getBytes(StandardCharsets.UTF_8)));
        }
        catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA1 is not available", e);
        }
    }
}
