using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace ServiceDelivery.Persistence.Migrations
{
    /// <summary>lock_delivery(id): the delivery row, locked FOR UPDATE; writers compose their load on it.</summary>
    public partial class LockDeliveryFunction : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // VOLATILE: it takes a lock, so it must run exactly once per query and is never inlined away.
            migrationBuilder.Sql("""
                CREATE FUNCTION lock_delivery(delivery_id uuid) RETURNS SETOF deliveries
                LANGUAGE sql VOLATILE
                AS $$ SELECT * FROM deliveries WHERE id = delivery_id FOR UPDATE $$;
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("DROP FUNCTION lock_delivery(uuid);");
        }
    }
}
