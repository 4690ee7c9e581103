package io.deliveryledger.intake;

import com.codahale.metrics.Meter;
import com.codahale.metrics.MetricRegistry;
import io.deliveryledger.event.LedgerRecord;
import io.deliveryledger.event.LedgerRecordCodec;
import io.deliveryledger.event.RejectedRequest;
import io.deliveryledger.intake.Webhook.WebhookKind;
import io.deliveryledger.journal.Journal;
import io.deliveryledger.journal.JournalFullException;
import io.deliveryledger.twilio.ParsedWebhook;
import io.deliveryledger.twilio.TwilioSignatureVerifier;
import io.deliveryledger.twilio.TwilioSignatureVerifier.SignatureCheck;
import io.deliveryledger.twilio.WebhookParser;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

import static java.util.Objects.requireNonNull;
import static java.util.concurrent.CompletableFuture.completedFuture;

/**
 * The first stage of the data path: signature check, then parsing, then the journal. A webhook is
 * answered as accepted only once its record is on disk; what happens next is the batch writer's job.
 */
public final class WebhookIntake
{
    private static final Logger log = LoggerFactory.getLogger(WebhookIntake.class);

    private final TwilioSignatureVerifier signatureVerifier;
    private final WebhookParser parser;
    private final ForbiddenRequests forbiddenRequests;
    private final Journal journal;
    private final LedgerRecordCodec codec;
    private final Duration appendTimeout;
    private final Duration retryAfter;
    private final Clock clock;
    private final MetricRegistry metrics;
    private final Meter accepted;
    private final boolean storeInboundBody;

    public WebhookIntake(TwilioSignatureVerifier signatureVerifier, WebhookParser parser, ForbiddenRequests forbiddenRequests, Journal journal, LedgerRecordCodec codec, Duration appendTimeout, Duration retryAfter, Clock clock, MetricRegistry metrics, boolean storeInboundBody)
    {
        this.signatureVerifier = requireNonNull(signatureVerifier, "signatureVerifier is null");
        this.parser = requireNonNull(parser, "parser is null");
        this.forbiddenRequests = requireNonNull(forbiddenRequests, "forbiddenRequests is null");
        this.journal = requireNonNull(journal, "journal is null");
        this.codec = requireNonNull(codec, "codec is null");
        this.appendTimeout = requireNonNull(appendTimeout, "appendTimeout is null");
        this.retryAfter = requireNonNull(retryAfter, "retryAfter is null");
        this.clock = requireNonNull(clock, "clock is null");
        this.metrics = requireNonNull(metrics, "metrics is null");
        this.accepted = metrics.meter("intake.accepted");
        this.storeInboundBody = storeInboundBody;
    }

    /**
     * Decides about {@code webhook}. The stage completes once the decision is final: for an accepted
     * webhook, when its record is on disk. Nothing blocks while the journal's fsync runs.
     */
    public CompletionStage<IntakeResult> receive(Webhook webhook)
    {
        Instant receivedAt = clock.instant();
        Optional<String> accountSid = Optional.ofNullable(webhook.parameters().get("AccountSid"));
        SignatureCheck signature = signatureVerifier.verify(webhook.signedUrl(), webhook.signedParameters(), accountSid, webhook.signature());
        switch (signature) {
            case VALID -> {}
            case MISSING -> {
                return completedFuture(forbidden(webhook, receivedAt, signature, "Missing X-Twilio-Signature header"));
            }
            case UNKNOWN_ACCOUNT -> {
                return completedFuture(forbidden(webhook, receivedAt, signature, "No auth token is configured for AccountSid '" + accountSid.orElse("") + "'"));
            }
            case INVALID -> {
                return completedFuture(forbidden(webhook, receivedAt, signature, "X-Twilio-Signature does not match " + webhook.signedUrl() + " and the request's parameters"));
            }
        }
        // A message's text is personal data, kept only where the operator chose to (twilio.storeInboundBody).
        Webhook stored = storeInboundBody || webhook.kind() != WebhookKind.INBOUND_MESSAGE ? webhook : webhook.withoutParameter("Body");
        ParsedWebhook parsed = switch (stored.kind()) {
            case STATUS_CALLBACK -> parser.parseStatusCallback(stored.parameters(), stored.tags(), receivedAt, stored.idempotencyToken());
            case INBOUND_MESSAGE -> parser.parseInboundMessage(stored.parameters(), stored.tags(), receivedAt, stored.idempotencyToken());
        };
        if (parsed instanceof ParsedWebhook.Rejected rejected) {
            return reject(stored, receivedAt, rejected);
        }
        return store(((ParsedWebhook.Accepted) parsed).event());
    }

    private CompletionStage<IntakeResult> store(LedgerRecord record)
    {
        CompletableFuture<Long> written;
        try {
            written = journal.append(codec.encode(record));
        }
        catch (IllegalArgumentException e) {
            // Only a record over the journal's size limit gets here; no Twilio webhook comes near it.
            metrics.meter("intake.rejected.too-large").mark();
            return completedFuture(new IntakeResult.Malformed(e.getMessage()));
        }
        catch (JournalFullException e) {
            metrics.meter("intake.unavailable.journal-full").mark();
            return completedFuture(new IntakeResult.Unavailable(e.getMessage(), retryAfter));
        }
        return written.orTimeout(appendTimeout.toMillis(), TimeUnit.MILLISECONDS).handle((position, failure) -> {
            if (failure != null) {
                metrics.meter("intake.unavailable.journal-write").mark();
                log.error("Journal write failed; answering 503", failure);
                return new IntakeResult.Unavailable("Journal write failed: " + failure, retryAfter);
            }
            accepted.mark();
            return new IntakeResult.Accepted();
        });
    }

    private CompletionStage<IntakeResult> reject(Webhook webhook, Instant receivedAt, ParsedWebhook.Rejected rejected)
    {
        metrics.meter("intake.rejected." + rejected.reason().columnValue()).mark();
        RejectedRequest record = new RejectedRequest(
                receivedAt,
                webhook.kind().endpoint(),
                rejected.reason().columnValue(),
                rejected.message(),
                webhook.parameters().getOrDefault("AccountSid", ""),
                webhook.parameters().getOrDefault("MessageSid", ""),
                webhook.signedUrl(),
                webhook.parameters());
        IntakeResult malformed = new IntakeResult.Malformed(rejected.message());
        try {
            return journal.append(codec.encode(record)).orTimeout(appendTimeout.toMillis(), TimeUnit.MILLISECONDS).handle((position, failure) -> {
                if (failure != null) {
                    logUnrecorded(rejected, failure);
                }
                return malformed;
            });
        }
        catch (JournalFullException e) {
            logUnrecorded(rejected, e);
            return completedFuture(malformed);
        }
    }

    private static void logUnrecorded(ParsedWebhook.Rejected rejected, Throwable failure)
    {
        // The caller still learns why its request is wrong; only the audit row is missing.
        log.warn("Could not record rejected request ({}): {}", rejected.reason().columnValue(), failure.toString());
    }

    private IntakeResult forbidden(Webhook webhook, Instant receivedAt, SignatureCheck check, String message)
    {
        String reason = check.name().toLowerCase(Locale.ROOT).replace('_', '-');
        metrics.meter("intake.forbidden." + reason).mark();
        forbiddenRequests.count(receivedAt, webhook.kind().endpoint(), reason);
        return new IntakeResult.Forbidden(message);
    }
}
