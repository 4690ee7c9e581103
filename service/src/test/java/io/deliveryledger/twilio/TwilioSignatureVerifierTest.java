package io.deliveryledger.twilio;

import com.twilio.security.RequestValidator;
import io.deliveryledger.testing.TwilioSigner;
import io.deliveryledger.twilio.TwilioSignatureVerifier.SignatureCheck;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

final class TwilioSignatureVerifierTest
{
    // Twilio's published example (security docs): token 12345 signs this URL and form to this signature.
    private static final String URL = "https://mycompany.com/myapp.php?foo=1&bar=2";
    private static final Map<String, String> PARAMETERS = Map.of(
            "CallSid", "CA1234567890ABCDE",
            "Caller", "+12349013030",
            "Digits", "1234",
            "From", "+12349013030",
            "To", "+18005551212");
    private static final String SIGNATURE = "0/KCTR6DLpKmkAf8muzZqo1nDgQ=";
    private static final String ACCOUNT = "AC" + "0".repeat(32);
    private static final String OTHER_ACCOUNT = "AC" + "1".repeat(32);

    @Test
    void testSignerReproducesTwiliosPublishedVector()
    {
        assertThat(new TwilioSigner("12345").sign(URL, PARAMETERS)).isEqualTo(SIGNATURE);
    }

    @Test
    void acceptsTwiliosPublishedVector()
    {
        TwilioSignatureVerifier verifier = new TwilioSignatureVerifier(Map.of(ACCOUNT, List.of("12345")));
        assertThat(verifier.verify(URL, PARAMETERS, Optional.of(ACCOUNT), Optional.of(SIGNATURE))).isEqualTo(SignatureCheck.VALID);
    }

    @Test
    void anyChangeToUrlParametersOrTokenBreaksTheSignature()
    {
        TwilioSignatureVerifier verifier = new TwilioSignatureVerifier(Map.of(ACCOUNT, List.of("12345"), OTHER_ACCOUNT, List.of("54321")));
        assertThat(verifier.verify(URL.replace("bar=2", "bar=3"), PARAMETERS, Optional.of(ACCOUNT), Optional.of(SIGNATURE))).isEqualTo(SignatureCheck.INVALID);
        assertThat(verifier.verify(URL, Map.of("Digits", "1234"), Optional.of(ACCOUNT), Optional.of(SIGNATURE))).isEqualTo(SignatureCheck.INVALID);
        assertThat(verifier.verify(URL, PARAMETERS, Optional.of(OTHER_ACCOUNT), Optional.of(SIGNATURE))).isEqualTo(SignatureCheck.INVALID);
        assertThat(verifier.verify(URL, PARAMETERS, Optional.of(ACCOUNT), Optional.empty())).isEqualTo(SignatureCheck.MISSING);
        assertThat(verifier.verify(URL, PARAMETERS, Optional.of("AC" + "2".repeat(32)), Optional.of(SIGNATURE))).isEqualTo(SignatureCheck.UNKNOWN_ACCOUNT);
    }

    @Test
    void acceptsBothTokensDuringRotation()
    {
        TwilioSignatureVerifier verifier = new TwilioSignatureVerifier(Map.of(ACCOUNT, List.of("old-token", "12345")));
        String oldSignature = new TwilioSigner("old-token").sign(URL, PARAMETERS);
        assertThat(verifier.verify(URL, PARAMETERS, Optional.of(ACCOUNT), Optional.of(oldSignature))).isEqualTo(SignatureCheck.VALID);
        assertThat(verifier.verify(URL, PARAMETERS, Optional.of(ACCOUNT), Optional.of(SIGNATURE))).isEqualTo(SignatureCheck.VALID);
    }

    /**
     * The verifier signs the URL as received first and asks twilio-java only when that does not match:
     * its answer must be twilio-java's for every request. Seeded random URLs with and without ports
     * (default and not), query strings with escapes, Unicode parameters, signatures of the URL with
     * the port added or removed, of other tokens, and garbage.
     */
    @Test
    void decidesExactlyAsTwilioJavaDoes()
    {
        Random random = new Random(20261201);
        String token = "f0e1d2c3b4a5968778695a4b3c2d1e0f";
        TwilioSignatureVerifier verifier = new TwilioSignatureVerifier(Map.of(ACCOUNT, List.of("0".repeat(32), token)));
        RequestValidator twilio = new RequestValidator(token);
        RequestValidator otherToken = new RequestValidator("0".repeat(32));
        String[] hosts = {"https://ledger.example.com", "https://ledger.example.com:443", "https://ledger.example.com:8443",
                "http://127.0.0.1", "http://127.0.0.1:80", "http://127.0.0.1:8080", "http://[::1]:8080", "not a url"};
        String[] queries = {"", "?campaign=spring", "?a=%2B1&b=x%20y", "?tag=%F0%9F%9A%80", "?q=a+b&q=c", "?x=%zz"};
        String[] values = {"", "delivered", "+15558675310", "héllo wörld", "🚀", "a&b=c", "30003", " spaced "};
        int valid = 0;
        for (int i = 0; i < 5_000; i++) {
            String url = hosts[random.nextInt(hosts.length)] + "/twilio/status" + queries[random.nextInt(queries.length)];
            Map<String, String> parameters = new HashMap<>();
            parameters.put("AccountSid", ACCOUNT);
            for (int p = random.nextInt(6); p > 0; p--) {
                parameters.put("P" + random.nextInt(20) + values[random.nextInt(values.length)].trim(), values[random.nextInt(values.length)]);
            }
            String signedUrl = switch (random.nextInt(4)) {
                case 0 -> url;
                case 1 -> url.replaceFirst(":(443|80|8080|8443)/", "/");
                case 2 -> url.replaceFirst("^(https?://[^/:]+)/", "$1:" + (url.startsWith("https") ? 443 : 80) + "/");
                default -> url.replace("/twilio/", "/other/");
            };
            String signature = switch (random.nextInt(5)) {
                case 0, 1, 2 -> new TwilioSigner(token).sign(signedUrl, parameters);
                case 3 -> new TwilioSigner("0".repeat(32)).sign(signedUrl, parameters);
                default -> "garbage" + random.nextInt(1000);
            };
            boolean twilioAccepts = twilio.validate(url, parameters, signature) || otherToken.validate(url, parameters, signature);
            assertThat(verifier.verify(url, parameters, Optional.of(ACCOUNT), Optional.of(signature)))
                    .as("url %s signed as %s, parameters %s", url, signedUrl, parameters)
                    .isEqualTo(twilioAccepts ? SignatureCheck.VALID : SignatureCheck.INVALID);
            valid += twilioAccepts ? 1 : 0;
        }
        // Both answers occur often enough for the comparison to mean something.
        assertThat(valid).isBetween(1_500, 4_000);
    }

    @Test
    void refusesToStartWithoutAnyAccount()
    {
        assertThatThrownBy(() -> new TwilioSignatureVerifier(Map.of()))
                .hasMessageContaining("At least one Twilio account");
    }
}
