package io.deliveryledger.twilio;

import com.twilio.security.RequestValidator;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

import static java.util.Objects.requireNonNull;

/**
 * Checks {@code X-Twilio-Signature}. Each account may have several valid auth tokens at once (the old
 * and new one while a token is rotated); sub-accounts sign with their own tokens, so the token is chosen
 * by the request's {@code AccountSid}.
 *
 * <p>twilio-java's {@link RequestValidator} is the definition: it accepts a signature of the URL with
 * its port removed or with the scheme's default port added. It pays for that on every request with a
 * new {@code Mac} and two HMACs. Here each token first signs the URL exactly as received, with a
 * {@code Mac} cloned from one keyed once: one of twilio-java's two variants is always the URL itself
 * (with a port, adding it changes nothing; without one, removing it changes nothing), so a match means
 * twilio-java accepts too. Only a signature that does not match is handed to {@link RequestValidator},
 * which then decides; the result is the same as twilio-java's for every request.
 */
public final class TwilioSignatureVerifier
{
    private static final String HMAC_SHA1 = "HmacSHA1";

    private final Map<String, List<AuthToken>> tokensByAccount;

    public TwilioSignatureVerifier(Map<String, List<String>> authTokensByAccount)
    {
        requireNonNull(authTokensByAccount, "authTokensByAccount is null");
        if (authTokensByAccount.isEmpty()) {
            throw new IllegalArgumentException("At least one Twilio account with an auth token must be configured");
        }
        this.tokensByAccount = authTokensByAccount.entrySet().stream()
                .collect(Collectors.toUnmodifiableMap(
                        Map.Entry::getKey,
                        entry -> entry.getValue().stream().map(AuthToken::new).toList()));
    }

    /**
     * @param url the URL Twilio requested, as Twilio saw it (public base URL, path and query string)
     * @param parameters the form parameters of a POST; empty for a GET, whose parameters are in the URL
     */
    public SignatureCheck verify(String url, Map<String, String> parameters, Optional<String> accountSid, Optional<String> signature)
    {
        if (signature.isEmpty() || signature.get().isBlank()) {
            return SignatureCheck.MISSING;
        }
        List<AuthToken> tokens = accountSid.map(tokensByAccount::get).orElse(null);
        if (tokens == null) {
            return SignatureCheck.UNKNOWN_ACCOUNT;
        }
        byte[] expected = signature.get().getBytes(StandardCharsets.UTF_8);
        byte[] signed = signedBytes(url, parameters);
        for (AuthToken token : tokens) {
            if (MessageDigest.isEqual(token.sign(signed), expected)) {
                return SignatureCheck.VALID;
            }
        }
        for (AuthToken token : tokens) {
            if (token.validator().validate(url, parameters, signature.get())) {
                return SignatureCheck.VALID;
            }
        }
        return SignatureCheck.INVALID;
    }

    /** What Twilio signs: the URL, then each parameter's name and value, sorted by name (as twilio-java sorts). */
    private static byte[] signedBytes(String url, Map<String, String> parameters)
    {
        String[] names = parameters.keySet().toArray(String[]::new);
        Arrays.sort(names);
        StringBuilder data = new StringBuilder(url.length() + 32 * names.length).append(url);
        for (String name : names) {
            String value = parameters.get(name);
            data.append(name).append(value == null ? "" : value);
        }
        return data.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static final class AuthToken
    {
        private final Mac keyed;
        private final RequestValidator validator;

        AuthToken(String token)
        {
            try {
                keyed = Mac.getInstance(HMAC_SHA1);
                // The platform charset, as twilio-java's key (tokens are ASCII hex, so it never matters).
                keyed.init(new SecretKeySpec(token.getBytes(Charset.defaultCharset()), HMAC_SHA1));
                keyed.clone();
            }
            catch (GeneralSecurityException | CloneNotSupportedException e) {
                throw new IllegalStateException("HmacSHA1 with cloneable Macs is required of every JVM", e);
            }
            validator = new RequestValidator(token);
        }

        /** Base64 of the HMAC-SHA1, as the header carries it. A clone: a Mac is not safe to share between threads. */
        byte[] sign(byte[] data)
        {
            Mac mac;
            try {
                mac = (Mac) keyed.clone();
            }
            catch (CloneNotSupportedException e) {
                throw new IllegalStateException(e); // checked in the constructor
            }
            return Base64.getEncoder().encode(mac.doFinal(data));
        }

        RequestValidator validator()
        {
            return validator;
        }
    }

    public enum SignatureCheck
    {
        VALID,
        MISSING,
        INVALID,
        UNKNOWN_ACCOUNT,
    }
}
