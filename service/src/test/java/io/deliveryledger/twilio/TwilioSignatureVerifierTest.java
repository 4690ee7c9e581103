package io.deliveryledger.twilio;

import io.deliveryledger.testing.TwilioSigner;
import io.deliveryledger.twilio.TwilioSignatureVerifier.SignatureCheck;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Optional;

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

    @Test
    void refusesToStartWithoutAnyAccount()
    {
        assertThatThrownBy(() -> new TwilioSignatureVerifier(Map.of()))
                .hasMessageContaining("At least one Twilio account");
    }
}
