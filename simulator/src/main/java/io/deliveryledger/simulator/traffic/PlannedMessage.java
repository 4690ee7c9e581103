package io.deliveryledger.simulator.traffic;

import io.deliveryledger.simulator.Account;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

import static java.util.Objects.requireNonNull;

/**
 * A message and its whole lifecycle, decided in advance from the seed: the REST API shows the step
 * reached at the time of a request, the traffic sends the callbacks of the later steps.
 *
 * @param from the sender the callbacks and, once queued, the API show ({@code whatsapp:+...} on WhatsApp)
 */
public record PlannedMessage(
        String sid,
        Account account,
        Optional<String> messagingServiceSid,
        Channel channel,
        String from,
        String to,
        String body,
        List<StatusStep> steps)
{
    public PlannedMessage
    {
        requireNonNull(sid, "sid is null");
        requireNonNull(account, "account is null");
        requireNonNull(messagingServiceSid, "messagingServiceSid is null");
        requireNonNull(channel, "channel is null");
        requireNonNull(from, "from is null");
        requireNonNull(to, "to is null");
        requireNonNull(body, "body is null");
        steps = List.copyOf(requireNonNull(steps, "steps is null"));
        if (steps.isEmpty()) {
            throw new IllegalArgumentException("A message has at least its initial status");
        }
    }

    public Instant createdAt()
    {
        return steps.get(0).at();
    }

    public StatusStep finalStep()
    {
        return steps.get(steps.size() - 1);
    }

    /** The step reached at {@code now}; the initial one before the message exists too. */
    public StatusStep stepAt(Instant now)
    {
        StatusStep reached = steps.get(0);
        for (StatusStep step : steps) {
            if (step.at().isAfter(now)) {
                break;
            }
            reached = step;
        }
        return reached;
    }

    /** When the message was sent, if it was by {@code now}: the time of its {@code sent} step. */
    public Optional<Instant> sentAt(Instant now)
    {
        return steps.stream()
                .filter(step -> step.status() == MessageStatus.SENT && !step.at().isAfter(now))
                .map(StatusStep::at)
                .findFirst();
    }
}
