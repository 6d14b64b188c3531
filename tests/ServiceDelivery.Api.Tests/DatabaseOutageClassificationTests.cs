using Npgsql;
using ServiceDelivery.Host.Hosting;

namespace ServiceDelivery.Api.Tests;

/// <summary>Which failures answer 503 (the database out of reach, try again) and which stay 500 (a bug).</summary>
public sealed class DatabaseOutageClassificationTests
{
    [Fact]
    public void A_database_out_of_reach_is_an_outage_and_an_error_the_database_answered_is_not()
    {
        DatabaseOutage.Is(new NpgsqlException("Exception while connecting", new System.Net.Sockets.SocketException(111))).Should().BeTrue();
        DatabaseOutage.Is(new InvalidOperationException("wrapped", new NpgsqlException("Exception while reading from stream"))).Should().BeTrue();
        DatabaseOutage.Is(new PostgresException("terminating connection due to administrator command", "FATAL", "FATAL", "57P01")).Should().BeTrue();
        DatabaseOutage.Is(new PostgresException("connection failure", "FATAL", "FATAL", "08006")).Should().BeTrue();

        DatabaseOutage.Is(new PostgresException("duplicate key value", "ERROR", "ERROR", "23505")).Should().BeFalse("a constraint is a bug or a race, not an outage");
        DatabaseOutage.Is(new InvalidOperationException("something else")).Should().BeFalse();
        DatabaseOutage.Is(null).Should().BeFalse();
    }
}
