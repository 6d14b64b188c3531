using System.Globalization;
using System.Net;
using System.Security.Claims;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Localization;
using Microsoft.AspNetCore.Mvc;
using MudBlazor.Services;
using ServiceDelivery.Application.Definitions;
using ServiceDelivery.Host.Auth;
using ServiceDelivery.Persistence;
using ServiceDelivery.Web;
using ServiceDelivery.Web.Components;

namespace ServiceDelivery.Host.Hosting;

/// <summary>
/// The web pages (ServiceDelivery.Web) on the API's port: cookie sign-in for people next to bearer tokens for
/// machines, the development sign-in, the language switch, and data-protection keys in PostgreSQL so every host
/// reads every cookie.
/// </summary>
public static class WebPages
{
    /// <summary>Picks the scheme per request: bearer tokens for the API and for any request that brings one, cookies for pages.</summary>
    public const string Scheme = "ServiceDelivery";

    /// <summary>The identity provider's scheme for pages (OpenID Connect), when configured.</summary>
    public const string IdentityProviderScheme = "oidc";

    private static readonly string[] IdentityProviderScopes = ["openid", "profile", "roles"];

    public static void AddServiceDeliveryWeb(this WebApplicationBuilder builder, bool devSignIn, AuthOptions auth)
    {
        ArgumentNullException.ThrowIfNull(auth);
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        // A designer's whole document travels in one message when the JSON editor changes (SignalR's default limit,
        // 32 KB, would silently drop a large paste): allow the definitions' own limit, in UTF-8, plus room.
        services.AddRazorComponents().AddInteractiveServerComponents()
            .AddHubOptions(hub => hub.MaximumReceiveMessageSize = (DefinitionCommands.MaxDocumentLength * 3) + (64 * 1024));
        services.AddMudServices();
        services.AddCascadingAuthenticationState();
        // One application name per environment: a cookie or antiforgery token protected by a Development host can
        // never be read by a Production host sharing the database (and so its key ring).
        services.AddDataProtection().SetApplicationName("servicedelivery-" + builder.Environment.EnvironmentName.ToLowerInvariant()).PersistKeysToDbContext<ServiceDeliveryDbContext>();
        var sessions = builder.Configuration.GetSection(PageSessionOptions.SectionName).Get<PageSessionOptions>() ?? new PageSessionOptions();
        services.AddSingleton(sessions);
        services.AddSingleton<PageSessionStore>();
        services.AddScoped<Microsoft.AspNetCore.Components.Authorization.AuthenticationStateProvider, SessionRevalidation>();
        services.AddOptions<CookieAuthenticationOptions>(CookieAuthenticationDefaults.AuthenticationScheme)
            .Configure<PageSessionStore>((cookie, store) => cookie.SessionStore = store);
        var development = builder.Environment.IsDevelopment();
        services.AddSingleton(new DevSignInOptions
        {
            Enabled = devSignIn,
            IdentityProvider = auth.PagesUseIdentityProvider,
            Identities = [.. DemoData.Users.Select(u => new SignInIdentity(u.Id, u.Name, u.Email, u.Roles, u.ProviderId))],
        });

        var authentication = services.AddAuthentication();
        authentication
            // By path alone: a header a proxy adds to a page request (Basic, say) must not turn the page into a 401.
            .AddPolicyScheme(Scheme, Scheme, options => options.ForwardDefaultSelector = context =>
                context.Request.Path.StartsWithSegments("/api")
                    ? JwtBearerDefaults.AuthenticationScheme
                    : CookieAuthenticationDefaults.AuthenticationScheme)
            .AddCookie(cookie =>
            {
                cookie.Cookie.Name = "sd-auth";
                cookie.Cookie.HttpOnly = true;
                cookie.Cookie.SameSite = SameSiteMode.Lax;
                cookie.LoginPath = "/signin";
                cookie.ExpireTimeSpan = sessions.Lifetime;
                cookie.SlidingExpiration = true;
                cookie.Events.OnValidatePrincipal = context =>
                {
                    if (!development && DevelopmentMark.IsOn(context.Principal))
                    {
                        // Signed in on a development page: never a session here.
                        context.RejectPrincipal();
                    }

                    return Task.CompletedTask;
                };
                if (auth.PagesUseIdentityProvider && !devSignIn)
                {
                    // Someone not signed in goes straight to the identity provider and comes back with the cookie.
                    cookie.ForwardChallenge = IdentityProviderScheme;
                }

                // A page the role may not use is a 403 with a page that says why, not a redirect.
                cookie.Events.OnRedirectToAccessDenied = async context =>
                {
                    context.Response.StatusCode = StatusCodes.Status403Forbidden;
                    context.Response.ContentType = "text/html; charset=utf-8";
                    await context.Response.WriteAsync(ForbiddenPage(context.HttpContext));
                };
            });

        if (auth.PagesUseIdentityProvider)
        {
            authentication.AddOpenIdConnect(IdentityProviderScheme, oidc =>
            {
                oidc.Authority = auth.Authority;
                oidc.RequireHttpsMetadata = auth.RequireHttpsMetadata;
                oidc.ClientId = auth.ClientId;
                oidc.ClientSecret = string.IsNullOrWhiteSpace(auth.ClientSecret) ? null : auth.ClientSecret;
                oidc.ResponseType = "code";
                oidc.UsePkce = true;
                oidc.SignInScheme = CookieAuthenticationDefaults.AuthenticationScheme;
                oidc.CallbackPath = "/signin-oidc";
                oidc.SignedOutCallbackPath = "/signout-oidc";
                oidc.SaveTokens = false;
                // Secure behind HTTPS as always; a plain-HTTP lab (and the tests) still gets its correlation cookies.
                oidc.CorrelationCookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
                oidc.NonceCookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
                // Our claim names as the provider sends them (sub, name, role, provider_id): the same as in API tokens.
                oidc.MapInboundClaims = false;
                oidc.TokenValidationParameters.NameClaimType = "name";
                oidc.TokenValidationParameters.RoleClaimType = "role";
                oidc.Scope.Clear();
                foreach (var scope in IdentityProviderScopes)
                {
                    oidc.Scope.Add(scope);
                }

                // A refused or broken sign-in is explained on the sign-in page, not a 500.
                oidc.Events.OnRemoteFailure = context =>
                {
                    context.Response.Redirect("/signin?failed=1");
                    context.HandleResponse();
                    return Task.CompletedTask;
                };
                oidc.Events.OnTokenValidated = context =>
                {
                    if (string.IsNullOrWhiteSpace(context.Principal?.FindFirst("sub")?.Value))
                    {
                        context.Fail("The ID token has no 'sub' claim.");
                    }

                    return Task.CompletedTask;
                };
            });
        }
    }

    public static void MapServiceDeliveryWeb(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        // Static files as middleware, not endpoints: MapStaticAssets adds a catch-all route in Development that
        // would turn a POST to an unknown API path into 405 instead of 404.
        app.UseStaticFiles();
        app.MapRazorComponents<App>().AddInteractiveServerRenderMode();

        // Pages name their icon; what asks for the conventional address (the jobs dashboard, a bookmark) gets the same one.
        app.MapGet("/favicon.ico", () => Results.Redirect("/_content/ServiceDelivery.Web/favicon.svg", permanent: true)).AllowAnonymous().ExcludeFromDescription();

        // Operators land on their console, buyers and providers on the delivery centre, designers on the Studio.
        app.MapGet("/", (HttpContext http) => Results.Redirect(
            http.User.IsInRole("platform") ? "/console"
            : http.User.IsInRole("buyer") || http.User.IsInRole("provider") ? "/deliveries"
            : "/studio")).ExcludeFromDescription();
        app.MapGet("/culture", (string? lang, string? returnUrl, HttpContext http) =>
        {
            var culture = lang == "en" ? "en" : "zh-CN";
            http.Response.Cookies.Append(UiText.CultureCookie, CookieRequestCultureProvider.MakeCookieValue(new RequestCulture(culture)),
                new CookieOptions { MaxAge = TimeSpan.FromDays(365), SameSite = SameSiteMode.Lax, HttpOnly = true, IsEssential = true, Secure = http.Request.IsHttps });
            return Results.LocalRedirect(PageSecurity.LocalUrl(returnUrl));
        }).AllowAnonymous().ExcludeFromDescription();

        var identityProvider = app.Services.GetRequiredService<DevSignInOptions>().IdentityProvider;
        // A plain form post with the page's antiforgery token; anything else (another site's post, a bare POST without
        // a form, which the antiforgery middleware would let through) ends no session.
        app.MapPost("/signout", async (HttpContext http, IAntiforgery antiforgery) =>
        {
            if (!await PageSecurity.IsValidPostAsync(http, antiforgery))
            {
                return Results.BadRequest();
            }

            await http.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
            if (identityProvider)
            {
                // End the provider's session too, then come back to the sign-in page.
                return Results.SignOut(new AuthenticationProperties { RedirectUri = "/signin" }, [IdentityProviderScheme]);
            }

            return Results.LocalRedirect("/signin");
        }).DisableAntiforgery().ExcludeFromDescription();

        if (identityProvider)
        {
            app.MapGet("/signin/oidc", (string? returnUrl) =>
                Results.Challenge(new AuthenticationProperties { RedirectUri = PageSecurity.LocalUrl(returnUrl) }, [IdentityProviderScheme]))
                .AllowAnonymous().ExcludeFromDescription();
        }

        if (app.Services.GetRequiredService<DevSignInOptions>().Enabled)
        {
            app.MapPost("/signin", SignInAsync).AllowAnonymous().ExcludeFromDescription();
        }
    }

    /// <summary>zh-CN unless the language cookie says en; only for pages (the API reads Accept-Language itself).</summary>
    public static void UseServiceDeliveryPageCulture(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.UseWhen(context => !context.Request.Path.StartsWithSegments("/api"), pages => pages.UseRequestLocalization(options =>
        {
            options.SetDefaultCulture("zh-CN").AddSupportedCultures("zh-CN", "en").AddSupportedUICultures("zh-CN", "en");
            options.RequestCultureProviders = [new CookieRequestCultureProvider { CookieName = UiText.CultureCookie }];
        }));
    }

    private static async Task<IResult> SignInAsync([FromForm] SignInForm form, HttpContext http)
    {
        var roles = (form.Roles ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (string.IsNullOrWhiteSpace(form.Sub) || roles.Length == 0 || (roles.Contains("provider") && string.IsNullOrWhiteSpace(form.ProviderId)))
        {
            return Results.LocalRedirect("/signin");
        }

        var claims = new List<Claim> { new("sub", form.Sub.Trim()), new("name", string.IsNullOrWhiteSpace(form.Name) ? form.Sub.Trim() : form.Name.Trim()), DevelopmentMark.Claim };
        claims.AddRange(roles.Select(r => new Claim("role", r)));
        if (!string.IsNullOrWhiteSpace(form.ProviderId))
        {
            claims.Add(new Claim("provider_id", form.ProviderId.Trim()));
        }

        var identity = new ClaimsIdentity(claims, CookieAuthenticationDefaults.AuthenticationScheme, "name", "role");
        await http.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme, new ClaimsPrincipal(identity));
        return Results.LocalRedirect(PageSecurity.LocalUrl(form.ReturnUrl));
    }

    public sealed record SignInForm(string? Sub, string? Name, string? Roles, string? ProviderId, string? ReturnUrl);

    /// <summary>
    /// Error statuses without a body: a page for a person's browser (404 in their language with the way back, the
    /// same for a page that does not exist and a delivery they may not see), problem details for everyone else.
    /// </summary>
    public static async Task StatusPageAsync(StatusCodeContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var http = context.HttpContext;
        var wantsPage = !http.Request.Path.StartsWithSegments("/api")
            && http.Request.GetTypedHeaders().Accept.Any(a => a.MediaType.Equals("text/html", StringComparison.OrdinalIgnoreCase));
        if (wantsPage && http.Response.StatusCode == StatusCodes.Status404NotFound)
        {
            http.Response.ContentType = "text/html; charset=utf-8";
            await http.Response.WriteAsync(NotFoundPage(http));
            return;
        }

        var problems = http.RequestServices.GetRequiredService<IProblemDetailsService>();
        await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = http, ProblemDetails = { Status = http.Response.StatusCode } });
    }

    private static string NotFoundPage(HttpContext http) => InCulture(http, () =>
    {
        var back = http.User.IsInRole("buyer") || http.User.IsInRole("provider") ? "/deliveries" : "/";
        return StatusPage(UiText.Culture, "404 · " + UiText.T("notFound.title"), UiText.T("notFound.body"), back, UiText.T(back == "/deliveries" ? "notFound.toCenter" : "notFound.home"), "not-found-title");
    });

    private static string ForbiddenPage(HttpContext http) => InCulture(http, () =>
    {
        var user = http.User;
        var name = user.FindFirst("name")?.Value ?? "?";
        var roles = string.Join(UiText.IsEnglish ? ", " : "、", user.FindAll("role").Select(r => UiText.T("role." + r.Value)));
        return StatusPage(UiText.Culture, "403 · " + UiText.T("forbidden.title"), UiText.T("forbidden.body", name, roles), "/signin", UiText.T("forbidden.switch"), "forbidden-title");
    });

    /// <summary>Runs <paramref name="render"/> in the page language (the language cookie; these answers come before the page's localization).</summary>
    private static string InCulture(HttpContext http, Func<string> render)
    {
        var culture = http.Request.Cookies[UiText.CultureCookie]?.Contains("en", StringComparison.Ordinal) == true ? "en" : "zh-CN";
        var previous = CultureInfo.CurrentUICulture;
        CultureInfo.CurrentUICulture = new CultureInfo(culture);
        try
        {
            return render();
        }
        finally
        {
            CultureInfo.CurrentUICulture = previous;
        }
    }

    private static string StatusPage(string culture, string title, string body, string href, string link, string testId)
    {
        static string E(string text) => WebUtility.HtmlEncode(text);
        return $$"""
            <!DOCTYPE html><html lang="{{culture}}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>{{E(title)}}</title>
            <style>body{font-family:"Noto Sans CJK SC","Noto Sans SC","PingFang SC","Microsoft YaHei",sans-serif;background:#f5f7fa;margin:0}
            main{max-width:560px;margin:96px auto;background:#fff;border-radius:8px;box-shadow:0 1px 4px #0002;padding:32px 40px}
            @media (max-width:600px){main{margin:24px 12px;padding:24px} }
            h1{font-size:28px;margin:0 0 16px;color:#263238}p{color:#455a64;line-height:1.6}a{display:inline-block;margin-top:16px;background:#594ae2;color:#fff;padding:8px 18px;border-radius:4px;text-decoration:none}</style></head>
            <body><main><h1 data-testid="{{testId}}">{{E(title)}}</h1><p>{{E(body)}}</p>
            <a href="{{href}}">{{E(link)}}</a></main></body></html>
            """;
    }
}
