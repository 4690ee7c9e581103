package io.deliveryledger.intake;

import io.deliveryledger.intake.Webhook.WebhookKind;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

import static java.util.Objects.requireNonNull;

/**
 * The HTTP edge of the data path: {@code POST /twilio/status}, and {@code POST|GET /twilio/inbound}.
 * A plain servlet rather than a Jersey resource because this endpoint takes Twilio's whole callback
 * volume: on a 2-core machine Jersey's per-request machinery alone held a no-op form endpoint to
 * 34k requests/s against 50k for a no-op servlet (see bench/README.md).
 */
public final class WebhookServlet
        extends HttpServlet
{
    private static final long serialVersionUID = 1;
    private static final String FORM = "application/x-www-form-urlencoded";
    private static final byte[] EMPTY_TWIML = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response/>".getBytes(StandardCharsets.UTF_8);

    private final WebhookKind kind;
    private final transient WebhookRequestReader requestReader;
    private final transient WebhookIntake intake;

    public WebhookServlet(WebhookKind kind, WebhookRequestReader requestReader, WebhookIntake intake)
    {
        this.kind = requireNonNull(kind, "kind is null");
        this.requestReader = requireNonNull(requestReader, "requestReader is null");
        this.intake = requireNonNull(intake, "intake is null");
    }

    @Override
    protected void doPost(HttpServletRequest request, HttpServletResponse response)
            throws IOException
    {
        String contentType = request.getContentType();
        if (contentType == null || !contentType.toLowerCase(Locale.ROOT).startsWith(FORM)) {
            text(response, HttpServletResponse.SC_UNSUPPORTED_MEDIA_TYPE, "Content-Type must be " + FORM + ", got " + contentType);
            return;
        }
        if (request.getContentLengthLong() > WebhookRequestReader.MAX_BODY_BYTES) {
            text(response, HttpServletResponse.SC_REQUEST_ENTITY_TOO_LARGE, "Request body exceeds " + WebhookRequestReader.MAX_BODY_BYTES + " bytes");
            return;
        }
        Webhook webhook;
        try {
            webhook = requestReader.fromForm(kind, request);
        }
        catch (MalformedWebhookException e) {
            text(response, HttpServletResponse.SC_BAD_REQUEST, e.getMessage());
            return;
        }
        receive(webhook, request);
    }

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response)
            throws IOException
    {
        if (kind != WebhookKind.INBOUND_MESSAGE) {
            text(response, HttpServletResponse.SC_METHOD_NOT_ALLOWED, "Status callbacks are POSTed");
            return;
        }
        Webhook webhook;
        try {
            webhook = requestReader.fromQuery(kind, request);
        }
        catch (MalformedWebhookException e) {
            text(response, HttpServletResponse.SC_BAD_REQUEST, e.getMessage());
            return;
        }
        receive(webhook, request);
    }

    /** Answers when the intake has decided; the request thread is free while the journal's fsync runs. */
    private void receive(Webhook webhook, HttpServletRequest request)
    {
        AsyncContext async = request.startAsync();
        // The intake bounds its own wait (journal.appendTimeout); the container must not cut it short.
        async.setTimeout(0);
        intake.receive(webhook).whenComplete((result, failure) -> {
            try {
                HttpServletResponse response = (HttpServletResponse) async.getResponse();
                if (failure != null) {
                    text(response, HttpServletResponse.SC_INTERNAL_SERVER_ERROR, "Internal error: " + failure);
                    return;
                }
                answer(result, response);
            }
            catch (IOException e) {
                // The client went away; its request is handled all the same.
            }
            finally {
                async.complete();
            }
        });
    }

    private void answer(IntakeResult result, HttpServletResponse response)
            throws IOException
    {
        if (result instanceof IntakeResult.Forbidden forbidden) {
            text(response, HttpServletResponse.SC_FORBIDDEN, forbidden.message());
            return;
        }
        if (result instanceof IntakeResult.Malformed malformed) {
            text(response, HttpServletResponse.SC_BAD_REQUEST, malformed.message());
            return;
        }
        if (result instanceof IntakeResult.Unavailable unavailable) {
            response.setHeader("Retry-After", String.valueOf(Math.max(1, unavailable.retryAfter().toSeconds())));
            text(response, HttpServletResponse.SC_SERVICE_UNAVAILABLE, unavailable.message());
            return;
        }
        response.setStatus(HttpServletResponse.SC_OK);
        switch (kind) {
            case STATUS_CALLBACK -> response.setContentLength(0);
            case INBOUND_MESSAGE -> {
                response.setContentType("text/xml;charset=utf-8");
                response.setContentLength(EMPTY_TWIML.length);
                response.getOutputStream().write(EMPTY_TWIML);
            }
        }
    }

    private static void text(HttpServletResponse response, int status, String message)
            throws IOException
    {
        byte[] body = (message + "\n").getBytes(StandardCharsets.UTF_8);
        response.setStatus(status);
        response.setContentType("text/plain;charset=utf-8");
        response.setContentLength(body.length);
        response.getOutputStream().write(body);
    }
}
