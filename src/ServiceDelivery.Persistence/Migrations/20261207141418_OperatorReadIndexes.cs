using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace ServiceDelivery.Persistence.Migrations
{
    /// <summary>
    /// What operators refresh reads on an index range: the stuck list (active deliveries newest first, the day of the
    /// last write in the key) and the platform's open reviews oldest first. Both are partial indexes; building the one on
    /// deliveries blocks writes to the table while it runs (about 2 s per million deliveries on the 2-core machine).
    /// </summary>
    public partial class OperatorReadIndexes : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateIndex(
                name: "ix_tasks_platform_open_opened_at_id",
                table: "tasks",
                columns: new[] { "opened_at", "id" },
                filter: "closed_at IS NULL AND role = 'platform' AND assignee_id IS NULL");

            migrationBuilder.CreateIndex(
                name: "ix_deliveries_active_created_at_id_updated_on",
                table: "deliveries",
                columns: new[] { "created_at", "id", "updated_on" },
                descending: new[] { true, true, false },
                filter: "status = 'active'");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_tasks_platform_open_opened_at_id",
                table: "tasks");

            migrationBuilder.DropIndex(
                name: "ix_deliveries_active_created_at_id_updated_on",
                table: "deliveries");
        }
    }
}
