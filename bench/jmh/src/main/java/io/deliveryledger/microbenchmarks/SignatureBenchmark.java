package io.deliveryledger.microbenchmarks;

import com.twilio.security.RequestValidator;
import io.deliveryledger.twilio.TwilioSignatureVerifier;
import io.deliveryledger.twilio.TwilioSignatureVerifier.SignatureCheck;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/** The signature check of one status callback: twilio-java's RequestValidator beside the service's verifier. */
@State(Scope.Benchmark)
public class SignatureBenchmark
{
    private static final String TOKEN = "f0e1d2c3b4a5968778695a4b3c2d1e0f";
    private static final String URL = "https://ledger.example.com/twilio/status?campaign=spring";

    private RequestValidator twilio;
    private TwilioSignatureVerifier verifier;
    private String signature;

    @Setup
    public void setUp()
            throws GeneralSecurityException
    {
        twilio = new RequestValidator(TOKEN);
        verifier = new TwilioSignatureVerifier(Map.of(Callbacks.ACCOUNT_SID, List.of(TOKEN)));
        StringBuilder signed = new StringBuilder(URL);
        new TreeMap<>(Callbacks.DELIVERED).forEach((name, value) -> signed.append(name).append(value));
        Mac mac = Mac.getInstance("HmacSHA1");
        mac.init(new SecretKeySpec(TOKEN.getBytes(StandardCharsets.UTF_8), "HmacSHA1"));
        signature = Base64.getEncoder().encodeToString(mac.doFinal(signed.toString().getBytes(StandardCharsets.UTF_8)));
        if (!twilio.validate(URL, Callbacks.DELIVERED, signature) || verifier.verify(URL, Callbacks.DELIVERED, Optional.of(Callbacks.ACCOUNT_SID), Optional.of(signature)) != SignatureCheck.VALID) {
            throw new IllegalStateException("the benchmark's signature is not valid");
        }
    }

    @Benchmark
    public boolean twilioRequestValidator()
    {
        return twilio.validate(URL, Callbacks.DELIVERED, signature);
    }

    @Benchmark
    public SignatureCheck ledgerVerifier()
    {
        return verifier.verify(URL, Callbacks.DELIVERED, Optional.of(Callbacks.ACCOUNT_SID), Optional.of(signature));
    }
}
