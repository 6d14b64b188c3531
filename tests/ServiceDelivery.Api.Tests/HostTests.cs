using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;
using ServiceDelivery.Application.Common;
using ServiceDelivery.Persistence;
using ServiceDelivery.Testing;

namespace ServiceDelivery.Api.Tests;

/// <summary>The host's own surface: health, the development helpers, the controllable clock.</summary>
public sealed class HostTests : IAsyncLifetime
{
    private HostFactory _host = null!;

    public async Task InitializeAsync() => _host = await HostFactory.CreateAsync();

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task Health_is_served_without_a_token_and_ready_checks_the_database()
    {
        var client = _host.ClientFor(null);

        var live = await client.GetAsync("/health/live");
        var ready = await client.GetAsync("/health/ready");

        live.StatusCode.Should().Be(HttpStatusCode.OK);
        ready.StatusCode.Should().Be(HttpStatusCode.OK);
        var body = await ready.Content.ReadFromJsonAsync<JsonElement>();
        body.GetProperty("status").GetString().Should().Be("Healthy");
        body.GetProperty("checks").GetProperty("database").GetProperty("description").GetString().Should().Contain("migrations applied");
    }

    [Fact]
    public async Task Ready_answers_503_while_the_database_refuses_connections_and_200_again_after()
    {
        var client = _host.ClientFor(null);
        (await client.GetAsync("/health/ready")).StatusCode.Should().Be(HttpStatusCode.OK);
        var database = new NpgsqlConnectionStringBuilder(_host.ConnectionString).Database!;
        var admin = new NpgsqlConnectionStringBuilder(_host.ConnectionString) { Database = "postgres", Pooling = false }.ConnectionString;

        await AdminAsync(admin, $"ALTER DATABASE \"{database}\" ALLOW_CONNECTIONS false; SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{database}'");
        try
        {
            var down = await client.GetAsync("/health/ready");

            down.StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable);
            (await down.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("checks").GetProperty("database").GetProperty("status").GetString()
                .Should().Be("Unhealthy");
            (await client.GetAsync("/health/live")).StatusCode.Should().Be(HttpStatusCode.OK, "liveness does not depend on the database");
        }
        finally
        {
            await AdminAsync(admin, $"ALTER DATABASE \"{database}\" ALLOW_CONNECTIONS true");
        }

        (await client.GetAsync("/health/ready")).StatusCode.Should().Be(HttpStatusCode.OK);
    }

    [Fact]
    public async Task The_ready_check_is_unhealthy_on_a_database_without_the_schema()
    {
        var migrated = await TestDatabase.CreateAsync("health");
        var empty = new NpgsqlConnectionStringBuilder(migrated) { Database = new NpgsqlConnectionStringBuilder(migrated).Database + "_empty" }.ConnectionString;
        await AdminAsync(new NpgsqlConnectionStringBuilder(migrated) { Database = "postgres", Pooling = false }.ConnectionString, $"CREATE DATABASE \"{new NpgsqlConnectionStringBuilder(empty).Database}\"");
        try
        {
            var onEmpty = await ReadyCheck(empty).CheckHealthAsync(new HealthCheckContext());
            var onMigrated = await ReadyCheck(migrated).CheckHealthAsync(new HealthCheckContext());

            onEmpty.Status.Should().Be(HealthStatus.Unhealthy);
            onEmpty.Description.Should().Contain("migration(s) not applied");
            onMigrated.Status.Should().Be(HealthStatus.Healthy);
        }
        finally
        {
            await TestDatabase.DropAsync(empty);
            await TestDatabase.DropAsync(migrated);
        }

        static Host.Hosting.DatabaseReadyCheck ReadyCheck(string connectionString) =>
            new(new PooledDbContextFactory<Persistence.ServiceDeliveryDbContext>(
                new DbContextOptionsBuilder<Persistence.ServiceDeliveryDbContext>().UseServiceDeliveryDatabase(connectionString).Options));
    }

    private static async Task AdminAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    [Fact]
    public async Task Starting_the_host_applies_migrations_and_imports_the_shipped_definitions()
    {
        // An empty database (the other tests' databases are clones of a prepared template): the host does it all.
        var empty = await TestDatabase.CreateEmptyAsync();
        await using (var before = TestDatabase.Context(empty))
        {
            (await before.Database.GetAppliedMigrationsAsync()).Should().BeEmpty("the database starts empty");
        }

        await using var host = await HostFactory.CreateAsync(connectionString: empty);
        _ = host.Services;

        await using var db = TestDatabase.Context(empty);
        (await db.Database.GetPendingMigrationsAsync()).Should().BeEmpty();
        (await db.Database.GetAppliedMigrationsAsync()).Should().NotBeEmpty();
        (await db.DefinitionVersions.Select(d => d.Key + " v" + d.Version).ToListAsync()).Should().Contain("manual-service-delivery v1");
    }

    [Fact]
    public async Task A_dev_token_is_minted_without_a_token_and_checked_for_roles()
    {
        var client = _host.ClientFor(null);

        var ok = await client.PostAsJsonAsync("/api/v1/dev/tokens", new { sub = "u-1", name = "张三", email = "a@b.c", roles = new[] { "buyer" } });
        var providerWithoutOrg = await client.PostAsJsonAsync("/api/v1/dev/tokens", new { sub = "s-1", roles = new[] { "provider" } });
        var unknownRole = await client.PostAsJsonAsync("/api/v1/dev/tokens", new { sub = "x", roles = new[] { "root" } });

        ok.StatusCode.Should().Be(HttpStatusCode.OK);
        (await ok.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("token").GetString().Should().StartWith("eyJ");
        providerWithoutOrg.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await providerWithoutOrg.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString().Should().Be("validation_failed");
        unknownRole.StatusCode.Should().Be(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task The_clock_is_the_platforms_and_advancing_it_fires_every_timer_due_before_answering()
    {
        var delivery = await HostTestData.AcceptingAsync(_host.Services, "ORD-CLOCK");
        var anonymous = _host.ClientFor(null);
        var client = _host.ClientFor(HostTestData.Platform);

        (await anonymous.GetAsync("/api/v1/dev/clock")).StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        (await _host.ClientFor(HostTestData.Buyer).PostAsJsonAsync("/api/v1/dev/clock/advance", new { by = "P20D" })).StatusCode.Should().Be(HttpStatusCode.Forbidden, "a buyer must not fire every delivery's timers");
        var now = await client.GetFromJsonAsync<JsonElement>("/api/v1/dev/clock");
        now.GetProperty("now").GetDateTimeOffset().Should().Be(HostFactory.T0);
        var early = await client.PostAsJsonAsync("/api/v1/dev/clock/advance", new { by = "P14DT23H" });
        (await StageAsync(delivery.Id)).Should().Be("accepting");
        var advanced = await client.PostAsJsonAsync("/api/v1/dev/clock/advance", new { by = "PT1H" });

        early.StatusCode.Should().Be(HttpStatusCode.OK);
        (await advanced.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("now").GetDateTimeOffset().Should().Be(HostFactory.T0 + TimeSpan.FromDays(15));
        (await StageAsync(delivery.Id)).Should().Be("completed", "the advance call returns after the due auto-acceptance fired");
    }

    [Theory]
    [InlineData("{\"by\":\"15 days\"}")]
    [InlineData("{\"by\":\"-P1D\"}")]
    [InlineData("{}")]
    public async Task A_bad_advance_is_a_validation_problem_and_moves_nothing(string body)
    {
        var client = _host.ClientFor(HostTestData.Platform, "en");

        var response = await client.PostAsync("/api/v1/dev/clock/advance", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        response.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json");
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        problem.GetProperty("code").GetString().Should().Be("validation_failed");
        problem.GetProperty("errors").GetProperty("by").EnumerateArray().Should().NotBeEmpty();
        _host.Clock.GetUtcNow().Should().Be(HostFactory.T0);
    }

    [Fact]
    public async Task Without_dev_settings_the_dev_endpoints_do_not_exist()
    {
        await using var production = await HostFactory.CreateAsync(new Dictionary<string, string?> { ["Dev:Enabled"] = "false", ["Dev:ClockControl"] = "false" });
        var client = production.ClientFor(HostTestData.Platform);

        (await client.PostAsJsonAsync("/api/v1/dev/tokens", new { sub = "x", roles = new[] { "platform" } })).StatusCode.Should().Be(HttpStatusCode.NotFound);
        (await client.GetAsync("/api/v1/dev/clock")).StatusCode.Should().Be(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Production_refuses_the_development_helpers()
    {
        await using var production = await HostFactory.CreateAsync(environment: "Production");

        var start = () => production.Services;

        start.Should().Throw<InvalidOperationException>().WithMessage("*Dev:Enabled*Production*");
    }

    [Fact]
    public async Task A_correctly_signed_token_without_a_subject_is_401_not_500()
    {
        var token = new Microsoft.IdentityModel.JsonWebTokens.JsonWebTokenHandler().CreateToken(new Microsoft.IdentityModel.Tokens.SecurityTokenDescriptor
        {
            Issuer = "servicedelivery",
            Audience = "servicedelivery-api",
            Subject = new System.Security.Claims.ClaimsIdentity([new("name", "无名"), new("role", "platform")]),
            Expires = DateTime.UtcNow.AddHours(1),
            SigningCredentials = new(new Microsoft.IdentityModel.Tokens.SymmetricSecurityKey(System.Text.Encoding.UTF8.GetBytes(HostFactory.SigningKey)), "HS256"),
        });
        var client = _host.ClientFor(null);
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);

        foreach (var path in new[] { "/api/v1/deliveries", "/api/v1/tasks", "/api/v1/deliveries/counts", "/api/v1/notifications?status=failed" })
        {
            var response = await client.GetAsync(path);
            response.StatusCode.Should().Be(HttpStatusCode.Unauthorized, path);
            response.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json");
        }
    }

    [Fact]
    public async Task Answers_to_a_signed_in_caller_are_not_stored()
    {
        await HostTestData.AcceptingAsync(_host.Services, "ORD-NOSTORE");
        var signedIn = await _host.ClientFor(HostTestData.Platform).GetAsync("/api/v1/deliveries");
        var refused = await _host.ClientFor(HostTestData.Buyer).GetAsync("/api/v1/notifications?status=failed");

        signedIn.StatusCode.Should().Be(HttpStatusCode.OK);
        signedIn.Headers.CacheControl!.NoStore.Should().BeTrue("a list of deliveries is personal data");
        refused.Headers.CacheControl!.NoStore.Should().BeTrue("errors to a signed-in caller too");
    }

    [Fact]
    public async Task Staging_refuses_the_development_helpers_too()
    {
        await using var staging = await HostFactory.CreateAsync(new Dictionary<string, string?> { ["Dev:ClockControl"] = "false" }, environment: "Staging");

        var start = () => staging.Services;

        start.Should().Throw<InvalidOperationException>().WithMessage("*only allowed in the Development environment*Staging*");
    }

    [Theory]
    [InlineData("", "*Evidence__SigningKey*")]
    [InlineData("not a key", "*Evidence:SigningKey is not an ECDSA P-256 private key*")]
    public async Task Outside_Development_the_host_refuses_to_start_without_a_key_to_sign_the_logs_anchors(string key, string message)
    {
        await using var production = await HostFactory.CreateAsync(
            new Dictionary<string, string?> { ["Evidence:SigningKey"] = key, ["Dev:Enabled"] = "false", ["Dev:ClockControl"] = "false" },
            environment: "Production");

        var start = () => production.Services;

        start.Should().Throw<InvalidOperationException>().WithMessage(message);
    }

    [Fact]
    public async Task Outside_Development_a_missing_connection_string_stops_the_start_and_says_what_to_set()
    {
        await using var production = await HostFactory.CreateAsync(
            new Dictionary<string, string?> { ["ConnectionStrings:ServiceDelivery"] = "", ["Dev:Enabled"] = "false", ["Dev:ClockControl"] = "false" },
            environment: "Production");

        var start = () => production.Services;

        start.Should().Throw<InvalidOperationException>().WithMessage("*ConnectionStrings__ServiceDelivery*")
            .Which.Message.Should().Contain("Production");
    }

    [Fact]
    public async Task Two_hosts_on_one_database_agree_on_the_development_clock()
    {
        await using var second = await HostFactory.CreateAsync(clock: AdjustableClock.FrozenAt(HostFactory.T0), connectionString: _host.ConnectionString);
        second.DropDatabaseOnDispose = false;
        var before = await (await _host.ClientFor(HostTestData.Platform).GetAsync("/api/v1/dev/clock")).Content.ReadFromJsonAsync<JsonElement>();

        var moved = await second.ClientFor(HostTestData.Platform).PostAsJsonAsync("/api/v1/dev/clock/advance", new { by = "P3D" });

        moved.StatusCode.Should().Be(HttpStatusCode.OK);
        var expected = before.GetProperty("now").GetDateTimeOffset() + TimeSpan.FromDays(3);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        DateTimeOffset seen;
        do
        {
            seen = (await (await _host.ClientFor(HostTestData.Platform).GetAsync("/api/v1/dev/clock")).Content.ReadFromJsonAsync<JsonElement>()).GetProperty("now").GetDateTimeOffset();
            if (seen >= expected)
            {
                break;
            }

            await Task.Delay(100);
        }
        while (DateTime.UtcNow < deadline);

        seen.Should().Be(expected, "the first host follows the offset the second one stored");
    }

    [Fact]
    public async Task The_host_refuses_to_start_without_a_signing_key()
    {
        await using var keyless = await HostFactory.CreateAsync(new Dictionary<string, string?> { ["Auth:SigningKey"] = "too-short" });

        var start = () => keyless.Services;

        start.Should().Throw<InvalidOperationException>().WithMessage("*Auth:SigningKey*");
    }

    private async Task<string> StageAsync(Guid id)
    {
        await using var db = TestDatabase.Context(_host.ConnectionString);
        return await db.Deliveries.Where(d => d.Id == id).Select(d => d.Stage).SingleAsync();
    }
}
