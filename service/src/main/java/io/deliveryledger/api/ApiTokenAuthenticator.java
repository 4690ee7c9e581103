package io.deliveryledger.api;

import io.dropwizard.auth.Authenticator;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;
import java.util.Optional;

/**
 * Accepts the configured bearer tokens. Every token is compared, each in constant time over SHA-256
 * digests, so neither the position of a matching token nor its length shows in the time taken.
 */
public final class ApiTokenAuthenticator
        implements Authenticator<String, ApiPrincipal>
{
    private final List<byte[]> digests;

    public ApiTokenAuthenticator(List<String> tokens)
    {
        this.digests = tokens.stream().map(ApiTokenAuthenticator::digest).toList();
    }

    @Override
    public Optional<ApiPrincipal> authenticate(String credentials)
    {
        byte[] presented = digest(credentials);
        int matched = -1;
        for (int index = 0; index < digests.size(); index++) {
            if (MessageDigest.isEqual(digests.get(index), presented)) {
                matched = index;
            }
        }
        return matched < 0 ? Optional.empty() : Optional.of(new ApiPrincipal("token-" + (matched + 1)));
    }

    private static byte[] digest(String token)
    {
        try {
            return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
        }
        catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("Every Java platform has SHA-256", e);
        }
    }
}
