package io.deliveryledger.twilio;

import com.twilio.security.RequestValidator;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

import static java.util.Objects.requireNonNull;

/**
 * Checks {@code X-Twilio-Signature} with twilio-java's {@link RequestValidator}. Each account may have
 * several valid auth tokens at once (the old and new one while a token is rotated); sub-accounts sign
 * with their own tokens, so the token is chosen by the request's {@code AccountSid}.
 */
public final class TwilioSignatureVerifier
{
    private final Map<String, List<RequestValidator>> validatorsByAccount;

    public TwilioSignatureVerifier(Map<String, List<String>> authTokensByAccount)
    {
        requireNonNull(authTokensByAccount, "authTokensByAccount is null");
        if (authTokensByAccount.isEmpty()) {
            throw new IllegalArgumentException("At least one Twilio account with an auth token must be configured");
        }
        this.validatorsByAccount = authTokensByAccount.entrySet().stream()
                .collect(Collectors.toUnmodifiableMap(
                        Map.Entry::getKey,
                        entry -> entry.getValue().stream().map(RequestValidator::new).toList()));
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
        List<RequestValidator> validators = accountSid.map(validatorsByAccount::get).orElse(null);
        if (validators == null) {
            return SignatureCheck.UNKNOWN_ACCOUNT;
        }
        for (RequestValidator validator : validators) {
            if (validator.validate(url, parameters, signature.get())) {
                return SignatureCheck.VALID;
            }
        }
        return SignatureCheck.INVALID;
    }

    public enum SignatureCheck
    {
        VALID,
        MISSING,
        INVALID,
        UNKNOWN_ACCOUNT,
    }
}
