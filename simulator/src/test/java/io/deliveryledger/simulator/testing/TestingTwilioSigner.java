package io.deliveryledger.simulator.testing;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

import static java.util.Objects.requireNonNull;

/**
 * Twilio's signature algorithm written again from the documentation, apart from the simulator's
 * code, so that tests check the simulator against an independent computation.
 */
public final class TestingTwilioSigner
{
    private final byte[] authToken;

    public TestingTwilioSigner(String authToken)
    {
        this.authToken = requireNonNull(authToken, "authToken is null").getBytes(StandardCharsets.UTF_8);
    }

    public String sign(String url, Map<String, String> parameters)
    {
        List<Map.Entry<String, String>> sorted = parameters.entrySet().stream().sorted(Comparator.comparing(Map.Entry::getKey)).toList();
        try {
            Mac mac = Mac.getInstance("HmacSHA1");
            mac.init(new SecretKeySpec(authToken, "HmacSHA1"));
            mac.update(url.getBytes(StandardCharsets.UTF_8));
            for (Map.Entry<String, String> parameter : sorted) {
                mac.update(parameter.getKey().getBytes(StandardCharsets.UTF_8));
                mac.update(parameter.getValue().getBytes(StandardCharsets.UTF_8));
            }
            return Base64.getEncoder().encodeToString(mac.doFinal());
        }
        catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
