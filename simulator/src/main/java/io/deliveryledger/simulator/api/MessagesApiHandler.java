package io.deliveryledger.simulator.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.deliveryledger.simulator.Account;
import io.deliveryledger.simulator.ApiStatistics;
import io.deliveryledger.simulator.traffic.PlannedMessage;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Fields;

import java.net.URLEncoder;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import static java.util.Objects.requireNonNull;

/**
 * The subset of Twilio's Messages API the service uses: fetch by SID and list with the DateSent
 * filters and paging, behind HTTP basic auth with the account SID and auth token, with Twilio's error
 * JSON for 400, 401, 404 and 429. {@code GET /simulator/stats} (no auth, never limited) reports the
 * request counts.
 */
public final class MessagesApiHandler
        extends Handler.Abstract
{
    public static final String STATISTICS_PATH = "/simulator/stats";

    private static final Pattern LIST_PATH = Pattern.compile("/2010-04-01/Accounts/([^/]+)/Messages\\.json");
    private static final Pattern FETCH_PATH = Pattern.compile("/2010-04-01/Accounts/([^/]+)/Messages/([^/]+)\\.json");
    private static final int DEFAULT_PAGE_SIZE = 50;
    private static final int MAX_PAGE_SIZE = 1000;

    private final MessageStore store;
    private final Map<String, Account> accounts;
    private final ApiLimits limits;
    private final RequestRateLimiter rateLimiter;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final ApiCounters counters = new ApiCounters();
    private final ObjectMapper objectMapper = new ObjectMapper();

    public MessagesApiHandler(MessageStore store, List<Account> accounts, ApiLimits limits)
    {
        this.store = requireNonNull(store, "store is null");
        this.accounts = requireNonNull(accounts, "accounts is null").stream().collect(Collectors.toUnmodifiableMap(Account::sid, Function.identity()));
        this.limits = requireNonNull(limits, "limits is null");
        this.rateLimiter = new RequestRateLimiter(limits.rate());
    }

    public ApiStatistics statistics()
    {
        return counters.snapshot();
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback)
            throws Exception
    {
        String path = request.getHttpURI().getPath();
        if (STATISTICS_PATH.equals(path)) {
            write(response, callback, new Answer(200, statistics()));
            return true;
        }
        counters.total.increment();
        try {
            if (inFlight.incrementAndGet() > limits.maxInFlight() || !rateLimiter.tryAcquire()
                    || ThreadLocalRandom.current().nextDouble() < limits.tooManyRequestsProbability()) {
                counters.tooManyRequests.increment();
                response.getHeaders().put(HttpHeader.RETRY_AFTER, String.valueOf(limits.retryAfter().toSeconds()));
                write(response, callback, error(429, 20429, "Too Many Requests"));
                return true;
            }
            if (!limits.latency().isZero()) {
                Thread.sleep(limits.latency().toMillis());
            }
            write(response, callback, answer(request, response, path));
            return true;
        }
        finally {
            inFlight.decrementAndGet();
        }
    }

    private Answer answer(Request request, Response response, String path)
    {
        Optional<Account> account = authenticate(request.getHeaders().get(HttpHeader.AUTHORIZATION));
        if (account.isEmpty()) {
            counters.unauthorized.increment();
            response.getHeaders().put(HttpHeader.WWW_AUTHENTICATE, "Basic realm=\"Twilio API\"");
            return error(401, 20003, "Authenticate");
        }
        if (!"GET".equals(request.getMethod())) {
            return error(405, 20004, "Method not allowed");
        }
        Matcher list = LIST_PATH.matcher(path);
        Matcher fetch = FETCH_PATH.matcher(path);
        // Another account's resources do not exist for this one, as with Twilio.
        if (list.matches() && list.group(1).equals(account.get().sid())) {
            try {
                Answer page = listPage(list.group(1), Request.extractQueryParameters(request), Instant.now());
                counters.listPages.increment();
                return page;
            }
            catch (InvalidParameterException e) {
                counters.badRequests.increment();
                return error(400, 20001, e.getMessage());
            }
        }
        if (fetch.matches() && fetch.group(1).equals(account.get().sid())) {
            Optional<PlannedMessage> message = store.find(fetch.group(1), fetch.group(2));
            if (message.isPresent()) {
                counters.fetches.increment();
                return new Answer(200, MessageJson.at(message.get(), Instant.now()));
            }
        }
        counters.notFound.increment();
        return error(404, 20404, "The requested resource %s was not found".formatted(path));
    }

    private Answer listPage(String accountSid, Fields query, Instant now)
    {
        int pageSize = pageSize(query.getValue("PageSize"));
        int page = page(query.getValue("Page"));
        Optional<PageToken> after = Optional.ofNullable(query.getValue("PageToken")).map(PageToken::parse);
        DateSentRange range = DateSentRange.of(
                Optional.ofNullable(query.getValue("DateSent")),
                Optional.ofNullable(query.getValue("DateSent>")),
                Optional.ofNullable(query.getValue("DateSent<")));
        Optional<String> to = Optional.ofNullable(query.getValue("To"));
        Optional<String> from = Optional.ofNullable(query.getValue("From"));
        List<PageToken> matching = store.ofAccount(accountSid).stream()
                .filter(message -> to.map(message.to()::equals).orElse(true))
                .filter(message -> from.map(message.from()::equals).orElse(true))
                .map(message -> PageToken.of(message, now))
                .filter(position -> range.contains(position.sortTime()))
                .filter(position -> after.map(token -> position.compareTo(token) > 0).orElse(true))
                .sorted()
                // Without a token, Page counts pages from the first; with one, the token says where the page starts.
                .skip(after.isPresent() ? 0 : (long) page * pageSize)
                .limit(pageSize + 1L)
                .toList();
        List<PageToken> pagePositions = matching.subList(0, Math.min(pageSize, matching.size()));
        Map<String, String> filters = new LinkedHashMap<>();
        to.ifPresent(value -> filters.put("To", value));
        from.ifPresent(value -> filters.put("From", value));
        for (String name : List.of("DateSent", "DateSent<", "DateSent>")) {
            Optional.ofNullable(query.getValue(name)).ifPresent(value -> filters.put(name, value));
        }
        String base = MessageJson.messagesUri(accountSid);
        Map<String, Object> envelope = new LinkedHashMap<>();
        envelope.put("end", page * pageSize + pagePositions.size() - 1);
        envelope.put("first_page_uri", pageUri(base, filters, pageSize, 0, Optional.empty()));
        envelope.put("messages", pagePositions.stream().map(position -> MessageJson.at(store.find(accountSid, position.sid()).orElseThrow(), now)).toList());
        envelope.put("next_page_uri", matching.size() > pageSize
                ? pageUri(base, filters, pageSize, page + 1, Optional.of(pagePositions.get(pagePositions.size() - 1)))
                : null);
        envelope.put("page", page);
        envelope.put("page_size", pageSize);
        envelope.put("previous_page_uri", null);
        envelope.put("start", page * pageSize);
        envelope.put("uri", pageUri(base, filters, pageSize, page, after));
        return new Answer(200, envelope);
    }

    private static String pageUri(String base, Map<String, String> filters, int pageSize, int page, Optional<PageToken> after)
    {
        Map<String, String> parameters = new LinkedHashMap<>(filters);
        parameters.put("PageSize", String.valueOf(pageSize));
        parameters.put("Page", String.valueOf(page));
        after.ifPresent(token -> parameters.put("PageToken", token.format()));
        return base + "?" + parameters.entrySet().stream()
                .map(entry -> encode(entry.getKey()) + "=" + encode(entry.getValue()))
                .collect(Collectors.joining("&"));
    }

    private static String encode(String text)
    {
        return URLEncoder.encode(text, StandardCharsets.UTF_8);
    }

    private static int pageSize(String value)
    {
        if (value == null) {
            return DEFAULT_PAGE_SIZE;
        }
        int pageSize = integer("PageSize", value);
        if (pageSize < 1 || pageSize > MAX_PAGE_SIZE) {
            throw new InvalidParameterException("PageSize", "must be from 1 to %d, got %d".formatted(MAX_PAGE_SIZE, pageSize));
        }
        return pageSize;
    }

    private static int page(String value)
    {
        if (value == null) {
            return 0;
        }
        int page = integer("Page", value);
        if (page < 0) {
            throw new InvalidParameterException("Page", "must not be negative, got " + page);
        }
        return page;
    }

    private static int integer(String parameter, String value)
    {
        try {
            return Integer.parseInt(value.trim());
        }
        catch (NumberFormatException e) {
            throw new InvalidParameterException(parameter, "must be an integer, got '%s'".formatted(value));
        }
    }

    private Optional<Account> authenticate(String authorization)
    {
        if (authorization == null || !authorization.regionMatches(true, 0, "Basic ", 0, 6)) {
            return Optional.empty();
        }
        String credentials;
        try {
            credentials = new String(Base64.getDecoder().decode(authorization.substring(6).trim()), StandardCharsets.UTF_8);
        }
        catch (IllegalArgumentException e) {
            return Optional.empty();
        }
        int colon = credentials.indexOf(':');
        if (colon < 0) {
            return Optional.empty();
        }
        Account account = accounts.get(credentials.substring(0, colon));
        byte[] password = credentials.substring(colon + 1).getBytes(StandardCharsets.UTF_8);
        if (account == null || !MessageDigest.isEqual(password, account.authToken().getBytes(StandardCharsets.UTF_8))) {
            return Optional.empty();
        }
        return Optional.of(account);
    }

    private static Answer error(int status, int code, String message)
    {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("code", code);
        body.put("message", message);
        body.put("more_info", "https://www.twilio.com/docs/errors/" + code);
        body.put("status", status);
        return new Answer(status, body);
    }

    private void write(Response response, Callback callback, Answer answer)
            throws JsonProcessingException
    {
        byte[] body = objectMapper.writeValueAsBytes(answer.body());
        response.setStatus(answer.status());
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json; charset=utf-8");
        response.write(true, ByteBuffer.wrap(body), callback);
    }

    /**
     * A message's place in the list, newest first: by {@code coalesce(date_sent, date_created)}, then
     * SID. As a page token it marks the last message of a page, so paging continues after it even
     * while new messages arrive.
     */
    private record PageToken(Instant sortTime, String sid)
            implements Comparable<PageToken>
    {
        private static final String PREFIX = "PA";

        static PageToken of(PlannedMessage message, Instant now)
        {
            return new PageToken(message.sentAt(now).orElse(message.createdAt()), message.sid());
        }

        static PageToken parse(String text)
        {
            String[] parts = text.startsWith(PREFIX) ? text.substring(PREFIX.length()).split("_", 3) : new String[0];
            if (parts.length != 3) {
                throw invalid(text);
            }
            try {
                return new PageToken(Instant.ofEpochSecond(Long.parseLong(parts[1]), Long.parseLong(parts[2])), parts[0]);
            }
            catch (NumberFormatException | DateTimeException e) {
                throw invalid(text);
            }
        }

        private static InvalidParameterException invalid(String text)
        {
            return new InvalidParameterException("PageToken", "not a token this API issued: '%s'".formatted(text));
        }

        String format()
        {
            return PREFIX + sid + "_" + sortTime.getEpochSecond() + "_" + sortTime.getNano();
        }

        @Override
        public int compareTo(PageToken other)
        {
            int byTime = other.sortTime.compareTo(sortTime);
            return byTime != 0 ? byTime : other.sid.compareTo(sid);
        }
    }

    private record Answer(int status, Object body) {}

    /** @param latency how long each request takes at least */
    public record ApiLimits(int maxInFlight, double rate, double tooManyRequestsProbability, Duration retryAfter, Duration latency)
    {
        public ApiLimits
        {
            requireNonNull(retryAfter, "retryAfter is null");
            requireNonNull(latency, "latency is null");
        }
    }
}
