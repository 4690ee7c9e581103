package io.deliveryledger.intake;

import io.deliveryledger.intake.Webhook.WebhookKind;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpURI;
import org.eclipse.jetty.server.Request;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;

import static java.util.Objects.requireNonNull;

/**
 * Builds a {@link Webhook} from a request. Twilio signs the URL it requested; behind a proxy
 * that terminates TLS or rewrites the host that is not the URL this server sees, so the scheme, host,
 * port and path prefix come from the configured public base URL when there is one.
 */
public final class WebhookRequestReader
{
    static final String SIGNATURE_HEADER = "X-Twilio-Signature";
    static final String IDEMPOTENCY_HEADER = "I-Twilio-Idempotency-Token";
    /** Twilio's webhooks are a few hundred bytes; anything near this is not one. */
    static final int MAX_BODY_BYTES = 64 * 1024;
    private static final int MAX_PARAMETERS = 1000;

    private final Optional<String> publicBaseUrl;

    public WebhookRequestReader(Optional<URI> publicBaseUrl)
    {
        requireNonNull(publicBaseUrl, "publicBaseUrl is null");
        this.publicBaseUrl = publicBaseUrl.map(URI::toString).map(url -> url.endsWith("/") ? url.substring(0, url.length() - 1) : url);
    }

    /**
     * A POST: Twilio's parameters are the form body; the URL's own query parameters are the sender's
     * tags. Both are part of what Twilio signs.
     *
     * @throws MalformedWebhookException when the body is not a form Twilio could have sent
     */
    public Webhook fromForm(WebhookKind kind, Request request, byte[] body)
            throws MalformedWebhookException
    {
        Map<String, String> parameters = formParameters(body);
        return new Webhook(kind, signedUrl(request), parameters, parameters, query(request), header(request, SIGNATURE_HEADER), header(request, IDEMPOTENCY_HEADER));
    }

    /**
     * Decodes a form body, read whole. Immutable once, here: the records that carry the parameters on keep
     * this copy instead of making their own.
     */
    static Map<String, String> formParameters(byte[] body)
            throws MalformedWebhookException
    {
        try {
            if (body.length > MAX_BODY_BYTES) {
                throw new IllegalStateException("Form is larger than max length " + MAX_BODY_BYTES);
            }
            return UrlEncodedForm.decode(body, MAX_PARAMETERS);
        }
        catch (IllegalArgumentException | IllegalStateException e) {
            throw new MalformedWebhookException("Request body is not a valid form of at most " + MAX_BODY_BYTES + " bytes and " + MAX_PARAMETERS + " parameters: " + e.getMessage());
        }
    }

    /** A GET: every parameter is in the URL, which is all the signature covers. */
    public Webhook fromQuery(WebhookKind kind, Request request)
            throws MalformedWebhookException
    {
        return new Webhook(kind, signedUrl(request), Map.of(), query(request), Map.of(), header(request, SIGNATURE_HEADER), header(request, IDEMPOTENCY_HEADER));
    }

    private String signedUrl(Request request)
    {
        HttpURI uri = request.getHttpURI();
        String base = publicBaseUrl.orElseGet(() -> uri.getScheme() + "://" + request.getHeaders().get(HttpHeader.HOST));
        String query = uri.getQuery();
        return base + uri.getPath() + (query == null ? "" : "?" + query);
    }

    private static Map<String, String> query(Request request)
            throws MalformedWebhookException
    {
        String query = request.getHttpURI().getQuery();
        if (query == null) {
            return Map.of();
        }
        try {
            // The URL's length bounds its parameters (Jetty refuses long request lines).
            return UrlEncodedForm.decode(query.getBytes(StandardCharsets.UTF_8), Integer.MAX_VALUE);
        }
        catch (IllegalArgumentException e) {
            throw new MalformedWebhookException("Query string is not valid URL encoding: " + e.getMessage());
        }
    }

    private static Optional<String> header(Request request, String name)
    {
        return Optional.ofNullable(request.getHeaders().get(name));
    }
}
