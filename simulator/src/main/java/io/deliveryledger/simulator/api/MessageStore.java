package io.deliveryledger.simulator.api;

import io.deliveryledger.simulator.traffic.PlannedMessage;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import static java.util.Objects.requireNonNull;

/** The messages created so far, by SID and by account, for the REST API. */
public final class MessageStore
{
    private final Map<String, PlannedMessage> bySid = new ConcurrentHashMap<>();
    private final Map<String, List<PlannedMessage>> byAccount = new ConcurrentHashMap<>();

    public void add(PlannedMessage message)
    {
        requireNonNull(message, "message is null");
        List<PlannedMessage> accountMessages = byAccount.computeIfAbsent(message.account().sid(), sid -> new ArrayList<>());
        synchronized (accountMessages) {
            accountMessages.add(message);
        }
        bySid.put(message.sid(), message);
    }

    public Optional<PlannedMessage> find(String accountSid, String messageSid)
    {
        return Optional.ofNullable(bySid.get(messageSid)).filter(message -> message.account().sid().equals(accountSid));
    }

    public List<PlannedMessage> ofAccount(String accountSid)
    {
        List<PlannedMessage> accountMessages = byAccount.get(accountSid);
        if (accountMessages == null) {
            return List.of();
        }
        synchronized (accountMessages) {
            return List.copyOf(accountMessages);
        }
    }
}
