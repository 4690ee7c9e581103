package io.deliveryledger.simulator.traffic;

import io.deliveryledger.simulator.testing.TestingTwilioSigner;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

final class TwilioSignatureTest
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

    @Test
    void reproducesTwiliosPublishedVector()
    {
        assertThat(new TwilioSignature("12345").sign(URL, PARAMETERS)).isEqualTo(SIGNATURE);
    }

    @Test
    void testSignerReproducesTwiliosPublishedVector()
    {
        assertThat(new TestingTwilioSigner("12345").sign(URL, PARAMETERS)).isEqualTo(SIGNATURE);
    }

    @Test
    void signatureCoversTokenQueryAndEveryParameter()
    {
        TwilioSignature signature = new TwilioSignature("12345");
        assertThat(signature.sign(URL.replace("bar=2", "bar=3"), PARAMETERS)).isNotEqualTo(SIGNATURE);
        assertThat(signature.sign(URL, Map.of("Digits", "1234"))).isNotEqualTo(SIGNATURE);
        assertThat(new TwilioSignature("54321").sign(URL, PARAMETERS)).isNotEqualTo(SIGNATURE);
    }

    @Test
    void callbackParametersSignTheSameWithTheIndependentSigner()
    {
        Map<String, String> parameters = Map.of(
                "MessageSid", "SM0123456789abcdef0123456789abcdef",
                "MessageStatus", "delivered",
                "To", "whatsapp:+4915123456789",
                "Body", "Grüße & more = ✓");
        String url = "http://127.0.0.1:8080/twilio/status?campaign=spring%20sale&customer=42";
        assertThat(new TwilioSignature("token").sign(url, parameters)).isEqualTo(new TestingTwilioSigner("token").sign(url, parameters));
    }
}
