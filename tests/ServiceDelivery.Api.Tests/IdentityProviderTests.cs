using System.Net;
using System.Net.Http.Json;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Abstractions;
using OpenIddict.Server;
using ServiceDelivery.Application.Common;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace ServiceDelivery.Api.Tests;

/// <summary>
/// Production sign-in: tokens issued by the marketplace's identity provider (found through its OpenID Connect
/// metadata and JWKS) are accepted next to the HMAC-signed ones; a real OpenIddict server plays the provider.
/// </summary>
public sealed class IdentityProviderTests
{
    [Theory]
    [InlineData("RS256")]
    [InlineData("ES256")]
    public async Task A_token_from_the_configured_identity_provider_is_accepted_and_one_from_another_is_not(string algorithm)
    {
        await using var trusted = await IdentityProvider.StartAsync(algorithm);
        await using var stranger = await IdentityProvider.StartAsync(algorithm);
        await using var host = await HostFactory.CreateAsync(new Dictionary<string, string?>
        {
            ["Auth:Authority"] = trusted.Issuer,
            ["Auth:RequireHttpsMetadata"] = "false",
        });

        var token = await trusted.ClientCredentialsTokenAsync("marketplace-gateway", roles: ["marketplace"]);
        var foreign = await stranger.ClientCredentialsTokenAsync("marketplace-gateway", roles: ["marketplace"]);

        token.Split('.')[0].Should().NotBeEmpty();
        JsonDocument.Parse(Base64UrlEncoder.Decode(token.Split('.')[0])).RootElement.GetProperty("alg").GetString().Should().Be(algorithm);
        (await GetAsync(host, token, "/api/v1/deliveries")).Should().Be(HttpStatusCode.OK, "the provider's token carries the marketplace role");
        (await GetAsync(host, token, "/api/v1/tickets")).Should().Be(HttpStatusCode.Forbidden, "its roles are checked like any other token's");
        (await GetAsync(host, foreign, "/api/v1/deliveries")).Should().Be(HttpStatusCode.Unauthorized, "another issuer's keys are not trusted");
        (await GetAsync(host, host.Services.GetRequiredService<ServiceDelivery.Host.Auth.TokenIssuer>().Issue("op-1", "王五", null, ["platform"], null), "/api/v1/deliveries"))
            .Should().Be(HttpStatusCode.OK, "HMAC-signed tokens keep working next to the provider's");
    }

    [Fact]
    public async Task A_provider_token_for_another_audience_is_refused()
    {
        await using var trusted = await IdentityProvider.StartAsync("RS256");
        await using var host = await HostFactory.CreateAsync(new Dictionary<string, string?>
        {
            ["Auth:Authority"] = trusted.Issuer,
            ["Auth:RequireHttpsMetadata"] = "false",
        });

        var token = await trusted.ClientCredentialsTokenAsync("marketplace-gateway", roles: ["marketplace"], audience: "some-other-api");

        (await GetAsync(host, token, "/api/v1/deliveries")).Should().Be(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task A_person_signs_in_to_the_pages_at_the_identity_provider_with_pkce_and_gets_the_pages_cookie()
    {
        await using var provider = await IdentityProvider.StartAsync("RS256");
        // The real clock: the sign-in's correlation cookie must not look expired to the client.
        await using var host = await HostFactory.CreateAsync(new Dictionary<string, string?>
        {
            ["Auth:Authority"] = provider.Issuer,
            ["Auth:RequireHttpsMetadata"] = "false",
            ["Auth:ClientId"] = IdentityProvider.PagesClient,
            ["Auth:ClientSecret"] = "secret",
            ["Dev:Enabled"] = "false",
        }, AdjustableClock.FrozenAt(DateTimeOffset.UtcNow));
        var browser = host.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });
        using var idp = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false });

        var challenge = await browser.GetAsync("/studio");
        challenge.StatusCode.Should().Be(HttpStatusCode.Redirect, "someone not signed in is sent to the identity provider");
        var authorize = challenge.Headers.Location!;
        authorize.ToString().Should().StartWith(provider.Issuer + "connect/authorize");
        var query = System.Web.HttpUtility.ParseQueryString(authorize.Query);
        query["client_id"].Should().Be(IdentityProvider.PagesClient);
        query["response_type"].Should().Be("code");
        query["code_challenge_method"].Should().Be("S256");
        query["code_challenge"].Should().NotBeNullOrEmpty();

        // The provider signs the person in and posts the code back (form_post).
        var form = await (await idp.GetAsync(authorize)).Content.ReadAsStringAsync();
        var action = System.Text.RegularExpressions.Regex.Match(form, "action=\"([^\"]+)\"").Groups[1].Value;
        var fields = System.Text.RegularExpressions.Regex.Matches(form, "name=\"([^\"]+)\" value=\"([^\"]*)\"")
            .ToDictionary(m => WebUtility.HtmlDecode(m.Groups[1].Value), m => WebUtility.HtmlDecode(m.Groups[2].Value));
        fields.Should().ContainKey("code", form);
        var callback = await browser.PostAsync(new Uri(WebUtility.HtmlDecode(action)).PathAndQuery, new FormUrlEncodedContent(fields));
        callback.StatusCode.Should().Be(HttpStatusCode.Redirect, await callback.Content.ReadAsStringAsync() + host.Log);
        callback.Headers.Location!.ToString().Should().Be("/studio");

        var studio = await browser.GetAsync("/studio");
        studio.StatusCode.Should().Be(HttpStatusCode.OK);
        WebUtility.HtmlDecode(await studio.Content.ReadAsStringAsync()).Should().Contain("周九（流程设计）", "the name comes from the ID token");
        var console = await browser.GetAsync("/api/v1/deliveries");
        console.StatusCode.Should().Be(HttpStatusCode.Unauthorized, "the pages' cookie is not an API credential");

        // A callback the provider did not send (replayed, forged, or expired) is explained, not a 500.
        var forged = await browser.PostAsync("/signin-oidc", new FormUrlEncodedContent(new Dictionary<string, string> { ["code"] = "forged", ["state"] = "forged" }));
        forged.StatusCode.Should().Be(HttpStatusCode.Redirect);
        forged.Headers.Location!.ToString().Should().Be("/signin?failed=1");
    }

    private static async Task<HttpStatusCode> GetAsync(HostFactory host, string token, string path)
    {
        var client = host.ClientFor(null);
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        return (await client.GetAsync(path)).StatusCode;
    }

    /// <summary>An OpenIddict server on a loopback port issuing client-credentials tokens signed with one key.</summary>
    private sealed class IdentityProvider : IAsyncDisposable
    {
        private readonly WebApplication _app;

        private IdentityProvider(WebApplication app, string issuer)
        {
            _app = app;
            Issuer = issuer;
        }

        public const string PagesClient = "servicedelivery-pages";

        public string Issuer { get; }

        public static async Task<IdentityProvider> StartAsync(string algorithm)
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            builder.Logging.ClearProviders();
            SecurityKey key = algorithm == "ES256"
                ? new ECDsaSecurityKey(ECDsa.Create(ECCurve.NamedCurves.nistP256)) { KeyId = Guid.NewGuid().ToString("N") }
                : new RsaSecurityKey(RSA.Create(2048)) { KeyId = Guid.NewGuid().ToString("N") };
            builder.Services.AddOpenIddict().AddServer(server =>
            {
                server.SetTokenEndpointUris("connect/token");
                server.SetAuthorizationEndpointUris("connect/authorize");
                server.AllowClientCredentialsFlow();
                server.AllowAuthorizationCodeFlow();
                server.RequireProofKeyForCodeExchange();
                server.RegisterScopes(Scopes.Profile, Scopes.Roles);
                server.EnableDegradedMode(); // no stores: the handlers below decide
                server.AddSigningKey(key);
                server.AddEphemeralEncryptionKey();
                server.DisableAccessTokenEncryption(); // a plain JWT the API can validate with the JWKS
                server.UseAspNetCore().DisableTransportSecurityRequirement();
                server.AddEventHandler<OpenIddictServerEvents.ValidateTokenRequestContext>(handler => handler.UseInlineHandler(context =>
                {
                    if (context.ClientSecret != "secret")
                    {
                        context.Reject(Errors.InvalidClient, "bad secret");
                    }

                    return default;
                }));
                server.AddEventHandler<OpenIddictServerEvents.ValidateAuthorizationRequestContext>(handler => handler.UseInlineHandler(context =>
                {
                    if (context.ClientId != PagesClient)
                    {
                        context.Reject(Errors.InvalidClient, "unknown client");
                    }

                    return default;
                }));

                // The person at the provider: a designer, signed in without a login form (the test is the browser).
                server.AddEventHandler<OpenIddictServerEvents.HandleAuthorizationRequestContext>(handler => handler.UseInlineHandler(context =>
                {
                    var person = new ClaimsIdentity("idp", Claims.Name, Claims.Role);
                    person.SetClaim(Claims.Subject, "d-9001");
                    person.SetClaim(Claims.Name, "周九（流程设计）");
                    person.SetClaims(Claims.Role, ["designer"]);
                    person.SetScopes(context.Request.GetScopes());
                    person.SetDestinations(_ => [Destinations.IdentityToken, Destinations.AccessToken]);
                    context.SignIn(new ClaimsPrincipal(person));
                    return default;
                }));
                server.AddEventHandler<OpenIddictServerEvents.HandleTokenRequestContext>(handler => handler.UseInlineHandler(context =>
                {
                    if (context.Request.IsAuthorizationCodeGrantType())
                    {
                        context.SignIn(context.Principal!);
                        return default;
                    }

                    var identity = new ClaimsIdentity("idp", Claims.Name, Claims.Role);
                    identity.SetClaim(Claims.Subject, context.ClientId);
                    identity.SetClaim(Claims.Name, "云市场网关");
                    identity.SetClaims(Claims.Role, [.. context.Request.GetParameter("roles")?.ToString()?.Split(',') ?? []]);
                    identity.SetResources(context.Request.GetParameter("target_api")?.ToString() ?? "servicedelivery-api");
                    identity.SetDestinations(_ => [Destinations.AccessToken]);
                    context.SignIn(new ClaimsPrincipal(identity));
                    return default;
                }));
            });
            var app = builder.Build();
            await app.StartAsync();
            var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
            return new IdentityProvider(app, address.TrimEnd('/') + "/");
        }

        public async Task<string> ClientCredentialsTokenAsync(string clientId, string[] roles, string? audience = null)
        {
            using var http = new HttpClient();
            var form = new Dictionary<string, string>
            {
                ["grant_type"] = "client_credentials",
                ["client_id"] = clientId,
                ["client_secret"] = "secret",
                ["roles"] = string.Join(',', roles),
            };
            if (audience is not null)
            {
                form["target_api"] = audience;
            }

            using var response = await http.PostAsync(new Uri(new Uri(Issuer), "connect/token"), new FormUrlEncodedContent(form));
            var body = await response.Content.ReadFromJsonAsync<JsonElement>();
            response.StatusCode.Should().Be(HttpStatusCode.OK, body.ToString());
            return body.GetProperty("access_token").GetString()!;
        }

        public async ValueTask DisposeAsync() => await _app.DisposeAsync();
    }
}
