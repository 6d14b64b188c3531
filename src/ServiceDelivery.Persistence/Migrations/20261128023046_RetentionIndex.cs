using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace ServiceDelivery.Persistence.Migrations
{
    /// <inheritdoc />
    public partial class RetentionIndex : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateIndex(
                name: "ix_timers_ended_at",
                table: "timers",
                column: "ended_at",
                filter: "ended_at IS NOT NULL");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_timers_ended_at",
                table: "timers");
        }
    }
}
