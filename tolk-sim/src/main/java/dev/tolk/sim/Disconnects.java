package dev.tolk.sim;

import java.io.IOException;
import java.nio.ByteBuffer;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.io.SocketChannelEndPoint;
import org.eclipse.jetty.server.Request;

/**
 * Notices a client that closed its connection while the handler is not writing (prefill, a stall). Jetty reads
 * nothing from a connection while its request is being handled, so the close would only surface at the next
 * write; a non-blocking read of the socket returns -1 at once. Clients here never pipeline requests, so there is
 * no data the probe could take from the next request.
 */
final class Disconnects {
    private Disconnects() {}

    static boolean clientGone(Request request) {
        EndPoint ep = request.getConnectionMetaData().getConnection().getEndPoint();
        if (!ep.isOpen()) {
            return true;
        }
        if (ep instanceof SocketChannelEndPoint s) {
            try {
                return s.getChannel().read(ByteBuffer.allocate(1)) < 0;
            } catch (IOException e) {
                return true;
            }
        }
        return false;
    }
}
