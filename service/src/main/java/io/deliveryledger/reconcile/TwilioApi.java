package io.deliveryledger.reconcile;

import com.twilio.base.Page;
import com.twilio.exception.ApiException;
import com.twilio.http.TwilioRestClient;
import com.twilio.rest.api.v2010.account.Message;
import com.twilio.rest.api.v2010.account.MessageReader;

import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import java.util.stream.Collectors;

import static java.util.Objects.requireNonNull;

/** The two reads reconciliation needs from Twilio's Messages API, for every configured account. */
public final class TwilioApi
{
    private static final int NOT_FOUND = 404;

    private final Map<String, TwilioRestClient> clients;
    private final TwilioApiHttpClient httpClient;
    private final int pageSize;

    public TwilioApi(Map<String, String> authTokenByAccount, TwilioApiHttpClient httpClient, int pageSize)
    {
        this.httpClient = requireNonNull(httpClient, "httpClient is null");
        this.pageSize = pageSize;
        this.clients = authTokenByAccount.entrySet().stream().collect(Collectors.toUnmodifiableMap(
                Map.Entry::getKey,
                account -> new TwilioRestClient.Builder(account.getKey(), account.getValue()).httpClient(httpClient).build()));
    }

    public Set<String> accounts()
    {
        return clients.keySet();
    }

    /** The message, or empty when Twilio does not know it (404). */
    public Optional<Message> fetch(String accountSid, String messageSid)
    {
        try {
            return Optional.of(Message.fetcher(accountSid, messageSid).fetch(client(accountSid)));
        }
        catch (ApiException e) {
            if (e.getStatusCode() != null && e.getStatusCode() == NOT_FOUND) {
                return Optional.empty();
            }
            throw classify(accountSid, e);
        }
    }

    /** Hands every message sent in [{@code from}, {@code to}) to {@code pageConsumer}, one page at a time. */
    public void list(String accountSid, Instant from, Instant to, Consumer<List<Message>> pageConsumer)
    {
        TwilioRestClient client = client(accountSid);
        MessageReader reader = Message.reader(accountSid)
                .setDateSentAfter(from.atZone(ZoneOffset.UTC))
                .setDateSentBefore(to.atZone(ZoneOffset.UTC))
                .setPageSize((long) pageSize);
        try {
            Page<Message> page = reader.firstPage(client);
            pageConsumer.accept(page.getRecords());
            while (page.hasNextPage()) {
                page = reader.nextPage(page, client);
                pageConsumer.accept(page.getRecords());
            }
        }
        catch (ApiException e) {
            throw classify(accountSid, e);
        }
    }

    /** Requests sent so far, retries included. */
    public long calls()
    {
        return httpClient.calls();
    }

    /** Answers {@code 429 Too Many Requests} received so far. */
    public long rateLimited()
    {
        return httpClient.rateLimited();
    }

    private TwilioRestClient client(String accountSid)
    {
        TwilioRestClient client = clients.get(accountSid);
        if (client == null) {
            throw new TwilioApiException("No auth token is configured for account " + accountSid + ": add it to twilio.accounts to reconcile its messages", false, null);
        }
        return client;
    }

    private static TwilioApiException classify(String accountSid, ApiException e)
    {
        Integer status = e.getStatusCode();
        if (status != null && (status == 401 || status == 403)) {
            return new TwilioApiException("Twilio rejected the credentials of account " + accountSid + " (HTTP " + status + ", code " + e.getCode() + "): check its auth token (TWILIO_AUTH_TOKEN or twilio.accounts)", true, e);
        }
        return new TwilioApiException("Twilio API call for account " + accountSid + " failed: " + e.getMessage() + (status == null ? "" : " (HTTP " + status + ", code " + e.getCode() + ")"), false, e);
    }
}
