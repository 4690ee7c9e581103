package io.deliveryledger.testing;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Base64;
import java.util.Map;
import java.util.TreeMap;

import static java.util.Objects.requireNonNull;

/**
 * Signs requests the way Twilio does (HMAC-SHA1 of the URL followed by every POST parameter as
 * name + value, sorted by name), written from Twilio's documentation independently of the code under
 * test, and checked against Twilio's published test vector.
 */
public final class TwilioSigner
{
    private final String authToken;

    public TwilioSigner(String authToken)
    {
        this.authToken = requireNonNull(authToken, "authToken is null");
    }

    public String sign(String url, Map<String, String> postParameters)
    {
        StringBuilder data = new StringBuilder(url);
        new TreeMap<>(postParameters).forEach((name, value) -> data.append(name).append(value));
        try {
            Mac mac = Mac.getInstance("HmacSHA1");
            mac.init(new SecretKeySpec(authToken.getBytes(StandardCharsets.UTF_8), "HmacSHA1"));
            return Base64.getEncoder().encodeToString(mac.doFinal(data.toString().getBytes(StandardCharsets.UTF_8)));
        }
        catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
