using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace ServiceDelivery.Persistence.Migrations
{
    /// <summary>
    /// Deliveries' updates can be HOT: "stuck" is indexed on the day of the last write (a computed column) instead of its
    /// instant, and pages keep a tenth free. Writers lock a row with a plain statement; lock_delivery() goes. Adding the
    /// stored column rewrites the table once.
    /// </summary>
    public partial class HotDeliveryUpdates : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("DROP FUNCTION lock_delivery(uuid);");

            migrationBuilder.DropIndex(
                name: "ix_deliveries_status_updated_at",
                table: "deliveries");

            migrationBuilder.AlterTable(
                name: "deliveries")
                .Annotation("Npgsql:StorageParameter:fillfactor", 90);

            migrationBuilder.AddColumn<DateOnly>(
                name: "updated_on",
                table: "deliveries",
                type: "date",
                nullable: false,
                computedColumnSql: "(updated_at AT TIME ZONE 'UTC')::date",
                stored: true);

            migrationBuilder.CreateIndex(
                name: "ix_deliveries_status_updated_on",
                table: "deliveries",
                columns: new[] { "status", "updated_on" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_deliveries_status_updated_on",
                table: "deliveries");

            migrationBuilder.DropColumn(
                name: "updated_on",
                table: "deliveries");

            migrationBuilder.AlterTable(
                name: "deliveries")
                .OldAnnotation("Npgsql:StorageParameter:fillfactor", 90);

            migrationBuilder.CreateIndex(
                name: "ix_deliveries_status_updated_at",
                table: "deliveries",
                columns: new[] { "status", "updated_at" });

            migrationBuilder.Sql("""
                CREATE FUNCTION lock_delivery(delivery_id uuid) RETURNS SETOF deliveries
                LANGUAGE sql AS $$ SELECT * FROM deliveries WHERE id = delivery_id FOR UPDATE $$;
                """);
        }
    }
}
