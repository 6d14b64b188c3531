using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace ServiceDelivery.Persistence.Migrations
{
    /// <inheritdoc />
    public partial class OperationsConsole : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "saved_filters",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    name = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    query = table.Column<string>(type: "character varying(2000)", maxLength: 2000, nullable: false),
                    saved_by = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    saved_by_name = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    saved_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_saved_filters", x => x.id);
                });

            migrationBuilder.CreateIndex(
                name: "ix_deliveries_status_stage_entered_at",
                table: "deliveries",
                columns: new[] { "status", "stage_entered_at" });

            migrationBuilder.CreateIndex(
                name: "ix_deliveries_status_updated_at",
                table: "deliveries",
                columns: new[] { "status", "updated_at" });

            migrationBuilder.CreateIndex(
                name: "ix_saved_filters_saved_at",
                table: "saved_filters",
                column: "saved_at");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "saved_filters");

            migrationBuilder.DropIndex(
                name: "ix_deliveries_status_stage_entered_at",
                table: "deliveries");

            migrationBuilder.DropIndex(
                name: "ix_deliveries_status_updated_at",
                table: "deliveries");
        }
    }
}
