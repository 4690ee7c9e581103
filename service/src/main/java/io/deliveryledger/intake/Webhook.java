package io.deliveryledger.intake;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

import static java.util.Objects.requireNonNull;

/**
 * A webhook request as received, before any check.
 *
 * @param signedUrl the URL Twilio requested, rebuilt from the public base URL
 * @param signedParameters what the signature covers besides the URL: the form of a POST, nothing for a GET
 * @param parameters Twilio's parameters (the form of a POST, the query of a GET)
 * @param tags the sender's own query parameters on a POST's URL
 */
public record Webhook(
        WebhookKind kind,
        String signedUrl,
        Map<String, String> signedParameters,
        Map<String, String> parameters,
        Map<String, String> tags,
        Optional<String> signature,
        Optional<String> idempotencyToken)
{
    public Webhook
    {
        requireNonNull(kind, "kind is null");
        requireNonNull(signedUrl, "signedUrl is null");
        signedParameters = Map.copyOf(signedParameters);
        parameters = Map.copyOf(parameters);
        tags = Map.copyOf(tags);
        requireNonNull(signature, "signature is null");
        requireNonNull(idempotencyToken, "idempotencyToken is null");
    }

    /**
     * This webhook without Twilio's parameter {@code name}, wherever it was: the form, the query, and
     * the URL a GET carries it in. For what must not be stored, once the signature has been checked.
     */
    public Webhook withoutParameter(String name)
    {
        if (!parameters.containsKey(name)) {
            return this;
        }
        Map<String, String> remaining = new HashMap<>(parameters);
        remaining.remove(name);
        Map<String, String> signedRemaining = new HashMap<>(signedParameters);
        signedRemaining.remove(name);
        return new Webhook(kind, withoutQueryParameter(signedUrl, name), signedRemaining, remaining, tags, signature, idempotencyToken);
    }

    private static String withoutQueryParameter(String url, String name)
    {
        int query = url.indexOf('?');
        if (query < 0) {
            return url;
        }
        String kept = Arrays.stream(url.substring(query + 1).split("&"))
                .filter(pair -> !URLDecoder.decode(pair.split("=", 2)[0], StandardCharsets.UTF_8).equals(name))
                .collect(Collectors.joining("&"));
        return url.substring(0, query) + (kept.isEmpty() ? "" : "?" + kept);
    }

    public enum WebhookKind
    {
        STATUS_CALLBACK("/twilio/status"),
        INBOUND_MESSAGE("/twilio/inbound");

        private final String endpoint;

        WebhookKind(String endpoint)
        {
            this.endpoint = endpoint;
        }

        public String endpoint()
        {
            return endpoint;
        }
    }
}
