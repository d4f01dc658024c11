package dev.tolk.server.http;

import dev.tolk.core.anthropic.AnthropicError;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;
import java.util.function.Supplier;
import org.eclipse.jetty.http.HttpCookie;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.FormFields;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.util.Fields;

/**
 * The dashboard's routes and {@code /admin/sessions}, behind {@link AdminAccess}, each on a request's virtual thread:
 * the page and its script and style (resources in the jar, nothing from elsewhere), its state as JSON
 * ({@code /dashboard/state.json}) or as server-sent events, one a second ({@code /dashboard/events}), and the login
 * form that trades the admin key for {@link AdminSessions}' HttpOnly cookie (the key travels only in a POST body).
 */
public final class DashboardRoutes {
    static final String EVENTS_PATH = "/dashboard/events";
    static final long EVENT_INTERVAL_MILLIS = 1000;
    /** A wrong admin key is answered this much later: a slow guess costs an attacker more than a user. */
    static final long LOGIN_FAILURE_DELAY_MILLIS = 300;
    private static final String CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            + "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

    private final Supplier<byte[]> state;
    private final IntFunction<byte[]> sessions;
    private final AdminSessions admin;
    private final byte[] page = resource("index.html");
    private final byte[] script = resource("dashboard.js");
    private final byte[] style = resource("dashboard.css");
    private final String loginPage = new String(resource("login.html"), StandardCharsets.UTF_8);
    /** Counted down at shutdown: every event stream ends at once. */
    private final CountDownLatch closed = new CountDownLatch(1);

    public DashboardRoutes(Supplier<byte[]> state, IntFunction<byte[]> sessions, AdminSessions admin) {
        this.state = state;
        this.sessions = sessions;
        this.admin = admin;
    }

    /** Ends every open event stream (the gateway is stopping). */
    public void close() {
        closed.countDown();
    }

    /** Answers {@code path} if it is one of these routes; false otherwise. Blocking: a virtual thread calls it. */
    boolean handle(Exchange x, String path) throws IOException, InterruptedException {
        String method = x.request.getMethod();
        boolean get = "GET".equals(method) || "HEAD".equals(method);
        boolean post = "POST".equals(method);
        boolean form = path.equals(AdminAccess.LOGIN_PATH) || path.equals("/dashboard/logout");
        if (!get && !form) {
            return false; // every other route here only reads
        }
        switch (path) {
            case "/dashboard", "/dashboard/" -> asset(x, page, "text/html; charset=utf-8");
            case "/dashboard/dashboard.js" -> asset(x, script, "text/javascript; charset=utf-8");
            case AdminAccess.STYLE_PATH -> asset(x, style, "text/css; charset=utf-8");
            case "/dashboard/state.json" -> {
                x.status = 200;
                x.response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
                Responses.json(x.response, 200, state.get(), x.requestId);
            }
            case EVENTS_PATH -> events(x);
            case AdminAccess.LOGIN_PATH -> {
                if (post) {
                    login(x);
                } else {
                    loginForm(x, 200, null);
                }
            }
            case "/dashboard/logout" -> {
                if (!post) {
                    return false;
                }
                logout(x);
            }
            case "/admin/sessions" -> sessions(x);
            default -> {
                return false;
            }
        }
        return true;
    }

    private void sessions(Exchange x) throws IOException {
        int limit = 100;
        String asked = Request.extractQueryParameters(x.request).getValue("limit");
        if (asked != null) {
            try {
                limit = Integer.parseInt(asked);
            } catch (NumberFormatException e) {
                limit = -1;
            }
            if (limit < 1 || limit > dev.tolk.server.dashboard.InMemoryUsage.MAX_SESSIONS) {
                x.status = 400;
                Responses.error(x, AnthropicError.invalidRequest("limit: a whole number from 1 to "
                        + dev.tolk.server.dashboard.InMemoryUsage.MAX_SESSIONS));
                return;
            }
        }
        x.status = 200;
        x.response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
        Responses.json(x.response, 200, sessions.apply(limit), x.requestId);
    }

    /**
     * Server-sent events: the state now, then again every second, until the client leaves (a write fails) or the
     * gateway stops. The request's virtual thread waits between events; no other thread is involved.
     */
    private void events(Exchange x) throws IOException, InterruptedException {
        x.status = 200;
        x.response.setStatus(200);
        var h = x.response.getHeaders();
        h.put(HttpHeader.CONTENT_TYPE, "text/event-stream; charset=utf-8");
        h.put(HttpHeader.CACHE_CONTROL, "no-store");
        h.put("x-accel-buffering", "no");
        h.put(Responses.REQUEST_ID, x.requestId);
        if ("HEAD".equals(x.request.getMethod())) { // the headers only: no stream to keep open
            Responses.write(x.response, true, ByteBuffer.allocate(0));
            return;
        }
        Responses.write(x.response, false, ByteBuffer.wrap("retry: 2000\n\n".getBytes(StandardCharsets.US_ASCII)));
        do {
            byte[] json = state.get();
            ByteBuffer event = ByteBuffer.allocate(json.length + 8);
            event.put("data: ".getBytes(StandardCharsets.US_ASCII)).put(json).put((byte) '\n').put((byte) '\n').flip();
            Responses.write(x.response, false, event); // throws once the client has left
        } while (!closed.await(EVENT_INTERVAL_MILLIS, TimeUnit.MILLISECONDS));
        Responses.write(x.response, true, ByteBuffer.allocate(0));
    }

    private void login(Exchange x) throws IOException, InterruptedException {
        if (!admin.keyConfigured()) {
            redirect(x, "/dashboard", null);
            return;
        }
        Fields form;
        try {
            form = FormFields.getFields(x.request, 8, 4096);
        } catch (RuntimeException e) {
            loginForm(x, 400, "The form could not be read.");
            return;
        }
        Fields.Field key = form.get("key");
        String token = admin.login(key == null ? null : key.getValue());
        if (token == null) {
            x.errorMessage = "dashboard login with a wrong admin key";
            Thread.sleep(LOGIN_FAILURE_DELAY_MILLIS);
            loginForm(x, 401, "That is not the admin key.");
            return;
        }
        redirect(x, "/dashboard", cookie(x, token, AdminSessions.LIFETIME.toSeconds()));
    }

    private void logout(Exchange x) throws IOException {
        for (HttpCookie c : Request.getCookies(x.request)) {
            if (AdminSessions.COOKIE.equals(c.getName())) {
                admin.logout(c.getValue());
            }
        }
        redirect(x, admin.keyConfigured() ? AdminAccess.LOGIN_PATH : "/dashboard", cookie(x, "", 0));
    }

    /**
     * The session cookie: HttpOnly (no script reads it), SameSite=Strict (no other site's page sends it), for the
     * whole gateway (it opens {@code /admin/…} too), and Secure when the browser reached Tolk over https (directly,
     * or through a proxy that says so in {@code X-Forwarded-Proto}); over plain http a Secure cookie would not be
     * kept.
     */
    private static String cookie(Exchange x, String value, long maxAgeSeconds) {
        String forwarded = x.request.getHeaders().get("x-forwarded-proto");
        boolean https = x.request.isSecure() || (forwarded != null && forwarded.trim().equalsIgnoreCase("https"));
        return AdminSessions.COOKIE + "=" + value + "; Path=/; Max-Age=" + maxAgeSeconds
                + "; HttpOnly; SameSite=Strict" + (https ? "; Secure" : "");
    }

    private void loginForm(Exchange x, int status, String message) throws IOException {
        if (!admin.keyConfigured()) {
            redirect(x, "/dashboard", null);
            return;
        }
        // the message is one of this class's fixed sentences: nothing the client sent goes into the page
        String html = loginPage.replace("<!--message-->",
                message == null ? "" : "<p class=\"problem\" id=\"problem\">" + message + "</p>");
        x.status = status;
        html(x, status, html.getBytes(StandardCharsets.UTF_8), "text/html; charset=utf-8");
    }

    private static void redirect(Exchange x, String location, String setCookie) throws IOException {
        x.status = 303;
        x.response.setStatus(303);
        var h = x.response.getHeaders();
        h.put(HttpHeader.LOCATION, location);
        h.put(HttpHeader.CACHE_CONTROL, "no-store");
        h.put(HttpHeader.CONTENT_LENGTH, 0);
        h.put(Responses.REQUEST_ID, x.requestId);
        if (setCookie != null) {
            h.put(HttpHeader.SET_COOKIE, setCookie);
        }
        Responses.write(x.response, true, ByteBuffer.allocate(0));
    }

    private static void asset(Exchange x, byte[] body, String contentType) throws IOException {
        x.status = 200;
        html(x, 200, body, contentType);
    }

    private static void html(Exchange x, int status, byte[] body, String contentType) throws IOException {
        x.response.setStatus(status);
        var h = x.response.getHeaders();
        h.put(HttpHeader.CONTENT_TYPE, contentType);
        h.put(HttpHeader.CONTENT_LENGTH, body.length);
        h.put(HttpHeader.CACHE_CONTROL, "no-store");
        h.put("content-security-policy", CSP);
        h.put("x-content-type-options", "nosniff");
        h.put("x-frame-options", "DENY");
        h.put("referrer-policy", "no-referrer");
        h.put(Responses.REQUEST_ID, x.requestId);
        Responses.write(x.response, true, "HEAD".equals(x.request.getMethod()) ? ByteBuffer.allocate(0)
                : ByteBuffer.wrap(body));
    }

    private static byte[] resource(String name) {
        try (InputStream in = DashboardRoutes.class.getResourceAsStream("/dev/tolk/server/dashboard/" + name)) {
            if (in == null) {
                throw new IllegalStateException("missing resource dev/tolk/server/dashboard/" + name);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
