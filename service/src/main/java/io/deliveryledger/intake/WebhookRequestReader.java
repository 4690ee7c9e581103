package io.deliveryledger.intake;

import io.deliveryledger.intake.Webhook.WebhookKind;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MultivaluedMap;
import jakarta.ws.rs.core.UriInfo;

import java.net.URI;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

import static java.util.Objects.requireNonNull;

/**
 * Builds a {@link Webhook} from a JAX-RS request. Twilio signs the URL it requested; behind a proxy
 * that terminates TLS or rewrites the host that is not the URL this server sees, so the scheme, host,
 * port and path prefix come from the configured public base URL when there is one.
 */
public final class WebhookRequestReader
{
    static final String SIGNATURE_HEADER = "X-Twilio-Signature";
    static final String IDEMPOTENCY_HEADER = "I-Twilio-Idempotency-Token";

    private final Optional<String> publicBaseUrl;

    public WebhookRequestReader(Optional<URI> publicBaseUrl)
    {
        requireNonNull(publicBaseUrl, "publicBaseUrl is null");
        this.publicBaseUrl = publicBaseUrl.map(URI::toString).map(url -> url.endsWith("/") ? url.substring(0, url.length() - 1) : url);
    }

    /** A POST: Twilio's parameters are the form; the URL's own query parameters are the sender's tags. */
    public Webhook fromForm(WebhookKind kind, UriInfo uri, HttpHeaders headers, MultivaluedMap<String, String> form)
    {
        Map<String, String> parameters = firstValues(form);
        return new Webhook(kind, signedUrl(uri), parameters, parameters, firstValues(uri.getQueryParameters()), header(headers, SIGNATURE_HEADER), header(headers, IDEMPOTENCY_HEADER));
    }

    /** A GET: every parameter is in the URL, which is all the signature covers. */
    public Webhook fromQuery(WebhookKind kind, UriInfo uri, HttpHeaders headers)
    {
        return new Webhook(kind, signedUrl(uri), Map.of(), firstValues(uri.getQueryParameters()), Map.of(), header(headers, SIGNATURE_HEADER), header(headers, IDEMPOTENCY_HEADER));
    }

    private String signedUrl(UriInfo uri)
    {
        URI request = uri.getRequestUri();
        String base = publicBaseUrl.orElseGet(() -> request.getScheme() + "://" + request.getRawAuthority());
        String query = request.getRawQuery();
        return base + request.getRawPath() + (query == null ? "" : "?" + query);
    }

    private static Optional<String> header(HttpHeaders headers, String name)
    {
        return Optional.ofNullable(headers.getHeaderString(name));
    }

    private static Map<String, String> firstValues(MultivaluedMap<String, String> values)
    {
        Map<String, String> first = new LinkedHashMap<>();
        values.forEach((name, list) -> first.put(name, list.isEmpty() || list.get(0) == null ? "" : list.get(0)));
        return first;
    }
}
