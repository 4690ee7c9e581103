package io.deliveryledger.intake;

import java.util.Map;
import java.util.Optional;

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
