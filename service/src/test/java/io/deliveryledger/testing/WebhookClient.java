package io.deliveryledger.testing;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

import static java.util.Objects.requireNonNull;

/** Sends webhooks to the service over real HTTP, signed as Twilio signs them. */
public final class WebhookClient
{
    private final String baseUrl;
    private final HttpClient httpClient = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    /** @param baseUrl e.g. {@code http://localhost:8080}; what Twilio would sign */
    public WebhookClient(String baseUrl)
    {
        this.baseUrl = requireNonNull(baseUrl, "baseUrl is null");
    }

    /** POSTs {@code parameters} to {@code path} (which may carry a query string), signed with {@code authToken}. */
    public HttpResponse<String> post(String path, Map<String, String> parameters, String authToken, Optional<String> idempotencyToken)
            throws IOException, InterruptedException
    {
        String url = baseUrl + path;
        return postSigned(path, parameters, new TwilioSigner(authToken).sign(url, parameters), idempotencyToken);
    }

    public HttpResponse<String> postSigned(String path, Map<String, String> parameters, String signature, Optional<String> idempotencyToken)
            throws IOException, InterruptedException
    {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(baseUrl + path))
                .timeout(Duration.ofSeconds(20))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form(parameters)));
        if (!signature.isEmpty()) {
            request.header("X-Twilio-Signature", signature);
        }
        idempotencyToken.ifPresent(token -> request.header("I-Twilio-Idempotency-Token", token));
        return httpClient.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** GETs {@code path} with {@code parameters} in the query string, signed over the whole URL. */
    public HttpResponse<String> get(String path, Map<String, String> parameters, String authToken)
            throws IOException, InterruptedException
    {
        String url = baseUrl + path + "?" + form(parameters);
        HttpRequest request = HttpRequest.newBuilder(URI.create(url))
                .timeout(Duration.ofSeconds(20))
                .header("X-Twilio-Signature", new TwilioSigner(authToken).sign(url, Map.of()))
                .GET()
                .build();
        return httpClient.send(request, HttpResponse.BodyHandlers.ofString());
    }

    public static String form(Map<String, String> parameters)
    {
        return parameters.entrySet().stream()
                .map(entry -> encode(entry.getKey()) + "=" + encode(entry.getValue()))
                .collect(Collectors.joining("&"));
    }

    private static String encode(String value)
    {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }
}
