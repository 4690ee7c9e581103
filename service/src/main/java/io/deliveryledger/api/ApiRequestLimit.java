package io.deliveryledger.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dropwizard.jersey.errors.ErrorMessage;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.QoSHandler;
import org.eclipse.jetty.util.Callback;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.TimeoutException;

import static java.util.Objects.requireNonNull;

/**
 * How many of the API's reads run at once. They wait on ClickHouse, webhooks only on the journal: without
 * a limit, a burst of slow reads (a ClickHouse that stalls, a client polling hard) held every one of
 * Jetty's threads and the ClickHouse client's connections, and Twilio's callbacks and the batch writer's
 * inserts queued behind them (bench/README.md, "Open-loop latency and freshness").
 *
 * <p>Jetty's {@link QoSHandler} runs {@code maxConcurrentRequests} and suspends the rest, without a thread,
 * in arrival order. A read that finds {@code maxQueuedRequests} already waiting, or waits longer than
 * {@code maxQueueTime}, is answered 503 with Retry-After, in the API's JSON error form. It covers the
 * {@code GET}s and {@code HEAD}s under {@code /api/} on the application connector, except the OpenAPI
 * document: registrations only append to the journal, and webhooks are answered before this handler.
 */
public final class ApiRequestLimit
        extends QoSHandler
{
    /** What Dropwizard names its admin connectors: health checks, metrics and tasks are never held back. */
    private static final String ADMIN_CONNECTOR = "admin";
    private static final long RETRY_AFTER_SECONDS = 1;

    private final ObjectMapper objectMapper;

    /** @param applicationContextPath where Dropwizard serves the application ({@code /} unless configured) */
    public ApiRequestLimit(int maxConcurrentRequests, int maxQueuedRequests, Duration maxQueueTime, String applicationContextPath, ObjectMapper objectMapper)
    {
        if (maxConcurrentRequests < 1 || maxQueuedRequests < 0) {
            throw new IllegalArgumentException("maxConcurrentRequests must be at least 1 and maxQueuedRequests at least 0");
        }
        this.objectMapper = requireNonNull(objectMapper, "objectMapper is null");
        setMaxRequestCount(maxConcurrentRequests);
        setMaxSuspendedRequestCount(maxQueuedRequests);
        setMaxSuspend(requireNonNull(maxQueueTime, "maxQueueTime is null"));
        String context = applicationContextPath.endsWith("/") ? applicationContextPath.substring(0, applicationContextPath.length() - 1) : applicationContextPath;
        String api = context + "/api/";
        String openApiDocument = context + OpenApiServlet.PATH;
        include(request -> isRead(request.getMethod())
                && !ADMIN_CONNECTOR.equals(request.getConnectionMetaData().getConnector().getName())
                && Request.getPathInContext(request).startsWith(api)
                && !Request.getPathInContext(request).equals(openApiDocument));
    }

    /** Puts this limit right behind {@code front}, in front of whatever {@code front} handed requests to. */
    public void insertBehind(Handler.Wrapper front)
    {
        setHandler(front.getHandler());
        front.setHandler(this);
    }

    /** Reads that reached the limit so far, whatever became of them. */
    public long received()
    {
        return getTotalRequestCount();
    }

    /** Reads waiting for one of the running ones to finish. */
    public int queued()
    {
        return getSuspendedRequestCount();
    }

    /** Reads answered 503 so far: the queue was full, or they waited longer than allowed. */
    public long refused()
    {
        return getTotalExceededRequestCount() + getTotalExpiredRequestCount();
    }

    @Override
    protected void reject(Request request, Response response, Callback callback, int status)
    {
        error(response, callback, status, "Too many API requests: %d running and %d waiting; try again later".formatted(getMaxRequestCount(), getMaxSuspendedRequestCount()));
    }

    @Override
    protected void failSuspended(Request request, Response response, Callback callback, int status, Throwable failure)
    {
        if (failure instanceof TimeoutException) {
            error(response, callback, status, "The API request waited %d ms for one of the %d running to finish; try again later".formatted(getMaxSuspend().toMillis(), getMaxRequestCount()));
        }
        else {
            super.failSuspended(request, response, callback, status, failure);
        }
    }

    private void error(Response response, Callback callback, int status, String message)
    {
        byte[] body;
        try {
            body = objectMapper.writeValueAsBytes(new ErrorMessage(status, message));
        }
        catch (JsonProcessingException e) {
            callback.failed(e);
            return;
        }
        response.setStatus(status);
        if (status == HttpStatus.SERVICE_UNAVAILABLE_503) {
            response.getHeaders().put(HttpHeader.RETRY_AFTER, RETRY_AFTER_SECONDS);
        }
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
        response.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.length);
        response.write(true, ByteBuffer.wrap(body), callback);
    }

    private static boolean isRead(String method)
    {
        return HttpMethod.GET.is(method) || HttpMethod.HEAD.is(method);
    }
}
