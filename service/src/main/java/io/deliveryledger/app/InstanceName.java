package io.deliveryledger.app;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.UUID;

/**
 * How an instance names itself to the others sharing the database: host, process id, and a random
 * part, as two instances may share both (two applications in one JVM, as in the tests).
 */
final class InstanceName
{
    private InstanceName() {}

    static String create()
    {
        String random = UUID.randomUUID().toString().substring(0, 8);
        try {
            return InetAddress.getLocalHost().getHostName() + "/" + ProcessHandle.current().pid() + "/" + random;
        }
        catch (UnknownHostException e) {
            return "pid " + ProcessHandle.current().pid() + "/" + random;
        }
    }
}
