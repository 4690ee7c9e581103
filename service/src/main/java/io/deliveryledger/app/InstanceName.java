package io.deliveryledger.app;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.UUID;

/** How an instance names itself to the others sharing the database. */
final class InstanceName
{
    private InstanceName() {}

    /**
     * This process among the running instances: host, process id, and a random part, as two instances
     * may share both (two applications in one JVM, as in the tests).
     */
    static String create()
    {
        return host() + "/" + ProcessHandle.current().pid() + "/" + UUID.randomUUID().toString().substring(0, 8);
    }

    /** The host's name: the same across restarts where the deployment keeps it (Compose hostname, StatefulSet pod). */
    static String host()
    {
        try {
            return InetAddress.getLocalHost().getHostName();
        }
        catch (UnknownHostException e) {
            return "localhost";
        }
    }
}
