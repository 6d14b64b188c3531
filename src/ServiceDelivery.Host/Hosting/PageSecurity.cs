using System.Net;
using System.Text;
using Microsoft.AspNetCore.HttpOverrides;

namespace ServiceDelivery.Host.Hosting;

/// <summary>
/// What the pages need to face the open internet: response headers (no framing, a Content-Security-Policy, no MIME
/// sniffing, no referrer to other sites), the scheme and client address from a TLS proxy (configured proxies only),
/// and the interactive pages' hub closed to other sites and to anyone not signed in.
/// </summary>
public static class PageSecurity
{
    /// <summary>
    /// The pages' policy: scripts only from this host (Blazor, MudBlazor and Monaco ship theirs as files), inline
    /// styles (MudBlazor's theme), images from here or from data/blob URLs (previews), workers from blob URLs
    /// (Monaco). Forms may go to this host and to the identity provider (sign-out redirects there).
    /// </summary>
    public static string PagePolicy(string? identityProvider)
    {
        var formAction = "'self'";
        if (Uri.TryCreate(identityProvider, UriKind.Absolute, out var authority))
        {
            formAction += " " + authority.GetLeftPart(UriPartial.Authority);
        }

        return "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; font-src 'self' data:; "
            + $"connect-src 'self'; worker-src 'self' blob:; object-src 'none'; base-uri 'self'; form-action {formAction}; frame-ancestors 'none'";
    }

    /// <summary>Pages that bring their own inline scripts (the Hangfire dashboard, the API reference) get only the framing rule.</summary>
    private const string FramingOnly = "frame-ancestors 'none'";

    public static void UseSecurityHeaders(this WebApplication app, string? identityProvider)
    {
        ArgumentNullException.ThrowIfNull(app);
        var policy = PagePolicy(identityProvider);
        app.Use((context, next) =>
        {
            context.Response.OnStarting(static state =>
            {
                var (http, pagePolicy) = ((HttpContext, string))state;
                var headers = http.Response.Headers;
                headers.XContentTypeOptions = "nosniff";
                headers["Referrer-Policy"] = "same-origin";
                headers.XFrameOptions = "DENY";
                // Replaces Blazor's own "frame-ancestors 'self'" on interactive pages.
                var path = http.Request.Path;
                headers.ContentSecurityPolicy = path.StartsWithSegments("/console/jobs") || path.StartsWithSegments("/scalar") ? FramingOnly : pagePolicy;

                return Task.CompletedTask;
            }, (context, policy));
            return next();
        });
    }

    /// <summary>
    /// Behind a TLS-terminating proxy: X-Forwarded-Proto and X-Forwarded-For are honoured from the proxies named in
    /// <see cref="ProxyOptions"/> only (so cookies get Secure and redirects keep https); nobody else can claim them.
    /// </summary>
    public static void UseConfiguredProxies(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var proxies = app.Configuration.GetSection(ProxyOptions.SectionName).Get<ProxyOptions>() ?? new ProxyOptions();
        if (proxies.KnownProxies.Length == 0 && proxies.KnownNetworks.Length == 0)
        {
            return;
        }

        var options = new ForwardedHeadersOptions { ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto };
        // The defaults trust loopback; only what the configuration names is trusted.
        options.KnownProxies.Clear();
        options.KnownIPNetworks.Clear();
        foreach (var proxy in proxies.KnownProxies)
        {
            options.KnownProxies.Add(IPAddress.Parse(proxy));
        }

        foreach (var network in proxies.KnownNetworks)
        {
            options.KnownIPNetworks.Add(System.Net.IPNetwork.Parse(network));
        }

        app.UseForwardedHeaders(options);
    }

    /// <summary>
    /// The interactive pages' hub (<c>/_blazor</c>) answers only this host's own pages (a WebSocket is not bound by
    /// the same-origin rule, so another site could otherwise open a circuit with the visitor's cookie) and only people
    /// who are signed in: every interactive page needs a sign-in, and an anonymous connection could otherwise send
    /// the hub's large messages (a Studio document) at no cost.
    /// </summary>
    public static void UseHubGuard(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.UseWhen(context => context.Request.Path.StartsWithSegments("/_blazor"), hub => hub.Use(async (context, next) =>
        {
            if (!SameOrigin(context.Request))
            {
                context.Response.StatusCode = StatusCodes.Status403Forbidden;
                return;
            }

            if (context.User.Identity?.IsAuthenticated != true)
            {
                context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                return;
            }

            await next();
        }));
    }

    /// <summary>A request without an Origin (not from a browser's script) passes; one with an Origin must be this host's.</summary>
    internal static bool SameOrigin(HttpRequest request)
    {
        var origin = request.Headers.Origin.ToString();
        if (string.IsNullOrEmpty(origin))
        {
            return true;
        }

        return Uri.TryCreate(origin, UriKind.Absolute, out var uri)
            && string.Equals(uri.Scheme, request.Scheme, StringComparison.OrdinalIgnoreCase)
            && string.Equals(uri.Authority, request.Host.Value, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>
    /// A path of this host to send the browser back to, or <paramref name="fallback"/>: never another site
    /// ("//evil.example", "/\evil.example"), never a control character (browsers drop tabs and line feeds, so
    /// "/\t/evil.example" would become "//evil.example"), and non-ASCII letters percent-encoded (a header carries ASCII).
    /// </summary>
    public static string LocalUrl(string? url, string fallback = "/")
    {
        if (string.IsNullOrEmpty(url) || url[0] != '/' || (url.Length > 1 && (url[1] == '/' || url[1] == '\\')))
        {
            return fallback;
        }

        var encoded = new StringBuilder(url.Length);
        Span<byte> bytes = stackalloc byte[4];
        for (var i = 0; i < url.Length;)
        {
            if (char.IsControl(url[i]) || Rune.DecodeFromUtf16(url.AsSpan(i), out var rune, out var consumed) != System.Buffers.OperationStatus.Done)
            {
                return fallback;
            }

            if (rune.Value is > 0x20 and < 0x7F)
            {
                encoded.Append((char)rune.Value);
            }
            else
            {
                foreach (var b in bytes[..rune.EncodeToUtf8(bytes)])
                {
                    encoded.Append('%').Append(b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
                }
            }

            i += consumed;
        }

        return encoded.ToString();
    }

    /// <summary>
    /// Whether a page's post carries a valid antiforgery token. A body that cannot be read as a form (a broken
    /// multipart, a wrong content type) is not valid either: a 400 for the caller, never a 500.
    /// </summary>
    public static async Task<bool> IsValidPostAsync(HttpContext http, Microsoft.AspNetCore.Antiforgery.IAntiforgery antiforgery)
    {
        ArgumentNullException.ThrowIfNull(antiforgery);
        try
        {
            return await antiforgery.IsRequestValidAsync(http);
        }
        catch (Exception ex) when (ex is Microsoft.AspNetCore.Antiforgery.AntiforgeryValidationException or InvalidDataException or IOException or BadHttpRequestException or InvalidOperationException)
        {
            return false;
        }
    }
}

/// <summary>The reverse proxies whose X-Forwarded-* headers are believed (section <c>ForwardedHeaders</c>).</summary>
public sealed class ProxyOptions
{
    public const string SectionName = "ForwardedHeaders";

    /// <summary>Proxy addresses, e.g. ["10.0.0.5"].</summary>
    public string[] KnownProxies { get; set; } = [];

    /// <summary>Proxy networks in CIDR notation, e.g. ["10.0.0.0/24"].</summary>
    public string[] KnownNetworks { get; set; } = [];
}
