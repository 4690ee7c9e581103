package io.deliveryledger.intake;

import io.deliveryledger.intake.Webhook.WebhookKind;
import org.eclipse.jetty.http.HttpException;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.handler.GracefulHandler;
import org.eclipse.jetty.util.Callback;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static java.util.Objects.requireNonNull;

/**
 * The HTTP edge of the data path: {@code POST /twilio/status}, and {@code POST|GET /twilio/inbound};
 * every other path goes on to Dropwizard's servlets and Jersey. A Jetty handler rather than a servlet
 * or a Jersey resource because these endpoints take Twilio's whole callback volume: Jersey's
 * per-request machinery alone held a no-op form endpoint to 34k requests/s against 50k for a no-op
 * servlet, and the servlet layer's own dispatch and asynchronous completion were a fifth of the
 * intake's CPU (bench/README.md, "Where the time goes"). Nothing blocks a thread: the body is read
 * as it arrives and the answer is written when the journal's fsync completes.
 *
 * <p>It sits in front of Dropwizard's handlers ({@link #insertInto}), inside graceful shutdown only:
 * gzip, the per-request timers and meters of Dropwizard's instrumented handler and the servlet
 * context's request wrappers were a tenth of the intake's CPU, for webhooks that need none of them
 * (the intake's own meters count them).
 */
public final class WebhookHandler
        extends Handler.Wrapper
{
    private static final String FORM = "application/x-www-form-urlencoded";
    private static final byte[] EMPTY_TWIML = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response/>".getBytes(StandardCharsets.UTF_8);

    /** What Dropwizard names its admin connectors: health checks, metrics and tasks, never webhooks. */
    private static final String ADMIN_CONNECTOR = "admin";

    private final Map<String, WebhookKind> kindsByPath;
    private final WebhookRequestReader requestReader;
    private final WebhookIntake intake;

    /** @param applicationContextPath where Dropwizard serves the application ({@code /} unless configured) */
    public WebhookHandler(WebhookRequestReader requestReader, WebhookIntake intake, String applicationContextPath)
    {
        this.requestReader = requireNonNull(requestReader, "requestReader is null");
        this.intake = requireNonNull(intake, "intake is null");
        String prefix = applicationContextPath.endsWith("/") ? applicationContextPath.substring(0, applicationContextPath.length() - 1) : applicationContextPath;
        this.kindsByPath = Stream.of(WebhookKind.values())
                .collect(Collectors.toUnmodifiableMap(kind -> prefix + kind.endpoint(), Function.identity()));
    }

    /**
     * Puts this handler in front of the server's handlers, inside its graceful shutdown, so that webhooks
     * still being written to the journal are answered before the server stops. Call it while the server
     * is starting, once Dropwizard has built its handlers.
     */
    public void insertInto(Server server)
    {
        Handler.Wrapper parent = server;
        while (parent.getHandler() instanceof GracefulHandler graceful) {
            parent = graceful;
        }
        setHandler(parent.getHandler());
        parent.setHandler(this);
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback)
            throws Exception
    {
        WebhookKind kind = ADMIN_CONNECTOR.equals(request.getConnectionMetaData().getConnector().getName()) ? null : kindsByPath.get(Request.getPathInContext(request));
        if (kind == null) {
            return super.handle(request, response, callback);
        }
        String method = request.getMethod();
        if (HttpMethod.POST.is(method)) {
            post(kind, request, response, callback);
        }
        else if (HttpMethod.GET.is(method) && kind == WebhookKind.INBOUND_MESSAGE) {
            try {
                receive(kind, requestReader.fromQuery(kind, request), response, callback);
            }
            catch (MalformedWebhookException e) {
                text(response, callback, HttpStatus.BAD_REQUEST_400, e.getMessage());
            }
        }
        else {
            response.getHeaders().put(HttpHeader.ALLOW, kind == WebhookKind.INBOUND_MESSAGE ? "GET, POST" : "POST");
            unread(response, callback, HttpStatus.METHOD_NOT_ALLOWED_405, kind == WebhookKind.INBOUND_MESSAGE
                    ? "Inbound message webhooks are POSTed or sent with GET, not " + method
                    : "Status callbacks are POSTed, not " + method);
        }
        return true;
    }

    private void post(WebhookKind kind, Request request, Response response, Callback callback)
    {
        String contentType = request.getHeaders().get(HttpHeader.CONTENT_TYPE);
        if (contentType == null || !contentType.toLowerCase(Locale.ROOT).startsWith(FORM)) {
            unread(response, callback, HttpStatus.UNSUPPORTED_MEDIA_TYPE_415, "Content-Type must be " + FORM + ", got " + contentType);
            return;
        }
        String encoding = request.getHeaders().get(HttpHeader.CONTENT_ENCODING);
        if (encoding != null && !encoding.equalsIgnoreCase("identity")) {
            unread(response, callback, HttpStatus.UNSUPPORTED_MEDIA_TYPE_415, "Content-Encoding " + encoding + " is not accepted: Twilio sends webhooks uncompressed");
            return;
        }
        if (request.getLength() > WebhookRequestReader.MAX_BODY_BYTES) {
            unread(response, callback, HttpStatus.PAYLOAD_TOO_LARGE_413, "Request body exceeds " + WebhookRequestReader.MAX_BODY_BYTES + " bytes");
            return;
        }
        Content.Source.asByteArrayAsync(request, WebhookRequestReader.MAX_BODY_BYTES).whenComplete((body, failure) -> {
            if (failure != null) {
                // Broken framing, a body over the limit without Content-Length, gzip that is not: the
                // client's fault. If it has gone away, writing the answer fails quietly.
                text(response, callback, clientErrorStatus(failure), "Request body could not be read (at most " + WebhookRequestReader.MAX_BODY_BYTES + " bytes): " + failure.getMessage());
                return;
            }
            try {
                receive(kind, requestReader.fromForm(kind, request, body), response, callback);
            }
            catch (MalformedWebhookException e) {
                text(response, callback, HttpStatus.BAD_REQUEST_400, e.getMessage());
            }
        });
    }

    private static int clientErrorStatus(Throwable failure)
    {
        Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
        return cause instanceof HttpException http && HttpStatus.isClientError(http.getCode()) ? http.getCode() : HttpStatus.BAD_REQUEST_400;
    }

    /** Answers when the intake has decided: for an accepted webhook, once its record is on disk. */
    private void receive(WebhookKind kind, Webhook webhook, Response response, Callback callback)
    {
        CompletionStage<IntakeResult> decision;
        try {
            decision = intake.receive(webhook);
        }
        catch (RuntimeException e) {
            callback.failed(e);
            return;
        }
        decision.whenComplete((result, failure) -> {
            if (failure != null) {
                text(response, callback, HttpStatus.INTERNAL_SERVER_ERROR_500, "Internal error: " + failure);
                return;
            }
            answer(kind, result, response, callback);
        });
    }

    private static void answer(WebhookKind kind, IntakeResult result, Response response, Callback callback)
    {
        if (result instanceof IntakeResult.Forbidden forbidden) {
            text(response, callback, HttpStatus.FORBIDDEN_403, forbidden.message());
        }
        else if (result instanceof IntakeResult.Malformed malformed) {
            text(response, callback, HttpStatus.BAD_REQUEST_400, malformed.message());
        }
        else if (result instanceof IntakeResult.Unavailable unavailable) {
            response.getHeaders().put(HttpHeader.RETRY_AFTER, Math.max(1, unavailable.retryAfter().toSeconds()));
            text(response, callback, HttpStatus.SERVICE_UNAVAILABLE_503, unavailable.message());
        }
        else {
            switch (kind) {
                case STATUS_CALLBACK -> write(response, callback, HttpStatus.OK_200, null, new byte[0]);
                case INBOUND_MESSAGE -> write(response, callback, HttpStatus.OK_200, "text/xml;charset=utf-8", EMPTY_TWIML);
            }
        }
    }

    /**
     * Answers without reading the request's body. Jetty then closes the connection rather than read a body
     * nobody wants, and says so, so that a client does not send its next request on it and find it closed.
     */
    private static void unread(Response response, Callback callback, int status, String message)
    {
        response.getHeaders().put(HttpHeader.CONNECTION, "close");
        text(response, callback, status, message);
    }

    private static void text(Response response, Callback callback, int status, String message)
    {
        write(response, callback, status, "text/plain;charset=utf-8", (message + "\n").getBytes(StandardCharsets.UTF_8));
    }

    private static void write(Response response, Callback callback, int status, String contentType, byte[] body)
    {
        response.setStatus(status);
        if (contentType != null) {
            response.getHeaders().put(HttpHeader.CONTENT_TYPE, contentType);
        }
        response.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.length);
        response.write(true, ByteBuffer.wrap(body), callback);
    }
}
