package io.deliveryledger.bench.peer;

import com.twilio.security.RequestValidator;
import com.zaxxer.hikari.HikariDataSource;
import io.dropwizard.core.Application;
import io.dropwizard.core.setup.Environment;
import io.dropwizard.lifecycle.AutoCloseableManager;
import org.jdbi.v3.core.Jdbi;

import java.time.Clock;

/**
 * A peer for bench/run: the minimal Dropwizard app a user would write instead of the service, one
 * INSERT per callback through Jdbi, synchronous or with ClickHouse's asynchronous inserts
 * ({@link InsertMode}). No journal, no batching: that is the point of the comparison.
 *
 * <pre>java -Duser.timezone=UTC -jar bench/target/peer.jar server peer.yml</pre>
 *
 * Metrics on the admin port: {@code peer.accepted} (answered 200 after the INSERT) and
 * {@code peer.insert-failures}.
 */
public final class PeerApplication
        extends Application<PeerConfiguration>
{
    public static void main(String[] args)
            throws Exception
    {
        new PeerApplication().run(args);
    }

    @Override
    public String getName()
    {
        return "delivery-ledger-bench-peer";
    }

    @Override
    public void run(PeerConfiguration configuration, Environment environment)
    {
        InsertMode mode = configuration.getMode();
        HikariDataSource dataSource = configuration.buildDataSource();
        environment.lifecycle().manage(new AutoCloseableManager(dataSource));
        Jdbi jdbi = Jdbi.create(dataSource);
        CallbackTable table = new CallbackTable(jdbi, mode.database());
        table.create();
        environment.jersey().register(new StatusCallbackResource(
                new RequestValidator(configuration.getAuthToken()),
                table,
                environment.metrics().meter("peer.accepted"),
                environment.metrics().meter("peer.insert-failures"),
                Clock.systemUTC()));
    }
}
