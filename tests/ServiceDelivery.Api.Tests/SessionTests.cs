using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using ServiceDelivery.Testing;

namespace ServiceDelivery.Api.Tests;

/// <summary>
/// Sessions as the probe of the running service found them, against real host processes: a Development host and a
/// Production host on one database (the Development host even holds the production signing key, a plausible
/// mistake). What a development surface minted never works in production; sign-out and revocation end a session
/// for every copy of its cookie; the pages' headers, hub and redirects hold against another site.
/// </summary>
public sealed class SessionTests(SessionTests.Hosts hosts) : IClassFixture<SessionTests.Hosts>
{
    public const string ProductionKey = "production-signing-key-0123456789-0123456789";

    [Fact]
    public async Task The_token_script_of_the_docker_stack_mints_tokens_a_production_host_accepts_and_only_with_its_key()
    {
        async Task<string> MintAsync(string key)
        {
            var start = new System.Diagnostics.ProcessStartInfo("bash", [Path.Combine(RepositoryRoot.Path, "docker", "token.sh"), "u-1001", "buyer", "张三"])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            start.Environment["AUTH_SIGNING_KEY"] = key;
            using var process = System.Diagnostics.Process.Start(start)!;
            var token = (await process.StandardOutput.ReadToEndAsync()).Trim();
            await process.WaitForExitAsync();
            process.ExitCode.Should().Be(0, await process.StandardError.ReadToEndAsync());
            return token;
        }

        using var http = new HttpClient();
        using var good = new HttpRequestMessage(HttpMethod.Get, hosts.Production.BaseUrl + "/api/v1/deliveries");
        good.Headers.Authorization = new AuthenticationHeaderValue("Bearer", await MintAsync(ProductionKey));
        (await http.SendAsync(good)).StatusCode.Should().Be(HttpStatusCode.OK, "the README's way to try the stack without an identity provider works");

        using var forged = new HttpRequestMessage(HttpMethod.Get, hosts.Production.BaseUrl + "/api/v1/deliveries");
        forged.Headers.Authorization = new AuthenticationHeaderValue("Bearer", await MintAsync("another-key-of-at-least-32-characters-0123456789"));
        (await http.SendAsync(forged)).StatusCode.Should().Be(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task A_cookie_from_the_development_sign_in_opens_nothing_on_a_production_host_sharing_the_database()
    {
        var cookie = await PageSignIn.SignInAsync(hosts.Development.BaseUrl, "intruder", "platform,designer");
        using var http = PageSignIn.NewClient();

        (await PageSignIn.GetAsync(http, hosts.Development.BaseUrl + "/console", cookie)).StatusCode.Should().Be(HttpStatusCode.OK, "the cookie works where it was made");
        foreach (var path in new[] { "/console", "/console/deliveries.csv", "/console/jobs", "/studio" })
        {
            var response = await PageSignIn.GetAsync(http, hosts.Production.BaseUrl + path, cookie);
            response.StatusCode.Should().Be(HttpStatusCode.Redirect, path);
            response.Headers.Location!.ToString().Should().Contain("/signin", $"{path} asks a production visitor to sign in");
        }
    }

    [Fact]
    public async Task A_development_token_signed_with_the_production_key_is_refused_by_production_while_a_real_one_is_accepted()
    {
        using var http = new HttpClient();
        var minted = await (await http.PostAsJsonAsync(hosts.Development.BaseUrl + "/api/v1/dev/tokens", new { sub = "intruder", roles = new[] { "platform" } }))
            .Content.ReadFromJsonAsync<JsonElement>();
        var devToken = minted.GetProperty("token").GetString()!;
        var identityProviderToken = Sign(ProductionKey, ("sub", "op-3001"), ("name", "王五"), ("role", "platform"));

        (await GetAsync(http, hosts.Development.BaseUrl + "/api/v1/deliveries", devToken)).Should().Be(HttpStatusCode.OK);
        (await GetAsync(http, hosts.Production.BaseUrl + "/api/v1/deliveries", devToken)).Should().Be(HttpStatusCode.Unauthorized, "the development mark is refused outside Development");
        (await GetAsync(http, hosts.Production.BaseUrl + "/api/v1/deliveries", identityProviderToken)).Should().Be(HttpStatusCode.OK, "the key itself is right: only the mark is refused");
    }

    [Fact]
    public async Task Sign_out_ends_the_session_for_every_copy_of_its_cookie_and_needs_the_pages_own_form()
    {
        var cookie = await PageSignIn.SignInAsync(hosts.Development.BaseUrl, "op-signout", "platform");
        using var http = PageSignIn.NewClient();

        using (var bare = new HttpRequestMessage(HttpMethod.Post, hosts.Development.BaseUrl + "/signout"))
        {
            bare.Headers.Add("Cookie", cookie);
            (await http.SendAsync(bare)).StatusCode.Should().Be(HttpStatusCode.BadRequest, "a post without the page's token is not the person's");
        }

        using (var crossSite = new HttpRequestMessage(HttpMethod.Post, hosts.Development.BaseUrl + "/signout") { Content = new FormUrlEncodedContent(new Dictionary<string, string>()) })
        {
            crossSite.Headers.Add("Cookie", cookie);
            crossSite.Headers.Add("Origin", "http://evil.example");
            (await http.SendAsync(crossSite)).StatusCode.Should().Be(HttpStatusCode.BadRequest, "another site's form has no token");
        }

        (await PageSignIn.GetAsync(http, hosts.Development.BaseUrl + "/console", cookie)).StatusCode.Should().Be(HttpStatusCode.OK, "the refused posts ended nothing");

        var signedOut = await PageSignIn.SignOutAsync(hosts.Development.BaseUrl, cookie);

        signedOut.StatusCode.Should().Be(HttpStatusCode.Redirect);
        var replayed = await PageSignIn.GetAsync(http, hosts.Development.BaseUrl + "/console", cookie);
        replayed.StatusCode.Should().Be(HttpStatusCode.Redirect, "a cookie saved before sign-out is worth nothing after it");
        replayed.Headers.Location!.ToString().Should().Contain("/signin");
    }

    [Fact]
    public async Task An_operator_revokes_a_persons_sessions_and_each_of_their_cookies_stops_working_on_every_host()
    {
        var phone = await PageSignIn.SignInAsync(hosts.Development.BaseUrl, "u-left", "buyer");
        var laptop = await PageSignIn.SignInAsync(hosts.Development.BaseUrl, "u-left", "buyer");
        var colleague = await PageSignIn.SignInAsync(hosts.Development.BaseUrl, "u-stays", "buyer");
        using var http = new HttpClient();
        var platform = Sign(ProductionKey, ("sub", "op-3001"), ("name", "王五"), ("role", "platform"));

        var listed = await SendAsync(http, HttpMethod.Get, hosts.Production.BaseUrl + "/api/v1/operations/sessions?subject=u-left", platform);
        listed.GetArrayLength().Should().Be(2, "both of the person's sessions are listed, on any host");
        var revoked = await SendAsync(http, HttpMethod.Post, hosts.Production.BaseUrl + "/api/v1/operations/sessions/revoke", platform, new { subject = "u-left" });

        revoked.GetProperty("revoked").GetInt32().Should().Be(2);
        using var pages = PageSignIn.NewClient();
        (await PageSignIn.GetAsync(pages, hosts.Development.BaseUrl + "/studio", phone)).Headers.Location?.ToString().Should().Contain("/signin");
        (await PageSignIn.GetAsync(pages, hosts.Development.BaseUrl + "/studio", laptop)).Headers.Location?.ToString().Should().Contain("/signin");
        (await PageSignIn.GetAsync(pages, hosts.Development.BaseUrl + "/studio", colleague)).StatusCode.Should().Be(HttpStatusCode.Forbidden, "only that person is signed out: the other buyer is still known (and may not use the Studio)");
        (await http.PostAsJsonAsync(hosts.Production.BaseUrl + "/api/v1/operations/sessions/revoke", new { subject = "" }))
            .StatusCode.Should().Be(HttpStatusCode.Unauthorized, "no token, no revocation");
    }

    [Fact]
    public async Task The_interactive_hub_answers_only_signed_in_people_on_this_hosts_own_pages()
    {
        var cookie = await PageSignIn.SignInAsync(hosts.Development.BaseUrl, "op-hub", "platform");
        using var http = PageSignIn.NewClient();

        (await Negotiate(http, null, hosts.Development.BaseUrl)).Should().Be(HttpStatusCode.Unauthorized, "no circuit (and no large messages) before sign-in");
        (await Negotiate(http, cookie, "http://evil.example")).Should().Be(HttpStatusCode.Forbidden, "another site cannot open a circuit with the visitor's cookie");
        (await Negotiate(http, cookie, hosts.Development.BaseUrl)).Should().Be(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Pages_cannot_be_framed_carry_a_content_security_policy_and_use_the_cookie_whatever_else_comes_along()
    {
        var cookie = await PageSignIn.SignInAsync(hosts.Development.BaseUrl, "op-headers", "platform");
        using var http = PageSignIn.NewClient();

        var jobs = await PageSignIn.GetAsync(http, hosts.Development.BaseUrl + "/console/jobs", cookie);
        var page = await PageSignIn.GetAsync(http, hosts.Development.BaseUrl + "/console", cookie, r => r.Headers.Authorization = new AuthenticationHeaderValue("Basic", "cHJveHk6c2VjcmV0"));

        jobs.StatusCode.Should().Be(HttpStatusCode.OK);
        jobs.Headers.GetValues("X-Frame-Options").Should().Equal("DENY");
        jobs.Headers.GetValues("Content-Security-Policy").Single().Should().Contain("frame-ancestors 'none'");
        page.StatusCode.Should().Be(HttpStatusCode.OK, "a Basic header added by a proxy does not hide the cookie");
        var policy = page.Headers.GetValues("Content-Security-Policy").Single();
        policy.Should().Contain("script-src 'self'").And.Contain("frame-ancestors 'none'").And.Contain("object-src 'none'").And.NotContain("unsafe-eval");
        page.Headers.GetValues("X-Content-Type-Options").Should().Equal("nosniff");
        page.Headers.GetValues("Referrer-Policy").Should().Equal("same-origin");
    }

    [Fact]
    public async Task Behind_a_configured_tls_proxy_the_cookies_are_secure_and_nobody_else_can_claim_https()
    {
        using var http = PageSignIn.NewClient();
        Action<HttpRequestMessage> viaTls = r => r.Headers.Add("X-Forwarded-Proto", "https");

        var proxied = await PageSignIn.GetAsync(http, hosts.Production.BaseUrl + "/culture?lang=en&returnUrl=/signin", null, viaTls);
        var unconfigured = await PageSignIn.GetAsync(http, hosts.Development.BaseUrl + "/culture?lang=en&returnUrl=/signin", null, viaTls);

        proxied.Headers.GetValues("Set-Cookie").Single().Should().Contain("secure", "the production host trusts 127.0.0.1 as its proxy");
        unconfigured.Headers.GetValues("Set-Cookie").Single().Should().NotContain("secure", "a host with no configured proxy believes no X-Forwarded-Proto");
    }

    [Theory]
    [InlineData("/culture?lang=en&returnUrl=%2F%09%2Fevil.example", "/")]
    [InlineData("/culture?lang=en&returnUrl=%2F%0A%2Fevil.example", "/")]
    [InlineData("/culture?lang=en&returnUrl=%2F%5Cevil.example", "/")]
    [InlineData("/culture?lang=zh-CN&returnUrl=%2F%E3%80%82x", "/%E3%80%82x")]
    [InlineData("/culture?lang=zh-CN&returnUrl=%2Fconsole%3Fq%3D%E5%BC%A0", "/console?q=%E5%BC%A0")]
    public async Task Return_addresses_stay_on_this_host_and_never_fail(string path, string location)
    {
        using var http = PageSignIn.NewClient();

        var response = await PageSignIn.GetAsync(http, hosts.Development.BaseUrl + path, null);

        response.StatusCode.Should().Be(HttpStatusCode.Redirect);
        response.Headers.Location!.OriginalString.Should().Be(location);
    }

    [Fact]
    public async Task Malformed_page_addresses_are_answered_without_a_server_error()
    {
        var cookie = await PageSignIn.SignInAsync(hosts.Development.BaseUrl, "op-malformed", "platform");
        using var http = PageSignIn.NewClient();

        foreach (var path in new[] { "/console/deliveries?saved=not-a-guid", "/console/jobs/stats", "/signin?failed=abc", "/signin?returnUrl=/%E3%80%82x", "/console/deliveries/not-a-guid" })
        {
            var response = await PageSignIn.GetAsync(http, hosts.Development.BaseUrl + path, cookie);
            ((int)response.StatusCode).Should().BeLessThan(500, path);
        }
    }

    [Fact]
    public async Task The_production_sign_in_page_does_not_call_itself_a_development_page()
    {
        using var http = PageSignIn.NewClient();

        var html = await (await PageSignIn.GetAsync(http, hosts.Production.BaseUrl + "/signin", null)).Content.ReadAsStringAsync();

        html.Should().NotContain("开发环境").And.Contain("<title>");
        html.Should().NotContain("name=\"roles\"", "no demo sign-in form outside Development");
    }

    private async Task<HttpStatusCode> Negotiate(HttpClient http, string? cookie, string origin)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, hosts.Development.BaseUrl + "/_blazor/negotiate?negotiateVersion=1");
        request.Headers.Add("Origin", origin);
        if (cookie is not null)
        {
            request.Headers.Add("Cookie", cookie);
        }

        using var response = await http.SendAsync(request);
        return response.StatusCode;
    }

    private static async Task<HttpStatusCode> GetAsync(HttpClient http, string url, string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await http.SendAsync(request);
        return response.StatusCode;
    }

    private static async Task<JsonElement> SendAsync(HttpClient http, HttpMethod method, string url, string token, object? body = null)
    {
        using var request = new HttpRequestMessage(method, url) { Content = body is null ? null : JsonContent.Create(body) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        response.IsSuccessStatusCode.Should().BeTrue(text);
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    /// <summary>A token as the marketplace's identity provider would sign it with the shared key: no development mark.</summary>
    private static string Sign(string key, params (string Type, string Value)[] claims) =>
        new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = "servicedelivery",
            Audience = "servicedelivery-api",
            Subject = new System.Security.Claims.ClaimsIdentity(claims.Select(c => new System.Security.Claims.Claim(c.Type, c.Value))),
            Expires = DateTime.UtcNow.AddHours(1),
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(Encoding.UTF8.GetBytes(key)), SecurityAlgorithms.HmacSha256),
        });

    /// <summary>A Development host and a Production host on one database, both given the production signing key.</summary>
    public sealed class Hosts : IAsyncLifetime
    {
        public HostProcess Development { get; } = new EnvironmentHost("Development", null);

        public HostProcess Production { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            await Development.InitializeAsync();
            Production = new EnvironmentHost("Production", Development.ConnectionString);
            await Production.InitializeAsync();
        }

        public async Task DisposeAsync()
        {
            await Production.DisposeAsync();
            await Development.DisposeAsync();
        }
    }

    private sealed class EnvironmentHost(string environment, string? database) : HostProcess
    {
        protected override Task<string> CreateDatabaseAsync() => database is null ? base.CreateDatabaseAsync() : Task.FromResult(database);

        protected override void Configure(IDictionary<string, string?> settings)
        {
            settings["ASPNETCORE_ENVIRONMENT"] = environment;
            settings["Auth__SigningKey"] = ProductionKey;
            settings["Evidence__SigningKey"] = HostFactory.AnchorKey;
            if (environment == "Production")
            {
                // The production host sits behind a TLS proxy on this machine.
                settings["ForwardedHeaders__KnownProxies__0"] = "127.0.0.1";
            }
        }
    }
}
