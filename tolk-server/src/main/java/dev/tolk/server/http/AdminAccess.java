package dev.tolk.server.http;

import dev.tolk.core.anthropic.AnthropicError;
import dev.tolk.core.anthropic.ErrorType;
import org.eclipse.jetty.http.HttpCookie;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * Guards the operator's routes ({@code /admin/…} and {@code /dashboard…}). Without an admin key they are open on a
 * loopback gateway (the developer at their desk) and refused 403 on any other address. With one, a request passes
 * when it presents the key ({@code x-api-key} or {@code Authorization: Bearer}) or the dashboard's session cookie
 * ({@link AdminSessions}); otherwise the API answers 401 and a dashboard page redirects to the login form, which is
 * itself open. Client keys never open these routes.
 */
public final class AdminAccess extends Handler.Wrapper {
    public static final String LOGIN_PATH = "/dashboard/login";
    /** The stylesheet the login form shares with the dashboard: static, so open like the form. */
    public static final String STYLE_PATH = "/dashboard/dashboard.css";

    private final AdminSessions sessions;
    private final boolean loopback;

    public AdminAccess(Handler next, AdminSessions sessions, boolean loopback) {
        super(next);
        this.sessions = sessions;
        this.loopback = loopback;
    }

    static boolean guarded(String path) {
        return path.equals("/admin") || path.startsWith("/admin/") || path.equals("/dashboard")
                || path.startsWith("/dashboard/");
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        String path = Request.getPathInContext(request);
        if (!guarded(path) || allowed(request, path)) {
            return super.handle(request, response, callback);
        }
        if (!sessions.keyConfigured()) {
            Responses.errorAndComplete(Exchange.of(request), AnthropicError.of(ErrorType.PERMISSION,
                    "the admin API and the dashboard are served off loopback only with an admin key: "
                            + "set --admin-key or TOLK_ADMIN_KEY"));
        } else if (path.startsWith("/dashboard") && "GET".equals(request.getMethod())) {
            Exchange x = Exchange.of(request);
            x.status = 303;
            response.setStatus(303);
            response.getHeaders().put(HttpHeader.LOCATION, LOGIN_PATH);
            response.getHeaders().put(Responses.REQUEST_ID, x.requestId);
            response.write(true, null, x);
        } else {
            Responses.errorAndComplete(Exchange.of(request),
                    AnthropicError.of(ErrorType.AUTHENTICATION, "this route needs the admin key"));
        }
        return true;
    }

    private boolean allowed(Request request, String path) {
        if (!sessions.keyConfigured()) {
            return loopback;
        }
        if (path.equals(LOGIN_PATH) || path.equals(STYLE_PATH)) {
            return true;
        }
        String presented = request.getHeaders().get("x-api-key");
        String authorization = request.getHeaders().get(HttpHeader.AUTHORIZATION);
        if (presented == null && authorization != null && authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            presented = authorization.substring(7).strip();
        }
        if (sessions.isAdminKey(presented)) {
            return true;
        }
        for (HttpCookie c : Request.getCookies(request)) {
            if (AdminSessions.COOKIE.equals(c.getName()) && sessions.valid(c.getValue())) {
                return true;
            }
        }
        return false;
    }
}
