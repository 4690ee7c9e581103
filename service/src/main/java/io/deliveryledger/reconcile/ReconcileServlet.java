package io.deliveryledger.reconcile;

import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

import static java.util.Objects.requireNonNull;

/**
 * {@code POST /tasks/reconcile} on the admin port: one run now, answered when it is over. Parameters
 * {@code staleAfter} (ISO-8601 duration, e.g. PT1H) and {@code from}/{@code to} (ISO-8601 instants)
 * override the stale thresholds and the discovery window for that run. A servlet rather than a
 * Dropwizard task, so that a bad parameter gets a 400 instead of a 500.
 */
public final class ReconcileServlet
        extends HttpServlet
{
    private final transient Reconciler reconciler;
    private final transient ObjectMapper mapper;

    public ReconcileServlet(Reconciler reconciler, ObjectMapper mapper)
    {
        this.reconciler = requireNonNull(reconciler, "reconciler is null");
        this.mapper = requireNonNull(mapper, "mapper is null");
    }

    @Override
    protected void doPost(HttpServletRequest request, HttpServletResponse response)
            throws IOException
    {
        ReconcileRequest reconcileRequest;
        try {
            reconcileRequest = parse(request);
        }
        catch (IllegalArgumentException e) {
            write(response, HttpServletResponse.SC_BAD_REQUEST, Map.of("code", 400, "message", e.getMessage()));
            return;
        }
        ReconciliationRun run = reconciler.run(reconcileRequest);
        write(response, run.completed() ? HttpServletResponse.SC_OK : HttpServletResponse.SC_INTERNAL_SERVER_ERROR, describe(run));
    }

    private static ReconcileRequest parse(HttpServletRequest request)
    {
        Optional<Duration> staleAfter = parameter(request, "staleAfter").map(value -> ReconcileRequest.parseStaleAfter("Parameter 'staleAfter'", value));
        Optional<Instant> from = parameter(request, "from").map(value -> TimeWindow.parseInstant("from", value));
        Optional<Instant> to = parameter(request, "to").map(value -> TimeWindow.parseInstant("to", value));
        if (from.isPresent() != to.isPresent()) {
            throw new IllegalArgumentException("Parameters 'from' and 'to' go together: give both or neither");
        }
        Optional<TimeWindow> window = from.map(start -> new TimeWindow(start, to.orElseThrow()));
        return new ReconcileRequest(Trigger.TASK, staleAfter, window);
    }

    private static Optional<String> parameter(HttpServletRequest request, String name)
    {
        return Optional.ofNullable(request.getParameter(name)).map(String::strip).filter(value -> !value.isEmpty());
    }

    static Map<String, Object> describe(ReconciliationRun run)
    {
        Map<String, Object> description = new LinkedHashMap<>();
        description.put("runId", run.runId());
        description.put("trigger", run.trigger().columnValue());
        description.put("outcome", run.completed() ? "completed" : "failed");
        description.put("windowFrom", run.window().map(window -> window.from().toString()).orElse(null));
        description.put("windowTo", run.window().map(window -> window.to().toString()).orElse(null));
        description.put("staleAfter", run.staleAfter().toString());
        description.put("checked", run.checked());
        description.put("fixed", run.fixed());
        description.put("notFound", run.notFound());
        description.put("failed", run.failed());
        description.put("apiCalls", run.apiCalls());
        description.put("rateLimited", run.rateLimited());
        description.put("durationMillis", run.duration().toMillis());
        description.put("error", run.error().orElse(null));
        return description;
    }

    private void write(HttpServletResponse response, int status, Map<String, Object> body)
            throws IOException
    {
        response.setStatus(status);
        response.setContentType("application/json");
        mapper.writeValue(response.getOutputStream(), body);
    }
}
